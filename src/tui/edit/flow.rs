//! `update` for the editing layer: opening the editors and the role picker, staging
//! intents (refused when read-only), the staged panel, the preview with its server dry run,
//! the confirmation, and the answers of the runner (plans, checks, apply outcomes, conflicts
//! re-staged with a fresh plan).

use crossterm::event::KeyEvent;

use super::command::EditCommand;
use super::onboard::{Focus, OnboardForm};
use super::preview::{Styled, Tone, line, preview};
use super::quota::{Editing, QuotaEditor};
use super::{Check, Failure, Intent, Stage};
use crate::cluster::offboard::NamespaceContents;
use crate::model::{Email, GroupName, ProfileName, Role, Subject};
use crate::tenancy::doctor::FIXABLE;
use crate::tenancy::{AccessLevel, SubjectKind};
use crate::tui::field::Field;
use crate::tui::keymap::{Action, Context, lookup};
use crate::tui::msg::{Effect, Outcome};
use crate::tui::rows::finding_id;
use crate::tui::state::{
    AppState, ConfirmAction, ContributorForm, Danger, Data, Modal, ReadOnly, RolePicker, Scope,
    Target, TextKind, ViewKind,
};

/// Why edits are refused now, if they are.
pub fn read_only_reason(state: &AppState) -> Option<String> {
    match state.header.read_only {
        ReadOnly::Flag => Some("read-only (--readonly): edits are disabled".into()),
        ReadOnly::NoPermission => Some(format!(
            "read-only: {} may not change Profiles, RoleBindings and AuthorizationPolicies (SelfSubjectAccessReview), so edits are disabled",
            state.header.user.as_deref().unwrap_or("you")
        )),
        ReadOnly::Unknown | ReadOnly::Writable => None,
    }
}

/// The key contexts of an editing modal, most specific first (`None`: not an editing modal).
pub fn contexts(modal: &Modal) -> Option<Vec<Context>> {
    Some(match modal {
        Modal::Quota(e) if e.editing != Editing::None => vec![Context::Field],
        Modal::Quota(_) => vec![Context::Editor],
        Modal::Onboard(f) => match &f.editor {
            Some(e) if e.editing != Editing::None => vec![Context::Field],
            Some(_) => vec![Context::Editor],
            None if matches!(f.focus, Focus::Preset | Focus::LimitRange) => {
                vec![Context::FormChoice, Context::Form]
            }
            None => vec![Context::Form],
        },
        Modal::RolePicker(_) => vec![Context::Picker],
        Modal::Staged { .. } => vec![Context::Staged],
        Modal::Text {
            kind: TextKind::Preview,
            ..
        } => vec![Context::Preview, Context::Overlay],
        Modal::Confirm { .. } => vec![Context::Confirm],
        Modal::Danger(_) => vec![Context::Danger],
        Modal::Contributor(_) => vec![Context::Contributor],
        _ => return None,
    })
}

/// Stages `intent` (merging it with a staged change about the same objects) and asks the
/// runner to plan it.
pub fn stage(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(format!("{reason}; nothing was staged"));
        return Vec::new();
    }
    let summary = intent.summary();
    let (id, intent) = state.staged.stage(intent);
    state.status = Some(format!(
        "staged: {summary} (planning…; C lists, p previews)"
    ));
    refresh_preview(state);
    vec![Effect::Plan { id, intent }]
}

/// A plan (or its failure) arrived.
pub fn on_planned(state: &mut AppState, id: u64, result: Result<crate::plan::Plan, Failure>) {
    if let Some(msg) = state.staged.planned(id, result) {
        state.status = Some(msg);
    }
    if let Modal::Staged { selected } = &mut state.modal {
        *selected = (*selected).min(state.staged.len().saturating_sub(1));
    }
    refresh_preview(state);
}

/// Dry-run results of one change arrived.
pub fn on_checked(state: &mut AppState, id: u64, checks: Vec<Check>) {
    if let Some(s) = state.staged.get_mut(id) {
        s.checks = checks;
    }
    refresh_preview(state);
}

fn results_push(state: &mut AppState, lines: impl IntoIterator<Item = Styled>) {
    if let Modal::Text {
        kind: TextKind::Results,
        lines: out,
        ..
    } = &mut state.modal
    {
        out.extend(lines);
    }
}

/// One change was applied, failed, conflicted or was skipped.
pub fn on_applied(state: &mut AppState, id: u64, outcome: Outcome) -> Vec<Effect> {
    let Some(summary) = state.staged.get_mut(id).map(|s| s.intent.summary()) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    let lines: Vec<Styled> = match outcome {
        Outcome::Done(done) => {
            state.staged.remove(id);
            let mut l = vec![line(Tone::Ok, format!("✓ {summary}"))];
            l.extend(
                done.into_iter()
                    .map(|d| line(Tone::Plain, format!("    {d}"))),
            );
            l
        }
        Outcome::Conflict { failure, replanned } => {
            let first = line(
                Tone::Warning,
                format!("⚠ {summary}: conflict, nothing of it was written"),
            );
            let why = line(
                Tone::Plain,
                format!("    {}", failure.message.lines().next().unwrap_or("")),
            );
            match replanned {
                Ok(plan) => {
                    if let Some(s) = state.staged.get_mut(id) {
                        s.stage = Stage::Ready(plan);
                        s.checks.clear();
                        s.note = Some(
                            "conflict: someone changed this object after it was staged; it was re-planned against the live object. Review the new diff (p) and apply again".into(),
                        );
                    }
                    vec![
                        first,
                        why,
                        line(
                            Tone::Plain,
                            "    re-staged with a fresh diff against the live object: review it (p) and apply again",
                        ),
                    ]
                }
                Err(f) => {
                    state.staged.remove(id);
                    vec![
                        first,
                        why,
                        line(
                            Tone::Error,
                            format!("    re-planning failed, so it was unstaged: {}", f.message),
                        ),
                    ]
                }
            }
        }
        Outcome::Failed { done, failure } => {
            let mut l = vec![line(
                Tone::Error,
                format!("✗ {summary}: {}", failure.message),
            )];
            l.extend(
                done.iter()
                    .map(|d| line(Tone::Plain, format!("    {d} (applied before the failure)"))),
            );
            l.push(line(
                Tone::Plain,
                "    kept staged and re-planned against the live objects (what was applied is no longer in it)",
            ));
            if let Some(s) = state.staged.get_mut(id) {
                s.stage = Stage::Planning;
                s.checks.clear();
                s.note = Some(format!("apply failed: {}", failure.message));
                effects.push(Effect::Plan {
                    id,
                    intent: s.intent.clone(),
                });
            }
            l
        }
        Outcome::Skipped => vec![line(
            Tone::Dim,
            format!("- {summary}: not attempted (an earlier change failed); still staged"),
        )],
    };
    results_push(state, lines);
    effects
}

/// Applying finished.
pub fn on_apply_done(state: &mut AppState) {
    state.applying = false;
    let left = state.staged.len();
    let tail = if left == 0 {
        line(
            Tone::Ok,
            "Done. The views show the new state as the watch brings it in.",
        )
    } else {
        line(
            Tone::Warning,
            format!("{left} change(s) still staged: C lists them, p previews, a applies again."),
        )
    };
    results_push(state, [line(Tone::Plain, ""), tail]);
    if let Modal::Text {
        kind: TextKind::Results,
        title,
        ..
    } = &mut state.modal
    {
        *title = "Apply results · Esc closes".into();
    }
}

/// Re-renders the preview when it is open.
pub fn refresh_preview(state: &mut AppState) {
    if let Modal::Text {
        kind: TextKind::Preview,
        lines,
        ..
    } = &mut state.modal
    {
        *lines = preview(&state.staged);
    }
}

/// Opens the preview and starts a server dry run of every planned change.
pub fn open_preview(state: &mut AppState) -> Vec<Effect> {
    state.modal = Modal::Text {
        kind: TextKind::Preview,
        title: format!(
            "Preview · {} staged · a applies · Esc back",
            state.staged.len()
        ),
        lines: preview(&state.staged),
        scroll: 0,
    };
    let items: Vec<_> = state
        .staged
        .items
        .iter()
        .filter(|s| s.checks.is_empty())
        .filter_map(|s| Some((s.id, s.plan()?.clone())))
        .collect();
    if items.is_empty() {
        Vec::new()
    } else {
        vec![Effect::DryRun { items }]
    }
}

/// Asks before applying (nothing to apply, still planning or read-only: says why not).
pub fn ask_apply(state: &mut AppState) {
    let refusal = if let Some(r) = read_only_reason(state) {
        Some(format!("{r}; nothing was applied"))
    } else if state.staged.is_empty() {
        Some("nothing staged to apply".into())
    } else if state.staged.planning() {
        Some("a change is still being planned; apply again in a moment".into())
    } else if state.applying {
        Some("an apply is already running".into())
    } else {
        None
    };
    if let Some(r) = refusal {
        state.status = Some(r);
        return;
    }
    state.modal = Modal::Confirm {
        prompt: format!(
            "Apply {} change(s) ({} object writes) to context {}? y applies, any other key cancels",
            state.staged.len(),
            state.staged.writes(),
            state.header.context
        ),
        action: ConfirmAction::Apply,
    };
}

fn accept(state: &mut AppState, action: ConfirmAction) -> Vec<Effect> {
    match action {
        ConfirmAction::Apply => {
            state.applying = true;
            state.modal = Modal::Text {
                kind: TextKind::Results,
                title: "Applying…".into(),
                lines: Vec::new(),
                scroll: 0,
            };
            vec![Effect::Apply {
                items: state.staged.ready(),
            }]
        }
        ConfirmAction::Discard => {
            let n = state.staged.len();
            state.staged = Default::default();
            state.modal = Modal::None;
            state.status = Some(format!("discarded {n} staged change(s); nothing was sent"));
            Vec::new()
        }
        ConfirmAction::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

/// Asks before dropping every staged change.
pub fn ask_discard(state: &mut AppState) {
    if state.staged.is_empty() {
        state.status = Some("nothing staged".into());
        return;
    }
    state.modal = Modal::Confirm {
        prompt: format!(
            "Discard {} staged change(s)? y discards, any other key keeps them",
            state.staged.len()
        ),
        action: ConfirmAction::Discard,
    };
}

/// `e` on a profile: opens its quota editor.
pub fn open_quota_editor(state: &mut AppState) {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return;
    }
    let Some(id) = state.table().selected_row().map(|r| r.id.clone()) else {
        return;
    };
    let editor = state
        .tenancy()
        .and_then(|t| t.profile(&id))
        .and_then(QuotaEditor::open);
    match editor {
        Some(e) => state.modal = Modal::Quota(Box::new(e)),
        None => {
            state.status = Some(format!(
                "profile {id:?} cannot be edited (not a valid profile name)"
            ))
        }
    }
}

fn subject_of(state: &AppState, identity: &str) -> Result<Subject, String> {
    let kind = state
        .tenancy()
        .and_then(|t| t.user(identity))
        .map_or(SubjectKind::User, |u| u.kind);
    match kind {
        SubjectKind::User => Email::parse(identity)
            .map(Subject::User)
            .map_err(|e| format!("{identity:?} is not an email a contributor can have: {e}")),
        SubjectKind::Group => GroupName::parse(identity)
            .map(Subject::Group)
            .map_err(|e| e.to_string()),
    }
}

/// The (identity, profile) pairs `t` acts on in this view: the selected row, or every
/// marked row.
fn role_targets(state: &AppState) -> Result<Vec<(String, String)>, String> {
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

fn target(state: &AppState, user: &str, p: &str) -> Result<Target, String> {
    let profile = ProfileName::parse(p).map_err(|e| e.to_string())?;
    let subject = subject_of(state, user)?;
    let level = state.tenancy().and_then(|t| {
        t.user(user)?
            .access
            .iter()
            .filter(|a| a.profile == p)
            .map(|a| a.level)
            .min()
    });
    let current = match level {
        Some(AccessLevel::Owner) => {
            return Err(format!(
                "{user} owns profile {p}: the owner's admin access comes from spec.owner (the namespaceAdmin RoleBinding the profile controller manages), so it cannot be toggled. Change the Profile's owner instead, or offboard the user"
            ));
        }
        Some(AccessLevel::Admin) => Some(Role::Admin),
        Some(AccessLevel::Edit) => Some(Role::Edit),
        Some(AccessLevel::View) => Some(Role::View),
        None => None,
    };
    Ok(Target {
        profile,
        subject,
        current,
    })
}

/// `t`: opens the role picker for the pairs this view selects (owners are left out, and
/// refused when they are all there is).
pub fn open_role_picker(state: &mut AppState) {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return;
    }
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

fn pick(state: &mut AppState, p: RolePicker, role: Option<Role>) -> Vec<Effect> {
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

/// What a key did to a quota editor.
enum Step {
    /// Keep editing.
    Stay,
    /// `s`: stage (or take) the edit.
    Stage,
    /// Esc: close it.
    Close,
}

/// Keys of a quota editor (the profile's, or the onboarding form's custom quota).
fn editor_key(editor: &mut QuotaEditor, action: Option<Action>, key: KeyEvent) -> Step {
    if editor.editing != Editing::None {
        match action {
            Some(Action::Commit) => editor.commit(),
            Some(Action::Cancel) => editor.cancel(),
            Some(Action::Complete) => editor.complete(),
            _ => {
                if let Editing::Value(f) | Editing::Key(f) = &mut editor.editing {
                    f.input(key);
                }
                editor.error = None;
            }
        }
        return Step::Stay;
    }
    match action {
        Some(Action::Up) => editor.move_by(-1),
        Some(Action::Down) => editor.move_by(1),
        Some(Action::EditValue) => editor.edit_value(),
        Some(Action::AddKey) => editor.add_key(),
        Some(Action::RemoveKey) => editor.toggle_remove(),
        Some(Action::ToggleLimitRange) => {
            if let Err(e) = editor.toggle_limit_range() {
                editor.error = Some(e);
            }
        }
        Some(Action::StageEdit) => return Step::Stage,
        Some(Action::Close) => return Step::Close,
        _ => {}
    }
    Step::Stay
}

fn on_editor(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Modal::Quota(editor) = &mut state.modal else {
        return Vec::new();
    };
    match editor_key(editor, action, key) {
        Step::Stay => {}
        Step::Stage => match editor.intent() {
            Ok(Some(intent)) => {
                state.modal = Modal::None;
                return stage(state, intent);
            }
            Ok(None) => {
                state.modal = Modal::None;
                state.status = Some("no change to stage".into());
            }
            Err(e) => editor.error = Some(e),
        },
        Step::Close => {
            state.modal = Modal::None;
            state.status = Some("quota edit closed; nothing was staged".into());
        }
    }
    Vec::new()
}

/// Why `name` cannot be a new profile, from the live data (a profile or namespace of that
/// name; a namespace whose owner annotation is `email` is adopted, as the controller does).
pub fn name_taken(state: &AppState, email: &str, name: &str) -> Option<String> {
    let Data::Ready { tenancy, snapshot } = &state.data else {
        return None;
    };
    if let Some(p) = tenancy.profile(name) {
        return Some(format!(
            "profile {name} already exists (owner {}); pick another name, or grant access to it with t",
            p.owner.as_deref().unwrap_or("none")
        ));
    }
    let ns = snapshot
        .namespaces
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some(name))?;
    let owner = ns
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("owner"))
        .map(String::as_str);
    (owner != Some(email)).then(|| {
        format!(
            "namespace {name} already exists (owner annotation: {}); the profile controller would refuse to adopt it, pick another name",
            owner.unwrap_or("none")
        )
    })
}

/// `n`: opens the onboarding form.
pub fn open_onboard(state: &mut AppState) {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return;
    }
    state.modal = Modal::Onboard(Box::new(OnboardForm::new(state.presets.clone())));
}

fn on_form(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let effects = form_key(state, action, key);
    if let Modal::Onboard(form) = &state.modal {
        let email = form.email.text().trim().to_string();
        let issues = form.problems(&|n| name_taken(state, &email, n));
        if let Modal::Onboard(form) = &mut state.modal {
            form.issues = issues;
        }
    }
    effects
}

fn form_key(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Modal::Onboard(form) = &mut state.modal else {
        return Vec::new();
    };
    if let Some(editor) = &mut form.editor {
        match editor_key(editor, action, key) {
            Step::Stay => {}
            Step::Stage => match editor.values() {
                Ok(q) => {
                    form.custom = q;
                    form.editor = None;
                }
                Err(e) => editor.error = Some(e),
            },
            Step::Close => form.editor = None,
        }
        return Vec::new();
    }
    match action {
        Some(Action::NextField) => form.move_focus(true),
        Some(Action::PrevField) => form.move_focus(false),
        Some(Action::ChooseNext) => form.choose(true),
        Some(Action::ChoosePrev) => form.choose(false),
        Some(Action::EditCustom) if form.is_custom() => form.open_editor(),
        Some(Action::EditCustom) => {
            form.error =
                Some("e edits the quota of the custom preset: choose custom with ←/→ first".into())
        }
        Some(Action::Close) => {
            state.modal = Modal::None;
            state.status = Some("onboarding closed; nothing was staged".into());
        }
        Some(Action::Submit) => {
            let form = form.clone();
            let email = form.email.text().trim().to_string();
            let result = form.submit(&|n| name_taken(state, &email, n));
            match result {
                Ok(intent) => {
                    state.modal = Modal::None;
                    return stage(state, intent);
                }
                Err(e) => {
                    if let Modal::Onboard(f) = &mut state.modal {
                        f.error = Some(e);
                    }
                }
            }
        }
        _ => {
            if let Some(f) = form.text_field()
                && f.input(key)
            {
                form.typed();
            }
        }
    }
    Vec::new()
}

/// A key while an editing modal is open; `None` when the modal is not one of them.
pub fn on_key(state: &mut AppState, key: KeyEvent) -> Option<Vec<Effect>> {
    let contexts = contexts(&state.modal)?;
    let action = lookup(&contexts, &key);
    Some(match &state.modal {
        Modal::Quota(_) => on_editor(state, action, key),
        Modal::Onboard(_) => on_form(state, action, key),
        Modal::Danger(_) => on_danger(state, action, key),
        Modal::Contributor(_) => on_contributor(state, action, key),
        Modal::RolePicker(p) => {
            let p = p.clone();
            match action {
                Some(Action::PickRole(role)) => return Some(pick(state, p, role)),
                Some(Action::Close) => state.modal = Modal::None,
                _ => {}
            }
            Vec::new()
        }
        Modal::Staged { selected } => {
            let selected = *selected;
            let last = state.staged.len().saturating_sub(1);
            match action {
                Some(Action::Up) => {
                    state.modal = Modal::Staged {
                        selected: selected.saturating_sub(1),
                    }
                }
                Some(Action::Down) => {
                    state.modal = Modal::Staged {
                        selected: (selected + 1).min(last),
                    }
                }
                Some(Action::Unstage) => unstage(state, selected + 1),
                Some(Action::Discard) => ask_discard(state),
                Some(Action::Preview) => return Some(open_preview(state)),
                Some(Action::Close) => state.modal = Modal::None,
                _ => {}
            }
            Vec::new()
        }
        Modal::Text { .. } => match action {
            Some(Action::Apply) => {
                ask_apply(state);
                Vec::new()
            }
            // Scrolling and closing are the overlay's.
            _ => return None,
        },
        Modal::Confirm { action: what, .. } => {
            let what = *what;
            state.modal = Modal::None;
            if action == Some(Action::Accept) {
                accept(state, what)
            } else {
                state.status = Some("cancelled; nothing changed".into());
                Vec::new()
            }
        }
        _ => return None,
    })
}

/// Unstages the n-th change (1-based).
pub fn unstage(state: &mut AppState, n: usize) {
    let id = state.staged.items.get(n.wrapping_sub(1)).map(|s| s.id);
    match id.and_then(|id| state.staged.remove(id)) {
        Some(s) => state.status = Some(format!("unstaged: {}", s.intent.summary())),
        None => {
            state.status = Some(format!(
                "there is no staged change {n} ({} staged)",
                state.staged.len()
            ))
        }
    }
    if let Modal::Staged { selected } = &mut state.modal {
        *selected = (*selected).min(state.staged.len().saturating_sub(1));
    }
    refresh_preview(state);
}

/// Runs an editing command of the `:` line.
pub fn command(state: &mut AppState, cmd: EditCommand) -> Vec<Effect> {
    match cmd {
        EditCommand::Stage(intent) => return stage(state, intent),
        EditCommand::Preview => return open_preview(state),
        EditCommand::Apply => ask_apply(state),
        EditCommand::Staged => state.modal = Modal::Staged { selected: 0 },
        EditCommand::Unstage(n) => unstage(state, n),
        EditCommand::Discard => ask_discard(state),
        EditCommand::FixAll => return stage_fixes(state, true),
    }
    Vec::new()
}

/// `D`: offboard the selected user (Users) or delete the selected profile (Profiles); opens
/// the typed confirmation and counts what would be lost.
pub fn open_danger(state: &mut AppState) -> Vec<Effect> {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return Vec::new();
    }
    let Some(id) = state.table().selected_row().map(|r| r.id.clone()) else {
        state.status = Some("no row selected".into());
        return Vec::new();
    };
    let intent = match state.view {
        ViewKind::Users => match subject_of(state, &id) {
            Ok(subject) => Intent::Offboard { subject },
            Err(e) => {
                state.status = Some(e);
                return Vec::new();
            }
        },
        ViewKind::Profiles => match ProfileName::parse(&id) {
            Ok(profile) => Intent::DeleteProfile { profile },
            Err(e) => {
                state.status = Some(e.to_string());
                return Vec::new();
            }
        },
        _ => {
            state.status =
                Some("D offboards a user (Users view) or deletes a profile (Profiles view)".into());
            return Vec::new();
        }
    };
    state.modal = Modal::Danger(Box::new(Danger {
        intent: intent.clone(),
        expected: id,
        field: Field::default(),
        inspected: None,
        error: None,
    }));
    vec![Effect::Inspect { intent }]
}

/// The plan and counts for the confirmation arrived.
pub fn on_inspected(
    state: &mut AppState,
    intent: Intent,
    result: Result<(crate::plan::Plan, Vec<NamespaceContents>), Failure>,
) {
    if let Modal::Danger(d) = &mut state.modal
        && d.intent == intent
    {
        d.inspected = Some(result);
    }
}

fn on_danger(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Modal::Danger(d) = &mut state.modal else {
        return Vec::new();
    };
    match action {
        Some(Action::Close) => {
            state.modal = Modal::None;
            state.status = Some("cancelled; nothing was staged".into());
        }
        Some(Action::Submit) => {
            let plan = match &d.inspected {
                None => {
                    d.error = Some("still counting what would be lost; a moment".into());
                    return Vec::new();
                }
                Some(Err(f)) => {
                    d.error = Some(f.message.clone());
                    return Vec::new();
                }
                Some(Ok((plan, _))) => plan.clone(),
            };
            if d.field.text() != d.expected {
                d.error = Some(format!(
                    "type {} exactly to confirm (Esc keeps everything)",
                    d.expected
                ));
                return Vec::new();
            }
            if plan.is_noop() {
                let summary = d.intent.summary();
                state.modal = Modal::None;
                state.status = Some(format!("{summary}: nothing to change"));
                return Vec::new();
            }
            let intent = d.intent.clone();
            state.modal = Modal::None;
            let summary = intent.summary();
            state.staged.stage_planned(intent, plan);
            state.status = Some(format!("staged: {summary} (p previews, a applies)"));
        }
        _ => {
            d.field.input(key);
            d.error = None;
        }
    }
    Vec::new()
}

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
            .map(finding_id)
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

/// `+`: the add-contributor form for the selected profile (or the profile drilled into).
pub fn open_contributor(state: &mut AppState) {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return;
    }
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

fn contributor_problem(state: &AppState, form: &ContributorForm) -> Result<Subject, String> {
    let text = form.field.text().trim();
    let subject = super::command::subject(text)?;
    let level = state.tenancy().and_then(|t| {
        t.user(subject.name())?
            .access
            .iter()
            .filter(|a| a.profile == form.profile.as_str())
            .map(|a| a.level)
            .min()
    });
    match level {
        Some(AccessLevel::Owner) => Err(format!(
            "{} owns {}: owners have admin through the profile",
            subject.name(),
            form.profile
        )),
        Some(l) => Err(format!(
            "{} already has {} on {}; t on their row changes it",
            subject.name(),
            match l {
                AccessLevel::Admin => "admin",
                AccessLevel::Edit => "edit",
                _ => "view",
            },
            form.profile
        )),
        None => Ok(subject),
    }
}

fn on_contributor(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
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

/// `apiVersion` of the kinds `E` edits.
fn api_version_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Profile" => "kubeflow.org/v1",
        "RoleBinding" | "ClusterRoleBinding" => "rbac.authorization.k8s.io/v1",
        "AuthorizationPolicy" => "security.istio.io/v1beta1",
        "LimitRange" | "Namespace" => "v1",
        _ => return None,
    })
}

fn stub(kind: &str, namespace: Option<&str>, name: &str) -> Option<serde_json::Value> {
    let mut meta = serde_json::json!({ "name": name });
    if let Some(ns) = namespace {
        meta["namespace"] = ns.into();
    }
    Some(serde_json::json!({"apiVersion": api_version_of(kind)?, "kind": kind, "metadata": meta}))
}

/// `E`: which object this row is, read raw before the editor opens.
pub fn open_yaml_edit(state: &mut AppState) -> Vec<Effect> {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(reason);
        return Vec::new();
    }
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
    match super::yaml::validate(&before, &text) {
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
