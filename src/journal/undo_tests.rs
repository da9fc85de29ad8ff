#![allow(clippy::unwrap_used)]
use serde_json::{Value, json};

use super::*;
use crate::plan::Action;

fn profile(cpu: &str, rv: &str, uid: &str) -> Value {
    json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": "team", "resourceVersion": rv, "uid": uid,
            "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"owner": {"kind": "User", "name": "a@x.io"},
            "resourceQuotaSpec": {"hard": {"cpu": cpu}}},
        "status": {"conditions": []}})
}

fn entry(changes: Vec<Recorded>) -> Entry {
    Entry {
        id: 7,
        time: "2026-12-03T10:00:00Z".into(),
        context: "ctx".into(),
        server: "https://127.0.0.1".into(),
        user: None,
        local_user: None,
        command: "kubectl kubeflow quota set team cpu=8".into(),
        undoes: None,
        failed: None,
        not_applied: Vec::new(),
        changes,
    }
}

fn rec(did: Did, before: Option<Value>, after: Option<Value>) -> Recorded {
    Recorded {
        did,
        reference: "profile.kubeflow.org/team".into(),
        namespace: None,
        before,
        after,
    }
}

fn updated() -> Entry {
    entry(vec![rec(
        Did::Updated,
        Some(profile("4", "10", "u1")),
        Some(profile("8", "11", "u1")),
    )])
}

#[test]
fn an_update_is_reversed_on_the_live_object_even_after_a_status_write() {
    let mut live = profile("8", "12", "u1");
    live["status"] = json!({"conditions": [{"type": "Ready"}]});
    let plan = inverse(&updated(), &[Some(live)]).unwrap();
    assert_eq!(plan.undoes, Some(7));
    let [change] = plan.changes.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(change.action, Action::Update);
    let after = change.after.as_ref().unwrap();
    assert_eq!(after["spec"]["resourceQuotaSpec"]["hard"]["cpu"], "4");
    // The status written meanwhile is kept, and the write is guarded by the live version.
    assert_eq!(after["status"]["conditions"][0]["type"], "Ready");
    assert_eq!(after["metadata"]["resourceVersion"], "12");
}

#[test]
fn an_update_whose_fields_changed_again_is_refused_with_the_diff() {
    let refusals = inverse(&updated(), &[Some(profile("16", "13", "u1"))]).unwrap_err();
    let [r] = refusals.as_slice() else {
        panic!("{refusals:?}")
    };
    assert!(r.reason.contains("changed again"), "{r}");
    assert!(
        r.diff.contains("-      cpu: \"8\"\n+      cpu: \"16\""),
        "{}",
        r.diff
    );
    let gone = inverse(&updated(), &[None]).unwrap_err();
    assert!(gone[0].reason.contains("deleted since"), "{}", gone[0]);
    let recreated = inverse(&updated(), &[Some(profile("8", "20", "u2"))]).unwrap_err();
    assert!(
        recreated[0].reason.contains("created again"),
        "{}",
        recreated[0]
    );
}

#[test]
fn undoing_twice_is_refused() {
    // The update's fields no longer hold what it wrote: an earlier undo reverted them.
    let again = inverse(&updated(), &[Some(profile("4", "12", "u1"))]).unwrap_err();
    assert!(again[0].reason.contains("changed again"), "{}", again[0]);
}

#[test]
fn a_create_is_deleted_only_while_it_is_what_was_created() {
    let created = entry(vec![rec(
        Did::Created,
        None,
        Some(profile("4", "10", "u1")),
    )]);
    let mut live = profile("4", "15", "u1");
    live["metadata"]["finalizers"] = json!(["profile-finalizer"]);
    live["status"] = json!({"conditions": [{"type": "Ready"}]});
    let plan = inverse(&created, &[Some(live)]).unwrap();
    assert_eq!(plan.changes[0].action, Action::Delete);
    assert_eq!(
        plan.changes[0].before.as_ref().unwrap()["metadata"]["resourceVersion"],
        "15"
    );
    let edited = inverse(&created, &[Some(profile("6", "16", "u1"))]).unwrap_err();
    assert!(edited[0].reason.contains("changed since"), "{}", edited[0]);
    let other = inverse(&created, &[Some(profile("4", "16", "u9"))]).unwrap_err();
    assert!(other[0].reason.contains("not the one"), "{}", other[0]);
    let gone = inverse(&created, &[None]).unwrap();
    assert!(gone.changes.is_empty() && gone.warnings[0].contains("already gone"));
}

#[test]
fn a_delete_is_created_again_without_server_fields_or_dead_owners() {
    let mut binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "user-bob", "namespace": "team", "uid": "b1",
            "resourceVersion": "30", "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "x"}],
            "ownerReferences": [{"uid": "u1", "kind": "Profile", "name": "team"},
                                {"uid": "keep", "kind": "Other", "name": "o"}]},
        "roleRef": {"kind": "ClusterRole", "name": "kubeflow-edit"},
        "subjects": [{"kind": "User", "name": "bob@x.io"}]});
    let e = entry(vec![
        Recorded {
            did: Did::Deleted,
            reference: "rolebinding.rbac.authorization.k8s.io/user-bob".into(),
            namespace: Some("team".into()),
            before: Some(binding.clone()),
            after: None,
        },
        rec(Did::Deleted, Some(profile("4", "10", "u1")), None),
    ]);
    let plan = inverse(&e, &[None, None]).unwrap();
    let kinds: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.action, c.object()["kind"].as_str().unwrap().to_string()))
        .collect();
    // Newest first: the profile before the binding in its namespace.
    assert_eq!(
        kinds,
        [
            (Action::Create, "Profile".to_string()),
            (Action::Create, "RoleBinding".to_string())
        ]
    );
    let made = plan.changes[1].after.as_ref().unwrap();
    let meta = made["metadata"].as_object().unwrap();
    for k in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
    ] {
        assert!(!meta.contains_key(k), "{k} in {made}");
    }
    assert_eq!(
        made["metadata"]["ownerReferences"],
        json!([{"uid": "keep", "kind": "Other", "name": "o"}])
    );
    binding["metadata"]["uid"] = json!("b2");
    let back = inverse(&e, &[Some(binding), None]).unwrap_err();
    assert!(back[0].reason.contains("exists again"), "{}", back[0]);
}
