//! The inverse of a journal entry, as a [`Plan`] (pure: the caller reads the live objects).
//!
//! Each recorded change is reversed against the object as it is now, newest first:
//! - a create becomes a delete of the object, when it is still the one created (same uid)
//!   and nobody changed it since (status, finalizers and owner references aside);
//! - an update becomes the recorded edit run backwards on the live object, guarded like any
//!   update ([`crate::plan::patch::rebase`]): it applies when the fields the update changed
//!   still hold what it wrote, whatever else changed meanwhile (a controller's status);
//! - a delete becomes a create of the object as it was, without what the server owns, when
//!   nothing of that name exists now.
//!
//! Anything else is refused with the reason and a diff between what the entry left and what
//! is live, and nothing of the entry is undone.

use serde_json::Value;

use super::{Did, Entry, Recorded};
use crate::plan::{Change, Plan, diff_objects, patch::rebase};

/// Why one object of an entry cannot be put back.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `kind.group/name -n namespace`.
    pub label: String,
    /// What happened to it since.
    pub reason: String,
    /// What the entry left against what is live (may be empty).
    pub diff: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label, self.reason)?;
        if !self.diff.is_empty() {
            write!(f, "\n{}", self.diff.trim_end())?;
        }
        Ok(())
    }
}

fn uid(v: &Value) -> Option<&str> {
    v.pointer("/metadata/uid").and_then(Value::as_str)
}

/// What a create's undo compares: the object without what servers and controllers add to
/// an object they did not author (status, finalizers, owner references, bookkeeping).
fn authored(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "finalizers",
            "ownerReferences",
            "resourceVersion",
            "managedFields",
            "generation",
            "creationTimestamp",
            "selfLink",
        ] {
            meta.remove(k);
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

/// A deleted object as it can be created again: no server-owned metadata, no status, and no
/// owner references to objects the same entry deleted (the garbage collector would delete
/// the new object at once).
fn fresh(v: &Value, deleted_uids: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "managedFields",
            "generation",
            "creationTimestamp",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(k);
        }
        if let Some(Value::Array(refs)) = meta.get_mut("ownerReferences") {
            refs.retain(|r| !r["uid"].as_str().is_some_and(|u| deleted_uids.contains(&u)));
            if refs.is_empty() {
                meta.remove("ownerReferences");
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

fn refusal(
    rec: &Recorded,
    id: u64,
    reason: &str,
    left: Option<&Value>,
    live: Option<&Value>,
) -> Refusal {
    Refusal {
        label: rec.label(),
        reason: reason.to_string(),
        diff: diff_objects(left, live, &format!("as change {id} left it"), "live now"),
    }
}

/// The change putting back one recorded change, `Ok(None)` when there is nothing to do.
fn reverse(
    rec: &Recorded,
    live: Option<&Value>,
    id: u64,
    deleted_uids: &[&str],
) -> Result<Option<Change>, Refusal> {
    let left = rec.after.as_ref();
    let refuse = |reason: &str, recorded: Option<&Value>| refusal(rec, id, reason, recorded, live);
    match (rec.did, live) {
        (Did::Created, None) => Ok(None),
        (Did::Created, Some(l)) if left.and_then(uid) != uid(l) => Err(refuse(
            "was deleted and created again since; the object now there is not the one this change made",
            left,
        )),
        (Did::Created, Some(l)) => match left {
            Some(a) if authored(a) == authored(l) => Change::delete(l)
                .map(Some)
                .map_err(|e| refuse(&e.to_string(), left)),
            _ => Err(refuse("was changed since it was created", left)),
        },
        (Did::Updated, None) => Err(refuse("was deleted since", left)),
        (Did::Updated, Some(l)) if left.and_then(uid) != uid(l) => {
            Err(refuse("was deleted and created again since", left))
        }
        (Did::Updated, Some(l)) => {
            let (Some(after), Some(before)) = (left, rec.before.as_ref()) else {
                return Err(refuse("the journal lacks its before or after", left));
            };
            match rebase(after, before, l) {
                Some(restored) => Ok(Some(Change::update(l.clone(), restored))),
                None => Err(refuse(
                    "the fields this change wrote were changed again since",
                    left,
                )),
            }
        }
        (Did::Deleted, Some(l)) => {
            let reason = if l.pointer("/metadata/deletionTimestamp").is_some() {
                "is still being deleted (finalizers pending); try again when it is gone"
            } else {
                "exists again (created since it was deleted)"
            };
            Err(refuse(reason, rec.before.as_ref()))
        }
        (Did::Deleted, None) => match &rec.before {
            Some(b) => Change::create(&fresh(b, deleted_uids))
                .map(Some)
                .map_err(|e| refuse(&e.to_string(), None)),
            None => Err(refuse("the journal lacks the deleted object", None)),
        },
    }
}

/// What to say when change set `id` cannot be undone: one line, then each refusal with its
/// diff.
pub fn refused(id: u64, refusals: &[Refusal]) -> String {
    let text: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    format!(
        "cannot undo change set {id}: what it changed was changed again since, so nothing was changed\n{}",
        text.join("\n")
    )
}

/// The plan undoing `entry`, given each recorded object as it is now (`live[i]` for
/// `entry.changes[i]`, `None` when it does not exist); every refusal when any object
/// cannot be put back.
pub fn inverse(entry: &Entry, live: &[Option<Value>]) -> Result<Plan, Vec<Refusal>> {
    let deleted_uids: Vec<&str> = entry
        .changes
        .iter()
        .filter(|c| c.did == Did::Deleted)
        .filter_map(|c| c.before.as_ref().and_then(uid))
        .collect();
    let mut plan = Plan::new();
    let mut refusals = Vec::new();
    for (i, rec) in entry.changes.iter().enumerate().rev() {
        let now = live.get(i).and_then(Option::as_ref);
        match reverse(rec, now, entry.id, &deleted_uids) {
            Ok(Some(change)) => plan.push(change),
            Ok(None) => plan.warn(format!(
                "{} is already gone; nothing to delete",
                rec.label()
            )),
            Err(r) => refusals.push(r),
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    plan.undoes = Some(entry.id);
    plan.title = Some(format!("undo {}: {}", entry.id, entry.command));
    Ok(plan)
}

#[cfg(test)]
#[path = "undo_tests.rs"]
mod tests;
