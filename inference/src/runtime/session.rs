//! Building ONNX Runtime sessions on the requested execution provider.

use std::path::Path;

use adain_models::convention::ENCODER_INPUT;

use ort::session::{builder::GraphOptimizationLevel, Session};

use super::ep::{Provider, ProviderOptions, ProviderRequest, Registration};
use super::graph::GraphInput;
use super::Runtime;
use crate::error::{AdainError, Result};

/// How to run the graphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOptions {
    /// Threads inside each operator (ONNX Runtime's intra-op pool).
    pub threads: usize,
    pub request: ProviderRequest,
    pub provider_options: ProviderOptions,
    /// Keep CPU activation buffers in ONNX Runtime's arena between runs (faster repeated runs of one
    /// size). Without it every run returns its memory, so the encoder's and the decoder's peaks do not
    /// add up (tiled high-resolution runs).
    pub cpu_arena: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            request: ProviderRequest::Auto,
            provider_options: ProviderOptions::default(),
            cpu_arena: true,
        }
    }
}

/// A session and the provider it was registered on.
pub struct OpenedSession {
    pub session: Session,
    pub provider: Provider,
}

/// Opens `path` on the requested provider. With [`ProviderRequest::Auto`] each compiled-in provider is
/// tried in turn and failures are logged; with an explicit provider a failure is the error.
pub fn open_session(
    path: &Path,
    graph: &GraphInput,
    options: &SessionOptions,
) -> Result<OpenedSession> {
    let runtime = Runtime::get()?;
    let explicit = matches!(options.request, ProviderRequest::Only(_));
    for provider in options.request.candidates() {
        let attempt = try_provider(provider, options, graph, options.threads, |ep| {
            build(
                runtime.environment(),
                options.threads,
                options.cpu_arena,
                ep,
                |b| b.commit_from_file(path),
            )
        });
        match attempt {
            Ok(session) => {
                tracing::debug!(graph = %path.display(), provider = %provider, "session ready");
                return Ok(OpenedSession { session, provider });
            }
            Err(e) if explicit || provider == Provider::Cpu => {
                return Err(match e {
                    AdainError::Ort { source, .. } if provider != Provider::Cpu => {
                        AdainError::ExecutionProvider {
                            provider: provider.ort_name(),
                            reason: format!(
                                "cannot be registered for {}: {source}",
                                path.display()
                            ),
                        }
                    }
                    AdainError::Ort { source, .. } => {
                        AdainError::ort(format!("{}: loading the graph", path.display()), source)
                    }
                    other => other,
                });
            }
            Err(e) => {
                tracing::info!("{provider} is not usable here, trying the next provider: {e}")
            }
        }
    }
    Err(AdainError::InvalidParameter(
        "no execution provider to try".into(),
    ))
}

/// Checks that `provider` registers here, on a one-convolution graph: what `adain info` reports as usable.
pub fn probe_provider(provider: Provider, options: &SessionOptions) -> Result<()> {
    let runtime = Runtime::get()?;
    let graph = probe_graph();
    try_provider(provider, options, &GraphInput::ENCODER, 1, |ep| {
        build(runtime.environment(), 1, true, ep, |b| {
            b.commit_from_memory(&graph)
        })
    })
    .map(drop)
}

/// Runs `open` with `provider` registered, after checking this binary and the library support it.
fn try_provider(
    provider: Provider,
    options: &SessionOptions,
    graph: &GraphInput,
    threads: usize,
    open: impl FnOnce(Registration) -> ort::Result<Session>,
) -> Result<Session> {
    let ep = provider.registration(&options.provider_options, graph, threads)?;
    if matches!(provider, Provider::Cuda | Provider::TensorRt) && !provider.in_library()? {
        return Err(AdainError::ExecutionProvider {
            provider: provider.ort_name(),
            reason: format!(
                "the ONNX Runtime library at {} was built without it (a CPU-only build?); install an ONNX Runtime GPU build",
                Runtime::get()?.library().display()
            ),
        });
    }
    open(ep).map_err(|e| AdainError::ort(format!("opening a session on {provider}"), e))
}

/// The builder chain, in a function returning `ort::Result` because `ort::Error<SessionBuilder>` is
/// neither `Send` nor `Sync`.
fn build(
    environment: &ort::environment::Environment,
    threads: usize,
    cpu_arena: bool,
    ep: Registration,
    commit: impl FnOnce(&mut ort::session::builder::SessionBuilder) -> ort::Result<Session>,
) -> ort::Result<Session> {
    let mut builder = Session::builder(environment)?
        .with_optimization_level(GraphOptimizationLevel::Level3)?
        .with_intra_threads(threads.max(1))?
        .with_inter_threads(1)?
        // The encoder's and the decoder's pools take turns; a pool spinning after its run would
        // steal the cores the other one needs next.
        .with_intra_op_spinning(false)?;
    match ep {
        Registration::Cpu => {}
        Registration::BuiltIn(ep) => builder = builder.with_execution_providers([ep])?,
        // Nodes the plugin does not take fall back to the CPU provider.
        Registration::Plugin(device, options) => {
            builder = builder.with_devices([device], Some(&options))?
        }
    }
    if cpu_arena {
        // The process's one arena (shared_arena.rs): the decoder reuses the encoder's memory.
        builder = builder.with_env_allocators()?;
    } else {
        // Registering the CPU provider only sets the session's arena option; it is always present.
        builder = builder.with_execution_providers([ort::ep::CPU::default()
            .with_arena_allocator(false)
            .build()])?;
    }
    commit(&mut builder)
}

/// A 1×1 convolution over 3 channels, in memory.
fn probe_graph() -> Vec<u8> {
    use std::borrow::Cow;

    use adain_models::onnx::{model_bytes, network_graph, GraphSpec, Outputs, PadMode};
    use adain_models::{Architecture, Layer, Network};

    let architecture = Architecture {
        name: "probe",
        layers: vec![Layer::Conv {
            name: Cow::Borrowed("probe"),
            in_channels: 3,
            out_channels: 3,
            kernel: 1,
            reflect_pad: 0,
        }],
    };
    let spec = GraphSpec {
        graph_name: "probe".into(),
        input: ENCODER_INPUT.into(),
        input_channels: 3,
        outputs: Outputs::Final("out".into()),
        pad_mode: PadMode::Reflect,
        metadata: vec![],
    };
    let graph =
        network_graph(&Network::seeded(architecture, 0), &spec).expect("a one-conv graph is valid");
    model_bytes(&graph)
}
