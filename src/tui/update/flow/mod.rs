//! `update` for the editing layer (the editors themselves are `tui::edit`): opening the editors and the role picker, staging
//! intents (refused when read-only), the staged panel, the preview with its server dry run,
//! the confirmation, and the answers of the runner (plans, checks, apply outcomes, conflicts
//! re-staged with a fresh plan).

mod access;
mod danger;
mod editors;
mod objects;
mod stage;

pub use access::*;
pub use danger::*;
pub use editors::*;
pub use objects::*;
pub use stage::*;

use crossterm::event::KeyEvent;

use crate::cluster::offboard::NamespaceContents;
use crate::model::{GroupName, ProfileName, Role, Subject};
use crate::tenancy::doctor::FIXABLE;
use crate::tenancy::{AccessLevel, SubjectKind};
use crate::tui::edit::command::EditCommand;
use crate::tui::edit::onboard::{Focus, OnboardForm};
use crate::tui::edit::preview::{Styled, Tone, line, preview};
use crate::tui::edit::quota::{Editing, QuotaEditor};
use crate::tui::edit::{Check, Failure, Intent, Stage};
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
