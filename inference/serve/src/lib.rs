//! `adain serve`: stylization over HTTP. The sessions load once into a pool of worker threads; the
//! async side (axum on tokio) only parses requests, queues jobs and streams answers.
//!
//! The `adain` command parses [`ServeArgs`] next to its model options, loads the model package and
//! calls [`run`]; a [`Misconfigured`] error is the caller's mistake (exit code 2 there).

mod api;
mod auth;
mod form;
mod gallery;
mod guard;
mod job;
mod metrics;
mod page;
mod pool;
mod store;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use adain::image_io::DEFAULT_MAX_PIXELS;
use anyhow::{Context, Result};
use clap::Args;

use adain::{ModelPackage, SessionOptions};
use auth::ApiKeys;
use guard::{ConnectionCounts, ConnectionHandle, GuardedListener, Limits};
use metrics::Metrics;
use pool::WorkerPool;
use store::StyleStore;

#[derive(Debug, Args)]
#[command(after_help = "\
Endpoints (GET /openapi.json describes them all):
  POST   /v1/stylize            multipart: content, style / style_stats / style_id (repeatable),
                                alpha, weights, palette (style|content|model),
                                content_size, style_size, format
  POST   /v1/styles             multipart: style or style_stats [, name] -> a stored style id
  GET    /v1/styles             stored and built-in styles
  DELETE /v1/styles/{id}
  GET    /healthz, /readyz, /metrics (Prometheus), /openapi.json, / (the web page)

With --api-key-file (or ADAIN_API_KEY) every endpoint but /, /healthz, /readyz and /openapi.json
needs `Authorization: Bearer <key>`.

Example:
  adain serve --bind 127.0.0.1:8080 &
  curl -F content=@photo.jpg -F style_id=swirl -F alpha=0.8 localhost:8080/v1/stylize -o out.png
  ADAIN_API_KEY=$(openssl rand -hex 32) adain serve --bind 0.0.0.0:8080")]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the log says which)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Inference workers, each with its own encoder and decoder sessions; threads are shared out
    /// between them
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,

    /// Requests that may wait for a worker; beyond them the server answers 503 with Retry-After
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub queue: usize,

    /// Largest request body, in MiB (413 beyond it)
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_body_mib: usize,

    /// Largest decoded image, in pixels (413 beyond it); content images above 4 MP are stylized in tiles
    #[arg(long, value_name = "N", default_value_t = 16_000_000)]
    pub max_pixels: u64,

    /// Stored styles kept in memory; the least recently used uploaded style goes first
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_styles: usize,

    /// A file of API keys, one per line: the API then requires `Authorization: Bearer <key>` (the
    /// page asks for it). Without it the key may come from the ADAIN_API_KEY environment variable
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,

    /// Seconds a client has to send a request's headers, from the request's first byte (or the
    /// connection's opening); then 408 and the connection is closed
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub header_timeout: Duration,

    /// Seconds a request body may stop arriving (or a client stop reading the answer) before 408
    /// and a closed connection
    #[arg(long, value_name = "SECS", default_value = "15", value_parser = seconds)]
    pub body_timeout: Duration,

    /// Slowest average pace of a request body in KiB/s, enforced once --body-timeout has passed
    /// (0: no floor); slower bodies get 408
    #[arg(long, value_name = "KIB_PER_S", default_value_t = 8)]
    pub min_body_rate: u64,

    /// Seconds an idle keep-alive connection stays open waiting for its next request
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = seconds)]
    pub keep_alive_timeout: Duration,

    /// Open connections at most; more get 503 at once (default: the open-file limit less 128)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,

    /// Leave out the built-in demo styles (gallery of the web page, style ids swirl, mosaic, ...)
    #[arg(long)]
    pub no_demo_styles: bool,
}

/// What every handler sees.
pub struct AppState {
    /// Set once the sessions are open (`/readyz`).
    pool: OnceLock<WorkerPool>,
    styles: StyleStore,
    metrics: Metrics,
    max_pixels: u64,
    /// Name and version of the model, and the encoder identity stats files must carry.
    model: String,
    encoder_identity: String,
    /// `None`: the API is open.
    keys: Option<ApiKeys>,
    limits: Limits,
    connections: Arc<ConnectionCounts>,
}

/// A positive number of seconds, fractions allowed (`0.5`).
fn seconds(value: &str) -> Result<Duration, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!("`{value}`: expected seconds in (0, 86400]"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Options that cannot work together or values out of range: the call is wrong, not an input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Misconfigured(pub String);

impl ServeArgs {
    /// The checks that need no model: run them before loading one.
    pub fn check(&self) -> std::result::Result<(), Misconfigured> {
        if self.max_pixels > DEFAULT_MAX_PIXELS {
            return Err(Misconfigured(format!(
                "--max-pixels {} is above the decoder's limit of {DEFAULT_MAX_PIXELS}",
                self.max_pixels
            )));
        }
        if self.queue == 0 {
            return Err(Misconfigured("--queue must be at least 1".into()));
        }
        Ok(())
    }
}

/// Serves `package` until SIGINT or SIGTERM; `options` are shared out between the workers.
pub fn run(args: &ServeArgs, package: ModelPackage, mut options: SessionOptions) -> Result<()> {
    args.check()?;
    let keys = ApiKeys::load(args.api_key_file.as_deref())?;
    let limits = Limits {
        header: args.header_timeout,
        body: args.body_timeout,
        min_body_rate: args.min_body_rate.saturating_mul(1024),
        keep_alive: args.keep_alive_timeout,
        max_connections: args
            .max_connections
            .map_or_else(guard::default_max_connections, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
    };
    // The cores are shared out between the workers, each running one request at a time.
    options.threads = (options.threads / usize::from(args.workers)).max(1);
    let manifest = package.manifest();
    let state = Arc::new(AppState {
        pool: OnceLock::new(),
        styles: StyleStore::new(args.max_styles),
        metrics: Metrics::default(),
        max_pixels: args.max_pixels,
        model: format!("{} {}", manifest.name, manifest.version),
        encoder_identity: package.encoder_identity().to_string(),
        keys,
        limits,
        connections: Arc::new(ConnectionCounts::default()),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        tracing::info!("listening on http://{address}");
        match &state.keys {
            Some(keys) => tracing::info!("the API requires a key ({} accepted)", keys.len()),
            None if !address.ip().is_loopback() => tracing::warn!(
                "listening on {address} without an API key: anyone who can reach it can use the \
                 server (set --api-key-file or {})",
                auth::KEY_VARIABLE
            ),
            None => {}
        }
        tracing::info!(
            "at most {} connections; headers within {:?}, bodies stalling at most {:?}, idle \
             connections closed after {:?}",
            limits.max_connections,
            limits.header,
            limits.body,
            limits.keep_alive
        );
        let listener = GuardedListener::new(listener, limits, state.connections.clone());
        // Health answers at once; readiness waits for the sessions, opened beside the listener.
        let loading = {
            let state = state.clone();
            let (workers, queue, demo) = (args.workers, args.queue, !args.no_demo_styles);
            tokio::task::spawn_blocking(move || -> Result<()> {
                let pool = WorkerPool::start(&package, &options, workers.into(), queue)?;
                if demo {
                    gallery::install(&state, &pool)?;
                }
                let _ = state.pool.set(pool);
                tracing::info!("ready: {workers} worker(s), queue {queue}");
                Ok(())
            })
        };
        let app = api::router(state.clone(), args.max_body_mib << 20);
        let server = tokio::spawn(
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<ConnectionHandle>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .into_future(),
        );
        // A package that cannot be opened ends the server with the reason, as any command would.
        loading.await.context("opening the sessions")??;
        server.await.context("serving")?.context("serving")?;
        Ok::<(), anyhow::Error>(())
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, let the requests in flight finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
