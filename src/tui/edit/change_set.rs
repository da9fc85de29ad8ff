//! The staged change set: one [`Staged`] change per set of objects (a later edit of the same
//! objects merges into it), each with its plan once the runner made it, the dry-run checks,
//! and a note when the objects moved under it.

use std::collections::BTreeMap;

use super::{Failure, Intent};
use crate::plan::{Action, Plan};

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
                // A new plan: the dry run of the old one says nothing about it.
                s.checks.clear();
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
