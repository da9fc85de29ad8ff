//! The prompts, answered in a real terminal (tmux): `quota set` offers the missing LimitRange,
//! a cluster-wide grant waits for "yes", a bulk import shows its progress bar, and a wrong
//! answer to `offboard --delete-profiles` changes nothing.
use std::time::Duration;

use crate::common::TestCluster;
use crate::common::tmux::{Tmux, tmux_available};
use k8s_openapi::api::core::v1::LimitRange;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, ListParams};
use kubectl_kubeflow::manifest::cluster_role_binding_name;
use kubectl_kubeflow::model::{Profile, Role, Subject};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-kubeflow");

fn session(cluster: &TestCluster, args: &str) -> Tmux {
    Tmux::start(&format!(
        "{BIN} --kubeconfig {} --context {} {args}; echo EXITED=$?; sleep 60",
        cluster.kubeconfig.display(),
        cluster.admin_context
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompts_on_a_terminal() {
    if !tmux_available() {
        return;
    }
    let cluster = TestCluster::start().await;
    let long = Duration::from_secs(60);
    let (p, owner) = cluster.onboarded("tty", &[]).await;

    // quota set offers the LimitRange; "y" creates it with the quota.
    let tmux = session(&cluster, &format!("quota set {p} cpu=4"));
    tmux.wait_for("[y/N]", long);
    tmux.send(&["y", "Enter"]);
    let screen = tmux.wait_for("EXITED=", long);
    assert!(screen.contains("EXITED=0"), "{screen}");
    assert!(
        screen.contains("limitrange/cpu-mem-limit-range created"),
        "{screen}"
    );
    drop(tmux);
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &p);
    assert_eq!(
        lrs.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );

    // A cluster-wide grant asks for "yes" to be typed.
    let who = cluster.email("tty-auditor");
    let crb = cluster_role_binding_name(&Subject::User(who.parse().unwrap()), Role::View);
    let tmux = session(&cluster, &format!("grant {who} --role view --cluster-wide"));
    tmux.wait_for("Type \"yes\" to continue", long);
    tmux.send(&["y", "e", "s", "Enter"]);
    let screen = tmux.wait_for("EXITED=", long);
    assert!(screen.contains("EXITED=0"), "{screen}");
    drop(tmux);
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    assert!(crbs.get_opt(&crb).await.unwrap().is_some());

    // A bulk import on a terminal shows a progress bar, then the summary table.
    let roster = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        roster.path(),
        format!(
            "user,profile,role\n{},{p},view\n{},{p},edit\n",
            cluster.email("tty-viewer"),
            cluster.email("tty-editor")
        ),
    )
    .unwrap();
    let tmux = session(
        &cluster,
        &format!("onboard --from {} --format csv", roster.path().display()),
    );
    let screen = tmux.wait_for("EXITED=", long);
    assert!(screen.contains("EXITED=0"), "{screen}");
    assert!(screen.contains("] 2/2 line"), "progress bar: {screen}");
    assert!(screen.contains("2 created, 0 unchanged"), "{screen}");
    drop(tmux);

    // Deleting profiles needs the user's email; anything else changes nothing.
    let tmux = session(&cluster, &format!("offboard {owner} --delete-profiles"));
    tmux.wait_for(&format!("Type {owner:?} to continue"), long);
    tmux.send(&["n", "o", "Enter"]);
    let screen = tmux.wait_for("EXITED=", long);
    assert!(
        screen.contains("EXITED=1") && screen.contains("not confirmed"),
        "{screen}"
    );
    drop(tmux);
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    assert!(profiles.get_opt(&p).await.unwrap().is_some());
    cluster.cleanup().await;
}
