//! Runs the effects `update` returns, on tokio tasks that answer with messages: the watches,
//! the identity check, and the editing effects (plan, server dry run, apply). It owns the
//! connected [`Cluster`]; writes go through the same planners and `cluster::apply` as the
//! CLI, and a `--readonly` session's cluster refuses writes in the write layer itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::edit::{Check, Failure, FailureKind, Intent};
use super::msg::{Effect, Msg, Outcome};
use std::collections::BTreeMap;

use crate::cluster::access::{AccessError, istio_installed, plan_grant, plan_revoke};
use crate::cluster::apply::{ApplyOptions, apply, read_object};
use crate::cluster::offboard::{NamespaceContents, plan_delete_profile, plan_offboard};
use crate::cluster::onboard::{OnboardError, OnboardObjects, plan_onboard};
use crate::cluster::permission::{PermissionCache, missing_permissions};
use crate::cluster::quota::{QuotaEdit, QuotaPlanError, plan_quota};
use crate::cluster::registration::{DEFAULT_DEPLOYMENT, DEFAULT_NAMESPACE, plan_registration};
use crate::cluster::snapshot::load_snapshot;
use crate::cluster::watch::LiveTenancy;
use crate::cluster::{Cluster, ClusterError, ConnectOptions, DryRun};
use crate::manifest::LimitRangeDefaults;
use crate::manifest::{IstioSettings, contributor_pair};
use crate::model::Quota;
use crate::model::{Email, ProfileName, Quantity, ResourceName, Role, Subject};
use crate::plan::Change;
use crate::plan::Plan;
use crate::tenancy::doctor::{Finding, diagnose, plan_fixes};
use crate::tui::rows::finding_id;
use serde_json::Value;

/// How long an apply waits for a namespace the profile controller is making.
const NAMESPACE_WAIT: Duration = Duration::from_secs(60);

type Slot = Arc<Mutex<Option<Cluster>>>;

/// Runs effects; each answers with messages on `tx`.
pub struct Runner {
    options: ConnectOptions,
    readonly: bool,
    tx: mpsc::UnboundedSender<Msg>,
    watch: Option<JoinHandle<()>>,
    cluster: Slot,
    permissions: PermissionCache,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(w) = self.watch.take() {
            w.abort();
        }
    }
}

impl Runner {
    /// A runner for `options`; `readonly` makes the write layer refuse every write.
    pub fn new(options: ConnectOptions, readonly: bool, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Runner {
            options,
            readonly,
            tx,
            watch: None,
            cluster: Arc::default(),
            permissions: PermissionCache::default(),
        }
    }

    /// Starts `effect`.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Watch {
                generation,
                context,
            } => {
                if let Some(old) = self.watch.take() {
                    // Dropping the task drops its LiveTenancy, which stops the watchers.
                    old.abort();
                }
                let mut options = self.options.clone();
                if let Some(ctx) = context {
                    options.context = Some(ctx);
                    // Later refreshes stay on the chosen context.
                    self.options = options.clone();
                    self.permissions = PermissionCache::default();
                }
                if let Ok(mut slot) = self.cluster.lock() {
                    *slot = None;
                }
                let task = watch(
                    options,
                    self.readonly,
                    generation,
                    self.tx.clone(),
                    Arc::clone(&self.cluster),
                );
                self.watch = Some(tokio::spawn(task));
            }
            Effect::Plan { id, intent } => {
                let (cluster, tx, cache) = self.parts();
                tokio::spawn(async move {
                    let result = match cluster {
                        Some(c) => plan(&c, &intent, &cache).await,
                        None => Err(not_connected()),
                    };
                    let _ = tx.send(Msg::Planned { id, result });
                });
            }
            Effect::DryRun { items } => {
                let (cluster, tx, _) = self.parts();
                tokio::spawn(async move {
                    for (id, plan) in items {
                        let checks = match &cluster {
                            Some(c) => dry_run(c, &plan).await,
                            None => vec![Check {
                                reference: "(all)".into(),
                                outcome: Err(not_connected().message),
                            }],
                        };
                        let _ = tx.send(Msg::Checked { id, checks });
                    }
                });
            }
            Effect::Inspect { intent } => {
                let (cluster, tx, cache) = self.parts();
                tokio::spawn(async move {
                    let result = match cluster {
                        Some(c) => inspect(&c, &intent, &cache).await,
                        None => Err(not_connected()),
                    };
                    let _ = tx.send(Msg::Inspected { intent, result });
                });
            }
            Effect::FetchForEdit { object } => {
                let (cluster, tx, _) = self.parts();
                tokio::spawn(async move {
                    let result = match cluster {
                        Some(c) => fetch_for_edit(&c, &object).await,
                        None => Err(not_connected()),
                    };
                    let _ = tx.send(Msg::EditReady { result });
                });
            }
            // The terminal's owner runs the editor (see `tui::run`).
            Effect::OpenEditor { .. } => {}
            Effect::Apply { items } => {
                let (cluster, tx, cache) = self.parts();
                tokio::spawn(async move {
                    apply_all(cluster, items, &cache, &tx).await;
                    let _ = tx.send(Msg::ApplyDone);
                });
            }
        }
    }

    fn parts(&self) -> (Option<Cluster>, mpsc::UnboundedSender<Msg>, PermissionCache) {
        let cluster = self.cluster.lock().ok().and_then(|c| c.clone());
        (cluster, self.tx.clone(), self.permissions.clone())
    }
}

fn not_connected() -> Failure {
    Failure::new(
        FailureKind::Unreachable,
        "not connected to the cluster yet; wait for ● live and try again",
    )
}

/// Connects, reports identity, and forwards watch events until aborted.
async fn watch(
    options: ConnectOptions,
    readonly: bool,
    generation: u64,
    tx: mpsc::UnboundedSender<Msg>,
    slot: Slot,
) {
    let cluster = match Cluster::connect(&options).await {
        Ok(c) if readonly => c.read_only("the TUI was started with --readonly"),
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::ConnectFailed {
                generation,
                error: e.to_string(),
            });
            return;
        }
    };
    if let Ok(mut s) = slot.lock() {
        *s = Some(cluster.clone());
    }
    let _ = tx.send(Msg::Connected {
        generation,
        context: cluster.context().to_string(),
        server: cluster.server().to_string(),
    });
    let identity_cluster = cluster.clone();
    let identity_tx = tx.clone();
    let identity = tokio::spawn(async move {
        let result = identity_cluster.identity().await.map_err(|e| e.to_string());
        let _ = identity_tx.send(Msg::Identity { generation, result });
    });
    let (ltx, mut lrx) = mpsc::unbounded_channel();
    let _live = LiveTenancy::start(&cluster, ltx);
    while let Some(event) = lrx.recv().await {
        if tx.send(Msg::Live { generation, event }).is_err() {
            break;
        }
    }
    identity.abort();
}

fn invalid(e: impl std::fmt::Display) -> Failure {
    Failure::new(FailureKind::Invalid, e.to_string())
}

fn from_quota(e: QuotaPlanError) -> Failure {
    match &e {
        QuotaPlanError::Cluster(c) => c.into(),
        QuotaPlanError::NoProfile(_) => Failure::new(FailureKind::NotFound, e.to_string()),
        QuotaPlanError::Stale { .. } => Failure::new(FailureKind::Conflict, e.to_string()),
        _ => invalid(e),
    }
}

fn from_access(e: AccessError) -> Failure {
    match &e {
        AccessError::Cluster(c) => c.into(),
        AccessError::NoProfile(_) => Failure::new(FailureKind::NotFound, e.to_string()),
        _ => invalid(e),
    }
}

/// Plans `intent` with the CLI's planners, then checks the permissions the plan needs.
pub async fn plan(
    cluster: &Cluster,
    intent: &Intent,
    cache: &PermissionCache,
) -> Result<Plan, Failure> {
    let plan = match intent {
        Intent::Quota {
            profile,
            set,
            unset,
            limit_range,
        } => {
            let mut quota = Quota::new();
            for (k, v) in set {
                quota.set(k.clone(), *v).map_err(invalid)?;
            }
            let edit = QuotaEdit::Change {
                set: quota,
                unset: unset.iter().cloned().collect(),
            };
            let defaults = limit_range.then(LimitRangeDefaults::default);
            plan_quota(cluster, profile, &edit, None, defaults.as_ref())
                .await
                .map_err(from_quota)?
                .plan
        }
        Intent::Access {
            profile,
            subject,
            role: Some(role),
        } => plan_grant(cluster, profile, subject, *role, true)
            .await
            .map_err(from_access)?,
        Intent::Access {
            profile,
            subject,
            role: None,
        } => plan_revoke(cluster, profile, subject, None)
            .await
            .map_err(from_access)?,
        Intent::Onboard {
            email,
            profile,
            quota,
            limit_range,
            contributors,
        } => plan_new_profile(cluster, email, profile, quota, *limit_range, contributors).await?,
        Intent::Offboard { subject } => {
            plan_offboard(cluster, subject, false)
                .await
                .map_err(from_access)?
                .plan
        }
        Intent::DeleteProfile { profile } => {
            plan_delete_profile(cluster, profile)
                .await
                .map_err(from_access)?
                .plan
        }
        Intent::Fix { findings } => plan_fix(cluster, findings).await?,
        Intent::Replace { before, after, .. } => plan_replace(cluster, before, after).await?,
        Intent::Registration { enable } => {
            plan_registration(cluster, DEFAULT_NAMESPACE, DEFAULT_DEPLOYMENT, *enable)
                .await
                .map_err(invalid)?
                .0
        }
    };
    let missing = missing_permissions(cluster, &plan, cache)
        .await
        .map_err(|e| Failure::from(&e))?;
    if !missing.is_empty() {
        let what: Vec<String> = missing.iter().map(ToString::to_string).collect();
        return Err(Failure::new(
            FailureKind::Forbidden,
            format!(
                "{}: {}; nothing was staged",
                intent.summary(),
                what.join("; ")
            ),
        ));
    }
    Ok(plan)
}

/// An edited object against the live one: a conflict when it changed since it was opened
/// in the editor (the edit was made on the old version).
async fn plan_replace(cluster: &Cluster, before: &Value, after: &Value) -> Result<Plan, Failure> {
    let live = read_object(cluster, before)
        .await
        .map_err(|e| Failure::from(&e))?
        .ok_or_else(|| {
            Failure::new(
                FailureKind::NotFound,
                "the object was deleted since it was opened in the editor",
            )
        })?;
    let rv = |v: &Value| v.pointer("/metadata/resourceVersion").cloned();
    if rv(&live) != rv(before) {
        return Err(Failure::new(
            FailureKind::Conflict,
            "the object changed since it was opened in the editor; press E again to edit the current version",
        ));
    }
    let mut plan = Plan::new();
    plan.push(Change::update(live, after.clone()));
    Ok(plan)
}

/// Reads the object to edit as YAML.
pub async fn fetch_for_edit(cluster: &Cluster, obj: &Value) -> Result<Value, Failure> {
    read_object(cluster, obj)
        .await
        .map_err(|e| Failure::from(&e))?
        .ok_or_else(|| {
            Failure::new(
                FailureKind::NotFound,
                "the object does not exist (any more)",
            )
        })
}

/// The safe fixes for `findings` (row ids), planned from a fresh read of everything, so a
/// finding fixed meanwhile by someone else plans nothing.
async fn plan_fix(cluster: &Cluster, findings: &[String]) -> Result<Plan, Failure> {
    let snapshot = load_snapshot(cluster)
        .await
        .map_err(|e| Failure::from(&e))?;
    let all = diagnose(&snapshot);
    let wanted: Vec<&Finding> = all
        .iter()
        .filter(|f| findings.contains(&finding_id(f)))
        .collect();
    let (plan, _) = plan_fixes(&snapshot, &wanted).map_err(invalid)?;
    Ok(plan)
}

/// The Profile (refused if it or a foreign namespace of that name exists), the LimitRange,
/// and a KFAM pair per contributor (only the RoleBinding where Istio is not installed).
async fn plan_new_profile(
    cluster: &Cluster,
    email: &Email,
    profile: &ProfileName,
    quota: &BTreeMap<ResourceName, Quantity>,
    limit_range: bool,
    contributors: &[(Subject, Role)],
) -> Result<Plan, Failure> {
    let mut q = Quota::new();
    for (k, v) in quota {
        q.set(k.clone(), *v).map_err(invalid)?;
    }
    let defaults = limit_range.then(LimitRangeDefaults::default);
    let objects =
        OnboardObjects::new(profile, email, Some(&q), defaults.as_ref()).map_err(invalid)?;
    let mut plan = plan_onboard(cluster, &objects)
        .await
        .map_err(|e| match &e {
            OnboardError::Cluster(c) => c.into(),
            _ => invalid(e),
        })?;
    if !contributors.is_empty() {
        let istio = istio_installed(cluster, profile.as_str())
            .await
            .map_err(|e| Failure::from(&e))?;
        for (subject, role) in contributors {
            let pair = contributor_pair(profile, subject, *role, &IstioSettings::default())
                .map_err(invalid)?;
            plan.push(Change::create(&pair.role_binding).map_err(invalid)?);
            if istio {
                plan.push(Change::create(&pair.policy).map_err(invalid)?);
            }
        }
        if !istio {
            plan.warn("Istio is not installed: contributors get the RoleBinding only; the Kubeflow web apps will not let them in until an AuthorizationPolicy exists");
        }
    }
    Ok(plan)
}

/// The plan of a destructive intent with what the namespaces it touches hold, for the typed
/// confirmation (permissions checked like any plan).
async fn inspect(
    cluster: &Cluster,
    intent: &Intent,
    cache: &PermissionCache,
) -> Result<(Plan, Vec<NamespaceContents>), Failure> {
    let contents = match intent {
        Intent::DeleteProfile { profile } => {
            plan_delete_profile(cluster, profile)
                .await
                .map_err(from_access)?
                .owned
        }
        Intent::Offboard { subject } => {
            plan_offboard(cluster, subject, false)
                .await
                .map_err(from_access)?
                .owned
        }
        _ => Vec::new(),
    };
    Ok((plan(cluster, intent, cache).await?, contents))
}

/// Sends every change of `plan` with `dryRun=All`: one check per object.
async fn dry_run(cluster: &Cluster, plan: &Plan) -> Vec<Check> {
    let opts = ApplyOptions {
        dry_run: DryRun::Server,
        wait_for_namespace: None,
    };
    let (applied, failure) = match apply(cluster, plan, opts).await {
        Ok(a) => (a, None),
        Err(e) => (e.applied, Some(e.source)),
    };
    let mut checks: Vec<Check> = applied
        .into_iter()
        .zip(&plan.changes)
        .map(|(a, c)| Check {
            reference: c.label(),
            outcome: Ok(a.action),
        })
        .collect();
    if let Some(e) = failure {
        let done = checks.len();
        for (i, change) in plan.changes.iter().enumerate().skip(done) {
            checks.push(Check {
                reference: change.label(),
                outcome: Err(if i == done {
                    e.to_string()
                } else {
                    "not checked: an earlier object was refused".into()
                }),
            });
        }
    }
    checks
}

fn lines(applied: &[crate::cluster::apply::Applied]) -> Vec<String> {
    applied
        .iter()
        .map(|a| format!("{} {}", a.reference, a.action))
        .collect()
}

/// Applies the changes in order; a conflict re-plans that change and goes on, any other
/// failure stops (the rest is reported as not attempted).
async fn apply_all(
    cluster: Option<Cluster>,
    items: Vec<(u64, Intent, Plan)>,
    cache: &PermissionCache,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let Some(cluster) = cluster else {
        for (id, _, _) in items {
            let outcome = Outcome::Failed {
                done: Vec::new(),
                failure: not_connected(),
            };
            let _ = tx.send(Msg::Applied { id, outcome });
        }
        return;
    };
    let opts = ApplyOptions {
        dry_run: DryRun::None,
        wait_for_namespace: Some(NAMESPACE_WAIT),
    };
    let mut stopped = false;
    for (id, intent, plan) in items {
        let outcome = if stopped {
            Outcome::Skipped
        } else {
            match apply(&cluster, &plan, opts).await {
                Ok(applied) => Outcome::Done(lines(&applied)),
                Err(e)
                    if e.applied.is_empty()
                        && matches!(e.source, ClusterError::Conflict { .. }) =>
                {
                    Outcome::Conflict {
                        failure: Failure::from(&e.source),
                        replanned: self::plan(&cluster, &intent, cache).await,
                    }
                }
                Err(e) => {
                    stopped = true;
                    Outcome::Failed {
                        done: lines(&e.applied),
                        failure: Failure::from(&e.source),
                    }
                }
            }
        };
        let _ = tx.send(Msg::Applied { id, outcome });
    }
}
