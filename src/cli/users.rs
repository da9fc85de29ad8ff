//! `users` and `users show USER`: every identity with what it owns and can reach, and one
//! identity in detail with the findings about it.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use super::read::{DocOutput, ListOutput, Reads, load, print_list, print_structured};
use super::table::render;
use crate::tenancy::{AccessLevel, Finding, UserRow, list_cell};

/// Flags of `users`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(after_help = "Examples:\n  \
    # Every identity: owned profiles, per-profile roles, cluster-wide roles\n  \
    kubectl kubeflow users\n\n  \
    # Everything one user can reach, and why\n  \
    kubectl kubeflow users show alice@example.com")]
pub struct UsersArgs {
    /// `show USER`.
    #[command(subcommand)]
    pub command: Option<UsersCommand>,
    /// Output format (default: table).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<ListOutput>,
}

/// Subcommands of `users`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Everything one user (or group) can reach and why.
    #[command(after_help = "Examples:\n  \
        kubectl kubeflow users show alice@example.com\n  \
        kubectl kubeflow users show group:ml-team@example.com -o yaml")]
    Show {
        /// The email or group name, exactly as in the bindings.
        #[arg(value_name = "USER")]
        identity: String,
        /// Output format (default: text).
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<DocOutput>,
    },
}

/// `kubectl kubeflow users` and `users show USER`.
pub async fn users(global: &GlobalArgs, args: UsersArgs) -> CliResult {
    if let Some(UsersCommand::Show { identity, output }) = args.command {
        return show_user(global, &identity, output).await;
    }
    let tenancy = load(global, Reads::USERS).await?;
    match args.output {
        Some(ListOutput::Name) => {
            for u in tenancy.users() {
                outln!(
                    "{}/{}",
                    if u.kind == crate::tenancy::SubjectKind::User {
                        "user"
                    } else {
                        "group"
                    },
                    u.identity
                );
            }
        }
        Some(f @ (ListOutput::Json | ListOutput::Yaml)) => {
            print_list("UserSummaryList", "items", tenancy.users(), f)?;
        }
        wide => {
            // Narrow: up to three profiles, then `a,b,+N`; wide: all of them.
            let keep = if wide == Some(ListOutput::Wide) {
                usize::MAX
            } else {
                2
            };
            let table: Vec<Vec<String>> = tenancy
                .users()
                .iter()
                .map(|u| {
                    let owns: Vec<&str> = u.owns.iter().map(String::as_str).collect();
                    let cw: Vec<String> = u
                        .cluster_wide
                        .iter()
                        .map(|c| format!("kubeflow-{}", c.role.short_name()))
                        .collect();
                    let cw: Vec<&str> = cw.iter().map(String::as_str).collect();
                    vec![
                        if u.kind == crate::tenancy::SubjectKind::Group {
                            format!("group:{}", u.identity)
                        } else {
                            u.identity.clone()
                        },
                        list_cell(&owns, keep),
                        list_cell(&u.profiles_with(AccessLevel::Admin), keep),
                        list_cell(&u.profiles_with(AccessLevel::Edit), keep),
                        list_cell(&u.profiles_with(AccessLevel::View), keep),
                        if cw.is_empty() {
                            "-".into()
                        } else {
                            format!("{} (!)", cw.join(","))
                        },
                    ]
                })
                .collect();
            out!(
                "{}",
                render(
                    &["USER", "OWNS", "ADMIN", "EDIT", "VIEW", "CLUSTER-WIDE"],
                    &table
                )
            );
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct UserDetail<'a> {
    #[serde(flatten)]
    user: &'a UserRow,
    findings: Vec<&'a Finding>,
}

/// Up to five known identities close to `wanted`: equal but for case, containing it, or
/// within an edit distance of 3 (as clap suggests flags), closest first.
fn near_misses<'a>(known: impl Iterator<Item = &'a str>, wanted: &str) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let mut close: Vec<(usize, &str)> = known
        .filter_map(|k| {
            let lower = k.to_lowercase();
            let distance = strsim::levenshtein(&lower, &wanted);
            (lower.contains(&wanted) || distance <= 3).then_some((distance, k))
        })
        .collect();
    close.sort();
    close.into_iter().take(5).map(|(_, k)| k).collect()
}

/// One user as a person reads them: identity, owned profiles, cluster-wide roles, and the
/// access per profile.
fn print_user(user: &UserRow) {
    outln!("Identity:      {} ({:?})", user.identity, user.kind);
    outln!(
        "Owns:          {}",
        if user.owns.is_empty() {
            "-".to_string()
        } else {
            user.owns.join(", ")
        }
    );
    if user.cluster_wide.is_empty() {
        outln!("Cluster-wide:  -");
    } else {
        for c in &user.cluster_wide {
            outln!(
                "Cluster-wide:  kubeflow-{} in EVERY namespace, via ClusterRoleBinding {}",
                c.role.short_name(),
                c.binding
            );
        }
    }
    outln!();
    let rows: Vec<Vec<String>> = user
        .access
        .iter()
        .map(|a| {
            vec![
                a.profile.clone(),
                format!("{:?}", a.level).to_lowercase(),
                a.via.clone(),
            ]
        })
        .collect();
    if rows.is_empty() {
        outln!("No per-profile access.");
    } else {
        out!("{}", render(&["PROFILE", "ACCESS", "VIA"], &rows));
    }
}

/// The findings about one user as their own section: severity, profile, code, message.
fn print_user_findings(findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.severity.to_string(),
                f.profile.clone().unwrap_or_else(|| "-".into()),
                f.code.to_string(),
                f.message.clone(),
            ]
        })
        .collect();
    outln!("\nFindings:");
    out!(
        "{}",
        render(&["SEVERITY", "PROFILE", "CODE", "MESSAGE"], &rows)
    );
}

async fn show_user(global: &GlobalArgs, identity: &str, output: Option<DocOutput>) -> CliResult {
    if identity.trim().is_empty() {
        return Err(CliError::Usage(anyhow::anyhow!(
            "the user is empty: give an email or `group:NAME` as `kubectl kubeflow users` lists them"
        )));
    }
    let tenancy = load(global, Reads::USERS).await?;
    let Some(user) = tenancy.user(identity) else {
        let similar = near_misses(
            tenancy.users().iter().map(|u| u.identity.as_str()),
            identity,
        );
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(
                " (did you mean {}? names are compared byte for byte)",
                similar.join(", ")
            )
        };
        return Err(CliError::Failed(anyhow::anyhow!(
            "{identity:?} owns no profile and appears in no Kubeflow binding{hint}"
        )));
    };
    let mut findings: Vec<&Finding> = tenancy
        .findings()
        .iter()
        .filter(|f| f.message.contains(&user.identity) || f.hint.contains(&user.identity))
        .map(|f| &**f)
        .collect();
    findings.dedup_by(|a, b| a.code == b.code && a.profile == b.profile && a.message == b.message);
    match output {
        Some(f) => print_structured(&UserDetail { user, findings }, f.into()),
        None => {
            print_user(user);
            print_user_findings(&findings);
            Ok(())
        }
    }
}
