//! `kubectl kubeflow onboard USER_EMAIL`: a Profile (and optionally a LimitRange) for a new user.

use anyhow::Context as _;

pub(super) mod args;

pub use args::OnboardArgs;

use super::output::{execute_waiting, preview, print_applied};
use super::{CliError, CliResult, GlobalArgs, connect};
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
    let wants_limit_range = args.limit_range
        || args.limit_range_cpu.is_some()
        || args.limit_range_memory.is_some()
        || args.limit_range_request_cpu.is_some()
        || args.limit_range_request_memory.is_some();
    let limit_range = if wants_limit_range {
        let mut defaults = LimitRangeDefaults::default();
        let overrides = [
            (
                &args.limit_range_cpu,
                &mut defaults.default_cpu,
                "--limit-range-cpu",
            ),
            (
                &args.limit_range_memory,
                &mut defaults.default_memory,
                "--limit-range-memory",
            ),
            (
                &args.limit_range_request_cpu,
                &mut defaults.default_request_cpu,
                "--limit-range-request-cpu",
            ),
            (
                &args.limit_range_request_memory,
                &mut defaults.default_request_memory,
                "--limit-range-request-memory",
            ),
        ];
        for (value, slot, flag) in overrides {
            if let Some(value) = value {
                *slot = value
                    .parse::<Quantity>()
                    .map_err(|e| usage(anyhow::Error::new(e).context(format!("invalid {flag}"))))?;
            }
        }
        Some(defaults)
    } else {
        if !quota.is_empty() {
            errln!(
                "Warning: a quota without a LimitRange makes the cluster reject pods that set no \
                 resource requests (e.g. some Kubeflow Pipelines pods); add --limit-range"
            );
        }
        None
    };
    OnboardObjects::new(&name, &email, Some(&quota), limit_range.as_ref()).map_err(|e| {
        usage(anyhow::anyhow!(
            "{e}: lower --limit-range-request-cpu/--limit-range-request-memory or raise --limit-range-cpu/--limit-range-memory"
        ))
    })
}
