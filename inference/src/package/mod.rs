//! A model package folder (`encoder.onnx`, `decoder.onnx`, `manifest.json`), loaded and checked
//! before anything runs: files and hashes, graph interfaces, and that the manifest and both graphs
//! agree on the statistics convention and on which encoder they belong to.

mod graph_checks;
pub mod kernels;
mod locate;

use std::path::{Path, PathBuf};

use adain_models::manifest::{Manifest, PackageFile, Role};
use adain_models::onnx::read_model;

/// The first root to search for the default package (release archives ship it next to `adain`).
pub use crate::runtime::library::executable_dir;
pub use locate::{
    default_package_in, default_package_search_order, locate_package, DEFAULT_PACKAGE,
};

use crate::error::{AdainError, Result};
use crate::runtime::ep::openvino::{self, AutoChoice};
use crate::runtime::{Provider, ProviderRequest};

pub use adain_models::package::Precision;

/// Which graphs of a package to run: a precision listed in its manifest, or `Auto`, the best
/// validated one for the execution provider (see [`ModelPackage::load`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrecisionChoice {
    #[default]
    Auto,
    Exact(Precision),
}

impl From<Precision> for PrecisionChoice {
    fn from(precision: Precision) -> Self {
        Self::Exact(precision)
    }
}

impl std::str::FromStr for PrecisionChoice {
    type Err = AdainError;
    /// `auto`, `fp32`, `fp16` or `int8` (any case), as on the command line.
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        s.parse::<Precision>().map(Self::Exact).map_err(|_| {
            AdainError::InvalidParameter(format!(
                "unknown precision `{s}` (expected auto, fp32, fp16 or int8)"
            ))
        })
    }
}

impl std::fmt::Display for PrecisionChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Exact(p) => write!(f, "{p}"),
        }
    }
}

/// One passed check, for `adain info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: String,
    pub detail: String,
}

/// A checked model package.
#[derive(Debug, Clone)]
pub struct ModelPackage {
    dir: PathBuf,
    manifest: Manifest,
    precision: String,
    encoder_path: PathBuf,
    decoder_path: PathBuf,
    checks: Vec<Check>,
    /// The provider the graphs were chosen for.
    provider: Provider,
}

impl ModelPackage {
    /// Loads and checks the package in `dir`: the graphs of `precision` for the execution provider
    /// `provider` will most likely get.
    ///
    /// - `precision`: one listed in the manifest (fp32, fp16, int8), loaded as asked, validated or
    ///   not; or `Auto`, the best validated one for the provider: int8 on the CPU (with VNNI:
    ///   [`int8_kernels_exact`]), fp16 on CUDA and TensorRT, each only when listed and validated
    ///   (PSNR against fp32 at or above the threshold recorded by the exporter), else fp32. A validated
    ///   variant whose files fail their checks (missing, wrong sha256) is refused with a warning and
    ///   the next candidate is taken.
    /// - `provider`: a [`Provider`] (`Provider::Cpu.into()`) or a [`ProviderRequest`]; for
    ///   `ProviderRequest::Auto`, the first GPU provider compiled in and present in the ONNX Runtime
    ///   library, else OpenVINO where it is the faster path for this package on this CPU, else the CPU.
    ///
    /// ```no_run
    /// use adain::{ModelPackage, Precision, PrecisionChoice, Provider, ProviderRequest};
    /// # fn main() -> adain::Result<()> {
    /// let exact = ModelPackage::load("models/default", Precision::Fp32, Provider::Cpu)?;
    /// let fastest = ModelPackage::load("models/default", PrecisionChoice::Auto, ProviderRequest::Auto)?;
    /// # Ok(()) }
    /// ```
    pub fn load(
        dir: impl AsRef<Path>,
        precision: impl Into<PrecisionChoice>,
        provider: impl Into<ProviderRequest>,
    ) -> Result<Self> {
        let dir = dir.as_ref();
        let precision = precision.into();
        let request = provider.into();
        let provider = match request {
            ProviderRequest::Only(p) | ProviderRequest::Prefer(p) => p,
            ProviderRequest::Auto if precision != PrecisionChoice::Auto => Provider::Cpu,
            ProviderRequest::Auto => request
                .candidates()
                .into_iter()
                .find(|p| *p == Provider::Cpu || p.in_library().unwrap_or(false))
                .unwrap_or(Provider::Cpu),
        };
        if request != ProviderRequest::Auto || provider != Provider::Cpu {
            return Self::load_on(dir, precision, provider);
        }
        // No GPU: OpenVINO where it is the faster path for this package on this CPU.
        let manifest = Self::manifest_in(dir)?;
        match openvino::auto_choice(&manifest) {
            AutoChoice::Taken => Self::load_on(dir, precision, Provider::OpenVino),
            AutoChoice::NotTaken(why) => {
                let mut package = Self::load_on(dir, precision, Provider::Cpu)?;
                if let Some(check) = package.checks.iter_mut().find(|c| c.what == "precision") {
                    check.detail.push_str(&format!(" (not OpenVINO: {why})"));
                }
                Ok(package)
            }
        }
    }

    /// The graphs of `precision` for a known `provider`.
    fn load_on(dir: &Path, precision: PrecisionChoice, provider: Provider) -> Result<Self> {
        let manifest = Self::manifest_in(dir)?;
        let package = match precision {
            PrecisionChoice::Exact(p) => {
                let package = Self::load_exact(dir, manifest, p.as_str(), None)?;
                if p == Precision::Int8 && provider == Provider::Cpu && !int8_kernels_exact() {
                    // Checked after the files, so a broken package says so first.
                    return Err(AdainError::PrecisionUnavailable {
                        path: dir.to_path_buf(),
                        reason: INT8_NEEDS_EXACT_KERNELS.to_string(),
                    });
                }
                package
            }
            PrecisionChoice::Auto => {
                Self::load_auto(dir, manifest, provider, int8_kernels_exact())?
            }
        };
        Ok(Self {
            provider,
            ..package
        })
    }

    /// The manifest of the package folder `dir`, or an error saying what a package folder holds.
    fn manifest_in(dir: &Path) -> Result<Manifest> {
        if !dir.is_dir() {
            return Err(AdainError::package(dir, "no such model folder (a model package holds manifest.json, encoder.onnx and decoder.onnx)"));
        }
        Ok(Manifest::load(dir)?)
    }

    fn load_auto(
        dir: &Path,
        manifest: Manifest,
        provider: Provider,
        int8_exact: bool,
    ) -> Result<Self> {
        let candidates = auto_candidates(provider);
        for candidate in auto_order(&manifest, provider, int8_exact) {
            let name = candidate.as_str();
            if candidate == Precision::Fp32 {
                let why = if provider == Provider::OpenVino {
                    openvino_arithmetic(&manifest)
                } else {
                    format!(
                        "auto on {provider}: {}",
                        why_not_variants(&manifest, &candidates)
                    )
                };
                return Self::load_exact(dir, manifest, name, Some(why));
            }
            let v = manifest
                .validation(name)
                .expect("validated implies a validation record");
            let why = format!(
                "auto on {provider}: {name}, validated at {:.1} dB PSNR against fp32 over {} pairs",
                v.psnr_db, v.pairs
            );
            match Self::load_exact(dir, manifest.clone(), name, Some(why)) {
                Ok(package) => return Ok(package),
                Err(e) => tracing::warn!(
                    "the {name} graphs of {} are refused, trying the next precision: {e}",
                    dir.display()
                ),
            }
        }
        unreachable!("fp32 is always the last candidate")
    }

    /// The provider the graphs were chosen for: what `auto` resolved to, or the one requested.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    fn load_exact(
        dir: &Path,
        manifest: Manifest,
        precision: &str,
        auto: Option<String>,
    ) -> Result<Self> {
        let mut checks = vec![Check {
            what: "manifest".into(),
            detail: format!(
                "{} {} ({}), convention matches",
                manifest.name,
                manifest.version,
                dir.join("manifest.json").display()
            ),
        }];
        if let Some(why) = auto {
            checks.push(Check {
                what: "precision".into(),
                detail: why,
            });
        } else if precision != Precision::Fp32.as_str()
            && !manifest.is_validated(precision)
            && manifest.file(Role::Decoder, precision).is_some()
        {
            tracing::warn!("{}: the {precision} graphs are not validated against fp32 (see `adain info`); running them as asked", dir.display());
        }

        let graph = |role: Role| -> Result<&PackageFile> {
            manifest.file(role, precision).ok_or_else(|| {
                AdainError::package(
                    dir.join("manifest.json"),
                    format!(
                        "no {role:?} graph of precision `{precision}` (listed: {:?}; or `auto`)",
                        manifest.precisions(role)
                    ),
                )
            })
        };
        let (encoder_file, decoder_file) = (graph(Role::Encoder)?, graph(Role::Decoder)?);
        encoder_file.verify(dir)?;
        decoder_file.verify(dir)?;
        let hashed: Vec<&str> = [encoder_file, decoder_file]
            .iter()
            .filter(|f| f.sha256.is_some())
            .map(|f| f.path.as_str())
            .collect();
        checks.push(Check {
            what: "files".into(),
            detail: format!(
                "{} and {} present; sha256 matches for {:?}",
                encoder_file.path, decoder_file.path, hashed
            ),
        });
        let (encoder_path, decoder_path) =
            (dir.join(&encoder_file.path), dir.join(&decoder_file.path));

        for (role, path) in [
            (Role::Encoder, &encoder_path),
            (Role::Decoder, &decoder_path),
        ] {
            checks.extend(check_graph(
                role,
                &read_model(path)?,
                path,
                &manifest,
                precision,
            )?);
        }

        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            precision: precision.to_string(),
            encoder_path,
            decoder_path,
            checks,
            provider: Provider::Cpu,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// The precision of the loaded graphs (never `auto`: what it resolved to).
    pub fn precision(&self) -> &str {
        &self.precision
    }
    pub fn encoder_path(&self) -> &Path {
        &self.encoder_path
    }
    pub fn decoder_path(&self) -> &Path {
        &self.decoder_path
    }
    /// Identity (sha256 of the weights) of the encoder; stats files must carry the same.
    pub fn encoder_identity(&self) -> &str {
        &self.manifest.encoder.identity
    }
    /// What was checked, in order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }
}

/// Checks one parsed graph of `role` against the model contract and the manifest it is listed in:
/// interface names, element types, ranks and channels, the `adain.*` metadata and, for an fp32
/// encoder, that its weights hash to the manifest's encoder identity. `path` names it in errors.
pub fn check_graph(
    role: Role,
    model: &adain_models::onnx::ModelProto,
    path: &Path,
    manifest: &Manifest,
    precision: &str,
) -> Result<Vec<Check>> {
    match role {
        Role::Encoder => graph_checks::check_encoder(model, path, manifest, precision),
        Role::Decoder => graph_checks::check_decoder(model, path, manifest, precision),
    }
}

/// Precisions `auto` tries on `provider`, best first; fp32 always last.
pub fn auto_candidates(provider: Provider) -> Vec<Precision> {
    match provider {
        Provider::Cpu => vec![Precision::Int8, Precision::Fp32],
        Provider::Cuda | Provider::TensorRt => vec![Precision::Fp16, Precision::Fp32],
        // OpenVINO picks its own arithmetic for the fp32 graphs (see `InferencePrecision`).
        Provider::OpenVino => vec![Precision::Fp32],
    }
}

/// Why int8 graphs are refused on a CPU whose int8 kernels are not exact. Measured on an AVX2-only
/// AMD EPYC: a test image's relu4_1 features from the int8 encoder at 8 dB signal-to-noise against
/// fp32's (at least 20 dB where the kernels are exact), an int8 export's pipeline at 15 dB PSNR.
pub const INT8_NEEDS_EXACT_KERNELS: &str = "int8 graphs need exact int8 kernels, on x86-64 a CPU \
    with AVX512-VNNI or AVX-VNNI: this one has neither, and ONNX Runtime's AVX2 kernels add u8×s8 \
    products in saturating 16 bits, which ruins the result";

/// The precisions `auto` tries on `provider`, best first, ending with fp32: the validated variants
/// of the manifest, int8 only where the CPU's int8 kernels are exact (`int8_exact`, as
/// [`int8_kernels_exact`] finds on this machine).
pub fn auto_order(manifest: &Manifest, provider: Provider, int8_exact: bool) -> Vec<Precision> {
    auto_candidates(provider)
        .into_iter()
        .filter(|candidate| match candidate {
            Precision::Fp32 => true,
            Precision::Int8 if !int8_exact => {
                if manifest.is_validated(candidate.as_str()) {
                    tracing::info!("int8 graphs not taken: this CPU has no VNNI, where ONNX Runtime's u8×s8 kernels can saturate");
                }
                false
            }
            _ => manifest.is_validated(candidate.as_str()),
        })
        .collect()
}

/// Whether ONNX Runtime's u8×s8 int8 kernels compute exactly here (the validation was measured with
/// exact int32 accumulation). On x86-64 that needs VNNI (AVX512-VNNI or AVX-VNNI; AMX machines have
/// it): plain AVX2 kernels add u8×s8 pairs in saturating 16 bits. Other architectures use exact
/// dot-product instructions.
pub fn int8_kernels_exact() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni")
            || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// What `auto` runs on OpenVINO, for the checks list: the fp32 graphs, in bf16 where validated and
/// the CPU has AMX (see `InferencePrecision::resolve`).
fn openvino_arithmetic(manifest: &Manifest) -> String {
    use adain_models::manifest::OPENVINO_BF16;
    let amx = crate::runtime::ep::openvino::cpu_has_amx();
    match (manifest.runtime_validations.get(OPENVINO_BF16), amx) {
        (Some(v), true) if manifest.validated_runtime(OPENVINO_BF16).is_some() => format!(
            "auto on OpenVINO: the fp32 graphs in bf16 (AMX), validated at {:.1} dB PSNR against fp32 over {} pairs",
            v.psnr_db, v.pairs
        ),
        (Some(_), true) => "auto on OpenVINO: fp32 (bf16 below the bar)".into(),
        (None, true) => "auto on OpenVINO: fp32 (bf16 not validated for this package)".into(),
        (_, false) => {
            "auto on OpenVINO: fp32 (bf16 is only faster with AMX, which this CPU lacks)".into()
        }
    }
}

/// Why `auto` fell back to fp32, for the checks list.
fn why_not_variants(manifest: &Manifest, candidates: &[Precision]) -> String {
    let reasons: Vec<String> = candidates
        .iter()
        .filter(|p| **p != Precision::Fp32)
        .map(|p| {
            let name = p.as_str();
            match manifest.validation(name) {
                _ if manifest.file(Role::Decoder, name).is_none()
                    || manifest.file(Role::Encoder, name).is_none() =>
                {
                    format!("no {name} graphs listed")
                }
                None => format!("{name} not validated"),
                Some(_)
                    if manifest.is_validated(name)
                        && *p == Precision::Int8
                        && !int8_kernels_exact() =>
                {
                    format!("{name} validated, but this CPU has no VNNI")
                }
                Some(_) if manifest.is_validated(name) => format!("{name} refused (see the log)"),
                Some(v) => format!(
                    "{name} below the bar ({:.1} dB < {:.1} dB PSNR against fp32)",
                    v.psnr_db, v.threshold_db
                ),
            }
        })
        .collect();
    format!("fp32 ({})", reasons.join("; "))
}
