//! Recording applied change sets in the local journal ([`crate::journal`]), from the one
//! write path: [`super::apply::apply`] calls `record` after every real (not dry-run)
//! apply, whole or partial, so the CLI, the TUI and bulk imports are all journaled alike.
//! A journal that cannot be written never fails the write itself: the error is kept for
//! the front end to show ([`Cluster::take_journal_error`]).

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{Cluster, ClusterError};
use crate::journal::{Did, Journal, NewEntry, Recorded, undo};
use crate::plan::{Action, Change, Plan};

/// A cluster's journal and what to record with each entry.
#[derive(Debug)]
pub struct JournalSink {
    journal: Journal,
    command: String,
    who: tokio::sync::OnceCell<Option<String>>,
    error: Mutex<Option<String>>,
    /// `Some`: entries are collected here and appended as one by [`Cluster::flush_journal`].
    batch: Option<Mutex<Vec<NewEntry>>>,
}

impl Cluster {
    /// The same cluster, recording every applied change set in `journal`; `command` is
    /// what the entries say was run when a plan has no title of its own.
    pub fn with_journal(mut self, journal: Journal, command: impl Into<String>) -> Self {
        self.journal = Some(Arc::new(JournalSink {
            journal,
            command: command.into(),
            who: tokio::sync::OnceCell::new(),
            error: Mutex::new(None),
            batch: None,
        }));
        self
    }

    /// The same cluster, collecting what is applied through it (from many tasks: a bulk
    /// import's rows) into one journal entry written by [`Cluster::flush_journal`].
    pub fn journal_batch(&self) -> Self {
        let mut batched = self.clone();
        if let Some(sink) = &self.journal {
            batched.journal = Some(Arc::new(JournalSink {
                journal: sink.journal.clone(),
                command: sink.command.clone(),
                who: tokio::sync::OnceCell::new(),
                error: Mutex::new(None),
                batch: Some(Mutex::new(Vec::new())),
            }));
        }
        batched
    }

    /// Appends what a [`Cluster::journal_batch`] collected as one entry.
    pub fn flush_journal(&self) {
        let Some(sink) = &self.journal else {
            return;
        };
        let Some(parts) = sink
            .batch
            .as_ref()
            .and_then(|b| b.lock().ok().map(|mut v| std::mem::take(&mut *v)))
        else {
            return;
        };
        let mut parts = parts.into_iter();
        let Some(mut entry) = parts.next() else {
            return;
        };
        for part in parts {
            entry.changes.extend(part.changes);
            entry.not_applied.extend(part.not_applied);
            entry.failed = match (entry.failed.take(), part.failed) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
        }
        sink.append(entry);
    }

    /// The journal writes are recorded in, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref().map(|s| &s.journal)
    }

    /// Why the last change set could not be recorded, once.
    pub fn take_journal_error(&self) -> Option<String> {
        let sink = self.journal.as_ref()?;
        sink.error.lock().ok()?.take()
    }

    /// The current state of every object of `entry`, in its order (`None`: not found).
    pub async fn live_objects(
        &self,
        entry: &crate::journal::Entry,
    ) -> Result<Vec<Option<Value>>, ClusterError> {
        let mut live = Vec::with_capacity(entry.changes.len());
        for rec in &entry.changes {
            let Some(obj) = rec.after.as_ref().or(rec.before.as_ref()) else {
                live.push(None);
                continue;
            };
            live.push(super::objects::read_object(self, obj).await?);
        }
        Ok(live)
    }

    /// The plan undoing `entry`: [`undo::inverse`] on the objects as they are now.
    pub async fn undo_plan(
        &self,
        entry: &crate::journal::Entry,
    ) -> Result<Result<Plan, Vec<undo::Refusal>>, ClusterError> {
        let live = self.live_objects(entry).await?;
        Ok(undo::inverse(entry, &live))
    }

    /// Change set `id` of this cluster's journal, or the newest when `None`, from one read of
    /// the journal (a torn last line is skipped, so "newest" is the newest readable).
    pub fn journal_entry(&self, id: Option<u64>) -> Result<crate::journal::Entry, ClusterError> {
        let journal = self
            .journal()
            .ok_or(crate::journal::JournalError::NoStateDir)?;
        let (entries, _) = journal.entries()?;
        let found = match id {
            Some(id) => entries.into_iter().find(|e| e.id == id),
            None => entries.into_iter().last(),
        };
        let context = self.context().to_string();
        found.ok_or(match id {
            Some(id) => ClusterError::NoChangeSet { context, id },
            None => ClusterError::NothingRecorded { context },
        })
    }
}

/// The record of one change as applied (`answer`: the object the server answered with),
/// `None` when nothing was sent for it.
fn recorded(change: &Change, answer: &Value) -> Option<Recorded> {
    let did = match change.action {
        Action::Unchanged => return None,
        Action::Create => Did::Created,
        Action::Delete => Did::Deleted,
        Action::Update => {
            let before = change.before.as_ref()?;
            if crate::plan::patch::is_noop(&crate::plan::patch::guarded(before, change.object())) {
                return None;
            }
            Did::Updated
        }
    };
    Some(Recorded {
        did,
        reference: change.reference(),
        namespace: change.namespace().map(str::to_string),
        before: change.before.clone(),
        after: (did != Did::Deleted).then(|| answer.clone()),
    })
}

/// How a change set ended part way: why, and what was not applied.
pub(super) struct Stopped<'a> {
    /// The failure.
    pub why: &'a ClusterError,
    /// The changes not applied.
    pub not_applied: &'a [String],
}

/// Appends what was applied of `plan` (`answers`: the server's answer for each change applied,
/// in order) to the cluster's journal, if it keeps one and anything was written.
pub(super) async fn record(
    cluster: &Cluster,
    plan: &Plan,
    answers: &[&Value],
    stopped: Option<Stopped<'_>>,
) {
    let Some(sink) = cluster.journal.as_ref() else {
        return;
    };
    let changes: Vec<Recorded> = plan
        .changes
        .iter()
        .zip(answers)
        .filter_map(|(c, a)| recorded(c, a))
        .collect();
    if changes.is_empty() {
        return;
    }
    let who = sink
        .who
        .get_or_init(|| async { cluster.identity_name().await })
        .await
        .clone();
    let entry = NewEntry {
        context: cluster.context().to_string(),
        server: cluster.server().to_string(),
        user: who,
        command: plan.title.clone().unwrap_or_else(|| sink.command.clone()),
        undoes: plan.undoes,
        failed: stopped.as_ref().map(|s| s.why.to_string()),
        not_applied: stopped.map(|s| s.not_applied.to_vec()).unwrap_or_default(),
        changes,
    };
    match &sink.batch {
        Some(batch) => {
            if let Ok(mut b) = batch.lock() {
                b.push(entry);
            }
        }
        None => sink.append(entry),
    }
}

impl JournalSink {
    fn append(&self, entry: NewEntry) {
        if let Err(e) = self.journal.append(entry)
            && let Ok(mut slot) = self.error.lock()
        {
            *slot = Some(format!(
                "the change was applied but could not be recorded in the journal: {e}"
            ));
        }
    }
}
