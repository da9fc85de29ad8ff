//! `roles [ROLE]` and `roles --compare A B`: the permissions chart of the kubeflow roles.

use clap::Args;
use serde::Serialize;

use super::error::{CliError, CliResult};
use super::global::GlobalArgs;
use super::read::{ListOutput, load, print_structured};
use super::table::render;
use crate::model::Role;
use crate::tenancy::roles::{Added, RoleChart, RolePermissions, verbs_cell};

/// Flags of `roles`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # What view, edit and admin allow, resource by resource\n  \
    kubectl kubeflow roles\n\n  \
    # One role, with the ClusterRoles aggregated into it\n  \
    kubectl kubeflow roles edit -o wide\n\n  \
    # What edit adds over view\n  \
    kubectl kubeflow roles --compare edit view")]
pub struct RolesArgs {
    /// Only this role: admin, edit or view.
    #[arg(value_name = "ROLE")]
    pub role: Option<Role>,
    /// Show what ROLE allows that BASE does not.
    #[arg(long, num_args = 2, value_names = ["ROLE", "BASE"], conflicts_with = "role")]
    pub compare: Option<Vec<Role>>,
    /// Output format (default: chart); wide also lists the aggregated ClusterRoles.
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<ListOutput>,
}

fn check_found(chart: &RoleChart, wanted: &[Role]) -> CliResult {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|r| !chart.role(**r).is_some_and(|p| p.found))
        .map(|r| r.cluster_role())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CliError::Failed(anyhow::anyhow!(
        "ClusterRole(s) {} not found: Kubeflow's kubeflow-roles are not installed on this cluster (manifests common/kubeflow-roles), or you may not list clusterroles",
        missing.join(", ")
    )))
}

fn print_sources(roles: &[&RolePermissions]) {
    for r in roles {
        outln!();
        outln!("{} aggregates {} ClusterRoles:", r.name, r.sources.len());
        for s in &r.sources {
            outln!("  {s}");
        }
    }
}

/// `kubectl kubeflow roles`.
pub async fn roles(global: &GlobalArgs, args: RolesArgs) -> CliResult {
    let tenancy = load(global, super::read::Reads::ROLES).await?;
    let chart = tenancy.roles();
    if let Some(pair) = &args.compare {
        let [a, b] = pair.as_slice() else {
            return Err(CliError::Usage(anyhow::anyhow!(
                "--compare takes two roles, e.g. --compare edit view"
            )));
        };
        return compare(chart, *a, *b, args.output);
    }
    let wanted: Vec<Role> = match args.role {
        Some(r) => vec![r],
        None => vec![Role::View, Role::Edit, Role::Admin],
    };
    check_found(chart, &wanted)?;
    let perms: Vec<&RolePermissions> = wanted.iter().filter_map(|r| chart.role(*r)).collect();
    match args.output {
        Some(ListOutput::Name) => {
            for p in &perms {
                outln!("clusterrole.rbac.authorization.k8s.io/{}", p.name);
            }
        }
        Some(f @ (ListOutput::Json | ListOutput::Yaml)) => {
            #[derive(Serialize)]
            struct Chart<'a> {
                kind: &'static str,
                roles: &'a [&'a RolePermissions],
            }
            print_structured(
                &Chart {
                    kind: "RoleChart",
                    roles: &perms,
                },
                f,
            )?;
        }
        other => {
            out!("{}", chart_table(&perms));
            if other == Some(ListOutput::Wide) {
                print_sources(&perms);
            }
        }
    }
    Ok(())
}

/// `roles --compare A B`: what A allows beyond B.
fn compare(chart: &RoleChart, a: Role, b: Role, output: Option<ListOutput>) -> CliResult {
    check_found(chart, &[a, b])?;
    let added = chart.compare(a, b);
    if let Some(f @ (ListOutput::Json | ListOutput::Yaml)) = output {
        #[derive(Serialize)]
        struct Comparison<'a> {
            kind: &'static str,
            role: &'static str,
            base: &'static str,
            adds: &'a [Added],
        }
        return print_structured(
            &Comparison {
                kind: "RoleComparison",
                role: a.cluster_role(),
                base: b.cluster_role(),
                adds: &added,
            },
            f,
        );
    }
    if added.is_empty() {
        errln!(
            "{} allows nothing that {} does not.",
            a.cluster_role(),
            b.cluster_role()
        );
        return Ok(());
    }
    let header = format!("{} ADDS OVER {}", a.short_name(), b.short_name()).to_uppercase();
    let rows: Vec<Vec<String>> = added
        .iter()
        .map(|x| vec![x.resource.label(), verbs_cell(&x.verbs)])
        .collect();
    out!("{}", render(&["RESOURCE", &header], &rows));
    Ok(())
}

/// The chart as a table: one row per resource any of the roles shown covers (sorted), one
/// column of verbs per role.
fn chart_table(perms: &[&RolePermissions]) -> String {
    let resources: std::collections::BTreeSet<_> =
        perms.iter().flat_map(|p| p.resources.keys()).collect();
    let mut headers = vec!["RESOURCE".to_string()];
    headers.extend(perms.iter().map(|p| {
        p.name
            .strip_prefix("kubeflow-")
            .unwrap_or(&p.name)
            .to_uppercase()
    }));
    let rows: Vec<Vec<String>> = resources
        .iter()
        .map(|key| {
            let mut row = vec![key.label()];
            row.extend(perms.iter().map(|p| {
                p.resources
                    .get(key)
                    .map_or_else(|| "-".to_string(), verbs_cell)
            }));
            row
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    render(&headers, &rows)
}
