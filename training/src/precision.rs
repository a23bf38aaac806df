//! The precision training computes its convolutions in, and which one a machine runs fast.
//!
//! bf16 halves the work only where the CPU has bfloat16 instructions (AVX512-BF16): there torch's
//! bf16 GEMM ran ~4× its fp32 one. Without them libtorch falls back to scalar kernels; on an AVX2-only
//! EPYC a 128-channel 3×3 convolution ran at 0.5 GFLOP/s in bf16 against 55 in fp32, and a training
//! iteration took minutes. `auto` picks bf16 only where it is native.

use std::fmt;
use std::str::FromStr;

use tch::{Device, Kind};

use crate::error::TrainError;

/// What `--precision` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// bf16 where the device runs it natively, fp32 elsewhere.
    Auto,
    Fp32,
    /// Convolutions in bfloat16 against f32 master weights.
    Bf16,
}

impl FromStr for Precision {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self, TrainError> {
        match s {
            "auto" => Ok(Self::Auto),
            "fp32" => Ok(Self::Fp32),
            "bf16" => Ok(Self::Bf16),
            other => Err(TrainError::Config(format!(
                "--precision {other}: expected auto, fp32 or bf16"
            ))),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Fp32 => "fp32",
            Self::Bf16 => "bf16",
        })
    }
}

impl Precision {
    /// The concrete precision on `device` (never `Auto`), given whether the CPU has native bf16.
    /// CUDA gets fp32: cuDNN already runs its convolutions in TF32 on the GPUs that have bf16.
    pub fn resolve(self, device: Device, cpu_native_bf16: bool) -> Precision {
        match (self, device) {
            (Self::Auto, Device::Cpu) if cpu_native_bf16 => Self::Bf16,
            (Self::Auto, _) => Self::Fp32,
            (concrete, _) => concrete,
        }
    }

    /// The tensor kind the convolutions run in (`Auto` must be resolved first).
    pub fn kind(self) -> Kind {
        match self {
            Self::Bf16 => Kind::BFloat16,
            Self::Fp32 | Self::Auto => Kind::Float,
        }
    }
}

/// Whether this CPU has bfloat16 arithmetic (AVX512-BF16; every AMX CPU has it too).
pub fn cpu_has_native_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The precision a run computes in on `device`, with a warning where bf16 was asked for on a CPU
/// that would emulate it.
pub fn choose(requested: Precision, device: Device) -> Precision {
    let native = cpu_has_native_bf16();
    let chosen = requested.resolve(device, native);
    if chosen == Precision::Bf16 && device == Device::Cpu && !native {
        tracing::warn!(
            "bf16 on a CPU without AVX512-BF16: libtorch emulates it, about 100× slower than fp32 \
             (pass --precision auto or fp32)"
        );
    }
    if requested == Precision::Auto {
        tracing::info!("--precision auto: {chosen} on this machine");
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_takes_bf16_only_where_the_cpu_has_it() {
        assert_eq!(Precision::Auto.resolve(Device::Cpu, true), Precision::Bf16);
        assert_eq!(Precision::Auto.resolve(Device::Cpu, false), Precision::Fp32);
        assert_eq!(
            Precision::Auto.resolve(Device::Cuda(0), true),
            Precision::Fp32
        );
        assert_eq!(Precision::Bf16.resolve(Device::Cpu, false), Precision::Bf16);
        assert_eq!(Precision::Fp32.resolve(Device::Cpu, true), Precision::Fp32);
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for p in [Precision::Auto, Precision::Fp32, Precision::Bf16] {
            assert_eq!(p.to_string().parse::<Precision>().unwrap(), p);
        }
        let err = "fp16".parse::<Precision>().unwrap_err().to_string();
        assert!(
            err.contains("fp16") && err.contains("auto, fp32 or bf16"),
            "{err}"
        );
    }
}
