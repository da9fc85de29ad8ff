//! Onboarding one user: the Profile, then (optionally) the LimitRange in the namespace the
//! profile controller makes, planned and applied through [`super::apply`]. Create only,
//! never overwrite.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{LimitRange, Namespace};
use kube::api::{Api, ListParams};

pub use super::apply::Applied;
use super::apply::{ApplyError, ApplyOptions, apply};
use super::quota::quantities;
use super::{Cluster, ClusterError, DryRun};
use crate::manifest::{self, LimitRangeDefaults};
use crate::model::{Email, Profile, ProfileName, Quota, same_amount};
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
    /// The user's own profile exists with another quota than asked; onboard never changes it.
    #[error(
        "profile {name:?} already exists for {user} with quota {live} (asked: {want}); onboard never changes an existing profile, so nothing was changed. `kubectl kubeflow quota set {name} ...` changes its quota"
    )]
    QuotaDiffers {
        /// Profile name.
        name: String,
        /// The owner (the user being onboarded).
        user: String,
        /// The live quota, `k=v;...` or `none`.
        live: String,
        /// The quota asked for.
        want: String,
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

/// Plans onboarding: the creates of the Profile and the LimitRange. A re-run for the same
/// owner is idempotent (the Profile `unchanged`, a LimitRange asked for and missing
/// created); another owner's Profile, the user's own with another quota than asked, or a
/// namespace of that name owned by someone else (the controller would not adopt it) are
/// refused.
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
        return plan_rerun(cluster, objects, &existing).await;
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

/// Onboarding again into an existing Profile: only for its owner with the same quota (or
/// none asked); adds the LimitRange if it was asked for and the namespace has none.
async fn plan_rerun(
    cluster: &Cluster,
    objects: &OnboardObjects,
    existing: &Profile,
) -> Result<Plan, OnboardError> {
    let name = objects.profile.metadata.name.clone().unwrap_or_default();
    let (user, owner) = (owner_of(&objects.profile), owner_of(existing));
    // The owner's kind matters too: a group of the same name is someone else.
    let same_owner =
        owner == user && existing.spec.owner.as_ref().map(|o| o.kind.as_str()) == Some("User");
    if !same_owner {
        return Err(OnboardError::ProfileExists { name, owner, user });
    }
    let (live, want) = (hard_map(existing), hard_map(&objects.profile));
    if !want.is_empty() && !same_quota(&live, &want) {
        return Err(OnboardError::QuotaDiffers {
            name,
            user,
            live: show_quota(&live),
            want: show_quota(&want),
        });
    }
    let mut plan = Plan::new();
    plan.push(Change::unchanged(existing)?);
    if let Some(limit_range) = &objects.limit_range {
        let lrs: Api<LimitRange> = Api::namespaced(cluster.client().clone(), &name);
        let present = match lrs.list(&ListParams::default()).await {
            Ok(list) => !list.items.is_empty(),
            // Not there yet (the controller is still making it): the create waits for it.
            Err(kube::Error::Api(s)) if s.code == 404 => false,
            Err(e) => return Err(cluster.explain(e, "limitranges").into()),
        };
        if !present {
            plan.push(Change::create(limit_range)?);
        }
    }
    Ok(plan)
}

/// `spec.resourceQuotaSpec.hard` of a Profile as `name -> quantity` strings.
pub(super) fn hard_map(p: &Profile) -> BTreeMap<String, String> {
    quantities(
        p.spec
            .resource_quota_spec
            .as_ref()
            .and_then(|q| q.hard.as_ref()),
    )
}

/// The same resources with the same amounts (`1Gi` equals `1024Mi`).
pub(super) fn same_quota(live: &BTreeMap<String, String>, want: &BTreeMap<String, String>) -> bool {
    live.len() == want.len()
        && live
            .iter()
            .all(|(k, v)| want.get(k).is_some_and(|w| same_amount(v, w)))
}

/// A quota as the roster writes it (`cpu=8;memory=16Gi`), or `none`.
pub(super) fn show_quota(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(";")
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
