//! Bulk onboarding from a roster (`onboard --from FILE`): check every row against the
//! cluster before writing anything, then apply owners first (their profiles must exist before
//! contributors are added) and everything else after, each phase with bounded concurrency.
//! Idempotent: what already matches is `unchanged`, what exists but differs is reported and
//! left alone (`grant`, `quota set` change it deliberately).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures::StreamExt as _;
use kube::api::{Api, ListParams};

use super::access::{AccessError, plan_grant, plan_grant_cluster_wide};
use super::apply::{Applied, ApplyOptions, apply};
use super::onboard::{OnboardObjects, hard_map, onboard, same_quota, show_quota};
use super::{Cluster, ClusterError, DryRun};
use crate::manifest::{
    IstioSettings, LimitRangeDefaults, contributor_pair, limit_range, profile, to_value,
};
use crate::model::{Profile, Subject};
use crate::plan::{Action, Plan};
use crate::tenancy::roster::{Entry, Grant, RowError};

/// What happened to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Objects created (or, in a dry run, that would be).
    Created(Vec<String>),
    /// Everything the row asks for is already there.
    Unchanged,
    /// Something exists that differs from the row; left alone.
    Differs(String),
    /// The write failed.
    Failed(String),
}

impl Outcome {
    /// The RESULT word.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Created(_) => "created",
            Outcome::Unchanged => "unchanged",
            Outcome::Differs(_) => "differs",
            Outcome::Failed(_) => "failed",
        }
    }

    /// The detail (objects created, what differs, why it failed).
    pub fn detail(&self) -> String {
        match self {
            Outcome::Created(objs) => objs.join(", "),
            Outcome::Unchanged => String::new(),
            Outcome::Differs(d) | Outcome::Failed(d) => d.clone(),
        }
    }
}

/// One row's result.
#[derive(Debug, Clone)]
pub struct RowResult {
    /// The row.
    pub entry: Entry,
    /// What happened.
    pub outcome: Outcome,
}

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// `--dry-run`.
    pub dry_run: DryRun,
    /// Rows applied at once.
    pub concurrency: usize,
    /// How long a row waits for a new profile's namespace.
    pub namespace_wait: Duration,
    /// Create RoleBindings only where Istio is missing.
    pub no_istio: bool,
}

/// Checks rows against the cluster without writing: a contributor row must name a profile
/// that exists or that an owner row of the file creates.
pub async fn check_roster(
    cluster: &Cluster,
    entries: &[Entry],
) -> Result<Vec<RowError>, ClusterError> {
    let api: Api<Profile> = Api::all(cluster.client().clone());
    let existing: HashSet<String> = api
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.explain(e, "profiles.kubeflow.org"))?
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    let created: HashSet<&str> = entries
        .iter()
        .filter(|e| matches!(e.grant, Grant::Owner { .. }))
        .map(Entry::profile)
        .collect();
    Ok(entries
        .iter()
        .filter_map(|e| match &e.grant {
            Grant::Contributor { profile, .. }
                if !existing.contains(profile.as_str()) && !created.contains(profile.as_str()) =>
            {
                Some(RowError {
                    line: e.line,
                    message: format!(
                        "profile {profile} does not exist on context {:?} and no owner row of this file creates it",
                        cluster.context()
                    ),
                })
            }
            _ => None,
        })
        .collect())
}

fn names(applied: &[Applied]) -> Vec<String> {
    applied.iter().map(|a| a.reference.clone()).collect()
}

async fn owner_row(cluster: &Cluster, entry: &Entry, opts: ImportOptions) -> Outcome {
    let (
        Grant::Owner {
            profile: name,
            quota,
            limit_range: wants_lr,
        },
        Subject::User(email),
    ) = (&entry.grant, &entry.subject)
    else {
        return Outcome::Failed("not an owner row".into());
    };
    let api: Api<Profile> = Api::all(cluster.client().clone());
    let live = match api.get_opt(name.as_str()).await {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(cluster.explain(e, "profiles.kubeflow.org").to_string()),
    };
    let want: BTreeMap<String, String> = quota
        .iter()
        .flat_map(|q| q.iter())
        .map(|(k, v)| (k.as_str().to_string(), v.to_string()))
        .collect();
    if let Some(live) = live {
        let owner = live
            .spec
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let mut diffs = Vec::new();
        if owner != email.as_str() {
            diffs.push(format!("owned by {owner:?}"));
        }
        let hard = hard_map(&live);
        if !same_quota(&hard, &want) {
            diffs.push(format!(
                "quota is {} (file: {}; `quota set` changes it)",
                show_quota(&hard),
                show_quota(&want)
            ));
        }
        if *wants_lr {
            let lrs: Api<k8s_openapi::api::core::v1::LimitRange> =
                Api::namespaced(cluster.client().clone(), name.as_str());
            if let Ok(l) = lrs.list(&ListParams::default()).await
                && l.items.is_empty()
            {
                diffs.push("has no LimitRange (`quota set --limit-range` adds it)".into());
            }
        }
        return if diffs.is_empty() {
            Outcome::Unchanged
        } else {
            Outcome::Differs(diffs.join("; "))
        };
    }
    let objects = OnboardObjects {
        profile: profile(name, email, quota.as_ref()),
        limit_range: wants_lr.then(|| limit_range(name, &LimitRangeDefaults::default())),
    };
    match onboard(cluster, &objects, opts.dry_run, opts.namespace_wait).await {
        Ok(applied) => Outcome::Created(names(&applied)),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn apply_plan(cluster: &Cluster, plan: &Plan, opts: ImportOptions) -> Outcome {
    if plan.changes.iter().all(|c| c.action == Action::Unchanged) {
        return Outcome::Unchanged;
    }
    if let Some(c) = plan
        .changes
        .iter()
        .find(|c| matches!(c.action, Action::Delete | Action::Update))
    {
        return Outcome::Differs(format!(
            "has other access there ({} would be {}); `grant` replaces it deliberately",
            c.reference(),
            c.action.past_tense()
        ));
    }
    let apply_opts = ApplyOptions {
        dry_run: opts.dry_run,
        wait_for_namespace: Some(opts.namespace_wait),
    };
    match apply(cluster, plan, apply_opts).await {
        Ok(applied) => Outcome::Created(
            applied
                .iter()
                .filter(|a| a.action != Action::Unchanged.past_tense())
                .map(|a| a.reference.clone())
                .collect(),
        ),
        Err(e) => Outcome::Failed(e.source.to_string()),
    }
}

async fn row(
    cluster: &Cluster,
    entry: &Entry,
    opts: ImportOptions,
    new_profiles: &HashSet<String>,
) -> Outcome {
    match &entry.grant {
        Grant::Owner { .. } => owner_row(cluster, entry, opts).await,
        Grant::Contributor { profile, role } => {
            // In a dry run the file's new profiles do not exist: plan their pairs offline.
            if opts.dry_run != DryRun::None && new_profiles.contains(profile.as_str()) {
                return match contributor_pair(
                    profile,
                    &entry.subject,
                    *role,
                    &IstioSettings::default(),
                ) {
                    Ok(pair) => {
                        let mut planned: Vec<String> =
                            [to_value(&pair.role_binding), to_value(&pair.policy)]
                                .into_iter()
                                .filter_map(Result::ok)
                                .filter_map(|v| crate::manifest::output::resource_name(&v).ok())
                                .collect();
                        if opts.dry_run == DryRun::Server {
                            planned.push("(not sent: the profile is created by this file)".into());
                        }
                        Outcome::Created(planned)
                    }
                    Err(e) => Outcome::Failed(e.to_string()),
                };
            }
            match plan_grant(cluster, profile, &entry.subject, *role, opts.no_istio).await {
                Ok(plan) => apply_plan(cluster, &plan, opts).await,
                Err(AccessError::Owner { .. }) => {
                    Outcome::Differs("owns this profile (ownership is stronger)".into())
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
        Grant::ClusterWide { role } => {
            match plan_grant_cluster_wide(cluster, &entry.subject, *role).await {
                Ok(plan) => apply_plan(cluster, &plan, opts).await,
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
    }
}

/// Applies checked rows: owners first, then contributors and cluster-wide roles. `progress`
/// is called as each row finishes (done, total, result). Results come back in file order.
pub async fn import(
    cluster: &Cluster,
    entries: &[Entry],
    opts: ImportOptions,
    mut progress: impl FnMut(usize, usize, &RowResult),
) -> Vec<RowResult> {
    let total = entries.len();
    let api: Api<Profile> = Api::all(cluster.client().clone());
    let existing: HashSet<String> = api
        .list(&ListParams::default())
        .await
        .map(|l| {
            l.items
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect()
        })
        .unwrap_or_default();
    let new_profiles: HashSet<String> = entries
        .iter()
        .filter(|e| matches!(e.grant, Grant::Owner { .. }))
        .map(|e| e.profile().to_string())
        .filter(|p| !existing.contains(p))
        .collect();
    let concurrency = opts.concurrency.max(1);
    let mut results: Vec<RowResult> = Vec::with_capacity(total);
    let owners: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(e.grant, Grant::Owner { .. }))
        .collect();
    let others: Vec<&Entry> = entries
        .iter()
        .filter(|e| !matches!(e.grant, Grant::Owner { .. }))
        .collect();
    for phase in [owners, others] {
        let new_profiles = &new_profiles;
        let mut stream = futures::stream::iter(phase)
            .map(|entry| async move {
                RowResult {
                    entry: entry.clone(),
                    outcome: row(cluster, entry, opts, new_profiles).await,
                }
            })
            .buffer_unordered(concurrency);
        while let Some(r) = stream.next().await {
            results.push(r);
            if let Some(last) = results.last() {
                progress(results.len(), total, last);
            }
        }
    }
    results.sort_by_key(|r| r.entry.line);
    results
}
