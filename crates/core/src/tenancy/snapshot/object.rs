//! The kinds the model reads, one object of any of them, what a change touched, and how the
//! snapshot's sorted lists are kept.

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::Resource as _;

use crate::tenancy::compact::{
    Binding, LimitRangeInfo, NamespaceInfo, Policy, ProfileInfo, QuotaInfo,
};

/// What the snapshot needs to know of a kept object.
pub trait Stored {
    /// `metadata.name`.
    fn name(&self) -> &str;
    /// `metadata.namespace` (empty for cluster-scoped kinds).
    fn namespace(&self) -> &str;
    /// `metadata.uid` and `metadata.resourceVersion`.
    fn version(&self) -> (Option<&str>, Option<&str>);
}

macro_rules! stored_by_meta {
    ($($t:ty),*) => {$(
        impl Stored for $t {
            fn name(&self) -> &str {
                self.meta().name.as_deref().unwrap_or_default()
            }
            fn namespace(&self) -> &str {
                self.meta().namespace.as_deref().unwrap_or_default()
            }
            fn version(&self) -> (Option<&str>, Option<&str>) {
                (self.meta().uid.as_deref(), self.meta().resource_version.as_deref())
            }
        }
    )*};
}

stored_by_meta!(ClusterRoleBinding, ClusterRole);

/// The compact kinds, which keep their identity in `id`.
macro_rules! stored_by_id {
    ($($t:ty),*) => {$(
        impl Stored for $t {
            fn name(&self) -> &str {
                &self.id.name
            }
            fn namespace(&self) -> &str {
                &self.id.namespace
            }
            fn version(&self) -> (Option<&str>, Option<&str>) {
                (self.id.uid.as_deref(), self.id.resource_version.as_deref())
            }
        }
    )*};
}

stored_by_id!(
    Binding,
    Policy,
    ProfileInfo,
    NamespaceInfo,
    QuotaInfo,
    LimitRangeInfo
);

pub(super) fn find<'a, K: Stored>(items: &'a [Arc<K>], n: &str) -> Option<&'a Arc<K>> {
    items
        .binary_search_by(|i| i.name().cmp(n))
        .ok()
        .map(|i| &items[i])
}

/// Same object, same version: a re-list that brings it again changes nothing.
fn same_version<K: Stored>(a: &K, b: &K) -> bool {
    let (va, vb) = (a.version(), b.version());
    va.1.is_some() && va == vb
}

/// Inserts or replaces by name; false when the stored object is the same version.
pub(super) fn upsert<K: Stored>(items: &mut Vec<Arc<K>>, obj: Arc<K>) -> bool {
    match items.binary_search_by(|i| i.name().cmp(obj.name())) {
        Ok(i) if same_version(&*items[i], &*obj) => false,
        Ok(i) => {
            items[i] = obj;
            true
        }
        Err(i) => {
            items.insert(i, obj);
            true
        }
    }
}

pub(super) fn remove<K: Stored>(items: &mut Vec<Arc<K>>, n: &str) -> bool {
    match items.binary_search_by(|i| i.name().cmp(n)) {
        Ok(i) => {
            items.remove(i);
            true
        }
        Err(_) => false,
    }
}

pub(super) fn put<K: Stored>(slot: &mut Option<Arc<K>>, obj: Arc<K>) -> bool {
    if slot.as_ref().is_some_and(|o| same_version(&**o, &*obj)) {
        return false;
    }
    *slot = Some(obj);
    true
}

/// The kinds the model reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `profiles.kubeflow.org`.
    Profile,
    /// `namespaces`.
    Namespace,
    /// `rolebindings.rbac.authorization.k8s.io`.
    RoleBinding,
    /// `clusterrolebindings.rbac.authorization.k8s.io`.
    ClusterRoleBinding,
    /// `clusterroles.rbac.authorization.k8s.io`.
    ClusterRole,
    /// `authorizationpolicies.security.istio.io`.
    AuthorizationPolicy,
    /// `resourcequotas`.
    ResourceQuota,
    /// `limitranges`.
    LimitRange,
}

/// One object of a kind the model reads.
#[derive(Clone, Debug)]
pub enum Object {
    /// A Profile.
    Profile(Arc<ProfileInfo>),
    /// A Namespace.
    Namespace(Arc<NamespaceInfo>),
    /// A RoleBinding.
    RoleBinding(Arc<Binding>),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(Arc<ClusterRoleBinding>),
    /// A ClusterRole.
    ClusterRole(Arc<ClusterRole>),
    /// An Istio AuthorizationPolicy.
    AuthorizationPolicy(Arc<Policy>),
    /// A ResourceQuota.
    ResourceQuota(Arc<QuotaInfo>),
    /// A LimitRange.
    LimitRange(Arc<LimitRangeInfo>),
}

impl Kind {
    /// Every kind the model reads.
    pub const ALL: [Kind; 8] = [
        Kind::Profile,
        Kind::Namespace,
        Kind::RoleBinding,
        Kind::ClusterRoleBinding,
        Kind::ClusterRole,
        Kind::AuthorizationPolicy,
        Kind::ResourceQuota,
        Kind::LimitRange,
    ];

    /// Its resource as kube-apiserver names it in messages (`resource.group`).
    pub const fn resource(self) -> &'static str {
        match self {
            Kind::Profile => "profiles.kubeflow.org",
            Kind::Namespace => "namespaces",
            Kind::RoleBinding => "rolebindings.rbac.authorization.k8s.io",
            Kind::ClusterRoleBinding => "clusterrolebindings.rbac.authorization.k8s.io",
            Kind::ClusterRole => "clusterroles.rbac.authorization.k8s.io",
            Kind::AuthorizationPolicy => "authorizationpolicies.security.istio.io",
            Kind::ResourceQuota => "resourcequotas",
            Kind::LimitRange => "limitranges",
        }
    }
}

impl Object {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Profile(_) => Kind::Profile,
            Object::Namespace(_) => Kind::Namespace,
            Object::RoleBinding(_) => Kind::RoleBinding,
            Object::ClusterRoleBinding(_) => Kind::ClusterRoleBinding,
            Object::ClusterRole(_) => Kind::ClusterRole,
            Object::AuthorizationPolicy(_) => Kind::AuthorizationPolicy,
            Object::ResourceQuota(_) => Kind::ResourceQuota,
            Object::LimitRange(_) => Kind::LimitRange,
        }
    }

    fn stored(&self) -> &dyn Stored {
        match self {
            Object::Profile(o) => &**o,
            Object::Namespace(o) => &**o,
            Object::RoleBinding(o) => &**o,
            Object::ClusterRoleBinding(o) => &**o,
            Object::ClusterRole(o) => &**o,
            Object::AuthorizationPolicy(o) => &**o,
            Object::ResourceQuota(o) => &**o,
            Object::LimitRange(o) => &**o,
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.stored().name()
    }

    /// The space it belongs to: its namespace, or for a Profile and a Namespace its own name;
    /// `None` for the cluster-wide kinds.
    pub fn space(&self) -> Option<&str> {
        match self {
            Object::Profile(_) | Object::Namespace(_) => Some(self.name()),
            Object::ClusterRoleBinding(_) | Object::ClusterRole(_) => None,
            _ => Some(self.stored().namespace()),
        }
    }
}

/// What changed in a snapshot since the model last looked at it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Everything (the first build).
    pub all: bool,
    /// Spaces whose objects changed.
    pub spaces: BTreeSet<String>,
    /// ClusterRoleBindings changed.
    pub cluster_role_bindings: bool,
    /// ClusterRoles changed.
    pub cluster_roles: bool,
}

impl Touched {
    /// Everything changed.
    pub fn everything() -> Touched {
        Touched {
            all: true,
            ..Touched::default()
        }
    }

    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.all && self.spaces.is_empty() && !self.cluster_role_bindings && !self.cluster_roles
    }

    /// Adds what `other` touched.
    pub fn merge(&mut self, other: Touched) {
        self.all |= other.all;
        self.spaces.extend(other.spaces);
        self.cluster_role_bindings |= other.cluster_role_bindings;
        self.cluster_roles |= other.cluster_roles;
    }

    pub(super) fn object(&mut self, obj: &Object) {
        match obj.kind() {
            Kind::ClusterRoleBinding => self.cluster_role_bindings = true,
            Kind::ClusterRole => self.cluster_roles = true,
            _ => {
                self.spaces
                    .insert(obj.space().unwrap_or_default().to_string());
            }
        }
    }
}
