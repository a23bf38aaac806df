//! Accepting connections within `--max-connections`: beyond it a new connection gets a 503 at once
//! and is closed, so the server never runs out of file descriptors and serves again as soon as
//! others close.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::io::GuardedIo;
use super::{Closed, Connection, ConnectionCounts, ConnectionHandle, Limits};

/// Refusals answered at a time; beyond them a connection is closed without an answer. They use
/// the descriptors `default_max_connections` keeps in reserve.
const REFUSALS_AT_ONCE: usize = 64;
/// How long a refused client has to take its answer.
const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// Descriptors kept for everything but connections: the model, logs, refusals.
const RESERVED_DESCRIPTORS: u64 = 128;

const BUSY_BODY: &str = r#"{"error":"too_many_connections","detail":"the server has as many connections open as it allows; retry shortly"}"#;

pub struct GuardedListener {
    listener: TcpListener,
    limits: Limits,
    counts: Arc<ConnectionCounts>,
    refusals: Arc<Semaphore>,
    /// When the log last said the limit was reached (said once a minute at most).
    last_warning: Option<Instant>,
}

impl GuardedListener {
    pub fn new(listener: TcpListener, limits: Limits, counts: Arc<ConnectionCounts>) -> Self {
        Self {
            listener,
            limits,
            counts,
            refusals: Arc::new(Semaphore::new(REFUSALS_AT_ONCE)),
            last_warning: None,
        }
    }

    fn warn_once_a_minute(&mut self, message: std::fmt::Arguments<'_>) {
        if self
            .last_warning
            .is_none_or(|t| t.elapsed() > Duration::from_secs(60))
        {
            tracing::warn!("{message}");
            self.last_warning = Some(Instant::now());
        }
    }

    fn refuse(&self, mut stream: TcpStream) {
        self.counts.count(Closed::ConnectionLimit);
        let Ok(permit) = self.refusals.clone().try_acquire_owned() else {
            return; // dropped: closed at once
        };
        tokio::spawn(async move {
            let _permit = permit;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
                 retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BUSY_BODY}",
                BUSY_BODY.len()
            );
            let _ = tokio::time::timeout(REFUSAL_TIME, async {
                stream.write_all(answer.as_bytes()).await?;
                stream.shutdown().await?;
                // Read what the client sends so the close is orderly: closing with unread data
                // would reset the connection, and the client could lose the answer.
                let mut sink = [0u8; 4096];
                while stream.read(&mut sink).await? > 0 {}
                Ok::<_, std::io::Error>(())
            })
            .await;
        });
    }
}

impl Listener for GuardedListener {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, SocketAddr) {
        loop {
            let (stream, address) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors (EMFILE) among others: wait for some to close.
                    self.warn_once_a_minute(format_args!("cannot accept a connection: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let open = self.counts.open.fetch_add(1, Ordering::SeqCst);
            if open >= self.limits.max_connections {
                self.counts.open.fetch_sub(1, Ordering::SeqCst);
                self.warn_once_a_minute(format_args!(
                    "{open} connections open, the most --max-connections allows: new ones get 503"
                ));
                self.refuse(stream);
                continue;
            }
            self.counts.accepted.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_nodelay(true);
            let connection = Arc::new(Connection::new(self.limits, self.counts.clone()));
            // The open count goes down when the GuardedIo is dropped.
            return (GuardedIo::new(stream, connection), address);
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl Connected<IncomingStream<'_, GuardedListener>> for ConnectionHandle {
    fn connect_info(stream: IncomingStream<'_, GuardedListener>) -> Self {
        ConnectionHandle(stream.io().connection().clone())
    }
}

/// `--max-connections` by default: the open-file limit less a reserve for everything else.
pub fn default_max_connections() -> usize {
    let limit = open_file_limit().unwrap_or(65_536);
    usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS).max(16)).unwrap_or(usize::MAX)
}

/// The soft limit on open files (`ulimit -n`); `None` where there is none.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// Windows has no per-process descriptor limit for sockets.
#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    Some(10_000)
}
