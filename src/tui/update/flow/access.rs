//! Roles: the picker (`t`, over marked rows too) and the add-contributor form (`+`).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn subject_of(state: &AppState, identity: &str) -> Result<Subject, String> {
    let kind = state
        .tenancy()
        .and_then(|t| t.user(identity))
        .map_or(SubjectKind::User, |u| u.kind);
    match kind {
        SubjectKind::User => state
            .user_ids
            .parse(identity)
            .map(Subject::User)
            .map_err(|e| format!("{identity:?} is not an email a contributor can have: {e}")),
        SubjectKind::Group => GroupName::parse(identity)
            .map(Subject::Group)
            .map_err(|e| e.to_string()),
    }
}

/// The (identity, profile) pairs `t` acts on in this view: the selected row, or every
/// marked row.
pub(super) fn role_targets(state: &AppState) -> Result<Vec<(String, String)>, String> {
    let t = state.table();
    let rows: Vec<String> = if t.marked.is_empty() {
        t.selected_row().map(|r| r.id.clone()).into_iter().collect()
    } else {
        t.marked.iter().cloned().collect()
    };
    if rows.is_empty() {
        return Err("no row selected".into());
    }
    match (state.view, t.scope.clone()) {
        (ViewKind::Access, _) => {
            let p = t
                .headers
                .get(state.access_col)
                .cloned()
                .ok_or("no profile column selected")?;
            Ok(rows.into_iter().map(|u| (u, p.clone())).collect())
        }
        (ViewKind::Users, Some(Scope::Profile(p))) => {
            Ok(rows.into_iter().map(|u| (u, p.clone())).collect())
        }
        (ViewKind::Profiles, Some(Scope::User(u))) => {
            Ok(rows.into_iter().map(|p| (u.clone(), p)).collect())
        }
        _ => Err(
            "t sets a role on (user, profile) pairs: use it on an Access matrix cell, on the users of a profile (Enter on a profile) or on the profiles of a user (Enter on a user); Space marks several"
                .into(),
        ),
    }
}

pub(super) fn target(state: &AppState, user: &str, p: &str) -> Result<Target, String> {
    let profile = ProfileName::parse(p).map_err(|e| e.to_string())?;
    let subject = subject_of(state, user)?;
    let level = state.tenancy().and_then(|t| t.level(user, p));
    if level == Some(AccessLevel::Owner) {
        return Err(format!(
            "{user} owns profile {p}: the owner's admin access comes from spec.owner (the namespaceAdmin RoleBinding the profile controller manages), so it cannot be toggled. Change the Profile's owner instead, or offboard the user"
        ));
    }
    let current = level.and_then(AccessLevel::role);
    Ok(Target {
        profile,
        subject,
        current,
    })
}

/// `t`: opens the role picker for the pairs this view selects (owners are left out, and
/// refused when they are all there is).
pub fn open_role_picker(state: &mut AppState) {
    let pairs = match role_targets(state) {
        Ok(p) => p,
        Err(e) => {
            state.status = Some(e);
            return;
        }
    };
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for (user, p) in &pairs {
        match target(state, user, p) {
            Ok(t) => targets.push(t),
            Err(e) => skipped.push(e),
        }
    }
    if targets.is_empty() {
        state.status = skipped.into_iter().next();
        return;
    }
    state.modal = Modal::RolePicker(RolePicker { targets, skipped });
}

pub(super) fn pick(state: &mut AppState, p: RolePicker, role: Option<Role>) -> Vec<Effect> {
    state.modal = Modal::None;
    let word = role.map_or("no access", Role::short_name);
    if let [t] = p.targets.as_slice()
        && t.current == role
    {
        state.status = Some(format!(
            "{} already has {word} on {}; nothing staged",
            t.subject.name(),
            t.profile
        ));
        return Vec::new();
    }
    let mut effects = Vec::new();
    let mut same = 0;
    for t in p.targets {
        if t.current == role {
            same += 1;
            continue;
        }
        effects.extend(stage(
            state,
            Intent::Access {
                profile: t.profile,
                subject: t.subject,
                role,
            },
        ));
    }
    state.status = Some(match (effects.len(), same) {
        (0, _) => format!("already {word}; nothing staged"),
        (1, 0) => state.status.take().unwrap_or_default(),
        (n, 0) => format!("staged {n} changes ({word}); C lists them, p previews"),
        (n, s) => format!("staged {n} changes ({word}); {s} already had it"),
    });
    if effects.is_empty() {
        return effects;
    }
    let view = state.view.index();
    state.tables[view].marked.clear();
    effects
}

/// `+`: the add-contributor form for the selected profile (or the profile drilled into).
pub fn open_contributor(state: &mut AppState) {
    let row = state.table().selected_row().map(|r| r.id.clone());
    let profile = match (state.view, &state.table().scope, row) {
        (ViewKind::Users, Some(Scope::Profile(p)), _) => Some(p.clone()),
        (ViewKind::Profiles, _, Some(p)) => Some(p),
        (ViewKind::Access, _, _) => state.table().headers.get(state.access_col).cloned(),
        _ => None,
    };
    let Some(profile) = profile.and_then(|p| ProfileName::parse(&p).ok()) else {
        state.status = Some(
            "+ adds a contributor to a profile: select one in Profiles, drill into it, or pick its Access column".into(),
        );
        return;
    };
    state.modal = Modal::Contributor(Box::new(ContributorForm {
        profile,
        field: Field::default(),
        role: Role::View,
        error: None,
    }));
}

pub(super) fn contributor_problem(
    state: &AppState,
    form: &ContributorForm,
) -> Result<Subject, String> {
    let text = form.field.text().trim();
    let subject = crate::tui::edit::command::subject(text, state.user_ids)?;
    let level = state
        .tenancy()
        .and_then(|t| t.level(subject.name(), form.profile.as_str()));
    match level.map(|l| (l, l.role())) {
        Some((_, None)) => Err(format!(
            "{} owns {}: owners have admin through the profile",
            subject.name(),
            form.profile
        )),
        Some((_, Some(role))) => Err(format!(
            "{} already has {} on {}; t on their row changes it",
            subject.name(),
            role.short_name(),
            form.profile
        )),
        None => Ok(subject),
    }
}

pub(super) fn on_contributor(
    state: &mut AppState,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    let Modal::Contributor(form) = &mut state.modal else {
        return Vec::new();
    };
    match action {
        Some(Action::Close) => {
            state.modal = Modal::None;
            return Vec::new();
        }
        Some(Action::NextRole) => {
            form.role = match form.role {
                Role::View => Role::Edit,
                Role::Edit => Role::Admin,
                Role::Admin => Role::View,
            };
        }
        Some(Action::Submit) => {
            let form = (**form).clone();
            match contributor_problem(state, &form) {
                Ok(subject) => {
                    state.modal = Modal::None;
                    return stage(
                        state,
                        Intent::Access {
                            profile: form.profile,
                            subject,
                            role: Some(form.role),
                        },
                    );
                }
                Err(e) => {
                    if let Modal::Contributor(f) = &mut state.modal {
                        f.error = Some(e);
                    }
                    return Vec::new();
                }
            }
        }
        _ => {
            form.field.input(key);
        }
    }
    let form = (**form).clone();
    let error = if form.field.text().trim().is_empty() {
        None
    } else {
        contributor_problem(state, &form).err()
    };
    if let Modal::Contributor(f) = &mut state.modal {
        f.error = error;
    }
    Vec::new()
}
