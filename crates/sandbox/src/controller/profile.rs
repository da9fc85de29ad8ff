//! The Kubeflow profile controller (kubeflow/dashboard `profile_controller.go`), step by step
//! as the domain reference §2 describes it: namespace (refusing one owned by someone else),
//! `ns-owner-access-istio`, `default-editor`/`default-viewer`, `namespaceAdmin`,
//! `kf-resource-quota`, and the `profile-finalizer`. A failing step stops the later ones, as
//! upstream. Upstream appends `Failed` conditions with a plain update that the status
//! subresource drops, so, like on a real cluster, nothing is written to `status`.

use serde_json::{Map, Value, json};

use super::{ControllerConfig, meta};
use crate::crds::PROFILE_NAMESPACE_LABELS_YAML;
use crate::store::{GroupResource, Store};

/// The finalizer the controller puts on every Profile.
pub const FINALIZER: &str = "profile-finalizer";

/// `profiles.kubeflow.org`.
pub(super) fn profiles_gr() -> GroupResource {
    GroupResource::new("kubeflow.org", "profiles")
}

fn rbac(resource: &str) -> GroupResource {
    GroupResource::new("rbac.authorization.k8s.io", resource)
}

fn policies() -> GroupResource {
    GroupResource::new("security.istio.io", "authorizationpolicies")
}

/// The namespace-labels file: `(key, value)`, an empty value meaning "remove".
fn namespace_labels() -> Vec<(String, String)> {
    serde_saphyr::from_str::<Map<String, Value>>(PROFILE_NAMESPACE_LABELS_YAML)
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reconciles one Profile by name (absent: nothing to do; its owned objects are garbage
/// collected by the store).
pub(super) fn reconcile(store: &mut Store, cfg: &ControllerConfig, name: &str) {
    let gr = profiles_gr();
    let Some(profile) = store.get(&gr, None, name).cloned() else {
        return;
    };
    if meta(&profile, "deletionTimestamp").is_some() {
        // Plugins revoked (none emulated); dropping the finalizer lets the store delete the
        // Profile and garbage-collect what it owns, the namespace included.
        remove_finalizer(store, profile);
        return;
    }
    let Some(owner) = profile["spec"]["owner"]["name"]
        .as_str()
        .map(str::to_string)
    else {
        return;
    };
    let owner_subject = profile["spec"]["owner"].clone();
    let owner_ref = json!({
        "apiVersion": profile["apiVersion"].as_str().unwrap_or("kubeflow.org/v1"),
        "kind": "Profile",
        "name": name,
        "uid": meta(&profile, "uid").unwrap_or_default(),
        "controller": true,
        "blockOwnerDeletion": true,
    });
    if !kubectl_kubeflow_core::model::is_dns1123_label(name)
        || !ensure_namespace(store, name, &owner, &owner_ref)
    {
        return;
    }
    if store
        .get(
            &GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions"),
            None,
            "authorizationpolicies.security.istio.io",
        )
        .is_some()
    {
        let policy = owner_policy(cfg, name, &owner, &owner_ref);
        upsert(store, &policies(), name, policy, &["spec"]);
    }
    reconcile_service_accounts(store, name, &owner_ref);
    let admin = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {
            "name": "namespaceAdmin", "namespace": name,
            "annotations": {"user": owner, "role": "admin"},
            "ownerReferences": [owner_ref],
        },
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-admin"},
        "subjects": [owner_subject],
    });
    upsert(
        store,
        &rbac("rolebindings"),
        name,
        admin,
        &["roleRef", "subjects"],
    );
    if !reconcile_quota(store, name, &profile, &owner_ref) {
        return;
    }
    add_finalizer(store, profile);
}

/// The namespace's `default-editor` and `default-viewer` ServiceAccounts, bound to
/// kubeflow-edit and kubeflow-view.
fn reconcile_service_accounts(store: &mut Store, name: &str, owner_ref: &Value) {
    for (sa, role) in [
        ("default-editor", "kubeflow-edit"),
        ("default-viewer", "kubeflow-view"),
    ] {
        let account = json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": sa, "namespace": name, "ownerReferences": [owner_ref]},
        });
        upsert(
            store,
            &GroupResource::core("serviceaccounts"),
            name,
            account,
            &[],
        );
        let binding = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": sa, "namespace": name, "ownerReferences": [owner_ref]},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": name}],
        });
        upsert(
            store,
            &rbac("rolebindings"),
            name,
            binding,
            &["roleRef", "subjects"],
        );
    }
}

/// Step 1. Returns false when the controller must stop (namespace not ours or terminating).
fn ensure_namespace(store: &mut Store, name: &str, owner: &str, owner_ref: &Value) -> bool {
    let gr = GroupResource::core("namespaces");
    let Some(existing) = store.get(&gr, None, name).cloned() else {
        let mut labels = Map::new();
        labels.insert("istio-injection".into(), json!("enabled"));
        for (k, v) in namespace_labels() {
            if !v.is_empty() {
                labels.insert(k, json!(v));
            }
        }
        let ns = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {
                "name": name,
                "annotations": {"owner": owner},
                "labels": labels,
                "ownerReferences": [owner_ref],
            },
        });
        return store.create(&gr, None, ns).is_ok();
    };
    if meta(&existing, "deletionTimestamp").is_some() {
        return false;
    }
    if existing["metadata"]["annotations"]["owner"].as_str() != Some(owner) {
        // "namespace already exist, but not owned by profile creator": refuse, stop.
        return false;
    }
    // Ours: only add missing labels (an existing key is never overwritten; "" removes).
    let mut updated = existing.clone();
    if !updated["metadata"]["labels"].is_object() {
        updated["metadata"]["labels"] = json!({});
    }
    if let Some(labels) = updated["metadata"]["labels"].as_object_mut() {
        for (k, v) in namespace_labels() {
            if v.is_empty() {
                labels.remove(&k);
            } else if !labels.contains_key(&k) {
                labels.insert(k, json!(v));
            }
        }
    }
    if updated != existing {
        let _ = store.update(&gr, None, updated);
    }
    true
}

/// Step 2: `ns-owner-access-istio`.
fn owner_policy(cfg: &ControllerConfig, ns: &str, owner: &str, owner_ref: &Value) -> Value {
    json!({
        "apiVersion": "security.istio.io/v1beta1", "kind": "AuthorizationPolicy",
        "metadata": {
            "name": "ns-owner-access-istio", "namespace": ns,
            "annotations": {"user": owner, "role": "admin"},
            "ownerReferences": [owner_ref],
        },
        "spec": {
            "action": "ALLOW",
            "rules": [
                {
                    "when": [{"key": format!("request.headers[{}]", cfg.userid_header),
                              "values": [format!("{}{owner}", cfg.userid_prefix)]}],
                    "from": [{"source": {"principals": [cfg.ingress_gateway_principal, cfg.kfp_ui_principal]}}],
                },
                {"when": [{"key": "source.namespace", "values": [ns]}]},
                {"to": [{"operation": {"paths": ["/healthz", "/metrics", "/wait-for-drain"]}}]},
                {
                    "from": [{"source": {"principals": [cfg.notebook_controller_principal]}}],
                    "to": [{"operation": {"methods": ["GET"], "paths": ["*/api/kernels"]}}],
                },
            ],
        },
    })
}

/// Step 5: `kf-resource-quota` mirrors `spec.resourceQuotaSpec`; deleted when `hard` is empty.
/// A `hard` the API server refuses fails the step as the real create/update would (the old
/// quota stays, later steps are skipped) and leaves a Warning event on the Profile.
fn reconcile_quota(store: &mut Store, ns: &str, profile: &Value, owner_ref: &Value) -> bool {
    let gr = GroupResource::core("resourcequotas");
    let spec = &profile["spec"]["resourceQuotaSpec"];
    let has_hard = spec["hard"].as_object().is_some_and(|h| !h.is_empty());
    if !has_hard {
        if store.get(&gr, Some(ns), "kf-resource-quota").is_some() {
            let _ = store.delete(&gr, Some(ns), "kf-resource-quota");
        }
        return true;
    }
    let quota = json!({
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "kf-resource-quota", "namespace": ns, "ownerReferences": [owner_ref]},
        "spec": spec,
    });
    let causes = crate::quota::resource_quota_causes(&quota);
    if !causes.is_empty() {
        let refused =
            crate::status::ApiError::invalid(&gr, "ResourceQuota", "kf-resource-quota", causes);
        warn_event(store, ns, profile, "ResourceQuotaRefused", &refused.message);
        return false;
    }
    upsert(store, &gr, ns, quota, &["spec"]);
    true
}

/// A Warning event about the Profile in its namespace (once per message).
fn warn_event(store: &mut Store, ns: &str, profile: &Value, reason: &str, message: &str) {
    let gr = GroupResource::core("events");
    let uid = meta(profile, "uid").unwrap_or_default();
    let name = format!("{ns}.{reason}.{:08x}", fnv(&format!("{uid}{message}")));
    if store.get(&gr, Some(ns), &name).is_some() {
        return;
    }
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"apiVersion": "kubeflow.org/v1", "kind": "Profile", "name": ns, "uid": uid},
        "reason": reason, "message": message, "type": "Warning", "count": 1,
        "source": {"component": "profile-controller"},
    });
    let _ = store.create(&gr, Some(ns), event);
}

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Creates `desired`, or when it exists, makes the `fields` listed equal to the desired ones
/// (everything else, metadata included, is left as found, as the upstream update functions do).
fn upsert(store: &mut Store, gr: &GroupResource, ns: &str, desired: Value, fields: &[&str]) {
    let name = desired["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(existing) = store.get(gr, Some(ns), &name).cloned() else {
        let _ = store.create(gr, Some(ns), desired);
        return;
    };
    if meta(&existing, "deletionTimestamp").is_some() {
        return;
    }
    let mut updated = existing.clone();
    for field in fields {
        updated[*field] = desired[*field].clone();
    }
    if updated == existing {
        return;
    }
    if gr.resource == "rolebindings" && existing["roleRef"] != desired["roleRef"] {
        // roleRef is immutable: replace the binding.
        let _ = store.delete(gr, Some(ns), &name);
        let _ = store.create(gr, Some(ns), desired);
        return;
    }
    let _ = store.update(gr, Some(ns), updated);
}

fn finalizers(profile: &Value) -> Vec<Value> {
    profile["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn add_finalizer(store: &mut Store, mut profile: Value) {
    let mut list = finalizers(&profile);
    if list.iter().any(|f| f == FINALIZER) {
        return;
    }
    list.push(json!(FINALIZER));
    profile["metadata"]["finalizers"] = Value::Array(list);
    let _ = store.update(&profiles_gr(), None, profile);
}

fn remove_finalizer(store: &mut Store, mut profile: Value) {
    let list = finalizers(&profile);
    if !list.iter().any(|f| f == FINALIZER) {
        return;
    }
    let kept: Vec<Value> = list.into_iter().filter(|f| f != FINALIZER).collect();
    profile["metadata"]["finalizers"] = Value::Array(kept);
    let _ = store.update(&profiles_gr(), None, profile);
}
