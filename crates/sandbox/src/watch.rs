//! Watch: newline-delimited JSON events (`ADDED`/`MODIFIED`/`DELETED`/`BOOKMARK`/`ERROR`) from
//! a resourceVersion, with selectors, `allowWatchBookmarks`, `timeoutSeconds` and
//! `sendInitialEvents`. A resourceVersion older than the store's history yields one ERROR
//! event carrying a 410 Expired Status, exactly what kube-runtime's watcher relists on.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::http::{Body, Req, State, Target};
use super::registry::ResourceInfo;
use super::registry::present;
use super::selectors::Filter;
use super::status::ApiError;
use super::store::{GroupResource, Store, StoreEvent};

/// How often a watch with allowWatchBookmarks receives a BOOKMARK.
pub const BOOKMARK_INTERVAL: Duration = Duration::from_secs(1);
/// Default watch lifetime when timeoutSeconds is absent (kube picks 30-60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

fn line(v: &Value) -> Bytes {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    Bytes::from(b)
}

impl Spec {
    /// One event in the stream's encoding. An object protobuf cannot carry becomes an ERROR
    /// event naming the field (the stream then ends), never a silently different object.
    fn frame(&self, ev: &Value) -> (Bytes, bool) {
        if !self.protobuf {
            return (line(ev), true);
        }
        match super::protobuf::encode_watch_event(ev) {
            Ok(b) => (Bytes::from(b), true),
            Err(e) => {
                let status = ApiError::internal(format!(
                    "the sandbox cannot encode this {} in protobuf: {e}",
                    self.info.kind
                ))
                .to_status();
                let err = json!({"type": "ERROR", "object": status});
                let b = super::protobuf::encode_watch_event(&err).unwrap_or_default();
                (Bytes::from(b), false)
            }
        }
    }
}

struct Spec {
    info: ResourceInfo,
    /// `info.gr()`, compared with every store event.
    gr: GroupResource,
    namespace: Option<String>,
    name: Option<String>,
    filter: Filter,
    /// Render event objects as single-row Tables (`kubectl get -w`).
    table: bool,
    /// Render event objects as PartialObjectMetadata (kube-rs metadata watchers).
    metadata_only: bool,
    /// Send length-prefixed protobuf WatchEvent frames instead of JSON lines.
    protobuf: bool,
}

fn key(obj: &Value) -> (String, String) {
    let m = &obj["metadata"];
    (
        m["namespace"].as_str().unwrap_or("").to_string(),
        m["name"].as_str().unwrap_or("").to_string(),
    )
}

impl Spec {
    /// Whether the event's object is in scope (resource, namespace, name) regardless of
    /// selectors.
    fn in_scope(&self, ev: &StoreEvent) -> bool {
        ev.gr == self.gr && self.in_place(&ev.object)
    }

    /// Whether a stored object of the watched resource is in the namespace and has the name
    /// the watch asks for.
    fn in_place(&self, obj: &Value) -> bool {
        let meta = &obj["metadata"];
        if let Some(ns) = &self.namespace
            && meta["namespace"].as_str() != Some(ns)
        {
            return false;
        }
        if let Some(n) = &self.name
            && meta["name"].as_str() != Some(n)
        {
            return false;
        }
        true
    }

    fn wants(&self, ev: &StoreEvent) -> bool {
        self.in_scope(ev) && self.filter.matches(&ev.object)
    }

    /// [`Self::wants`] for an object already listed from the watched resource.
    fn selects(&self, obj: &Value) -> bool {
        self.in_place(obj) && self.filter.matches(obj)
    }

    /// Translates a store event for this watcher: objects entering the selection become
    /// ADDED, objects leaving it DELETED, as kube-apiserver's watch cache does.
    fn translate(&self, ev: &StoreEvent, known: &mut HashSet<(String, String)>) -> Option<Value> {
        if !self.in_scope(ev) {
            return None;
        }
        let k = key(&ev.object);
        let matches = self.filter.matches(&ev.object);
        let ty = match (ev.event_type, matches, known.contains(&k)) {
            ("DELETED", _, true) | ("DELETED", true, false) => {
                known.remove(&k);
                "DELETED"
            }
            ("DELETED", false, false) => return None,
            (_, true, true) => "MODIFIED",
            (_, true, false) => {
                known.insert(k);
                "ADDED"
            }
            (_, false, true) => {
                known.remove(&k);
                "DELETED"
            }
            (_, false, false) => return None,
        };
        Some(self.event(ty, &ev.object))
    }

    fn event(&self, ty: &str, obj: &Value) -> Value {
        let obj = present(&self.info, obj);
        if self.metadata_only {
            return json!({"type": ty, "object": super::table::partial(&obj)});
        }
        if self.table {
            let rv = obj["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or("")
                .to_string();
            return json!({"type": ty, "object": super::table::table(&self.info, &[obj], &rv, None)});
        }
        json!({"type": ty, "object": obj})
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Value {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        json!({"type": "BOOKMARK", "object": {"kind": self.info.kind, "apiVersion": self.info.api_version(), "metadata": meta}})
    }
}

/// Starts a watch; the response streams until timeout, client disconnect or lagging.
pub fn watch(state: &State, req: &Req, t: &Target) -> Result<Response<Body>, ApiError> {
    let spec = spec_of(req, t)?;
    let bookmarks = req.flag("allowWatchBookmarks");
    let send_initial = req.flag("sendInitialEvents");
    let timeout = match req.q("timeoutSeconds") {
        Some(s) => Duration::from_secs(
            s.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds {s:?}")))?,
        ),
        None => DEFAULT_TIMEOUT,
    };
    let (initial, known, rx, start_rv) = {
        let store = state.lock();
        let now = store.resource_version();
        let known = store
            .list(&spec.gr, spec.namespace.as_deref())
            .into_iter()
            .filter(|obj| spec.filter.matches(obj))
            .map(key)
            .collect::<HashSet<_>>();
        let initial = match req.q("resourceVersion") {
            // Not from a version: the current objects first, as ADDED.
            None | Some("0") => {
                let mut events = current_objects(&store, &spec);
                if send_initial && bookmarks {
                    events.push(spec.bookmark(now, true));
                }
                events
            }
            Some(rv) => {
                let since: u64 = rv.parse().map_err(|_| {
                    ApiError::bad_request(format!("invalid resource version {rv:?}"))
                })?;
                if send_initial {
                    let mut events = current_objects(&store, &spec);
                    if bookmarks {
                        events.push(spec.bookmark(now, true));
                    }
                    events
                } else {
                    events_since(&store, &spec, since)
                }
            }
        };
        (initial, known, store.subscribe(), now)
    };
    let expired = initial.last().is_some_and(|e| e["type"] == "ERROR");
    let protobuf = spec.protobuf;
    let (tx, body_rx) = mpsc::channel::<Bytes>(256);
    let bookmarks = bookmarks && !expired && !spec.table;
    tokio::spawn(pump(
        spec, known, initial, rx, tx, start_rv, bookmarks, timeout, expired,
    ));
    Ok(streaming_response(body_rx, protobuf))
}

/// What a watch request asks for: the resource, namespace, name, selectors, and the
/// encoding of its events (Table, metadata only, protobuf for built-ins that have it).
fn spec_of(req: &Req, t: &Target) -> Result<Spec, ApiError> {
    let table = super::table::wants_table(req);
    let metadata_only = super::table::wants_metadata(req);
    let protobuf = !table
        && !metadata_only
        && super::negotiate::acceptable(req.header("accept"), true).first()
            == Some(&super::negotiate::Media::Protobuf)
        && !t.info.custom
        && super::negotiate::protobuf_kind(&t.info.kind);
    Ok(Spec {
        info: t.info.clone(),
        gr: t.info.gr(),
        namespace: t.namespace.clone(),
        name: t.name.clone(),
        filter: Filter::from_req(req, &t.info)?,
        table,
        metadata_only,
        protobuf,
    })
}

/// The objects the watch selects, now, as ADDED events.
fn current_objects(store: &Store, spec: &Spec) -> Vec<Value> {
    store
        .list(&spec.gr, spec.namespace.as_deref())
        .into_iter()
        .filter(|obj| spec.selects(obj))
        .map(|obj| spec.event("ADDED", obj))
        .collect()
}

/// The events after `since` the watch selects, or one ERROR (410 Gone) when `since` is
/// older than the history the store keeps.
fn events_since(store: &Store, spec: &Spec, since: u64) -> Vec<Value> {
    match store.events_since(since) {
        Ok(evs) => evs
            .iter()
            .filter(|e| spec.wants(e))
            .map(|ev| spec.event(ev.event_type, &ev.object))
            .collect(),
        Err(e) => vec![json!({"type": "ERROR", "object": e.to_status()})],
    }
}

/// The chunked response carrying what the pump sends.
fn streaming_response(body_rx: mpsc::Receiver<Bytes>, protobuf: bool) -> Response<Body> {
    let stream = futures::stream::unfold(body_rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), rx))
    });
    let content_type = if protobuf {
        "application/vnd.kubernetes.protobuf;stream=watch"
    } else {
        "application/json"
    };
    let mut resp = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    resp
}

#[allow(clippy::too_many_arguments)]
async fn pump(
    spec: Spec,
    mut known: HashSet<(String, String)>,
    initial: Vec<Value>,
    mut rx: broadcast::Receiver<StoreEvent>,
    tx: mpsc::Sender<Bytes>,
    start_rv: u64,
    bookmarks: bool,
    timeout: Duration,
    expired: bool,
) {
    for ev in &initial {
        let (bytes, go_on) = spec.frame(ev);
        if tx.send(bytes).await.is_err() || !go_on {
            return;
        }
    }
    if expired {
        return;
    }
    let mut last_rv = start_rv;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(BOOKMARK_INTERVAL);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            _ = tx.closed() => return,
            _ = tick.tick(), if bookmarks => {
                let (bytes, go_on) = spec.frame(&spec.bookmark(last_rv, false));
                if tx.send(bytes).await.is_err() || !go_on {
                    return;
                }
            }
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    if ev.rv <= last_rv {
                        continue;
                    }
                    last_rv = ev.rv;
                    if let Some(out) = spec.translate(&ev, &mut known) {
                        let (bytes, go_on) = spec.frame(&out);
                        if tx.send(bytes).await.is_err() || !go_on {
                            return;
                        }
                    }
                }
                // Lagged or closed: end the stream; clients resume from their last rv.
                Err(_) => return,
            }
        }
    }
}
