//! Applying a [`Plan`]: the one place where the plugin writes to the cluster.
//!
//! Creates are POSTs (never overwriting: 409 AlreadyExists is reported), updates are JSON
//! patches guarded by `test` operations on the fields they change ([`crate::plan::patch`]: a
//! concurrent change of those fields is a conflict, never a lost update; a status write by a
//! controller is not), deletes carry resourceVersion and uid preconditions. `--dry-run=server` sends every
//! write with `dryRun=All`; `--dry-run=client` sends nothing. A 403 is explained with a
//! SelfSubjectAccessReview: who the server thinks you are and which verb on which resource
//! in which namespace is missing.

use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::core::DynamicObject;
use serde_json::Value;

pub use super::objects::read_object;
pub(crate) use super::objects::resource_of;
use super::objects::{api_for, dynamic, to_json};
use super::{Cluster, ClusterError, DryRun};
use crate::plan::{Action, Change, Plan};

/// One object handled, for the kubectl-like summary and for `-o`.
#[derive(Debug, Clone)]
pub struct Applied {
    /// `kind.group/name`, as kubectl prints it.
    pub reference: String,
    /// `created`, `configured`, `unchanged`, `deleted`, ...
    pub action: String,
    /// The object as the server returned it (or as planned, when not sent).
    pub object: Value,
}

/// A write that failed part way: what was done before, what was not, and the failure.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct ApplyError {
    /// The changes applied before the failing one.
    pub applied: Vec<Applied>,
    /// The failing change and every one after it (`kind.group/name`), none of them applied.
    pub not_applied: Vec<String>,
    /// Why the next change failed.
    #[source]
    pub source: ClusterError,
}

/// How to apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// `--dry-run`.
    pub dry_run: DryRun,
    /// Retry a create whose namespace does not exist yet (the profile controller is making
    /// it) for this long.
    pub wait_for_namespace: Option<Duration>,
}

/// One request for a change: `None` when there is nothing to send (unchanged, or an update
/// whose patch changes nothing), else the server's answer.
async fn request(
    api: &Api<DynamicObject>,
    change: &Change,
    dry_run: bool,
) -> Result<Option<Result<Value, kube::Error>>, ClusterError> {
    let obj = change.object();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let field_manager = Some(crate::manifest::MANAGED_BY_VALUE.to_string());
    Ok(Some(match change.action {
        Action::Unchanged => return Ok(None),
        Action::Create => {
            let params = PostParams {
                dry_run,
                field_manager,
            };
            api.create(&params, &dynamic(obj)?)
                .await
                .map(|o| to_json(&o))
        }
        Action::Update => {
            let before = change.before.as_ref().unwrap_or(obj);
            let ops = crate::plan::patch::guarded(before, obj);
            if crate::plan::patch::is_noop(&ops) {
                return Ok(None);
            }
            let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops))
                .map_err(|e| ClusterError::Other(format!("cannot build the patch: {e}")))?;
            let pp = PatchParams {
                dry_run,
                field_manager,
                ..PatchParams::default()
            };
            api.patch(name, &pp, &Patch::Json::<()>(patch))
                .await
                .map(|o| to_json(&o))
        }
        Action::Delete => {
            let meta = |k: &str| {
                obj.pointer(&format!("/metadata/{k}"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let dp = DeleteParams {
                dry_run,
                preconditions: Some(Preconditions {
                    resource_version: meta("resourceVersion"),
                    uid: meta("uid"),
                }),
                ..DeleteParams::default()
            };
            api.delete(name, &dp).await.map(|_| obj.clone())
        }
    }))
}

/// Sends one change; returns the object the server answered with, and a different word
/// than the action's when the server could not judge it (a server dry run into a namespace
/// the profile controller has not made yet).
async fn send(
    cluster: &Cluster,
    change: &Change,
    opts: ApplyOptions,
) -> Result<(Value, Option<String>), ClusterError> {
    let obj = change.object();
    let (api, resource) = api_for(cluster, obj)?;
    let started = Instant::now();
    let result = loop {
        let Some(attempt) = request(&api, change, opts.dry_run == DryRun::Server).await? else {
            return Ok((obj.clone(), None));
        };
        let namespace_missing = matches!(&attempt, Err(kube::Error::Api(s))
            if change.action == Action::Create
                && s.code == 404
                && s.details.as_ref().is_some_and(|d| d.kind == "namespaces"));
        if !namespace_missing {
            break attempt;
        }
        let ns = change.namespace().unwrap_or_default().to_string();
        match (opts.dry_run, opts.wait_for_namespace) {
            (DryRun::Server, _) => {
                // The namespace is made by the profile controller after the Profile exists,
                // so the server cannot judge this object yet; say so instead of waiting.
                return Ok((
                    obj.clone(),
                    Some(format!(
                        "not validated (namespace {ns} does not exist yet; the profile controller creates it)"
                    )),
                ));
            }
            (_, Some(wait)) if started.elapsed() < wait => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (_, Some(waited)) => {
                return Err(ClusterError::NamespaceMissing {
                    namespace: ns,
                    waited,
                });
            }
            (_, None) => break attempt,
        }
    };
    match result {
        Ok(v) => Ok((v, None)),
        Err(e) => refused(cluster, change, opts, e, &resource).await,
    }
}

/// What a write's failure means: a conflict (a guard failed, or the object was deleted
/// meanwhile), a write that did land although its answer was lost (read back), or the
/// server's refusal explained.
async fn refused(
    cluster: &Cluster,
    change: &Change,
    opts: ApplyOptions,
    e: kube::Error,
    resource: &str,
) -> Result<(Value, Option<String>), ClusterError> {
    let obj = change.object();
    let conflict = |what: &str| {
        Err(ClusterError::Conflict {
            message: format!("{} {what}, so nothing was written", change.label()),
        })
    };
    match e {
        kube::Error::Api(s) if change.action == Action::Update && guard_failed(&s) => conflict(
            "was changed by someone else since it was read: the fields this change is about no longer hold what it was based on",
        ),
        kube::Error::Api(s)
            if s.code == 404
                && matches!(change.action, Action::Update | Action::Delete)
                && s.details.as_ref().is_some_and(|d| !d.name.is_empty()) =>
        {
            conflict("was deleted by someone else since it was read")
        }
        e if opts.dry_run == DryRun::None && answer_unknown(&e) => {
            // The write may have run although its answer never came: read back what
            // happened instead of guessing, and never send it twice.
            match read_object(cluster, obj).await {
                Ok(live) if crate::plan::landed::landed(change.action, obj, live.as_ref()) => Ok((
                    live.unwrap_or_else(|| obj.clone()),
                    Some(format!(
                        "{} (its answer was lost; confirmed by reading it back)",
                        change.action.past_tense()
                    )),
                )),
                _ => Err(cluster.explain(e, resource)),
            }
        }
        e => Err(match cluster.explain(e, resource) {
            ClusterError::Forbidden { message } => ClusterError::Forbidden {
                message: cluster
                    .explain_forbidden(&message, change.action.verb(), resource, change.namespace())
                    .await,
            },
            other => other,
        }),
    }
}

/// Whether a 422 is a guarded patch's `test` failing (the apiserver answers any JSON patch
/// that does not apply with this fixed message; ours are well formed, so only a test can).
fn guard_failed(s: &kube::core::Status) -> bool {
    s.code == 422 && s.message == "the server rejected our request due to an error in our request"
}

/// Whether a failed write may still have run: the connection broke or timed out, or a
/// gateway/server error came instead of the API server's verdict.
fn answer_unknown(e: &kube::Error) -> bool {
    match e {
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        kube::Error::Api(s) => matches!(s.code, 500 | 502 | 503 | 504),
        _ => false,
    }
}

/// Shows deletes planned from the model's reduced objects (see `tenancy::compact`) with the
/// whole live object, for the preview and `--diff`. Only when the live object is still the
/// version the plan was made from: the delete stays guarded by that version, so a change
/// made since is a conflict at apply time, never a delete of something newer.
pub async fn show_live_deletes(cluster: &Cluster, plan: &mut Plan) {
    for change in plan.changes.iter_mut() {
        let Some(before) = change.before.as_ref() else {
            continue;
        };
        if change.action != crate::plan::Action::Delete {
            continue;
        }
        let rv = before.pointer("/metadata/resourceVersion").cloned();
        if let Ok(Some(live)) = read_object(cluster, before).await
            && live.pointer("/metadata/resourceVersion").cloned() == rv
            && let Ok(live) = crate::manifest::to_value(&live)
        {
            change.before = Some(live);
        }
    }
}

/// Applies the changes in order and reports each like kubectl. Stops at the first failure,
/// reporting what was already done. What a real apply wrote, whole or in part, is recorded
/// in the cluster's journal.
pub async fn apply(
    cluster: &Cluster,
    plan: &Plan,
    opts: ApplyOptions,
) -> Result<Vec<Applied>, ApplyError> {
    let result = send_all(cluster, plan, opts).await;
    if opts.dry_run == DryRun::None {
        let (applied, stopped) = match &result {
            Ok(a) => (a.as_slice(), None),
            Err(e) => (
                e.applied.as_slice(),
                Some(super::journal::Stopped {
                    why: &e.source,
                    not_applied: &e.not_applied,
                }),
            ),
        };
        let answers: Vec<&Value> = applied.iter().map(|a| &a.object).collect();
        super::journal::record(cluster, plan, &answers, stopped).await;
    }
    result
}

async fn send_all(
    cluster: &Cluster,
    plan: &Plan,
    opts: ApplyOptions,
) -> Result<Vec<Applied>, ApplyError> {
    if opts.dry_run == DryRun::Client {
        return Ok(planned(plan));
    }
    if let Some(reason) = cluster.read_only_reason()
        && opts.dry_run == DryRun::None
        && !plan.is_noop()
    {
        return Err(ApplyError {
            applied: Vec::new(),
            not_applied: plan.changes.iter().map(Change::reference).collect(),
            source: ClusterError::ReadOnly {
                reason: reason.to_string(),
            },
        });
    }
    let mut applied = Vec::with_capacity(plan.changes.len());
    for (i, change) in plan.changes.iter().enumerate() {
        let (object, said) = match send(cluster, change, opts).await {
            Ok(v) => v,
            Err(source) => {
                let not_applied = plan.changes[i..].iter().map(Change::reference).collect();
                return Err(ApplyError {
                    applied,
                    not_applied,
                    source,
                });
            }
        };
        applied.push(Applied {
            reference: change.reference(),
            action: said.unwrap_or_else(|| change.action.past_tense().into()),
            object,
        });
    }
    Ok(applied)
}

/// What a client dry run reports: every change as planned, nothing sent (no cluster needed).
pub fn planned(plan: &Plan) -> Vec<Applied> {
    plan.changes
        .iter()
        .map(|change| Applied {
            reference: change.reference(),
            action: change.action.past_tense().into(),
            object: change.object().clone(),
        })
        .collect()
}

impl Cluster {
    /// Adds to a 403 message who the server thinks the caller is and what a
    /// SelfSubjectAccessReview says about `verb` on `resource` (`plural.group`) in `namespace`.
    pub async fn explain_forbidden(
        &self,
        message: &str,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> String {
        let who = match self.identity_name().await {
            Some(name) => format!("you are {name:?}"),
            None => "the server did not say who you are".into(),
        };
        let place = namespace
            .map(|n| format!("in namespace {n:?}"))
            .unwrap_or_else(|| "cluster-wide".into());
        let review = match self.access_review(verb, resource, namespace).await {
            Ok(status) => {
                let reason = if status.reason.as_deref().unwrap_or_default().is_empty() {
                    String::new()
                } else {
                    format!(" ({})", status.reason.unwrap_or_default())
                };
                if status.allowed {
                    format!(
                        "a SelfSubjectAccessReview now allows {verb} {resource} {place}{reason}; the permission may have just been granted: retry"
                    )
                } else {
                    format!(
                        "a SelfSubjectAccessReview confirms: {who} and may not {verb} {resource} {place}{reason}"
                    )
                }
            }
            Err(_) => format!("{who}; the server refused even a SelfSubjectAccessReview"),
        };
        let need = if resource.starts_with("authorizationpolicies.") {
            format!(
                "kubeflow-admin in a profile does not include Istio security policies (KFAM writes them with its own service account); a role that allows {verb} on {resource} is needed"
            )
        } else {
            format!("A role that allows {verb} on {resource} is needed")
        };
        format!(
            "{message}\n{review}. {need}; `kubectl auth can-i {verb} {resource}{}` shows it",
            namespace.map(|n| format!(" -n {n}")).unwrap_or_default()
        )
    }
}
