//! The editing layer of the TUI: what the admin asked for ([`Intent`]), the staged change
//! set it becomes once planned ([`ChangeSet`]), and the editors and forms that produce
//! intents. Pure: planning, dry runs and applying are effects the runner performs with the
//! same planners and the same write path (`cluster::apply`) as the CLI.

mod change_set;
pub mod command;
pub mod modal;
pub mod onboard;
pub mod preview;
pub mod quota;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::ClusterError;
use crate::model::{Email, ProfileName, Quantity, ResourceName, Role, Subject};
pub use change_set::{ChangeSet, Check, Stage, Staged, base_versions};

/// One thing the admin asked for, before it is planned against the live objects.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// Change `spec.resourceQuotaSpec.hard` of a Profile (never the ResourceQuota).
    Quota {
        /// The profile.
        profile: ProfileName,
        /// Limits added or replaced.
        set: BTreeMap<ResourceName, Quantity>,
        /// Limits removed.
        unset: BTreeSet<ResourceName>,
        /// Also create the seed's `cpu-mem-limit-range` (the namespace has none).
        limit_range: bool,
    },
    /// Give `subject` a contributor role on `profile` (`None`: remove its access there).
    Access {
        /// The profile.
        profile: ProfileName,
        /// User or group.
        subject: Subject,
        /// The role, or none.
        role: Option<Role>,
    },
    /// A cluster-wide role (ClusterRoleBinding, the Kaptain convention): every namespace.
    /// Only ever staged on purpose (`:grant USER ROLE --cluster-wide`), never by a toggle.
    ClusterWide {
        /// User or group.
        subject: Subject,
        /// The role, or none (remove the subject's cluster-wide bindings).
        role: Option<Role>,
    },
    /// A new user: Profile, LimitRange and initial contributor pairs (create only).
    Onboard {
        /// The owner.
        email: Email,
        /// The new profile.
        profile: ProfileName,
        /// Its quota (empty: none).
        quota: BTreeMap<ResourceName, Quantity>,
        /// Create the seed's LimitRange too.
        limit_range: bool,
        /// Contributors with their role.
        contributors: Vec<(Subject, Role)>,
    },
    /// Everything a user has revoked (contributor pairs, cluster-wide bindings); the
    /// profiles they own are kept.
    Offboard {
        /// The user or group.
        subject: Subject,
    },
    /// A profile deleted (and with it, by the profile controller, its namespace).
    DeleteProfile {
        /// The profile.
        profile: ProfileName,
    },
    /// The safe fixes `doctor --fix` makes, for these findings (row ids `code|object`).
    Fix {
        /// The findings.
        findings: Vec<String>,
    },
    /// The central dashboard's self-registration switch (`REGISTRATION_FLOW`).
    Registration {
        /// On or off.
        enable: bool,
    },
    /// An object edited as YAML, replacing the one read (guarded by its resourceVersion).
    Replace {
        /// `kind.group/name -n ns`.
        label: String,
        /// The object as read before editing.
        before: serde_json::Value,
        /// The edited object.
        after: serde_json::Value,
    },
    /// The inverse of a change set of the journal (`None`: the newest), planned against the
    /// objects as they are when it is planned.
    Undo {
        /// The change set (`:history` lists them).
        id: Option<u64>,
    },
}

/// What makes two intents about the same objects (they merge into one staged change).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntentKey {
    /// A profile's quota.
    Quota(ProfileName),
    /// A subject's contributor pair in a profile.
    Access(ProfileName, Subject),
    /// A subject's cluster-wide roles.
    ClusterWide(Subject),
    /// A new profile.
    Onboard(ProfileName),
    /// Everything of a subject.
    Offboard(Subject),
    /// A profile's deletion.
    Delete(ProfileName),
    /// Doctor fixes (one staged change for all of them).
    Fix,
    /// The registration switch.
    Registration,
    /// An object edited as YAML.
    Replace(String),
    /// A journal change set's undo.
    Undo(Option<u64>),
}

impl Intent {
    /// The objects it is about.
    pub fn key(&self) -> IntentKey {
        match self {
            Intent::Quota { profile, .. } => IntentKey::Quota(profile.clone()),
            Intent::Access {
                profile, subject, ..
            } => IntentKey::Access(profile.clone(), subject.clone()),
            Intent::Onboard { profile, .. } => IntentKey::Onboard(profile.clone()),
            Intent::ClusterWide { subject, .. } => IntentKey::ClusterWide(subject.clone()),
            Intent::Offboard { subject } => IntentKey::Offboard(subject.clone()),
            Intent::DeleteProfile { profile } => IntentKey::Delete(profile.clone()),
            Intent::Fix { .. } => IntentKey::Fix,
            Intent::Registration { .. } => IntentKey::Registration,
            Intent::Replace { label, .. } => IntentKey::Replace(label.clone()),
            Intent::Undo { id } => IntentKey::Undo(*id),
        }
    }

    /// Folds a later intent about the same objects into this one (the later one wins where
    /// they disagree).
    pub fn merge(&mut self, later: Intent) {
        match (self, later) {
            (
                Intent::Quota {
                    set,
                    unset,
                    limit_range,
                    ..
                },
                Intent::Quota {
                    set: new_set,
                    unset: new_unset,
                    limit_range: new_lr,
                    ..
                },
            ) => {
                for k in new_unset {
                    set.remove(&k);
                    unset.insert(k);
                }
                for (k, v) in new_set {
                    unset.remove(&k);
                    set.insert(k, v);
                }
                *limit_range |= new_lr;
            }
            (Intent::Fix { findings }, Intent::Fix { findings: more }) => {
                for f in more {
                    if !findings.contains(&f) {
                        findings.push(f);
                    }
                }
            }
            (this, later) => *this = later,
        }
    }

    /// One line for the staged panel: `quota team: cpu=8, -pods`.
    pub fn summary(&self) -> String {
        match self {
            Intent::Quota {
                profile,
                set,
                unset,
                limit_range,
            } => {
                let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
                parts.extend(unset.iter().map(|k| format!("-{k}")));
                parts.extend(limit_range.then(|| "+LimitRange".to_string()));
                format!("quota {profile}: {}", parts.join(", "))
            }
            Intent::Access {
                profile,
                subject,
                role: Some(role),
            } => format!(
                "grant {} {} on {profile}",
                role.short_name(),
                subject.name()
            ),
            Intent::Access {
                profile,
                subject,
                role: None,
            } => format!("revoke {} on {profile}", subject.name()),
            Intent::Onboard {
                email,
                profile,
                quota,
                limit_range,
                contributors,
            } => {
                let mut parts = vec![format!("onboard {email} as profile {profile}")];
                if !quota.is_empty() {
                    let q: Vec<String> = quota.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    parts.push(format!("quota {}", q.join(",")));
                }
                parts.extend(limit_range.then(|| "+LimitRange".to_string()));
                if !contributors.is_empty() {
                    parts.push(format!("{} contributor(s)", contributors.len()));
                }
                parts.join(", ")
            }
            Intent::Offboard { subject } => format!("offboard {}", subject.name()),
            Intent::ClusterWide {
                subject,
                role: Some(role),
            } => format!(
                "grant {} {} CLUSTER-WIDE (every namespace)",
                role.short_name(),
                subject.name()
            ),
            Intent::ClusterWide {
                subject,
                role: None,
            } => format!("revoke the cluster-wide roles of {}", subject.name()),
            Intent::DeleteProfile { profile } => {
                format!("delete profile {profile} (and its namespace)")
            }
            Intent::Fix { findings } => {
                format!("doctor: safe fixes for {} finding(s)", findings.len())
            }
            Intent::Registration { enable } => match enable {
                true => "registration enable (users without a profile may create one)".into(),
                false => "registration disable (only admins onboard users)".into(),
            },
            Intent::Replace { label, .. } => format!("edit {label} (as YAML)"),
            Intent::Undo { id: Some(id) } => format!("undo change set {id}"),
            Intent::Undo { id: None } => "undo the newest change set".into(),
        }
    }

    /// Applying order: new profiles first, then quota edits, then access changes.
    fn rank(&self) -> u8 {
        match self {
            Intent::Onboard { .. } => 0,
            Intent::Quota { .. } => 1,
            Intent::Access { .. } => 2,
            Intent::Fix { .. }
            | Intent::Registration { .. }
            | Intent::Replace { .. }
            | Intent::Undo { .. }
            | Intent::ClusterWide { .. } => 2,
            Intent::Offboard { .. } | Intent::DeleteProfile { .. } => 3,
        }
    }
}

/// The kind of a failure, so `update` can branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The input or the object is invalid (ours or the server's validation).
    Invalid,
    /// RBAC (or a SelfSubjectAccessReview before staging) says no.
    Forbidden,
    /// Someone changed what the change is based on.
    Conflict,
    /// The object is gone.
    NotFound,
    /// The session is read-only.
    ReadOnly,
    /// The server cannot be reached.
    Unreachable,
    /// Anything else.
    Other,
}

/// A failed plan, dry run or apply: its kind and the full explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind.
    pub kind: FailureKind,
    /// The message, as the CLI would print it.
    pub message: String,
}

impl Failure {
    /// A failure of `kind`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl From<&ClusterError> for Failure {
    fn from(e: &ClusterError) -> Self {
        let kind = match e {
            ClusterError::Forbidden { .. } => FailureKind::Forbidden,
            ClusterError::Conflict { .. } => FailureKind::Conflict,
            ClusterError::NotFound { .. } => FailureKind::NotFound,
            ClusterError::Invalid { .. } | ClusterError::AlreadyExists { .. } => {
                FailureKind::Invalid
            }
            ClusterError::ReadOnly { .. } => FailureKind::ReadOnly,
            ClusterError::Unreachable { .. } | ClusterError::Certificate { .. } => {
                FailureKind::Unreachable
            }
            _ => FailureKind::Other,
        };
        Failure::new(kind, e.to_string())
    }
}

#[cfg(test)]
mod tests;
