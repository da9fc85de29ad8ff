//! LIST: selectors, `limit`/`continue` pagination with kube's continue tokens and
//! `remainingItemCount`, and the three answers (a list, a Table, PartialObjectMetadataList).

use base64::Engine;
use http::Response;
use serde_json::{Value, json};

use crate::handlers::name_of;
use crate::http::{Body, Req, State, Target, json_response};
use crate::registry::present;
use crate::selectors::Filter;
use crate::status::ApiError;
use crate::store::{GroupResource, Store};
use crate::table;

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    start: String,
    /// Items sent before the page this token continues with (for `remainingItemCount`).
    #[serde(default)]
    sent: usize,
}

fn decode_continue(tok: &str) -> Result<ContinueToken, ApiError> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {tok:?}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(tok.trim_end_matches('='))
        .map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

fn encode_continue(rv: u64, start: String, sent: usize) -> String {
    let tok = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start,
        sent,
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&tok).unwrap_or_default())
}

fn key_of(obj: &Value) -> String {
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
    format!("{ns}/{}", name_of(obj))
}

/// The message kube sends with 410 for an expired continue token.
pub const EXPIRED_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

type Item<'a> = (&'a (String, String), &'a Value);

/// LIST with selectors and limit/continue pagination.
pub fn list(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    let filter = Filter::from_req(req, &t.info)?;
    let limit: usize = match req.q("limit") {
        None => 0,
        Some(l) => l
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?,
    };
    let cont = req.q("continue").map(decode_continue).transpose()?;
    let store = state.lock();
    if let Some(past) = crate::rv_match::check(req, store.resource_version())? {
        return crate::rv_match::past_list(&store, req, t, past);
    }
    if let Some(c) = &cont
        && c.rv < store.oldest_resumable()
    {
        return Err(ApiError::gone(EXPIRED_CONTINUE));
    }
    let gr = t.info.gr();
    let (items, next) = page(&store, t, &gr, &filter, limit, cont.as_ref());
    let unfiltered = filter.labels.0.is_empty() && filter.fields.0.is_empty();
    let meta = list_meta(&store, t, &gr, next, cont.as_ref(), items.len(), unfiltered);
    if table::wants_table(req) {
        let presented: Vec<Value> = items.iter().map(|(_, o)| present(&t.info, o)).collect();
        drop(store);
        let token = meta
            .get("continue")
            .and_then(Value::as_str)
            .map(str::to_string);
        let rv = meta["resourceVersion"].as_str().unwrap_or_default();
        return Ok(json_response(
            200,
            &table::table(&t.info, &presented, rv, token),
        ));
    }
    if table::wants_metadata(req) {
        let partials: Vec<Value> = items.iter().map(|(_, o)| table::partial(o)).collect();
        drop(store);
        return Ok(json_response(
            200,
            &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": partials}),
        ));
    }
    let buf = encode_list(&store, t, &gr, meta, &items)?;
    drop(store);
    Ok(crate::http::bytes_response(200, buf))
}

/// The objects of one page (after the continue point, matching the selectors, at most
/// `limit`), and the continue point of the next page when there is more.
fn page<'a>(
    store: &'a Store,
    t: &'a Target,
    gr: &GroupResource,
    filter: &Filter,
    limit: usize,
    cont: Option<&ContinueToken>,
) -> (Vec<Item<'a>>, Option<String>) {
    // The continue point is `namespace/name` of the last item sent (namespaces hold no '/').
    let after = cont.map(|c| match c.start.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (String::new(), c.start.clone()),
    });
    let mut items: Vec<Item<'a>> = Vec::new();
    let mut next = None;
    for (key, obj) in store.list_after(gr, t.namespace.as_deref(), after) {
        if !filter.matches(obj) {
            continue;
        }
        if limit > 0 && items.len() == limit {
            next = items.last().map(|(_, o)| key_of(o));
            break;
        }
        items.push((key, obj));
    }
    (items, next)
}

/// The list's metadata: its resourceVersion and, when a page follows, the continue token
/// and (for an unfiltered list, like kube) `remainingItemCount`.
fn list_meta(
    store: &Store,
    t: &Target,
    gr: &GroupResource,
    next: Option<String>,
    cont: Option<&ContinueToken>,
    count: usize,
    unfiltered: bool,
) -> serde_json::Map<String, Value> {
    let rv = store.resource_version();
    let mut meta = serde_json::Map::new();
    meta.insert("resourceVersion".into(), json!(rv.to_string()));
    if let Some(start) = next {
        let sent = cont.map_or(0, |c| c.sent) + count;
        meta.insert("continue".into(), json!(encode_continue(rv, start, sent)));
        // The count is the total less what the pages so far held (counting what is left
        // would make a list of n objects cost n²/limit).
        if unfiltered {
            let total = store.count(gr, t.namespace.as_deref());
            meta.insert(
                "remainingItemCount".into(),
                json!(total.saturating_sub(sent)),
            );
        }
    }
    meta
}

/// The list as JSON bytes. Each stored object's bytes are cached per resourceVersion
/// (re-encoded only when the stored apiVersion differs from the requested one): a list of
/// thousands of objects is a copy, and the store's lock is held for that copy only.
fn encode_list(
    store: &Store,
    t: &Target,
    gr: &GroupResource,
    meta: serde_json::Map<String, Value>,
    items: &[Item<'_>],
) -> Result<Vec<u8>, ApiError> {
    let av = t.info.api_version();
    let head = json!({"apiVersion": av, "kind": t.info.list_kind(), "metadata": meta});
    let mut buf = serde_json::to_vec(&head).unwrap_or_default();
    buf.pop();
    buf.extend_from_slice(b",\"items\":[");
    let failed =
        |e: serde_json::Error| ApiError::internal(format!("encoding the list failed: {e}"));
    for (i, (key, obj)) in items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let same = obj.get("apiVersion").and_then(Value::as_str) == Some(av.as_str())
            && obj.get("kind").and_then(Value::as_str) == Some(t.info.kind.as_str());
        if same {
            let bytes = store
                .encoded(gr, key, obj, !t.info.custom)
                .map_err(failed)?;
            buf.extend_from_slice(&bytes);
        } else if t.info.custom {
            serde_json::to_writer(&mut buf, &present(&t.info, obj)).map_err(failed)?;
        } else {
            let mut item = present(&t.info, obj);
            if let Some(m) = item.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            serde_json::to_writer(&mut buf, &item).map_err(failed)?;
        }
    }
    buf.extend_from_slice(b"]}");
    Ok(buf)
}
