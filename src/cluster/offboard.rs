//! Offboarding: everything a user has (contributor pairs, cluster-wide bindings) revoked, and
//! optionally the profiles they own deleted, after showing what each namespace still holds.

use kube::api::{Api, ListParams};
use kube::core::DynamicObject;

use super::access::{AccessError, plan_revoke_all};
use super::apply::resource_of;
use super::{Cluster, ClusterError};
use crate::model::Subject;
use crate::plan::{Change, Plan};

/// What goes with a profile's namespace when the profile is deleted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NamespaceContents {
    /// Profile / namespace.
    pub profile: String,
    /// (resource, count) for every kind with at least one object; `None` count = not allowed
    /// to list.
    pub counts: Vec<(String, Option<usize>)>,
}

impl NamespaceContents {
    /// `3 pods, 2 persistentvolumeclaims, ...`, or a sentence saying nothing was found.
    pub fn summary(&self) -> String {
        if self.counts.is_empty() {
            return "no workloads or data found".into();
        }
        self.counts
            .iter()
            .map(|(r, n)| match n {
                Some(n) => format!("{n} {r}"),
                None => format!("? {r} (not allowed to list)"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Kinds that matter when a namespace is about to be deleted: workloads, data, and the
/// Kubeflow kinds (skipped where their CRD is not installed).
const CONTENT_KINDS: &[(&str, &str, &str)] = &[
    ("", "v1", "Pod"),
    ("", "v1", "PersistentVolumeClaim"),
    ("", "v1", "Secret"),
    ("", "v1", "ConfigMap"),
    ("", "v1", "Service"),
    ("apps", "v1", "Deployment"),
    ("apps", "v1", "StatefulSet"),
    ("batch", "v1", "Job"),
    ("batch", "v1", "CronJob"),
    ("kubeflow.org", "v1", "Notebook"),
    ("kubeflow.org", "v1", "PyTorchJob"),
    ("kubeflow.org", "v1", "TFJob"),
    ("argoproj.io", "v1alpha1", "Workflow"),
    ("serving.kserve.io", "v1beta1", "InferenceService"),
    ("kubeflow.org", "v1beta1", "Experiment"),
];

/// ConfigMaps the cluster puts in every namespace (kube-controller-manager's root CA, Istio's
/// and OpenShift's CA bundles) and service-account token Secrets: not the user's data, so
/// not counted as what a deletion would lose.
fn cluster_made(kind: &str, obj: &DynamicObject) -> bool {
    let name = obj.metadata.name.as_deref().unwrap_or_default();
    match kind {
        "ConfigMap" => matches!(
            name,
            "kube-root-ca.crt" | "istio-ca-root-cert" | "openshift-service-ca.crt"
        ),
        "Secret" => {
            obj.data.get("type").and_then(|t| t.as_str())
                == Some("kubernetes.io/service-account-token")
        }
        _ => false,
    }
}

/// Counts the objects of `CONTENT_KINDS` in `namespace` that users made.
pub async fn namespace_contents(
    cluster: &Cluster,
    namespace: &str,
) -> Result<NamespaceContents, ClusterError> {
    let mut counts = Vec::new();
    for (group, version, kind) in CONTENT_KINDS {
        let (ar, resource) = resource_of(group, version, kind);
        let api: Api<DynamicObject> =
            Api::namespaced_with(cluster.client().clone(), namespace, &ar);
        match api.list(&ListParams::default()).await {
            Ok(list) => {
                let made_by_user = list.items.iter().filter(|o| !cluster_made(kind, o)).count();
                if made_by_user > 0 {
                    counts.push((resource, Some(made_by_user)));
                }
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(kube::Error::Api(s)) if s.code == 403 => counts.push((resource, None)),
            Err(e) => return Err(cluster.explain(e, &resource)),
        }
    }
    Ok(NamespaceContents {
        profile: namespace.to_string(),
        counts,
    })
}

/// The offboarding plan.
#[derive(Debug)]
pub struct Offboard {
    /// Revocations, then profile deletions.
    pub plan: Plan,
    /// Profiles the user owns, with what their namespaces hold (counted only when they are
    /// to be deleted).
    pub owned: Vec<NamespaceContents>,
}

/// Plans offboarding `subject`: revoke everything; with `delete_profiles`, delete the
/// profiles it owns too (guarded by their resourceVersion and uid).
pub async fn plan_offboard(
    cluster: &Cluster,
    subject: &Subject,
    delete_profiles: bool,
) -> Result<Offboard, AccessError> {
    let (mut plan, owned_profiles) = plan_revoke_all(cluster, subject, None).await?;
    let mut owned = Vec::new();
    for p in owned_profiles {
        let name = p.metadata.name.clone().unwrap_or_default();
        if delete_profiles {
            owned.push(namespace_contents(cluster, &name).await?);
            plan.push(Change::delete(&p)?);
        } else {
            owned.push(NamespaceContents {
                profile: name,
                counts: Vec::new(),
            });
        }
    }
    if delete_profiles && !owned.is_empty() {
        plan.warn(format!(
            "deleting a Profile makes the profile controller delete its namespace with everything in it: {}",
            owned
                .iter()
                .map(|o| o.profile.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Offboard { plan, owned })
}

/// Plans deleting one profile (guarded by its resourceVersion and uid), with what its
/// namespace holds: the profile controller deletes the namespace and everything in it.
pub async fn plan_delete_profile(
    cluster: &Cluster,
    profile: &crate::model::ProfileName,
) -> Result<Offboard, AccessError> {
    let api: Api<crate::model::Profile> = Api::all(cluster.client().clone());
    let live = api
        .get_opt(profile.as_str())
        .await
        .map_err(|e| cluster.explain(e, "profiles.kubeflow.org"))?
        .ok_or_else(|| AccessError::NoProfile(profile.to_string()))?;
    let contents = namespace_contents(cluster, profile.as_str()).await?;
    let mut plan = Plan::new();
    plan.warn(format!(
        "deleting profile {profile} makes the profile controller delete namespace {profile} with everything in it: {}",
        contents.summary()
    ));
    plan.push(Change::delete(&live)?);
    Ok(Offboard {
        plan,
        owned: vec![contents],
    })
}
