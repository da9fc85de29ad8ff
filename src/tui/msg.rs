//! Everything `update` handles ([`Msg`]) and every I/O request it makes ([`Effect`]).

use crossterm::event::KeyEvent;

use super::edit::{Check, Failure, Intent};
use crate::cluster::Identity;
use crate::cluster::offboard::NamespaceContents;
use crate::cluster::watch::LiveEvent;
use crate::plan::Plan;

/// An input to [`update`](super::update::update).
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// The terminal was resized (columns, rows).
    Resize(u16, u16),
    /// The clock advanced (ages and the stale marker use it; `view` never reads the clock).
    Tick(jiff::Timestamp),
    /// Connected (again) to a cluster: its names, tagged with the watch generation.
    Connected {
        /// Watch generation the connection belongs to.
        generation: u64,
        /// Context name.
        context: String,
        /// API server URL.
        server: String,
    },
    /// Connecting failed (bad context, unreadable kubeconfig).
    ConnectFailed {
        /// Watch generation.
        generation: u64,
        /// What went wrong.
        error: String,
    },
    /// A watcher report, tagged with the generation of the watch that produced it.
    Live {
        /// Watch generation.
        generation: u64,
        /// The report.
        event: LiveEvent,
    },
    /// Who we are and whether we may write.
    Identity {
        /// Watch generation.
        generation: u64,
        /// The answer, or why there is none.
        result: Result<Identity, String>,
    },
    /// A staged change was planned against the live objects (and its permissions checked).
    Planned {
        /// The staged change.
        id: u64,
        /// The plan, or why there is none.
        result: Result<Plan, Failure>,
    },
    /// A destructive intent was inspected for its confirmation.
    Inspected {
        /// What was inspected.
        intent: Intent,
        /// Its plan and what the namespaces it touches hold.
        result: Result<(Plan, Vec<NamespaceContents>), Failure>,
    },
    /// The objects of the YAML overlay were read from the server.
    YamlReady {
        /// The overlay's title (an answer for another overlay is dropped).
        title: String,
        /// The objects that still exist, or why they could not be read.
        result: Result<Vec<serde_json::Value>, Failure>,
    },
    /// The journal was read for the history overlay.
    HistoryReady {
        /// Its lines, or why it could not be read.
        result: Result<Vec<String>, Failure>,
    },
    /// The live object to edit as YAML was read.
    EditReady {
        /// The raw object, or why not.
        result: Result<serde_json::Value, Failure>,
    },
    /// The editor was closed.
    Edited {
        /// The object the file was made from.
        before: serde_json::Value,
        /// The text saved, or why there is none.
        result: Result<String, String>,
    },
    /// A server dry run of a staged change finished.
    Checked {
        /// The staged change.
        id: u64,
        /// One result per object.
        checks: Vec<Check>,
    },
    /// One staged change was applied (or not).
    Applied {
        /// The staged change.
        id: u64,
        /// What happened.
        outcome: Outcome,
    },
    /// Applying the change set finished.
    ApplyDone,
}

/// What applying one staged change did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every object written: kubectl-like lines.
    Done(Vec<String>),
    /// Someone changed what the change was based on: nothing of it was written; it was
    /// re-planned against the new live objects (or re-planning failed).
    Conflict {
        /// The server's answer.
        failure: Failure,
        /// The fresh plan.
        replanned: Result<Plan, Failure>,
    },
    /// A failure: what was written before it, and why the rest was not.
    Failed {
        /// Lines for the objects written.
        done: Vec<String>,
        /// Why it stopped.
        failure: Failure,
    },
    /// Not attempted: an earlier change failed.
    Skipped,
}

/// Work for the runner; each finished task answers with one [`Msg`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// (Re)start the watches with this generation; `context` switches kubeconfig context.
    Watch {
        /// Tag for every message the new watches produce.
        generation: u64,
        /// `Some` for `:ctx NAME`.
        context: Option<String>,
    },
    /// Plan a staged change against the live objects; answers [`Msg::Planned`].
    Plan {
        /// The staged change.
        id: u64,
        /// What to plan.
        intent: Intent,
    },
    /// Plan a destructive intent and count what it would delete, for the typed
    /// confirmation; answers [`Msg::Inspected`].
    Inspect {
        /// What to inspect.
        intent: Intent,
    },
    /// Read the objects behind a row for the YAML overlay (the model keeps only what it
    /// reads of each); answers [`Msg::YamlReady`].
    FetchYaml {
        /// The overlay's title.
        title: String,
        /// `apiVersion`, `kind`, `metadata.name` and `.namespace` of each object.
        objects: Vec<serde_json::Value>,
    },
    /// Read the journal of applied change sets; answers [`Msg::HistoryReady`].
    History,
    /// Read the live object (raw) to edit as YAML; answers [`Msg::EditReady`].
    FetchForEdit {
        /// `apiVersion`, `kind`, `metadata.name` and `.namespace` of the object.
        object: serde_json::Value,
    },
    /// Suspend the TUI and open the editor on `object`; answers [`Msg::Edited`].
    OpenEditor {
        /// The live object.
        object: serde_json::Value,
    },
    /// Server dry run (`dryRun=All`) of staged changes; answers [`Msg::Checked`] per change.
    DryRun {
        /// The changes.
        items: Vec<(u64, Plan)>,
    },
    /// Apply staged changes in order; answers [`Msg::Applied`] per change, then
    /// [`Msg::ApplyDone`].
    Apply {
        /// The changes, with their intents (re-planned on a conflict).
        items: Vec<(u64, Intent, Plan)>,
    },
    /// Leave the TUI.
    Quit,
}
