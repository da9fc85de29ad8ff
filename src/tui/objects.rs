//! The objects behind a row, for the YAML overlay (`y`): a profile, the objects that give an
//! identity access, a finding's object, the ClusterRoles with rules on a resource. Found in
//! the snapshot, read whole from the server, rendered in `update`, so `view` only colours.

use serde_json::Value;

use super::edit::Failure;
use super::msg::Effect;
use super::rows::{finding_id, object_label};
use super::state::{AppState, Data, Modal, ViewKind};
use crate::manifest::{OutputFormat, render_objects};
use crate::tenancy::Snapshot;
use crate::tenancy::snapshot::Stored;

/// Objects that give `identity` access: owned Profiles, RoleBindings and ClusterRoleBindings
/// naming it, AuthorizationPolicies annotated with it. Matching is on the typed objects; only
/// the matches are turned into JSON.
pub(crate) fn identity_objects(s: &Snapshot, identity: &str) -> Vec<Value> {
    let names = |subjects: &[k8s_openapi::api::rbac::v1::Subject]| {
        subjects.iter().any(|x| x.name == identity)
    };
    let annotated = |k: &crate::tenancy::Kfam| {
        [&k.user, &k.group]
            .iter()
            .any(|v| v.as_deref() == Some(identity))
    };
    let mut out: Vec<Value> = Vec::new();
    out.extend(
        s.profiles()
            .filter(|p| p.owner.as_deref() == Some(identity))
            .map(to_json),
    );
    out.extend(
        s.role_bindings()
            .filter(|b| b.subjects.iter().any(|x| &*x.name == identity))
            .map(to_json),
    );
    out.extend(
        s.authorization_policies()
            .into_iter()
            .flatten()
            .filter(|p| annotated(&p.kfam))
            .map(to_json),
    );
    out.extend(
        s.cluster_role_bindings()
            .iter()
            .filter(|b| names(b.subjects.as_deref().unwrap_or_default()))
            .map(to_json),
    );
    out
}

/// JSON for the YAML overlay (an object that cannot serialize shows as null).
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(crate) fn find_object(s: &Snapshot, kind: &str, ns: Option<&str>, name: &str) -> Option<Value> {
    fn pick<K: Stored + serde::Serialize>(
        items: &[std::sync::Arc<K>],
        name: &str,
    ) -> Option<Value> {
        items.iter().find(|i| i.name() == name).map(to_json)
    }
    let space = || s.space(ns.unwrap_or_default());
    match kind {
        "Profile" => s.profile(name).map(to_json),
        "Namespace" => s.namespace(name).map(to_json),
        "ClusterRoleBinding" => pick(s.cluster_role_bindings(), name),
        "ClusterRole" => pick(s.cluster_roles(), name),
        "RoleBinding" => pick(&space()?.role_bindings, name),
        "AuthorizationPolicy" => pick(&space()?.policies, name),
        "ResourceQuota" => pick(&space()?.quotas, name),
        "LimitRange" => pick(&space()?.limit_ranges, name),
        _ => None,
    }
}

/// ClusterRoles with a rule on the chart row's resource (the row id is its label).
pub(crate) fn roles_for_resource(s: &Snapshot, label: &str) -> Vec<Value> {
    use crate::tenancy::roles::ResourceKey;
    s.cluster_roles()
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

/// `y`: the objects behind the selected row, read from the server (the model keeps only
/// what it reads of each); the overlay opens at once and fills when they arrive.
pub(crate) fn yaml(state: &mut AppState) -> Vec<Effect> {
    let Data::Ready { snapshot, .. } = &state.data else {
        return Vec::new();
    };
    let Some(row) = state.table().selected_row() else {
        return Vec::new();
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
        return Vec::new();
    }
    let objects: Vec<Value> = objects.iter().map(reference).collect();
    state.modal = Modal::Yaml {
        title: title.clone(),
        lines: vec![format!(
            "reading {} object(s) from the server…",
            objects.len()
        )],
        scroll: 0,
    };
    vec![Effect::FetchYaml { title, objects }]
}

/// What the server needs to find an object again.
fn reference(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    let mut r = serde_json::json!({
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": {"name": meta["name"]},
    });
    if let Some(ns) = meta.get("namespace").filter(|n| n.is_string()) {
        r["metadata"]["namespace"] = ns.clone();
    }
    r
}

/// The objects of the overlay arrived: shown as YAML without managedFields (like kubectl).
pub(crate) fn yaml_ready(state: &mut AppState, title: String, result: Result<Vec<Value>, Failure>) {
    let Modal::Yaml { title: open, .. } = &state.modal else {
        return;
    };
    if *open != title {
        return;
    }
    let objects = match result {
        Ok(objects) if objects.is_empty() => {
            state.modal = Modal::None;
            state.status = Some(format!("{title}: no object to show (it does not exist)"));
            return;
        }
        Ok(objects) => objects,
        Err(e) => {
            state.modal = Modal::None;
            state.status = Some(format!("{title}: cannot read it: {}", e.message));
            return;
        }
    };
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
