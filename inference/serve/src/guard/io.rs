//! The socket of one connection, with the deadlines hyper does not keep: headers that never finish,
//! a keep-alive connection left idle, an answer the client stops reading. A read past its deadline
//! ends the connection (with a 408 first when a request had begun); so does a write that makes no
//! progress for `--body-timeout`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::{Closed, Connection, ConnectionCounts, Phase};

/// The body of the 408 sent when a request's headers do not arrive in time (then the connection
/// closes); the same JSON shape as every other error.
const HEADER_TIMEOUT_BODY: &str =
    r#"{"error":"timeout","detail":"the request headers did not arrive in time"}"#;

fn header_timeout_answer() -> String {
    format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n{HEADER_TIMEOUT_BODY}",
        HEADER_TIMEOUT_BODY.len()
    )
}

pub struct GuardedIo {
    stream: TcpStream,
    connection: Arc<Connection>,
    /// Armed for the phase's deadline while a read waits.
    read_timer: Pin<Box<Sleep>>,
    /// Armed while a write waits: when the client stopped reading.
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl GuardedIo {
    pub fn new(stream: TcpStream, connection: Arc<Connection>) -> Self {
        Self {
            stream,
            connection,
            read_timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            write_timer: None,
        }
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.connection
    }

    fn counts(&self) -> &ConnectionCounts {
        &self.connection.counts
    }

    /// A read is waiting: fail it once the phase's deadline has passed.
    fn poll_read_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.connection.park_reader(cx.waker());
        let phase = *self.connection.phase();
        let deadline = match phase {
            Phase::Busy => return Poll::Pending,
            Phase::Head { deadline, .. } | Phase::Idle { deadline } => deadline,
        };
        if self.read_timer.deadline() != deadline {
            self.read_timer.as_mut().reset(deadline);
        }
        ready!(self.read_timer.as_mut().poll(cx));
        match phase {
            Phase::Head { started, .. } => {
                self.counts().count(Closed::HeaderTimeout);
                if started {
                    // Best effort: the socket has room for a short answer, or the client never
                    // reads it anyway.
                    let _ = self.stream.try_write(header_timeout_answer().as_bytes());
                }
                tracing::debug!("closing a connection: request headers not complete in time");
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request headers not complete in time",
                )))
            }
            // An idle connection simply ends, as if the client had closed it.
            _ => {
                self.counts().count(Closed::IdleTimeout);
                Poll::Ready(Ok(()))
            }
        }
    }

    /// A write is waiting: fail it when it has waited `--body-timeout`.
    fn poll_write_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.connection.limits.body;
        let timer = self
            .write_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(timer.as_mut().poll(cx));
        self.counts().count(Closed::SendTimeout);
        tracing::debug!("closing a connection: the client stopped reading the answer");
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading the answer",
        ))
    }

    /// The write's outcome, its stall timer disarmed on progress.
    fn written<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(done) => {
                self.write_timer = None;
                Poll::Ready(done)
            }
            Poll::Pending => self.poll_write_stall(cx).map(Err),
        }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.connection.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.poll_read_deadline(cx),
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.written(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.written(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_flush(cx);
        this.written(cx, result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_shutdown(cx);
        this.written(cx, result)
    }
}

impl Drop for GuardedIo {
    fn drop(&mut self) {
        self.counts().open.fetch_sub(1, Ordering::SeqCst);
    }
}
