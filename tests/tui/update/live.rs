//! The live path at scale, through the real watches: another client's grant reaches the
//! views as an incremental update that builds only the rows it changed.

use std::time::Duration;

use super::*;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, PostParams};
use kubectl_kubeflow::cluster::Cluster;
use kubectl_kubeflow::cluster::watch::LiveTenancy;
use kubectl_kubeflow::manifest::{IstioSettings, contributor_pair};
use kubectl_kubeflow::model::{AuthorizationPolicy, Email, ProfileName, Role, Subject};
use kubectl_kubeflow::sandbox::Seed;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use tokio::sync::mpsc;

/// The next model the watches hand over.
async fn next_built(rx: &mut mpsc::UnboundedReceiver<LiveEvent>) -> LiveEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("the watches answer within a minute")
            .expect("the watches run");
        if matches!(event, LiveEvent::Built { .. }) {
            return event;
        }
    }
}

fn users_of(event: &LiveEvent) -> usize {
    match event {
        LiveEvent::Built { tenancy, .. } => tenancy.users().len(),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_clients_grant_builds_only_the_rows_it_changed() {
    const PROFILES: usize = 300;
    let sb = Sandbox::start(SandboxOptions {
        seed: Seed::Scale(PROFILES),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let client = sb.client_for("sandbox-admin").await.unwrap();
    let cluster = Cluster::from_client(client.clone(), "sandbox", &sb.url());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _live = LiveTenancy::start(&cluster, tx);
    let mut s = AppState::new("sandbox", &sb.url(), false, now());
    let first = next_built(&mut rx).await;
    let users = users_of(&first);
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: first,
        },
    );
    assert_eq!(s.tables[ViewKind::Profiles.index()].rows.len(), PROFILES);
    assert_eq!(s.tables[ViewKind::Profiles.index()].built, PROFILES);

    // Another client grants a new user view on one profile: a RoleBinding, then its policy.
    let pair = contributor_pair(
        &ProfileName::parse("team-00007").unwrap(),
        &Subject::User(Email::parse("newcomer@example.com").unwrap()),
        Role::View,
        &IstioSettings::default(),
    )
    .unwrap();
    let rbs: Api<RoleBinding> = Api::namespaced(client.clone(), "team-00007");
    let aps: Api<AuthorizationPolicy> = Api::namespaced(client, "team-00007");
    rbs.create(&PostParams::default(), &pair.role_binding)
        .await
        .unwrap();
    aps.create(&PostParams::default(), &pair.policy)
        .await
        .unwrap();

    // One or two updates (the two objects may arrive in one debounce window or two); each
    // builds a handful of rows, never a table.
    let mut seen = false;
    while !seen {
        let event = next_built(&mut rx).await;
        seen = users_of(&event) == users + 1;
        update(
            &mut s,
            Msg::Live {
                generation: 0,
                event,
            },
        );
        for v in ViewKind::ALL {
            let t = &s.tables[v.index()];
            assert!(
                t.built <= 2,
                "{} built {} of {} rows",
                v.title(),
                t.built,
                t.rows.len()
            );
        }
    }
    let profiles = &s.tables[ViewKind::Profiles.index()];
    let row = profiles.rows.iter().find(|r| r.id == "team-00007").unwrap();
    assert_eq!(row.cells[2], "4", "the new contributor is counted");
    assert!(
        s.tables[ViewKind::Users.index()]
            .rows
            .iter()
            .any(|r| r.id == "newcomer@example.com")
    );
    sb.shutdown().await;
}
