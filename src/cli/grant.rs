//! `grant` and `revoke`: per-profile contributor access as KFAM-compatible pairs.

use anyhow::Context as _;
use clap::Args;

use super::output::{WriteFlags, print_applied};
use super::{CliError, CliResult, GlobalArgs};
use crate::cluster::Cluster;
use crate::cluster::access::{grant as grant_pair, revoke as revoke_pair};
use crate::model::{Email, GroupName, ProfileName, Role, Subject};

/// Who gets access: an email (positional) or `--group NAME`.
#[derive(Debug, Args)]
pub struct Who {
    /// The user's email, exactly as the identity provider sends it.
    #[arg(value_name = "USER", required_unless_present = "group")]
    pub email: Option<String>,
    /// A group instead of a user.
    #[arg(long, conflicts_with = "email")]
    pub group: Option<String>,
}

impl Who {
    fn subject(&self) -> Result<Subject, CliError> {
        match (&self.email, &self.group) {
            (Some(e), None) => {
                let email: Email = e
                    .parse()
                    .map_err(|e| CliError::Usage(anyhow::Error::new(e)))?;
                for w in email.warnings() {
                    eprintln!("Warning: {w}");
                }
                Ok(Subject::User(email))
            }
            (None, Some(g)) => Ok(Subject::Group(
                GroupName::parse(g).map_err(|e| CliError::Usage(anyhow::Error::new(e)))?,
            )),
            _ => Err(CliError::Usage(anyhow::anyhow!(
                "give either USER or --group NAME"
            ))),
        }
    }
}

fn profiles(names: &[String]) -> Result<Vec<ProfileName>, CliError> {
    names
        .iter()
        .map(|n| {
            n.parse::<ProfileName>()
                .map_err(|e| CliError::Usage(anyhow::Error::new(e)))
        })
        .collect()
}

/// Flags of `grant`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Let bob edit in two profiles (RoleBinding + Istio AuthorizationPolicy each)\n  \
    kubectl kubeflow grant bob@example.com --role edit --profile vision --profile nlp\n\n  \
    # Preview the objects\n  \
    kubectl kubeflow grant bob@example.com --role view --profile vision --dry-run=client -o yaml\n\n  \
    # A group (KFAM has no groups; the pair matches the kubeflow-groups header)\n  \
    kubectl kubeflow grant --group ml-leads@example.com --role admin --profile vision")]
pub struct GrantArgs {
    #[command(flatten)]
    who: Who,
    /// admin, edit or view (kubeflow-admin|edit|view).
    #[arg(long)]
    role: Role,
    /// Profile(s) to grant access to.
    #[arg(long = "profile", required = true)]
    profiles: Vec<String>,
    /// Create the RoleBinding only when Istio's CRD is missing.
    #[arg(long)]
    no_istio: bool,
    #[command(flatten)]
    write: WriteFlags,
}

/// Flags of `revoke`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Remove everything bob has in vision (both halves of each pair)\n  \
    kubectl kubeflow revoke bob@example.com --profile vision\n\n  \
    # Only the view role\n  \
    kubectl kubeflow revoke bob@example.com --role view --profile vision")]
pub struct RevokeArgs {
    #[command(flatten)]
    who: Who,
    /// Only this role (default: every role the subject has there).
    #[arg(long)]
    role: Option<Role>,
    /// Profile(s) to revoke access from.
    #[arg(long = "profile", required = true)]
    profiles: Vec<String>,
    #[command(flatten)]
    write: WriteFlags,
}

/// `kubectl kubeflow grant`.
pub async fn grant(global: &GlobalArgs, args: GrantArgs) -> CliResult {
    let subject = args.who.subject()?;
    let targets = profiles(&args.profiles)?;
    let cluster = Cluster::connect(&global.connect_options())
        .await
        .map_err(anyhow::Error::new)?;
    for profile in &targets {
        let applied = grant_pair(
            &cluster,
            profile,
            &subject,
            args.role,
            args.no_istio,
            args.write.dry_run,
        )
        .await
        .with_context(|| {
            format!(
                "granting {} to {} on profile {profile}",
                args.role.cluster_role(),
                subject.name()
            )
        })?;
        print_applied(&applied, args.write.output, args.write.dry_run)?;
    }
    Ok(())
}

/// `kubectl kubeflow revoke`.
pub async fn revoke(global: &GlobalArgs, args: RevokeArgs) -> CliResult {
    let subject = args.who.subject()?;
    let targets = profiles(&args.profiles)?;
    let cluster = Cluster::connect(&global.connect_options())
        .await
        .map_err(anyhow::Error::new)?;
    for profile in &targets {
        let applied = revoke_pair(&cluster, profile, &subject, args.role, args.write.dry_run)
            .await
            .with_context(|| {
                format!("revoking access of {} on profile {profile}", subject.name())
            })?;
        if applied.is_empty() {
            eprintln!(
                "{} has no contributor access to profile {profile}; nothing to revoke",
                subject.name()
            );
        }
        print_applied(&applied, args.write.output, args.write.dry_run)?;
    }
    Ok(())
}
