//! The journal of applied change sets, `history` and `undo`, through the real binary: what
//! is recorded (who, what, each object's before and after, mode 0600), undo as the inverse
//! sent through the same preview/confirm/apply path, and undo refused with the diff when
//! what a change set wrote was changed again since.
use crate::common::TestCluster;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, Patch, PatchParams};
use kubectl_kubeflow::manifest::kfam_binding_name;
use kubectl_kubeflow::model::{AuthorizationPolicy, Profile, Role};
use predicates::prelude::*;
use serde_json::Value;

fn history(cluster: &TestCluster) -> Vec<Value> {
    let out = cluster
        .plugin()
        .args(["history", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice::<Vec<Value>>(&out).unwrap()
}

fn last_id(cluster: &TestCluster) -> String {
    history(cluster).last().unwrap()["id"].to_string()
}

async fn cpu(cluster: &TestCluster, profile: &str) -> Option<String> {
    let api: Api<Profile> = Api::all(cluster.admin.clone());
    let p = api.get(profile).await.unwrap();
    let v = serde_json::to_value(&p).unwrap();
    v.pointer("/spec/resourceQuotaSpec/hard/cpu")
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_is_recorded_and_undone() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("jrn", &[]).await;
    let user = cluster.email("bob");
    cluster.grant(&user, "edit", &p);
    let entries = history(&cluster);
    let grant = entries.last().unwrap();
    assert!(
        grant["command"].as_str().unwrap().contains("grant"),
        "{grant}"
    );
    let changes = grant["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{grant}");
    assert!(changes.iter().all(|c| c["did"] == "created"));
    // The server's answer is kept (uid), so the undo can tell it is still the same object.
    assert!(
        changes
            .iter()
            .all(|c| c["after"]["metadata"]["uid"].is_string())
    );
    if !cluster.is_external() {
        assert_eq!(grant["user"], "sandbox-admin");
    }
    // Private: the journal and its directory are the user's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = cluster.state_dir().join("kubectl-kubeflow").join("journal");
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
    }
    // The table.
    cluster
        .plugin()
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains("ID").and(predicate::str::contains("2 created")));

    // Undo: the pair the grant made is deleted (asks first off a terminal: --yes).
    let id = grant["id"].to_string();
    cluster
        .plugin()
        .args(["undo", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
    let name = kfam_binding_name(&user, Role::Edit);
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(
        rbs.get_opt(&name).await.unwrap().is_some(),
        "nothing changed without --yes"
    );
    cluster
        .plugin()
        .args(["undo", &id, "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "rolebinding.rbac.authorization.k8s.io/{name} deleted"
        )));
    assert!(rbs.get_opt(&name).await.unwrap().is_none());
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(aps.get_opt(&name).await.unwrap().is_none());
    let undo = history(&cluster).pop().unwrap();
    assert_eq!(undo["undoes"].to_string(), id);
    // Undoing the undo makes the pair again.
    cluster.plugin().args(["undo", "--yes"]).assert().success();
    assert!(rbs.get_opt(&name).await.unwrap().is_some());
    assert!(aps.get_opt(&name).await.unwrap().is_some());
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_is_refused_with_the_diff_when_the_same_fields_changed_since() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("jrq", &[]).await;
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=4"])
        .assert()
        .success();
    let id = last_id(&cluster);
    // Another admin (another machine: another journal) changes the same field.
    let other = tempfile::tempdir().unwrap();
    cluster
        .plugin()
        .env("XDG_STATE_HOME", other.path())
        .args(["quota", "set", &p, "cpu=6"])
        .assert()
        .success();
    cluster
        .plugin()
        .args(["undo", &id])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("nothing was changed")
                .and(predicate::str::contains("-      cpu: \"4\""))
                .and(predicate::str::contains("+      cpu: \"6\"")),
        );
    assert_eq!(cpu(&cluster, &p).await.as_deref(), Some("6"));
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_goes_through_a_controller_status_write_and_keeps_it() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("jrs", &[]).await;
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=4"])
        .assert()
        .success();
    let id = last_id(&cluster);
    // A controller writes the Profile's status meanwhile (a new resourceVersion).
    let api: Api<Profile> = Api::all(cluster.admin.clone());
    let status = serde_json::json!({"status": {"conditions": [{"type": "Ready", "status": "True", "message": "journal test"}]}});
    api.patch_status(&p, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    cluster
        .plugin()
        .args(["undo", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "profile.kubeflow.org/{p} configured"
        )));
    assert_eq!(cpu(&cluster, &p).await, None);
    let live = serde_json::to_value(api.get(&p).await.unwrap()).unwrap();
    assert!(
        live.to_string().contains("journal test"),
        "the status written meanwhile is kept: {live}"
    );
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offboard_is_undone_by_recreating_the_access() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("jro", &[]).await;
    let user = cluster.email("carol");
    cluster.grant(&user, "view", &p);
    cluster
        .plugin()
        .args(["offboard", &user])
        .assert()
        .success();
    let name = kfam_binding_name(&user, Role::View);
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(rbs.get_opt(&name).await.unwrap().is_none());
    cluster
        .plugin()
        .args(["undo", "--diff"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                format!("rolebinding.rbac.authorization.k8s.io/{name} -n {p} created").as_str(),
            )
            .or(predicate::str::contains(
                format!("rolebinding.rbac.authorization.k8s.io/{name} created").as_str(),
            )),
        );
    let rb = rbs.get(&name).await.unwrap();
    let subjects = rb.subjects.unwrap_or_default();
    assert_eq!(subjects[0].name, user);
    // Made again, not resurrected: a new object without the old bookkeeping.
    assert!(rb.metadata.managed_fields.is_some());
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(aps.get_opt(&name).await.unwrap().is_some());
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_import_is_one_change_set_and_bad_ids_are_input_errors() {
    let cluster = TestCluster::start().await;
    cluster
        .plugin()
        .arg("history")
        .assert()
        .success()
        .stderr(predicate::str::contains("No changes recorded"));
    cluster
        .plugin()
        .args(["undo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to undo"));
    let (p, _) = cluster.onboarded("jrb", &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    let (a, b) = (cluster.email("dora"), cluster.email("eve"));
    std::fs::write(
        &roster,
        format!("user,profile,role\n{a},{p},edit\n{b},{p},view\n"),
    )
    .unwrap();
    let before = history(&cluster).len();
    cluster
        .plugin()
        .args(["onboard", "--from", roster.to_str().unwrap()])
        .assert()
        .success();
    let entries = history(&cluster);
    assert_eq!(entries.len(), before + 1, "one entry for the whole import");
    assert_eq!(
        entries.last().unwrap()["changes"].as_array().unwrap().len(),
        4
    );
    cluster
        .plugin()
        .args(["undo", "999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no change set 999; `kubectl kubeflow history` lists them",
        ));
    cluster
        .plugin()
        .args(["history", "999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no change set 999"));
    // Without a state directory there is no journal: a failure (exit 1) saying how to get one.
    for args in [&["undo"][..], &["history"][..]] {
        cluster
            .plugin()
            .env_remove("XDG_STATE_HOME")
            .env_remove("HOME")
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("set XDG_STATE_HOME or HOME"));
    }
    cluster.cleanup().await;
}

/// The TUI's `:undo ID` of a change set the journal does not hold: refused as not found,
/// pointing at the TUI's own `:history` (the CLI's message names `kubectl kubeflow history`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tuis_undo_of_an_unknown_change_set_points_at_history() {
    use kubectl_kubeflow::cluster::permission::PermissionCache;
    use kubectl_kubeflow::cluster::{Cluster, ConnectOptions};
    use kubectl_kubeflow::tui::edit::{FailureKind, Intent};
    let cluster = TestCluster::start().await;
    let options = ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        context: Some(cluster.admin_context.clone()),
        journal_dir: Some(cluster.state_dir().join("tui-journal")),
        ..ConnectOptions::default()
    };
    let tui = Cluster::connect(&options).await.unwrap();
    let intent = Intent::Undo { id: Some(999) };
    let failure = kubectl_kubeflow::tui::runner::plan(&tui, &intent, &PermissionCache::default())
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::NotFound, "{}", failure.message);
    assert_eq!(
        failure.message,
        format!(
            "the journal of context {:?} has no change set 999; :history lists them",
            cluster.admin_context
        )
    );
    cluster.cleanup().await;
}
