//! The read commands: `profiles`, `users`, `users show`, `access`, `doctor`. Each loads one
//! snapshot, builds the tenancy model (the same one the TUI shows) and prints it. This module
//! holds what they share (loading, printing); `profiles` and `access` have a file each.

mod access;
mod profiles;

use std::collections::BTreeMap;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;

use super::error::{CliError, CliResult};
use super::global::{GlobalArgs, connect};
use super::table::render;
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

pub use access::{AccessArgs, access};
pub use profiles::{ProfilesArgs, profiles};
