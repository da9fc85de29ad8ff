//! `quota show|set|unset|clear PROFILE`: a profile's `spec.resourceQuotaSpec` with live usage.

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::output::{WriteFlags, ask, execute};
use super::table::render;
use crate::cluster::quota::{QuotaEdit, QuotaPlanError, QuotaReport, plan_quota, show_quota};
use crate::manifest::{LimitRangeDefaults, OutputFormat, render_objects};
use crate::model::{ProfileName, Quota, ResourceName};

/// Flags of `quota`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Limits, usage and percent per resource\n  \
    kubectl kubeflow quota show vision\n\n  \
    # Raise CPU and memory (other limits are kept), with a diff first\n  \
    kubectl kubeflow quota set vision cpu=16 memory=64Gi --diff\n\n  \
    # Add a GPU limit and the LimitRange pods without requests need\n  \
    kubectl kubeflow quota set vision gpu=2 --limit-range\n\n  \
    # Remove one limit, or the whole quota\n  \
    kubectl kubeflow quota unset vision requests.storage\n  \
    kubectl kubeflow quota clear vision")]
pub struct QuotaArgs {
    #[command(subcommand)]
    command: QuotaCommand,
}

/// Subcommands of `quota`.
#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Hard limit, current use and percent per resource (spec and live kf-resource-quota).
    Show(ShowArgs),
    /// Set limits (KEY=QUANTITY; aliases gpu, storage, pvcs); other limits are kept. With
    /// only --limit-range, adds the LimitRange to a profile that has a quota.
    Set(SetArgs),
    /// Remove limits by resource name.
    Unset(UnsetArgs),
    /// Remove the whole quota (the profile controller then deletes kf-resource-quota).
    Clear(ClearArgs),
}

/// `-o` of `quota show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowOutput {
    /// JSON document.
    Json,
    /// YAML document.
    Yaml,
}

/// Flags of `quota show`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Limits, live usage and percent per resource, and the resourceVersion to guard an edit\n  \
    kubectl kubeflow quota show vision\n  \
    kubectl kubeflow quota show vision -o yaml")]
pub struct ShowArgs {
    /// The profile.
    profile: String,
    /// Output format (default: table).
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<ShowOutput>,
}

/// Flags shared by the quota writes.
#[derive(Debug, Args)]
pub struct EditFlags {
    /// Only write if the Profile still has this resourceVersion (as printed by `quota show`),
    /// so an edit based on an old read is refused instead of overwriting a newer change.
    #[arg(long, value_name = "RV", value_parser = parse_resource_version)]
    resource_version: Option<String>,
    #[command(flatten)]
    write: WriteFlags,
}

/// A resourceVersion as the API server hands them out (a decimal number, as `quota show`
/// prints it); anything else is a typo, not a conflict.
fn parse_resource_version(text: &str) -> Result<String, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a resourceVersion: use the number `kubectl kubeflow quota show PROFILE` prints (e.g. 4711)"
        ))
    }
}

/// Flags of `quota set`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Raise CPU and memory; other limits are kept\n  \
    kubectl kubeflow quota set vision cpu=16 memory=64Gi --diff\n\n  \
    # Only if nobody changed the profile since `quota show` printed resourceVersion 4711\n  \
    kubectl kubeflow quota set vision gpu=2 --resource-version 4711\n\n  \
    # Add the LimitRange pods without requests need\n  \
    kubectl kubeflow quota set vision --limit-range")]
pub struct SetArgs {
    /// The profile.
    profile: String,
    /// Limits as KEY=QUANTITY, e.g. cpu=8 memory=16Gi requests.nvidia.com/gpu=1.
    #[arg(value_name = "KEY=QUANTITY", required_unless_present = "limit_range")]
    pairs: Vec<String>,
    /// Also create the LimitRange cpu-mem-limit-range (default limits 800m CPU / 512Mi,
    /// default requests 500m CPU / 256Mi) when the namespace has none.
    #[arg(long)]
    limit_range: bool,
    #[command(flatten)]
    edit: EditFlags,
}

/// Flags of `quota unset`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Remove the storage and GPU limits; the rest is kept\n  \
    kubectl kubeflow quota unset vision requests.storage requests.nvidia.com/gpu --dry-run=server")]
pub struct UnsetArgs {
    /// The profile.
    profile: String,
    /// Resource names to remove (each must be set).
    #[arg(value_name = "KEY", required = true)]
    keys: Vec<String>,
    #[command(flatten)]
    edit: EditFlags,
}

/// Flags of `quota clear`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Remove the whole quota (the profile controller deletes kf-resource-quota)\n  \
    kubectl kubeflow quota clear vision --diff")]
pub struct ClearArgs {
    /// The profile.
    profile: String,
    #[command(flatten)]
    edit: EditFlags,
}

fn usage(e: impl Into<anyhow::Error>) -> CliError {
    CliError::Usage(e.into())
}

fn profile_name(s: &str) -> Result<ProfileName, CliError> {
    s.parse().map_err(usage)
}

/// `kubectl kubeflow quota`.
pub async fn run(global: &GlobalArgs, args: QuotaArgs) -> CliResult {
    match args.command {
        QuotaCommand::Show(a) => show(global, a).await,
        QuotaCommand::Set(a) => {
            let profile = profile_name(&a.profile)?;
            let quota = Quota::from_pairs(a.pairs.iter().map(String::as_str)).map_err(usage)?;
            let defaults = a.limit_range.then(LimitRangeDefaults::default);
            edit(
                global,
                &profile,
                QuotaEdit::Set(quota),
                &a.edit,
                defaults.as_ref(),
            )
            .await
        }
        QuotaCommand::Unset(a) => {
            let profile = profile_name(&a.profile)?;
            let keys = a
                .keys
                .iter()
                .map(|k| ResourceName::parse_alias(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(usage)?;
            edit(global, &profile, QuotaEdit::Unset(keys), &a.edit, None).await
        }
        QuotaCommand::Clear(a) => {
            let profile = profile_name(&a.profile)?;
            edit(global, &profile, QuotaEdit::Clear, &a.edit, None).await
        }
    }
}

async fn edit(
    global: &GlobalArgs,
    profile: &ProfileName,
    change: QuotaEdit,
    flags: &EditFlags,
    defaults: Option<&LimitRangeDefaults>,
) -> CliResult {
    let cluster = connect(global).await?;
    let mut quota = plan_quota(
        &cluster,
        profile,
        &change,
        flags.resource_version.as_deref(),
        defaults,
    )
    .await
    .map_err(|e| match e {
        QuotaPlanError::NotSet { .. } => usage(e),
        e => CliError::Failed(
            anyhow::Error::new(e).context(format!("changing the quota of profile {profile}")),
        ),
    })?;
    // On a terminal, offer the LimitRange a quota needs instead of only warning about it.
    if quota.limit_range_missing
        && flags.write.dry_run == crate::cluster::DryRun::None
        && ask(&format!(
            "Namespace {profile} has no LimitRange, so pods without resource requests will be rejected. Create cpu-mem-limit-range with default requests too?"
        ))
    {
        quota
            .add_limit_range(profile, &LimitRangeDefaults::default())
            .map_err(|e| CliError::Failed(e.into()))?;
    }
    execute(&cluster, &quota.plan, &flags.write, None).await
}

/// The table of `quota show`.
pub fn render_report(r: &QuotaReport) -> String {
    let rows: Vec<Vec<String>> = r
        .resources
        .iter()
        .map(|l| {
            let mut hard = l.hard.clone().unwrap_or_else(|| "-".into());
            if let Some(live) = &l.live_hard {
                hard.push_str(&format!(" (live {live})"));
            }
            vec![
                l.resource.clone(),
                hard,
                l.used.clone().unwrap_or_else(|| "?".into()),
                l.percent.map(|p| format!("{p}%")).unwrap_or_default(),
            ]
        })
        .collect();
    let mut out = render(&["RESOURCE", "HARD", "USED", "%"], &rows);
    if r.resources.is_empty() {
        out = format!("profile {} has no quota\n", r.profile);
    }
    if !r.resources.is_empty() && !r.resource_quota {
        out.push_str(
            "\nkf-resource-quota does not exist yet: usage is unknown until the profile controller creates it\n",
        );
    }
    if r.resources.iter().any(|l| l.live_hard.is_some()) {
        out.push_str("\n(live X): kf-resource-quota differs from the Profile; the profile controller has not synced it yet, or someone edited it (the controller reverts such edits)\n");
    }
    if !r.resources.is_empty() && !r.limit_range {
        out.push_str("\nno LimitRange in the namespace: pods without resource requests are rejected (`quota set ... --limit-range` creates one)\n");
    }
    out.push_str(&format!("resourceVersion: {}\n", r.resource_version));
    out
}

async fn show(global: &GlobalArgs, a: ShowArgs) -> CliResult {
    let profile = profile_name(&a.profile)?;
    let cluster = connect(global).await?;
    let report = show_quota(&cluster, &profile)
        .await
        .with_context(|| format!("reading the quota of profile {profile}"))?;
    let text = match a.output {
        None => render_report(&report),
        Some(f) => {
            let value = serde_json::to_value(&report).context("encoding the report")?;
            let format = match f {
                ShowOutput::Json => OutputFormat::Json,
                ShowOutput::Yaml => OutputFormat::Yaml,
            };
            render_objects(std::slice::from_ref(&value), format).context("rendering")?
        }
    };
    out!("{text}");
    Ok(())
}
