//! The editing layer of the TUI: what the admin asked for ([`Intent`]), the staged change
//! set it becomes once planned ([`ChangeSet`]), and the editors and forms that produce
//! intents. Pure: planning, dry runs and applying are effects the runner performs with the
//! same planners and the same write path (`cluster::apply`) as the CLI.

pub mod command;
pub mod flow;
pub mod onboard;
pub mod preview;
pub mod quota;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::ClusterError;
use crate::model::{Email, ProfileName, Quantity, ResourceName, Role, Subject};
use crate::plan::{Action, Plan};

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
}

/// What makes two intents about the same objects (they merge into one staged change).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntentKey {
    /// A profile's quota.
    Quota(ProfileName),
    /// A subject's contributor pair in a profile.
    Access(ProfileName, Subject),
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
            Intent::Offboard { subject } => IntentKey::Offboard(subject.clone()),
            Intent::DeleteProfile { profile } => IntentKey::Delete(profile.clone()),
            Intent::Fix { .. } => IntentKey::Fix,
            Intent::Registration { .. } => IntentKey::Registration,
            Intent::Replace { label, .. } => IntentKey::Replace(label.clone()),
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
                if *limit_range {
                    parts.push("+LimitRange".into());
                }
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
                let mut s = format!("onboard {email} as profile {profile}");
                if !quota.is_empty() {
                    let q: Vec<String> = quota.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    s.push_str(&format!(", quota {}", q.join(",")));
                }
                if *limit_range {
                    s.push_str(", +LimitRange");
                }
                if !contributors.is_empty() {
                    s.push_str(&format!(", {} contributor(s)", contributors.len()));
                }
                s
            }
            Intent::Offboard { subject } => format!("offboard {}", subject.name()),
            Intent::DeleteProfile { profile } => {
                format!("delete profile {profile} (and its namespace)")
            }
            Intent::Fix { findings } => {
                format!("doctor: safe fixes for {} finding(s)", findings.len())
            }
            Intent::Registration { enable: true } => {
                "registration enable (users without a profile may create one)".into()
            }
            Intent::Registration { enable: false } => {
                "registration disable (only admins onboard users)".into()
            }
            Intent::Replace { label, .. } => format!("edit {label} (as YAML)"),
        }
    }

    /// Applying order: new profiles first, then quota edits, then access changes.
    fn rank(&self) -> u8 {
        match self {
            Intent::Onboard { .. } => 0,
            Intent::Quota { .. } => 1,
            Intent::Access { .. } => 2,
            Intent::Fix { .. } | Intent::Registration { .. } | Intent::Replace { .. } => 2,
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
            ClusterError::Unreachable { .. } => FailureKind::Unreachable,
            _ => FailureKind::Other,
        };
        Failure::new(kind, e.to_string())
    }
}

/// A server dry run of one object of a staged change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `kind.group/name`.
    pub reference: String,
    /// What the server said: accepted (with its word), or why not.
    pub outcome: Result<String, String>,
}

/// Where a staged change is.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// Being planned against the live objects.
    Planning,
    /// Planned: ready to preview and apply.
    Ready(Plan),
}

/// One staged change.
#[derive(Clone, Debug, PartialEq)]
pub struct Staged {
    /// Stable id (effects answer with it).
    pub id: u64,
    /// What was asked for.
    pub intent: Intent,
    /// Its plan, once made.
    pub stage: Stage,
    /// The intent and plan before the latest merge (restored when re-planning it fails).
    pub previous: Option<(Intent, Plan)>,
    /// What the admin should know: a conflict on apply, a drift since staging.
    pub note: Option<String>,
    /// Server dry-run results, one per object (empty until a preview ran one).
    pub checks: Vec<Check>,
}

impl Staged {
    /// The plan, when ready.
    pub fn plan(&self) -> Option<&Plan> {
        match &self.stage {
            Stage::Ready(p) => Some(p),
            Stage::Planning => None,
        }
    }
}

/// `kind.group/name` → resourceVersion of every live object a plan is based on.
pub fn base_versions(plan: &Plan) -> BTreeMap<String, String> {
    plan.changes
        .iter()
        .filter_map(|c| {
            let rv = c.before.as_ref()?.pointer("/metadata/resourceVersion")?;
            Some((c.label(), rv.as_str()?.to_string()))
        })
        .collect()
}

/// The staged changes, in staging order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSet {
    /// The changes.
    pub items: Vec<Staged>,
    next: u64,
}

impl ChangeSet {
    /// How many changes are staged.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing staged.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Stages `intent`, merging it into a staged change about the same objects; returns the
    /// id to plan and the (merged) intent to plan.
    pub fn stage(&mut self, intent: Intent) -> (u64, Intent) {
        let key = intent.key();
        if let Some(s) = self.items.iter_mut().find(|s| s.intent.key() == key) {
            if let Stage::Ready(plan) = &s.stage {
                s.previous = Some((s.intent.clone(), plan.clone()));
            }
            s.intent.merge(intent);
            s.stage = Stage::Planning;
            s.checks.clear();
            return (s.id, s.intent.clone());
        }
        self.next += 1;
        let id = self.next;
        self.items.push(Staged {
            id,
            intent: intent.clone(),
            stage: Stage::Planning,
            previous: None,
            note: None,
            checks: Vec::new(),
        });
        (id, intent)
    }

    /// Stages `intent` with a plan made already (the offboarding confirmation inspected it).
    pub fn stage_planned(&mut self, intent: Intent, plan: Plan) -> u64 {
        let (id, _) = self.stage(intent);
        if let Some(s) = self.get_mut(id) {
            s.previous = None;
            s.stage = Stage::Ready(plan);
        }
        id
    }

    /// The change with `id`.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Staged> {
        self.items.iter_mut().find(|s| s.id == id)
    }

    /// Takes the change with `id` out of the set.
    pub fn remove(&mut self, id: u64) -> Option<Staged> {
        let i = self.items.iter().position(|s| s.id == id)?;
        Some(self.items.remove(i))
    }

    /// A plan arrived. `Err` with a previous version restores it (and says so); `Err` on a new
    /// change removes it. Returns the message to show, if any. A plan that does nothing
    /// (the cluster already has it) unstages the change.
    pub fn planned(&mut self, id: u64, result: Result<Plan, Failure>) -> Option<String> {
        let s = self.get_mut(id)?;
        let summary = s.intent.summary();
        match result {
            Ok(plan) if plan.is_noop() => {
                self.remove(id);
                Some(format!(
                    "{summary}: nothing to change, the cluster already has it"
                ))
            }
            Ok(plan) => {
                let drift = s.previous.take().and_then(|(_, old)| {
                    let (old, new) = (base_versions(&old), base_versions(&plan));
                    let moved: Vec<&String> = old
                        .iter()
                        .filter(|(r, v)| new.get(*r).is_some_and(|n| n != *v))
                        .map(|(r, _)| r)
                        .collect();
                    (!moved.is_empty()).then(|| {
                        format!(
                            "{} changed on the server since it was first staged; the diff is against the object as it is now",
                            moved.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    })
                });
                if drift.is_some() {
                    s.note = drift;
                }
                s.stage = Stage::Ready(plan);
                None
            }
            Err(f) => match s.previous.take() {
                Some((intent, plan)) => {
                    s.intent = intent;
                    s.stage = Stage::Ready(plan);
                    Some(format!(
                        "{}; the staged change was kept as it was",
                        f.message
                    ))
                }
                None => {
                    self.remove(id);
                    Some(f.message)
                }
            },
        }
    }

    /// The ready changes in applying order (quota before access; staging order otherwise).
    pub fn ready(&self) -> Vec<(u64, Intent, Plan)> {
        let mut out: Vec<(u64, Intent, Plan)> = self
            .items
            .iter()
            .filter_map(|s| Some((s.id, s.intent.clone(), s.plan()?.clone())))
            .collect();
        out.sort_by_key(|(_, i, _)| i.rank());
        out
    }

    /// True while a change is being planned.
    pub fn planning(&self) -> bool {
        self.items.iter().any(|s| s.stage == Stage::Planning)
    }

    /// Objects the set writes, counted (`update`/`create`/`delete` each).
    pub fn writes(&self) -> usize {
        self.items
            .iter()
            .filter_map(Staged::plan)
            .flat_map(|p| &p.changes)
            .filter(|c| c.action != Action::Unchanged)
            .count()
    }
}

#[cfg(test)]
mod tests;
