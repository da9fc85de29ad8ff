//! `resourceVersion` and `resourceVersionMatch` of a LIST, checked as kube-apiserver checks
//! them before answering:
//! - `ValidateListOptions` (`staging/src/k8s.io/apimachinery/pkg/apis/meta/internalversion/
//!   validation/validation.go`): `resourceVersionMatch` needs a `resourceVersion`, is one of
//!   `Exact`/`NotOlderThan`, and `Exact` is forbidden with `0`; the handler answers 422
//!   `ListOptions.meta.k8s.io "" is invalid: ...`.
//! - A `resourceVersion` the server has not reached, read "not older than" (the default): the
//!   watch cache waits for it (3 s) and then answers 504 with the `ResourceVersionTooLarge`
//!   cause (`storage.NewTooLargeResourceVersionError`). The sandbox cannot fall behind its own
//!   writes, so it answers at once.
//! - `Exact` at a past resourceVersion: a real server reads that revision from etcd, or 410
//!   once it is compacted; the sandbox reads it back from its event history
//!   ([`Store::list_at`](super::store::Store::list_at)), 410 where that does not reach.

use serde_json::json;

use super::http::Req;
use super::status::ApiError;

/// 422 `ListOptions.meta.k8s.io "" is invalid: <field>: <message>`.
fn invalid(field: &str, message: String) -> ApiError {
    let list_options = super::store::GroupResource::new("meta.k8s.io", "listoptions");
    ApiError::invalid(
        &list_options,
        "ListOptions",
        "",
        vec![(field.into(), message)],
    )
}

/// Refuses what kube-apiserver refuses for a LIST at the store's `current` resourceVersion;
/// `Some(rv)` when the list must show the state at the past `rv` (`Exact`).
pub fn check(req: &Req, current: u64) -> Result<Option<u64>, ApiError> {
    let rv = req.q("resourceVersion");
    let exact = match req.q("resourceVersionMatch") {
        None => false,
        Some(_) if rv.is_none() => {
            return Err(invalid(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
                    .into(),
            ));
        }
        Some(_) if req.q("continue").is_some() => {
            return Err(invalid(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch is forbidden when continue is provided".into(),
            ));
        }
        Some("NotOlderThan") => false,
        Some("Exact") if rv == Some("0") => {
            return Err(invalid(
                "resourceVersionMatch",
                "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""
                    .into(),
            ));
        }
        Some("Exact") => true,
        Some(other) => {
            return Err(invalid(
                "resourceVersionMatch",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
                ),
            ));
        }
    };
    let Some(wanted) = rv.and_then(|v| v.parse::<u64>().ok()) else {
        return Ok(None);
    };
    if wanted > current {
        return Err(ApiError::new(
            504,
            "Timeout",
            format!("Too large resource version: {wanted}, current: {current}"),
        )
        .with_details(json!({
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        })));
    }
    Ok((exact && wanted < current).then_some(wanted))
}

/// The JSON list of `t`'s objects as they were at `rv`, filtered like any list (no pages).
pub fn past_list(
    store: &super::store::Store,
    req: &Req,
    t: &super::http::Target,
    rv: u64,
) -> Result<hyper::Response<super::http::Body>, ApiError> {
    let filter = super::selectors::Filter::from_req(req, &t.info)?;
    let items: Vec<serde_json::Value> = store
        .list_at(&t.info.gr(), t.namespace.as_deref(), rv)?
        .into_iter()
        .filter(|o| filter.matches(o))
        .map(|o| super::registry::present(&t.info, &o))
        .collect();
    Ok(super::http::json_response(
        200,
        &json!({"apiVersion": t.info.api_version(), "kind": t.info.list_kind(),
            "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}
