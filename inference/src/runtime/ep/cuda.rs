//! The CUDA provider. Needs the Cargo feature `cuda` and an ONNX Runtime GPU build whose CUDA 13 and
//! cuDNN 9 libraries are on the loader path (LD_LIBRARY_PATH).

#[cfg(feature = "cuda")]
mod enabled {
    use ort::ep::{ExecutionProvider, ExecutionProviderDispatch, CUDA};

    use crate::error::Result;
    use crate::runtime::ep::ProviderOptions;

    pub const COMPILED_IN: bool = true;

    pub fn in_library() -> ort::Result<bool> {
        CUDA::is_available()
    }

    pub fn dispatch(options: &ProviderOptions) -> Result<ExecutionProviderDispatch> {
        Ok(CUDA::default()
            .with_device_id(options.device_id)
            .build()
            .error_on_failure())
    }
}

#[cfg(not(feature = "cuda"))]
mod enabled {
    use ort::ep::ExecutionProviderDispatch;

    use crate::error::Result;
    use crate::runtime::ep::{not_compiled, Provider, ProviderOptions};

    pub const COMPILED_IN: bool = false;

    pub fn in_library() -> ort::Result<bool> {
        Ok(false)
    }

    pub fn dispatch(_: &ProviderOptions) -> Result<ExecutionProviderDispatch> {
        Err(not_compiled(Provider::Cuda, "cuda"))
    }
}

pub(super) use enabled::{dispatch, in_library, COMPILED_IN};
