//! A LIST at an exact past resourceVersion (`resourceVersionMatch=Exact`), read back from the
//! event history the way etcd reads an old revision: the state of every object the history
//! touched after that version is the state before its first later event. When that state
//! predates the history (compacted, as etcd compacts), the answer is 410, never the current
//! state passed off as the old one.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{GroupResource, Key, Store, meta_str};
use crate::status::ApiError;

impl Store {
    /// The objects of `gr` (in `namespace`, or all) as they were at `rv`, sorted by key.
    pub fn list_at(
        &self,
        gr: &GroupResource,
        namespace: Option<&str>,
        rv: u64,
    ) -> Result<Vec<Value>, ApiError> {
        let too_old = || ApiError::gone(format!("too old resource version: {rv} ({})", self.rv));
        if rv < self.compacted {
            return Err(too_old());
        }
        let in_scope = |ev: &super::StoreEvent| {
            &ev.gr == gr && namespace.is_none_or(|ns| meta_str(&ev.object, "namespace") == Some(ns))
        };
        let key_of = |obj: &Value| {
            Self::key(
                meta_str(obj, "namespace"),
                meta_str(obj, "name").unwrap_or_default(),
            )
        };
        let mut state: BTreeMap<Key, Value> = self
            .list(gr, namespace)
            .into_iter()
            .map(|o| (key_of(o), o.clone()))
            .collect();
        let first_after = self.history.partition_point(|e| e.rv <= rv);
        let mut done: std::collections::BTreeSet<Key> = std::collections::BTreeSet::new();
        for (i, ev) in self.history.iter().enumerate().skip(first_after) {
            if !in_scope(ev) {
                continue;
            }
            let key = key_of(&ev.object);
            if !done.insert(key.clone()) {
                continue; // only the first event after rv matters
            }
            // The key's last event at or before rv, if the history holds one.
            let before = self
                .history
                .range(..i)
                .rev()
                .find(|e| in_scope(e) && key_of(&e.object) == key);
            match (before, ev.event_type) {
                (Some(b), _) if b.event_type == "DELETED" => {
                    state.remove(&key);
                }
                (Some(b), _) => {
                    state.insert(key, b.object.clone());
                }
                (None, "ADDED") => {
                    state.remove(&key);
                }
                // It existed at rv, but how it looked is older than the history.
                (None, _) => return Err(too_old()),
            }
        }
        Ok(state.into_values().collect())
    }
}
