//! `doctor [--fix]`: the findings of the audit, and the plan of their safe fixes.

use clap::Args;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use super::read::{DocOutput, Reads, load_all, print_list};
use crate::tenancy::{Finding, Severity};

/// Flags of `doctor`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Audit everything; exit code 3 when something is found\n  \
    kubectl kubeflow doctor\n\n  \
    # Two profiles, machine-readable\n  \
    kubectl kubeflow doctor vision nlp -o json\n\n  \
    # Preview, then apply the safe fixes (missing policy halves, orphan policies, LimitRanges)\n  \
    kubectl kubeflow doctor --fix --dry-run=client --diff\n  \
    kubectl kubeflow doctor --fix\n\n\
Exit codes: 0 clean (or everything found was fixed), 3 findings remain, 1 error.")]
pub struct DoctorArgs {
    /// Only these profiles (cluster-wide findings are shown when no profile is given).
    pub profiles: Vec<String>,
    /// Output format (default: text).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<DocOutput>,
    /// Apply the safe fixes: create the missing AuthorizationPolicy of a contributor pair,
    /// delete a policy whose RoleBinding is gone, create the LimitRange a quota needs. Shows
    /// them and asks first (--yes off a terminal).
    #[arg(long)]
    pub fix: bool,
    /// Do not ask before fixing.
    #[arg(long, short = 'y', requires = "fix")]
    pub yes: bool,
    /// --dry-run, --diff (with --fix).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true, default_value = "none", requires = "fix")]
    pub dry_run: crate::cluster::DryRun,
    /// Print a diff of each fix (with --fix).
    #[arg(long, requires = "fix")]
    pub diff: bool,
}

/// `kubectl kubeflow doctor`.
pub async fn doctor(global: &GlobalArgs, args: DoctorArgs) -> CliResult {
    let (cluster, snapshot, tenancy) = load_all(global, Reads::FINDINGS).await?;
    for p in &args.profiles {
        if tenancy.profile(p).is_none() {
            return Err(CliError::Failed(anyhow::anyhow!("profile {p:?} not found")));
        }
    }
    let findings: Vec<&Finding> = tenancy
        .findings()
        .iter()
        .filter(|f| {
            args.profiles.is_empty()
                || f.profile
                    .as_ref()
                    .is_some_and(|p| args.profiles.contains(p))
        })
        .map(|f| &**f)
        .collect();
    let fixes = match args.fix && !findings.is_empty() {
        true => Some(
            crate::tenancy::doctor::plan_fixes(&snapshot, &findings)
                .map_err(|e| CliError::Failed(e.into()))?,
        ),
        false => None,
    };
    match args.output {
        Some(f) => {
            print_list("DoctorReport", "findings", &findings, f.into())?;
        }
        None => {
            // With --fix, the findings that get a fix are shown once, as plan lines below.
            let fixed = fixes.as_ref().map(|(_, fixed)| fixed.as_slice());
            let by_hand: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| {
                    !fixed
                        .unwrap_or_default()
                        .iter()
                        .any(|x| std::ptr::eq(*x, *f))
                })
                .collect();
            print_findings(&by_hand);
            print_totals(&findings);
        }
    }
    let Some((mut plan, fixed)) = fixes else {
        return match findings.is_empty() {
            true => Ok(()),
            false => Err(CliError::Findings),
        };
    };
    crate::cluster::apply::show_live_deletes(&cluster, &mut plan).await;
    if fixed.is_empty() {
        errln!("None of these findings has a safe automatic fix; follow the fix hints above.");
        return Err(CliError::Findings);
    }
    print_fixes(&plan, &fixed, findings.len());
    let question = format!(
        "About to apply {} fix(es) on context {:?}.",
        fixed.len(),
        cluster.context()
    );
    let write = super::output::WriteFlags {
        dry_run: args.dry_run,
        output: None,
        diff: args.diff,
    };
    let confirm = super::output::Confirm {
        question: &question,
        answer: "yes",
        yes: args.yes,
    };
    super::output::execute(&cluster, &plan, &write, Some(confirm)).await?;
    if fixed.len() == findings.len() && args.dry_run == crate::cluster::DryRun::None {
        return Ok(());
    }
    Err(CliError::Findings)
}

/// The plan of the safe fixes, a line per change with the finding it fixes.
fn print_fixes(plan: &crate::plan::Plan, fixed: &[&Finding], findings: usize) {
    errln!("Safe fixes ({} of {findings} findings):", fixed.len());
    for (c, f) in plan.changes.iter().zip(fixed) {
        let ns = c
            .namespace()
            .map(|n| format!(" -n {n}"))
            .unwrap_or_default();
        errln!("  {} {}{ns}  ({})", c.action.verb(), c.reference(), f.code);
    }
}

/// Each finding in full: severity, code, object, what is wrong, how to fix it.
fn print_findings(findings: &[&Finding]) {
    for f in findings {
        let obj = match &f.object.namespace {
            Some(ns) => format!("{} {ns}/{}", f.object.kind, f.object.name),
            None => format!("{} {}", f.object.kind, f.object.name),
        };
        outln!(
            "{:<7} {}  {obj}",
            f.severity.to_string().to_uppercase(),
            f.code
        );
        outln!("        {}", f.message);
        outln!("        fix: {}\n", f.hint);
    }
}

/// The one-line count of all findings, or that there are none.
fn print_totals(findings: &[&Finding]) {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    if findings.is_empty() {
        outln!("No problems found.");
    } else {
        outln!(
            "{} findings: {} errors, {} warnings, {} info",
            findings.len(),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        );
    }
}
