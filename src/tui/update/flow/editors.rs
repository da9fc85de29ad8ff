//! The quota editor and the onboarding form (with its nested custom-quota editor).

#[allow(clippy::wildcard_imports)]
use super::*;

/// `e` on a profile: opens its quota editor.
pub fn open_quota_editor(state: &mut AppState) {
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

/// What a key did to a quota editor.
pub(super) enum Step {
    /// Keep editing.
    Stay,
    /// `s`: stage (or take) the edit.
    Stage,
    /// Esc: close it.
    Close,
}

/// Keys of a quota editor (the profile's, or the onboarding form's custom quota).
pub(super) fn editor_key(editor: &mut QuotaEditor, action: Option<Action>, key: KeyEvent) -> Step {
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

pub(super) fn on_editor(
    state: &mut AppState,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
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
    let ns = snapshot.namespace(name)?;
    let owner = ns.owner.as_deref();
    (owner != Some(email)).then(|| {
        format!(
            "namespace {name} already exists (owner annotation: {}); the profile controller would refuse to adopt it, pick another name",
            owner.unwrap_or("none")
        )
    })
}

/// `n`: opens the onboarding form.
pub fn open_onboard(state: &mut AppState) {
    let form = OnboardForm::new(state.presets.clone(), state.user_ids);
    state.modal = Modal::Onboard(Box::new(form));
}

pub(super) fn on_form(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
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

pub(super) fn form_key(state: &mut AppState, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
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
