//! Per-profile contributor access as KFAM does it: a RoleBinding and an Istio
//! AuthorizationPolicy with the same name (`user-<escaped email>-clusterrole-<role>`).
//! Granting another role replaces the pair; revoking removes both halves, also when only one
//! exists. The owner's `namespaceAdmin` is never touched.

use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, DeleteParams, ListParams, PostParams, Preconditions};

use super::onboard::Applied;
use super::{Cluster, ClusterError, DryRun};
use crate::manifest::{IstioSettings, contributor_name, contributor_pair, to_value};
use crate::model::{AuthorizationPolicy, Profile, ProfileName, Role, Subject};
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
    /// An API error.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// An existing contributor binding or policy of `subject` in a profile.
struct Existing {
    name: String,
    role: Option<Role>,
    binding: Option<RoleBinding>,
    policy: Option<AuthorizationPolicy>,
}

fn subject_in(rb: &RoleBinding, subject: &Subject) -> bool {
    rb.subjects
        .iter()
        .flatten()
        .any(|s| s.kind == subject.kind() && s.name == subject.name())
}

async fn existing(
    cluster: &Cluster,
    profile: &str,
    subject: &Subject,
    policies: &[AuthorizationPolicy],
) -> Result<Vec<Existing>, ClusterError> {
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.client().clone(), profile);
    let bindings = rbs
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.explain(e, "rolebindings.rbac.authorization.k8s.io"))?;
    let mut out: Vec<Existing> = Vec::new();
    for role in Role::ALL {
        let name = contributor_name(subject, role);
        let binding = bindings
            .items
            .iter()
            .find(|b| b.metadata.name.as_deref() == Some(&name))
            .cloned();
        let policy = policies
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(&name))
            .cloned();
        if binding.is_some() || policy.is_some() {
            out.push(Existing {
                name,
                role: Some(role),
                binding,
                policy,
            });
        }
    }
    // Bindings made by other tools: any other binding to a kubeflow role naming the subject.
    for b in &bindings.items {
        let name = b.metadata.name.clone().unwrap_or_default();
        if name == OWNER_BINDING || out.iter().any(|e| e.name == name) || !subject_in(b, subject) {
            continue;
        }
        let role = b
            .role_ref
            .name
            .strip_prefix("kubeflow-")
            .and_then(|r| r.parse().ok());
        if role.is_some() {
            out.push(Existing {
                name,
                role,
                binding: Some(b.clone()),
                policy: None,
            });
        }
    }
    Ok(out)
}

/// The profile's AuthorizationPolicies; `None` when Istio's CRD is not installed.
async fn policies(
    cluster: &Cluster,
    profile: &str,
) -> Result<Option<Vec<AuthorizationPolicy>>, ClusterError> {
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.client().clone(), profile);
    match aps.list(&ListParams::default()).await {
        Ok(list) => Ok(Some(list.items)),
        Err(e) => match cluster.explain(e, "authorizationpolicies.security.istio.io") {
            ClusterError::CrdMissing { .. } => Ok(None),
            other => Err(other),
        },
    }
}

async fn owner_check(
    cluster: &Cluster,
    profile: &str,
    subject: &Subject,
) -> Result<(), AccessError> {
    let profiles: Api<Profile> = Api::all(cluster.client().clone());
    let p = profiles
        .get_opt(profile)
        .await
        .map_err(|e| cluster.explain(e, "profiles.kubeflow.org"))?
        .ok_or_else(|| AccessError::NoProfile(profile.to_string()))?;
    if let (Subject::User(email), Some(owner)) = (subject, p.spec.owner.as_ref())
        && owner.name == email.as_str()
    {
        return Err(AccessError::Owner {
            subject: email.to_string(),
            profile: profile.to_string(),
        });
    }
    Ok(())
}

fn delete_params(dry_run: DryRun, rv: Option<String>) -> DeleteParams {
    DeleteParams {
        dry_run: dry_run == DryRun::Server,
        preconditions: Some(Preconditions {
            resource_version: rv,
            uid: None,
        }),
        ..DeleteParams::default()
    }
}

/// `plural.group` (`rolebindings.rbac.authorization.k8s.io`) for error messages.
fn resource_of<K: kube::Resource>() -> String
where
    K::DynamicType: Default,
{
    let dt = K::DynamicType::default();
    format!("{}.{}", K::plural(&dt), K::group(&dt))
}

/// Deletes one object (guarded by the resourceVersion it was read at) and records it.
async fn delete_one<K>(
    cluster: &Cluster,
    ns: &str,
    obj: &K,
    dry_run: DryRun,
    reference: &str,
) -> Result<Applied, ClusterError>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::Serialize
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let name = obj.meta().name.clone().unwrap_or_default();
    if dry_run != DryRun::Client {
        let api: Api<K> = Api::namespaced(cluster.client().clone(), ns);
        let plural = resource_of::<K>();
        api.delete(
            &name,
            &delete_params(dry_run, obj.meta().resource_version.clone()),
        )
        .await
        .map_err(|err| cluster.explain(err, &plural))?;
    }
    Ok(Applied {
        reference: format!("{reference}/{name}"),
        action: "deleted".into(),
        object: to_value(obj).unwrap_or_default(),
    })
}

async fn remove(
    cluster: &Cluster,
    profile: &str,
    e: &Existing,
    dry_run: DryRun,
    out: &mut Vec<Applied>,
) -> Result<(), ClusterError> {
    if let Some(b) = &e.binding {
        let reference = "rolebinding.rbac.authorization.k8s.io";
        out.push(delete_one(cluster, profile, b, dry_run, reference).await?);
    }
    if let Some(p) = &e.policy {
        let reference = "authorizationpolicy.security.istio.io";
        out.push(delete_one(cluster, profile, p, dry_run, reference).await?);
    }
    Ok(())
}

/// Creates `obj` in `ns` unless it `exists` (then `unchanged`); a client dry run sends nothing.
async fn ensure<K>(
    cluster: &Cluster,
    ns: &str,
    obj: &K,
    exists: bool,
    params: &PostParams,
    dry_run: DryRun,
    kind_group: &str,
) -> Result<Applied, ClusterError>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::Serialize
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let name = obj.meta().name.clone().unwrap_or_default();
    let reference = format!("{kind_group}/{name}");
    let (action, object) = if exists {
        ("unchanged", to_value(obj).unwrap_or_default())
    } else if dry_run == DryRun::Client {
        ("created", to_value(obj).unwrap_or_default())
    } else {
        let api: Api<K> = Api::namespaced(cluster.client().clone(), ns);
        let plural = resource_of::<K>();
        let created = api
            .create(params, obj)
            .await
            .map_err(|e| cluster.explain(e, &plural))?;
        ("created", to_value(&created).unwrap_or_default())
    };
    Ok(Applied {
        reference,
        action: action.into(),
        object,
    })
}

/// Gives `subject` `role` on `profile`: creates the missing halves of the pair, replaces a pair
/// of another role, reports `unchanged` when both halves exist.
pub async fn grant(
    cluster: &Cluster,
    profile: &ProfileName,
    subject: &Subject,
    role: Role,
    no_istio: bool,
    dry_run: DryRun,
) -> Result<Vec<Applied>, AccessError> {
    let ns = profile.as_str();
    owner_check(cluster, ns, subject).await?;
    let policies = policies(cluster, ns).await?;
    let istio = policies.is_some();
    if !istio && !no_istio {
        return Err(AccessError::NoIstio {
            context: cluster.context().to_string(),
        });
    }
    let pair = contributor_pair(profile, subject, role, &IstioSettings::default())?;
    let current = existing(
        cluster,
        ns,
        subject,
        policies.as_deref().unwrap_or_default(),
    )
    .await?;
    let mut out = Vec::new();
    for e in current.iter().filter(|e| e.role != Some(role)) {
        remove(cluster, ns, e, dry_run, &mut out).await?;
    }
    let same = current
        .iter()
        .find(|e| e.role == Some(role) && e.name == contributor_name(subject, role));
    let params = PostParams {
        dry_run: dry_run == DryRun::Server,
        ..PostParams::default()
    };
    let has_binding = same.and_then(|e| e.binding.as_ref()).is_some();
    out.push(
        ensure(
            cluster,
            ns,
            &pair.role_binding,
            has_binding,
            &params,
            dry_run,
            "rolebinding.rbac.authorization.k8s.io",
        )
        .await?,
    );
    if istio {
        let has_policy = same.and_then(|e| e.policy.as_ref()).is_some();
        out.push(
            ensure(
                cluster,
                ns,
                &pair.policy,
                has_policy,
                &params,
                dry_run,
                "authorizationpolicy.security.istio.io",
            )
            .await?,
        );
    }
    Ok(out)
}

/// Removes `subject`'s contributor access to `profile` (one role, or all), both halves.
pub async fn revoke(
    cluster: &Cluster,
    profile: &ProfileName,
    subject: &Subject,
    role: Option<Role>,
    dry_run: DryRun,
) -> Result<Vec<Applied>, AccessError> {
    let ns = profile.as_str();
    owner_check(cluster, ns, subject).await?;
    let policies = policies(cluster, ns).await?;
    let current = existing(
        cluster,
        ns,
        subject,
        policies.as_deref().unwrap_or_default(),
    )
    .await?;
    let mut out = Vec::new();
    for e in current.iter().filter(|e| role.is_none() || e.role == role) {
        remove(cluster, ns, e, dry_run, &mut out).await?;
    }
    Ok(out)
}
