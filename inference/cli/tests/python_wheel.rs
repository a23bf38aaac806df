//! The `adain` Python wheel (`cargo xtask wheel`), installed into a fresh venv with numpy and pytest
//! from PyPI, passes python/tests: results equal to this command's, bad inputs raising, threads, and
//! OpenVINO from the plugin the wheel carries.

mod common;

use common::python::{built_wheel, run};

use std::path::Path;
use std::process::Command;

#[test]
fn the_wheel_installs_in_a_fresh_venv_and_passes_its_tests() {
    let Some(wheel) = built_wheel() else {
        return;
    };
    let venv = tempfile::tempdir().unwrap();
    let python = std::env::var("ADAIN_PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(python).args(["-m", "venv"]).arg(venv.path()));
    let venv_python = venv.path().join("bin").join("python");
    run(Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .args(["pytest"]));
    // Imported from the venv, not from the source tree: the bundled runtime and model are found,
    // and on x86-64 the bundled OpenVINO plugin (with its notices) rather than any other.
    let info = run(Command::new(&venv_python).args([
        "-c",
        "import adain; print(adain.runtime_info()[0]); print(adain.__file__)",
    ]));
    assert!(info.contains("site-packages/adain/_bundle/"), "{info}");
    if cfg!(target_arch = "x86_64") {
        let plugin = run(Command::new(&venv_python).args([
            "-c",
            "import adain, pathlib; p = pathlib.Path(adain.openvino_plugin()); print(p); \
             print(sorted(f.name for f in p.parent.iterdir()))",
        ]));
        assert!(
            plugin.contains("site-packages/adain/_bundle/openvino/"),
            "{plugin}"
        );
        for notice in ["third-party-programs.txt", "README.txt"] {
            assert!(plugin.contains(notice), "{notice}: {plugin}");
        }
    }
    let tests: &Path = &adain_test_kit::workspace_root()
        .join("inference")
        .join("python")
        .join("tests");
    // The kit's generated pictures, which conftest.py's `picture` must reproduce.
    let pictures = tempfile::tempdir().unwrap();
    for (w, h, seed) in [(96, 72, 1), (80, 64, 5), (64, 64, 9)] {
        let name = format!("{w}x{h}-{seed}.png");
        adain_test_kit::images::write_image(pictures.path(), &name, w, h, seed);
    }
    // The Ray tests run in their own venv (python_ray.rs).
    let report = run(Command::new(&venv_python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(format!("--ignore={}", tests.join("ray").display()))
        .arg(tests)
        .env("ADAIN_BIN", env!("CARGO_BIN_EXE_adain"))
        .env("ADAIN_KIT_PICTURES", pictures.path())
        .current_dir(venv.path()));
    eprintln!("{report}");
    assert!(
        report.contains("passed") && !report.contains("skipped"),
        "{report}"
    );
}
