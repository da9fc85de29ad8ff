//! Applying an onboarding plan: create the Profile, then (optionally) the LimitRange in the
//! namespace the profile controller makes. Create only, never overwrite.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{LimitRange, Namespace};
use kube::api::{Api, PostParams};

pub use super::apply::Applied;
use super::{Cluster, ClusterError, DryRun};
use crate::model::Profile;

/// What to create for one new user.
#[derive(Debug, Clone)]
pub struct OnboardObjects {
    /// The Profile (cluster-scoped).
    pub profile: Profile,
    /// The LimitRange to create in the profile's namespace, if asked for.
    pub limit_range: Option<LimitRange>,
}

/// Why onboarding stopped.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    /// A Profile with that name exists; nothing was changed.
    #[error(
        "profile {name:?} already exists (owner: {owner}); nothing was changed. Pick another name with --profile, or use `kubectl kubeflow grant` to give {user} access to it"
    )]
    ProfileExists {
        /// Profile name.
        name: String,
        /// Its current owner, or "none".
        owner: String,
        /// The user being onboarded.
        user: String,
    },
    /// A namespace with that name exists; the profile controller would refuse it.
    #[error(
        "namespace {name:?} already exists (owner annotation: {owner}); the profile controller refuses to adopt a namespace it does not own, so nothing was changed. Pick another name with --profile"
    )]
    NamespaceExists {
        /// Namespace name.
        name: String,
        /// Its `owner` annotation, or "none".
        owner: String,
    },
    /// The profile was created but its namespace never appeared.
    #[error("profile {name:?} was created, but its namespace did not appear within {}s, so the LimitRange was not created. Is the Kubeflow profile controller running (kubectl -n kubeflow get deploy profiles-deployment)? Once the namespace exists, re-run with the same flags: the existing profile is reported, not changed", .waited.as_secs())]
    NamespaceTimeout {
        /// Profile / namespace name.
        name: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The cluster said no.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

const PROFILES: &str = "profiles.kubeflow.org";

/// Creates the objects. With `DryRun::Server` every write carries `dryRun=All`.
pub async fn onboard(
    cluster: &Cluster,
    objects: &OnboardObjects,
    dry_run: DryRun,
    namespace_wait: Duration,
) -> Result<Vec<Applied>, OnboardError> {
    let name = objects.profile.metadata.name.clone().unwrap_or_default();
    let user = owner_of(&objects.profile);
    let profiles: Api<Profile> = Api::all(cluster.client().clone());
    if let Some(existing) = profiles
        .get_opt(&name)
        .await
        .map_err(|e| cluster.explain(e, PROFILES))?
    {
        return Err(OnboardError::ProfileExists {
            name,
            owner: owner_of(&existing),
            user,
        });
    }
    let namespaces: Api<Namespace> = Api::all(cluster.client().clone());
    match namespaces.get_opt(&name).await {
        Ok(Some(ns)) => {
            let owner = ns
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("owner").cloned())
                .unwrap_or_else(|| "none".into());
            return Err(OnboardError::NamespaceExists { name, owner });
        }
        Ok(None) => {}
        // Reading namespaces may be forbidden for a delegated admin; the Profile create
        // below is then the authoritative check.
        Err(kube::Error::Api(s)) if s.code == 403 => {}
        Err(e) => return Err(cluster.explain(e, "namespaces").into()),
    }

    let params = PostParams {
        dry_run: dry_run == DryRun::Server,
        ..Default::default()
    };
    let created = match profiles.create(&params, &objects.profile).await {
        Ok(p) => p,
        Err(kube::Error::Api(s)) if s.code == 409 => {
            let owner = match profiles.get_opt(&name).await {
                Ok(Some(p)) => owner_of(&p),
                _ => "unknown".into(),
            };
            return Err(OnboardError::ProfileExists { name, owner, user });
        }
        Err(e) => return Err(cluster.explain(e, PROFILES).into()),
    };
    let mut applied = vec![Applied {
        reference: format!("profile.kubeflow.org/{name}"),
        action: "created".into(),
        object: to_json(&created),
    }];

    if let Some(limit_range) = &objects.limit_range {
        let lr_name = limit_range.metadata.name.clone().unwrap_or_default();
        let reference = format!("limitrange/{lr_name}");
        if dry_run == DryRun::Server {
            // The namespace does not exist yet (the controller makes it), so the server
            // cannot validate a namespaced object in it; say so instead of pretending.
            applied.push(Applied {
                reference,
                action: format!(
                    "not validated (namespace {name} is created by the profile controller)"
                ),
                object: to_json(limit_range),
            });
        } else {
            let created =
                create_when_namespace_exists(cluster, &name, limit_range, namespace_wait).await?;
            applied.push(Applied {
                reference,
                action: "created".into(),
                object: to_json(&created),
            });
        }
    }
    Ok(applied)
}

/// Retries the create while the namespace is missing (404 naming the namespace).
async fn create_when_namespace_exists(
    cluster: &Cluster,
    namespace: &str,
    limit_range: &LimitRange,
    wait: Duration,
) -> Result<LimitRange, OnboardError> {
    let api: Api<LimitRange> = Api::namespaced(cluster.client().clone(), namespace);
    let started = Instant::now();
    loop {
        match api.create(&PostParams::default(), limit_range).await {
            Ok(lr) => return Ok(lr),
            Err(kube::Error::Api(s))
                if s.code == 404 && s.details.as_ref().is_some_and(|d| d.kind == "namespaces") =>
            {
                if started.elapsed() >= wait {
                    return Err(OnboardError::NamespaceTimeout {
                        name: namespace.into(),
                        waited: wait,
                    });
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(cluster.explain(e, "limitranges").into()),
        }
    }
}

fn owner_of(profile: &Profile) -> String {
    profile
        .spec
        .owner
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| "none".into())
}

fn to_json<T: serde::Serialize>(obj: &T) -> serde_json::Value {
    serde_json::to_value(obj).unwrap_or(serde_json::Value::Null)
}
