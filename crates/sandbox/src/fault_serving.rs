//! Serving with faults: the glue between [`super::faults::Faults`] and the server's request
//! handler (kept apart from the fault rules, which the shared server state holds, so neither
//! imports the other).

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use http::{Request, Response};
use http_body_util::{BodyExt as _, BodyStream, StreamBody};
use hyper::body::{Body as _, Frame, Incoming};

use super::faults::Action;
use crate::http::{Body, State, error_response, full};
use crate::status::ApiError;

fn reset() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "injected fault: connection reset",
    )
}

fn is_watch(req: &Request<Incoming>) -> bool {
    req.uri().path().contains("/watch/")
        || req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

fn injected_status(code: u16, retry_after: Option<u64>) -> ApiError {
    let (reason, message) = match code {
        429 => (
            "TooManyRequests",
            "Too many requests, please try again later.",
        ),
        500 => ("InternalError", "Internal error occurred: injected fault"),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted",
        ),
        _ => ("InternalError", "injected fault"),
    };
    let mut e = ApiError::new(code, reason, message);
    if let Some(n) = retry_after {
        e = e.with_details(serde_json::json!({"retryAfterSeconds": n}));
    }
    e
}

/// The answer in 256-byte pieces with `pause` between them (streams pass through).
async fn slow(resp: Response<Body>, pause: std::time::Duration) -> Response<Body> {
    if resp.body().size_hint().exact().is_none() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = body.collect().await.map(|b| b.to_bytes()) else {
        return Response::from_parts(parts, full(Bytes::new()));
    };
    let chunks: Vec<Bytes> = bytes.chunks(256).map(Bytes::copy_from_slice).collect();
    let stream = futures::stream::iter(chunks).then(move |c| async move {
        tokio::time::sleep(pause).await;
        Ok::<_, std::io::Error>(Frame::data(c))
    });
    Response::from_parts(
        parts,
        http_body_util::BodyExt::boxed(StreamBody::new(stream)),
    )
}

/// A watch cut (connection reset) after `n` events.
fn cut(resp: Response<Body>, n: usize) -> Response<Body> {
    let (parts, body) = resp.into_parts();
    let frames = BodyStream::new(body)
        .take(n)
        .chain(futures::stream::once(async { Err(reset()) }));
    Response::from_parts(
        parts,
        http_body_util::BodyExt::boxed(StreamBody::new(frames)),
    )
}

/// A watch that says its resourceVersion is too old, as the watch cache does.
fn gone() -> Response<Body> {
    let status = ApiError::gone("too old resource version: 1 (2)").to_status();
    let mut line = serde_json::to_vec(&serde_json::json!({"type": "ERROR", "object": status}))
        .unwrap_or_default();
    line.push(b'\n');
    crate::http::bytes_response(200, line)
}

/// Handles one request under the sandbox's fault table; `Err` closes the connection.
pub async fn serve<F, Fut>(
    state: Arc<State>,
    req: Request<Incoming>,
    handle: F,
) -> Result<Response<Body>, std::io::Error>
where
    F: FnOnce(Arc<State>, Request<Incoming>) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let watch = is_watch(&req);
    let uri = req
        .uri()
        .path_and_query()
        .map(ToString::to_string)
        .unwrap_or_default();
    let fault = state.faults.take(req.method(), &uri, watch);
    Ok(match fault {
        None => handle(state, req).await,
        Some(Action::Latency(d)) => {
            tokio::time::sleep(d).await;
            handle(state, req).await
        }
        Some(Action::Status(code, after)) => error_response(&injected_status(code, after)),
        Some(Action::Reset) => return Err(reset()),
        Some(Action::DropAnswer) => {
            let _ = handle(state, req).await;
            return Err(reset());
        }
        Some(Action::SlowBody(d)) => slow(handle(state, req).await, d).await,
        Some(Action::WatchGone) if watch => gone(),
        Some(Action::CutWatch(n)) if watch => cut(handle(state, req).await, n),
        Some(Action::WatchGone | Action::CutWatch(_)) => handle(state, req).await,
    })
}
