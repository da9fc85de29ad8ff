//! The sandbox's in-memory object store: full JSON objects keyed by group/resource, namespace
//! and name, one global resourceVersion counter, a bounded event history (for watch resume and
//! 410 Gone) and a broadcast channel for live watchers. It implements the storage-level
//! semantics of kube-apiserver: uid/resourceVersion/creationTimestamp/generation bookkeeping,
//! optimistic concurrency, finalizers with deletionTimestamp, namespace content deletion and
//! ownerReference garbage collection.

mod deletion;
mod namespace;
mod past;

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::status::ApiError;

pub use super::resource::GroupResource;

/// One watch event as recorded by the store (type = ADDED|MODIFIED|DELETED).
#[derive(Clone, Debug)]
pub struct StoreEvent {
    /// resourceVersion the event produced.
    pub rv: u64,
    /// Which resource the object belongs to.
    pub gr: GroupResource,
    /// ADDED, MODIFIED or DELETED.
    pub event_type: &'static str,
    /// The object after the change (for DELETED: as it was, with the deletion rv).
    pub object: Value,
}

/// How many events the store keeps for watch resume; older resourceVersions get 410 Gone.
pub const HISTORY_LIMIT: usize = 100_000;
const CHANNEL_CAPACITY: usize = 16_384;

type Key = (String, String);

/// Per object: the resourceVersion it was encoded at and its JSON.
type Encodings = HashMap<Key, (String, bytes::Bytes)>;

/// In-memory object store. Objects are full JSON (apiVersion, kind, metadata, ...). One global
/// resourceVersion counter. Every mutation is recorded as a StoreEvent (bounded history for
/// watch resume / 410 Gone) and sent on a tokio broadcast channel.
pub struct Store {
    objects: HashMap<GroupResource, BTreeMap<Key, Value>>,
    rv: u64,
    history: VecDeque<StoreEvent>,
    history_limit: usize,
    /// Highest rv no longer in history (events_since(x) needs x >= compacted).
    compacted: u64,
    tx: broadcast::Sender<StoreEvent>,
    /// The resourceVersion up to which the controllers have processed events (see
    /// `controller::reconcile`); 0 means "never ran: reconcile everything".
    controller_mark: u64,
    /// Each object's JSON as last sent, keyed like `objects` and tagged with the
    /// resourceVersion it was encoded at: a LIST copies bytes instead of re-encoding every
    /// object (an entry whose resourceVersion no longer matches is re-encoded).
    encoded: std::cell::RefCell<HashMap<GroupResource, Encodings>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

pub(crate) fn set_meta(obj: &mut Value, field: &str, value: Value) {
    if !obj.is_object() {
        return;
    }
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"][field] = value;
}

/// What kube's namespace strategy sets on a new namespace: the `kubernetes.io/metadata.name`
/// label, the `kubernetes` finalizer and phase Active. Also applied to namespaces the seed and
/// the controllers create directly in the store.
/// `SetDefaults_Namespace`: the `kubernetes.io/metadata.name` label (applied when the request
/// is decoded, so the writer's field manager owns it).
pub(crate) fn namespace_label(obj: &mut Value) {
    let name = meta_str(obj, "name").unwrap_or_default().to_string();
    if !obj["metadata"].get("labels").is_some_and(Value::is_object) {
        obj["metadata"]["labels"] = json!({});
    }
    obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
}

/// The label, then what the namespace strategy's PrepareForCreate sets (after field
/// management, so nobody owns it): `spec.finalizers: [kubernetes]`, phase Active.
pub(crate) fn namespace_defaults(obj: &mut Value) {
    namespace_label(obj);
    obj["spec"] = json!({"finalizers": ["kubernetes"]});
    obj["status"] = json!({"phase": "Active"});
}

fn remove_meta(obj: &mut Value, field: &str) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove(field);
    }
}

/// The current time as kube formats timestamps (RFC 3339, whole seconds, UTC).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The object without metadata and status: what `generation` tracks.
fn spec_part(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    v
}

/// Whether kube's registry strategy for `gr` sets `metadata.generation` (1 on create, +1 on a
/// spec change): custom resources, CRDs, workloads and pods do; ConfigMaps, Secrets,
/// Namespaces, ServiceAccounts, Services, quotas, LimitRanges and RBAC objects do not.
pub fn tracks_generation(gr: &GroupResource) -> bool {
    match gr.group.as_str() {
        "" => gr.resource == "pods",
        "rbac.authorization.k8s.io"
        | "events.k8s.io"
        | "coordination.k8s.io"
        | "authorization.k8s.io"
        | "authentication.k8s.io" => false,
        _ => true,
    }
}

fn has_finalizers(obj: &Value) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

impl Store {
    /// An empty store (resourceVersion starts at 1).
    pub fn new() -> Self {
        Self::with_history_limit(HISTORY_LIMIT)
    }

    /// An empty store keeping at most `limit` events (tests use small limits to provoke 410).
    pub fn with_history_limit(limit: usize) -> Self {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            objects: HashMap::new(),
            rv: 1,
            history: VecDeque::new(),
            history_limit: limit.max(1),
            compacted: 1,
            tx,
            controller_mark: 0,
            encoded: std::cell::RefCell::new(HashMap::new()),
        }
    }

    fn key(namespace: Option<&str>, name: &str) -> Key {
        (namespace.unwrap_or("").to_string(), name.to_string())
    }

    /// The stored object, if present.
    pub fn get(&self, gr: &GroupResource, namespace: Option<&str>, name: &str) -> Option<&Value> {
        self.objects.get(gr)?.get(&Self::key(namespace, name))
    }

    /// namespace None = all namespaces (or cluster-scoped resources). Sorted by (namespace, name).
    pub fn list(&self, gr: &GroupResource, namespace: Option<&str>) -> Vec<&Value> {
        let Some(map) = self.objects.get(gr) else {
            return Vec::new();
        };
        match namespace {
            None => map.values().collect(),
            Some(ns) => map
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v)
                .collect(),
        }
    }

    /// How many objects of `gr` there are (in `namespace`, or in all): O(1) for all.
    pub fn count(&self, gr: &GroupResource, namespace: Option<&str>) -> usize {
        let Some(map) = self.objects.get(gr) else {
            return 0;
        };
        match namespace {
            None => map.len(),
            Some(ns) => map
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .count(),
        }
    }

    /// Like [`Store::list`], in key order, starting after `after` (a list's continue point):
    /// a page costs its own size, not a scan of everything before it.
    pub fn list_after<'a>(
        &'a self,
        gr: &GroupResource,
        namespace: Option<&'a str>,
        after: Option<Key>,
    ) -> Box<dyn Iterator<Item = (&'a Key, &'a Value)> + 'a> {
        use std::ops::Bound;
        let Some(map) = self.objects.get(gr) else {
            return Box::new(std::iter::empty());
        };
        let lower = match (after, namespace) {
            (Some(k), _) => Bound::Excluded(k),
            (None, Some(ns)) => Bound::Included((ns.to_string(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        let range = map.range((lower, Bound::Unbounded));
        match namespace {
            None => Box::new(range),
            Some(ns) => Box::new(range.take_while(move |((n, _), _)| n == ns)),
        }
    }

    /// The JSON encoding of `obj` as a list item, stored under `key` of `gr`: cached per
    /// resourceVersion, so serving a list of thousands of unchanged objects is a copy of their
    /// bytes. Items of built-in kinds (`typed`) carry no `apiVersion`/`kind`, as
    /// kube-apiserver encodes typed list items with an empty TypeMeta; custom resources
    /// (unstructured) keep theirs.
    pub fn encoded(
        &self,
        gr: &GroupResource,
        key: &Key,
        obj: &Value,
        typed: bool,
    ) -> Result<bytes::Bytes, serde_json::Error> {
        let rv = meta_str(obj, "resourceVersion").unwrap_or("");
        let mut cache = self.encoded.borrow_mut();
        if let Some((at, bytes)) = cache.get(gr).and_then(|m| m.get(key))
            && at == rv
        {
            return Ok(bytes.clone());
        }
        let bytes = if typed {
            let mut item = obj.clone();
            if let Some(m) = item.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            bytes::Bytes::from(serde_json::to_vec(&item)?)
        } else {
            bytes::Bytes::from(serde_json::to_vec(obj)?)
        };
        cache
            .entry(gr.clone())
            .or_default()
            .insert(key.clone(), (rv.to_string(), bytes.clone()));
        Ok(bytes)
    }

    /// Drops the cached encoding of a removed object.
    fn forget_encoding(&self, gr: &GroupResource, key: &Key) {
        if let Some(m) = self.encoded.borrow_mut().get_mut(gr) {
            m.remove(key);
        }
    }

    /// Every group/resource that currently holds at least one object.
    pub fn resources(&self) -> Vec<GroupResource> {
        let mut v: Vec<GroupResource> = self
            .objects
            .iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(g, _)| g.clone())
            .collect();
        v.sort();
        v
    }

    fn record(&mut self, gr: &GroupResource, event_type: &'static str, object: Value) {
        let ev = StoreEvent {
            rv: self.rv,
            gr: gr.clone(),
            event_type,
            object,
        };
        // A send error only means nobody is watching right now.
        let _ = self.tx.send(ev.clone());
        self.history.push_back(ev);
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// Builds the object `create` would store, without storing it (for dryRun and validation).
    pub fn prepare_create(
        &self,
        gr: &GroupResource,
        namespace: Option<&str>,
        mut obj: Value,
    ) -> Result<Value, ApiError> {
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        if self.get(gr, namespace, &name).is_some() {
            return Err(ApiError::already_exists(gr, &name));
        }
        if let Some(ns) = namespace {
            set_meta(&mut obj, "namespace", json!(ns));
        } else {
            remove_meta(&mut obj, "namespace");
        }
        if gr.group.is_empty() && gr.resource == "namespaces" && obj.get("status").is_none() {
            namespace_defaults(&mut obj);
        }
        set_meta(&mut obj, "uid", json!(uuid::Uuid::new_v4().to_string()));
        set_meta(
            &mut obj,
            "resourceVersion",
            json!((self.rv + 1).to_string()),
        );
        set_meta(&mut obj, "creationTimestamp", json!(now_rfc3339()));
        if tracks_generation(gr) {
            set_meta(&mut obj, "generation", json!(1));
        } else {
            remove_meta(&mut obj, "generation");
        }
        remove_meta(&mut obj, "deletionTimestamp");
        remove_meta(&mut obj, "selfLink");
        Ok(obj)
    }

    /// Sets metadata.uid, resourceVersion, creationTimestamp (RFC3339, seconds), generation=1,
    /// defaults metadata.namespace from the argument; 409 AlreadyExists if present. Returns stored obj.
    pub fn create(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        obj: Value,
    ) -> Result<Value, ApiError> {
        let mut obj = self.prepare_create(gr, namespace, obj)?;
        let rv = self.next_rv();
        set_meta(&mut obj, "resourceVersion", json!(rv.to_string()));
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        self.objects
            .entry(gr.clone())
            .or_default()
            .insert(Self::key(namespace, &name), obj.clone());
        self.record(gr, "ADDED", obj.clone());
        Ok(obj)
    }

    /// Builds the object `update` would store. `Ok(None)` means "nothing changed" (returns the
    /// current object unchanged through the second tuple field).
    pub fn prepare_update(
        &self,
        gr: &GroupResource,
        namespace: Option<&str>,
        mut obj: Value,
    ) -> Result<(Value, bool), ApiError> {
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        let Some(old) = self.get(gr, namespace, &name) else {
            return Err(ApiError::not_found(gr, &name));
        };
        let old_rv = meta_str(old, "resourceVersion").unwrap_or("").to_string();
        if let Some(rv) = meta_str(&obj, "resourceVersion")
            && !rv.is_empty()
            && rv != old_rv
        {
            return Err(ApiError::stale(gr, &name));
        }
        match namespace {
            Some(ns) => set_meta(&mut obj, "namespace", json!(ns)),
            None => remove_meta(&mut obj, "namespace"),
        }
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
        ] {
            match old.get("metadata").and_then(|m| m.get(field)) {
                Some(v) => set_meta(&mut obj, field, v.clone()),
                None => remove_meta(&mut obj, field),
            }
        }
        set_meta(&mut obj, "resourceVersion", json!(old_rv));
        remove_meta(&mut obj, "selfLink");
        if &obj == old {
            return Ok((obj, false));
        }
        if tracks_generation(gr) && spec_part(&obj) != spec_part(old) {
            let gen_ = old
                .get("metadata")
                .and_then(|m| m.get("generation"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            set_meta(&mut obj, "generation", json!(gen_ + 1));
        }
        set_meta(
            &mut obj,
            "resourceVersion",
            json!((self.rv + 1).to_string()),
        );
        Ok((obj, true))
    }

    /// Replace. If obj.metadata.resourceVersion is set and differs -> 409 Conflict. Keeps uid and
    /// creationTimestamp; bumps resourceVersion; generation+1 when anything but metadata/status changed.
    /// 404 if missing. Returns stored obj. No event and no rv bump when nothing changed.
    pub fn update(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        obj: Value,
    ) -> Result<Value, ApiError> {
        let (mut obj, changed) = self.prepare_update(gr, namespace, obj)?;
        if !changed {
            return Ok(obj);
        }
        let name = meta_str(&obj, "name").unwrap_or("").to_string();
        // Removing the last finalizer of an object being deleted completes its deletion.
        if meta_str(&obj, "deletionTimestamp").is_some() && !has_finalizers(&obj) {
            let rv = self.next_rv();
            set_meta(&mut obj, "resourceVersion", json!(rv.to_string()));
            self.remove_final(gr, namespace, &name, obj.clone());
            return Ok(obj);
        }
        Ok(self.store_modified(gr, namespace, &name, obj))
    }

    /// Stores `obj` (already in the store) under a new resourceVersion and records MODIFIED.
    fn store_modified(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        name: &str,
        mut obj: Value,
    ) -> Value {
        let rv = self.next_rv();
        set_meta(&mut obj, "resourceVersion", json!(rv.to_string()));
        self.objects
            .entry(gr.clone())
            .or_default()
            .insert(Self::key(namespace, name), obj.clone());
        self.record(gr, "MODIFIED", obj.clone());
        obj
    }

    /// The newest resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// A receiver of every event recorded from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StoreEvent> {
        self.tx.subscribe()
    }

    /// Events with rv > since, or Err(ApiError::gone) if history no longer reaches back that far.
    pub fn events_since(&self, since: u64) -> Result<Vec<StoreEvent>, ApiError> {
        if since < self.compacted {
            return Err(ApiError::gone(format!(
                "too old resource version: {since} ({})",
                self.compacted + 1
            )));
        }
        let start = self.history.partition_point(|e| e.rv <= since);
        Ok(self.history.range(start..).cloned().collect())
    }

    /// Drops the whole event history, as etcd compaction does: watches and continue tokens
    /// from before now answer 410 Gone. Tests use it to exercise relist paths.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
    }

    /// The resourceVersion the controllers have processed events up to.
    pub fn controller_mark(&self) -> u64 {
        self.controller_mark
    }

    /// Records that the controllers have processed every event up to `rv`.
    pub fn set_controller_mark(&mut self, rv: u64) {
        self.controller_mark = rv;
    }

    /// The oldest resourceVersion from which a watch can still resume.
    pub fn oldest_resumable(&self) -> u64 {
        self.compacted
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn cm(name: &str) -> Value {
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name},"data":{"a":"1"}})
    }

    /// Custom resources track generation: 1 on create, +1 on a spec change, +1 when the
    /// deletionTimestamp is set; metadata-only changes leave it.
    #[test]
    fn generation_is_tracked_where_kube_tracks_it() {
        let gr = GroupResource::new("kubeflow.org", "profiles");
        let mut s = Store::new();
        let p = json!({"apiVersion":"kubeflow.org/v1","kind":"Profile","metadata":{"name":"p","finalizers":["f"]},"spec":{"a":1}});
        let p = s.create(&gr, None, p).unwrap();
        assert_eq!(p["metadata"]["generation"], 1);
        let mut labelled = p.clone();
        labelled["metadata"]["labels"] = json!({"x": "y"});
        let labelled = s.update(&gr, None, labelled).unwrap();
        assert_eq!(labelled["metadata"]["generation"], 1);
        let mut changed = labelled.clone();
        changed["spec"]["a"] = json!(2);
        let changed = s.update(&gr, None, changed).unwrap();
        assert_eq!(changed["metadata"]["generation"], 2);
        let deleting = s.delete(&gr, None, "p").unwrap();
        assert_eq!(deleting["metadata"]["generation"], 3);
        assert!(tracks_generation(&GroupResource::core("pods")));
        assert!(!tracks_generation(&GroupResource::core("namespaces")));
        assert!(!tracks_generation(&GroupResource::new(
            "rbac.authorization.k8s.io",
            "rolebindings"
        )));
    }

    #[test]
    fn create_update_conflict_and_history() {
        let gr = GroupResource::core("configmaps");
        let mut s = Store::with_history_limit(3);
        let a = s.create(&gr, Some("ns"), cm("a")).unwrap();
        assert_eq!(a["metadata"]["namespace"], "ns");
        assert!(
            a["metadata"].get("generation").is_none(),
            "ConfigMaps have none"
        );
        assert_eq!(
            s.create(&gr, Some("ns"), cm("a")).unwrap_err().reason,
            "AlreadyExists"
        );
        let mut b = a.clone();
        b["data"]["a"] = json!("2");
        let b = s.update(&gr, Some("ns"), b).unwrap();
        assert!(b["metadata"].get("generation").is_none());
        assert_ne!(
            b["metadata"]["resourceVersion"],
            a["metadata"]["resourceVersion"]
        );
        let e = s.update(&gr, Some("ns"), a.clone()).unwrap_err();
        assert_eq!(e.code, 409);
        let rv = s.resource_version();
        assert_eq!(s.update(&gr, Some("ns"), b.clone()).unwrap(), b);
        assert_eq!(s.resource_version(), rv);
        for n in ["b", "c", "d"] {
            s.create(&gr, Some("ns"), cm(n)).unwrap();
        }
        assert_eq!(s.events_since(1).unwrap_err().code, 410);
        assert_eq!(s.events_since(s.resource_version() - 1).unwrap().len(), 1);
    }

    #[test]
    fn finalizers_namespace_and_gc() {
        let ns = GroupResource::core("namespaces");
        let cms = GroupResource::core("configmaps");
        let mut s = Store::new();
        s.create(&ns, None, json!({"metadata":{"name":"x"}}))
            .unwrap();
        let owner = s.create(&cms, Some("x"), cm("owner")).unwrap();
        let mut child = cm("child");
        child["metadata"]["ownerReferences"] = json!([{"uid": owner["metadata"]["uid"], "name":"owner","kind":"ConfigMap","apiVersion":"v1"}]);
        s.create(&cms, Some("y"), child).unwrap();
        let mut fin = cm("fin");
        fin["metadata"]["finalizers"] = json!(["x/y"]);
        s.create(&cms, Some("y"), fin).unwrap();
        s.delete(&ns, None, "x").unwrap();
        assert!(s.list(&cms, Some("x")).is_empty());
        assert!(s.get(&cms, Some("y"), "child").is_none());
        let marked = s.delete(&cms, Some("y"), "fin").unwrap();
        assert!(marked["metadata"]["deletionTimestamp"].is_string());
        let mut cleared = marked.clone();
        cleared["metadata"]["finalizers"] = json!([]);
        s.update(&cms, Some("y"), cleared).unwrap();
        assert!(s.get(&cms, Some("y"), "fin").is_none());
    }
}
