//! One CPU memory arena for every session of the process, registered on the environment. Each
//! session otherwise grows its own arena, so the encoder's and the decoder's peaks add up, and a
//! one-shot command pays first-touch page faults on both; with one arena the decoder reuses the pages
//! the encoder touched. ort exposes the session switch (`session.use_env_allocators`) but not the
//! registration, hence this one C call.
#![allow(unsafe_code)]

use std::ffi::CStr;

use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
use ort::AsPointer;

use crate::error::{AdainError, Result};

/// Registers a CPU arena with ONNX Runtime's default arena settings on `environment`.
pub fn register(environment: &ort::environment::Environment) -> Result<()> {
    let memory = MemoryInfo::new(
        AllocationDevice::CPU,
        0,
        AllocatorType::Arena,
        MemoryType::Default,
    )
    .map_err(|e| AdainError::ort("describing CPU memory for the shared arena", e))?;
    let api = ort::api();
    // SAFETY: both pointers come from live ort wrappers (non-null by their contract); a null arena
    // configuration asks for the defaults. The environment keeps the allocator until it is released.
    let status = unsafe {
        (api.CreateAndRegisterAllocator)(
            environment.ptr().cast_mut(),
            memory.ptr(),
            std::ptr::null(),
        )
    };
    if status.0.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null status carries a NUL-terminated message owned by the status, copied out
    // before the status is released exactly once.
    let message = unsafe {
        let message = CStr::from_ptr((api.GetErrorMessage)(status.0))
            .to_string_lossy()
            .into_owned();
        (api.ReleaseStatus)(status.0);
        message
    };
    Err(AdainError::RuntimeLoad {
        path: "shared CPU arena".into(),
        message,
    })
}
