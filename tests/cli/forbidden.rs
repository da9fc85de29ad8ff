//! A user without rights: every write command fails with exit 1 and the server's forbidden
//! message (naming the verb and resource), and nothing changes.
use crate::common::TestCluster;
use kube::api::{Api, ListParams};
use kubectl_kubeflow::model::Profile;
use predicates::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_command_refuses_a_user_without_rights() {
    let cluster = TestCluster::start().await;
    let (p, owner) = cluster.onboarded("guarded", &["--cpu", "2"]).await;
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let before = profiles.get(&p).await.unwrap().metadata.resource_version;
    let count = profiles
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .len();

    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("r.csv");
    std::fs::write(
        &roster,
        format!(
            "user,profile,role\n{},{},owner\n",
            cluster.email("newbie"),
            cluster.name("newbie")
        ),
    )
    .unwrap();
    let roster = roster.to_str().unwrap().to_string();
    let user = cluster.email("victim");
    let commands: Vec<Vec<&str>> = vec![
        vec!["quota", "set", &p, "cpu=100"],
        vec!["quota", "show", &p],
        vec!["grant", &user, "--role", "edit", "--profile", &p],
        vec!["grant", &user, "--role", "admin", "--cluster-wide", "--yes"],
        vec!["revoke", &owner, "--all"],
        vec!["offboard", &owner, "--delete-profiles", "--yes"],
        vec!["onboard", "--from", &roster, "--yes"],
        vec!["export"],
        vec!["doctor", "--fix", "--yes"],
        vec!["registration", "disable"],
    ];
    for args in commands {
        let Some(mut cmd) = cluster.plugin_as_user() else {
            return;
        };
        cmd.args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("forbidden").and(predicate::str::contains("cannot")));
    }
    assert_eq!(
        profiles.get(&p).await.unwrap().metadata.resource_version,
        before
    );
    assert_eq!(
        profiles
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        count
    );
    cluster.cleanup().await;
}
