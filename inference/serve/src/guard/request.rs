//! Per request: the connection is busy until the answer is handed over, and the body must keep
//! coming — no stall longer than `--body-timeout`, and on average at least `--min-body-rate` once
//! that much time has passed. A body that fails either is answered 408 and the connection closed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::{Closed, Connection, ConnectionHandle};
use crate::api::error::ApiError;
use crate::AppState;

pub async fn guard_request(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let connection = request
        .extensions()
        .get::<ConnectInfo<ConnectionHandle>>()
        .map(|c| c.0 .0.clone());
    if let Some(connection) = &connection {
        connection.request_started();
    }
    let late = Arc::new(Mutex::new(None));
    let limits = state.limits;
    // A request without a body (most GETs) needs no pacing, nor its timer.
    let request = if request.body().is_end_stream() {
        request
    } else {
        request.map(|body| {
            Body::new(PacedBody::new(
                body,
                limits.body,
                limits.min_body_rate,
                late.clone(),
            ))
        })
    };
    let mut response = next.run(request).await;
    let late = late.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(detail) = late {
        state.connections.count(Closed::BodyTimeout);
        response = ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", detail).into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    match connection {
        // The keep-alive clock starts once the answer has gone to the socket.
        Some(connection) => response.map(|body| Body::new(AnswerBody { body, connection })),
        None => response,
    }
}

/// A request body held to a pace; when it falls behind it fails, and says why in `late`.
struct PacedBody {
    body: Body,
    stall: Duration,
    min_rate: u64,
    started: Instant,
    last_data: Instant,
    received: u64,
    timer: Pin<Box<Sleep>>,
    late: Arc<Mutex<Option<String>>>,
}

impl PacedBody {
    fn new(body: Body, stall: Duration, min_rate: u64, late: Arc<Mutex<Option<String>>>) -> Self {
        let now = Instant::now();
        Self {
            body,
            stall,
            min_rate,
            started: now,
            last_data: now,
            received: 0,
            timer: Box::pin(tokio::time::sleep_until(now + stall)),
            late,
        }
    }

    /// The later of the two rules' deadlines would be too lenient: the body must meet both.
    fn deadline(&self) -> Instant {
        let stalled = self.last_data + self.stall;
        if self.min_rate == 0 {
            return stalled;
        }
        let paced = self.started
            + self.stall
            + Duration::from_secs_f64(self.received as f64 / self.min_rate as f64);
        stalled.min(paced)
    }

    fn why(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        if self.last_data.elapsed() >= self.stall {
            format!(
                "the request body stopped arriving: nothing for {:.0} s after {} bytes",
                self.stall.as_secs_f64(),
                self.received
            )
        } else {
            format!(
                "the request body arrived too slowly: {} bytes in {elapsed:.0} s, below {} bytes/s",
                self.received, self.min_rate
            )
        }
    }
}

impl HttpBody for PacedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    this.last_data = Instant::now();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                let deadline = this.deadline();
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let why = this.why();
                *this.late.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
                Poll::Ready(Some(Err(axum::Error::new(io::Error::new(
                    io::ErrorKind::TimedOut,
                    why,
                )))))
            }
            done => done,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// An answer's body that marks its connection idle once hyper is done with it.
struct AnswerBody {
    body: Body,
    connection: Arc<Connection>,
}

impl HttpBody for AnswerBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for AnswerBody {
    fn drop(&mut self) {
        self.connection.answer_sent();
    }
}
