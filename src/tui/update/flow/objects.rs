//! Doctor fixes (`f`, `F`, `:fix`) and edit as YAML (`E`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// `f` / `F` (`:fix`): stages the safe doctor fixes of the selected finding, or of all.
pub fn stage_fixes(state: &mut AppState, all: bool) -> Vec<Effect> {
    let fixable = |code: &str| FIXABLE.iter().any(|(c, _)| *c == code);
    let Some(t) = state.tenancy() else {
        state.status = Some("no data yet".into());
        return Vec::new();
    };
    let findings: Vec<String> = if all {
        t.findings()
            .iter()
            .filter(|f| fixable(f.code))
            .map(|f| finding_id(f))
            .collect()
    } else {
        let id = state.table().selected_row().map(|r| r.id.clone());
        let Some(f) = t.findings().iter().find(|f| Some(finding_id(f)) == id) else {
            state.status = Some("select a finding in the Doctor view first".into());
            return Vec::new();
        };
        if !fixable(f.code) {
            state.status = Some(format!("{} has no safe automatic fix; {}", f.code, f.hint));
            return Vec::new();
        }
        vec![finding_id(f)]
    };
    if findings.is_empty() {
        state.status = Some("none of the findings has a safe automatic fix".into());
        return Vec::new();
    }
    stage(state, Intent::Fix { findings })
}

/// `apiVersion` of the kinds `E` edits, from the types the model reads them as.
pub(super) fn api_version_of(kind: &str) -> Option<String> {
    use k8s_openapi::api::core::v1::{LimitRange, Namespace};
    use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
    use kube::Resource;
    Some(
        match kind {
            "Profile" => crate::model::Profile::api_version(&()),
            "RoleBinding" => RoleBinding::api_version(&()),
            "ClusterRoleBinding" => ClusterRoleBinding::api_version(&()),
            "AuthorizationPolicy" => crate::model::AuthorizationPolicy::api_version(&()),
            "LimitRange" => LimitRange::api_version(&()),
            "Namespace" => Namespace::api_version(&()),
            _ => return None,
        }
        .into_owned(),
    )
}

pub(super) fn stub(kind: &str, namespace: Option<&str>, name: &str) -> Option<serde_json::Value> {
    let mut meta = serde_json::json!({ "name": name });
    if let Some(ns) = namespace {
        meta["namespace"] = ns.into();
    }
    Some(serde_json::json!({"apiVersion": api_version_of(kind)?, "kind": kind, "metadata": meta}))
}

/// `E`: which object this row is, read raw before the editor opens.
pub fn open_yaml_edit(state: &mut AppState) -> Vec<Effect> {
    let Some(row) = state.table().selected_row().cloned() else {
        state.status = Some("no row selected".into());
        return Vec::new();
    };
    let scope = state.table().scope.clone();
    let object = match (state.view, scope) {
        (ViewKind::Profiles, _) => stub("Profile", None, &row.id),
        (ViewKind::Users, Some(Scope::Profile(p))) => state
            .tenancy()
            .and_then(|t| t.profile(&p))
            .and_then(|pr| pr.contributors.iter().find(|c| c.name == row.id))
            .and_then(|c| c.role_binding.clone())
            .and_then(|rb| stub("RoleBinding", Some(&p), &rb)),
        (ViewKind::Doctor, _) => state.tenancy().and_then(|t| {
            let f = t.findings().iter().find(|f| finding_id(f) == row.id)?;
            stub(
                &f.object.kind,
                f.object.namespace.as_deref(),
                &f.object.name,
            )
        }),
        _ => None,
    };
    match object {
        Some(object) => {
            state.status = Some("reading the live object…".into());
            vec![Effect::FetchForEdit { object }]
        }
        None => {
            state.status = Some(
                "E edits a Profile (Profiles), a contributor's RoleBinding (the users of a profile) or a Doctor finding's Profile, RoleBinding or AuthorizationPolicy"
                    .into(),
            );
            Vec::new()
        }
    }
}

/// The object to edit was read: open the editor.
pub fn on_edit_ready(
    state: &mut AppState,
    result: Result<serde_json::Value, Failure>,
) -> Vec<Effect> {
    match result {
        Ok(object) => {
            state.status = None;
            vec![Effect::OpenEditor { object }]
        }
        Err(f) => {
            state.status = Some(format!("cannot edit: {}", f.message));
            Vec::new()
        }
    }
}

/// The editor closed: validate and stage.
pub fn on_edited(
    state: &mut AppState,
    before: serde_json::Value,
    result: Result<String, String>,
) -> Vec<Effect> {
    let text = match result {
        Ok(t) => t,
        Err(e) => {
            state.status = Some(e);
            return Vec::new();
        }
    };
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        state.status = Some("the file was emptied: nothing was staged".into());
        return Vec::new();
    }
    match crate::tui::edit::yaml::validate(&before, &text) {
        Ok(None) => {
            state.status = Some("no changes: nothing was staged".into());
            Vec::new()
        }
        Ok(Some(after)) => {
            let label = crate::plan::Change {
                action: crate::plan::Action::Update,
                before: Some(before.clone()),
                after: None,
            }
            .label();
            stage(
                state,
                Intent::Replace {
                    label,
                    before,
                    after,
                },
            )
        }
        Err(e) => {
            state.status = Some(format!("{e}; nothing was staged"));
            Vec::new()
        }
    }
}
