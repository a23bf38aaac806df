//! The library as another Rust program embeds it: none of the command's or the server's
//! dependencies, explicit places for the model and the runtime, precisions as a type.

use std::path::{Path, PathBuf};
use std::process::Command;

use adain::package::{default_package_search_order, locate_package, DEFAULT_PACKAGE};
use adain::runtime::library;
use adain::{AdainError, Precision, PrecisionChoice, Runtime};

/// What the command (inference/cli) and the server (inference/serve) need and the library must not.
const FRONT_END_ONLY: [&str; 8] = [
    "clap",
    "indicatif",
    "anyhow",
    "tracing-subscriber",
    "ctrlc",
    "tokio",
    "axum",
    "utoipa",
];

/// The crates `package` depends on (normal dependencies, transitively).
fn dependencies(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--package",
            package,
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .expect("running cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn the_library_pulls_in_none_of_the_command_or_server_dependencies() {
    let library = dependencies("adain");
    for name in FRONT_END_ONLY {
        assert!(
            !library.iter().any(|d| d == name),
            "{name} is a dependency of the library"
        );
    }
    // The check sees them where they are.
    let command = dependencies("adain-cli");
    for name in FRONT_END_ONLY {
        assert!(
            command.iter().any(|d| d == name),
            "{name} missing from the command's dependencies: {command:?}"
        );
    }
}

#[test]
fn the_default_package_is_found_in_the_roots_given_in_order() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let places = default_package_search_order(&[a.path(), b.path()]);
    assert_eq!(places[0], a.path().join(DEFAULT_PACKAGE));
    let err = locate_package(&places).unwrap_err();
    let AdainError::NoDefaultPackage { tried } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(tried.len(), 2);
    assert!(tried[0].contains("no such folder"), "{tried:?}");

    std::fs::create_dir_all(&places[0]).unwrap();
    assert!(locate_package(&places)
        .unwrap_err()
        .to_string()
        .contains("has no manifest.json"));
    std::fs::create_dir_all(&places[1]).unwrap();
    std::fs::write(places[1].join("manifest.json"), "{}").unwrap();
    assert_eq!(locate_package(&places).unwrap(), places[1]);
}

#[test]
fn precision_choices_parse_as_on_the_command_line() {
    assert_eq!(
        "auto".parse::<PrecisionChoice>().unwrap(),
        PrecisionChoice::Auto
    );
    assert_eq!(
        "INT8".parse::<PrecisionChoice>().unwrap(),
        PrecisionChoice::Exact(Precision::Int8)
    );
    assert_eq!(PrecisionChoice::from(Precision::Fp16).to_string(), "fp16");
    let err = "int4".parse::<PrecisionChoice>().unwrap_err();
    assert!(matches!(err, AdainError::InvalidParameter(_)), "{err:?}");
}

#[test]
fn the_runtime_loads_from_an_explicit_file_and_refuses_a_second_one() {
    let missing = Path::new("/nonexistent/libonnxruntime.so");
    let err = Runtime::init_from(missing)
        .err()
        .expect("a missing file is refused");
    assert!(
        err.to_string().contains("/nonexistent/libonnxruntime.so"),
        "{err}"
    );

    let found: PathBuf = library::locate().expect("`cargo xtask setup` installs ONNX Runtime");
    let runtime = Runtime::init_from(&found).expect("loads from the given file");
    assert_eq!(runtime.library(), found);
    assert!(runtime.version().is_some());
    // The same file again is fine; another one cannot replace the loaded runtime.
    Runtime::init_from(&found).unwrap();
    let copy = tempfile::tempdir().unwrap();
    let other = copy.path().join(found.file_name().unwrap());
    std::fs::copy(&found, &other).unwrap();
    let err = Runtime::init_from(&other)
        .err()
        .expect("a second library is refused");
    assert!(err.to_string().contains("already loaded from"), "{err}");
}
