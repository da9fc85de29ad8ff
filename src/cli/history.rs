//! `history` and `undo`: the local journal of applied change sets, and their inverse sent
//! through the same preview / confirm / apply path as every other write.

use clap::Args;

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::output::{Confirm, WriteFlags, execute};
use crate::cluster::ClusterError;
use crate::journal::{Did, Entry};
use crate::plan::Action;

/// Output formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    /// Every entry with its objects' before and after, as a JSON array.
    Json,
    /// The same as YAML documents.
    Yaml,
}

/// Flags of `history`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # What was applied on the current context, newest last\n  \
    kubectl kubeflow history\n\n  \
    # One change set: each object's diff\n  \
    kubectl kubeflow history 12\n\n  \
    # Everything, with each object's before and after, for scripts\n  \
    kubectl kubeflow history -o json")]
pub struct HistoryArgs {
    /// Show this change set's objects and diffs.
    pub id: Option<u64>,
    /// Only the newest N change sets.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Output format (default: a table).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<HistoryFormat>,
}

/// Flags of `undo`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Undo the newest change set of the current context (undoing an undo redoes)\n  \
    kubectl kubeflow undo\n\n  \
    # Undo change set 12, previewing the diff first\n  \
    kubectl kubeflow undo 12 --diff --dry-run=client\n\n  \
    # Undo a change set that created profiles, without the prompt\n  \
    kubectl kubeflow undo 12 --yes")]
pub struct UndoArgs {
    /// The change set to undo (`history` lists them); default: the newest.
    pub id: Option<u64>,
    /// Do not ask before deleting what the change set created.
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub write: WriteFlags,
}

fn journal_failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(anyhow::anyhow!("{e}"))
}

/// `kubectl kubeflow history`.
pub async fn history(global: &GlobalArgs, args: HistoryArgs) -> CliResult {
    let cluster = connect(global).await?;
    let journal = cluster
        .journal()
        .ok_or_else(|| journal_failed(crate::journal::JournalError::NoStateDir))?;
    let (mut entries, unreadable) = journal.entries().map_err(journal_failed)?;
    if unreadable > 0 {
        errln!(
            "Warning: {unreadable} line(s) of {} could not be read and are left out",
            journal.path().display()
        );
    }
    if let Some(id) = args.id {
        entries.retain(|e| e.id == id);
        if entries.is_empty() {
            return Err(CliError::Usage(anyhow::anyhow!(
                "the journal of context {:?} has no change set {id}; `kubectl kubeflow history` lists them",
                cluster.context()
            )));
        }
    }
    if let Some(n) = args.limit {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    match args.output {
        Some(HistoryFormat::Json) => {
            let text = serde_json::to_string_pretty(&entries).map_err(journal_failed)?;
            outln!("{text}");
        }
        Some(HistoryFormat::Yaml) => {
            let values: Vec<serde_json::Value> = entries
                .iter()
                .filter_map(|e| serde_json::to_value(e).ok())
                .collect();
            let text =
                crate::manifest::render_objects(&values, crate::manifest::OutputFormat::Yaml)
                    .map_err(journal_failed)?;
            out!("{text}");
        }
        None if args.id.is_some() => entries.iter().for_each(print_entry),
        None if entries.is_empty() => errln!(
            "No changes recorded for context {:?} (journal: {})",
            cluster.context(),
            journal.path().display()
        ),
        None => out!("{}", table(&entries)),
    }
    Ok(())
}

fn table(entries: &[Entry]) -> String {
    let now = jiff::Timestamp::now();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let at = e.time.parse::<jiff::Timestamp>().ok();
            vec![
                e.id.to_string(),
                crate::tenancy::age(at, now),
                e.user.clone().unwrap_or_else(|| "<unknown>".into()),
                e.counts(),
                e.command.clone(),
            ]
        })
        .collect();
    super::table::render(&["ID", "AGE", "USER", "CHANGES", "COMMAND"], &rows)
}

fn print_entry(e: &Entry) {
    outln!("Change set {}: {}", e.id, e.command);
    outln!(
        "Applied {} by {} (local account {}) on context {:?} ({})",
        e.time,
        e.user.as_deref().unwrap_or("<unknown>"),
        e.local_user.as_deref().unwrap_or("<unknown>"),
        e.context,
        e.server
    );
    if let Some(id) = e.undoes {
        outln!("Undoes change set {id}");
    }
    if let Some(why) = &e.failed {
        outln!("Stopped part way: {why}");
        outln!("Not applied: {}", e.not_applied.join(", "));
    }
    for c in &e.changes {
        outln!("{} {}", c.label(), c.did.word());
        let diff =
            crate::plan::diff_objects(c.before.as_ref(), c.after.as_ref(), "before", "after");
        if !diff.is_empty() {
            out!("{diff}");
        }
    }
}

/// `kubectl kubeflow undo`.
pub async fn undo(global: &GlobalArgs, args: UndoArgs) -> CliResult {
    let cluster = connect(global).await?;
    let entry = cluster.journal_entry(args.id).map_err(|e| match e {
        ClusterError::NoChangeSet { .. } => CliError::Usage(anyhow::anyhow!(
            "{e}; `kubectl kubeflow history` lists them"
        )),
        ClusterError::NothingRecorded { .. } => CliError::Usage(e.into()),
        e => journal_failed(e),
    })?;
    let id = entry.id;
    errln!(
        "Undoing change set {id} ({}), applied {} by {}",
        entry.command,
        entry.time,
        entry.user.as_deref().unwrap_or("<unknown>")
    );
    let inverse = cluster.undo_plan(&entry).await.map_err(|e| {
        CliError::Failed(anyhow::Error::new(e).context("reading the objects it changed"))
    })?;
    let plan = match inverse {
        Ok(plan) => plan,
        Err(refusals) => {
            let text = crate::journal::undo::refused(id, &refusals);
            return Err(CliError::Failed(anyhow::anyhow!("{text}")));
        }
    };
    let deletes: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.label())
        .collect();
    let question = format!(
        "Undoing change set {id} deletes what it created: {}{}",
        deletes.join(", "),
        if entry
            .changes
            .iter()
            .any(|c| c.did == Did::Created && c.reference.starts_with("profile."))
        {
            " (a deleted profile takes its namespace and everything in it)"
        } else {
            ""
        }
    );
    let confirm = (!deletes.is_empty()).then(|| Confirm {
        question: &question,
        answer: "yes",
        yes: args.yes,
    });
    execute(&cluster, &plan, &args.write, confirm).await
}
