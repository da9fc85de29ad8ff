//! `grant` and `revoke` through the real binary: KFAM-named pairs, role replacement, half
//! pairs, the owner refusal, Istio missing, dry runs and input errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestCluster;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, DeleteParams};
use kubectl_kubeflow::manifest::kfam_binding_name;
use kubectl_kubeflow::model::{AuthorizationPolicy, Role};
use kubectl_kubeflow::sandbox::SandboxOptions;
use predicates::prelude::*;

async fn profile(cluster: &TestCluster, base: &str) -> (String, String) {
    let name = cluster.name(base);
    let owner = cluster.email(&format!("{base}-owner"));
    cluster
        .plugin()
        .args(["onboard", &owner, "--profile", &name])
        .assert()
        .success();
    cluster.seed_profile_namespace(&name, &owner).await;
    (name, owner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_replace_and_revoke_pairs() {
    let cluster = TestCluster::start().await;
    let (p, owner) = profile(&cluster, "acc").await;
    let user = cluster.email("bob");
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    let edit = kfam_binding_name(&user, Role::Edit);
    let view = kfam_binding_name(&user, Role::View);

    // A client dry run sends nothing.
    cluster
        .plugin()
        .args([
            "grant",
            &user,
            "--role",
            "edit",
            "--profile",
            &p,
            "--dry-run=client",
            "-o",
            "name",
        ])
        .assert()
        .success();
    assert!(rbs.get_opt(&edit).await.unwrap().is_none());

    cluster
        .plugin()
        .args(["grant", &user, "--role", "edit", "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "rolebinding.rbac.authorization.k8s.io/{edit} created"
        )));
    let rb = rbs.get(&edit).await.unwrap();
    assert_eq!(rb.role_ref.name, "kubeflow-edit");
    assert_eq!(rb.subjects.as_ref().unwrap().len(), 1);
    assert_eq!(rb.metadata.annotations.as_ref().unwrap()["user"], user);
    aps.get(&edit).await.unwrap();
    // Again: unchanged.
    cluster
        .plugin()
        .args(["grant", &user, "--role", "edit", "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    // Another role replaces the pair.
    cluster
        .plugin()
        .args(["grant", &user, "--role", "view", "--profile", &p])
        .assert()
        .success();
    assert!(rbs.get_opt(&edit).await.unwrap().is_none());
    assert!(aps.get_opt(&edit).await.unwrap().is_none());
    rbs.get(&view).await.unwrap();
    aps.get(&view).await.unwrap();
    // A half pair (policy deleted by hand) is still fully revoked.
    aps.delete(&view, &DeleteParams::default()).await.unwrap();
    cluster
        .plugin()
        .args(["revoke", &user, "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains("deleted"));
    assert!(rbs.get_opt(&view).await.unwrap().is_none());
    cluster
        .plugin()
        .args(["revoke", &user, "--profile", &p])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to revoke"));
    // The owner's namespaceAdmin is not a contributor.
    cluster
        .plugin()
        .args(["revoke", &owner, "--profile", &p])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("owns profile").and(predicate::str::contains("spec.owner")),
        );
    // Input errors exit 2 and change nothing.
    cluster
        .plugin()
        .args(["grant", "not-an-email", "--role", "edit", "--profile", &p])
        .assert()
        .code(2);
    cluster
        .plugin()
        .args(["grant", &user, "--role", "owner", "--profile", &p])
        .assert()
        .code(2);
    cluster
        .plugin()
        .args([
            "grant",
            &user,
            "--role",
            "edit",
            "--profile",
            &cluster.name("missing"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
    if let Some(mut as_user) = cluster.plugin_as_user() {
        as_user
            .args(["grant", &user, "--role", "edit", "--profile", &p])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("forbidden"));
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_istio_grant_needs_no_istio_and_makes_the_binding_only() {
    let mut options = SandboxOptions::default();
    options.seed_options.istio_crd = false;
    let cluster = TestCluster::sandbox(options).await;
    let (p, _) = profile(&cluster, "noistio").await;
    let user = "carol@example.com";
    cluster
        .plugin()
        .args(["grant", user, "--role", "edit", "--profile", &p])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--no-istio"));
    cluster
        .plugin()
        .args([
            "grant",
            user,
            "--role",
            "edit",
            "--profile",
            &p,
            "--no-istio",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rolebinding")
                .and(predicate::str::contains("authorizationpolicy").not()),
        );
}
