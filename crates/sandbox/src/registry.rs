//! The resource registry: which group/version/resources the sandbox serves, with the facts
//! discovery, routing and validation need (kind, scope, verbs, short names, status
//! subresource). Built-in resources are fixed; custom resources are derived on every lookup
//! from the `customresourcedefinitions` objects in the store, so starting without a CRD (or
//! deleting it) makes its group disappear exactly as on a real cluster.

use serde_json::Value;

use super::store::{GroupResource, Store};

/// Verbs of an ordinary collection resource.
pub const STD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One served resource in one group/version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group ("" = core).
    pub group: String,
    /// Version ("v1").
    pub version: String,
    /// Plural resource name.
    pub resource: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Allowed verbs as listed in discovery.
    pub verbs: Vec<String>,
    /// kubectl short names.
    pub short_names: Vec<String>,
    /// Categories (e.g. "all").
    pub categories: Vec<String>,
    /// Whether a `status` subresource exists (writes to the main resource ignore .status).
    pub has_status: bool,
    /// Backed by a CustomResourceDefinition (no strategic merge patch, atomic lists).
    pub custom: bool,
    /// Create-only virtual resources (reviews): never stored.
    pub virtual_review: bool,
    /// CRD additionalPrinterColumns (name, type, jsonPath) for Table output.
    pub printer_columns: Vec<(String, String, String)>,
}

impl ResourceInfo {
    /// `group/version` or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group/resource key the store uses.
    pub fn gr(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.resource)
    }

    /// `<Kind>List`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

/// Namespaces: no deletecollection (kube-apiserver serves none for them).
const NAMESPACE_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
/// The reviews: virtual resources that only take a create.
const REVIEW_VERBS: &[&str] = &["create"];
const NAMESPACED: bool = true;
const CLUSTER: bool = false;
const STATUS: bool = true;
const NO_STATUS: bool = false;

/// A built-in kind: group, resource, kind (its lowercase is the singular), namespaced, verbs,
/// short names, and whether it has a status subresource.
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

/// The built-in kinds.
#[rustfmt::skip]
const BUILTIN_KINDS: &[Builtin] = &[
    ("", "namespaces", "Namespace", CLUSTER, NAMESPACE_VERBS, &["ns"], STATUS),
    ("", "serviceaccounts", "ServiceAccount", NAMESPACED, STD_VERBS, &["sa"], NO_STATUS),
    ("", "resourcequotas", "ResourceQuota", NAMESPACED, STD_VERBS, &["quota"], STATUS),
    ("", "limitranges", "LimitRange", NAMESPACED, STD_VERBS, &["limits"], NO_STATUS),
    ("", "pods", "Pod", NAMESPACED, STD_VERBS, &["po"], STATUS),
    ("", "configmaps", "ConfigMap", NAMESPACED, STD_VERBS, &["cm"], NO_STATUS),
    // What a profile namespace holds besides pods: offboarding counts these before it
    // deletes a profile.
    ("", "persistentvolumeclaims", "PersistentVolumeClaim", NAMESPACED, STD_VERBS, &["pvc"], STATUS),
    ("", "secrets", "Secret", NAMESPACED, STD_VERBS, &[], NO_STATUS),
    ("", "services", "Service", NAMESPACED, STD_VERBS, &["svc"], STATUS),
    // `kubectl describe` reads events for every object.
    ("", "events", "Event", NAMESPACED, STD_VERBS, &["ev"], NO_STATUS),
    ("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", CLUSTER, STD_VERBS, &[], NO_STATUS),
    ("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", CLUSTER, STD_VERBS, &[], NO_STATUS),
    ("rbac.authorization.k8s.io", "roles", "Role", NAMESPACED, STD_VERBS, &[], NO_STATUS),
    ("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", NAMESPACED, STD_VERBS, &[], NO_STATUS),
    ("apps", "deployments", "Deployment", NAMESPACED, STD_VERBS, &["deploy"], STATUS),
    ("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", CLUSTER, STD_VERBS, &["crd", "crds"], STATUS),
    ("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", CLUSTER, REVIEW_VERBS, &[], NO_STATUS),
    ("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", CLUSTER, REVIEW_VERBS, &[], NO_STATUS),
    ("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", NAMESPACED, REVIEW_VERBS, &[], NO_STATUS),
];

/// The built-in resources (all in version v1 of their group), built once.
pub fn builtins() -> &'static [ResourceInfo] {
    static BUILTINS: std::sync::OnceLock<Vec<ResourceInfo>> = std::sync::OnceLock::new();
    BUILTINS.get_or_init(make_builtins)
}

fn make_builtins() -> Vec<ResourceInfo> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    BUILTIN_KINDS
        .iter()
        .map(
            |&(group, resource, kind, namespaced, verbs, short, has_status)| ResourceInfo {
                group: group.into(),
                version: "v1".into(),
                resource: resource.into(),
                singular: kind.to_ascii_lowercase(),
                kind: kind.into(),
                namespaced,
                verbs: strings(verbs),
                short_names: strings(short),
                // kubectl's `get all`.
                categories: if matches!(resource, "pods" | "deployments") {
                    vec!["all".into()]
                } else {
                    Vec::new()
                },
                has_status,
                custom: false,
                virtual_review: verbs == REVIEW_VERBS,
                printer_columns: Vec::new(),
            },
        )
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The resources a CRD object serves (one per served version).
pub fn from_crd(crd: &Value) -> Vec<ResourceInfo> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let names = &spec["names"];
    let plural = names["plural"].as_str().unwrap_or_default();
    let kind = names["kind"].as_str().unwrap_or_default();
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let singular = names["singular"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_lowercase());
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let mut out = Vec::new();
    for ver in spec["versions"].as_array().into_iter().flatten() {
        if ver["served"].as_bool() == Some(false) {
            continue;
        }
        let Some(name) = ver["name"].as_str() else {
            continue;
        };
        let printer_columns = ver["additionalPrinterColumns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some((
                    c["name"].as_str()?.to_string(),
                    c["type"].as_str().unwrap_or("string").to_string(),
                    c["jsonPath"].as_str()?.to_string(),
                ))
            })
            .collect();
        out.push(ResourceInfo {
            group: group.into(),
            version: name.into(),
            resource: plural.into(),
            singular: singular.clone(),
            kind: kind.into(),
            namespaced,
            verbs: STD_VERBS.iter().map(|v| v.to_string()).collect(),
            short_names: strs(&names["shortNames"]),
            categories: strs(&names["categories"]),
            has_status: ver["subresources"].get("status").is_some(),
            custom: true,
            virtual_review: false,
            printer_columns,
        });
    }
    out
}

/// Every served resource: built-ins, then CRD-backed ones (established by being stored).
pub fn all(store: &Store) -> Vec<ResourceInfo> {
    let mut v = builtins().to_vec();
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    for crd in store.list(&crds, None) {
        if crd["metadata"].get("deletionTimestamp").is_some() {
            continue;
        }
        v.extend(from_crd(crd));
    }
    v
}

/// Looks up one resource by group, version and plural name.
pub fn find(store: &Store, group: &str, version: &str, resource: &str) -> Option<ResourceInfo> {
    if (group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io"))
        && let Some(r) = builtins()
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
    {
        return Some(r.clone());
    }
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    let name = format!("{resource}.{group}");
    let crd = store.get(&crds, None, &name)?;
    if crd["metadata"].get("deletionTimestamp").is_some() {
        return None;
    }
    from_crd(crd)
        .into_iter()
        .find(|r| r.version == version && r.resource == resource && r.group == group)
}

/// Versions of a group in discovery order (highest priority first, kube version ordering).
pub fn group_versions(resources: &[ResourceInfo], group: &str) -> Vec<String> {
    let mut vs: Vec<String> = Vec::new();
    for r in resources.iter().filter(|r| r.group == group) {
        if !vs.contains(&r.version) {
            vs.push(r.version.clone());
        }
    }
    vs.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    vs
}

/// kube's version priority: GA > beta > alpha, then by numbers.
pub fn version_priority(v: &str) -> (u8, u32, u32) {
    let Some(rest) = v.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (stage, minor_s) = if tail.is_empty() {
        (3, "")
    } else if let Some(m) = tail.strip_prefix("beta") {
        (2, m)
    } else if let Some(m) = tail.strip_prefix("alpha") {
        (1, m)
    } else {
        (0, "")
    };
    (stage, major, minor_s.parse().unwrap_or(0))
}

/// The stored object as seen through the requested group/version.
pub fn present(info: &ResourceInfo, obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.insert("apiVersion".into(), Value::from(info.api_version()));
        m.insert("kind".into(), Value::from(info.kind.clone()));
    }
    o
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn version_order_is_kube_like() {
        let mut v = vec!["v1beta1", "v1", "v2alpha1", "v2"];
        v.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        assert_eq!(v, vec!["v2", "v1", "v1beta1", "v2alpha1"]);
    }
}
