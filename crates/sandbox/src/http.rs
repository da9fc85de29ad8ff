//! The request and response types every handler shares (the routing in `server` and the
//! handlers both import them from here, so neither imports the other for them).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use serde_json::Value;

use super::auth::Authenticator;
use super::controller::ControllerConfig;
use super::rbac::UserInfo;
use super::registry::ResourceInfo;
use super::status::ApiError;
use super::store::Store;

/// Response body type: full bodies and streamed watch bodies alike.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// State shared by every connection.
pub struct State {
    /// The object store (short critical sections only).
    pub store: Arc<Mutex<Store>>,
    /// Tokens and the client CA.
    pub auth: Authenticator,
    /// Controller configuration passed to reconcile after writes.
    pub cfg: ControllerConfig,
    /// Address clients reach us on (for `/api` serverAddressByClientCIDRs).
    pub addr: SocketAddr,
    /// Injected faults and the request log.
    pub faults: super::faults::Faults,
}

impl State {
    /// Locks the store, recovering from a poisoned lock (a panicking handler must not wedge
    /// the whole server).
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A parsed request as the handlers see it.
pub struct Req {
    /// HTTP method.
    pub method: Method,
    /// URL path.
    pub path: String,
    /// Decoded query parameters (last value wins).
    pub query: HashMap<String, String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Bytes,
    /// Authenticated (possibly impersonated) user.
    pub user: UserInfo,
}

impl Req {
    /// A query parameter, if present and non-empty.
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether a boolean query parameter is "true"/"1".
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.q(k), Some("true" | "1"))
    }

    /// A header as a string ("" if absent).
    pub fn header(&self, k: &str) -> &str {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A resource request target after path parsing.
pub struct Target {
    /// The resource being addressed.
    pub info: ResourceInfo,
    /// Namespace from the path.
    pub namespace: Option<String>,
    /// Object name from the path.
    pub name: Option<String>,
    /// Subresource ("", "status", or "finalize" for namespaces).
    pub subresource: String,
}

/// Serializes a JSON response.
pub fn json_response(code: u16, v: &Value) -> Response<Body> {
    bytes_response(code, serde_json::to_vec(v).unwrap_or_default())
}

/// A response carrying already-encoded JSON.
pub fn bytes_response(code: u16, bytes: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(full(bytes));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

/// The Status response for an error; `details.retryAfterSeconds` also becomes the
/// `Retry-After` header, as kube-apiserver's `responsewriters` set it.
pub fn error_response(e: &ApiError) -> Response<Body> {
    let status = e.to_status();
    let retry_after = status["details"]["retryAfterSeconds"].as_u64();
    let mut resp = json_response(e.code, &status);
    if let Some(seconds) = retry_after
        && let Ok(value) = http::HeaderValue::from_str(&seconds.to_string())
    {
        resp.headers_mut().insert(http::header::RETRY_AFTER, value);
    }
    resp
}
