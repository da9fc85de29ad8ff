//! `kubectl kubeflow onboard USER_EMAIL`: a Profile (and optionally a LimitRange) for a new user.

use anyhow::Context as _;

pub(super) mod args;

pub use args::OnboardArgs;

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::output::{execute_waiting, preview, print_applied};
use crate::cluster::DryRun;
use crate::cluster::apply::planned;
use crate::cluster::onboard::{OnboardObjects, plan_onboard};
use crate::manifest::LimitRangeDefaults;
use crate::model::{Email, ProfileName, Quantity, Quota};

fn usage(e: impl Into<anyhow::Error>) -> CliError {
    CliError::Usage(e.into())
}

/// One user (`onboard --from` is [`super::bulk::onboard_from`]): validates everything first
/// (exit 2, nothing sent), then creates or previews.
pub async fn run(global: &GlobalArgs, args: OnboardArgs) -> CliResult {
    let objects = plan(&args)?;
    if args.write.dry_run == DryRun::Client {
        // Offline: a client dry run of a new user needs no cluster at all.
        let plan = objects.creates().map_err(anyhow::Error::new)?;
        preview(&plan, &args.write);
        return print_applied(&planned(&plan), args.write.output, DryRun::Client)
            .map_err(CliError::Failed);
    }
    let cluster = connect(global).await?;
    let plan = plan_onboard(&cluster, &objects).await.with_context(|| {
        format!(
            "onboarding {} on context {:?}",
            args.email.as_deref().unwrap_or_default(),
            cluster.context()
        )
    })?;
    execute_waiting(&cluster, &plan, &args.write, None, args.wait_timeout).await
}

/// Parses and validates every flag into the objects to create. Errors are usage errors.
fn plan(args: &OnboardArgs) -> Result<OnboardObjects, CliError> {
    let email: Email = args
        .user_id_format
        .parse(args.email.as_deref().unwrap_or_default())
        .map_err(usage)?;
    for warning in email.warnings() {
        errln!("Warning: {warning}");
    }
    let name = match &args.profile {
        Some(n) => n.parse::<ProfileName>().map_err(usage)?,
        None => {
            if let Some(warning) = ProfileName::derivation_warning(&email) {
                errln!("Warning: {warning}; pass --profile NAME to choose one");
            }
            ProfileName::from_email(&email).map_err(|e| {
                usage(anyhow::Error::new(e).context(format!(
                    "cannot derive a profile name from {email}; pass --profile NAME"
                )))
            })?
        }
    };
    let quota = quota(args)?;
    let limit_range = limit_range(args)?;
    if limit_range.is_none() && !quota.is_empty() {
        errln!(
            "Warning: a quota without a LimitRange makes the cluster reject pods that set no \
             resource requests (e.g. some Kubeflow Pipelines pods); add --limit-range"
        );
    }
    OnboardObjects::new(&name, &email, Some(&quota), limit_range.as_ref()).map_err(|e| {
        usage(anyhow::anyhow!(
            "{e}: lower --limit-range-request-cpu/--limit-range-request-memory or raise --limit-range-cpu/--limit-range-memory"
        ))
    })
}

/// The quota of `--cpu`, `--memory`, `--gpu`, `--pods`, `--storage` and every `--quota K=V`
/// (a resource given twice is refused).
fn quota(args: &OnboardArgs) -> Result<Quota, CliError> {
    let mut quota = Quota::default();
    let named = [
        ("cpu", &args.cpu),
        ("memory", &args.memory),
        ("requests.nvidia.com/gpu", &args.gpu),
        ("pods", &args.pods),
        ("requests.storage", &args.storage),
    ];
    for (key, value) in named {
        if let Some(value) = value {
            let (name, value) = Quota::parse_pair(&format!("{key}={value}")).map_err(usage)?;
            quota.insert_unique(name, value).map_err(usage)?;
        }
    }
    for pair in &args.quota {
        let (name, value) = Quota::parse_pair(pair).map_err(usage)?;
        quota.insert_unique(name, value).map_err(usage)?;
    }
    Ok(quota)
}

/// The LimitRange's defaults when `--limit-range` or any `--limit-range-*` asks for one.
fn limit_range(args: &OnboardArgs) -> Result<Option<LimitRangeDefaults>, CliError> {
    let overrides = [
        (&args.limit_range_cpu, "--limit-range-cpu"),
        (&args.limit_range_memory, "--limit-range-memory"),
        (&args.limit_range_request_cpu, "--limit-range-request-cpu"),
        (
            &args.limit_range_request_memory,
            "--limit-range-request-memory",
        ),
    ];
    if !args.limit_range && overrides.iter().all(|(value, _)| value.is_none()) {
        return Ok(None);
    }
    let mut defaults = LimitRangeDefaults::default();
    let slots = [
        &mut defaults.default_cpu,
        &mut defaults.default_memory,
        &mut defaults.default_request_cpu,
        &mut defaults.default_request_memory,
    ];
    for ((value, flag), slot) in overrides.into_iter().zip(slots) {
        if let Some(value) = value {
            *slot = value
                .parse::<Quantity>()
                .map_err(|e| usage(anyhow::Error::new(e).context(format!("invalid {flag}"))))?;
        }
    }
    Ok(Some(defaults))
}
