//! `doctor --fix` through the real binary: the safe fixes are previewed, need confirmation
//! off a terminal, honour --dry-run, and leave the findings gone.
use std::time::{Duration, Instant};

use crate::common::TestCluster;
use k8s_openapi::api::core::v1::{LimitRange, ResourceQuota};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kubectl_kubeflow::manifest::kfam_binding_name;
use kubectl_kubeflow::model::{AuthorizationPolicy, Role};
use predicates::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_fix_repairs_half_pairs_and_missing_limit_ranges() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("fixme", &["--cpu", "2"]).await;
    // The quota as the profile controller makes it (made here where none runs).
    let rqs: Api<ResourceQuota> = Api::namespaced(cluster.admin.clone(), &p);
    let started = Instant::now();
    while rqs.get_opt("kf-resource-quota").await.unwrap().is_none() {
        if cluster.is_external() && started.elapsed() > Duration::from_secs(5) {
            let q = serde_json::from_value(serde_json::json!({
                "metadata": {"name": "kf-resource-quota"}, "spec": {"hard": {"cpu": "2"}}}))
            .unwrap();
            rqs.create(&PostParams::default(), &q).await.unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (bob, carol) = (cluster.email("bob-fix"), cluster.email("carol-fix"));
    for (who, role) in [(&bob, "edit"), (&carol, "view")] {
        cluster
            .plugin()
            .args(["grant", who, "--role", role, "--profile", &p])
            .assert()
            .success();
    }
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &p);
    let bob_pair = kfam_binding_name(&bob, Role::Edit);
    let carol_pair = kfam_binding_name(&carol, Role::View);
    aps.delete(&bob_pair, &DeleteParams::default())
        .await
        .unwrap();
    rbs.delete(&carol_pair, &DeleteParams::default())
        .await
        .unwrap();

    let codes = [
        "contributor-missing-policy",
        "policy-missing-binding",
        "quota-without-limitrange",
    ];
    let doctor = cluster.plugin().args(["doctor", &p]).assert().code(3);
    let out = String::from_utf8(doctor.get_output().stdout.clone()).unwrap();
    for code in codes {
        assert!(out.contains(code), "{code} in {out}");
    }

    // Off a terminal without --yes: previewed, refused, nothing changed.
    cluster
        .plugin()
        .args(["doctor", &p, "--fix"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("Safe fixes (3 of")
                .and(predicate::str::contains(format!(
                    "create authorizationpolicy.security.istio.io/{bob_pair} -n {p}"
                )))
                .and(predicate::str::contains(format!(
                    "delete authorizationpolicy.security.istio.io/{carol_pair} -n {p}"
                )))
                .and(predicate::str::contains("pass --yes")),
        );
    // The delete's diff shows the whole live policy (the model keeps only its name and
    // annotations), rules included.
    cluster
        .plugin()
        .args(["doctor", &p, "--fix", "--dry-run=client", "--diff"])
        .assert()
        .code(3)
        .stdout(
            predicate::str::contains("limitrange/cpu-mem-limit-range created (dry run)")
                .and(predicate::str::contains(
                    "-    - key: request.headers[kubeflow-userid]",
                ))
                // A finding that gets a fix is shown once, as its plan line (on stderr).
                .and(predicate::str::contains("contributor-missing-policy").not())
                .and(predicate::str::contains(" findings: ")),
        );
    assert!(aps.get_opt(&bob_pair).await.unwrap().is_none());
    assert!(aps.get_opt(&carol_pair).await.unwrap().is_some());
    assert!(
        lrs.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    cluster
        .plugin()
        .args(["doctor", &p, "--fix", "--yes"])
        .assert()
        .stdout(
            predicate::str::contains(format!(
                "authorizationpolicy.security.istio.io/{bob_pair} created"
            ))
            .and(predicate::str::contains(format!(
                "authorizationpolicy.security.istio.io/{carol_pair} deleted"
            ))),
        );
    assert!(aps.get_opt(&bob_pair).await.unwrap().is_some());
    assert!(aps.get_opt(&carol_pair).await.unwrap().is_none());
    assert_eq!(
        lrs.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    let out = cluster.plugin().args(["doctor", &p]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for code in codes {
        assert!(!text.contains(code), "{code} fixed, yet in {text}");
    }
    if !cluster.is_external() {
        assert!(out.status.success(), "{text}");
    }
    cluster.cleanup().await;
}
