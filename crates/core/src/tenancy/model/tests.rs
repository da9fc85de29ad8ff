//! The incremental model against the full build: after any sequence of watch events the
//! model must equal `Tenancy::build` of the same snapshot, and one event must recompute only
//! what it touched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::tenancy::{Object, Snapshot, Tenancy, Touched};

fn obj<T: serde::de::DeserializeOwned>(v: Value) -> Arc<T> {
    Arc::new(serde_json::from_value(v).unwrap())
}

fn profile(name: &str, owner: &str, rv: &str, cpu: Option<&str>) -> Object {
    let mut p = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": name, "uid": format!("p-{name}"), "resourceVersion": rv},
        "spec": {"owner": {"kind": "User", "name": owner}}});
    if let Some(cpu) = cpu {
        p["spec"]["resourceQuotaSpec"] = json!({"hard": {"cpu": cpu}});
    }
    Object::Profile(obj(p))
}

fn namespace(name: &str, owner: Option<&str>, rv: &str) -> Object {
    let mut ns = json!({"metadata": {"name": name, "uid": format!("n-{name}"), "resourceVersion": rv,
        "labels": {"app.kubernetes.io/part-of": "kubeflow-profile"},
        "ownerReferences": [{"apiVersion": "kubeflow.org/v1", "kind": "Profile", "name": name, "uid": "x"}]}});
    if let Some(o) = owner {
        ns["metadata"]["annotations"] = json!({"owner": o});
    }
    Object::Namespace(obj(ns))
}

fn binding(ns: &str, name: &str, role: &str, subjects: &[(&str, &str)], kfam: bool) -> Object {
    let subjects: Vec<Value> = subjects
        .iter()
        .map(|(k, n)| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": k, "name": n}))
        .collect();
    let mut rb = json!({"metadata": {"name": name, "namespace": ns, "uid": format!("b-{ns}-{name}-{role}"), "resourceVersion": "1"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects});
    if kfam && let Some((_, who)) = subjects_first(&rb) {
        rb["metadata"]["annotations"] =
            json!({"role": role.trim_start_matches("kubeflow-"), "user": who});
    }
    Object::RoleBinding(obj(rb))
}

fn subjects_first(rb: &Value) -> Option<(String, String)> {
    let s = rb["subjects"].get(0)?;
    Some((s["kind"].as_str()?.into(), s["name"].as_str()?.into()))
}

fn policy(ns: &str, name: &str, user: &str, role: &str) -> Object {
    Object::AuthorizationPolicy(obj(json!({"metadata": {"name": name, "namespace": ns,
        "uid": format!("a-{ns}-{name}"), "resourceVersion": "1",
        "annotations": {"user": user, "role": role}}})))
}

/// Every object the random sequences toggle: pairs and half pairs, a KFAM collision
/// (`jo.kim` / `jo-kim` / `Jo.Kim`), drift, an orphan namespace, a group and a cluster-wide
/// grant; some names twice with other contents.
fn universe() -> Vec<Object> {
    let jo = "user-jo-kim-x-io-clusterrole-edit";
    vec![
        profile("alpha", "ann@x.io", "1", Some("4")),
        profile("alpha", "ann@x.io", "2", Some("8")),
        profile("beta", "Jo.Kim@x.io", "1", None),
        profile("gamma", "bob@x.io", "1", Some("2")),
        profile("bad.name", "zed@x.io", "1", None),
        namespace("alpha", Some("ann@x.io"), "1"),
        namespace("beta", Some("other@x.io"), "1"),
        namespace("gamma", None, "1"),
        namespace("orphan", Some("old@x.io"), "1"),
        binding(
            "alpha",
            "namespaceAdmin",
            "kubeflow-admin",
            &[("User", "ann@x.io")],
            true,
        ),
        binding(
            "alpha",
            "default-editor",
            "kubeflow-edit",
            &[("ServiceAccount", "default-editor")],
            false,
        ),
        binding(
            "alpha",
            jo,
            "kubeflow-edit",
            &[("User", "jo-kim@x.io")],
            true,
        ),
        binding(
            "gamma",
            jo,
            "kubeflow-edit",
            &[("User", "jo.kim@x.io")],
            true,
        ),
        binding(
            "beta",
            "user-bob-x-io-clusterrole-admin",
            "kubeflow-admin",
            &[("User", "bob@x.io")],
            true,
        ),
        binding(
            "gamma",
            "team",
            "kubeflow-view",
            &[("User", "ann@x.io"), ("User", "cy@x.io")],
            true,
        ),
        binding("beta", "eng", "kubeflow-view", &[("Group", "eng")], false),
        policy("alpha", jo, "jo-kim@x.io", "edit"),
        policy(
            "gamma",
            "user-gone-x-io-clusterrole-view",
            "gone@x.io",
            "view",
        ),
        policy("beta", "ns-owner-access-istio", "Jo.Kim@x.io", "admin"),
        Object::ResourceQuota(obj(
            json!({"metadata": {"name": "kf-resource-quota", "namespace": "alpha", "uid": "q", "resourceVersion": "1"},
            "spec": {"hard": {"cpu": "4"}}, "status": {"used": {"cpu": "1"}}}),
        )),
        Object::ResourceQuota(obj(
            json!({"metadata": {"name": "kf-resource-quota", "namespace": "gamma", "uid": "q2", "resourceVersion": "1"},
            "spec": {"hard": {"cpu": "2"}}, "status": {"used": {"cpu": "3"}}}),
        )),
        Object::LimitRange(obj(
            json!({"metadata": {"name": "limits", "namespace": "alpha", "uid": "l", "resourceVersion": "1"}}),
        )),
        Object::ClusterRoleBinding(obj(
            json!({"metadata": {"name": "kf-view-ann", "uid": "c", "resourceVersion": "1"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-view"},
            "subjects": [{"kind": "User", "name": "ann@x.io"}, {"kind": "Group", "name": "eng"}]}),
        )),
        Object::ClusterRole(obj(
            json!({"metadata": {"name": "kubeflow-view", "uid": "r", "resourceVersion": "1"},
            "rules": [{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"], "verbs": ["get"]}]}),
        )),
    ]
}

/// The model updated event by event equals one built from scratch, and its findings equal
/// `diagnose`, which finds them without the model.
fn assert_same(incremental: &Tenancy, full: &Tenancy, snap: &Snapshot) {
    let found: Vec<&crate::tenancy::Finding> =
        incremental.findings().iter().map(|f| &**f).collect();
    let diagnosed = crate::tenancy::diagnose(snap);
    assert_eq!(found, diagnosed.iter().collect::<Vec<_>>());
    assert_eq!(incremental.profiles(), full.profiles());
    assert_eq!(incremental.users(), full.users());
    assert_eq!(incremental.findings(), full.findings());
    assert_eq!(incremental.istio(), full.istio());
    assert_eq!(
        incremental.roles().resources(),
        full.roles().resources(),
        "role chart"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn incremental_updates_equal_a_full_build(
        ops in prop::collection::vec((0..universe().len(), any::<bool>()), 1..60),
        batch in 1usize..5,
    ) {
        let u = universe();
        let mut snap = Snapshot::default();
        snap.set_istio(true);
        let mut model = Model::default();
        model.update(&snap, &Touched::everything());
        for chunk in ops.chunks(batch) {
            let mut touched = Touched::default();
            for (i, present) in chunk {
                snap.apply(u[*i].clone(), !present, &mut touched);
            }
            model.update(&snap, &touched);
            assert_same(model.tenancy(), &Tenancy::build(&snap), &snap);
        }
    }
}

#[test]
fn one_grant_recomputes_one_space_and_keeps_every_other_row() {
    let mut snap = Snapshot::default();
    snap.set_istio(true);
    let mut touched = Touched::default();
    for o in universe() {
        snap.apply(o, false, &mut touched);
    }
    let mut model = Model::default();
    model.update(&snap, &Touched::everything());
    let before = model.tenancy().clone();
    let mut touched = Touched::default();
    let grant = [
        binding(
            "gamma",
            "user-new-x-io-clusterrole-view",
            "kubeflow-view",
            &[("User", "new@x.io")],
            true,
        ),
        policy(
            "gamma",
            "user-new-x-io-clusterrole-view",
            "new@x.io",
            "view",
        ),
    ];
    for o in grant {
        snap.apply(o, false, &mut touched);
    }
    let stats = model.update(&snap, &touched);
    assert_eq!(stats.spaces, 1, "{stats:?}");
    assert_eq!(stats.profile_rows, 1, "{stats:?}");
    let after = model.tenancy();
    assert_same(after, &Tenancy::build(&snap), &snap);
    for (old, new) in before.profiles().iter().zip(after.profiles()) {
        assert_eq!(
            Arc::ptr_eq(old, new),
            old.name != "gamma",
            "only gamma's row is new: {}",
            old.name
        );
    }
    let new_users: Vec<&str> = after
        .users()
        .iter()
        .filter(|u| !before.users().iter().any(|b| Arc::ptr_eq(b, u)))
        .map(|u| u.identity.as_str())
        .collect();
    assert_eq!(new_users, ["new@x.io"], "every other user row is kept");
    assert!(
        before
            .findings()
            .iter()
            .zip(after.findings())
            .all(|(a, b)| Arc::ptr_eq(a, b)),
        "no finding changed, none rebuilt"
    );
}
