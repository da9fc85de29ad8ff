//! Deletion as kube-apiserver carries it out: finalizers hold an object (a
//! `deletionTimestamp` until they are gone), a final removal garbage-collects what the object
//! owned (background propagation) or orphans it, and a namespace goes with its content.

use serde_json::{Value, json};

use super::{GroupResource, Store, has_finalizers, meta_str, now_rfc3339, set_meta};
use crate::status::ApiError;

impl Store {
    /// Delete honouring finalizers (if metadata.finalizers non-empty: set deletionTimestamp,
    /// MODIFIED event, object stays until finalizers are removed by an update, which then
    /// deletes it). Deleting a namespace removes every namespaced object in it. Final removal of
    /// any object garbage-collects objects whose metadata.ownerReferences point at its uid
    /// (background propagation). Returns the object as deleted (or as marked).
    pub fn delete(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let Some(old) = self.get(gr, namespace, name).cloned() else {
            return Err(ApiError::not_found(gr, name));
        };
        if gr.group.is_empty() && gr.resource == "namespaces" {
            return Ok(self.delete_namespace(old));
        }
        if has_finalizers(&old) {
            if meta_str(&old, "deletionTimestamp").is_some() {
                return Ok(old);
            }
            let mut obj = old;
            set_meta(&mut obj, "deletionTimestamp", json!(now_rfc3339()));
            set_meta(&mut obj, "deletionGracePeriodSeconds", json!(0));
            // rest.BeforeDelete: setting the deletionTimestamp bumps a tracked generation.
            if let Some(generation) = obj["metadata"]["generation"].as_i64().filter(|g| *g > 0) {
                set_meta(&mut obj, "generation", json!(generation + 1));
            }
            return Ok(self.store_modified(gr, namespace, name, obj));
        }
        let mut obj = old;
        let rv = self.next_rv();
        set_meta(&mut obj, "resourceVersion", json!(rv.to_string()));
        self.remove_final(gr, namespace, name, obj.clone());
        Ok(obj)
    }

    /// Delete with `propagationPolicy: Orphan`: like [`Store::delete`], but when the object is
    /// removed its dependents lose the ownerReference instead of being garbage-collected.
    pub fn delete_orphaning(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let uid = self
            .get(gr, namespace, name)
            .and_then(|o| meta_str(o, "uid"))
            .map(str::to_string);
        let held = self.get(gr, namespace, name).is_some_and(has_finalizers);
        if let (Some(uid), false) = (&uid, held) {
            self.orphan_dependents(uid);
        }
        self.delete(gr, namespace, name)
    }

    fn orphan_dependents(&mut self, owner_uid: &str) {
        let mut dependents = Vec::new();
        for (gr, map) in &self.objects {
            for ((ns, name), obj) in map {
                let refs = obj["metadata"]["ownerReferences"].as_array();
                if refs.is_some_and(|r| r.iter().any(|o| o["uid"].as_str() == Some(owner_uid))) {
                    dependents.push((gr.clone(), ns.clone(), name.clone()));
                }
            }
        }
        for (gr, ns, name) in dependents {
            let ns = (!ns.is_empty()).then_some(ns);
            let Some(mut obj) = self.get(&gr, ns.as_deref(), &name).cloned() else {
                continue;
            };
            if let Some(refs) = obj["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|o| o["uid"].as_str() != Some(owner_uid));
                if refs.is_empty()
                    && let Some(m) = obj["metadata"].as_object_mut()
                {
                    m.remove("ownerReferences");
                }
            }
            // The object exists and its resourceVersion is current, so this cannot conflict.
            let _ = self.update(&gr, ns.as_deref(), obj);
        }
    }

    pub(super) fn remove_final(
        &mut self,
        gr: &GroupResource,
        namespace: Option<&str>,
        name: &str,
        obj: Value,
    ) {
        let key = Self::key(namespace, name);
        if let Some(map) = self.objects.get_mut(gr) {
            map.remove(&key);
        }
        self.forget_encoding(gr, &key);
        let uid = meta_str(&obj, "uid").map(str::to_string);
        self.record(gr, "DELETED", obj);
        if let Some(uid) = uid {
            self.collect_garbage(&uid);
        }
        if let Some(ns) = namespace {
            let nsgr = GroupResource::core("namespaces");
            let terminating = self
                .get(&nsgr, None, ns)
                .is_some_and(|n| meta_str(n, "deletionTimestamp").is_some() && !has_finalizers(n));
            if terminating
                && !self.namespace_has_content(ns)
                && let Some(mut n) = self.get(&nsgr, None, ns).cloned()
            {
                let rv = self.next_rv();
                set_meta(&mut n, "resourceVersion", json!(rv.to_string()));
                self.remove_final(&nsgr, None, ns, n);
            }
        }
    }

    /// Whether any namespaced object still lives in `ns`.
    pub fn namespace_has_content(&self, ns: &str) -> bool {
        self.objects.values().any(|map| {
            map.range((ns.to_string(), String::new())..)
                .next()
                .is_some_and(|((n, _), _)| n == ns)
        })
    }

    /// Whether `ns` is being deleted (new content is refused, as kube's namespace lifecycle
    /// admission does).
    pub fn namespace_terminating(&self, ns: &str) -> bool {
        self.get(&GroupResource::core("namespaces"), None, ns)
            .is_some_and(|n| meta_str(n, "deletionTimestamp").is_some())
    }

    pub(super) fn delete_namespace_contents(&mut self, ns: &str) {
        let mut victims = Vec::new();
        for (gr, map) in &self.objects {
            for (n, name) in map.keys() {
                if n == ns {
                    victims.push((gr.clone(), name.clone()));
                }
            }
        }
        for (gr, name) in victims {
            // Objects may already be gone through garbage collection of an earlier victim.
            let _ = self.delete(&gr, Some(ns), &name);
        }
    }

    fn collect_garbage(&mut self, owner_uid: &str) {
        let mut victims = Vec::new();
        for (gr, map) in &self.objects {
            for ((ns, name), obj) in map {
                let owned = obj
                    .get("metadata")
                    .and_then(|m| m.get("ownerReferences"))
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter()
                            .any(|r| r.get("uid").and_then(Value::as_str) == Some(owner_uid))
                    });
                if owned {
                    victims.push((gr.clone(), ns.clone(), name.clone()));
                }
            }
        }
        for (gr, ns, name) in victims {
            let ns = (!ns.is_empty()).then_some(ns);
            let _ = self.delete(&gr, ns.as_deref(), &name);
        }
    }
}
