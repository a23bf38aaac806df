//! The version the loaded library reports about itself. ONNX Runtime's build string names the
//! release branch only in some builds (the 1.31.1 wheels say `git-branch=HEAD`), and file names only
//! carry it on Linux and macOS, so we ask the library: `OrtGetApiBase()->GetVersionString()`.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::path::Path;

/// The version string of the ONNX Runtime library at `library` (e.g. "1.31.1"), or `None` when the
/// file is not an ONNX Runtime library. The process has already loaded it ([`super::Runtime::get`]),
/// so this only takes another reference to the same module.
pub fn reported_version(library: &Path) -> Option<String> {
    // SAFETY: loading runs the library's initialisers, which already ran when ort loaded this file.
    let lib = unsafe { libloading::Library::new(library) }.ok()?;
    // SAFETY: `OrtGetApiBase` is ONNX Runtime's one C entry point, `const OrtApiBase* (void)`, with
    // this signature in every release; the symbol is looked up by that name.
    let get_base = unsafe {
        lib.get::<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase>(b"OrtGetApiBase\0")
    }
    .ok()?;
    // SAFETY: the function takes no arguments and returns a pointer to a static struct.
    let base = unsafe { get_base() };
    if base.is_null() {
        return None;
    }
    // SAFETY: `base` points to the library's static OrtApiBase; GetVersionString returns a pointer
    // to a static NUL-terminated string, valid while the library stays loaded (we copy it out first).
    let version = unsafe { CStr::from_ptr(((*base).GetVersionString)()) };
    let version = version.to_str().ok().map(str::to_string);
    drop(lib);
    version
}
