//! The local journal of applied change sets: what was written, when, by whom, with each
//! object's before and after, so `history` can list it and `undo` can build the inverse.
//!
//! One JSON Lines file per kubeconfig context under the XDG state directory
//! (`$XDG_STATE_HOME/kubectl-kubeflow/journal/`, else `~/.local/state/...`), written with
//! mode 0600 in a 0700 directory, appended under an exclusive lock (two processes never
//! interleave or reuse an id), and bounded: past [`MAX_ENTRIES`] entries or [`MAX_BYTES`]
//! the oldest entries are dropped. A line that cannot be read (a crash mid-write) is
//! skipped and counted, never fatal. Only this module touches the files.

mod store;
pub mod undo;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use store::Journal;

/// Entries kept per context.
pub const MAX_ENTRIES: usize = 500;
/// Bytes kept per context (the newest entry is always kept, however large).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Neither `XDG_STATE_HOME` nor `HOME` is set.
    #[error(
        "no state directory: set XDG_STATE_HOME or HOME so the journal has a place (~/.local/state/kubectl-kubeflow/journal)"
    )]
    NoStateDir,
    /// A file operation failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// An entry could not be encoded.
    #[error("cannot encode a journal entry: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What was done to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Did {
    /// It was created.
    Created,
    /// It was changed.
    Updated,
    /// It was deleted.
    Deleted,
}

impl Did {
    /// The word for lists.
    pub fn word(self) -> &'static str {
        match self {
            Did::Created => "created",
            Did::Updated => "updated",
            Did::Deleted => "deleted",
        }
    }
}

/// One object's change as applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    /// What was done.
    pub did: Did,
    /// `kind.group/name`, as kubectl prints it.
    pub reference: String,
    /// The namespace, for namespaced objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object as read before (absent for a create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The object as the server answered (absent for a delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

impl Recorded {
    /// `kind.group/name -n namespace`.
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} -n {ns}", self.reference),
            None => self.reference.clone(),
        }
    }
}

/// One applied change set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Its number in this context's journal (1, 2, ...; never reused).
    pub id: u64,
    /// When it was applied (RFC 3339, UTC).
    pub time: String,
    /// The kubeconfig context.
    pub context: String,
    /// The API server URL.
    pub server: String,
    /// Who the API server said applied it (SelfSubjectReview), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The local account that ran the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_user: Option<String>,
    /// What was run (`kubectl kubeflow grant ...`, or the TUI's change summary).
    pub command: String,
    /// The entry this one undid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<u64>,
    /// Why the change set stopped part way, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// The changes not applied because of that failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applied: Vec<String>,
    /// The changes applied, in order.
    pub changes: Vec<Recorded>,
}

impl Entry {
    /// `2 updated, 1 created`, for lists.
    pub fn counts(&self) -> String {
        let mut parts = Vec::new();
        for did in [Did::Created, Did::Updated, Did::Deleted] {
            let n = self.changes.iter().filter(|c| c.did == did).count();
            if n > 0 {
                parts.push(format!("{n} {}", did.word()));
            }
        }
        if self.failed.is_some() {
            parts.push(format!("{} not applied", self.not_applied.len()));
        }
        parts.join(", ")
    }
}

/// An entry before it has its id and time (the journal gives both when it appends it).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// The kubeconfig context.
    pub context: String,
    /// The API server URL.
    pub server: String,
    /// Who the API server says applied it.
    pub user: Option<String>,
    /// What was run.
    pub command: String,
    /// The entry this one undoes.
    pub undoes: Option<u64>,
    /// Why it stopped part way.
    pub failed: Option<String>,
    /// What was not applied.
    pub not_applied: Vec<String>,
    /// What was applied.
    pub changes: Vec<Recorded>,
}

/// A command line as the journal records it: values of flags that carry secrets
/// (`--token`, `--password`, `--client-key`...) replaced by `REDACTED`.
pub fn redacted_command(args: &[String]) -> String {
    const SECRET: &[&str] = &["--token", "--password", "--client-key", "--username"];
    let mut out: Vec<String> = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for a in args {
        if hide_next {
            out.push("REDACTED".into());
            hide_next = false;
            continue;
        }
        match a.split_once('=') {
            Some((flag, _)) if SECRET.contains(&flag) => out.push(format!("{flag}=REDACTED")),
            _ if SECRET.contains(&a.as_str()) => {
                out.push(a.clone());
                hide_next = true;
            }
            _ => out.push(a.clone()),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_the_command_line_are_not_recorded() {
        let args: Vec<String> = [
            "kubectl-kubeflow",
            "--token",
            "s3cr3t",
            "grant",
            "--password=pw",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let text = redacted_command(&args);
        assert_eq!(
            text,
            "kubectl-kubeflow --token REDACTED grant --password=REDACTED"
        );
    }
}
