//! `roles` through the real binary: the chart follows aggregation labels (a ClusterRole
//! labelled into kubeflow-view shows up in view, edit and admin), `--compare` lists only what
//! one role adds, and bad input is a usage error.
use crate::common::TestCluster;
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{Api, PostParams};
use predicates::prelude::*;
use serde_json::{Value, json};

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_follows_aggregation_labels_and_compare_lists_additions() {
    let cluster = TestCluster::start().await;
    // A component role of our own, aggregated into kubeflow-view by label only.
    let name = cluster.name("widgets-view");
    let group = format!("{}.example.com", cluster.run_id);
    let role: ClusterRole = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {
            "rbac.authorization.kubeflow.org/aggregate-to-kubeflow-view": "true"}},
        "rules": [{"apiGroups": [group], "resources": ["widgets"], "verbs": ["get", "list"]}]
    }))
    .unwrap();
    Api::<ClusterRole>::all(cluster.admin.clone())
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let label = format!("widgets.{group}");

    let chart = stdout(cluster.plugin().args(["roles"]));
    let header = chart.lines().next().unwrap();
    assert!(header.starts_with("RESOURCE"), "{chart}");
    assert!(header.contains("VIEW") && header.contains("EDIT") && header.contains("ADMIN"));
    let row = chart
        .lines()
        .find(|l| l.starts_with(&label))
        .unwrap_or_else(|| panic!("{label} missing from\n{chart}"));
    // view ⊆ edit ⊆ admin: the label reaches all three through the aggregation chain.
    assert_eq!(row.matches("get,list").count(), 3, "{row}");
    // Secrets: not readable with view, writable with edit (upstream kubeflow-roles).
    let secrets = chart.lines().find(|l| l.starts_with("secrets ")).unwrap();
    let cells: Vec<&str> = secrets.split_whitespace().collect();
    assert_eq!(cells[1], "-", "{secrets}");
    assert!(cells[2].contains("create"), "{secrets}");

    let wide = stdout(cluster.plugin().args(["roles", "view", "-o", "wide"]));
    assert!(wide.contains("kubeflow-view aggregates"), "{wide}");
    assert!(wide.contains(&name), "{wide}");

    let json: Value = serde_json::from_str(&stdout(
        cluster.plugin().args(["roles", "edit", "-o", "json"]),
    ))
    .unwrap();
    assert_eq!(json["roles"][0]["name"], "kubeflow-edit");
    assert!(
        json["roles"][0]["sources"]
            .as_array()
            .unwrap()
            .contains(&json!(name))
    );

    let compare = stdout(
        cluster
            .plugin()
            .args(["roles", "--compare", "edit", "view"]),
    );
    assert!(compare.starts_with("RESOURCE"), "{compare}");
    assert!(compare.contains("EDIT ADDS OVER VIEW"));
    assert!(
        compare.lines().any(|l| l.starts_with("secrets ")),
        "{compare}"
    );
    // Both have get,list on widgets: edit adds nothing there.
    assert!(!compare.contains(&label), "{compare}");
    cluster
        .plugin()
        .args(["roles", "--compare", "view", "admin"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "kubeflow-view allows nothing that kubeflow-admin does not",
        ));
    cluster
        .plugin()
        .args(["roles", "owner"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown role \"owner\""));
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_kubeflow_roles_are_explained() {
    let opts = kubectl_kubeflow::sandbox::SandboxOptions {
        seed: kubectl_kubeflow::sandbox::Seed::Empty,
        ..Default::default()
    };
    let cluster = TestCluster::sandbox(opts).await;
    if cluster.is_external() {
        return;
    }
    for name in ["kubeflow-admin", "kubeflow-edit", "kubeflow-view"] {
        let _ = Api::<ClusterRole>::all(cluster.admin.clone())
            .delete(name, &Default::default())
            .await;
    }
    cluster.plugin().args(["roles"]).assert().code(1).stderr(
        predicate::str::contains("kubeflow-view").and(predicate::str::contains("not found")),
    );
}
