//! `cargo xtask bench-serve --hostile`: the clients a server meets on an open network, on loopback.
//! Each scenario starts a fresh `adain serve` with its default limits, opens its connections, and for
//! `--window` seconds (from when all are open) watches which of them the server answers and closes, while a probe asks
//! `/healthz` on a new connection every 100 ms. `--compare-with` runs every scenario on a second
//! binary too (an older release, say), alternating, so the two are measured on the same machine.

use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::Server;

/// What one scenario's clients do once connected.
#[derive(Clone, Copy)]
enum Client {
    /// Half a request line, then nothing.
    HalfRequestLine,
    /// Headers promising a 100 kB multipart body, then nothing.
    SilentBody,
    /// Such headers, then one body byte a second.
    TrickledBody,
    /// Connects and says nothing.
    Silent,
}

struct Scenario {
    name: &'static str,
    client: Client,
    /// Connections; `None`: as many as this process may open, less a margin.
    count: Option<usize>,
    /// Flags the server runs with beyond its defaults (a scenario with some runs on this build
    /// only: an older one may not know them).
    flags: &'static [&'static str],
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: "300 half request lines",
        client: Client::HalfRequestLine,
        count: Some(300),
        flags: &[],
    },
    Scenario {
        name: "50 bodies promised (100 kB), none sent",
        client: Client::SilentBody,
        count: Some(50),
        flags: &[],
    },
    Scenario {
        name: "50 bodies trickled at 1 byte/s",
        client: Client::TrickledBody,
        count: Some(50),
        flags: &[],
    },
    Scenario {
        name: "a flood of silent connections",
        client: Client::Silent,
        count: None,
        flags: &[],
    },
    Scenario {
        name: "the flood, --max-connections 2000",
        client: Client::Silent,
        count: None,
        flags: &["--max-connections", "2000"],
    },
];

/// What became of one scenario on one server.
struct Outcome {
    scenario: &'static str,
    server: String,
    opened: usize,
    /// How long opening them took.
    opening: Duration,
    /// First status line the server sent each connection, counted by status.
    answers: Vec<(String, usize)>,
    open_at_end: usize,
    /// Seconds from opening to the server's close, of the connections it closed.
    closed_after: Vec<f64>,
    /// The probe: (seconds since the scenario began, status or None, latency ms).
    probes: Vec<(f64, Option<u16>, f64)>,
}

pub fn run(adain: &Path, package: &Path, other: Option<&Path>, window: Duration) -> Result<String> {
    let mut servers: Vec<(String, PathBuf)> = vec![("this build".into(), adain.to_path_buf())];
    if let Some(other) = other {
        servers.push((other.display().to_string(), other.to_path_buf()));
    }
    let mut outcomes = Vec::new();
    for scenario in &SCENARIOS {
        for (i, (label, binary)) in servers.iter().enumerate() {
            if i > 0 && !scenario.flags.is_empty() {
                continue;
            }
            tracing::info!(
                "{} against {label}, watched for {} s",
                scenario.name,
                window.as_secs()
            );
            let server = Server::start(binary, package, scenario.flags)?;
            outcomes.push(watch(&server, scenario, label, window)?);
        }
    }
    Ok(render(&outcomes, window))
}

fn connect(address: &str, client: Client) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(address).ok()?;
    let head = "POST /v1/styles HTTP/1.1\r\nHost: x\r\n\
                Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n";
    let sent = match client {
        Client::HalfRequestLine => stream.write_all(b"GET /heal"),
        Client::SilentBody | Client::TrickledBody => stream.write_all(head.as_bytes()),
        Client::Silent => Ok(()),
    };
    sent.ok()?;
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// Connections this process may still open: the open-file limit less what else it needs.
fn flood_size() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(1024);
    usize::try_from(limit.saturating_sub(200).min(19_900)).unwrap_or(1000)
}

struct Watched {
    stream: Option<TcpStream>,
    opened: Instant,
    answer: Vec<u8>,
}

fn watch(server: &Server, scenario: &Scenario, label: &str, window: Duration) -> Result<Outcome> {
    let address = server.base.trim_start_matches("http://").to_string();
    let began = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let prober = {
        let (stop, address) = (stop.clone(), address.clone());
        std::thread::spawn(move || probe(&address, began, &stop))
    };
    let count = scenario.count.unwrap_or_else(flood_size);
    let mut watched: Vec<Watched> = Vec::with_capacity(count);
    let mut closed_after = Vec::new();
    for i in 0..count {
        if let Some(stream) = connect(&address, scenario.client) {
            watched.push(Watched {
                stream: Some(stream),
                opened: Instant::now(),
                answer: Vec::new(),
            });
        }
        // A flood takes a while to open: closes are seen as they happen.
        if i % 500 == 499 {
            sweep(&mut watched, false, &mut closed_after);
        }
    }
    let opened = watched.len();
    // The window starts once every connection is open.
    let opening = began.elapsed();
    let end = Instant::now() + window;
    let style = indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} s [{elapsed}]")
        .expect("a valid template");
    let bar = indicatif::ProgressBar::new(window.as_secs()).with_style(style);
    bar.set_message(scenario.name);
    let mut last_trickle = Instant::now();
    while Instant::now() < end {
        let trickle = matches!(scenario.client, Client::TrickledBody)
            && last_trickle.elapsed() >= Duration::from_secs(1);
        if trickle {
            last_trickle = Instant::now();
        }
        let open = sweep(&mut watched, trickle, &mut closed_after);
        bar.set_message(format!(
            "{} · {label}: {open} of {opened} open",
            scenario.name
        ));
        bar.set_position(window.saturating_sub(end - Instant::now()).as_secs());
        std::thread::sleep(Duration::from_millis(250));
    }
    bar.finish_and_clear();
    stop.store(true, Ordering::SeqCst);
    let probes = prober
        .join()
        .map_err(|_| anyhow::anyhow!("the probe panicked"))?;
    let mut answers: Vec<(String, usize)> = Vec::new();
    for w in &watched {
        let status = status_line(&w.answer).unwrap_or_else(|| "none".into());
        match answers.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => answers.push((status, 1)),
        }
    }
    Ok(Outcome {
        scenario: scenario.name,
        server: label.to_string(),
        opened,
        opening,
        answers,
        open_at_end: watched.iter().filter(|w| w.stream.is_some()).count(),
        closed_after,
        probes,
    })
}

/// Reads what each open connection has been sent (a byte more for a trickle) and notes the ones
/// the server closed, with how long after opening; returns how many are still open.
fn sweep(watched: &mut [Watched], trickle: bool, closed_after: &mut Vec<f64>) -> usize {
    let mut open = 0;
    for w in watched {
        let Some(stream) = &mut w.stream else {
            continue;
        };
        if trickle {
            let _ = stream.write(b"x");
        }
        let mut chunk = [0u8; 2048];
        let closed = loop {
            match stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(n) => w.answer.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
                Err(_) => break true,
            }
        };
        if closed {
            w.stream = None;
            closed_after.push(w.opened.elapsed().as_secs_f64());
        } else {
            open += 1;
        }
    }
    open
}

/// "408", "503", … of an answer's first line.
fn status_line(answer: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(answer);
    let first = text.lines().next()?;
    first.split_whitespace().nth(1).map(str::to_string)
}

/// `GET /healthz` on a new connection every 100 ms until told to stop.
fn probe(address: &str, began: Instant, stop: &AtomicBool) -> Vec<(f64, Option<u16>, f64)> {
    let mut probes = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let status = healthz(address).ok().flatten();
        probes.push((
            started.duration_since(began).as_secs_f64(),
            status,
            started.elapsed().as_secs_f64() * 1e3,
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    probes
}

fn healthz(address: &str) -> Result<Option<u16>> {
    let address: std::net::SocketAddr = address.parse()?;
    // A full accept queue drops the handshake: a bounded wait, counted as a failed probe.
    let mut stream =
        TcpStream::connect_timeout(&address, Duration::from_secs(2)).context("connect")?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(status_line(&answer).and_then(|s| s.parse().ok()))
}

/// The `p`-th percentile (nearest rank) of `values`.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn render(outcomes: &[Outcome], window: Duration) -> String {
    let seconds = |v: Option<f64>| v.map_or("–".into(), |s| format!("{s:.1}"));
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## adain serve against hostile clients (loopback, default limits, {} s each)\n",
        window.as_secs()
    );
    let _ = writeln!(
        md,
        "| clients | server | opened (in s) | answered | open after {} s | closed after p50 / max (s) | /healthz ok | healthz p50 / max (ms) | healthz first ok (s) |",
        window.as_secs()
    );
    let _ = writeln!(md, "|---|---|---:|---|---:|---:|---:|---:|---:|");
    for o in outcomes {
        let answered = o
            .answers
            .iter()
            .map(|(s, n)| format!("{n}× {s}"))
            .collect::<Vec<_>>()
            .join(", ");
        let ok: Vec<f64> = o
            .probes
            .iter()
            .filter(|p| p.1 == Some(200))
            .map(|p| p.2)
            .collect();
        let first_ok = o.probes.iter().find(|p| p.1 == Some(200)).map(|p| p.0);
        let _ = writeln!(
            md,
            "| {} | {} | {} ({:.1}) | {answered} | {} | {} / {} | {} of {} | {} / {} | {} |",
            o.scenario,
            o.server,
            o.opened,
            o.opening.as_secs_f64(),
            o.open_at_end,
            seconds(percentile(&o.closed_after, 50.0)),
            seconds(percentile(&o.closed_after, 100.0)),
            ok.len(),
            o.probes.len(),
            percentile(&ok, 50.0).map_or("–".into(), |v| format!("{v:.1}")),
            percentile(&ok, 100.0).map_or("–".into(), |v| format!("{v:.1}")),
            seconds(first_ok),
        );
    }
    md
}
