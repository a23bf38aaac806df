// Same libtorch rpath as the training crate's binaries (link args do not propagate to dependents).
include!("../training/build.rs");
