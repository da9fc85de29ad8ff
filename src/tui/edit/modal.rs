//! The state of the editing modals that are not editors of their own: the role picker, the
//! add-contributor form, the typed confirmation, questions and the preview/results text.

use super::{Failure, Intent};
use crate::cluster::offboard::NamespaceContents;
use crate::model::{ProfileName, Role, Subject};
use crate::plan::Plan;
use crate::tui::field::Field;

/// Offboarding or deleting a profile: what will be lost, and the name to type.
#[derive(Clone, Debug, PartialEq)]
pub struct Danger {
    /// What will be staged.
    pub intent: Intent,
    /// What must be typed (the user's email, the profile name).
    pub expected: String,
    /// What was typed.
    pub field: Field,
    /// The plan and the namespaces' contents (`None`: still counting).
    pub inspected: Option<Result<(Plan, Vec<NamespaceContents>), Failure>>,
    /// Why Enter was refused.
    pub error: Option<String>,
}

/// The small form that adds a contributor to a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContributorForm {
    /// The profile.
    pub profile: ProfileName,
    /// Email or `group:NAME`.
    pub field: Field,
    /// The role (Tab cycles).
    pub role: Role,
    /// The live problem of what is typed.
    pub error: Option<String>,
}

/// What a [`Modal::Text`](crate::tui::state::Modal::Text) shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// The preview of the staged changes (diff, YAML, server dry run).
    Preview,
    /// What an apply did.
    Results,
}

/// What a confirmation does when accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Apply the staged changes.
    Apply,
    /// Drop every staged change.
    Discard,
    /// Leave although changes are staged.
    Quit,
}

/// One (subject, profile) pair of the role picker, and what it has now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The profile.
    pub profile: ProfileName,
    /// The user or group.
    pub subject: Subject,
    /// Its contributor role there now (`None`: no access).
    pub current: Option<Role>,
}

/// The role picker: the pairs it sets (several when rows are marked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolePicker {
    /// The pairs.
    pub targets: Vec<Target>,
    /// Pairs left out, and why (owners).
    pub skipped: Vec<String>,
}
