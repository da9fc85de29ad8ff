//! RoleBindings and AuthorizationPolicies, about ten per profile: most of a snapshot.

use k8s_openapi::api::rbac::v1::{RoleBinding, Subject};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::{Id, Kept, Kfam, MetaIn, MetaOut, deserialize_via_wire, meta_out, type_of};
use crate::model::AuthorizationPolicy;

/// The API group of RBAC roles and of user and group subjects.
const RBAC: &str = "rbac.authorization.k8s.io";

/// What a RoleBinding refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RoleKind {
    /// A ClusterRole (the kubeflow roles are).
    #[default]
    ClusterRole,
    /// A Role of the namespace.
    Role,
    /// Anything else the server holds.
    Other(Box<str>),
}

impl RoleKind {
    fn parse(s: &str) -> RoleKind {
        match s {
            "ClusterRole" => RoleKind::ClusterRole,
            "Role" => RoleKind::Role,
            other => RoleKind::Other(other.into()),
        }
    }

    /// `ClusterRole`, `Role`, ...
    pub fn as_str(&self) -> &str {
        match self {
            RoleKind::ClusterRole => "ClusterRole",
            RoleKind::Role => "Role",
            RoleKind::Other(s) => s,
        }
    }
}

/// `roleRef` (its apiGroup is always `rbac.authorization.k8s.io`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoundRole {
    /// ClusterRole or Role.
    pub kind: RoleKind,
    /// Its name.
    pub name: Box<str>,
}

/// The kind of a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// A user.
    User,
    /// A group.
    Group,
    /// A service account (with a namespace).
    ServiceAccount,
    /// Anything else.
    Other(Box<str>),
}

impl MemberKind {
    fn parse(s: &str) -> MemberKind {
        match s {
            "User" => MemberKind::User,
            "Group" => MemberKind::Group,
            "ServiceAccount" => MemberKind::ServiceAccount,
            other => MemberKind::Other(other.into()),
        }
    }

    /// `User`, `Group`, `ServiceAccount`, ...
    pub fn as_str(&self) -> &str {
        match self {
            MemberKind::User => "User",
            MemberKind::Group => "Group",
            MemberKind::ServiceAccount => "ServiceAccount",
            MemberKind::Other(s) => s,
        }
    }
}

/// One subject of a binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// User, Group, ServiceAccount.
    pub kind: MemberKind,
    /// The name.
    pub name: Box<str>,
    /// A service account's namespace.
    pub namespace: Option<Box<str>>,
}

impl From<&Subject> for Member {
    fn from(s: &Subject) -> Member {
        Member {
            kind: MemberKind::parse(&s.kind),
            name: s.name.as_str().into(),
            namespace: s.namespace.as_deref().map(Into::into),
        }
    }
}

/// A RoleBinding: role, subjects and KFAM annotations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Binding {
    /// Name, namespace, uid, resourceVersion.
    pub id: Id,
    /// The `role`/`user`/`group` annotations.
    pub kfam: Kfam,
    /// The role bound.
    pub role: BoundRole,
    /// Who it is bound to.
    pub subjects: Box<[Member]>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingIn {
    metadata: MetaIn<Kfam, IgnoredAny>,
    role_ref: RefIn,
    #[serde(default)]
    subjects: Option<Vec<SubjectIn>>,
}

#[derive(Deserialize)]
struct RefIn {
    kind: String,
    name: String,
}

#[derive(Deserialize)]
struct SubjectIn {
    kind: String,
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

impl Kept for Binding {
    type Typed = RoleBinding;
    type In = BindingIn;

    fn keep(mut b: BindingIn) -> Binding {
        Binding {
            id: b.metadata.id(),
            kfam: b.metadata.annotations(),
            role: BoundRole {
                kind: RoleKind::parse(&b.role_ref.kind),
                name: b.role_ref.name.into(),
            },
            subjects: b
                .subjects
                .unwrap_or_default()
                .into_iter()
                .map(|s| Member {
                    kind: MemberKind::parse(&s.kind),
                    name: s.name.into(),
                    namespace: s.namespace.map(Into::into),
                })
                .collect(),
        }
    }

    fn id(&self) -> &Id {
        &self.id
    }
}

impl From<&RoleBinding> for Binding {
    fn from(rb: &RoleBinding) -> Binding {
        Binding {
            id: Id::of(&rb.metadata),
            kfam: Kfam::of(&rb.metadata),
            role: BoundRole {
                kind: RoleKind::parse(&rb.role_ref.kind),
                name: rb.role_ref.name.as_str().into(),
            },
            subjects: rb.subjects.iter().flatten().map(Member::from).collect(),
        }
    }
}

impl Serialize for Binding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct RefOut<'a> {
            api_group: &'a str,
            kind: &'a str,
            name: &'a str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct SubjectOut<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            api_group: Option<&'a str>,
            kind: &'a str,
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            namespace: Option<&'a str>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: MetaOut<'a, &'a Kfam, ()>,
            role_ref: RefOut<'a>,
            subjects: Vec<SubjectOut<'a>>,
        }
        let (api_version, kind) = type_of::<RoleBinding>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(
                &self.id,
                (!self.kfam.is_empty()).then_some(&self.kfam),
                None,
                &[],
            ),
            role_ref: RefOut {
                api_group: RBAC,
                kind: self.role.kind.as_str(),
                name: &self.role.name,
            },
            subjects: self
                .subjects
                .iter()
                .map(|m| SubjectOut {
                    api_group: matches!(m.kind, MemberKind::User | MemberKind::Group)
                        .then_some(RBAC),
                    kind: m.kind.as_str(),
                    name: &m.name,
                    namespace: m.namespace.as_deref(),
                })
                .collect(),
        }
        .serialize(s)
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

#[derive(Deserialize)]
pub struct PolicyIn {
    metadata: MetaIn<Kfam, IgnoredAny>,
}

impl Kept for Policy {
    type Typed = AuthorizationPolicy;
    type In = PolicyIn;

    fn keep(mut p: PolicyIn) -> Policy {
        Policy {
            id: p.metadata.id(),
            kfam: p.metadata.annotations(),
        }
    }

    fn id(&self) -> &Id {
        &self.id
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

impl Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'a str,
            kind: &'a str,
            metadata: MetaOut<'a, &'a Kfam, ()>,
        }
        let (api_version, kind) = type_of::<AuthorizationPolicy>();
        Out {
            api_version: &api_version,
            kind: &kind,
            metadata: meta_out(
                &self.id,
                (!self.kfam.is_empty()).then_some(&self.kfam),
                None,
                &[],
            ),
        }
        .serialize(s)
    }
}

deserialize_via_wire!(Binding, Policy);

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
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "a@x.io"},
                {"kind": "ServiceAccount", "name": "default-editor", "namespace": "team"}]
        }))
        .unwrap();
        assert_eq!(b.kfam.user.as_deref(), Some("a@x.io"));
        assert_eq!(b.subjects[0].kind, MemberKind::User);
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "user-a-x-io-clusterrole-edit", "namespace": "team",
                    "uid": "u1", "resourceVersion": "7",
                    "annotations": {"role": "edit", "user": "a@x.io"}},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "a@x.io"},
                    {"kind": "ServiceAccount", "name": "default-editor", "namespace": "team"}]
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
