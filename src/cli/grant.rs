//! `grant`, `revoke` and `offboard`: per-profile contributor access as KFAM-compatible
//! pairs, cluster-wide bindings, and removing a user altogether.

use anyhow::Context as _;
use clap::Args;

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::output::{Confirm, WriteFlags, execute};
use crate::cluster::Cluster;
use crate::cluster::access::{
    plan_grant, plan_grant_cluster_wide, plan_revoke, plan_revoke_all, plan_revoke_cluster_wide,
};
use crate::cluster::offboard::plan_offboard;
use crate::model::{GroupName, ProfileName, Role, Subject, UserIdFormat};
use crate::plan::Plan;

/// Who gets access: an email (positional), `group:NAME` (as in the roster) or `--group NAME`.
#[derive(Debug, Args)]
pub struct Who {
    /// The user's email, exactly as the identity provider sends it, or `group:NAME` for a
    /// group (as `users` and the roster write groups).
    #[arg(value_name = "USER", required_unless_present = "group")]
    pub email: Option<String>,
    /// A group instead of a user.
    #[arg(long, conflicts_with = "email")]
    pub group: Option<String>,
    /// What a user is: `email` (checked as an address), or `any` for deployments whose login
    /// header carries usernames or service accounts (`alice`, `system:serviceaccount:ns:sa`).
    #[arg(long, value_enum, default_value_t = UserIdFormat::Email)]
    pub user_id_format: UserIdFormat,
}

impl Who {
    pub(super) fn subject(&self) -> Result<Subject, CliError> {
        let group = self
            .email
            .as_deref()
            .and_then(|e| e.strip_prefix("group:"))
            .or(self.group.as_deref());
        if let Some(g) = group {
            let name = GroupName::parse(g).map_err(|e| CliError::Usage(anyhow::Error::new(e)))?;
            return Ok(Subject::Group(name));
        }
        match (&self.email, &self.group) {
            (Some(e), None) => {
                let email = self
                    .user_id_format
                    .parse(e)
                    .map_err(|e| CliError::Usage(anyhow::Error::new(e)))?;
                for w in email.warnings() {
                    errln!("Warning: {w}");
                }
                Ok(Subject::User(email))
            }
            _ => Err(CliError::Usage(anyhow::anyhow!(
                "give either USER or --group NAME"
            ))),
        }
    }
}

pub(super) fn profiles(names: &[String]) -> Result<Vec<ProfileName>, CliError> {
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
#[command(group = clap::ArgGroup::new("where").required(true).args(["profiles", "cluster_wide"]))]
#[command(after_help = "Examples:\n  \
    # Let bob edit in two profiles (RoleBinding + Istio AuthorizationPolicy each)\n  \
    kubectl kubeflow grant bob@example.com --role edit --profile vision --profile nlp\n\n  \
    # Preview the objects, with a diff against what exists\n  \
    kubectl kubeflow grant bob@example.com --role view --profile vision --dry-run=client --diff\n\n  \
    # A group (KFAM has no groups; the pair matches the kubeflow-groups header)\n  \
    kubectl kubeflow grant --group ml-leads@example.com --role admin --profile vision\n\n  \
    # Cluster-wide (ClusterRoleBinding, the Kaptain convention): every namespace\n  \
    kubectl kubeflow grant auditor@example.com --role view --cluster-wide --yes")]
pub struct GrantArgs {
    #[command(flatten)]
    who: Who,
    /// admin, edit or view (kubeflow-admin|edit|view).
    #[arg(long)]
    role: Role,
    /// Profile(s) to grant access to.
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// Bind the role in every namespace with a ClusterRoleBinding instead (powerful; asks
    /// for confirmation).
    #[arg(long, conflicts_with = "profiles")]
    cluster_wide: bool,
    /// Create the RoleBinding only when Istio's CRD is missing.
    #[arg(long)]
    no_istio: bool,
    /// Do not ask for confirmation (required off a terminal for --cluster-wide).
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    write: WriteFlags,
}

/// Flags of `revoke`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("where").required(true).args(["profiles", "cluster_wide", "all"]))]
#[command(after_help = "Examples:\n  \
    # Remove everything bob has in vision (both halves of each pair)\n  \
    kubectl kubeflow revoke bob@example.com --profile vision\n\n  \
    # Only the view role\n  \
    kubectl kubeflow revoke bob@example.com --role view --profile vision\n\n  \
    # Cluster-wide bindings, or everything in every profile plus cluster-wide\n  \
    kubectl kubeflow revoke auditor@example.com --cluster-wide\n  \
    kubectl kubeflow revoke bob@example.com --all")]
pub struct RevokeArgs {
    #[command(flatten)]
    who: Who,
    /// Only this role (default: every role the subject has there).
    #[arg(long)]
    role: Option<Role>,
    /// Profile(s) to revoke access from.
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// The subject's cluster-wide kubeflow-* ClusterRoleBindings.
    #[arg(long, conflicts_with = "profiles")]
    cluster_wide: bool,
    /// Every profile the subject does not own, and cluster-wide.
    #[arg(long, conflicts_with_all = ["profiles", "cluster_wide"])]
    all: bool,
    #[command(flatten)]
    write: WriteFlags,
}

/// `kubectl kubeflow grant`.
pub async fn grant(global: &GlobalArgs, args: GrantArgs) -> CliResult {
    let subject = args.who.subject()?;
    let targets = profiles(&args.profiles)?;
    // The pair's name does not depend on the profile: a name too long for Kubernetes is bad
    // input, said before connecting.
    if let Some(profile) = targets.first() {
        let istio = crate::manifest::IstioSettings::default();
        crate::manifest::contributor_pair(profile, &subject, args.role, &istio)
            .map_err(|e| CliError::Usage(anyhow::Error::new(e)))?;
    }
    let cluster = connect(global).await?;
    let what = format!(
        "granting {} to {}",
        args.role.cluster_role(),
        subject.name()
    );
    if args.cluster_wide {
        let plan = plan_grant_cluster_wide(&cluster, &subject, args.role)
            .await
            .with_context(|| format!("{what} cluster-wide"))?;
        let question = format!(
            "About to bind {} to {} in every namespace of context {:?}.",
            args.role.cluster_role(),
            subject.name(),
            cluster.context()
        );
        let confirm = Confirm {
            question: &question,
            answer: "yes",
            yes: args.yes,
        };
        return execute(&cluster, &plan, &args.write, Some(confirm)).await;
    }
    let mut plan = Plan::new();
    for profile in &targets {
        let p = plan_grant(&cluster, profile, &subject, args.role, args.no_istio)
            .await
            .with_context(|| format!("{what} on profile {profile}"))?;
        plan.extend(p);
    }
    execute(&cluster, &plan, &args.write, None).await
}

/// `kubectl kubeflow revoke`.
pub async fn revoke(global: &GlobalArgs, args: RevokeArgs) -> CliResult {
    let subject = args.who.subject()?;
    let targets = profiles(&args.profiles)?;
    let cluster = connect(global).await?;
    let what = format!("revoking access of {}", subject.name());
    let mut plan = Plan::new();
    if args.all {
        let (p, owned) = plan_revoke_all(&cluster, &subject, args.role)
            .await
            .with_context(|| what.clone())?;
        for o in owned.iter().filter_map(|p| p.metadata.name.as_deref()) {
            errln!(
                "{} owns profile {o}; ownership is kept (`kubectl kubeflow offboard --delete-profiles` removes owned profiles)",
                subject.name()
            );
        }
        plan.extend(p);
    } else if args.cluster_wide {
        plan = plan_revoke_cluster_wide(&cluster, &subject, args.role)
            .await
            .with_context(|| format!("{what} cluster-wide"))?;
    } else {
        for profile in &targets {
            let p = plan_revoke(&cluster, profile, &subject, args.role)
                .await
                .with_context(|| format!("{what} on profile {profile}"))?;
            if p.changes.is_empty() {
                let has = match args.role {
                    Some(_) => roles_held(&cluster, profile, &subject).await,
                    None => Vec::new(),
                };
                match (args.role, has.is_empty()) {
                    (Some(want), false) => errln!(
                        "{} has {} on profile {profile}, not {}; nothing to revoke (use --role {} for that, or leave out --role to revoke every role)",
                        subject.name(),
                        has.join(" and "),
                        want.cluster_role(),
                        has.first()
                            .map_or("", |r| r.trim_start_matches("kubeflow-"))
                    ),
                    _ => errln!(
                        "{} has no contributor access to profile {profile}; nothing to revoke",
                        subject.name()
                    ),
                }
            }
            plan.extend(p);
        }
    }
    if plan.changes.is_empty() && (args.all || args.cluster_wide) {
        errln!("{} has no such access; nothing to revoke", subject.name());
    }
    execute(&cluster, &plan, &args.write, None).await
}

/// The kubeflow roles `subject` holds as a contributor of `profile` (for messages; a failed
/// look-up gives none).
async fn roles_held(cluster: &Cluster, profile: &ProfileName, subject: &Subject) -> Vec<String> {
    let Ok(all) = plan_revoke(cluster, profile, subject, None).await else {
        return Vec::new();
    };
    let mut roles: Vec<String> = all
        .changes
        .iter()
        .filter_map(|c| c.object().pointer("/roleRef/name").and_then(|v| v.as_str()))
        .map(str::to_owned)
        .collect();
    roles.dedup();
    roles
}

/// Flags of `offboard`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Revoke everything bob has (contributor pairs everywhere, cluster-wide bindings)\n  \
    kubectl kubeflow offboard bob@example.com\n\n  \
    # Also delete the profiles bob owns, after seeing what their namespaces hold\n  \
    kubectl kubeflow offboard bob@example.com --delete-profiles\n\n  \
    # Preview only\n  \
    kubectl kubeflow offboard bob@example.com --delete-profiles --dry-run=client")]
pub struct OffboardArgs {
    #[command(flatten)]
    who: Who,
    /// Also delete the profiles the user owns (their namespaces go with them); shows the
    /// object counts and asks for the user's email to be typed, or --yes.
    #[arg(long)]
    delete_profiles: bool,
    /// Do not ask for confirmation (required off a terminal with --delete-profiles).
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    write: WriteFlags,
}

/// `kubectl kubeflow offboard`.
pub async fn offboard(global: &GlobalArgs, args: OffboardArgs) -> CliResult {
    let subject = args.who.subject()?;
    let cluster = connect(global).await?;
    let off = plan_offboard(&cluster, &subject, args.delete_profiles)
        .await
        .with_context(|| format!("offboarding {}", subject.name()))?;
    for o in &off.owned {
        if args.delete_profiles {
            errln!(
                "profile {} will be deleted with its namespace: {}",
                o.profile,
                o.summary()
            );
        } else {
            errln!(
                "{} owns profile {}; it is kept (pass --delete-profiles to delete it, or give it a new owner by editing spec.owner of the Profile)",
                subject.name(),
                o.profile
            );
        }
    }
    if off.plan.changes.is_empty() {
        errln!("{} has no access to revoke", subject.name());
    }
    let question = format!(
        "About to delete {} profile(s) of {} and everything in their namespaces.",
        off.owned.len(),
        subject.name()
    );
    let confirm = (args.delete_profiles && !off.owned.is_empty()).then(|| Confirm {
        question: &question,
        answer: subject.name(),
        yes: args.yes,
    });
    execute(&cluster, &off.plan, &args.write, confirm).await
}
