//! Triton's model-configuration schema for the export tests: `tritonclient` (for its generated
//! `model_config_pb2`) and protobuf, pinned, without their other dependencies, in a small venv in the
//! cache. Nothing of Triton is vendored into the repository.

use adain_test_kit::{TRITON_SCHEMA_PACKAGES, TRITON_SCHEMA_VENV};
use anyhow::Result;

use super::venv::Venv;

/// Imports the schema the way the tests do (by file, so tritonclient's grpc dependencies are not needed).
const PROBE: &str = "import importlib.util, os, tritonclient; \
    p = os.path.join(os.path.dirname(tritonclient.__file__), 'grpc', 'model_config_pb2.py'); \
    s = importlib.util.spec_from_file_location('model_config_pb2', p); \
    m = importlib.util.module_from_spec(s); s.loader.exec_module(m); m.ModelConfig()";

pub fn install() -> Result<()> {
    Venv {
        name: TRITON_SCHEMA_VENV,
        packages: &TRITON_SCHEMA_PACKAGES,
        pip_args: &["--no-deps"],
        probe: PROBE,
        used_for: "Triton config schema",
    }
    .ensure()
    .map(drop)
}
