//! RoleBindings and AuthorizationPolicies as the model keeps them. A profile has about ten of
//! them, so at 5,000 profiles they are 50,000 of the 65,000 objects a snapshot holds. They are
//! decoded into `*Wire` types (only the fields the model reads: managedFields, labels and
//! specs are skipped while parsing; kube needs an `ObjectMeta` to list and watch) and kept as
//! [`Binding`] and [`Policy`], which hold no `ObjectMeta`: together a quarter of the memory of
//! the full typed objects. They serialize as the object they stand for, reduced to these
//! fields.

use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::model::AuthorizationPolicy;

/// The KFAM annotations of a contributor object (`role`, and `user` or `group`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Kfam {
    /// `admin`, `edit` or `view`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Kfam {
    fn is_empty(&self) -> bool {
        self.role.is_none() && self.user.is_none() && self.group.is_none()
    }

    /// The KFAM annotations of an object's metadata.
    fn of(meta: &ObjectMeta) -> Kfam {
        let get = |k: &str| meta.annotations.as_ref().and_then(|a| a.get(k)).cloned();
        Kfam {
            role: get("role"),
            user: get("user"),
            group: get("group"),
        }
    }
}

/// Name, namespace, uid and resourceVersion of a kept object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Id {
    /// `metadata.name`.
    pub name: Box<str>,
    /// `metadata.namespace`.
    pub namespace: Box<str>,
    /// `metadata.uid`.
    pub uid: Option<Box<str>>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<Box<str>>,
}

impl Id {
    fn of(meta: &ObjectMeta) -> Id {
        Id {
            name: meta.name.as_deref().unwrap_or_default().into(),
            namespace: meta.namespace.as_deref().unwrap_or_default().into(),
            uid: meta.uid.as_deref().map(Into::into),
            resource_version: meta.resource_version.as_deref().map(Into::into),
        }
    }
}

/// `metadata` as read: identity, version, and the KFAM annotations.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaIn {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    #[serde(default)]
    annotations: Option<Kfam>,
}

impl MetaIn {
    fn split(self) -> (ObjectMeta, Kfam) {
        (
            ObjectMeta {
                name: self.name,
                namespace: self.namespace,
                uid: self.uid,
                resource_version: self.resource_version,
                ..ObjectMeta::default()
            },
            self.annotations.unwrap_or_default(),
        )
    }
}

/// `metadata` as written: the same fields, the annotations back in place.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaOut<'a> {
    name: &'a str,
    namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Kfam::is_empty")]
    annotations: &'a Kfam,
}

impl<'a> MetaOut<'a> {
    fn of(id: &'a Id, kfam: &'a Kfam) -> MetaOut<'a> {
        MetaOut {
            name: &id.name,
            namespace: &id.namespace,
            uid: id.uid.as_deref(),
            resource_version: id.resource_version.as_deref(),
            annotations: kfam,
        }
    }
}

/// A RoleBinding: name, role and subjects, and its KFAM annotations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Binding {
    /// Name, namespace, uid, resourceVersion.
    pub id: Id,
    /// The `role`/`user`/`group` annotations.
    pub kfam: Kfam,
    /// The role bound.
    pub role_ref: RoleRef,
    /// Who it is bound to.
    pub subjects: Vec<Subject>,
}

/// A RoleBinding as listed and watched; kept as a [`Binding`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "BindingIn")]
pub struct BindingWire {
    metadata: ObjectMeta,
    binding: Binding,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindingIn {
    metadata: MetaIn,
    role_ref: RoleRef,
    #[serde(default)]
    subjects: Option<Vec<Subject>>,
}

impl From<BindingIn> for BindingWire {
    fn from(b: BindingIn) -> BindingWire {
        let (metadata, kfam) = b.metadata.split();
        BindingWire {
            binding: Binding {
                id: Id::of(&metadata),
                kfam,
                role_ref: b.role_ref,
                subjects: b.subjects.unwrap_or_default(),
            },
            metadata,
        }
    }
}

impl From<BindingWire> for Binding {
    fn from(w: BindingWire) -> Binding {
        w.binding
    }
}

impl From<&RoleBinding> for Binding {
    fn from(rb: &RoleBinding) -> Binding {
        Binding {
            id: Id::of(&rb.metadata),
            kfam: Kfam::of(&rb.metadata),
            role_ref: rb.role_ref.clone(),
            subjects: rb.subjects.clone().unwrap_or_default(),
        }
    }
}

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Binding, D::Error> {
        BindingWire::deserialize(d).map(Binding::from)
    }
}

impl Serialize for Binding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: MetaOut<'a>,
            role_ref: &'a RoleRef,
            subjects: &'a [Subject],
        }
        Out {
            api_version: <RoleBinding as k8s_openapi::Resource>::API_VERSION,
            kind: <RoleBinding as k8s_openapi::Resource>::KIND,
            metadata: MetaOut::of(&self.id, &self.kfam),
            role_ref: &self.role_ref,
            subjects: &self.subjects,
        }
        .serialize(s)
    }
}

impl k8s_openapi::Resource for BindingWire {
    const API_VERSION: &'static str = <RoleBinding as k8s_openapi::Resource>::API_VERSION;
    const GROUP: &'static str = <RoleBinding as k8s_openapi::Resource>::GROUP;
    const KIND: &'static str = <RoleBinding as k8s_openapi::Resource>::KIND;
    const VERSION: &'static str = <RoleBinding as k8s_openapi::Resource>::VERSION;
    const URL_PATH_SEGMENT: &'static str = <RoleBinding as k8s_openapi::Resource>::URL_PATH_SEGMENT;
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for BindingWire {
    type Ty = ObjectMeta;

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// An Istio AuthorizationPolicy: name and KFAM annotations (the rules are not read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// Name, namespace, uid, resourceVersion.
    pub id: Id,
    /// The `role`/`user`/`group` annotations.
    pub kfam: Kfam,
}

/// An AuthorizationPolicy as listed and watched; kept as a [`Policy`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "PolicyIn")]
pub struct PolicyWire {
    metadata: ObjectMeta,
    policy: Policy,
}

#[derive(Deserialize)]
struct PolicyIn {
    metadata: MetaIn,
}

impl From<PolicyIn> for PolicyWire {
    fn from(p: PolicyIn) -> PolicyWire {
        let (metadata, kfam) = p.metadata.split();
        PolicyWire {
            policy: Policy {
                id: Id::of(&metadata),
                kfam,
            },
            metadata,
        }
    }
}

impl From<PolicyWire> for Policy {
    fn from(w: PolicyWire) -> Policy {
        w.policy
    }
}

impl From<&AuthorizationPolicy> for Policy {
    fn from(ap: &AuthorizationPolicy) -> Policy {
        Policy {
            id: Id::of(&ap.metadata),
            kfam: Kfam::of(&ap.metadata),
        }
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Policy, D::Error> {
        PolicyWire::deserialize(d).map(Policy::from)
    }
}

/// The kube identity of the policy type this plugin reads and writes.
type Istio = AuthorizationPolicy;

impl Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: MetaOut<'a>,
        }
        Out {
            api_version: &<Istio as kube::Resource>::api_version(&()),
            kind: &<Istio as kube::Resource>::kind(&()),
            metadata: MetaOut::of(&self.id, &self.kfam),
        }
        .serialize(s)
    }
}

impl kube::Resource for PolicyWire {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(dt: &()) -> std::borrow::Cow<'_, str> {
        <Istio as kube::Resource>::kind(dt)
    }

    fn group(dt: &()) -> std::borrow::Cow<'_, str> {
        <Istio as kube::Resource>::group(dt)
    }

    fn version(dt: &()) -> std::borrow::Cow<'_, str> {
        <Istio as kube::Resource>::version(dt)
    }

    fn plural(dt: &()) -> std::borrow::Cow<'_, str> {
        <Istio as kube::Resource>::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_binding_reads_only_what_the_model_needs_and_writes_it_back() {
        let b: Binding = serde_json::from_value(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "user-a-x-io-clusterrole-edit", "namespace": "team",
                "uid": "u1", "resourceVersion": "7", "generation": 1,
                "labels": {"app.kubernetes.io/managed-by": "kubectl-kubeflow"},
                "annotations": {"role": "edit", "user": "a@x.io", "note": "x"},
                "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:metadata": {}}}]},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "a@x.io"}]
        }))
        .unwrap();
        assert_eq!(b.kfam.user.as_deref(), Some("a@x.io"));
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "user-a-x-io-clusterrole-edit", "namespace": "team",
                    "uid": "u1", "resourceVersion": "7",
                    "annotations": {"role": "edit", "user": "a@x.io"}},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "a@x.io"}]
            })
        );
    }

    #[test]
    fn a_policy_keeps_its_identity_and_kfam_annotations() {
        let p: Policy = serde_json::from_value(json!({
            "metadata": {"name": "ns-owner-access-istio", "namespace": "team", "annotations": null},
            "spec": {"rules": [{"when": [{"key": "request.headers[kubeflow-userid]", "values": ["a@x.io"]}]}]}
        }))
        .unwrap();
        assert_eq!(p.kfam, Kfam::default());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["kind"], "AuthorizationPolicy");
        assert_eq!(
            v["metadata"],
            json!({"name": "ns-owner-access-istio", "namespace": "team"})
        );
    }
}
