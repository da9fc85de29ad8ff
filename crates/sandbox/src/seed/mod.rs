//! Seeds: what the sandbox holds when it starts. `empty` is a fresh Kubeflow install (system
//! namespaces, bootstrap RBAC, CRDs, kubeflow roles, central dashboard); `demo` adds ACME's
//! teams with the deliberate problems of [`demo_problems`]; `scale:N` adds N uniform
//! profiles for benchmarks. All are deterministic.

mod bootstrap;
mod demo;
mod scale;

use super::crds;
use super::store::{GroupResource, Store};
pub use demo::{DemoProblem, demo_problems};
use kubectl_kubeflow_core::manifest::{IstioSettings, contributor_pair};
use kubectl_kubeflow_core::model::{Email, ProfileName, Role, Subject};

/// Which data set to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seed {
    /// Only system objects.
    Empty,
    /// A believable organisation.
    Demo,
    /// N profiles for benchmarks.
    Scale(usize),
}

/// Error for an unknown seed name.
#[derive(Debug, thiserror::Error)]
#[error("unknown seed {0:?}: expected empty, demo or scale:N")]
pub struct SeedParseError(String);

impl std::str::FromStr for Seed {
    type Err = SeedParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            _ => s
                .strip_prefix("scale:")
                .and_then(|n| n.parse().ok())
                .map(Seed::Scale)
                .ok_or_else(|| SeedParseError(s.to_string())),
        }
    }
}

/// Switches for optional CRDs.
#[derive(Clone, Debug)]
pub struct SeedOptions {
    /// Install the Profile CRD.
    pub profile_crd: bool,
    /// Install the AuthorizationPolicy CRD.
    pub istio_crd: bool,
}

/// A user the seed wants a token for.
#[derive(Clone, Debug)]
pub struct SeedUser {
    /// User name.
    pub name: String,
    /// Groups.
    pub groups: Vec<String>,
}

/// Why a seed could not be stored: a bug in the seed (a conflicting or invalid object), never
/// a condition of the run, so starting the sandbox fails with it instead of serving less.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The store refused an object of the seed.
    #[error("seeding the sandbox: {0}")]
    Store(#[from] crate::status::ApiError),
    /// An embedded manifest (CRD, roles) did not parse.
    #[error("seeding the sandbox: {0}")]
    Embedded(#[from] crds::CrdError),
    /// A seed value did not make a valid Kubeflow object.
    #[error("seeding the sandbox: {0}")]
    Invalid(String),
}

/// A contributor as KFAM makes one: `user`'s RoleBinding and AuthorizationPolicy with
/// `role` in profile `ns`. Returns the pair's name.
fn contribute(store: &mut Store, ns: &str, user: &str, role: Role) -> Result<String, SeedError> {
    let invalid = |e: String| SeedError::Invalid(format!("contributor {user} of {ns}: {e}"));
    let profile = ProfileName::parse(ns).map_err(|e| invalid(e.to_string()))?;
    let user = Email::parse(user).map_err(|e| invalid(e.to_string()))?;
    let istio = IstioSettings::default();
    let pair = contributor_pair(&profile, &Subject::User(user), role, &istio)
        .map_err(|e| invalid(e.to_string()))?;
    let rb = serde_json::to_value(&pair.role_binding).map_err(|e| invalid(e.to_string()))?;
    let ap = serde_json::to_value(&pair.policy).map_err(|e| invalid(e.to_string()))?;
    let name = rb["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rbs = GroupResource::new("rbac.authorization.k8s.io", "rolebindings");
    store.create(&rbs, Some(ns), rb)?;
    let aps = GroupResource::new("security.istio.io", "authorizationpolicies");
    store.create(&aps, Some(ns), ap)?;
    Ok(name)
}

/// Fills the store: system namespaces and bootstrap RBAC, the CRDs the options ask for, the
/// kubeflow roles, and the seed's organisation. Runs before the controllers; [`apply_drift`]
/// runs after them. Returns the users to mint tokens for.
pub fn apply_seed(
    store: &mut Store,
    seed: &Seed,
    opts: &SeedOptions,
) -> Result<Vec<SeedUser>, SeedError> {
    bootstrap::install(store)?;
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    if opts.profile_crd {
        let mut crd = crds::profile_crd()?;
        crds::establish(&mut crd);
        store.create(&crds, None, crd)?;
    }
    if opts.istio_crd {
        let mut crd = crds::authorization_policy_crd();
        crds::establish(&mut crd);
        store.create(&crds, None, crd)?;
    }
    let roles = GroupResource::new("rbac.authorization.k8s.io", "clusterroles");
    for role in crds::kubeflow_cluster_roles()? {
        store.create(&roles, None, role)?;
    }
    if !opts.profile_crd {
        return Ok(Vec::new());
    }
    match seed {
        Seed::Empty => Ok(Vec::new()),
        Seed::Demo => demo::install(store),
        Seed::Scale(n) => {
            scale::install(store, *n)?;
            Ok(Vec::new())
        }
    }
}

/// The seed's deliberate drift, applied after the controllers settled (see `demo::drift`);
/// nothing when [`apply_seed`] installed no organisation (no Profile CRD).
pub fn apply_drift(store: &mut Store, seed: &Seed, opts: &SeedOptions) -> Result<(), SeedError> {
    if opts.profile_crd && *seed == Seed::Demo {
        demo::drift(store)?;
    }
    Ok(())
}
