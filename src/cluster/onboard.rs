//! Onboarding one user: the Profile, then (optionally) the LimitRange in the namespace the
//! profile controller makes, planned and applied through [`super::apply`]. Create only,
//! never overwrite.

use std::time::Duration;

use k8s_openapi::api::core::v1::{LimitRange, Namespace};
use kube::api::Api;

pub use super::apply::Applied;
use super::apply::{ApplyError, ApplyOptions, apply};
use super::{Cluster, ClusterError, DryRun};
use crate::manifest::{self, LimitRangeDefaults};
use crate::model::{Email, Profile, ProfileName, Quota};
use crate::plan::{Change, Plan};

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
    /// A plan object could not be encoded.
    #[error(transparent)]
    Output(#[from] crate::manifest::OutputError),
    /// The cluster said no.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

const PROFILES: &str = "profiles.kubeflow.org";

/// Plans onboarding: refuses an existing Profile, or a namespace of that name owned by
/// someone else (the controller would not adopt it), else the creates of the Profile and the LimitRange.
pub async fn plan_onboard(
    cluster: &Cluster,
    objects: &OnboardObjects,
) -> Result<Plan, OnboardError> {
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
            // The controller takes over a namespace whose owner annotation is the profile's
            // owner (one made ahead of the Profile, or left by a deleted one).
            if owner != user {
                return Err(OnboardError::NamespaceExists { name, owner });
            }
        }
        Ok(None) => {}
        // Reading namespaces may be forbidden for a delegated admin; the Profile create
        // is then the authoritative check.
        Err(kube::Error::Api(s)) if s.code == 403 => {}
        Err(e) => return Err(cluster.explain(e, "namespaces").into()),
    }
    Ok(objects.creates()?)
}

/// Why onboarding objects cannot be built (the input, before anything is sent).
#[derive(Debug, thiserror::Error)]
pub enum OnboardInputError {
    /// The LimitRange the defaults make would be refused by the API server.
    #[error(
        "the LimitRange would be refused by the API server ({0}); a default request must not exceed its default limit (defaults: limits 800m/512Mi, requests 500m/256Mi)"
    )]
    LimitRange(String),
}

impl OnboardObjects {
    /// The Profile `name` owned by `email` with `quota`, and the LimitRange `defaults` make
    /// (refused as kube-apiserver's ValidateLimitRange would refuse it). The CLI flags and the
    /// TUI form both build their objects here.
    pub fn new(
        name: &ProfileName,
        email: &Email,
        quota: Option<&Quota>,
        limit_range: Option<&LimitRangeDefaults>,
    ) -> Result<OnboardObjects, OnboardInputError> {
        let limit_range = match limit_range {
            Some(defaults) => {
                let lr = manifest::limit_range(name, defaults);
                let spec = serde_json::to_value(&lr.spec).unwrap_or_default();
                let causes = crate::model::quota_rules::limit_range_causes(&spec);
                if !causes.is_empty() {
                    let said: Vec<String> =
                        causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
                    return Err(OnboardInputError::LimitRange(said.join("; ")));
                }
                Some(lr)
            }
            None => None,
        };
        Ok(OnboardObjects {
            profile: manifest::profile(name, email, quota.filter(|q| !q.is_empty())),
            limit_range,
        })
    }

    /// The creates, in order (Profile, then LimitRange); no checks against the cluster.
    pub fn creates(&self) -> Result<Plan, crate::manifest::OutputError> {
        let mut plan = Plan::new();
        plan.push(Change::create(&self.profile)?);
        if let Some(limit_range) = &self.limit_range {
            plan.push(Change::create(limit_range)?);
        }
        Ok(plan)
    }
}

/// Plans and applies onboarding (the LimitRange waits up to `namespace_wait` for the profile
/// controller to make the namespace). With `DryRun::Server` every write carries `dryRun=All`.
pub async fn onboard(
    cluster: &Cluster,
    objects: &OnboardObjects,
    dry_run: DryRun,
    namespace_wait: Duration,
) -> Result<Vec<Applied>, OnboardError> {
    let plan = plan_onboard(cluster, objects).await?;
    let opts = ApplyOptions {
        dry_run,
        wait_for_namespace: Some(namespace_wait),
    };
    apply(cluster, &plan, opts)
        .await
        .map_err(|e| OnboardError::from_apply(e, objects))
}

impl OnboardError {
    /// Names the profile's owner when a concurrent create won the race.
    fn from_apply(e: ApplyError, objects: &OnboardObjects) -> Self {
        match e.source {
            ClusterError::AlreadyExists { .. } if e.applied.is_empty() => {
                OnboardError::ProfileExists {
                    name: objects.profile.metadata.name.clone().unwrap_or_default(),
                    owner: "unknown (created concurrently)".into(),
                    user: owner_of(&objects.profile),
                }
            }
            other => OnboardError::Cluster(other),
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
