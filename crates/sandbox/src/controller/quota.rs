//! ResourceQuota status (kube-controller-manager's resourcequota controller): `status.hard`
//! mirrors `spec.hard`, `status.used` holds the namespace's usage of exactly those resources,
//! computed from its pods (phase not Succeeded/Failed) and object counts.

use std::collections::BTreeMap;

use serde_json::{Map, json};

use crate::quota::{canonical, format_quantity, pod_usage};
use crate::store::{GroupResource, Store};

fn quotas() -> GroupResource {
    GroupResource::core("resourcequotas")
}

/// Recomputes the status of every quota in every namespace.
pub(super) fn reconcile_all(store: &mut Store) {
    let mut namespaces: Vec<String> = store
        .list(&quotas(), None)
        .into_iter()
        .filter_map(|q| q["metadata"]["namespace"].as_str().map(str::to_string))
        .collect();
    namespaces.dedup();
    for ns in namespaces {
        reconcile_namespace(store, &ns);
    }
}

/// The usage of `resource` (a `spec.hard` key) in `ns`.
fn used(store: &Store, ns: &str, usage: &BTreeMap<String, f64>, resource: &str) -> f64 {
    let key = canonical(resource);
    if let Some(v) = usage.get(&key) {
        return *v;
    }
    // Object counts: `configmaps`, `count/configmaps`, `services`, ... (core group only).
    let counted = key.strip_prefix("count/").unwrap_or(&key);
    if !counted.contains('.') && !counted.contains('/') && counted != "pods" {
        return store.list(&GroupResource::core(counted), Some(ns)).len() as f64;
    }
    0.0
}

/// Recomputes the status of the quotas in `ns`; writes only those that change.
pub(super) fn reconcile_namespace(store: &mut Store, ns: &str) {
    let mut usage: BTreeMap<String, f64> = BTreeMap::new();
    for pod in store.list(&GroupResource::core("pods"), Some(ns)) {
        for (k, v) in pod_usage(pod) {
            *usage.entry(k).or_insert(0.0) += v;
        }
    }
    let mut updates = Vec::new();
    for quota in store.list(&quotas(), Some(ns)) {
        let hard = quota["spec"]["hard"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut used_map = Map::new();
        for resource in hard.keys() {
            let v = used(store, ns, &usage, resource);
            used_map.insert(resource.clone(), json!(format_quantity(v)));
        }
        let status = json!({"hard": hard, "used": used_map});
        if quota.get("status") != Some(&status) {
            let mut updated = quota.clone();
            updated["status"] = status;
            if let Some(m) = updated["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
            updates.push(updated);
        }
    }
    for quota in updates {
        // Fails only if the quota vanished in between: then there is no status to write.
        let _ = store.update(&quotas(), Some(ns), quota);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn used_follows_pods_and_counts() {
        let mut store = Store::new();
        store
            .create(
                &quotas(),
                Some("a"),
                json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
                    "spec": {"hard": {"cpu": "4", "requests.memory": "8Gi", "pods": "10", "configmaps": "5"}}}),
            )
            .unwrap();
        let pod = |name: &str, phase: &str| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]},
                "status": {"phase": phase}})
        };
        store
            .create(
                &GroupResource::core("pods"),
                Some("a"),
                pod("p1", "Running"),
            )
            .unwrap();
        store
            .create(
                &GroupResource::core("pods"),
                Some("a"),
                pod("p2", "Running"),
            )
            .unwrap();
        store
            .create(
                &GroupResource::core("pods"),
                Some("a"),
                pod("p3", "Succeeded"),
            )
            .unwrap();
        reconcile_namespace(&mut store, "a");
        let q = store.get(&quotas(), Some("a"), "q").unwrap();
        assert_eq!(
            q["status"]["used"],
            json!({"configmaps": "0", "cpu": "1", "pods": "2", "requests.memory": "2Gi"})
        );
        assert_eq!(q["status"]["hard"]["cpu"], "4");
        let rv = q["metadata"]["resourceVersion"].clone();
        reconcile_namespace(&mut store, "a");
        assert_eq!(
            store.get(&quotas(), Some("a"), "q").unwrap()["metadata"]["resourceVersion"],
            rv
        );
    }
}
