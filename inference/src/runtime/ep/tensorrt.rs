//! The TensorRT provider. Needs the Cargo feature `tensorrt`, an ONNX Runtime GPU build and the
//! TensorRT 10 libraries. Engines are built for a range of input sizes (an optimisation profile over
//! the dynamic H and W) and cached on disk, because building one takes minutes.

/// Image sides (pixels) of the optimisation profile: smallest, most common, largest.
pub const PROFILE_IMAGE_SIDES: [usize; 3] = [32, 512, 4096];

#[cfg(feature = "tensorrt")]
mod enabled {
    use ort::ep::{ExecutionProvider, ExecutionProviderDispatch, TensorRT};

    use super::PROFILE_IMAGE_SIDES;
    use crate::error::{AdainError, Result};
    use crate::runtime::ep::{Provider, ProviderOptions};
    use crate::runtime::graph::GraphInput;

    pub const COMPILED_IN: bool = true;

    pub fn in_library() -> ort::Result<bool> {
        TensorRT::is_available()
    }

    pub fn dispatch(
        options: &ProviderOptions,
        graph: &GraphInput,
    ) -> Result<ExecutionProviderDispatch> {
        std::fs::create_dir_all(&options.trt_cache).map_err(|e| AdainError::ExecutionProvider {
            provider: Provider::TensorRt.ort_name(),
            reason: format!(
                "cannot create the engine cache {}: {e}",
                options.trt_cache.display()
            ),
        })?;
        let cache = options.trt_cache.to_string_lossy().into_owned();
        let [min, opt, max] = PROFILE_IMAGE_SIDES.map(|side| graph.profile_shape(side));
        Ok(TensorRT::default()
            .with_device_id(options.device_id)
            .with_fp16(options.fp16)
            .with_engine_cache(true)
            .with_engine_cache_path(&cache)
            .with_timing_cache(true)
            .with_timing_cache_path(&cache)
            .with_profile_min_shapes(min)
            .with_profile_opt_shapes(opt)
            .with_profile_max_shapes(max)
            .build()
            .error_on_failure())
    }
}

#[cfg(not(feature = "tensorrt"))]
mod enabled {
    use ort::ep::ExecutionProviderDispatch;

    use crate::error::Result;
    use crate::runtime::ep::{not_compiled, Provider, ProviderOptions};
    use crate::runtime::graph::GraphInput;

    pub const COMPILED_IN: bool = false;

    pub fn in_library() -> ort::Result<bool> {
        Ok(false)
    }

    pub fn dispatch(_: &ProviderOptions, _: &GraphInput) -> Result<ExecutionProviderDispatch> {
        Err(not_compiled(Provider::TensorRt, "tensorrt"))
    }
}

pub(super) use enabled::{dispatch, in_library, COMPILED_IN};
