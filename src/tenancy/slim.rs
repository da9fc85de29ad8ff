//! What the model keeps of each object: the fields it reads and the bookkeeping writes need
//! (name, namespace, uid, resourceVersion), nothing else. Applied as objects arrive (each list
//! page, each watch event), so at 5,000 profiles the 65,000 objects of a snapshot hold no
//! managedFields, ownerReferences, status or labels nobody reads. Views that show a whole
//! object (the TUI's YAML) read it from the server.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::compact::{Binding, BindingWire, Policy, PolicyWire};
use crate::model::Profile;

/// Drops what the model does not read.
pub trait Slim: Sized {
    /// What is kept: the object itself, stripped, or a compact form of it.
    type Kept;
    /// The object as kept.
    fn slim(self) -> Self::Kept;
}

/// The kinds kept as they are, stripped in place.
macro_rules! slim_in_place {
    ($($t:ty => $strip:ident),*) => {$(
        impl Slim for $t {
            type Kept = $t;
            fn slim(mut self) -> $t {
                $strip(&mut self);
                self
            }
        }
    )*};
}

slim_in_place!(
    Profile => profile,
    Namespace => namespace,
    ClusterRoleBinding => cluster_role_binding,
    ClusterRole => cluster_role,
    ResourceQuota => resource_quota,
    LimitRange => limit_range
);

/// Keeps only `keep` of a map (`None` when nothing is left).
fn only(map: &mut Option<BTreeMap<String, String>>, keep: &[&str]) {
    if let Some(m) = map.as_mut() {
        m.retain(|k, _| keep.contains(&k.as_str()));
        if m.is_empty() {
            *map = None;
        }
    }
}

/// Identity and version only, plus the annotations in `annotations`.
fn meta(m: &mut ObjectMeta, annotations: &[&str]) {
    m.managed_fields = None;
    m.owner_references = None;
    m.generation = None;
    m.creation_timestamp = None;
    m.finalizers = None;
    m.labels = None;
    only(&mut m.annotations, annotations);
}

fn profile(p: &mut Profile) {
    let created = p.metadata.creation_timestamp.take();
    // Labels stay: `profiles -l` selects on them.
    let labels = p.metadata.labels.take();
    meta(&mut p.metadata, &[]);
    p.metadata.creation_timestamp = created;
    p.metadata.labels = labels;
    p.status = None;
}

fn namespace(ns: &mut Namespace) {
    let owners = ns.metadata.owner_references.take();
    let mut labels = ns.metadata.labels.take();
    only(&mut labels, &["app.kubernetes.io/part-of"]);
    meta(&mut ns.metadata, &["owner"]);
    ns.metadata.owner_references = owners;
    ns.metadata.labels = labels;
    ns.spec = None;
    ns.status = None;
}

fn cluster_role_binding(crb: &mut ClusterRoleBinding) {
    meta(&mut crb.metadata, &[]);
}

fn cluster_role(role: &mut ClusterRole) {
    // Labels stay: aggregation selectors match on them.
    let labels = role.metadata.labels.take();
    meta(&mut role.metadata, &[]);
    role.metadata.labels = labels;
}

fn resource_quota(q: &mut ResourceQuota) {
    meta(&mut q.metadata, &[]);
    if let Some(status) = q.status.as_mut() {
        status.hard = None;
    }
}

fn limit_range(lr: &mut LimitRange) {
    // Only its existence is read.
    meta(&mut lr.metadata, &[]);
    lr.spec = None;
}

impl Slim for BindingWire {
    type Kept = Binding;
    /// Decoded slim already (see [`BindingWire`]); kept without its `ObjectMeta`.
    fn slim(self) -> Binding {
        Binding::from(self)
    }
}

impl Slim for PolicyWire {
    type Kept = Policy;
    /// Decoded slim already (see [`PolicyWire`]); kept without its `ObjectMeta`.
    fn slim(self) -> Policy {
        Policy::from(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_namespace_keeps_owner_annotation_profile_label_and_owner_references() {
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": "team", "uid": "u", "resourceVersion": "3",
                "annotations": {"owner": "a@x.io", "other": "y"},
                "labels": {"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled"},
                "ownerReferences": [{"apiVersion": "kubeflow.org/v1", "kind": "Profile", "name": "team", "uid": "p"}]},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}
        }))
        .unwrap();
        let ns = ns.slim();
        let v = serde_json::to_value(&ns).unwrap();
        assert_eq!(v["metadata"]["annotations"], json!({"owner": "a@x.io"}));
        assert_eq!(
            v["metadata"]["labels"],
            json!({"app.kubernetes.io/part-of": "kubeflow-profile"})
        );
        assert_eq!(v["metadata"]["ownerReferences"][0]["kind"], "Profile");
        assert!(v.get("spec").is_none() && v.get("status").is_none());
    }

    #[test]
    fn a_profile_keeps_labels_age_and_spec() {
        let p: Profile = serde_json::from_value(json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "team", "labels": {"tier": "gold"},
                "creationTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["profile-finalizer"]},
            "spec": {"owner": {"kind": "User", "name": "a@x.io"},
                "resourceQuotaSpec": {"hard": {"cpu": "8"}}},
            "status": {"conditions": [{"type": "Ready"}]}
        }))
        .unwrap();
        let p = p.slim();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["metadata"]["labels"], json!({"tier": "gold"}));
        assert_eq!(v["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(v["spec"]["resourceQuotaSpec"]["hard"]["cpu"], "8");
        assert!(v["metadata"].get("finalizers").is_none() && v.get("status").is_none());
    }
}
