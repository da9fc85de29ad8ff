//! `registration status|enable|disable`: the central dashboard's self-registration switch.

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::output::{WriteFlags, execute};
use crate::cluster::registration::{
    DEFAULT_DEPLOYMENT, DEFAULT_NAMESPACE, RegistrationError, plan_registration,
    registration_status,
};
use crate::manifest::{OutputFormat, render_objects};

/// Flags of `registration`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Is self-registration on, and what does that mean?\n  \
    kubectl kubeflow registration status\n\n  \
    # Only admins onboard users (restarts the dashboard pods)\n  \
    kubectl kubeflow registration disable --diff\n\n  \
    # A dashboard installed elsewhere\n  \
    kubectl kubeflow registration status --namespace kubeflow-system --deployment kubeflow-dashboard\n\n\
    D2iQ Kaptain sets this with its KUDO parameter registrationFlow; change it there so an\n\
    upgrade does not revert it.")]
pub struct RegistrationArgs {
    #[command(subcommand)]
    command: RegistrationCommand,
    /// Namespace of the central dashboard Deployment.
    #[arg(long, global = true, default_value = DEFAULT_NAMESPACE)]
    namespace: String,
    /// Name of the central dashboard Deployment.
    #[arg(long, global = true, default_value = DEFAULT_DEPLOYMENT)]
    deployment: String,
}

/// `-o` of `registration status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusOutput {
    /// JSON document.
    Json,
    /// YAML document.
    Yaml,
}

/// Subcommands of `registration`.
#[derive(Debug, Subcommand)]
pub enum RegistrationCommand {
    /// Show REGISTRATION_FLOW, the dashboard's default and what it means.
    #[command(after_help = "Examples:\n  \
        kubectl kubeflow registration status\n  \
        kubectl kubeflow registration status -o json")]
    Status {
        /// Output format (default: text).
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<StatusOutput>,
    },
    /// Let users without a profile create one from the dashboard (REGISTRATION_FLOW=true).
    #[command(after_help = "Examples:\n  \
        kubectl kubeflow registration enable --dry-run=server --diff")]
    Enable {
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Only admins create profiles (REGISTRATION_FLOW=false).
    #[command(after_help = "Examples:\n  \
        kubectl kubeflow registration disable --diff")]
    Disable {
        #[command(flatten)]
        write: WriteFlags,
    },
}

/// `kubectl kubeflow registration`.
pub async fn run(global: &GlobalArgs, args: RegistrationArgs) -> CliResult {
    let cluster = connect(global).await?;
    let (ns, name) = (args.namespace.as_str(), args.deployment.as_str());
    let context = || format!("central dashboard deployment {ns}/{name}");
    match args.command {
        RegistrationCommand::Status { output } => {
            let status = registration_status(&cluster, ns, name)
                .await
                .with_context(context)?;
            match output {
                None => outln!("{}", status.explain()),
                Some(f) => {
                    let value = serde_json::to_value(&status).context("encoding")?;
                    let format = match f {
                        StatusOutput::Json => OutputFormat::Json,
                        StatusOutput::Yaml => OutputFormat::Yaml,
                    };
                    out!(
                        "{}",
                        render_objects(std::slice::from_ref(&value), format)
                            .context("rendering")?
                    );
                }
            }
            Ok(())
        }
        RegistrationCommand::Enable { write } | RegistrationCommand::Disable { write } => {
            let enable = matches!(args.command, RegistrationCommand::Enable { .. });
            let (plan, _) = plan_registration(&cluster, ns, name, enable)
                .await
                .map_err(|e| match e {
                    RegistrationError::ValueFrom(_) => CliError::Failed(anyhow::Error::new(e)),
                    e => CliError::Failed(anyhow::Error::new(e).context(context())),
                })?;
            execute(&cluster, &plan, &write, None).await?;
            if write.dry_run == crate::cluster::DryRun::None && write.output.is_none() {
                errln!(
                    "Self-registration is {} {}.",
                    if plan.is_noop() { "already" } else { "now" },
                    if enable { "enabled" } else { "disabled" }
                );
            }
            Ok(())
        }
    }
}
