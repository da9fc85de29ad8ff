//! The deployment controller's status writes (kube-controller-manager): after every change
//! of a Deployment's spec (a new `metadata.generation`) it rolls out and records the result in
//! `status` — observedGeneration, replica counts, the Available and Progressing conditions.
//! The sandbox has no nodes, so the rollout "completes" at once; what matters to clients is
//! that, as on a real cluster, the object's resourceVersion moves again right after their own
//! write, without anyone touching the spec.

use serde_json::{Value, json};

use crate::store::{GroupResource, Store, now_rfc3339};

fn deployments() -> GroupResource {
    GroupResource::new("apps", "deployments")
}

fn condition(kind: &str, reason: &str, message: &str, now: &str, old: &Value) -> Value {
    // A condition keeps its lastTransitionTime while its status stays the same.
    let since = old["status"]["conditions"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c["type"] == kind && c["status"] == "True")
        })
        .and_then(|c| c["lastTransitionTime"].as_str())
        .unwrap_or(now)
        .to_string();
    json!({"type": kind, "status": "True", "lastUpdateTime": now,
        "lastTransitionTime": since, "reason": reason, "message": message})
}

/// Records the finished rollout of Deployment `ns/name` when its status is behind its spec.
pub(super) fn reconcile(store: &mut Store, ns: &str, name: &str) {
    let gr = deployments();
    let Some(d) = store.get(&gr, Some(ns), name).cloned() else {
        return;
    };
    let generation = d["metadata"]["generation"].as_i64().unwrap_or(1);
    if d["status"]["observedGeneration"].as_i64() == Some(generation)
        || d["metadata"].get("deletionTimestamp").is_some()
    {
        return;
    }
    let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let now = now_rfc3339();
    let mut updated = d.clone();
    let mut status = json!({
        "observedGeneration": generation,
        "conditions": [
            condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability.", &now, &d),
            condition("Progressing", "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{name}\" has successfully progressed."), &now, &d),
        ],
    });
    if replicas > 0 {
        for k in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            status[k] = json!(replicas);
        }
    }
    updated["status"] = status;
    if let Some(m) = updated["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    // Fails only if the Deployment vanished in between: then there is nothing to record.
    let _ = store.update(&gr, Some(ns), updated);
}
