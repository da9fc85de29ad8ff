//! The permissions chart of `kubeflow-admin`, `kubeflow-edit` and `kubeflow-view`, computed
//! from the cluster's ClusterRoles by following `aggregationRule` selectors here (so it is right
//! even where kube-controller-manager has not filled an aggregated role's `rules` yet).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use k8s_openapi::api::rbac::v1::ClusterRole;
use serde::Serialize;

use crate::model::Role;
use crate::model::selector::LabelSelector;

/// One row of the chart: an API group and resource (with `resourceNames` when restricted).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceKey {
    /// API group (`""` is the core group; `*` all groups).
    pub group: String,
    /// Resource, possibly with a subresource (`pods/log`); `*` for all.
    pub resource: String,
    /// The rule applies only to these object names (empty: to all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl ResourceKey {
    /// `resource.group[/subresource]` like kubectl prints it (`pods/log`,
    /// `notebooks.kubeflow.org`, `deployments.apps/scale`).
    pub fn label(&self) -> String {
        let (base, sub) = match self.resource.split_once('/') {
            Some((b, s)) => (b, format!("/{s}")),
            None => (self.resource.as_str(), String::new()),
        };
        let mut s = if self.group.is_empty() {
            format!("{base}{sub}")
        } else {
            format!("{base}.{}{sub}", self.group)
        };
        if !self.names.is_empty() {
            s.push_str(&format!(" [{}]", self.names.join(",")));
        }
        s
    }
}

/// What one kubeflow role allows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RolePermissions {
    /// `kubeflow-admin` etc.
    pub name: String,
    /// Whether that ClusterRole exists on the cluster.
    pub found: bool,
    /// Every ClusterRole whose rules end up in this one (itself included), sorted.
    pub sources: Vec<String>,
    /// Verbs per resource (serialized as a list of `{group, resource, names, verbs}`).
    #[serde(serialize_with = "resources_as_list")]
    pub resources: BTreeMap<ResourceKey, BTreeSet<String>>,
    /// Verbs per non-resource URL (`/healthz`).
    pub non_resource: BTreeMap<String, BTreeSet<String>>,
}

fn resources_as_list<S: serde::Serializer>(
    map: &BTreeMap<ResourceKey, BTreeSet<String>>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        #[serde(flatten)]
        key: &'a ResourceKey,
        verbs: &'a BTreeSet<String>,
    }
    ser.collect_seq(map.iter().map(|(key, verbs)| Entry { key, verbs }))
}

impl RolePermissions {
    /// Whether `verb` on `key` is allowed, honouring `*` in verbs, groups and resources.
    pub fn allows(&self, key: &ResourceKey, verb: &str) -> bool {
        self.resources.iter().any(|(k, verbs)| {
            (k.group == "*" || k.group == key.group)
                && (k.resource == "*" || k.resource == key.resource)
                && (k.names.is_empty() || k.names == key.names)
                && (verbs.contains("*") || verbs.contains(verb))
        })
    }
}

/// A row of `roles --compare A B`: verbs A has on a resource that B lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Added {
    /// The resource.
    pub resource: ResourceKey,
    /// Verbs only the first role has.
    pub verbs: BTreeSet<String>,
}

/// The chart for the three kubeflow roles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoleChart {
    /// admin, edit, view in that order.
    pub roles: Vec<RolePermissions>,
}

/// The order kubectl users expect verbs in; others follow alphabetically.
const VERB_ORDER: [&str; 9] = [
    "*",
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// Verbs in the conventional order, comma-joined (`-` when none).
pub fn verbs_cell(verbs: &BTreeSet<String>) -> String {
    if verbs.is_empty() {
        return "-".into();
    }
    let mut v: Vec<&str> = verbs.iter().map(String::as_str).collect();
    v.sort_by_key(|x| {
        (
            VERB_ORDER
                .iter()
                .position(|o| o == x)
                .unwrap_or(VERB_ORDER.len()),
            *x,
        )
    });
    v.join(",")
}

/// A short form for narrow cells: `read` for get+list+watch, `write` for
/// create+update+patch+delete(+deletecollection), then any other verbs; `*` stays `*`.
pub fn verbs_compact(verbs: &BTreeSet<String>) -> String {
    if verbs.is_empty() {
        return "-".into();
    }
    if verbs.contains("*") {
        return "*".into();
    }
    const READ: [&str; 3] = ["get", "list", "watch"];
    const WRITE: [&str; 4] = ["create", "update", "patch", "delete"];
    let read = READ.iter().all(|v| verbs.contains(*v));
    let write = WRITE.iter().all(|v| verbs.contains(*v));
    let mut parts: Vec<String> = Vec::new();
    if read {
        parts.push("read".into());
    }
    if write {
        parts.push("write".into());
    }
    let rest: BTreeSet<String> = verbs
        .iter()
        .filter(|v| !(read && READ.contains(&v.as_str())))
        .filter(|v| !(write && (WRITE.contains(&v.as_str()) || *v == "deletecollection")))
        .cloned()
        .collect();
    if !rest.is_empty() {
        parts.push(verbs_cell(&rest));
    }
    parts.join(",")
}

fn labels_of(role: &ClusterRole) -> &BTreeMap<String, String> {
    static EMPTY: BTreeMap<String, String> = BTreeMap::new();
    role.metadata.labels.as_ref().unwrap_or(&EMPTY)
}

fn selectors_of(role: &ClusterRole) -> Option<Vec<Option<LabelSelector>>> {
    let rule = role.aggregation_rule.as_ref()?;
    Some(
        rule.cluster_role_selectors
            .iter()
            .flatten()
            .map(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| LabelSelector::from_structured(&v))
            })
            .collect(),
    )
}

/// Collects `name` and every role it aggregates (transitively; cycles are cut).
fn collect<'a>(
    by_name: &BTreeMap<&'a str, &'a ClusterRole>,
    name: &'a str,
    seen: &mut HashSet<&'a str>,
) {
    if !seen.insert(name) {
        return;
    }
    let Some(role) = by_name.get(name) else {
        return;
    };
    let Some(selectors) = selectors_of(role) else {
        return;
    };
    for (other, other_role) in by_name {
        let labels = labels_of(other_role);
        // Same rule as the aggregation controller (and the sandbox's): any selector matching;
        // an empty selector matches every role, one kube would reject matches none.
        let matched = selectors
            .iter()
            .flatten()
            .any(|s| s.matches_labels(|k| labels.get(k).map(String::as_str)));
        if matched {
            collect(by_name, other, seen);
        }
    }
}

/// The effective permissions of one ClusterRole, aggregation followed.
pub fn permissions<R: std::borrow::Borrow<ClusterRole>>(
    roles: &[R],
    name: &str,
) -> RolePermissions {
    let by_name: BTreeMap<&str, &ClusterRole> = roles
        .iter()
        .map(|r| r.borrow())
        .filter_map(|r: &ClusterRole| r.metadata.name.as_deref().map(|n| (n, r)))
        .collect();
    let mut out = RolePermissions {
        name: name.to_string(),
        found: by_name.contains_key(name),
        ..RolePermissions::default()
    };
    let mut seen = HashSet::new();
    collect(&by_name, name, &mut seen);
    let mut sources: Vec<String> = seen
        .iter()
        .filter(|n| by_name.contains_key(*n))
        .map(|n| n.to_string())
        .collect();
    sources.sort();
    for source in &sources {
        let Some(role) = by_name.get(source.as_str()) else {
            continue;
        };
        for rule in role.rules.iter().flatten() {
            let verbs: BTreeSet<String> = rule.verbs.iter().cloned().collect();
            for url in rule.non_resource_urls.iter().flatten() {
                out.non_resource
                    .entry(url.clone())
                    .or_default()
                    .extend(verbs.iter().cloned());
            }
            let mut names: Vec<String> = rule.resource_names.clone().unwrap_or_default();
            names.sort();
            for group in rule.api_groups.iter().flatten() {
                for resource in rule.resources.iter().flatten() {
                    out.resources
                        .entry(ResourceKey {
                            group: group.clone(),
                            resource: resource.clone(),
                            names: names.clone(),
                        })
                        .or_default()
                        .extend(verbs.iter().cloned());
                }
            }
        }
    }
    out.sources = sources;
    out
}

impl RoleChart {
    /// Builds the chart of kubeflow-admin/edit/view.
    pub fn build<R: std::borrow::Borrow<ClusterRole>>(roles: &[R]) -> RoleChart {
        RoleChart {
            roles: Role::ALL
                .iter()
                .map(|r| permissions(roles, r.cluster_role()))
                .collect(),
        }
    }

    /// One role's permissions.
    pub fn role(&self, role: Role) -> Option<&RolePermissions> {
        self.roles.iter().find(|p| p.name == role.cluster_role())
    }

    /// Every resource any of the roles mentions, sorted by group then resource.
    pub fn resources(&self) -> Vec<&ResourceKey> {
        let set: BTreeSet<&ResourceKey> =
            self.roles.iter().flat_map(|r| r.resources.keys()).collect();
        set.into_iter().collect()
    }

    /// What `a` allows that `b` does not, per resource (verbs `b` already has through `*` or a
    /// wildcard rule are not listed).
    pub fn compare(&self, a: Role, b: Role) -> Vec<Added> {
        let (Some(pa), Some(pb)) = (self.role(a), self.role(b)) else {
            return Vec::new();
        };
        pa.resources
            .iter()
            .filter_map(|(key, verbs)| {
                let extra: BTreeSet<String> = if verbs.contains("*") && !pb.allows(key, "*") {
                    BTreeSet::from(["*".to_string()])
                } else {
                    verbs
                        .iter()
                        .filter(|v| !pb.allows(key, v))
                        .cloned()
                        .collect()
                };
                (!extra.is_empty()).then(|| Added {
                    resource: key.clone(),
                    verbs: extra,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn role(v: serde_json::Value) -> ClusterRole {
        serde_json::from_value(v).unwrap()
    }

    fn fixture() -> Vec<ClusterRole> {
        let agg = |name: &str, sel: &str, label: Option<&str>| {
            let mut labels = serde_json::Map::new();
            if let Some(l) = label {
                labels.insert(
                    format!("rbac.authorization.kubeflow.org/aggregate-to-kubeflow-{l}"),
                    json!("true"),
                );
            }
            role(json!({"metadata": {"name": name, "labels": labels},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {
                    format!("rbac.authorization.kubeflow.org/aggregate-to-kubeflow-{sel}"): "true"}}]},
                "rules": []}))
        };
        let leaf = |name: &str, to: &str, group: &str, res: &str, verbs: &[&str]| {
            role(json!({"metadata": {"name": name, "labels": {
                format!("rbac.authorization.kubeflow.org/aggregate-to-kubeflow-{to}"): "true"}},
                "rules": [{"apiGroups": [group], "resources": [res], "verbs": verbs}]}))
        };
        vec![
            agg("kubeflow-admin", "admin", None),
            agg("kubeflow-edit", "edit", Some("admin")),
            agg("kubeflow-view", "view", Some("edit")),
            leaf(
                "nb-view",
                "view",
                "kubeflow.org",
                "notebooks",
                &["get", "list"],
            ),
            leaf(
                "nb-edit",
                "edit",
                "kubeflow.org",
                "notebooks",
                &["create", "delete", "get"],
            ),
            leaf(
                "rbac-admin",
                "admin",
                "rbac.authorization.k8s.io",
                "rolebindings",
                &["*"],
            ),
            // Unrelated role with a cycle back to admin's label: must not loop.
            agg("loop", "admin", Some("admin")),
        ]
    }

    #[test]
    fn aggregation_is_followed_transitively_without_filled_rules() {
        let chart = RoleChart::build(&fixture());
        let view = chart.role(Role::View).unwrap();
        assert_eq!(view.sources, ["kubeflow-view", "nb-view"]);
        let nb = ResourceKey {
            group: "kubeflow.org".into(),
            resource: "notebooks".into(),
            names: vec![],
        };
        assert_eq!(verbs_cell(&view.resources[&nb]), "get,list");
        let admin = chart.role(Role::Admin).unwrap();
        assert_eq!(verbs_cell(&admin.resources[&nb]), "get,list,create,delete");
        assert!(admin.sources.contains(&"nb-view".to_string()));
        assert!(admin.allows(
            &ResourceKey {
                group: "rbac.authorization.k8s.io".into(),
                resource: "rolebindings".into(),
                names: vec![]
            },
            "escalate"
        ));
        assert_eq!(chart.resources().len(), 2);
    }

    #[test]
    fn compare_lists_only_what_the_first_adds() {
        let chart = RoleChart::build(&fixture());
        let added = chart.compare(Role::Edit, Role::View);
        assert_eq!(added.len(), 1);
        assert_eq!(verbs_cell(&added[0].verbs), "create,delete");
        let added = chart.compare(Role::Admin, Role::Edit);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].resource.resource, "rolebindings");
        assert!(chart.compare(Role::View, Role::Admin).is_empty());
    }

    #[test]
    fn compact_verbs_fold_read_and_write() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(verbs_compact(&set(&["get", "list", "watch"])), "read");
        assert_eq!(
            verbs_compact(&set(&[
                "get",
                "list",
                "watch",
                "create",
                "update",
                "patch",
                "delete",
                "deletecollection",
                "impersonate"
            ])),
            "read,write,impersonate"
        );
        assert_eq!(verbs_compact(&set(&["get", "create"])), "get,create");
        assert_eq!(verbs_compact(&set(&["*", "get"])), "*");
    }

    #[test]
    fn a_missing_role_is_reported_not_invented() {
        let chart = RoleChart::build::<ClusterRole>(&[]);
        assert!(
            chart
                .roles
                .iter()
                .all(|r| !r.found && r.resources.is_empty())
        );
    }
}
