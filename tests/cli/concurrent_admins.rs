//! Two admins at once on the TUI's write path: the TUI's runner (the same `Runner` the
//! terminal UI drives) plans a change, another client changes the same thing through the
//! CLI before it is applied, and the apply is a conflict with a fresh plan whose diff shows
//! the other admin's change, which survives — for a profile's quota, a user's role, and a
//! shared ClusterRoleBinding. The CLI side: the roles pair here, the quota pair in `faults`,
//! the shared binding in `access`.
//! Runs against an external cluster too.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::common::TestCluster;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use kube::api::{Api, PostParams};
use kubectl_kubeflow::cluster::ConnectOptions;
use kubectl_kubeflow::manifest::kfam_binding_name;
use kubectl_kubeflow::model::{Email, ProfileName, Role, Subject};
use kubectl_kubeflow::plan::Plan;
use kubectl_kubeflow::tui::edit::{FailureKind, Intent};
use kubectl_kubeflow::tui::msg::{Effect, Msg, Outcome};
use kubectl_kubeflow::tui::runner::Runner;
use tokio::sync::mpsc;

/// The TUI's runner, connected to `cluster` as the admin.
struct Tui {
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    next: u64,
}

impl Tui {
    async fn start(cluster: &TestCluster) -> Tui {
        let (tx, rx) = mpsc::unbounded_channel();
        let options = ConnectOptions {
            kubeconfig: Some(cluster.kubeconfig.clone()),
            context: Some(cluster.admin_context.clone()),
            journal_dir: Some(cluster.state_dir().join("tui-journal")),
            ..ConnectOptions::default()
        };
        let mut runner = Runner::new(options, false, tx);
        runner.run(Effect::Watch {
            generation: 1,
            context: None,
        });
        let mut tui = Tui {
            runner,
            rx,
            next: 0,
        };
        tui.wait(|m| matches!(m, Msg::Connected { .. }).then_some(()))
            .await;
        tui
    }

    async fn wait<T>(&mut self, mut want: impl FnMut(Msg) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let msg = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .expect("the runner answers within 60s")
                .expect("the runner is alive");
            if let Some(t) = want(msg) {
                return t;
            }
        }
    }

    /// Stages `intent`: the runner plans it against the live objects.
    async fn plan(&mut self, intent: &Intent) -> (u64, Plan) {
        self.next += 1;
        let id = self.next;
        self.runner.run(Effect::Plan {
            id,
            intent: intent.clone(),
        });
        let plan = self
            .wait(|m| match m {
                Msg::Planned { id: i, result } if i == id => Some(result),
                _ => None,
            })
            .await
            .unwrap();
        (id, plan)
    }

    /// Applies one staged change; its outcome.
    async fn apply(&mut self, id: u64, intent: Intent, plan: Plan) -> Outcome {
        self.runner.run(Effect::Apply {
            items: vec![(id, intent, plan)],
        });
        self.wait(|m| match m {
            Msg::Applied { id: i, outcome } if i == id => Some(outcome),
            _ => None,
        })
        .await
    }
}

/// The fresh plan of a conflict, or a panic saying what came instead.
fn conflicted(outcome: Outcome) -> Plan {
    match outcome {
        Outcome::Conflict { failure, replanned } => {
            assert_eq!(failure.kind, FailureKind::Conflict, "{failure:?}");
            replanned.expect("re-planned against the new objects")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_quota_changed_by_another_admin_is_a_conflict_with_a_fresh_diff() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("ctq", &["--quota", "cpu=4"]).await;
    let mut tui = Tui::start(&cluster).await;
    let intent = Intent::Quota {
        profile: ProfileName::parse(&p).unwrap(),
        set: BTreeMap::from([("cpu".parse().unwrap(), "8".parse().unwrap())]),
        unset: BTreeSet::new(),
        limit_range: false,
    };
    let (id, plan) = tui.plan(&intent).await;
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=6"])
        .assert()
        .success();
    let fresh = conflicted(tui.apply(id, intent.clone(), plan).await);
    let diff = fresh.diff();
    assert!(
        diff.contains("-      cpu: \"6\"") && diff.contains("+      cpu: \"8\""),
        "{diff}"
    );
    let out = cluster
        .plugin()
        .args(["quota", "show", &p, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"6\""),
        "the other admin's value survives"
    );
    // Applying the fresh plan works: the admin saw the other value and chose.
    assert!(matches!(
        tui.apply(id, intent, fresh).await,
        Outcome::Done(_)
    ));
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_users_role_changed_by_another_admin_is_a_conflict_with_a_fresh_diff() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("ctr", &[]).await;
    let bob = cluster.email("bob");
    cluster.grant(&bob, "view", &p);
    let mut tui = Tui::start(&cluster).await;
    // The TUI admin makes bob an admin of p (the view pair goes) ...
    let intent = Intent::Access {
        profile: ProfileName::parse(&p).unwrap(),
        subject: Subject::User(Email::parse(&bob).unwrap()),
        role: Some(Role::Admin),
    };
    let (id, plan) = tui.plan(&intent).await;
    // ... while another admin makes him an editor instead.
    cluster.grant(&bob, "edit", &p);
    let fresh = conflicted(tui.apply(id, intent, plan).await);
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let edit = kfam_binding_name(&bob, Role::Edit);
    assert!(
        rbs.get_opt(&edit).await.unwrap().is_some(),
        "the other admin's edit survives"
    );
    assert!(
        rbs.get_opt(&kfam_binding_name(&bob, Role::Admin))
            .await
            .unwrap()
            .is_none()
    );
    // The fresh plan replaces the edit pair the other admin made.
    let diff = fresh.diff();
    assert!(diff.contains("kubeflow-edit"), "{diff}");
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_cluster_role_binding_changed_by_another_admin_is_a_conflict_with_a_fresh_diff() {
    let cluster = TestCluster::start().await;
    let (ann, ben, dan) = (
        cluster.email("ann"),
        cluster.email("ben"),
        cluster.email("dan"),
    );
    let name = cluster.name("shared-viewers");
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    let subject = |n: &str| serde_json::json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": n});
    let crb: ClusterRoleBinding = serde_json::from_value(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-view"},
        "subjects": [subject(&ann), subject(&ben)]}))
    .unwrap();
    crbs.create(&PostParams::default(), &crb).await.unwrap();
    let mut tui = Tui::start(&cluster).await;
    let intent = Intent::ClusterWide {
        subject: Subject::User(Email::parse(&ann).unwrap()),
        role: None,
    };
    let (id, plan) = tui.plan(&intent).await;
    // Another admin adds dan to the same binding.
    let mut live = crbs.get(&name).await.unwrap();
    live.subjects
        .as_mut()
        .unwrap()
        .push(serde_json::from_value(subject(&dan)).unwrap());
    crbs.replace(&name, &PostParams::default(), &live)
        .await
        .unwrap();
    let fresh = conflicted(tui.apply(id, intent.clone(), plan).await);
    let names = |crb: &ClusterRoleBinding| -> Vec<String> {
        crb.subjects
            .iter()
            .flatten()
            .map(|s| s.name.clone())
            .collect()
    };
    assert_eq!(
        names(&crbs.get(&name).await.unwrap()),
        vec![ann.clone(), ben.clone(), dan.clone()]
    );
    // The fresh plan removes ann and keeps dan.
    let after = fresh.changes[0].after.as_ref().unwrap().to_string();
    assert!(after.contains(&dan) && !after.contains(&ann), "{after}");
    assert!(matches!(
        tui.apply(id, intent, fresh).await,
        Outcome::Done(_)
    ));
    assert_eq!(names(&crbs.get(&name).await.unwrap()), vec![ben, dan]);
    crbs.delete(&name, &Default::default()).await.unwrap();
    cluster.cleanup().await;
}

/// The CLI's side of the roles pair: `grant` plans from what it read; another admin's change
/// of the same user's role before the write is a conflict with nothing written, the other
/// admin's role survives, and a re-run (`--diff`) shows the plan against the new state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_users_role_changed_between_plan_and_apply_on_the_cli_path_conflicts() {
    use kubectl_kubeflow::cluster::ClusterError;
    use kubectl_kubeflow::cluster::access::plan_grant;
    use kubectl_kubeflow::cluster::apply::{ApplyOptions, apply};
    use predicates::prelude::*;
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("ctc", &[]).await;
    let bob = cluster.email("bob");
    cluster.grant(&bob, "view", &p);
    let lib = cluster.connect().await;
    let profile = ProfileName::parse(&p).unwrap();
    let subject = Subject::User(Email::parse(&bob).unwrap());
    let plan = plan_grant(&lib, &profile, &subject, Role::Admin, false)
        .await
        .unwrap();
    cluster.grant(&bob, "edit", &p);
    let err = apply(&lib, &plan, ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.source, ClusterError::Conflict { .. }),
        "{:?}",
        err.source
    );
    assert!(err.applied.is_empty(), "nothing written: {:?}", err.applied);
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(
        rbs.get_opt(&kfam_binding_name(&bob, Role::Edit))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        rbs.get_opt(&kfam_binding_name(&bob, Role::Admin))
            .await
            .unwrap()
            .is_none()
    );
    cluster
        .plugin()
        .args(["grant", &bob, "--role", "admin", "--profile", &p])
        .args(["--diff", "--dry-run=client"])
        .assert()
        .success()
        .stdout(predicate::str::contains("kubeflow-edit"));
    cluster.cleanup().await;
}
