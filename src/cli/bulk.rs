//! `onboard --from FILE` and `export`: the tenancy as a roster file, in and out.

use std::time::Duration;

use clap::Args;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use super::onboard::args::OnboardArgs;
use super::output::{Confirm, confirm};
use super::table::render;
use crate::cluster::bulk::{ImportOptions, Outcome, RowResult, check_roster, import};
use crate::cluster::{Cluster, DryRun};
use crate::tenancy::roster::{
    Entry, Grant, RosterFormat, RowError, export_entries, parse_roster_rows_as, render_roster,
};

/// Bad rows listed at most, so a huge file with a systematic problem stays readable.
const BAD_ROWS_SHOWN: usize = 50;

fn bad_rows(errors: &[RowError], path: &str) -> CliError {
    let mut list: Vec<String> = errors
        .iter()
        .take(BAD_ROWS_SHOWN)
        .map(|e| format!("  {path} line {}: {}", e.line, e.message))
        .collect();
    if errors.len() > BAD_ROWS_SHOWN {
        list.push(format!(
            "  ... and {} more bad row(s), not listed; fix these and run again to see the rest",
            errors.len() - BAD_ROWS_SHOWN
        ));
    }
    CliError::Usage(anyhow::anyhow!(
        "{} bad row(s); nothing was written:\n{}",
        errors.len(),
        list.join("\n")
    ))
}

/// The roster's text and how to name it in messages; `-` is standard input.
fn read_roster(path: &std::path::Path) -> Result<(String, String), CliError> {
    use std::io::Read as _;
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            CliError::Usage(anyhow::anyhow!("cannot read the roster from stdin: {e}"))
        })?;
        return Ok((text, "stdin".into()));
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(anyhow::anyhow!("cannot read {shown}: {e}")))?;
    Ok((text, shown))
}

/// `kubectl kubeflow onboard --from FILE`.
pub async fn onboard_from(global: &GlobalArgs, args: &OnboardArgs) -> CliResult {
    let Some(path) = &args.from else {
        return Err(CliError::Usage(anyhow::anyhow!("--from FILE is required")));
    };
    let (text, shown) = read_roster(path)?;
    let format = args
        .format
        .unwrap_or_else(|| match path.as_os_str() == "-" {
            true => RosterFormat::sniff(&text),
            false => RosterFormat::from_path(path),
        });
    let parsed = parse_roster_rows_as(&text, format, args.user_id_format);
    for w in &parsed.warnings {
        errln!("Warning: {shown} {w}");
    }
    let mut problems = parsed.errors;
    let entries = parsed.entries;
    if entries.is_empty() && problems.is_empty() {
        // An empty file is almost always the wrong file (or a pipe that produced nothing).
        return Err(CliError::Usage(anyhow::anyhow!(
            "{shown} has no rows, so there is nothing to import; check that it is the roster \
             you meant (a header line `user,profile,role` and one row per grant)"
        )));
    }
    let cluster = match Cluster::connect(&global.connect_options()).await {
        Ok(c) => c,
        // Bad rows are worth reporting even when the cluster cannot be reached.
        Err(_) if !problems.is_empty() => return Err(bad_rows(&problems, &shown)),
        Err(e) => return Err(CliError::Failed(anyhow::Error::new(e))),
    };
    match check_roster(&cluster, &entries).await {
        Ok(more) => problems.extend(more),
        Err(_) if !problems.is_empty() => {}
        Err(e) => {
            return Err(CliError::Failed(anyhow::Error::new(e).context(format!(
                "checking {shown} against context {:?}",
                cluster.context()
            ))));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|e| e.line);
        return Err(bad_rows(&problems, &shown));
    }
    if args.write.dry_run == DryRun::None {
        confirm_cluster_wide(&cluster, &entries, &shown, args.yes)?;
    }
    let opts = ImportOptions {
        dry_run: args.write.dry_run,
        concurrency: usize::from(args.concurrency),
        namespace_wait: args.wait_timeout.max(Duration::from_secs(1)),
        no_istio: args.no_istio,
    };
    let bar = super::progress::bar(entries.len(), "applying");
    // The whole import is one change set in the journal (one `undo` reverts it).
    let batch = cluster.journal_batch();
    let results = import(&batch, &entries, opts, |done, _, r| {
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
        bar.set_message(format!("line {} {}", r.entry.line, r.outcome.label()));
    })
    .await;
    bar.finish(); // the completed bar stays above the summary
    batch.flush_journal();
    super::output::journal_warning(&batch);
    print_summary(&results, args.write.dry_run);
    let failed = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    if failed > 0 {
        return Err(CliError::Failed(anyhow::anyhow!(
            "{failed} of {} row(s) failed; the others were applied. Fix the cause and re-run: rows already done are reported unchanged",
            results.len()
        )));
    }
    Ok(())
}

/// Cluster-wide rows (ClusterRoleBindings: every namespace) need a typed `yes`, or `--yes`.
fn confirm_cluster_wide(
    cluster: &Cluster,
    entries: &[Entry],
    shown: &str,
    yes: bool,
) -> Result<(), CliError> {
    let wide: Vec<String> = entries
        .iter()
        .filter(|e| matches!(e.grant, Grant::ClusterWide { .. }))
        .map(|e| format!("  line {}: {} kubeflow-{}", e.line, e.user(), e.role()))
        .collect();
    if wide.is_empty() {
        return Ok(());
    }
    let question = format!(
        "{shown} grants roles in EVERY namespace of context {:?} (ClusterRoleBindings):\n{}",
        cluster.context(),
        wide.join("\n")
    );
    confirm(&Confirm {
        question: &question,
        answer: "yes",
        yes,
    })
}

fn print_summary(results: &[RowResult], dry_run: DryRun) {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.entry.line.to_string(),
                r.entry.user(),
                r.entry.profile().to_string(),
                r.entry.role().to_string(),
                format!("{}{}", r.outcome.label(), dry_run.suffix()),
                r.outcome.detail(),
            ]
        })
        .collect();
    out!(
        "{}",
        render(
            &["LINE", "USER", "PROFILE", "ROLE", "RESULT", "DETAIL"],
            &rows
        )
    );
    let count = |label: &str| {
        results
            .iter()
            .filter(|r| r.outcome.label() == label)
            .count()
    };
    outln!(
        "{} created, {} unchanged, {} differ (left alone), {} failed{}",
        count("created"),
        count("unchanged"),
        count("differs"),
        count("failed"),
        dry_run.suffix()
    );
}

/// Flags of `export`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Everything as CSV (owners with quotas, contributors, cluster-wide roles)\n  \
    kubectl kubeflow export > tenancy.csv\n\n  \
    # As YAML, then reproduce it on another cluster\n  \
    kubectl kubeflow export -o yaml > tenancy.yaml\n  \
    kubectl kubeflow --context new-cluster onboard --from tenancy.yaml")]
pub struct ExportArgs {
    /// Format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "csv")]
    pub output: RosterFormat,
}

/// `kubectl kubeflow export`.
pub async fn export(global: &GlobalArgs, args: ExportArgs) -> CliResult {
    let tenancy = super::read::load(global, super::read::Reads::USERS).await?;
    let (entries, skipped) = export_entries(&tenancy);
    for s in skipped {
        errln!("Warning: {s}");
    }
    let text = render_roster(&entries, args.output)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("rendering the export: {e}")))?;
    out!("{text}");
    Ok(())
}
