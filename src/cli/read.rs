//! The read commands: `profiles`, `users`, `users show`, `access`, `doctor`. Each loads one
//! snapshot, builds the tenancy model (the same one the TUI shows) and prints it.

use std::collections::BTreeMap;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;

use super::table::render;
use super::{CliError, CliResult, GlobalArgs, connect};
use crate::cluster::Cluster;
use crate::cluster::snapshot::load_kinds;
use crate::manifest::{OutputFormat, render_objects};
use crate::model::selector::LabelSelector;
use crate::tenancy::{AccessLevel, Kind, ProfileRow, QuotaLine, Tenancy, age};

/// `-o` of the list commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListOutput {
    /// More columns.
    Wide,
    /// JSON document.
    Json,
    /// YAML document.
    Yaml,
    /// One `kind/name` per line.
    Name,
}

/// `-o` of the commands that print one document (no `wide` or `name` that would do nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocOutput {
    /// JSON document.
    Json,
    /// YAML document.
    Yaml,
}

impl From<DocOutput> for ListOutput {
    fn from(o: DocOutput) -> Self {
        match o {
            DocOutput::Json => ListOutput::Json,
            DocOutput::Yaml => ListOutput::Yaml,
        }
    }
}

/// Flags of `profiles`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Every profile with owner, contributors, quota use and health\n  \
    kubectl kubeflow profiles\n\n  \
    # Busiest first, with LimitRange and namespace columns\n  \
    kubectl kubeflow profiles --sort-by cpu -o wide\n\n  \
    # Only profiles with a label, as JSON\n  \
    kubectl kubeflow profiles -l team=vision -o json")]
pub struct ProfilesArgs {
    /// Output format (default: table).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<ListOutput>,
    /// Label selector on Profiles, kube syntax (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`).
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Sort column.
    #[arg(long, value_enum, default_value = "name")]
    pub sort_by: ProfileSort,
}

/// Sort keys of `profiles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileSort {
    /// Profile name.
    Name,
    /// Owner email.
    Owner,
    /// Number of contributors (most first).
    Contributors,
    /// CPU use in percent of the quota (highest first).
    Cpu,
    /// Memory use in percent (highest first).
    Memory,
    /// Findings (worst first).
    Health,
    /// Oldest first.
    Age,
}

/// Flags of `access`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Who can reach what: O owner, A admin, E edit, V view\n  \
    kubectl kubeflow access\n\n  \
    kubectl kubeflow access -o json")]
pub struct AccessArgs {
    /// Output format (default: matrix).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<DocOutput>,
}

/// "Now" for ages: `KUBECTL_KUBEFLOW_NOW` (RFC 3339, for reproducible output) or the clock.
fn now() -> jiff::Timestamp {
    std::env::var("KUBECTL_KUBEFLOW_NOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(jiff::Timestamp::now)
}

/// What a read command lists and builds: only what it prints (at 5,000 profiles the
/// RoleBindings and policies are most of the data, the ClusterRoles matter only to `roles`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Reads {
    kinds: &'static [Kind],
    users: bool,
}

impl Reads {
    /// Profile rows and findings: `profiles`.
    pub(super) const PROFILES: Reads = Reads {
        kinds: &[
            Kind::Profile,
            Kind::Namespace,
            Kind::RoleBinding,
            Kind::AuthorizationPolicy,
            Kind::ResourceQuota,
            Kind::LimitRange,
        ],
        users: false,
    };
    /// Findings, cluster-wide ones included: `doctor`.
    pub(super) const FINDINGS: Reads = Reads {
        kinds: &[
            Kind::Profile,
            Kind::Namespace,
            Kind::RoleBinding,
            Kind::ClusterRoleBinding,
            Kind::AuthorizationPolicy,
            Kind::ResourceQuota,
            Kind::LimitRange,
        ],
        users: false,
    };
    /// Everything but the role chart: `users`, `access`, `export`.
    pub(super) const USERS: Reads = Reads {
        kinds: &[
            Kind::Profile,
            Kind::Namespace,
            Kind::RoleBinding,
            Kind::ClusterRoleBinding,
            Kind::AuthorizationPolicy,
            Kind::ResourceQuota,
            Kind::LimitRange,
        ],
        users: true,
    };
    /// The ClusterRoles only: `roles`.
    pub(super) const ROLES: Reads = Reads {
        kinds: &[Kind::ClusterRole],
        users: false,
    };
}

pub(super) async fn load(global: &GlobalArgs, reads: Reads) -> Result<Tenancy, CliError> {
    Ok(load_all(global, reads).await?.2)
}

/// The cluster, the snapshot read from it and the model built from that snapshot.
pub(super) async fn load_all(
    global: &GlobalArgs,
    reads: Reads,
) -> Result<(Cluster, crate::tenancy::Snapshot, Tenancy), CliError> {
    let cluster = connect(global).await?;
    let spinner = super::progress::spinner(format!(
        "reading profiles and access from context {:?}",
        cluster.context()
    ));
    let snapshot = load_kinds(&cluster, reads.kinds).await;
    spinner.finish_and_clear();
    let snapshot = snapshot
        .with_context(|| format!("reading tenancy from context {:?}", cluster.context()))?;
    for (resource, message) in &snapshot.forbidden {
        errln!(
            "Warning: cannot list {resource}: {message}; the data shown is incomplete (ask for list permission on {resource})"
        );
    }
    if !snapshot.istio() {
        errln!(
            "Warning: Istio's AuthorizationPolicy CRD is not installed; contributor policies are not checked"
        );
    }
    let tenancy = if reads.users {
        Tenancy::build(&snapshot)
    } else {
        Tenancy::build_without_users(&snapshot)
    };
    Ok((cluster, snapshot, tenancy))
}

/// Prints `{"kind": kind, field: [items]}` one item at a time (see
/// [`write_list`](crate::manifest::output::write_list)): the output of 15,000 users is never
/// held whole.
pub(super) fn print_list<T: Serialize>(
    kind: &str,
    field: &str,
    items: impl IntoIterator<Item = T>,
    format: ListOutput,
) -> CliResult {
    print_with_list(json!({ "kind": kind }), field, items, format)
}

/// Prints `head` with one more key, `field` (which sorts last), holding `items`, one item at
/// a time.
fn print_with_list<T: Serialize>(
    head: serde_json::Value,
    field: &str,
    items: impl IntoIterator<Item = T>,
    format: ListOutput,
) -> CliResult {
    use std::io::Write as _;
    let format = match format {
        ListOutput::Yaml => OutputFormat::Yaml,
        _ => OutputFormat::Json,
    };
    let items = items.into_iter().map(serde_json::to_value);
    let mut out = std::io::BufWriter::new(super::stdio::stdout());
    crate::manifest::output::write_list(&mut out, head, field, items, format)
        .context("rendering output")?;
    out.flush().context("writing output")?;
    Ok(())
}

pub(super) fn print_structured<T: Serialize>(value: &T, format: ListOutput) -> CliResult {
    let value = serde_json::to_value(value).context("serializing output")?;
    let format = match format {
        ListOutput::Yaml => OutputFormat::Yaml,
        _ => OutputFormat::Json,
    };
    let text = render_objects(&[value], format).context("rendering output")?;
    out!("{text}");
    Ok(())
}

fn percent(q: Option<&QuotaLine>) -> i64 {
    q.and_then(QuotaLine::percent).map(i64::from).unwrap_or(-1)
}

/// Parses `-l` with kube's label-selector grammar; a malformed selector is a usage error.
fn parse_selector(selector: &str) -> Result<LabelSelector, CliError> {
    LabelSelector::parse(selector).map_err(|e| {
        CliError::Usage(anyhow::anyhow!(
            "label selector {selector:?} does not parse: {e}; write e.g. -l team=ml, -l 'tier in (gold,silver)', -l 'team!=ml', -l owner or -l '!archived'"
        ))
    })
}

/// `kubectl kubeflow profiles`.
pub async fn profiles(global: &GlobalArgs, args: ProfilesArgs) -> CliResult {
    let tenancy = load(global, Reads::PROFILES).await?;
    let selector = args.selector.as_deref().map(parse_selector).transpose()?;
    let mut rows: Vec<&ProfileRow> = tenancy
        .profiles()
        .iter()
        .filter(|p| {
            selector
                .as_ref()
                .is_none_or(|s| s.matches_labels(|k| p.labels.get(k).map(String::as_str)))
        })
        .map(|p| &**p)
        .collect();
    match args.sort_by {
        ProfileSort::Name => {}
        ProfileSort::Owner => rows.sort_by(|a, b| a.owner.cmp(&b.owner)),
        ProfileSort::Contributors => rows.sort_by_key(|p| std::cmp::Reverse(p.contributors.len())),
        ProfileSort::Cpu => rows.sort_by_key(|p| std::cmp::Reverse(percent(p.quota_for("cpu")))),
        ProfileSort::Memory => {
            rows.sort_by_key(|p| std::cmp::Reverse(percent(p.quota_for("memory"))))
        }
        ProfileSort::Health => {
            rows.sort_by_key(|p| std::cmp::Reverse((p.health.errors, p.health.warnings)))
        }
        ProfileSort::Age => rows.sort_by_key(|p| p.created),
    }
    let now = now();
    match args.output {
        Some(ListOutput::Name) => {
            for p in rows {
                outln!("profile.kubeflow.org/{}", p.name);
            }
        }
        Some(f @ (ListOutput::Json | ListOutput::Yaml)) => {
            let items = rows.iter().map(|p| ProfileOut {
                row: p,
                age: age(p.created, now),
            });
            print_list("ProfileSummaryList", "items", items, f)?;
        }
        wide => {
            let wide = wide == Some(ListOutput::Wide);
            let mut headers = vec![
                "NAME",
                "OWNER",
                "CONTRIBUTORS",
                "CPU",
                "MEMORY",
                "GPU",
                "HEALTH",
                "AGE",
            ];
            if wide {
                headers.extend(["LIMITRANGE", "NAMESPACE", "POLICIES"]);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|p| {
                    let mut r = p.summary_cells(now);
                    if wide {
                        r.push(if p.limit_range { "yes" } else { "no" }.into());
                        r.push(
                            if p.namespace_exists {
                                "present"
                            } else {
                                "missing"
                            }
                            .into(),
                        );
                        let with = p
                            .contributors
                            .iter()
                            .filter(|c| c.authorization_policy.is_some())
                            .count();
                        r.push(if tenancy.istio() {
                            format!("{with}/{}", p.contributors.len())
                        } else {
                            "n/a".into()
                        });
                    }
                    r
                })
                .collect();
            if table.is_empty() {
                errln!("No profiles found.");
            } else {
                out!("{}", render(&headers, &table));
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ProfileOut<'a> {
    #[serde(flatten)]
    row: &'a ProfileRow,
    age: String,
}

/// `kubectl kubeflow access`.
pub async fn access(global: &GlobalArgs, args: AccessArgs) -> CliResult {
    let tenancy = load(global, Reads::USERS).await?;
    let m = tenancy.access_matrix();
    match args.output.map(ListOutput::from) {
        Some(f) => {
            let rows = m.users.iter().enumerate().map(|(ui, u)| {
                let cells: BTreeMap<&str, AccessLevel> = m
                    .row(ui)
                    .iter()
                    .map(|(pi, c)| (m.profiles[*pi].as_str(), *c))
                    .collect();
                json!({"user": u, "access": cells})
            });
            print_with_list(
                json!({"kind": "AccessMatrix", "profiles": m.profiles}),
                "users",
                rows,
                f,
            )
        }
        None => {
            let mut headers: Vec<&str> = vec!["USER"];
            headers.extend(m.profiles.iter().map(String::as_str));
            let rows: Vec<Vec<String>> = m
                .users
                .iter()
                .enumerate()
                .map(|(ui, u)| {
                    let mut r = vec![u.clone()];
                    r.extend((0..m.profiles.len()).map(|pi| {
                        m.cell(ui, pi)
                            .map_or(".".to_string(), |c| c.letter().to_string())
                    }));
                    r
                })
                .collect();
            out!("{}", render(&headers, &rows));
            outln!(
                "\nO owner   A kubeflow-admin   E kubeflow-edit   V kubeflow-view   . none (cluster-wide roles: see `users`)"
            );
            Ok(())
        }
    }
}
