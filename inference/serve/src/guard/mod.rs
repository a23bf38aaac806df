//! What keeps slow and hostile clients from holding the server: a bound on open connections and time
//! limits on each phase of a connection. The listener counts and refuses (`listener.rs`), the socket
//! wrapper enforces the limits no request handler sees — headers, idle keep-alive, a client that
//! stops reading (`io.rs`) — and a middleware the body's pace (`request.rs`).

mod io;
mod listener;
mod request;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::Duration;

use tokio::time::Instant;

pub use listener::{default_max_connections, GuardedListener};
pub use request::guard_request;

/// The limits, as `adain serve`'s flags set them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a connection's first byte of a request (or its opening) to the end of the headers.
    pub header: Duration,
    /// A request body, or an answer the client has stopped reading, may stall this long.
    pub body: Duration,
    /// Slowest average pace of a body (bytes per second), once `body` has passed.
    pub min_body_rate: u64,
    /// Between the end of one answer and the first byte of the next request.
    pub keep_alive: Duration,
    /// Open connections; beyond them new ones are answered 503 and closed.
    pub max_connections: usize,
}

/// Why the server closed a connection or turned it away: the `reason` label of `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Headers not complete within `--header-timeout` (408 when a request had begun).
    HeaderTimeout,
    /// No next request within `--keep-alive-timeout`.
    IdleTimeout,
    /// A body that stalled or fell below `--min-body-rate` (408).
    BodyTimeout,
    /// The client stopped reading the answer for `--body-timeout`.
    SendTimeout,
    /// Over `--max-connections` (503 at once).
    ConnectionLimit,
}

impl Closed {
    pub const ALL: [Closed; 5] = [
        Self::HeaderTimeout,
        Self::IdleTimeout,
        Self::BodyTimeout,
        Self::SendTimeout,
        Self::ConnectionLimit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::HeaderTimeout => "header_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::BodyTimeout => "body_timeout",
            Self::SendTimeout => "send_timeout",
            Self::ConnectionLimit => "connection_limit",
        }
    }
}

/// Connection counters for `/metrics`, shared by the listener, every connection and the middleware.
#[derive(Default)]
pub struct ConnectionCounts {
    pub open: AtomicUsize,
    pub accepted: AtomicU64,
    closed: [AtomicU64; Closed::ALL.len()],
}

impl ConnectionCounts {
    pub fn count(&self, reason: Closed) {
        self.closed[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn closed(&self, reason: Closed) -> u64 {
        self.closed[reason as usize].load(Ordering::Relaxed)
    }
}

/// Where a connection is in its life, which decides the deadline its socket reads run against.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Reading a request's headers, to be complete by `deadline`; `started` once a byte came.
    Head { deadline: Instant, started: bool },
    /// A request is being handled (its body and answer have limits of their own).
    Busy,
    /// Between requests, until `deadline`.
    Idle { deadline: Instant },
}

/// One connection's phase, moved on by its socket (bytes arrive) and by the request middleware
/// (a request begins, its answer is sent).
pub struct Connection {
    limits: Limits,
    counts: Arc<ConnectionCounts>,
    phase: Mutex<Phase>,
    /// The socket's pending read, woken when the phase changes so it re-arms its timer.
    reader: Mutex<Option<Waker>>,
}

/// A connection as handlers see it (axum's `ConnectInfo`).
#[derive(Clone)]
pub struct ConnectionHandle(pub Arc<Connection>);

impl Connection {
    fn new(limits: Limits, counts: Arc<ConnectionCounts>) -> Self {
        Self {
            phase: Mutex::new(Phase::Head {
                deadline: Instant::now() + limits.header,
                started: false,
            }),
            limits,
            counts,
            reader: Mutex::new(None),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, phase: Phase) {
        *self.phase() = phase;
        if let Some(waker) = self.reader.lock().unwrap_or_else(|p| p.into_inner()).take() {
            waker.wake();
        }
    }

    /// Hyper has read a request's headers.
    pub fn request_started(&self) {
        self.set(Phase::Busy);
    }

    /// The answer has been handed to the socket: the keep-alive clock starts.
    pub fn answer_sent(&self) {
        self.set(Phase::Idle {
            deadline: Instant::now() + self.limits.keep_alive,
        });
    }

    /// Bytes arrived: between requests they begin the next one's headers.
    fn bytes_arrived(&self) {
        let mut phase = self.phase();
        match *phase {
            Phase::Idle { .. } => {
                *phase = Phase::Head {
                    deadline: Instant::now() + self.limits.header,
                    started: true,
                }
            }
            Phase::Head {
                deadline,
                started: false,
            } => {
                *phase = Phase::Head {
                    deadline,
                    started: true,
                }
            }
            _ => {}
        }
    }

    fn park_reader(&self, waker: &Waker) {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        if !reader.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *reader = Some(waker.clone());
        }
    }
}
