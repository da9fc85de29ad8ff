//! `onboard --from FILE` and `export` through the real binary: every bad row reported with
//! nothing written, cluster-wide rows confirmed, idempotent re-runs, drift reported, and an
//! export -> import -> export round trip onto a fresh cluster.
use std::time::Duration;

use crate::common::TestCluster;
use k8s_openapi::api::core::v1::LimitRange;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kubectl_kubeflow::model::Profile;
use predicates::prelude::*;

async fn profile_names(cluster: &TestCluster) -> Vec<String> {
    let api: Api<Profile> = Api::all(cluster.admin.clone());
    let mut v: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        // On a shared external cluster, only this test's profiles (tests run concurrently).
        .filter(|n| n.starts_with(&cluster.run_id))
        .collect();
    v.sort();
    v
}

/// On an external cluster without a profile controller, make the namespaces of `names` once
/// their Profiles exist (the sandbox's controller does this itself).
fn seed_namespaces_when_profiles_appear(cluster: &TestCluster, names: Vec<(String, String)>) {
    if !cluster.is_external() {
        return;
    }
    let admin = cluster.admin.clone();
    tokio::spawn(async move {
        let api: Api<Profile> = Api::all(admin.clone());
        let nss: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(admin);
        for _ in 0..300 {
            for (name, owner) in &names {
                if api.get_opt(name).await.ok().flatten().is_some()
                    && nss.get_opt(name).await.ok().flatten().is_none()
                {
                    let ns = serde_json::from_value(serde_json::json!({
                        "metadata": {"name": name, "annotations": {"owner": owner}}
                    }))
                    .unwrap();
                    let _ = nss.create(&Default::default(), &ns).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_import_checks_everything_first_then_applies_idempotently() {
    let cluster = TestCluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, carol, auditor) = (
        cluster.email("alice"),
        cluster.email("bob"),
        cluster.email("carol"),
        cluster.email("auditor"),
    );
    let (pa, pc) = (cluster.name("alice-team"), cluster.name("carol-team"));
    let before = profile_names(&cluster).await;

    // `--from -` reads the roster from standard input (YAML recognised by its content).
    cluster
        .plugin()
        .args(["onboard", "--from", "-", "--dry-run=client"])
        .write_stdin(format!(
            "- email: {alice}\n  profile: {pa}\n  role: owner\n"
        ))
        .assert()
        .success()
        .stdout(predicate::str::contains("1 created, 0 unchanged"))
        // Off a terminal, no progress bar: nothing for a script to strip.
        .stderr(
            predicate::str::contains("\r")
                .not()
                .and(predicate::str::contains("[#").not()),
        );

    // One bad row among good ones: every bad row is listed by line, nothing is written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "user,profile,role,quota,limit_range\n\
             {alice},{pa},owner,cpu=8;memory=16Gi,true\n\
             {bob},{pa},editor,,\n\
             \n\
             # carol is next\n\
             {carol},{pc},owner,cpu=lots,\n\
             {carol},{},view,,\n",
            cluster.name("nowhere")
        ),
    )
    .unwrap();
    cluster
        .plugin()
        .args(["onboard", "--from", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("3 bad row(s); nothing was written")
                .and(predicate::str::contains("line 3: role \"editor\""))
                .and(predicate::str::contains("line 6: quota \"cpu=lots\""))
                .and(predicate::str::contains("line 7: profile")),
        );
    // A contributor of a profile that neither exists nor is created by the file.
    let orphan = dir.path().join("orphan.csv");
    std::fs::write(
        &orphan,
        format!(
            "user,profile,role\n{alice},{pa},owner\n{bob},{},view\n",
            cluster.name("nowhere")
        ),
    )
    .unwrap();
    cluster
        .plugin()
        .args(["onboard", "--from", orphan.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("line 3: profile")
                .and(predicate::str::contains("does not exist")),
        );
    assert_eq!(profile_names(&cluster).await, before, "nothing was written");

    let good = dir.path().join("team.yaml");
    std::fs::write(
        &good,
        format!(
            "- user: {alice}\n  profile: {pa}\n  role: owner\n  quota:\n    cpu: 8\n    memory: 16Gi\n  limit_range: true\n\
             - user: {carol}\n  profile: {pc}\n  role: owner\n\
             - user: {bob}\n  profile: {pa}\n  role: edit\n\
             - user: group:{}\n  profile: {pc}\n  role: view\n\
             - user: {auditor}\n  profile: \"*\"\n  role: view\n",
            cluster.name("ml-leads")
        ),
    )
    .unwrap();
    // Cluster-wide rows need --yes off a terminal; refused before anything is written.
    cluster
        .plugin()
        .args(["onboard", "--from", good.to_str().unwrap()])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("EVERY namespace").and(predicate::str::contains("line 17")),
        );
    assert_eq!(profile_names(&cluster).await, before);

    // Dry runs write nothing (and need no confirmation).
    for mode in ["--dry-run=client", "--dry-run=server"] {
        cluster
            .plugin()
            .args(["onboard", "--from", good.to_str().unwrap(), mode])
            .write_stdin("")
            .assert()
            .success()
            .stdout(predicate::str::contains("5 created, 0 unchanged"));
    }
    assert_eq!(profile_names(&cluster).await, before);

    seed_namespaces_when_profiles_appear(
        &cluster,
        vec![(pa.clone(), alice.clone()), (pc.clone(), carol.clone())],
    );
    cluster
        .plugin()
        .args([
            "onboard",
            "--from",
            good.to_str().unwrap(),
            "--yes",
            "--concurrency",
            "2",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("5 created, 0 unchanged, 0 differ (left alone), 0 failed")
                .and(predicate::str::contains("limitrange/cpu-mem-limit-range")),
        );
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let a = profiles.get(&pa).await.unwrap();
    let hard = a.spec.resource_quota_spec.unwrap().hard.unwrap();
    assert_eq!(hard["cpu"].0, "8");
    assert_eq!(a.spec.owner.unwrap().name, alice);
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &pa);
    assert_eq!(
        lrs.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &pa);
    rbs.get(&kubectl_kubeflow::manifest::kfam_binding_name(
        &bob,
        kubectl_kubeflow::model::Role::Edit,
    ))
    .await
    .unwrap();
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    assert!(
        crbs.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .any(|b| {
                b.role_ref.name == "kubeflow-view"
                    && b.subjects.iter().flatten().any(|s| s.name == auditor)
            })
    );

    // A re-run changes nothing; drift is reported, not overwritten.
    profiles
        .patch(
            &pa,
            &PatchParams::default(),
            &Patch::Merge(
                serde_json::json!({"spec": {"resourceQuotaSpec": {"hard": {"cpu": "4"}}}}),
            ),
        )
        .await
        .unwrap();
    cluster
        .plugin()
        .args(["onboard", "--from", good.to_str().unwrap(), "--yes"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("0 created, 4 unchanged, 1 differ (left alone), 0 failed")
                .and(predicate::str::contains(
                    "quota is cpu=4;memory=16Gi (file: cpu=8;memory=16Gi",
                )),
        );
    let a = profiles.get(&pa).await.unwrap();
    assert_eq!(
        a.spec.resource_quota_spec.unwrap().hard.unwrap()["cpu"].0,
        "4"
    );
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_round_trip_onto_a_fresh_cluster() {
    let source = TestCluster::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let export = |cluster: &TestCluster, format: &str| {
        let out = cluster
            .plugin()
            .args(["export", "-o", format])
            .assert()
            .success()
            .get_output()
            .clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (csv, warnings) = export(&source, "csv");
    insta::assert_snapshot!("export_demo_csv", csv);
    // What a roster cannot express is said, not silently dropped.
    assert!(
        warnings.contains("profile ml.research not exported"),
        "{warnings}"
    );
    assert!(
        warnings.contains("exported kubeflow-edit only"),
        "{warnings}"
    );

    for format in ["csv", "yaml"] {
        let (text, _) = export(&source, format);
        let file = dir.path().join(format!("tenancy.{format}"));
        std::fs::write(&file, &text).unwrap();
        let target = TestCluster::sandbox(Default::default()).await;
        target
            .plugin()
            .args(["onboard", "--from", file.to_str().unwrap(), "--yes"])
            .assert()
            .success()
            .stdout(predicate::str::contains(
                " 0 unchanged, 0 differ (left alone), 0 failed",
            ));
        assert_eq!(export(&target, format).0, text, "{format} round trip");
        target
            .plugin()
            .args(["onboard", "--from", file.to_str().unwrap(), "--yes"])
            .assert()
            .success()
            .stdout(predicate::str::contains("0 created,"));
    }
}

/// Rosters of deployments whose login header is a username: refused by default with the
/// flag named, imported with `--user-id-format=any`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_of_usernames_needs_the_any_user_id_format() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("uidfmt", &[]).await;
    let user = cluster.name("robot-alice");
    let roster = format!("user,profile,role\n{user},{p},edit\n");
    cluster
        .plugin()
        .args(["onboard", "--from", "-"])
        .write_stdin(roster.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--user-id-format=any"));
    cluster
        .plugin()
        .args(["onboard", "--from", "-", "--user-id-format=any"])
        .write_stdin(roster)
        .assert()
        .success();
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let subjects: Vec<String> = rbs
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .flat_map(|rb| rb.subjects.unwrap_or_default())
        .map(|s| s.name)
        .collect();
    assert!(subjects.contains(&user), "{subjects:?}");
    cluster.cleanup().await;
}
