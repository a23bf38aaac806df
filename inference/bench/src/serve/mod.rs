//! `adain-bench serve` (`cargo xtask bench-serve`): `adain serve` on loopback, measured as its
//! clients see it. For each image size, 1..N clients send stylize requests with a stored style
//! (statistics cached, as a warm server runs them) back to back; the table gives throughput and
//! latency percentiles, and the speed-up over a one-shot `adain stylize --style-stats` process per
//! image. `--hostile` measures instead how the server holds up against slow and hostile clients
//! (`hostile.rs`).

mod hostile;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use adain_test_kit::http::{Client, Form};
use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::json;

use crate::place::{out_dir, sibling};
use crate::speed::{inputs, runs};
use adain_test_kit::paths::default_package;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Image sizes (square), in pixels
    #[arg(long, value_delimiter = ',', default_value = "256,512")]
    pub sizes: Vec<u32>,
    /// Concurrent client counts
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4")]
    pub clients: Vec<usize>,
    /// Requests per client per row
    #[arg(long, default_value_t = 8)]
    pub requests: usize,
    /// Server workers (each with its own sessions; the cores are shared out)
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// One-shot processes timed per size (0 skips the comparison)
    #[arg(long, default_value_t = 5)]
    pub oneshot_reps: usize,
    /// Precision the server and the one-shot processes run
    #[arg(long, default_value = "auto")]
    pub precision: String,
    /// Execution provider of the server and the one-shot processes (cpu, openvino, ...)
    #[arg(long, default_value = "cpu")]
    pub ep: String,
    /// Model package [default: models/default]
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Hostile clients instead of throughput: half-sent requests, stalled and trickled bodies, a
    /// flood of silent connections; which the server answers and closes, and /healthz meanwhile
    #[arg(long)]
    pub hostile: bool,
    /// With --hostile: seconds each scenario is watched
    #[arg(long, value_name = "SECS", default_value_t = 35)]
    pub window: u64,
    /// With --hostile: another `adain` binary run through the same scenarios, alternating
    #[arg(long, value_name = "PATH")]
    pub compare_with: Option<PathBuf>,
}

/// One row: `clients` sending `requests` in all at `size`, and each request's latency.
struct Row {
    size: u32,
    clients: usize,
    seconds: f64,
    latencies_ms: Vec<f64>,
}

impl Row {
    fn throughput(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.seconds
    }
    fn percentile(&self, p: f64) -> f64 {
        hostile::percentile(&self.latencies_ms, p).unwrap_or(f64::NAN)
    }
}

pub fn run(args: &ServeArgs) -> Result<()> {
    let adain = sibling("adain")?;
    let package = args.model.clone().unwrap_or_else(default_package);
    let dir = out_dir()?;
    std::fs::create_dir_all(dir.join("serve"))?;
    if args.hostile {
        let window = Duration::from_secs(args.window);
        let report = hostile::run(&adain, &package, args.compare_with.as_deref(), window)?;
        println!("{report}");
        std::fs::write(dir.join("serve-hostile.md"), &report)?;
        tracing::info!("wrote {}", dir.join("serve-hostile.md").display());
        return Ok(());
    }
    let out = dir.join("serve");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = args.workers.to_string();
    let flags = [
        "--queue",
        "64",
        "--workers",
        &workers,
        "--precision",
        &args.precision,
        "--ep",
        &args.ep,
    ];
    let server = Server::start(&adain, &package, &flags)?;
    let (mut rows, mut oneshots) = (Vec::new(), Vec::new());
    for &size in &args.sizes {
        let inputs = inputs::write(&out, size)?;
        let content = std::fs::read(&inputs.content_png)?;
        let style = std::fs::read(&inputs.style_png)?;
        let stored = server
            .client()
            .post_form("/v1/styles", Form::new().file("style", "style.png", &style))?;
        if stored.status != 201 {
            bail!("storing the style: {}", stored.text());
        }
        let id = serde_json::from_slice::<serde_json::Value>(&stored.body)?["id"]
            .as_str()
            .context("no style id")?
            .to_string();
        // Warm-up: first-run allocations of this size.
        for _ in 0..2 {
            request(&server.client(), &content, &id)?;
        }
        for &clients in &args.clients {
            tracing::info!("{size}²: {clients} client(s) × {} requests", args.requests);
            let latencies = measure(&server.base, clients, args.requests, &content, &id)?;
            rows.push(Row {
                size,
                clients,
                seconds: latencies.0,
                latencies_ms: latencies.1,
            });
        }
        if args.oneshot_reps > 0 {
            let label = format!("{}:{}", args.ep, args.precision);
            let runs = (threads, args.oneshot_reps);
            oneshots.push(runs::oneshot(
                &adain, &package, &inputs, size, &label, runs, &out,
            )?);
        }
    }
    drop(server);
    let report = render(args, &rows, &oneshots);
    println!("{report}");
    std::fs::write(dir.join("serve.md"), &report)?;
    let json = json!({
        "workers": args.workers,
        "precision": args.precision,
        "ep": args.ep,
        "rows": rows.iter().map(|r| json!({
            "size": r.size, "clients": r.clients, "requests": r.latencies_ms.len(),
            "throughput_per_s": r.throughput(), "p50_ms": r.percentile(50.0),
            "p95_ms": r.percentile(95.0), "p99_ms": r.percentile(99.0),
        })).collect::<Vec<_>>(),
        "oneshot": oneshots,
    });
    std::fs::write(dir.join("serve.json"), serde_json::to_string_pretty(&json)?)?;
    tracing::info!("wrote {}", dir.join("serve.md").display());
    Ok(())
}

fn request(client: &Client, content: &[u8], style_id: &str) -> Result<f64> {
    let form = Form::new()
        .file("content", "content.png", content)
        .text("style_id", style_id);
    let started = Instant::now();
    let reply = client.post_form("/v1/stylize", form)?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if reply.status != 200 {
        bail!("stylize answered {}: {}", reply.status, reply.text());
    }
    Ok(ms)
}

/// `clients` threads, each sending `requests` back to back from a common start; the wall time
/// and every latency.
fn measure(
    base: &str,
    clients: usize,
    requests: usize,
    content: &[u8],
    style_id: &str,
) -> Result<(f64, Vec<f64>)> {
    let start = Arc::new(Barrier::new(clients + 1));
    let content = Arc::new(content.to_vec());
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (start, content) = (start.clone(), content.clone());
            let (base, id) = (base.to_string(), style_id.to_string());
            std::thread::spawn(move || -> Result<Vec<f64>> {
                let client = Client::new(&base);
                start.wait();
                (0..requests)
                    .map(|_| request(&client, &content, &id))
                    .collect()
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let mut latencies_ms = Vec::new();
    for handle in handles {
        let joined = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a client panicked"))?;
        latencies_ms.extend(joined?);
    }
    Ok((began.elapsed().as_secs_f64(), latencies_ms))
}

fn render(args: &ServeArgs, rows: &[Row], oneshots: &[runs::OneShot]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## adain serve on loopback ({} worker(s), --ep {} --precision {}, stored style, PNG in and out)\n",
        args.workers, args.ep, args.precision
    );
    let _ = writeln!(
        md,
        "| size | clients | requests | throughput (img/s) | p50 (ms) | p95 (ms) | p99 (ms) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            md,
            "| {}² | {} | {} | {:.2} | {:.0} | {:.0} | {:.0} |",
            r.size,
            r.clients,
            r.latencies_ms.len(),
            r.throughput(),
            r.percentile(50.0),
            r.percentile(95.0),
            r.percentile(99.0)
        );
    }
    if !oneshots.is_empty() {
        let _ = writeln!(md, "\n| size | one-shot `adain stylize --style-stats` (median) | warm server, 1 client (p50) | speed-up |");
        let _ = writeln!(md, "|---|---:|---:|---:|");
        for o in oneshots {
            if let Some(row) = rows.iter().find(|r| r.size == o.size && r.clients == 1) {
                let warm = row.percentile(50.0);
                let _ = writeln!(
                    md,
                    "| {}² | {:.0} ms | {:.0} ms | {:.2}× |",
                    o.size,
                    o.median_ms,
                    warm,
                    o.median_ms / warm
                );
            }
        }
    }
    md
}

/// The server under test, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// `adain serve` on a free loopback port with `args`, once it answers /readyz.
    fn start(adain: &Path, package: &Path, args: &[&str]) -> Result<Self> {
        let mut child = Command::new(adain)
            .args(["serve", "--bind", "127.0.0.1:0", "--no-demo-styles"])
            .args(args)
            .arg("--model")
            .arg(package)
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting adain serve")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let Some(line) = lines.next() else {
                bail!("adain serve exited before listening");
            };
            let line = line?;
            if let Some(at) = line.find("http://") {
                break line[at..]
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let server = Self { child, base };
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.client().get("/readyz").map(|r| r.status).ok() != Some(200) {
            if Instant::now() > deadline {
                bail!("adain serve was not ready after 120 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    fn client(&self) -> Client {
        Client::new(&self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
