//! Profiles, Namespaces, ResourceQuotas and LimitRanges: one of each per profile.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::{Id, Kept, MetaIn, deserialize_via_wire, meta_out, type_of};
use crate::model::Profile;

/// One `ownerReferences` entry: who owns the object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OwnerRef {
    /// The owner's kind (`Profile`).
    pub kind: Box<str>,
    /// The owner's name.
    pub name: Box<str>,
}

/// Resource name to quantity, sorted by name.
pub type Amounts = Box<[(Box<str>, Box<str>)]>;

fn amounts(m: Option<BTreeMap<String, Quantity>>) -> Amounts {
    m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.into(), v.0.into()))
        .collect()
}

fn amounts_out(a: &Amounts) -> BTreeMap<&str, &str> {
    a.iter().map(|(k, v)| (&**k, &**v)).collect()
}

/// A Profile: owner, quota, labels and age.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileInfo {
    /// Name, uid, resourceVersion.
    pub id: Id,
    /// `spec.owner.name`.
    pub owner: Option<Box<str>>,
    /// `spec.resourceQuotaSpec.hard`.
    pub hard: Amounts,
    /// `metadata.labels` (for `-l`).
    pub labels: BTreeMap<String, String>,
    /// `metadata.creationTimestamp`.
    pub created: Option<jiff::Timestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileIn {
    metadata: MetaIn<IgnoredAny, BTreeMap<String, String>>,
    #[serde(default)]
    spec: Option<ProfileSpecIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileSpecIn {
    #[serde(default)]
    owner: Option<OwnerIn>,
    #[serde(default)]
    resource_quota_spec: Option<HardIn>,
}

#[derive(Deserialize)]
struct OwnerIn {
    name: String,
}

#[derive(Deserialize)]
struct HardIn {
    #[serde(default)]
    hard: Option<BTreeMap<String, Quantity>>,
}

impl Kept for ProfileInfo {
    type Typed = Profile;
    type In = ProfileIn;

    fn keep(mut p: ProfileIn) -> ProfileInfo {
        let spec = p.spec.unwrap_or(ProfileSpecIn {
            owner: None,
            resource_quota_spec: None,
        });
        ProfileInfo {
            id: p.metadata.id(),
            owner: spec.owner.map(|o| o.name.into()),
            hard: amounts(spec.resource_quota_spec.and_then(|q| q.hard)),
            labels: p.metadata.labels(),
            created: p.metadata.creation_timestamp.take().map(|t| t.0),
        }
    }

    fn id(&self) -> &Id {
        &self.id
    }
}

impl Serialize for ProfileInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Owner<'a> {
            kind: &'a str,
            name: &'a str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Spec<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            owner: Option<Owner<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            resource_quota_spec: Option<BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: super::MetaOut<'a, (), &'a BTreeMap<String, String>>,
            spec: Spec<'a>,
        }
        let (api_version, kind) = type_of::<Profile>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(
                &self.id,
                None,
                (!self.labels.is_empty()).then_some(&self.labels),
                &[],
            ),
            spec: Spec {
                owner: self
                    .owner
                    .as_deref()
                    .map(|name| Owner { kind: "User", name }),
                resource_quota_spec: (!self.hard.is_empty())
                    .then(|| BTreeMap::from([("hard", amounts_out(&self.hard))])),
            },
        }
        .serialize(s)
    }
}

/// A Namespace: its `owner` annotation, whether it is labelled a profile's, its owners.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamespaceInfo {
    /// Name, uid, resourceVersion.
    pub id: Id,
    /// The `owner` annotation.
    pub owner: Option<Box<str>>,
    /// Labelled `app.kubernetes.io/part-of: kubeflow-profile`.
    pub profile_label: bool,
    /// `ownerReferences`.
    pub owners: Box<[OwnerRef]>,
}

/// The value of the label the profile controller puts on its namespaces.
const PART_OF: &str = "kubeflow-profile";

#[derive(Deserialize)]
pub struct NamespaceIn {
    metadata: MetaIn<OwnerAnnotation, PartOfLabel>,
}

#[derive(Default, Deserialize, Serialize)]
struct OwnerAnnotation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<Box<str>>,
}

#[derive(Default, Deserialize, Serialize)]
struct PartOfLabel {
    #[serde(
        default,
        rename = "app.kubernetes.io/part-of",
        skip_serializing_if = "Option::is_none"
    )]
    part_of: Option<String>,
}

impl Kept for NamespaceInfo {
    type Typed = Namespace;
    type In = NamespaceIn;

    fn keep(mut n: NamespaceIn) -> NamespaceInfo {
        NamespaceInfo {
            id: n.metadata.id(),
            owner: n.metadata.annotations().owner,
            profile_label: n.metadata.labels().part_of.as_deref() == Some(PART_OF),
            owners: n
                .metadata
                .owner_references
                .take()
                .unwrap_or_default()
                .into(),
        }
    }

    fn id(&self) -> &Id {
        &self.id
    }
}

impl Serialize for NamespaceInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: super::MetaOut<'a, OwnerAnnotation, PartOfLabel>,
        }
        let (api_version, kind) = type_of::<Namespace>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(
                &self.id,
                self.owner
                    .clone()
                    .map(|o| OwnerAnnotation { owner: Some(o) }),
                self.profile_label.then(|| PartOfLabel {
                    part_of: Some(PART_OF.into()),
                }),
                &self.owners,
            ),
        }
        .serialize(s)
    }
}

/// A ResourceQuota: its limits and what is used.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuotaInfo {
    /// Name, namespace, uid, resourceVersion.
    pub id: Id,
    /// `spec.hard`.
    pub hard: Amounts,
    /// `status.used`.
    pub used: Amounts,
}

impl QuotaInfo {
    /// What is used of `resource`.
    pub fn used(&self, resource: &str) -> Option<&str> {
        self.used
            .iter()
            .find(|(k, _)| &**k == resource)
            .map(|(_, v)| &**v)
    }
}

#[derive(Deserialize)]
pub struct QuotaIn {
    metadata: MetaIn<IgnoredAny, IgnoredAny>,
    #[serde(default)]
    spec: Option<HardIn>,
    #[serde(default)]
    status: Option<UsedIn>,
}

#[derive(Deserialize)]
struct UsedIn {
    #[serde(default)]
    used: Option<BTreeMap<String, Quantity>>,
}

impl Kept for QuotaInfo {
    type Typed = ResourceQuota;
    type In = QuotaIn;

    fn keep(q: QuotaIn) -> QuotaInfo {
        QuotaInfo {
            id: q.metadata.id(),
            hard: amounts(q.spec.and_then(|s| s.hard)),
            used: amounts(q.status.and_then(|s| s.used)),
        }
    }

    fn id(&self) -> &Id {
        &self.id
    }
}

impl Serialize for QuotaInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: super::MetaOut<'a, (), ()>,
            spec: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
            status: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
        }
        let (api_version, kind) = type_of::<ResourceQuota>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(&self.id, None, None, &[]),
            spec: BTreeMap::from([("hard", amounts_out(&self.hard))]),
            status: BTreeMap::from([("used", amounts_out(&self.used))]),
        }
        .serialize(s)
    }
}

/// A LimitRange: only that it exists is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LimitRangeInfo {
    /// Name, namespace, uid, resourceVersion.
    pub id: Id,
}

#[derive(Deserialize)]
pub struct LimitRangeIn {
    metadata: MetaIn<IgnoredAny, IgnoredAny>,
}

impl Kept for LimitRangeInfo {
    type Typed = LimitRange;
    type In = LimitRangeIn;

    fn keep(l: LimitRangeIn) -> LimitRangeInfo {
        LimitRangeInfo {
            id: l.metadata.id(),
        }
    }

    fn id(&self) -> &Id {
        &self.id
    }
}

impl Serialize for LimitRangeInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: super::MetaOut<'a, (), ()>,
        }
        let (api_version, kind) = type_of::<LimitRange>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(&self.id, None, None, &[]),
        }
        .serialize(s)
    }
}

deserialize_via_wire!(ProfileInfo, NamespaceInfo, QuotaInfo, LimitRangeInfo);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_namespace_keeps_owner_annotation_profile_label_and_owners() {
        let ns: NamespaceInfo = serde_json::from_value(json!({
            "metadata": {"name": "team", "uid": "u", "resourceVersion": "3",
                "annotations": {"owner": "a@x.io", "other": "y"},
                "labels": {"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled"},
                "ownerReferences": [{"apiVersion": "kubeflow.org/v1", "kind": "Profile", "name": "team", "uid": "p"}]},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}
        }))
        .unwrap();
        assert_eq!(ns.owner.as_deref(), Some("a@x.io"));
        assert!(ns.profile_label);
        assert_eq!(&*ns.owners[0].kind, "Profile");
        let v = serde_json::to_value(&ns).unwrap();
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["metadata"]["annotations"], json!({"owner": "a@x.io"}));
        assert!(v.get("spec").is_none() && v.get("status").is_none());
    }

    #[test]
    fn a_profile_keeps_owner_quota_labels_and_age() {
        let p: ProfileInfo = serde_json::from_value(json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "team", "labels": {"tier": "gold"},
                "creationTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["profile-finalizer"]},
            "spec": {"owner": {"kind": "User", "name": "a@x.io"},
                "resourceQuotaSpec": {"hard": {"memory": "8Gi", "cpu": "8"}}},
            "status": {"conditions": [{"type": "Ready"}]}
        }))
        .unwrap();
        assert_eq!(p.owner.as_deref(), Some("a@x.io"));
        assert_eq!(&*p.hard[0].0, "cpu", "sorted by resource");
        assert_eq!(p.labels["tier"], "gold");
        assert!(p.created.is_some());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["spec"]["resourceQuotaSpec"]["hard"]["memory"], "8Gi");
        assert_eq!(v["metadata"]["labels"], json!({"tier": "gold"}));
    }

    #[test]
    fn a_quota_keeps_hard_and_used() {
        let q: QuotaInfo = serde_json::from_value(json!({
            "metadata": {"name": "kf-resource-quota", "namespace": "team"},
            "spec": {"hard": {"cpu": "4"}},
            "status": {"hard": {"cpu": "4"}, "used": {"cpu": "1500m"}}
        }))
        .unwrap();
        assert_eq!(q.used("cpu"), Some("1500m"));
        assert_eq!(q.used("memory"), None);
        assert_eq!(&*q.hard[0].1, "4");
    }
}
