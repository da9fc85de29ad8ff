//! The plugin against a struggling API server (the sandbox's fault injector): reads retry
//! with backoff and `Retry-After`, writes are never sent twice, a write whose answer was lost
//! is read back, `--request-timeout` bounds each call, a failed change set says what was not
//! applied and a re-run completes it, and the server leaving and coming back is survived
//! (sandbox only: an external cluster cannot be made to fail on cue). And concurrent admins:
//! only a change of the same fields is a conflict (on an external cluster too).
use crate::common::TestCluster;
use http::Method;
use kubectl_kubeflow::sandbox::faults::{Action, Rule, Scope, Seen};
use predicates::prelude::*;

fn faults(cluster: &TestCluster) -> &kubectl_kubeflow::sandbox::faults::Faults {
    cluster.sandbox.as_ref().expect("sandbox").faults()
}

/// Requests of `method` whose path (without query) ends with `path`.
fn seen(cluster: &TestCluster, method: Method, path: &str) -> Vec<Seen> {
    faults(cluster)
        .requests()
        .into_iter()
        .filter(|s| s.method == method && s.uri.split('?').next().unwrap_or("").ends_with(path))
        .collect()
}

/// `onboard zed@example.com --quota cpu=4 --limit-range`: two writes (Profile, LimitRange).
fn onboard_zed(cluster: &TestCluster) -> assert_cmd::assert::Assert {
    cluster
        .plugin()
        .args([
            "onboard",
            "zed@example.com",
            "--quota",
            "cpu=4",
            "--limit-range",
        ])
        .assert()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_through_server_errors_honouring_retry_after() {
    let cluster = TestCluster::demo().await;
    faults(&cluster).add(
        Rule::new(Action::Status(503, None))
            .on(Scope::Reads)
            .path("/profiles")
            .times(2),
    );
    cluster
        .plugin()
        .arg("profiles")
        .assert()
        .success()
        .stdout(predicate::str::contains("ahmed-rossi"));
    let gets = seen(&cluster, Method::GET, "/apis/kubeflow.org/v1/profiles");
    assert_eq!(gets.len(), 3, "two refusals, then the answer: {gets:?}");

    faults(&cluster).add(
        Rule::new(Action::Status(429, Some(1)))
            .on(Scope::Reads)
            .path("/profiles")
            .times(1),
    );
    let before = gets.len();
    cluster.plugin().arg("profiles").assert().success();
    let gets = seen(&cluster, Method::GET, "/apis/kubeflow.org/v1/profiles");
    assert_eq!(gets.len(), before + 2);
    // Measured by the server: the retry came no sooner than the server asked.
    let waited = gets[before + 1].at - gets[before].at;
    assert!(
        waited >= std::time::Duration::from_secs(1),
        "retried after {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_is_not_sent_twice_and_says_what_was_not_applied() {
    let cluster = TestCluster::start_sandbox().await;
    faults(&cluster).add(
        Rule::new(Action::Status(503, None))
            .on(Scope::Writes)
            .times(1),
    );
    onboard_zed(&cluster).code(1).stderr(
        predicate::str::contains("HTTP 503")
            .and(predicate::str::contains(
                "not applied: profile.kubeflow.org/zed",
            ))
            .and(predicate::str::contains("nothing was changed"))
            .and(predicate::str::contains("Re-run the same command")),
    );
    assert_eq!(
        seen(&cluster, Method::POST, "/apis/kubeflow.org/v1/profiles").len(),
        1,
        "a 503 on a write is not retried"
    );
    // The re-run completes it.
    onboard_zed(&cluster)
        .success()
        .stdout(predicate::str::contains("profile.kubeflow.org/zed created"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_with_429_is_sent_again_once_allowed() {
    let cluster = TestCluster::start_sandbox().await;
    faults(&cluster).add(
        Rule::new(Action::Status(429, Some(1)))
            .on(Scope::Writes)
            .times(1),
    );
    cluster
        .plugin()
        .args(["onboard", "zed@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::contains("profile.kubeflow.org/zed created"));
    assert_eq!(
        seen(&cluster, Method::POST, "/apis/kubeflow.org/v1/profiles").len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_was_lost_is_read_back_not_sent_again() {
    let cluster = TestCluster::start_sandbox().await;
    faults(&cluster).add(
        Rule::new(Action::DropAnswer)
            .on(Scope::Writes)
            .path("/limitranges")
            .times(1),
    );
    onboard_zed(&cluster).success().stdout(
        predicate::str::contains("profile.kubeflow.org/zed created").and(predicate::str::contains(
            "created (its answer was lost; confirmed by reading it back)",
        )),
    );
    assert_eq!(
        seen(&cluster, Method::POST, "/namespaces/zed/limitranges").len(),
        1,
        "never sent twice"
    );
    // A lost answer for a write that did not run is reported, not guessed.
    faults(&cluster).add(Rule::new(Action::Reset).on(Scope::Writes).times(1));
    cluster
        .plugin()
        .args(["onboard", "yan@example.com"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "not applied: profile.kubeflow.org/yan",
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_bounds_a_silent_or_trickling_server() {
    let cluster = TestCluster::demo().await;
    faults(&cluster)
        .add(Rule::new(Action::Latency(std::time::Duration::from_secs(60))).on(Scope::Reads));
    cluster
        .plugin()
        .args(["--request-timeout", "1s", "profiles"])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gave no complete answer within 1s (--request-timeout)",
        ));
    faults(&cluster).clear();
    faults(&cluster)
        .add(Rule::new(Action::SlowBody(std::time::Duration::from_millis(500))).on(Scope::Reads));
    cluster
        .plugin()
        .args(["--request-timeout", "2s", "profiles"])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("within 2s (--request-timeout)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_leaving_and_coming_back_on_the_same_port() {
    let mut cluster = TestCluster::demo().await;
    cluster.sandbox.as_mut().unwrap().go_away().await;
    cluster
        .plugin()
        .args(["profiles"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot reach the Kubernetes API server",
        ));
    cluster.sandbox.as_mut().unwrap().come_back().await.unwrap();
    cluster
        .plugin()
        .args(["profiles"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ahmed-rossi"));
}

/// Conflicts are real conflicts: between planning and applying a quota change, a write by
/// someone else to the Profile's status (as a controller's) or to another quota key does not
/// conflict; a write to the same key does, and that write survives. Runs against an external
/// cluster too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_change_of_the_same_fields_conflicts() {
    use kube::api::{Api, DynamicObject, Patch, PatchParams};
    use kubectl_kubeflow::cluster::ClusterError;
    use kubectl_kubeflow::cluster::apply::{ApplyOptions, apply};
    use kubectl_kubeflow::cluster::quota::{QuotaEdit, plan_quota};
    use kubectl_kubeflow::model::{ProfileName, Quota};
    let cluster = TestCluster::start().await;
    let (name, _) = cluster
        .onboarded("racer", &["--quota", "cpu=4", "--quota", "memory=8Gi"])
        .await;
    let lib = cluster.connect().await;
    let profile: ProfileName = name.parse().unwrap();
    let cpu8 = || QuotaEdit::Set(Quota::from_pairs(["cpu=8"]).unwrap());
    let ar = kube::core::ApiResource::from_gvk(&kube::core::GroupVersionKind::gvk(
        "kubeflow.org",
        "v1",
        "Profile",
    ));
    let profiles: Api<DynamicObject> = Api::all_with(cluster.admin.clone(), &ar);
    let hard = |p: &DynamicObject| p.data["spec"]["resourceQuotaSpec"]["hard"].clone();
    let merge = |v: serde_json::Value| Patch::Merge(v);

    // A status write and another key's change in between: applied, and both survive.
    let plan = plan_quota(&lib, &profile, &cpu8(), None, None)
        .await
        .unwrap();
    profiles
        .patch_status(
            &name,
            &PatchParams::default(),
            &merge(serde_json::json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})),
        )
        .await
        .unwrap();
    profiles
        .patch(
            &name,
            &PatchParams::default(),
            &merge(
                serde_json::json!({"spec": {"resourceQuotaSpec": {"hard": {"memory": "16Gi"}}}}),
            ),
        )
        .await
        .unwrap();
    apply(&lib, &plan.plan, ApplyOptions::default())
        .await
        .unwrap();
    let now = profiles.get(&name).await.unwrap();
    assert_eq!(
        hard(&now),
        serde_json::json!({"cpu": "8", "memory": "16Gi"})
    );

    // The same key changed in between: a conflict, and the other admin's value stays.
    let plan = plan_quota(
        &lib,
        &profile,
        &QuotaEdit::Set(Quota::from_pairs(["cpu=2"]).unwrap()),
        None,
        None,
    )
    .await
    .unwrap();
    profiles
        .patch(
            &name,
            &PatchParams::default(),
            &merge(serde_json::json!({"spec": {"resourceQuotaSpec": {"hard": {"cpu": "6"}}}})),
        )
        .await
        .unwrap();
    let err = apply(&lib, &plan.plan, ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.source, ClusterError::Conflict { .. }),
        "{:?}",
        err.source
    );
    assert!(err.source.to_string().contains("changed by someone else"));
    assert_eq!(hard(&profiles.get(&name).await.unwrap())["cpu"], "6");
    cluster.cleanup().await;
}

/// Waits for a model build (that has `who` among its users, unless empty).
async fn wait_for_model(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<kubectl_kubeflow::cluster::watch::LiveEvent>,
    who: &str,
) {
    use kubectl_kubeflow::cluster::watch::LiveEvent;
    let found = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(ev) = rx.recv().await {
            if let LiveEvent::Built { tenancy, .. } = ev
                && (who.is_empty() || tenancy.users().iter().any(|u| u.identity == who))
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "the live model never showed {who:?}");
}

/// The live model (what the TUI shows) survives watches that end in 410 Gone (it lists
/// again) and watches cut mid-stream (it resumes): a grant made after both shows up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_model_survives_expired_and_cut_watches() {
    use kubectl_kubeflow::cluster::watch::LiveTenancy;
    let cluster = TestCluster::demo().await;
    faults(&cluster).add(
        Rule::new(Action::WatchGone)
            .on(Scope::Watches)
            .path("/rolebindings")
            .times(1),
    );
    faults(&cluster).add(Rule::new(Action::CutWatch(0)).on(Scope::Watches).times(3));
    let lib = cluster.connect().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _live = LiveTenancy::start(&lib, tx);
    wait_for_model(&mut rx, "").await;
    // Let the faulted watches fail and restart before the change.
    while faults(&cluster)
        .requests()
        .iter()
        .filter(|s| matches!(s.fault, Some(Action::CutWatch(_) | Action::WatchGone)))
        .count()
        < 4
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    cluster
        .plugin()
        .args([
            "grant",
            "late@acme.io",
            "--role",
            "view",
            "--profile",
            "vision",
        ])
        .assert()
        .success();
    wait_for_model(&mut rx, "late@acme.io").await;
}
