//! The objects the model is computed from, grouped by namespace ("space": a namespace, the
//! Profile of the same name and what the model reads inside it). The grouping is what makes
//! the model incremental: a watch event changes one space, and only that space's row and
//! findings are computed again. Spaces are `Arc`-shared, so handing a snapshot to the UI
//! copies pointers, and changing one space copies that space only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod object;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};

pub use object::{Kind, Object, Stored, Touched};
use object::{find, put, remove, upsert};

use super::compact::{Binding, LimitRangeInfo, NamespaceInfo, Policy, ProfileInfo, QuotaInfo};

/// One namespace and what the model reads in it, with the Profile of the same name. Lists
/// are sorted by name.
#[derive(Clone, Debug, Default)]
pub struct Space {
    /// The Profile named like the namespace.
    pub profile: Option<Arc<ProfileInfo>>,
    /// The namespace itself.
    pub namespace: Option<Arc<NamespaceInfo>>,
    /// RoleBindings in the namespace.
    pub role_bindings: Vec<Arc<Binding>>,
    /// AuthorizationPolicies in the namespace.
    pub policies: Vec<Arc<Policy>>,
    /// ResourceQuotas in the namespace.
    pub quotas: Vec<Arc<QuotaInfo>>,
    /// LimitRanges in the namespace.
    pub limit_ranges: Vec<Arc<LimitRangeInfo>>,
}

impl Space {
    fn is_empty(&self) -> bool {
        self.profile.is_none()
            && self.namespace.is_none()
            && self.role_bindings.is_empty()
            && self.policies.is_empty()
            && self.quotas.is_empty()
            && self.limit_ranges.is_empty()
    }

    /// The RoleBinding `name`.
    pub fn role_binding(&self, name: &str) -> Option<&Arc<Binding>> {
        find(&self.role_bindings, name)
    }

    /// The AuthorizationPolicy `name`.
    pub fn policy(&self, name: &str) -> Option<&Arc<Policy>> {
        find(&self.policies, name)
    }

    /// The ResourceQuota `name`.
    pub fn quota(&self, name: &str) -> Option<&Arc<QuotaInfo>> {
        find(&self.quotas, name)
    }
}

/// Every object the model is computed from. Lists the user may not read are recorded in
/// `forbidden`, not fatal.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    spaces: BTreeMap<Arc<str>, Arc<Space>>,
    cluster_role_bindings: Vec<Arc<ClusterRoleBinding>>,
    cluster_roles: Vec<Arc<ClusterRole>>,
    istio: bool,
    /// Lists refused with 403: (resource, server message).
    pub forbidden: Vec<(String, String)>,
}

/// The objects as flat lists (what a list call returns): the way to build a [`Snapshot`] in
/// one go.
#[derive(Clone, Debug, Default)]
pub struct ObjectLists {
    /// Kubeflow Profiles.
    pub profiles: Vec<Arc<ProfileInfo>>,
    /// All namespaces.
    pub namespaces: Vec<Arc<NamespaceInfo>>,
    /// RoleBindings in all namespaces.
    pub role_bindings: Vec<Arc<Binding>>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Vec<Arc<ClusterRoleBinding>>,
    /// ClusterRoles (for the roles chart).
    pub cluster_roles: Vec<Arc<ClusterRole>>,
    /// `None` when the Istio AuthorizationPolicy CRD is not installed.
    pub authorization_policies: Option<Vec<Arc<Policy>>>,
    /// ResourceQuotas in all namespaces.
    pub resource_quotas: Vec<Arc<QuotaInfo>>,
    /// LimitRanges in all namespaces.
    pub limit_ranges: Vec<Arc<LimitRangeInfo>>,
    /// Lists refused with 403: (resource, server message).
    pub forbidden: Vec<(String, String)>,
}

impl From<ObjectLists> for Snapshot {
    fn from(l: ObjectLists) -> Snapshot {
        let mut s = Snapshot {
            istio: l.authorization_policies.is_some(),
            forbidden: l.forbidden,
            ..Snapshot::default()
        };
        let objects = (l.profiles.into_iter().map(Object::Profile))
            .chain(l.namespaces.into_iter().map(Object::Namespace))
            .chain(l.role_bindings.into_iter().map(Object::RoleBinding))
            .chain(
                l.cluster_role_bindings
                    .into_iter()
                    .map(Object::ClusterRoleBinding),
            )
            .chain(l.cluster_roles.into_iter().map(Object::ClusterRole))
            .chain(
                l.authorization_policies
                    .into_iter()
                    .flatten()
                    .map(Object::AuthorizationPolicy),
            )
            .chain(l.resource_quotas.into_iter().map(Object::ResourceQuota))
            .chain(l.limit_ranges.into_iter().map(Object::LimitRange));
        for o in objects {
            s.upsert(o);
        }
        s
    }
}

impl Snapshot {
    /// The space `key`, created when absent, unshared from any older snapshot.
    fn space_mut(&mut self, key: &str) -> Option<&mut Space> {
        if !self.spaces.contains_key(key) {
            self.spaces.insert(Arc::from(key), Arc::default());
        }
        self.spaces.get_mut(key).map(Arc::make_mut)
    }

    fn drop_if_empty(&mut self, key: &str) {
        if self.spaces.get(key).is_some_and(|s| s.is_empty()) {
            self.spaces.remove(key);
        }
    }

    /// Adds or replaces an object; true when something changed (the same resourceVersion
    /// again is no change).
    pub fn upsert(&mut self, obj: Object) -> bool {
        let key = obj.space().unwrap_or_default().to_string();
        if let Object::ClusterRoleBinding(o) = obj {
            return upsert(&mut self.cluster_role_bindings, o);
        }
        if let Object::ClusterRole(o) = obj {
            return upsert(&mut self.cluster_roles, o);
        }
        let Some(space) = self.space_mut(&key) else {
            return false;
        };
        match obj {
            Object::Profile(o) => put(&mut space.profile, o),
            Object::Namespace(o) => put(&mut space.namespace, o),
            Object::RoleBinding(o) => upsert(&mut space.role_bindings, o),
            Object::AuthorizationPolicy(o) => upsert(&mut space.policies, o),
            Object::ResourceQuota(o) => upsert(&mut space.quotas, o),
            Object::LimitRange(o) => upsert(&mut space.limit_ranges, o),
            Object::ClusterRoleBinding(_) | Object::ClusterRole(_) => false,
        }
    }

    /// Removes the object of `kind` named `name` in `space` (`None` for the cluster-wide
    /// kinds); true when it was there.
    pub fn remove(&mut self, kind: Kind, space: Option<&str>, name: &str) -> bool {
        let key = space.unwrap_or_default();
        if !matches!(kind, Kind::ClusterRoleBinding | Kind::ClusterRole)
            && !self.spaces.contains_key(key)
        {
            return false;
        }
        let removed = match kind {
            Kind::ClusterRoleBinding => return remove(&mut self.cluster_role_bindings, name),
            Kind::ClusterRole => return remove(&mut self.cluster_roles, name),
            _ => match self.space_mut(key) {
                None => false,
                Some(s) => match kind {
                    Kind::Profile => s.profile.take().is_some(),
                    Kind::Namespace => s.namespace.take().is_some(),
                    Kind::RoleBinding => remove(&mut s.role_bindings, name),
                    Kind::AuthorizationPolicy => remove(&mut s.policies, name),
                    Kind::ResourceQuota => remove(&mut s.quotas, name),
                    Kind::LimitRange => remove(&mut s.limit_ranges, name),
                    Kind::ClusterRoleBinding | Kind::ClusterRole => false,
                },
            },
        };
        self.drop_if_empty(key);
        removed
    }

    /// Applies one watch event (`deleted`: the object is gone) and records what it touched.
    pub fn apply(&mut self, obj: Object, deleted: bool, touched: &mut Touched) {
        let changed = if deleted {
            self.remove(obj.kind(), obj.space(), obj.name())
        } else {
            self.upsert(obj.clone())
        };
        if changed {
            touched.object(&obj);
        }
    }

    /// Replaces every object of `kind` with `objects` (a re-list), touching only the spaces
    /// where an object appeared, changed version or disappeared.
    pub fn replace(&mut self, kind: Kind, objects: Vec<Object>, touched: &mut Touched) {
        let mut keep: BTreeSet<(String, String)> = BTreeSet::new();
        for o in objects {
            keep.insert((
                o.space().unwrap_or_default().to_string(),
                o.name().to_string(),
            ));
            self.apply(o, false, touched);
        }
        let gone: Vec<(String, String)> = self
            .all_of(kind)
            .into_iter()
            .filter(|k| !keep.contains(k))
            .collect();
        for (space, name) in gone {
            let space = (!matches!(kind, Kind::ClusterRoleBinding | Kind::ClusterRole))
                .then_some(space.as_str());
            if self.remove(kind, space, &name) {
                match space {
                    Some(s) => {
                        touched.spaces.insert(s.to_string());
                    }
                    None if kind == Kind::ClusterRole => touched.cluster_roles = true,
                    None => touched.cluster_role_bindings = true,
                }
            }
        }
    }

    /// (space, name) of every stored object of `kind`.
    fn all_of(&self, kind: Kind) -> Vec<(String, String)> {
        fn names<K: Stored>(space: &str, items: &[Arc<K>]) -> Vec<(String, String)> {
            items
                .iter()
                .map(|i| (space.to_string(), i.name().to_string()))
                .collect()
        }
        match kind {
            Kind::ClusterRoleBinding => return names("", &self.cluster_role_bindings),
            Kind::ClusterRole => return names("", &self.cluster_roles),
            _ => {}
        }
        let mut out = Vec::new();
        for (key, s) in &self.spaces {
            let present = match kind {
                Kind::Profile => s.profile.is_some(),
                Kind::Namespace => s.namespace.is_some(),
                _ => false,
            };
            if present {
                out.push((key.to_string(), key.to_string()));
            }
            out.extend(match kind {
                Kind::RoleBinding => names(key, &s.role_bindings),
                Kind::AuthorizationPolicy => names(key, &s.policies),
                Kind::ResourceQuota => names(key, &s.quotas),
                Kind::LimitRange => names(key, &s.limit_ranges),
                _ => Vec::new(),
            });
        }
        out
    }

    /// Records whether the Istio AuthorizationPolicy CRD is installed.
    pub fn set_istio(&mut self, installed: bool) {
        self.istio = installed;
    }

    /// False when the Istio AuthorizationPolicy CRD is not installed.
    pub fn istio(&self) -> bool {
        self.istio
    }

    /// Every space, by name.
    pub fn spaces(&self) -> impl Iterator<Item = (&str, &Space)> {
        self.spaces.iter().map(|(k, v)| (&**k, &**v))
    }

    /// One space (namespace name).
    pub fn space(&self, name: &str) -> Option<&Space> {
        self.spaces.get(name).map(|s| &**s)
    }

    /// Names of the spaces (namespaces and profiles), sorted.
    pub fn space_names(&self) -> impl Iterator<Item = &str> {
        self.spaces.keys().map(|k| &**k)
    }

    /// Profiles, by name.
    pub fn profiles(&self) -> impl Iterator<Item = &Arc<ProfileInfo>> {
        self.spaces.values().filter_map(|s| s.profile.as_ref())
    }

    /// The Profile `name`.
    pub fn profile(&self, name: &str) -> Option<&Arc<ProfileInfo>> {
        self.space(name)?.profile.as_ref()
    }

    /// Namespaces, by name.
    pub fn namespaces(&self) -> impl Iterator<Item = &Arc<NamespaceInfo>> {
        self.spaces.values().filter_map(|s| s.namespace.as_ref())
    }

    /// The Namespace `name`.
    pub fn namespace(&self, name: &str) -> Option<&Arc<NamespaceInfo>> {
        self.space(name)?.namespace.as_ref()
    }

    /// RoleBindings, by namespace and name.
    pub fn role_bindings(&self) -> impl Iterator<Item = &Arc<Binding>> {
        self.spaces.values().flat_map(|s| s.role_bindings.iter())
    }

    /// AuthorizationPolicies by namespace and name; `None` when Istio's CRD is missing.
    pub fn authorization_policies(&self) -> Option<impl Iterator<Item = &Arc<Policy>>> {
        self.istio
            .then(|| self.spaces.values().flat_map(|s| s.policies.iter()))
    }

    /// ResourceQuotas, by namespace and name.
    pub fn resource_quotas(&self) -> impl Iterator<Item = &Arc<QuotaInfo>> {
        self.spaces.values().flat_map(|s| s.quotas.iter())
    }

    /// LimitRanges, by namespace and name.
    pub fn limit_ranges(&self) -> impl Iterator<Item = &Arc<LimitRangeInfo>> {
        self.spaces.values().flat_map(|s| s.limit_ranges.iter())
    }

    /// ClusterRoleBindings, by name.
    pub fn cluster_role_bindings(&self) -> &[Arc<ClusterRoleBinding>] {
        &self.cluster_role_bindings
    }

    /// ClusterRoles, by name.
    pub fn cluster_roles(&self) -> &[Arc<ClusterRole>] {
        &self.cluster_roles
    }

    /// How many objects it holds (for reports).
    pub fn len(&self) -> usize {
        self.cluster_role_bindings.len()
            + self.cluster_roles.len()
            + self
                .spaces
                .values()
                .map(|s| {
                    usize::from(s.profile.is_some())
                        + usize::from(s.namespace.is_some())
                        + s.role_bindings.len()
                        + s.policies.len()
                        + s.quotas.len()
                        + s.limit_ranges.len()
                })
                .sum::<usize>()
    }

    /// Holds no object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
