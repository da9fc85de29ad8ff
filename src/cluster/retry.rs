//! How requests survive a struggling API server, under kube's client (which by default
//! re-sends every verb, writes included, up to 15 times with backoff growing to 1000 s):
//!
//! - Reads (GET, HEAD) are retried on 429, 500, 502, 503, 504 and on transport errors, with
//!   exponential backoff and full jitter, honouring `Retry-After`.
//! - Writes are retried only when the server cannot have run them: a 429 (API priority and
//!   fairness rejects before executing) or a connection that was never made. A write whose
//!   answer was lost is not re-sent here; [`super::apply`] reads back what happened.
//! - At most [`MAX_RETRIES`] retries, and never past the budget (`--request-timeout`, else
//!   [`DEFAULT_BUDGET`]).
//! - `--request-timeout` bounds each whole call, body included ([`Deadline`]); watches are
//!   long by design and only get the per-read socket timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use kube::client::{Body, DynBody};
use tower::{BoxError, Layer, Service};

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 4;
/// Time allowed for retrying when `--request-timeout` is not given.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// The retry policy (one copy per request: [`RetryService`] clones it into each call).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    retries: u32,
    budget: Duration,
    started: Option<Instant>,
    seed: u64,
}

impl RetryPolicy {
    /// A policy that stops retrying once `budget` has passed since the first attempt.
    pub fn new(budget: Duration) -> Self {
        Self {
            retries: 0,
            budget,
            started: None,
            seed: 0,
        }
    }

    /// Exponential backoff with jitter: a delay in [base/2, base].
    fn backoff(&mut self) -> Duration {
        let base = FIRST_BACKOFF
            .saturating_mul(1 << self.retries.min(10))
            .min(MAX_BACKOFF);
        jittered(base, &mut self.seed)
    }
}

/// `base` shortened by up to a half at random, advancing `seed` (mixed with the clock, so
/// clients that failed together do not retry together).
pub(crate) fn jittered(base: Duration, seed: &mut u64) -> Duration {
    *seed = seed
        .wrapping_add(jitter_source())
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let fraction = 0.5 + (*seed >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
    base.mul_f64(fraction)
}

/// Entropy enough to spread clients that failed together: the clock's nanoseconds and the
/// process id.
fn jitter_source() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// `Retry-After` in whole seconds, as kube-apiserver sends it.
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Whether a transport error happened before the request reached the server.
fn never_sent(e: &BoxError) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
    while let Some(err) = cur {
        if let Some(h) = err.downcast_ref::<hyper_util::client::legacy::Error>()
            && h.is_connect()
        {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Whether a request is a read (safe to send again).
pub fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

/// Whether a status may be retried for a request with this method.
pub fn retryable_status(method: &Method, status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (is_read(method)
            && matches!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ))
}

impl RetryPolicy {
    /// How long to wait before sending `method`'s request again after `result`; `None`:
    /// give the result to the caller.
    fn next_delay<B>(
        &mut self,
        method: &Method,
        result: &Result<Response<B>, BoxError>,
    ) -> Option<Duration> {
        let started = *self.started.get_or_insert_with(Instant::now);
        let server_delay = match result {
            Ok(resp) if retryable_status(method, resp.status()) => retry_after(resp.headers()),
            Ok(_) => return None,
            Err(e) if is_read(method) || never_sent(e) => None,
            Err(_) => return None,
        };
        if self.retries >= MAX_RETRIES {
            return None;
        }
        let delay = server_delay.unwrap_or_else(|| self.backoff());
        if started.elapsed() + delay > self.budget {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }
}

/// A copy of a request whose body is in memory (every request this tool sends but a watch's
/// empty one, which copies too); `None` for a streamed body.
fn copy_request(req: &Request<Body>) -> Option<Request<Body>> {
    let body = req.body().try_clone()?;
    let mut out = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone())
        .version(req.version())
        .body(body)
        .ok()?;
    *out.headers_mut() = req.headers().clone();
    *out.extensions_mut() = req.extensions().clone();
    Some(out)
}

/// Retries by [`RetryPolicy`] around kube's service. kube's stack is a `BoxService`, which
/// cannot be cloned; instead of tower's `Buffer` (a worker task every request hops through)
/// the service is shared behind a mutex held only within one poll that readies and calls it,
/// never while its answer is awaited.
#[derive(Clone, Debug)]
pub struct Retry(pub RetryPolicy);

impl<S> Layer<S> for Retry {
    type Service = RetryService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryService {
            inner: std::sync::Arc::new(std::sync::Mutex::new(inner)),
            policy: self.0.clone(),
        }
    }
}

/// The service [`Retry`] makes.
pub struct RetryService<S> {
    inner: std::sync::Arc<std::sync::Mutex<S>>,
    policy: RetryPolicy,
}

impl<S> Service<Request<Body>> for RetryService<S>
where
    S: Service<Request<Body>, Response = Response<Box<DynBody>>, Error = BoxError> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Box<DynBody>>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Readiness is awaited under the lock, per attempt.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let mut policy = self.policy.clone();
        Box::pin(async move {
            let mut req = req;
            loop {
                let method = req.method().clone();
                let again = copy_request(&req);
                // Ready and called in one poll, so the lock is never held across an await.
                let mut pending = Some(req);
                let answer = std::future::poll_fn(|cx| {
                    let mut svc = inner.lock().unwrap_or_else(|p| p.into_inner());
                    match svc.poll_ready(cx) {
                        Poll::Ready(Ok(())) => match pending.take() {
                            Some(r) => Poll::Ready(Ok(svc.call(r))),
                            None => Poll::Ready(Err(BoxError::from("request already sent"))),
                        },
                        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                        Poll::Pending => Poll::Pending,
                    }
                })
                .await?;
                let result = answer.await;
                match (again, policy.next_delay(&method, &result)) {
                    (Some(next), Some(delay)) => {
                        tokio::time::sleep(delay).await;
                        req = next;
                    }
                    _ => return result,
                }
            }
        })
    }
}

/// The error a call gets when `--request-timeout` runs out.
#[derive(Debug, thiserror::Error)]
#[error("no complete answer within {0:?} (--request-timeout)")]
pub struct TimedOut(pub Duration);

/// Bounds each non-watch call, retries and body included, by `--request-timeout`.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(pub Duration);

impl<S> Layer<S> for Deadline {
    type Service = DeadlineService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeadlineService {
            inner,
            limit: self.0,
        }
    }
}

/// The service [`Deadline`] makes.
#[derive(Clone, Debug)]
pub struct DeadlineService<S> {
    inner: S,
    limit: Duration,
}

fn is_watch(req: &Request<Body>) -> bool {
    req.uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request<Body>> for DeadlineService<S>
where
    S: Service<Request<Body>, Response = Response<Box<DynBody>>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = Response<Box<DynBody>>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let limit = self.limit;
        let watch = is_watch(&req);
        let fut = self.inner.call(req);
        if watch {
            return Box::pin(fut);
        }
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + limit;
            let resp = tokio::time::timeout_at(deadline, fut)
                .await
                .map_err(|_| BoxError::from(TimedOut(limit)))??;
            Ok(resp.map(|body| {
                Box::new(DeadlineBody {
                    inner: body,
                    sleep: Box::pin(tokio::time::sleep_until(deadline)),
                    limit,
                }) as Box<DynBody>
            }))
        })
    }
}

/// A response body that fails once the call's deadline passes (a server that trickles its
/// answer is bounded too).
struct DeadlineBody {
    inner: Box<DynBody>,
    sleep: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            let limit = self.limit;
            return Poll::Ready(Some(Err(TimedOut(limit).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_retried_only_when_the_server_did_not_run_them() {
        assert!(retryable_status(
            &Method::GET,
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(retryable_status(&Method::GET, StatusCode::GATEWAY_TIMEOUT));
        assert!(retryable_status(
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS
        ));
        assert!(!retryable_status(
            &Method::POST,
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(!retryable_status(&Method::PUT, StatusCode::GATEWAY_TIMEOUT));
        assert!(!retryable_status(&Method::GET, StatusCode::CONFLICT));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_bounded() {
        let mut p = RetryPolicy::new(DEFAULT_BUDGET);
        let mut last = Duration::ZERO;
        for n in 0..8 {
            p.retries = n;
            let d = p.backoff();
            let base = FIRST_BACKOFF.saturating_mul(1 << n).min(MAX_BACKOFF);
            assert!(d >= base / 2 && d <= base, "{n}: {d:?} for {base:?}");
            last = d;
        }
        assert!(last <= MAX_BACKOFF);
    }

    #[test]
    fn retry_after_is_whole_seconds() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::RETRY_AFTER,
            "2".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            http::header::RETRY_AFTER,
            "soon".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(retry_after(&h), None);
    }
}
