//! Plans: what a write would do, as data, before anything is sent.
//!
//! Every write of the plugin (CLI and TUI) is built as a [`Plan`]: a list of [`Change`]s, each
//! holding the object as it was read (`before`, with its resourceVersion) and the object to
//! send (`after`). A plan can be printed (`-o yaml`), diffed against the live objects, and
//! applied by the plugin's `cluster::apply`, which guards every update and delete with the
//! resourceVersion that was read, so a concurrent change becomes a conflict, never a lost
//! update. This module is pure: no I/O.

pub mod access;
pub mod landed;
pub mod patch;

use serde_json::Value;

use crate::manifest::output::resource_name;
use crate::manifest::{OutputError, OutputFormat, render_objects, to_value};

/// What applying one change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// POST a new object.
    Create,
    /// PUT the changed object, guarded by the resourceVersion it was read at.
    Update,
    /// DELETE, guarded by the read resourceVersion and uid.
    Delete,
    /// Nothing to send: the live object already matches.
    Unchanged,
}

impl Action {
    /// The imperative, for previews: create, update, delete, keep.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Unchanged => "keep",
        }
    }

    /// The word kubectl prints after the object name.
    pub fn past_tense(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "configured",
            Action::Delete => "deleted",
            Action::Unchanged => "unchanged",
        }
    }
}

/// One object's change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What to do.
    pub action: Action,
    /// The live object as read (absent for a create).
    pub before: Option<Value>,
    /// The object to send (absent for a delete).
    pub after: Option<Value>,
}

impl Change {
    /// Create `obj` (a typed object or a JSON value).
    pub fn create<T: serde::Serialize>(obj: &T) -> Result<Self, OutputError> {
        Ok(Self {
            action: Action::Create,
            before: None,
            after: Some(to_value(obj)?),
        })
    }

    /// Nothing to do for `live`.
    pub fn unchanged<T: serde::Serialize>(live: &T) -> Result<Self, OutputError> {
        let live = to_value(live)?;
        Ok(Self {
            action: Action::Unchanged,
            before: Some(live.clone()),
            after: Some(live),
        })
    }

    /// Replace `live` with `desired`; `desired` keeps the resourceVersion of `live`, so the
    /// server refuses the write if anyone changed the object in between. Equal objects give
    /// [`Action::Unchanged`].
    pub fn update(live: Value, mut desired: Value) -> Self {
        let live = to_value(&live).unwrap_or(live);
        if let (Some(rv), Some(meta)) = (
            live.pointer("/metadata/resourceVersion").cloned(),
            desired.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            meta.insert("resourceVersion".into(), rv);
        }
        let desired = to_value(&desired).unwrap_or(desired);
        let action = if desired == live {
            Action::Unchanged
        } else {
            Action::Update
        };
        Self {
            action,
            before: Some(live),
            after: Some(desired),
        }
    }

    /// Delete `live` (its resourceVersion and uid become preconditions).
    pub fn delete<T: serde::Serialize>(live: &T) -> Result<Self, OutputError> {
        Ok(Self {
            action: Action::Delete,
            before: Some(to_value(live)?),
            after: None,
        })
    }

    /// The object this change is about (after if present, else before).
    pub fn object(&self) -> &Value {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .unwrap_or(&Value::Null)
    }

    /// `rolebinding.rbac.authorization.k8s.io/name`, like `kubectl -o name`.
    pub fn reference(&self) -> String {
        resource_name(self.object()).unwrap_or_else(|_| "<unnamed object>".into())
    }

    /// `kind.group/name -n namespace` (namespace only for namespaced objects), for lines that
    /// list changes of several namespaces.
    pub fn label(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{} -n {ns}", self.reference()),
            None => self.reference(),
        }
    }

    /// Namespace of the object, if namespaced.
    pub fn namespace(&self) -> Option<&str> {
        self.object()
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
    }

    /// A unified diff of the YAML of `before` and `after` (empty when unchanged); server
    /// bookkeeping (managedFields, resourceVersion, uid, timestamps, status) is left out.
    pub fn diff(&self) -> String {
        let name = self.reference();
        let ns = self
            .namespace()
            .map(|n| format!(" -n {n}"))
            .unwrap_or_default();
        diff_objects(
            self.before.as_ref(),
            self.after.as_ref(),
            &format!("live {name}{ns}"),
            &format!("planned {name}{ns}"),
        )
    }
}

/// A unified diff of the YAML of two versions of an object under the given headers (empty
/// when equal); server bookkeeping (managedFields, resourceVersion, uid, timestamps,
/// status) is left out.
pub fn diff_objects(
    old: Option<&Value>,
    new: Option<&Value>,
    old_label: &str,
    new_label: &str,
) -> String {
    let text = |v: Option<&Value>| {
        v.map(|v| render_objects(&[comparable(v)], OutputFormat::Yaml).unwrap_or_default())
            .unwrap_or_default()
    };
    let (old, new) = (text(old), text(new));
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// What a diff compares: the object without server bookkeeping.
fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(key);
        }
    }
    if let Some(obj) = v.as_object_mut() {
        obj.remove("status");
    }
    v
}

/// A sequence of changes plus what the user should know before applying them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// In the order they are applied.
    pub changes: Vec<Change>,
    /// Warnings to show before applying (e.g. quota below usage).
    pub warnings: Vec<String>,
    /// What the plan does, in a few words, for the journal (the CLI's command line is used
    /// when absent).
    pub title: Option<String>,
    /// The journal entry this plan undoes.
    pub undoes: Option<u64>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a change.
    pub fn push(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Adds a warning.
    pub fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// Appends another plan.
    pub fn extend(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        self.warnings.extend(other.warnings);
    }

    /// True when applying would send nothing.
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(|c| c.action == Action::Unchanged)
    }

    /// The diff of every change, concatenated.
    pub fn diff(&self) -> String {
        self.changes.iter().map(Change::diff).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn profile(cpu: &str, rv: &str) -> Value {
        json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "team", "resourceVersion": rv, "uid": "u1",
                "managedFields": [{"manager": "x"}]},
            "spec": {"owner": {"kind": "User", "name": "a@x.io"},
                "resourceQuotaSpec": {"hard": {"cpu": cpu}}},
            "status": {"conditions": []}})
    }

    #[test]
    fn update_keeps_the_read_resource_version_and_diffs_only_the_change() {
        let mut desired = profile("8", "");
        desired["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("resourceVersion");
        let change = Change::update(profile("4", "17"), desired);
        assert_eq!(change.action, Action::Update);
        assert_eq!(
            change.after.as_ref().unwrap()["metadata"]["resourceVersion"],
            "17"
        );
        let diff = change.diff();
        assert!(
            diff.contains("--- live profile.kubeflow.org/team"),
            "{diff}"
        );
        assert!(
            diff.contains("-      cpu: '4'") || diff.contains("-      cpu: \"4\""),
            "{diff}"
        );
        assert!(
            diff.contains("+      cpu: '8'") || diff.contains("+      cpu: \"8\""),
            "{diff}"
        );
        assert!(!diff.contains("managedFields"), "{diff}");
        assert!(!diff.contains("resourceVersion"), "{diff}");
    }

    #[test]
    fn equal_objects_are_unchanged_and_have_no_diff() {
        let change = Change::update(profile("4", "17"), profile("4", "3"));
        assert_eq!(change.action, Action::Unchanged);
        assert_eq!(change.diff(), "");
        let mut plan = Plan::new();
        plan.push(change);
        assert!(plan.is_noop());
        plan.push(Change::delete(&profile("4", "17")).unwrap());
        assert!(!plan.is_noop());
        assert!(
            plan.diff()
                .contains("+++ planned profile.kubeflow.org/team")
        );
    }

    #[test]
    fn create_and_delete_diff_against_nothing() {
        let rb = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "b", "namespace": "team"}, "roleRef": {"kind": "ClusterRole", "name": "kubeflow-view", "apiGroup": "rbac.authorization.k8s.io"}});
        let c = Change::create(&rb).unwrap();
        assert_eq!(c.reference(), "rolebinding.rbac.authorization.k8s.io/b");
        assert_eq!(c.namespace(), Some("team"));
        assert!(c.diff().lines().filter(|l| l.starts_with('+')).count() > 3);
        let d = Change::delete(&rb).unwrap();
        assert!(d.diff().contains("-kind: RoleBinding"));
        assert_eq!(d.action.past_tense(), "deleted");
    }
}
