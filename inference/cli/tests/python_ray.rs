//! python/examples/ray_stylize.py on a local Ray cluster (`ray.init(num_cpus=2)`), with the freshly
//! built wheel installed into the Ray venv of `cargo xtask setup --ray`: python/tests/ray.

mod common;

use std::process::Command;

use common::python::{built_wheel, run};

#[test]
fn the_ray_example_equals_one_process() {
    let Some(wheel) = built_wheel() else {
        return;
    };
    let Some(python) = adain_test_kit::venv_python(
        adain_test_kit::RAY_VENV,
        "the Ray venv",
        "cargo xtask setup --ray",
    ) else {
        return;
    };
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--force-reinstall", "--no-deps"])
        .arg(&wheel));
    let tests = adain_test_kit::workspace_root()
        .join("inference")
        .join("python")
        .join("tests");
    let scratch = tempfile::tempdir().unwrap();
    let report = run(Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir"])
        .arg(&tests)
        .arg(tests.join("ray"))
        .env("ADAIN_BIN", env!("CARGO_BIN_EXE_adain"))
        // Ray keeps its session files under the temporary folder: one per test run.
        .env("RAY_TMPDIR", scratch.path())
        .current_dir(scratch.path()));
    eprintln!("{report}");
    assert!(
        report.contains("2 passed") && !report.contains("skipped"),
        "{report}"
    );
}
