//! Printing objects and per-object summaries the way kubectl does.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use super::error::{CliError, CliResult};
use crate::cluster::apply::{ApplyOptions, apply};
use crate::cluster::onboard::Applied;
use crate::cluster::{Cluster, DryRun};
pub use crate::manifest::output::OutputFormat;
use crate::manifest::output::render_objects;
use crate::plan::Plan;

/// `--dry-run` and `-o`, shared by every command that writes.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct WriteFlags {
    /// none: write; client: print, send nothing; server: send with dryRun=All.
    #[arg(long, value_enum, default_value = "none", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Output format: yaml, json or name (default: one summary line per object).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<OutputFormat>,
    /// Print a diff of every object against the live one before applying (with
    /// --dry-run=client nothing is applied).
    #[arg(long)]
    pub diff: bool,
}

/// What a destructive or far-reaching plan needs before it is applied.
pub struct Confirm<'a> {
    /// What the user must know (printed to stderr).
    pub question: &'a str,
    /// The word to type at the prompt (e.g. `yes` or a profile name).
    pub answer: &'a str,
    /// `--yes` was given.
    pub yes: bool,
}

/// Asks for confirmation on a terminal; off a terminal only `--yes` confirms.
pub fn confirm(c: &Confirm<'_>) -> CliResult {
    if c.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(anyhow::anyhow!(
            "{}\nstdin is not a terminal, so nothing was changed: pass --yes to confirm",
            c.question
        )));
    }
    let typed = prompt(&format!(
        "{}\nType {:?} to continue: ",
        c.question, c.answer
    ))
    .map_err(|e| CliError::Failed(e.into()))?;
    if typed == c.answer {
        Ok(())
    } else {
        Err(CliError::Failed(anyhow::anyhow!(
            "not confirmed ({typed:?} typed); nothing was changed"
        )))
    }
}

/// Prints `text` on stderr and reads one line from stdin, trimmed.
fn prompt(text: &str) -> std::io::Result<String> {
    err!("{text}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// A yes/no question, asked only when stdin and stderr are a terminal; anything but y/yes
/// (or no terminal) is no.
pub fn ask(question: &str) -> bool {
    std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && prompt(&format!("{question} [y/N] "))
            .is_ok_and(|a| matches!(a.to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Shows a plan's warnings, and its diff with `--diff`.
pub fn preview(plan: &Plan, write: &WriteFlags) {
    for w in &plan.warnings {
        errln!("Warning: {w}");
    }
    if write.diff {
        out!("{}", plan.diff());
    }
}

/// Shows a plan's warnings (and diff with --diff), asks for confirmation if needed, applies
/// it and prints one line per object (or the objects with -o).
pub async fn execute(
    cluster: &Cluster,
    plan: &Plan,
    write: &WriteFlags,
    confirmation: Option<Confirm<'_>>,
) -> CliResult {
    execute_waiting(
        cluster,
        plan,
        write,
        confirmation,
        std::time::Duration::from_secs(60),
    )
    .await
}

/// [`execute`], with creates in a namespace that does not exist yet (the profile controller
/// is making it) retried for `namespace_wait`.
pub async fn execute_waiting(
    cluster: &Cluster,
    plan: &Plan,
    write: &WriteFlags,
    confirmation: Option<Confirm<'_>>,
    namespace_wait: std::time::Duration,
) -> CliResult {
    preview(plan, write);
    if let Some(c) = confirmation
        && write.dry_run == DryRun::None
        && !plan.is_noop()
    {
        confirm(&c)?;
    }
    let opts = ApplyOptions {
        dry_run: write.dry_run,
        wait_for_namespace: Some(namespace_wait),
    };
    // Offboarding or fixing a whole cluster can be hundreds of requests.
    let spinner = (plan.changes.len() >= 5).then(|| {
        super::progress::spinner(format!(
            "applying {} changes on context {:?}",
            plan.changes.len(),
            cluster.context()
        ))
    });
    let result = apply(cluster, plan, opts).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    journal_warning(cluster);
    match result {
        Ok(applied) => {
            print_applied(&applied, write.output, write.dry_run).map_err(CliError::Failed)
        }
        Err(e) => {
            print_applied(&e.applied, write.output, write.dry_run).map_err(CliError::Failed)?;
            Err(CliError::Failed(match e.not_applied.as_slice() {
                [] => anyhow::Error::new(e.source),
                rest => {
                    anyhow::anyhow!("{}\n{}", e.source, not_applied_note(rest, e.applied.len()))
                }
            }))
        }
    }
}

/// Says on stderr when what was just applied could not be recorded in the journal.
pub fn journal_warning(cluster: &Cluster) {
    if let Some(w) = cluster.take_journal_error() {
        errln!("Warning: {w}");
    }
}

/// What a failed change set left undone, and how to finish it.
fn not_applied_note(rest: &[String], done: usize) -> String {
    let listed = if rest.len() > 5 {
        format!("{} and {} more", rest[..5].join(", "), rest.len() - 5)
    } else {
        rest.join(", ")
    };
    let done = match done {
        0 => "nothing was changed".to_string(),
        n => format!("the {n} change(s) listed above were applied"),
    };
    format!(
        "{} change(s) not applied: {listed}; {done}. Re-run the same command to apply the rest \
         (what is already done is reported unchanged)",
        rest.len()
    )
}

/// Prints objects in the chosen format to stdout.
pub fn print_objects(objects: &[serde_json::Value], format: OutputFormat) -> anyhow::Result<()> {
    let text = render_objects(objects, format)?;
    out!("{text}");
    if !text.ends_with('\n') {
        outln!();
    }
    Ok(())
}

/// Prints what happened: objects in `format` if given, else `kind.group/name action` lines.
pub fn print_applied(
    applied: &[Applied],
    format: Option<OutputFormat>,
    dry_run: DryRun,
) -> anyhow::Result<()> {
    match format {
        Some(format) => {
            let objects: Vec<_> = applied.iter().map(|a| a.object.clone()).collect();
            print_objects(&objects, format)
        }
        None => {
            let namespace = |a: &Applied| {
                a.object
                    .pointer("/metadata/namespace")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            let mut namespaces: Vec<String> = applied.iter().filter_map(namespace).collect();
            namespaces.sort();
            namespaces.dedup();
            for a in applied {
                // Like the plan's lines: with several namespaces, say which one each is in.
                let ns = match namespace(a) {
                    Some(ns) if namespaces.len() > 1 => format!(" -n {ns}"),
                    _ => String::new(),
                };
                outln!("{}{ns} {}{}", a.reference, a.action, dry_run.suffix());
            }
            Ok(())
        }
    }
}
