//! Planning an intent with the CLI's planners (the same validation, the same objects), then
//! checking with SelfSubjectAccessReview that the caller may make every change.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cluster::Cluster;
use crate::cluster::access::{
    AccessError, istio_installed, plan_grant, plan_grant_cluster_wide, plan_revoke,
    plan_revoke_cluster_wide,
};
use crate::cluster::apply::read_object;
use crate::cluster::offboard::{NamespaceContents, plan_delete_profile, plan_offboard};
use crate::cluster::onboard::{OnboardError, OnboardObjects, plan_onboard};
use crate::cluster::permission::{PermissionCache, missing_permissions};
use crate::cluster::quota::{QuotaEdit, QuotaPlanError, plan_quota};
use crate::cluster::registration::{DEFAULT_DEPLOYMENT, DEFAULT_NAMESPACE, plan_registration};
use crate::cluster::snapshot::load_snapshot;
use crate::manifest::{IstioSettings, LimitRangeDefaults, contributor_pair};
use crate::model::{Email, ProfileName, Quantity, Quota, ResourceName, Role, Subject};
use crate::plan::{Change, Plan};
use crate::tenancy::doctor::{Finding, diagnose, plan_fixes};
use crate::tui::edit::{Failure, FailureKind, Intent};
use crate::tui::rows::finding_id;

pub(super) fn invalid(e: impl std::fmt::Display) -> Failure {
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
    let mut plan = plan_intent(cluster, intent).await?;
    if plan.title.is_none() {
        plan.title = Some(format!("tui: {}", intent.summary()));
    }
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

/// The plan of `intent`, from the planner the CLI's command for it uses.
async fn plan_intent(cluster: &Cluster, intent: &Intent) -> Result<Plan, Failure> {
    Ok(match intent {
        Intent::Quota {
            profile,
            set,
            unset,
            limit_range,
        } => plan_quota_edit(cluster, profile, set, unset, *limit_range).await?,
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
            let offboard = plan_offboard(cluster, subject, false).await;
            offboard.map_err(from_access)?.plan
        }
        Intent::DeleteProfile { profile } => {
            let delete = plan_delete_profile(cluster, profile).await;
            delete.map_err(from_access)?.plan
        }
        Intent::Fix { findings } => plan_fix(cluster, findings).await?,
        Intent::ClusterWide {
            subject,
            role: Some(role),
        } => plan_grant_cluster_wide(cluster, subject, *role)
            .await
            .map_err(from_access)?,
        Intent::ClusterWide {
            subject,
            role: None,
        } => plan_revoke_cluster_wide(cluster, subject, None)
            .await
            .map_err(from_access)?,
        Intent::Replace { before, after, .. } => plan_replace(cluster, before, after).await?,
        Intent::Registration { enable } => {
            plan_registration(cluster, DEFAULT_NAMESPACE, DEFAULT_DEPLOYMENT, *enable)
                .await
                .map_err(invalid)?
                .0
        }
        Intent::Undo { id } => plan_undo(cluster, *id).await?,
    })
}

/// A quota edit: the quantities set and the resources dropped (and the LimitRange made,
/// with the defaults, when asked).
async fn plan_quota_edit(
    cluster: &Cluster,
    profile: &ProfileName,
    set: &BTreeMap<ResourceName, Quantity>,
    unset: &std::collections::BTreeSet<ResourceName>,
    limit_range: bool,
) -> Result<Plan, Failure> {
    let mut quota = Quota::new();
    for (k, v) in set {
        quota.set(k.clone(), *v).map_err(invalid)?;
    }
    let edit = QuotaEdit::Change {
        set: quota,
        unset: unset.iter().cloned().collect(),
    };
    let defaults = limit_range.then(LimitRangeDefaults::default);
    let planned = plan_quota(cluster, profile, &edit, None, defaults.as_ref()).await;
    Ok(planned.map_err(from_quota)?.plan)
}

/// An edited object against the live one: the edit moves onto the current version (a
/// controller writing status meanwhile changes nothing), and is a conflict only when a field
/// it changes was changed since it was opened in the editor.
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
    let edited = crate::plan::patch::rebase(before, after, &live).ok_or_else(|| {
        Failure::new(
            FailureKind::Conflict,
            "a field you edited was changed since the object was opened in the editor; press E again to edit the current version",
        )
    })?;
    let mut plan = Plan::new();
    plan.push(Change::update(live, edited));
    Ok(plan)
}

/// The inverse of journal change set `id` (the newest when `None`), or why it cannot be
/// undone with each object's diff.
async fn plan_undo(cluster: &Cluster, id: Option<u64>) -> Result<Plan, Failure> {
    use crate::cluster::ClusterError;
    let entry = cluster.journal_entry(id).map_err(|e| match e {
        ClusterError::NoChangeSet { .. } => {
            Failure::new(FailureKind::NotFound, format!("{e}; :history lists them"))
        }
        ClusterError::NothingRecorded { .. } => Failure::new(FailureKind::NotFound, e.to_string()),
        e => Failure::from(&e),
    })?;
    let result = cluster
        .undo_plan(&entry)
        .await
        .map_err(|e| Failure::from(&e))?;
    result.map_err(|refusals| {
        Failure::new(
            FailureKind::Conflict,
            crate::journal::undo::refused(entry.id, &refusals),
        )
    })
}

/// The journal as lines for the history overlay, newest last.
pub fn history_lines(cluster: &Cluster) -> Result<Vec<String>, Failure> {
    let journal = cluster
        .journal()
        .ok_or_else(|| Failure::new(FailureKind::Other, "no journal is kept for this session"))?;
    let (entries, unreadable) = journal
        .entries()
        .map_err(|e| Failure::new(FailureKind::Other, e.to_string()))?;
    let now = jiff::Timestamp::now();
    let mut lines = vec![format!(
        "{:<4} {:<5} {:<22} COMMAND (BY)",
        "ID", "AGE", "CHANGES"
    )];
    for e in &entries {
        let age = crate::tenancy::age(e.time.parse().ok(), now);
        let who = e.user.as_deref().unwrap_or("<unknown>");
        lines.push(format!(
            "{:<4} {:<5} {:<22} {} ({who})",
            e.id,
            age,
            e.counts(),
            e.command
        ));
    }
    if entries.is_empty() {
        lines.push(format!(
            "no change recorded for context {:?} yet",
            cluster.context()
        ));
    }
    if unreadable > 0 {
        lines.push(format!("({unreadable} unreadable line(s) left out)"));
    }
    lines.push(String::new());
    lines.push(":undo ID stages the inverse of a change set (:undo alone: the newest); it is previewed and applied like any change".into());
    lines.push(format!("journal: {}", journal.path().display()));
    Ok(lines)
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

/// The objects of the YAML overlay as the server has them now (deleted ones left out).
pub async fn fetch_yaml(cluster: &Cluster, objects: &[Value]) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::with_capacity(objects.len());
    for obj in objects {
        if let Some(live) = read_object(cluster, obj)
            .await
            .map_err(|e| Failure::from(&e))?
        {
            out.push(live);
        }
    }
    Ok(out)
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
    let (mut plan, _) = plan_fixes(&snapshot, &wanted).map_err(invalid)?;
    crate::cluster::apply::show_live_deletes(cluster, &mut plan).await;
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
pub(super) async fn inspect(
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
