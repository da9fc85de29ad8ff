//! Per-profile contributor access as KFAM does it: a RoleBinding and an Istio
//! AuthorizationPolicy with the same name (`user-<escaped email>-clusterrole-<role>`).
//! Granting another role replaces the pair; revoking removes both halves, also when only one
//! exists. The owner's `namespaceAdmin` is never touched.

use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use kube::api::{Api, ListParams};

use super::{Cluster, ClusterError};
use crate::manifest::{
    IstioSettings, OutputError, cluster_role_binding, cluster_role_binding_name, contributor_pair,
};
use crate::model::{AuthorizationPolicy, Profile, ProfileName, Role, Subject};
use crate::plan::access::{
    NameCollision, contributions, describe_subjects, names_subject, plan_grant_pair, plan_removal,
    scan, without_subject,
};
use crate::plan::{Change, Plan};
use crate::tenancy::OWNER_BINDING;

/// Why a grant or revoke stopped before changing anything.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No such profile.
    #[error("profile {0:?} not found (list them with `kubectl kubeflow profiles`)")]
    NoProfile(String),
    /// The subject owns the profile.
    #[error(
        "{subject} owns profile {profile:?} (spec.owner) and has kubeflow-admin there through the RoleBinding namespaceAdmin, which the profile controller manages; ownership is not a contributor role. To change the owner, edit spec.owner of the Profile (the namespace's owner annotation must then be updated too)"
    )]
    Owner {
        /// The owner.
        subject: String,
        /// The profile.
        profile: String,
    },
    /// Istio's CRD is missing and --no-istio was not given.
    #[error(
        "Istio's AuthorizationPolicy CRD is not installed on context {context:?}: a contributor needs both halves to use the Kubeflow web apps. Pass --no-istio to create the RoleBinding only"
    )]
    NoIstio {
        /// Context name.
        context: String,
    },
    /// A manifest could not be built (name too long).
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    /// An object could not be converted for the plan.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An object with the name this tool would use exists and is something else.
    #[error(
        "{reference} exists but {what}; it was not made for this grant, so it is left alone (managed by {manager}). Remove or rename it, then re-run"
    )]
    Occupied {
        /// `kind.group/name`.
        reference: String,
        /// How it differs.
        what: String,
        /// Its managed-by label or last field manager.
        manager: String,
    },
    /// The subject's KFAM object name belongs to another identity.
    #[error(transparent)]
    Collision(#[from] Box<NameCollision>),
    /// An API error.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// RoleBindings of one namespace, or of all (`None`).
async fn role_bindings(
    cluster: &Cluster,
    namespace: Option<&str>,
) -> Result<Vec<RoleBinding>, ClusterError> {
    let api: Api<RoleBinding> = match namespace {
        Some(ns) => Api::namespaced(cluster.client().clone(), ns),
        None => Api::all(cluster.client().clone()),
    };
    Ok(api
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.explain(e, "rolebindings.rbac.authorization.k8s.io"))?
        .items)
}

/// AuthorizationPolicies of one namespace, or of all (`None`); `None` when Istio's CRD is
/// not installed.
async fn policies(
    cluster: &Cluster,
    namespace: Option<&str>,
) -> Result<Option<Vec<AuthorizationPolicy>>, ClusterError> {
    let aps: Api<AuthorizationPolicy> = match namespace {
        Some(ns) => Api::namespaced(cluster.client().clone(), ns),
        None => Api::all(cluster.client().clone()),
    };
    match aps.list(&ListParams::default()).await {
        Ok(list) => Ok(Some(list.items)),
        Err(e) => match cluster.explain(e, "authorizationpolicies.security.istio.io") {
            ClusterError::CrdMissing { .. } => Ok(None),
            other => Err(other),
        },
    }
}

/// Whether Istio's AuthorizationPolicy CRD is served (listing one namespace's policies).
pub async fn istio_installed(cluster: &Cluster, namespace: &str) -> Result<bool, ClusterError> {
    Ok(policies(cluster, Some(namespace)).await?.is_some())
}

async fn owner_check(
    cluster: &Cluster,
    profile: &str,
    subject: &Subject,
) -> Result<(), AccessError> {
    let profiles: Api<Profile> = Api::all(cluster.client().clone());
    let owner = match profiles.get_opt(profile).await {
        Ok(Some(p)) => p.spec.owner.map(|o| o.name),
        Ok(None) => return Err(AccessError::NoProfile(profile.to_string())),
        // A profile owner (or another delegated admin) may manage contributors in the
        // namespace without being allowed to read the cluster-scoped Profile, as with KFAM:
        // the owner is then the subject of the controller's namespaceAdmin binding, and the
        // namespaced writes are the authoritative permission check.
        Err(kube::Error::Api(s)) if s.code == 403 => {
            let rbs: Api<RoleBinding> = Api::namespaced(cluster.client().clone(), profile);
            match rbs.get_opt(OWNER_BINDING).await {
                Ok(Some(rb)) => rb
                    .subjects
                    .into_iter()
                    .flatten()
                    .find(|s| s.kind == "User")
                    .map(|s| s.name),
                Ok(None) => None,
                Err(_) => {
                    return Err(cluster
                        .explain(kube::Error::Api(s), "profiles.kubeflow.org")
                        .into());
                }
            }
        }
        Err(e) => return Err(cluster.explain(e, "profiles.kubeflow.org").into()),
    };
    if let (Subject::User(email), Some(owner)) = (subject, owner.as_ref())
        && owner == email.as_str()
    {
        return Err(AccessError::Owner {
            subject: email.to_string(),
            profile: profile.to_string(),
        });
    }
    Ok(())
}

/// Who manages an object, for messages: its managed-by label, else its first field manager.
fn manager_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(crate::manifest::MANAGED_BY_LABEL).cloned())
        .or_else(|| {
            meta.managed_fields
                .iter()
                .flatten()
                .find_map(|m| m.manager.clone())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Plans giving `subject` `role` on `profile`: creates the missing halves of the pair, replaces
/// a pair of another role, `unchanged` when both halves exist.
pub async fn plan_grant(
    cluster: &Cluster,
    profile: &ProfileName,
    subject: &Subject,
    role: Role,
    no_istio: bool,
) -> Result<Plan, AccessError> {
    let ns = profile.as_str();
    owner_check(cluster, ns, subject).await?;
    let policies = policies(cluster, Some(ns)).await?;
    let istio = policies.is_some();
    if !istio && !no_istio {
        return Err(AccessError::NoIstio {
            context: cluster.context().to_string(),
        });
    }
    let pair = contributor_pair(profile, subject, role, &IstioSettings::default())?;
    let bindings = role_bindings(cluster, Some(ns)).await?;
    let current = contributions(&bindings, policies.as_deref().unwrap_or_default(), subject)?;
    let mut plan = plan_grant_pair(&current, subject, role, &pair, istio)?;
    if !istio {
        plan.warn(format!(
            "Istio is not installed on context {:?}: only the RoleBinding is created (--no-istio); the Kubeflow web apps will not let {} in until an AuthorizationPolicy exists",
            cluster.context(),
            subject.name()
        ));
    }
    Ok(plan)
}

/// Plans removing `subject`'s contributor access to `profile` (one role, or all), both halves.
pub async fn plan_revoke(
    cluster: &Cluster,
    profile: &ProfileName,
    subject: &Subject,
    role: Option<Role>,
) -> Result<Plan, AccessError> {
    let ns = profile.as_str();
    owner_check(cluster, ns, subject).await?;
    let policies = policies(cluster, Some(ns)).await?;
    let bindings = role_bindings(cluster, Some(ns)).await?;
    let current = contributions(&bindings, policies.as_deref().unwrap_or_default(), subject)
        .map_err(|c| Box::new(c.for_revoke()))?;
    Ok(plan_removal(&current, subject, role)?)
}

async fn cluster_role_bindings(cluster: &Cluster) -> Result<Vec<ClusterRoleBinding>, ClusterError> {
    let api: Api<ClusterRoleBinding> = Api::all(cluster.client().clone());
    Ok(api
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.explain(e, "clusterrolebindings.rbac.authorization.k8s.io"))?
        .items)
}

/// The subject's cluster-wide `kubeflow-*` bindings with their role.
fn cluster_wide_of<'a>(
    crbs: &'a [ClusterRoleBinding],
    subject: &Subject,
) -> Vec<(Role, &'a ClusterRoleBinding)> {
    crbs.iter()
        .filter(|b| b.role_ref.kind == "ClusterRole" && names_subject(b.subjects.as_ref(), subject))
        .filter_map(|b| Role::from_cluster_role(&b.role_ref.name).map(|r| (r, b)))
        .collect()
}

/// Plans the cluster-wide grant of `kubeflow-<role>` (a ClusterRoleBinding, the D2iQ Kaptain
/// convention): `unchanged` when the subject already has that role cluster-wide.
pub async fn plan_grant_cluster_wide(
    cluster: &Cluster,
    subject: &Subject,
    role: Role,
) -> Result<Plan, AccessError> {
    let crbs = cluster_role_bindings(cluster).await?;
    let mut plan = Plan::new();
    let current = cluster_wide_of(&crbs, subject);
    if let Some((_, b)) = current.iter().find(|(r, _)| *r == role) {
        plan.push(Change::unchanged(*b)?);
        return Ok(plan);
    }
    let name = cluster_role_binding_name(subject, role);
    if let Some(b) = crbs
        .iter()
        .find(|b| b.metadata.name.as_deref() == Some(&name))
    {
        return Err(AccessError::Occupied {
            reference: format!("clusterrolebinding.rbac.authorization.k8s.io/{name}"),
            what: format!(
                "binds {} to {}, not to {} {} (their escaped names are the same)",
                b.role_ref.name,
                describe_subjects(b.subjects.as_ref()),
                subject.kind(),
                subject.name()
            ),
            manager: manager_of(&b.metadata),
        });
    }
    for (other, b) in &current {
        plan.warn(format!(
            "{} also has {} cluster-wide through ClusterRoleBinding {}; revoke it with `revoke {} --role {} --cluster-wide` if it should go",
            subject.name(),
            other.cluster_role(),
            b.metadata.name.as_deref().unwrap_or_default(),
            subject.name(),
            other.short_name()
        ));
    }
    plan.warn(format!(
        "{} gives {} the role in EVERY namespace (also kubeflow, istio-system and every profile), and neither KFAM nor the dashboard shows it",
        role.cluster_role(),
        subject.name()
    ));
    plan.push(Change::create(&cluster_role_binding(subject, role))?);
    Ok(plan)
}

/// Plans removing the subject's cluster-wide `kubeflow-*` bindings (one role, or all). A
/// binding shared with other subjects is updated, not deleted.
pub async fn plan_revoke_cluster_wide(
    cluster: &Cluster,
    subject: &Subject,
    role: Option<Role>,
) -> Result<Plan, AccessError> {
    let crbs = cluster_role_bindings(cluster).await?;
    let mut plan = Plan::new();
    for (r, b) in cluster_wide_of(&crbs, subject) {
        if role.is_none_or(|want| want == r) {
            plan.push(without_subject(b, subject)?);
        }
    }
    Ok(plan)
}

/// Plans removing everything `subject` has: contributor pairs in every profile it does not
/// own, and its cluster-wide bindings. Returns the Profiles it owns (kept, as read) next to
/// the plan.
/// Bindings and policies are listed once for all namespaces, not per profile.
pub async fn plan_revoke_all(
    cluster: &Cluster,
    subject: &Subject,
    role: Option<Role>,
) -> Result<(Plan, Vec<Profile>), AccessError> {
    let profiles: Api<Profile> = Api::all(cluster.client().clone());
    let list = profiles
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.explain(e, "profiles.kubeflow.org"))?;
    let bindings = role_bindings(cluster, None).await?;
    let policies = policies(cluster, None).await?.unwrap_or_default();
    let in_ns = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, ns: &str| {
        meta.namespace.as_deref() == Some(ns)
    };
    let mut plan = Plan::new();
    let mut owned = Vec::new();
    for p in &list.items {
        let Some(name) = p.metadata.name.as_deref() else {
            continue;
        };
        if let (Subject::User(email), Some(owner)) = (subject, p.spec.owner.as_ref())
            && owner.name == email.as_str()
        {
            owned.push(p.clone());
            continue;
        }
        let here: Vec<RoleBinding> = bindings
            .iter()
            .filter(|b| in_ns(&b.metadata, name))
            .cloned()
            .collect();
        let here_policies: Vec<AuthorizationPolicy> = policies
            .iter()
            .filter(|a| in_ns(&a.metadata, name))
            .cloned()
            .collect();
        let (current, collisions) = scan(&here, &here_policies, subject);
        for c in collisions {
            plan.warn(c.for_revoke_all().to_string());
        }
        plan.extend(plan_removal(&current, subject, role)?);
    }
    plan.extend(plan_revoke_cluster_wide(cluster, subject, role).await?);
    Ok((plan, owned))
}
