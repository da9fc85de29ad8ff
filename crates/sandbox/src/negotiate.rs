//! Content negotiation of responses, as kube-apiserver's `negotiation` package does it: the
//! `Accept` clauses in order of their `q` (stable), the first one the resource can be served
//! in wins — JSON (`application/json`, `*/*`, `application/*`), YAML (`application/yaml`) or,
//! for built-in kinds, protobuf; custom resources have no protobuf, and when nothing is
//! acceptable the answer is 406 listing what is. Clauses with `as=` (Table,
//! PartialObjectMetadata) are the table module's business and negotiate as JSON here.

use http::Response;
use http_body_util::BodyExt;
use hyper::body::Body as _;
use serde_json::Value;

use super::http::{Body, error_response};
use super::protobuf;
use super::status::ApiError;

/// A response encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    Json,
    Yaml,
    Protobuf,
}

const JSON_YAML: &str = "application/json, application/yaml";
const WITH_PROTOBUF: &str =
    "application/json, application/yaml, application/vnd.kubernetes.protobuf";

/// The acceptable encodings for `accept`, best first (empty when nothing is acceptable).
pub fn acceptable(accept: &str, protobuf_ok: bool) -> Vec<Media> {
    if accept.trim().is_empty() {
        return vec![Media::Json];
    }
    let mut clauses: Vec<(f32, Option<Media>)> = Vec::new();
    for clause in accept.split(',') {
        let mut parts = clause.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut as_kind = false;
        for p in parts {
            match p.split_once('=') {
                Some(("q", v)) => q = v.trim().parse().unwrap_or(0.0),
                Some(("as", _)) => as_kind = true,
                _ => {}
            }
        }
        let m = match media.as_str() {
            _ if q <= 0.0 => None,
            "*/*" | "application/*" | "application/json" => Some(Media::Json),
            "application/yaml" if !as_kind => Some(Media::Yaml),
            "application/vnd.kubernetes.protobuf" if protobuf_ok && !as_kind => {
                Some(Media::Protobuf)
            }
            _ => None,
        };
        clauses.push((q, m));
    }
    clauses.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<Media> = Vec::new();
    for m in clauses.into_iter().filter_map(|c| c.1) {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// 406 as the negotiation package words it.
pub fn not_acceptable(protobuf_ok: bool) -> ApiError {
    let list = if protobuf_ok {
        WITH_PROTOBUF
    } else {
        JSON_YAML
    };
    ApiError::new(
        406,
        "NotAcceptable",
        format!("only the following media types are accepted: {list}"),
    )
}

/// Whether the sandbox speaks protobuf for this kind (or `<Kind>List`).
pub fn protobuf_kind(kind: &str) -> bool {
    protobuf::schema::for_kind(kind).is_some()
        || kind
            .strip_suffix("List")
            .is_some_and(|k| protobuf::schema::for_kind(k).is_some())
}

fn with_body(
    parts: http::response::Parts,
    bytes: Vec<u8>,
    content_type: &'static str,
) -> Response<Body> {
    let mut resp = Response::from_parts(parts, super::http::full(bytes));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    resp
}

/// Re-encodes a complete JSON response for `accept`. Streams (watches, which negotiate
/// themselves) and non-JSON bodies pass through.
pub async fn respond(accept: &str, resp: Response<Body>) -> Response<Body> {
    let is_json = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/json");
    if !is_json || resp.body().size_hint().exact().is_none() || accept.is_empty() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = body.collect().await.map(|b| b.to_bytes()) else {
        return error_response(&ApiError::internal("reading the answer failed"));
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return with_body(parts, bytes.to_vec(), "application/json");
    };
    let protobuf_ok = protobuf_kind(v["kind"].as_str().unwrap_or_default());
    let mut refused = None;
    for media in acceptable(accept, protobuf_ok) {
        match media {
            Media::Json => return with_body(parts, bytes.to_vec(), "application/json"),
            Media::Yaml => {
                if let Ok(y) = serde_saphyr::to_string(&v) {
                    return with_body(parts, y.into_bytes(), "application/yaml");
                }
            }
            Media::Protobuf => match protobuf::encode(&v) {
                Ok(pb) => return with_body(parts, pb, protobuf::CONTENT_TYPE),
                Err(e) => refused = Some(e),
            },
        }
    }
    match refused {
        Some(e) => error_response(&ApiError::internal(format!(
            "the sandbox cannot encode this {} in protobuf: {e}",
            v["kind"].as_str().unwrap_or("object")
        ))),
        None => error_response(&not_acceptable(protobuf_ok)),
    }
}
