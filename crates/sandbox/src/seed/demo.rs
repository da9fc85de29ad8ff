//! The demo organisation: ACME's ML teams on one Kubeflow cluster. Deterministic: the same
//! names, roles, quotas and pods on every start.
//!
//! Eight team profiles with contributors, twenty-two personal profiles, cluster-wide grants,
//! pods using part of the quotas, and the deliberate problems of [`demo_problems`], each of
//! which an admin meets on real clusters (domain reference §6).

use serde_json::{Value, json};

use super::{SeedError, SeedUser};
use crate::store::{GroupResource, Store};
use kubectl_kubeflow_core::manifest::{LimitRangeDefaults, limit_range};
use kubectl_kubeflow_core::model::{Email, ProfileName, Role, Subject};

/// The demo's email domain.
pub const DOMAIN: &str = "acme.io";

const FIRST: &[&str] = &[
    "maria", "li", "ahmed", "sofia", "kenji", "priya", "lucas", "amara", "noah", "elena", "omar",
    "yuki", "david", "fatima", "ivan", "chloe", "mateo", "zara", "felix", "hana",
];
const LAST: &[&str] = &[
    "garcia", "wei", "hassan", "rossi", "tanaka", "patel", "martin", "okafor", "berg", "novak",
    "haddad", "sato", "cohen", "ali", "petrov", "dubois", "lopez", "khan", "wagner", "kim",
];

/// The 80 regular demo users, `first.last@acme.io`.
pub fn users() -> Vec<String> {
    (0..80)
        .map(|i| format!("{}.{}@{DOMAIN}", FIRST[i % 20], LAST[(i / 20 * 7 + i) % 20]))
        .collect()
}

/// Team profiles: (name, index of the owner in [`users`], members (user index, role),
/// quota hard, pods as (cpu request, memory request, gpu)).
struct Team {
    name: &'static str,
    owner: usize,
    members: &'static [(usize, Role)],
    hard: &'static [(&'static str, &'static str)],
    pods: &'static [(&'static str, &'static str, u32)],
    limit_range: bool,
}

const TEAMS: &[Team] = &[
    Team {
        name: "ml-platform",
        owner: 0,
        members: &[
            (20, Role::Admin),
            (21, Role::Edit),
            (22, Role::Edit),
            (40, Role::View),
        ],
        hard: &[
            ("cpu", "32"),
            ("memory", "128Gi"),
            ("requests.nvidia.com/gpu", "4"),
        ],
        pods: &[("4", "16Gi", 1), ("2", "8Gi", 0)],
        limit_range: true,
    },
    Team {
        name: "vision",
        owner: 1,
        members: &[
            (23, Role::Edit),
            (24, Role::Edit),
            (25, Role::Edit),
            (41, Role::View),
            (42, Role::View),
        ],
        hard: &[
            ("cpu", "8"),
            ("memory", "32Gi"),
            ("requests.nvidia.com/gpu", "2"),
        ],
        pods: &[("3", "8Gi", 1), ("2", "8Gi", 0), ("2", "10Gi", 1)],
        limit_range: true,
    },
    Team {
        name: "nlp",
        owner: 2,
        members: &[(26, Role::Edit), (27, Role::Edit), (43, Role::View)],
        hard: &[
            ("cpu", "16"),
            ("memory", "64Gi"),
            ("requests.nvidia.com/gpu", "2"),
        ],
        pods: &[("4", "24Gi", 1), ("4", "24Gi", 1)],
        limit_range: true,
    },
    Team {
        name: "forecasting",
        owner: 3,
        members: &[(28, Role::Edit), (29, Role::View)],
        hard: &[("cpu", "8"), ("memory", "16Gi")],
        pods: &[("1", "2Gi", 0)],
        limit_range: true,
    },
    Team {
        name: "data-eng",
        owner: 4,
        members: &[
            (30, Role::Admin),
            (31, Role::Edit),
            (32, Role::Edit),
            (44, Role::View),
        ],
        hard: &[("cpu", "24"), ("memory", "96Gi")],
        pods: &[("6", "20Gi", 0), ("4", "16Gi", 0)],
        limit_range: true,
    },
    Team {
        name: "recsys",
        owner: 5,
        members: &[(33, Role::Edit), (34, Role::Edit), (45, Role::View)],
        hard: &[
            ("cpu", "12"),
            ("memory", "48Gi"),
            ("requests.nvidia.com/gpu", "1"),
        ],
        pods: &[("2", "4Gi", 0)],
        limit_range: true,
    },
    Team {
        name: "fraud",
        owner: 6,
        members: &[(35, Role::Edit), (46, Role::View)],
        hard: &[("cpu", "8"), ("memory", "32Gi")],
        pods: &[("2", "6Gi", 0)],
        limit_range: true,
    },
    Team {
        name: "genai",
        owner: 7,
        members: &[
            (36, Role::Admin),
            (37, Role::Edit),
            (38, Role::Edit),
            (39, Role::Edit),
            (47, Role::View),
        ],
        hard: &[
            ("cpu", "64"),
            ("memory", "256Gi"),
            ("requests.nvidia.com/gpu", "8"),
        ],
        pods: &[("8", "32Gi", 2), ("8", "32Gi", 2), ("8", "32Gi", 2)],
        limit_range: false,
    },
];

/// Users with a personal profile (indexes into [`users`]).
const PERSONAL: std::ops::Range<usize> = 48..69;

/// Extra identities the problems need.
pub const MIXED_CASE_OWNER: &str = "Dana.Whitfield@acme.io";
/// Two contributors whose KFAM-escaped names collide.
pub const COLLIDING: [&str; 2] = ["jo.kim@acme.io", "jo-kim@acme.io"];
/// Holds `kubeflow-admin` cluster-wide (the Kaptain convention).
pub const PLATFORM_ADMIN: &str = "platform.admin@acme.io";
/// A group holding `kubeflow-view` cluster-wide.
pub const AUDITORS: &str = "auditors@acme.io";
/// A user with no access at all.
pub const NEW_HIRE: &str = "new.hire@acme.io";

fn email(s: &str) -> Option<Email> {
    Email::parse(s).ok()
}

fn profile(name: &str, owner: &str, hard: &[(&str, &str)]) -> Value {
    let mut spec =
        json!({"owner": {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner}});
    if !hard.is_empty() {
        let map: serde_json::Map<String, Value> = hard
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect();
        spec["resourceQuotaSpec"] = json!({"hard": map});
    }
    json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": name}, "spec": spec})
}

/// Creates a contributor pair; returns the (shared) object name.
fn rbac(resource: &str) -> GroupResource {
    GroupResource::new("rbac.authorization.k8s.io", resource)
}

fn policies() -> GroupResource {
    GroupResource::new("security.istio.io", "authorizationpolicies")
}

fn profiles() -> GroupResource {
    GroupResource::new("kubeflow.org", "profiles")
}

fn pod(name: &str, cpu: &str, memory: &str, gpu: u32) -> Value {
    let mut requests = json!({"cpu": cpu, "memory": memory});
    let mut limits = json!({"cpu": cpu, "memory": memory});
    if gpu > 0 {
        requests["nvidia.com/gpu"] = json!(gpu.to_string());
        limits["nvidia.com/gpu"] = json!(gpu.to_string());
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "notebook", "notebook-name": name}},
        "spec": {"containers": [{"name": "notebook", "image": "kubeflownotebookswg/jupyter-scipy:v1.10.0",
            "resources": {"requests": requests, "limits": limits}}]},
        "status": {"phase": "Running"}})
}

/// Phase 1 (before the controllers run): profiles, pre-existing namespaces, contributors,
/// pods, LimitRanges, cluster-wide grants. Returns the personas to mint tokens for.
pub fn install(store: &mut Store) -> Result<Vec<SeedUser>, SeedError> {
    let users = users();
    install_profiles(store, &users)?;
    install_team_contents(store, &users)?;
    super::contribute(store, "recsys", COLLIDING[0], Role::Edit)?;
    super::contribute(store, "fraud", COLLIDING[1], Role::View)?;
    install_cluster_wide(store)?;
    Ok(personas(&users))
}

/// The team and personal profiles, and the odd ones the doctor finds problems with.
fn install_profiles(store: &mut Store, users: &[String]) -> Result<(), SeedError> {
    let ns_gr = GroupResource::core("namespaces");
    for team in TEAMS {
        store.create(
            &profiles(),
            None,
            profile(team.name, &users[team.owner], team.hard),
        )?;
    }
    for i in PERSONAL {
        let Some(name) = email(&users[i]).and_then(|e| ProfileName::from_email(&e).ok()) else {
            continue;
        };
        let hard: &[(&str, &str)] = if i % 3 == 0 {
            &[("cpu", "4"), ("memory", "8Gi")]
        } else {
            &[]
        };
        store.create(&profiles(), None, profile(name.as_str(), &users[i], hard))?;
    }
    store.create(
        &profiles(),
        None,
        profile("dana-whitfield", MIXED_CASE_OWNER, &[]),
    )?;
    // A pre-existing namespace owned by someone else: the controller refuses it.
    store.create(
        &ns_gr,
        None,
        json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "shared-datasets", "annotations": {"owner": "data.steward@acme.io"}}}),
    )?;
    store.create(
        &profiles(),
        None,
        profile("shared-datasets", &users[10], &[]),
    )?;
    // A profile name that is not a valid namespace name: the controller cannot create it.
    store.create(&profiles(), None, profile("ml.research", &users[11], &[]))?;
    // Left behind by a deleted profile whose namespace the controller had not created.
    store.create(&ns_gr, None, json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "old-churn-model", "annotations": {"owner": users[12]},
            "labels": {"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled",
                "katib.kubeflow.org/metrics-collector-injection": "enabled",
                "pipelines.kubeflow.org/enabled": "true", "serving.kubeflow.org/inferenceservice": "enabled"}}}))?;
    Ok(())
}

/// What each team's namespace holds: contributors, notebook pods, a LimitRange.
fn install_team_contents(store: &mut Store, users: &[String]) -> Result<(), SeedError> {
    // The controller creates the team namespaces (owned, so they go with their Profile);
    // the store takes namespaced objects before their namespace exists, which lets the seed
    // put contributors, pods and LimitRanges in place before the controllers run.
    for team in TEAMS {
        for (member, role) in team.members {
            super::contribute(store, team.name, &users[*member], *role)?;
        }
        for (n, (cpu, memory, gpu)) in team.pods.iter().enumerate() {
            store.create(
                &GroupResource::core("pods"),
                Some(team.name),
                pod(&format!("notebook-{}", n + 1), cpu, memory, *gpu),
            )?;
        }
        if team.limit_range
            && let Ok(name) = ProfileName::parse(team.name)
            && let Ok(lr) = serde_json::to_value(limit_range(&name, &LimitRangeDefaults::default()))
        {
            store.create(&GroupResource::core("limitranges"), Some(team.name), lr)?;
        }
    }
    Ok(())
}

/// The platform admin's and the auditors' cluster-wide roles.
fn install_cluster_wide(store: &mut Store) -> Result<(), SeedError> {
    let crb = rbac("clusterrolebindings");
    for (subject, role) in [
        (email(PLATFORM_ADMIN).map(Subject::User), Role::Admin),
        (
            kubectl_kubeflow_core::model::GroupName::parse(AUDITORS)
                .ok()
                .map(Subject::Group),
            Role::View,
        ),
    ] {
        if let Some(subject) = subject
            && let Ok(v) = serde_json::to_value(
                kubectl_kubeflow_core::manifest::cluster_role_binding(&subject, role),
            )
        {
            store.create(&crb, None, v)?;
        }
    }
    Ok(())
}

/// The users the sandbox mints tokens for, one per kind of access.
fn personas(users: &[String]) -> Vec<SeedUser> {
    let persona = |name: &str| SeedUser {
        name: name.to_string(),
        groups: Vec::new(),
    };
    vec![
        persona(&users[0]),  // owner of ml-platform
        persona(&users[23]), // edits vision
        persona(&users[40]), // views ml-platform
        persona(PLATFORM_ADMIN),
        SeedUser {
            name: "erin.audit@acme.io".into(),
            groups: vec![AUDITORS.into()],
        },
        persona(NEW_HIRE),
    ]
}

/// One deliberate problem of the demo seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoProblem {
    /// Stable code, the same the `doctor` command reports.
    pub code: &'static str,
    /// The profile concerned, if any.
    pub profile: Option<&'static str>,
    /// Kind of the object at fault.
    pub kind: &'static str,
    /// Its name (namespace = profile for namespaced kinds).
    pub name: String,
}

fn kfam(user: &str, role: Role) -> String {
    kubectl_kubeflow_core::manifest::kfam_binding_name(user, role)
}

/// Every deliberate problem of the demo seed (the seed's `drift` makes each).
pub fn demo_problems() -> Vec<DemoProblem> {
    let users = users();
    let p = |code, profile, kind, name: String| DemoProblem {
        code,
        profile,
        kind,
        name,
    };
    vec![
        p(
            "contributor-missing-policy",
            Some("vision"),
            "RoleBinding",
            kfam(&users[24], Role::Edit),
        ),
        p(
            "policy-missing-binding",
            Some("nlp"),
            "AuthorizationPolicy",
            kfam("former.intern@acme.io", Role::Edit),
        ),
        p(
            "binding-multiple-subjects",
            Some("forecasting"),
            "RoleBinding",
            kfam(&users[28], Role::Edit),
        ),
        p(
            "owner-annotation-mismatch",
            Some("data-eng"),
            "Namespace",
            "data-eng".into(),
        ),
        p(
            "missing-default-viewer",
            Some("recsys"),
            "RoleBinding",
            "default-viewer".into(),
        ),
        p(
            "mixed-case-email",
            Some("dana-whitfield"),
            "Profile",
            "dana-whitfield".into(),
        ),
        p(
            "kfam-name-collision",
            Some("recsys"),
            "RoleBinding",
            kfam(COLLIDING[0], Role::Edit),
        ),
        p(
            "quota-drift",
            Some("fraud"),
            "ResourceQuota",
            "kf-resource-quota".into(),
        ),
        p(
            "quota-without-limitrange",
            Some("genai"),
            "ResourceQuota",
            "kf-resource-quota".into(),
        ),
        p(
            "orphan-namespace",
            None,
            "Namespace",
            "old-churn-model".into(),
        ),
        p(
            "namespace-not-owned",
            Some("shared-datasets"),
            "Namespace",
            "shared-datasets".into(),
        ),
        p(
            "invalid-profile-name",
            Some("ml.research"),
            "Profile",
            "ml.research".into(),
        ),
        p(
            "cluster-wide-binding",
            None,
            "ClusterRoleBinding",
            platform_admin_binding(),
        ),
    ]
}

/// The name of the platform admin's cluster-wide binding (PLATFORM_ADMIN is a valid constant,
/// unit-tested, so the fallback never shows).
fn platform_admin_binding() -> String {
    email(PLATFORM_ADMIN)
        .map(|e| {
            kubectl_kubeflow_core::manifest::cluster_role_binding_name(
                &Subject::User(e),
                Role::Admin,
            )
        })
        .unwrap_or_default()
}

/// Phase 2 (after the controllers reached their fixed point): the drift that makes the
/// problems. The sandbox then advances the controllers' mark past these events, as if the
/// profile controller had been down while they happened (it would repair some of them:
/// a deleted `default-viewer` comes back on its next reconcile of that profile).
pub fn drift(store: &mut Store) -> Result<(), SeedError> {
    let users = users();
    let rbs = rbac("rolebindings");
    store.delete(&policies(), Some("vision"), &kfam(&users[24], Role::Edit))?;
    // A policy whose binding someone removed by hand.
    let name = super::contribute(store, "nlp", "former.intern@acme.io", Role::Edit)?;
    store.delete(&rbs, Some("nlp"), &name)?;
    // A second subject added to a contributor binding (breaks KFAM's listing).
    let name = kfam(&users[28], Role::Edit);
    if let Some(mut rb) = store.get(&rbs, Some("forecasting"), &name).cloned()
        && let Some(subjects) = rb["subjects"].as_array_mut()
    {
        subjects.push(
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": users[29]}),
        );
        store.update(&rbs, Some("forecasting"), rb)?;
    }
    let ns_gr = GroupResource::core("namespaces");
    if let Some(mut ns) = store.get(&ns_gr, None, "data-eng").cloned() {
        ns["metadata"]["annotations"]["owner"] = json!(users[30]);
        store.update(&ns_gr, None, ns)?;
    }
    // Made by the profile controller: absent when the sandbox runs without it.
    if store.get(&rbs, Some("recsys"), "default-viewer").is_some() {
        store.delete(&rbs, Some("recsys"), "default-viewer")?;
    }
    let quotas = GroupResource::core("resourcequotas");
    if let Some(mut q) = store
        .get(&quotas, Some("fraud"), "kf-resource-quota")
        .cloned()
    {
        q["spec"]["hard"]["cpu"] = json!("16");
        store.update(&quotas, Some("fraud"), q)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn users_are_unique_and_valid() {
        let users = users();
        let set: std::collections::BTreeSet<_> = users.iter().collect();
        assert_eq!(set.len(), 80);
        for u in &users {
            Email::parse(u).unwrap();
        }
        Email::parse(PLATFORM_ADMIN).unwrap();
        kubectl_kubeflow_core::model::GroupName::parse(AUDITORS).unwrap();
    }
}
