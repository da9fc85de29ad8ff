//! The objects behind a row, for the YAML overlay (`y`): a profile, the objects that give an
//! identity access, a finding's object, the ClusterRoles with rules on a resource. Rendered
//! in `update`, so `view` only colours.

use serde_json::Value;

use super::rows::{finding_id, object_label};
use super::state::{AppState, Data, Modal, ViewKind};
use crate::manifest::{OutputFormat, render_objects};
use crate::tenancy::Snapshot;

/// Objects that give `identity` access: owned Profiles, RoleBindings and ClusterRoleBindings
/// naming it, AuthorizationPolicies annotated with it. Matching is on the typed objects; only
/// the matches are turned into JSON.
pub(crate) fn identity_objects(s: &Snapshot, identity: &str) -> Vec<Value> {
    let names = |subjects: &Option<Vec<k8s_openapi::api::rbac::v1::Subject>>| {
        subjects.iter().flatten().any(|x| x.name == identity)
    };
    let annotated = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        m.annotations
            .as_ref()
            .is_some_and(|a| [a.get("user"), a.get("group")].contains(&Some(&identity.to_string())))
    };
    let mut out: Vec<Value> = Vec::new();
    out.extend(
        s.profiles
            .iter()
            .filter(|p| p.spec.owner.as_ref().is_some_and(|o| o.name == identity))
            .map(to_json),
    );
    out.extend(
        s.role_bindings
            .iter()
            .filter(|b| names(&b.subjects))
            .map(to_json),
    );
    out.extend(
        s.authorization_policies
            .iter()
            .flatten()
            .filter(|p| annotated(&p.metadata))
            .map(to_json),
    );
    out.extend(
        s.cluster_role_bindings
            .iter()
            .filter(|b| names(&b.subjects))
            .map(to_json),
    );
    out
}

/// JSON for the YAML overlay (an object that cannot serialize shows as null).
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(crate) fn find_object(s: &Snapshot, kind: &str, ns: Option<&str>, name: &str) -> Option<Value> {
    fn pick<K: kube::Resource + serde::Serialize>(
        items: &[std::sync::Arc<K>],
        ns: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        items
            .iter()
            .find(|i| i.meta().name.as_deref() == Some(name) && i.meta().namespace.as_deref() == ns)
            .map(to_json)
    }
    match kind {
        "Profile" => pick(&s.profiles, None, name),
        "Namespace" => pick(&s.namespaces, None, name),
        "RoleBinding" => pick(&s.role_bindings, ns, name),
        "ClusterRoleBinding" => pick(&s.cluster_role_bindings, None, name),
        "ClusterRole" => pick(&s.cluster_roles, None, name),
        "AuthorizationPolicy" => pick(
            s.authorization_policies.as_deref().unwrap_or_default(),
            ns,
            name,
        ),
        "ResourceQuota" => pick(&s.resource_quotas, ns, name),
        "LimitRange" => pick(&s.limit_ranges, ns, name),
        _ => None,
    }
}

/// ClusterRoles with a rule on the chart row's resource (the row id is its label).
pub(crate) fn roles_for_resource(s: &Snapshot, label: &str) -> Vec<Value> {
    use crate::tenancy::roles::ResourceKey;
    s.cluster_roles
        .iter()
        .filter(|r| {
            r.rules.iter().flatten().any(|rule| {
                rule.api_groups.iter().flatten().any(|g| {
                    rule.resources.iter().flatten().any(|res| {
                        let mut names = rule.resource_names.clone().unwrap_or_default();
                        names.sort();
                        ResourceKey {
                            group: g.clone(),
                            resource: res.clone(),
                            names,
                        }
                        .label()
                            == label
                    })
                })
            })
        })
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect()
}

pub(crate) fn yaml(state: &mut AppState) {
    let Data::Ready { snapshot, .. } = &state.data else {
        return;
    };
    let Some(row) = state.table().selected_row() else {
        return;
    };
    let (title, objects) = match state.view {
        ViewKind::Profiles => (
            format!("Profile {}", row.id),
            find_object(snapshot, "Profile", None, &row.id)
                .into_iter()
                .collect(),
        ),
        ViewKind::Users | ViewKind::Access => (
            format!("Objects granting access to {}", row.id),
            identity_objects(snapshot, &row.id),
        ),
        ViewKind::Doctor => {
            let finding = state
                .tenancy()
                .and_then(|t| t.findings().iter().find(|f| finding_id(f) == row.id));
            match finding {
                Some(f) => (
                    object_label(f),
                    find_object(
                        snapshot,
                        &f.object.kind,
                        f.object.namespace.as_deref(),
                        &f.object.name,
                    )
                    .into_iter()
                    .collect(),
                ),
                None => (row.id.clone(), Vec::new()),
            }
        }
        ViewKind::Roles => (
            format!("ClusterRoles with rules on {}", row.id),
            roles_for_resource(snapshot, &row.id),
        ),
    };
    if objects.is_empty() {
        state.status = Some(format!("{title}: no object to show (it does not exist)"));
        return;
    }
    // Like kubectl, hide managedFields: noise for a reader.
    let objects: Vec<Value> = objects
        .into_iter()
        .map(|mut o| {
            if let Some(m) = o["metadata"].as_object_mut() {
                m.remove("managedFields");
            }
            o
        })
        .collect();
    match render_objects(&objects, OutputFormat::Yaml) {
        Ok(text) => {
            state.modal = Modal::Yaml {
                title,
                lines: text.lines().map(str::to_string).collect(),
                scroll: 0,
            }
        }
        Err(e) => state.status = Some(format!("cannot render YAML: {e}")),
    }
}
