//! `registration status|enable|disable` through the real binary, on a dashboard Deployment
//! made by the test (so it runs unchanged on an external cluster).
use crate::common::TestCluster;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use predicates::prelude::*;
use serde_json::json;

async fn dashboard(cluster: &TestCluster, env: serde_json::Value) -> (String, Api<Deployment>) {
    let ns = cluster.name("dash");
    let namespaces: Api<Namespace> = Api::all(cluster.admin.clone());
    if namespaces.get_opt(&ns).await.unwrap().is_none() {
        namespaces
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap(),
            )
            .await
            .unwrap();
    }
    let api: Api<Deployment> = Api::namespaced(cluster.admin.clone(), &ns);
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "centraldashboard", "labels": {"app": "centraldashboard"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "centraldashboard"}},
            "template": {
                "metadata": {"labels": {"app": "centraldashboard"}},
                "spec": {"containers": [
                    {"name": "sidecar", "image": "busybox"},
                    {"name": "centraldashboard", "image": "ghcr.io/kubeflow/kubeflow/central-dashboard:v1.10.0",
                     "env": env}
                ]}
            }
        }
    }))
    .unwrap();
    api.create(&PostParams::default(), &d).await.unwrap();
    (ns, api)
}

fn env_of(d: &Deployment) -> serde_json::Value {
    let v = serde_json::to_value(d).unwrap();
    v.pointer("/spec/template/spec/containers/1/env")
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_status_enable_disable() {
    let cluster = TestCluster::start().await;
    let (ns, api) = dashboard(
        &cluster,
        json!([{"name": "USERID_HEADER", "value": "kubeflow-userid"}]),
    )
    .await;
    let run = |args: &[&str]| {
        let mut cmd = cluster.plugin();
        cmd.arg("registration")
            .args(args)
            .args(["--namespace", &ns]);
        cmd
    };

    // Unset: the dashboard's code default "true" applies.
    run(&["status"]).assert().success().stdout(
        predicate::str::contains("code default \"true\"").and(predicate::str::contains("ENABLED")),
    );
    run(&["status", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"enabled\": true"));

    run(&["disable", "--dry-run=client"]).assert().success();
    assert_eq!(
        env_of(&api.get("centraldashboard").await.unwrap())
            .as_array()
            .unwrap()
            .len(),
        1
    );
    run(&["disable"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "deployment.apps/centraldashboard configured",
        ))
        .stderr(predicate::str::contains(
            "restarts the central dashboard pods",
        ));
    let d = api.get("centraldashboard").await.unwrap();
    assert_eq!(
        env_of(&d),
        json!([{"name": "USERID_HEADER", "value": "kubeflow-userid"},
               {"name": "REGISTRATION_FLOW", "value": "false"}])
    );
    let v = serde_json::to_value(&d).unwrap();
    assert!(
        v.pointer("/spec/template/spec/containers/0/env").is_none(),
        "other container untouched"
    );
    run(&["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DISABLED"));
    run(&["disable"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"))
        .stderr(predicate::str::contains("already disabled"));
    run(&["enable"]).assert().success();
    assert_eq!(
        env_of(&api.get("centraldashboard").await.unwrap())[1]["value"],
        "true"
    );

    // Any case of "true" enables; anything else does not.
    let set = |value: serde_json::Value| {
        let api = api.clone();
        async move {
            let mut d = api.get("centraldashboard").await.unwrap();
            let mut v = serde_json::to_value(&d).unwrap();
            v["spec"]["template"]["spec"]["containers"][1]["env"][1] = value;
            d = serde_json::from_value(v).unwrap();
            api.replace("centraldashboard", &PostParams::default(), &d)
                .await
                .unwrap();
        }
    };
    set(json!({"name": "REGISTRATION_FLOW", "value": "TRUE"})).await;
    run(&["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ENABLED"));
    set(json!({"name": "REGISTRATION_FLOW", "value": "yes"})).await;
    run(&["status"]).assert().success().stdout(
        predicate::str::contains("only \"true\"").and(predicate::str::contains("DISABLED")),
    );

    // A reference to a ConfigMap is not overwritten with a literal.
    set(json!({"name": "REGISTRATION_FLOW",
               "valueFrom": {"configMapKeyRef": {"name": "dash", "key": "flow"}}}))
    .await;
    let before = api
        .get("centraldashboard")
        .await
        .unwrap()
        .metadata
        .resource_version;
    run(&["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ConfigMap or Secret"));
    run(&["enable"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("change it there"));
    assert_eq!(
        api.get("centraldashboard")
            .await
            .unwrap()
            .metadata
            .resource_version,
        before
    );

    // Not installed there; no rights.
    cluster
        .plugin()
        .args([
            "registration",
            "status",
            "--deployment",
            "nope",
            "--namespace",
            &ns,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--namespace/--deployment"));
    if let Some(mut as_user) = cluster.plugin_as_user() {
        as_user
            .args(["registration", "disable", "--namespace", &ns])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("forbidden"));
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_who_may_not_write_gets_the_403_explained() {
    let cluster = TestCluster::demo().await;
    // erin.audit has kubeflow-view cluster-wide in the demo: she can read the Deployment.
    let mut cmd = assert_cmd::Command::cargo_bin("kubectl-kubeflow").unwrap();
    cmd.env("KUBECONFIG", &cluster.kubeconfig)
        .args([
            "--context",
            "sandbox-as-erin-audit-acme-io",
            "registration",
            "disable",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("SelfSubjectAccessReview confirms")
                .and(predicate::str::contains("you are \"erin.audit@acme.io\""))
                .and(predicate::str::contains(
                    "may not update deployments.apps in namespace \"kubeflow\"",
                )),
        );
}
