//! `quota show|set|unset|clear` through the real binary: writes go to the Profile's
//! `spec.resourceQuotaSpec` only, keep what they were not asked to change, warn below usage,
//! offer the LimitRange, refuse stale edits and bad input without writing.
use std::time::{Duration, Instant};

use crate::common::TestCluster;
use k8s_openapi::api::core::v1::{LimitRange, Pod, ResourceQuota};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kubectl_kubeflow::model::Profile;
use predicates::prelude::*;
use serde_json::json;

async fn hard(cluster: &TestCluster, p: &str) -> serde_json::Value {
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let v = serde_json::to_value(profiles.get(p).await.unwrap()).unwrap();
    v.pointer("/spec/resourceQuotaSpec/hard")
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

async fn rv(cluster: &TestCluster, p: &str) -> String {
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    profiles
        .get(p)
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap()
}

/// Waits until kf-resource-quota reports `cpu` usage (the sandbox's profile controller and
/// quota controller, or a real cluster's; created here where no profile controller runs).
async fn wait_for_cpu_usage(cluster: &TestCluster, p: &str, want: &str) {
    let rqs: Api<ResourceQuota> = Api::namespaced(cluster.admin.clone(), p);
    let started = Instant::now();
    loop {
        if let Some(q) = rqs.get_opt("kf-resource-quota").await.unwrap() {
            let used = q
                .status
                .and_then(|s| s.used)
                .and_then(|u| u.get("cpu").map(|c| c.0.clone()));
            if used.as_deref() == Some(want) {
                return;
            }
        } else if started.elapsed() > Duration::from_secs(5) && cluster.is_external() {
            let q: ResourceQuota = serde_json::from_value(json!({
                "metadata": {"name": "kf-resource-quota"},
                "spec": {"hard": {"cpu": "4", "memory": "8Gi"}}
            }))
            .unwrap();
            let _ = rqs.create(&PostParams::default(), &q).await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "kf-resource-quota of {p} never reported cpu={want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_set_unset_clear_keep_everything_else() {
    let cluster = TestCluster::start().await;
    let (p, owner) = cluster
        .onboarded("quota", &["--cpu", "4", "--memory", "8Gi"])
        .await;
    // Something the plugin does not model, and a label: both must survive every write.
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    profiles
        .patch(
            &p,
            &PatchParams::default(),
            &Patch::Merge(json!({
                "metadata": {"labels": {"team": "vision"}},
                "spec": {"plugins": [{"kind": "WorkloadIdentity", "spec": {"gcpServiceAccount": "sa@x.iam"}}]}
            })),
        )
        .await
        .unwrap();

    // Usage: a pod requesting 2 CPUs.
    let pods: Api<Pod> = Api::namespaced(cluster.admin.clone(), &p);
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "trainer"},
        "spec": {"containers": [{"name": "c", "image": "busybox",
            "resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}}}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_for_cpu_usage(&cluster, &p, "2").await;

    cluster
        .plugin()
        .args(["quota", "show", &p])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"cpu\s+4\s+2\s+50%")
                .unwrap()
                .and(predicate::str::contains("no LimitRange")),
        );

    // A client dry run changes nothing; a real set merges and warns below usage.
    let before = rv(&cluster, &p).await;
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=1", "--dry-run=client"])
        .assert()
        .success()
        .stdout(predicate::str::contains("configured (dry run)"));
    assert_eq!(rv(&cluster, &p).await, before);
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=1", "gpu=2", "--diff"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("cpu=1 is below what profile")
                .and(predicate::str::contains("--limit-range")),
        )
        .stdout(
            predicate::str::contains("-      cpu: \"4\"").and(predicate::str::contains(format!(
                "profile.kubeflow.org/{p} configured"
            ))),
        );
    assert_eq!(
        hard(&cluster, &p).await,
        json!({"cpu": "1", "memory": "8Gi", "requests.nvidia.com/gpu": "2"})
    );
    let live = serde_json::to_value(profiles.get(&p).await.unwrap()).unwrap();
    assert_eq!(live["metadata"]["labels"]["team"], "vision");
    assert_eq!(
        live["spec"]["plugins"][0]["spec"]["gcpServiceAccount"],
        "sa@x.iam"
    );
    assert_eq!(live["spec"]["owner"]["name"], owner.as_str());

    // --limit-range alone creates the LimitRange (the doctor's hint), once.
    cluster
        .plugin()
        .args(["quota", "set", &p, "--limit-range"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!("profile.kubeflow.org/{p} unchanged")).and(
                predicate::str::contains("limitrange/cpu-mem-limit-range created"),
            ),
        );
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=4", "--limit-range"])
        .assert()
        .success()
        .stdout(predicate::str::contains("limitrange").not());
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &p);
    assert_eq!(
        lrs.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );

    // Unset of a key that is not set is a usage error and writes nothing.
    let before = rv(&cluster, &p).await;
    cluster
        .plugin()
        .args(["quota", "unset", &p, "storage"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "has no quota for requests.storage; it has: cpu, memory, requests.nvidia.com/gpu",
        ));
    assert_eq!(rv(&cluster, &p).await, before);
    for bad in ["cpu", "cpu=lots", "cpu=-1", "Bad Key=1"] {
        cluster
            .plugin()
            .args(["quota", "set", &p, bad])
            .assert()
            .code(2);
    }
    assert_eq!(rv(&cluster, &p).await, before);

    // An edit based on an old read is refused.
    cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=9", "--resource-version", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("changed since you read it"));
    assert_eq!(rv(&cluster, &p).await, before);
    cluster
        .plugin()
        .args(["quota", "unset", &p, "gpu", "--resource-version", &before])
        .assert()
        .success();
    assert_eq!(
        hard(&cluster, &p).await,
        json!({"cpu": "4", "memory": "8Gi"})
    );

    cluster
        .plugin()
        .args(["quota", "clear", &p])
        .assert()
        .success();
    let live = serde_json::to_value(profiles.get(&p).await.unwrap()).unwrap();
    assert!(live["spec"].get("resourceQuotaSpec").is_none(), "{live}");
    assert_eq!(live["spec"]["plugins"][0]["kind"], "WorkloadIdentity");

    // Errors: unknown profile, and a user without rights gets the 403 explained.
    cluster
        .plugin()
        .args(["quota", "show", &cluster.name("nope")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
    if let Some(mut as_user) = cluster.plugin_as_user() {
        as_user
            .args(["quota", "set", &p, "cpu=100"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("forbidden"));
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_show_table_is_stable() {
    let cluster = TestCluster::demo().await;
    let out = cluster
        .plugin()
        .args(["quota", "show", "vision"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text: String = String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("resourceVersion:"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("quota_show_vision", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_keys_and_values_the_api_server_refuses_are_refused_before_sending() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("strict", &["--cpu", "2"]).await;
    let before = rv(&cluster, &p).await;
    for (pair, why) in [
        ("pods=0.5", "must be a whole number"),
        ("count/jobs.batch=1.5", "must be a whole number"),
        ("persistentvolumeclaims=2.5", "must be a whole number"),
        ("foo=1", "not a resource a ResourceQuota can limit"),
        ("CPU=4", "write cpu"),
        ("memory=99999999999999999999Ei", "2^63-1"),
    ] {
        for dry in ["--dry-run=none", "--dry-run=server"] {
            cluster
                .plugin()
                .args(["quota", "set", &p, pair, dry])
                .assert()
                .code(2)
                .stderr(predicate::str::contains(why));
        }
    }
    // Each cause is said once, not once in the context and again as its source.
    let out = cluster
        .plugin()
        .args(["quota", "set", &p, "cpu=abc"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert_eq!(
        text.matches("does not start with a number").count(),
        1,
        "{text}"
    );
    cluster
        .plugin()
        .args(["onboard", &cluster.email("frac"), "--quota", "pods=1.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("whole number"));
    assert_eq!(rv(&cluster, &p).await, before, "nothing was written");

    // The API server refuses such a ResourceQuota (the sandbox as a real one).
    let rqs: Api<ResourceQuota> = Api::namespaced(cluster.admin.clone(), &p);
    let bad: ResourceQuota = serde_json::from_value(json!({
        "metadata": {"name": "hand-made"},
        "spec": {"hard": {"pods": "500m", "CPU": "1"}}
    }))
    .unwrap();
    let err = rqs.create(&PostParams::default(), &bad).await.unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err}")
    };
    assert_eq!(status.code, 422, "{status:?}");
    assert!(
        status.message.contains("must be an integer"),
        "{}",
        status.message
    );
    assert!(
        status
            .message
            .contains("must be a standard resource for quota"),
        "{}",
        status.message
    );

    // A Profile edited by other means with such a quota: the controller cannot make the
    // ResourceQuota and doctor says why.
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    profiles
        .patch(
            &p,
            &PatchParams::default(),
            &Patch::Merge(
                json!({"spec": {"resourceQuotaSpec": {"hard": {"cpu": "2", "pods": "0.5"}}}}),
            ),
        )
        .await
        .unwrap();
    cluster
        .plugin()
        .args(["doctor", "-o", "json"])
        .assert()
        .code(3)
        .stdout(
            predicate::str::contains("quota-invalid").and(predicate::str::contains(
                "spec.hard[pods]: Invalid value: \\\"500m\\\": must be an integer",
            )),
        );
    if !cluster.is_external() {
        let events: Api<k8s_openapi::api::core::v1::Event> =
            Api::namespaced(cluster.admin.clone(), &p);
        let started = Instant::now();
        loop {
            let list = events.list(&ListParams::default()).await.unwrap();
            if list
                .items
                .iter()
                .any(|e| e.reason.as_deref() == Some("ResourceQuotaRefused"))
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no ResourceQuotaRefused event"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let rq = rqs.get("kf-resource-quota").await.unwrap();
        assert!(
            !rq.spec.unwrap().hard.unwrap().contains_key("pods"),
            "the old quota stays"
        );
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_range_whose_request_exceeds_its_limit_is_refused_like_the_api_server() {
    let cluster = TestCluster::start().await;
    let name = cluster.name("lr-bad");
    cluster
        .plugin()
        .args(["onboard", &cluster.email("lr-bad"), "--profile", &name])
        .args([
            "--limit-range-cpu",
            "100m",
            "--limit-range-request-cpu",
            "2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "default request value 2 is greater than default limit value 100m",
        ));
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    assert!(
        profiles.get_opt(&name).await.unwrap().is_none(),
        "nothing was created"
    );

    let (p, _) = cluster.onboarded("lr-api", &[]).await;
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &p);
    for (item, why) in [
        (
            json!({"type": "Container", "default": {"memory": "256Mi"}, "defaultRequest": {"memory": "1Gi"}}),
            "is greater than default limit value 256Mi",
        ),
        (
            json!({"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}}),
            "min value 2 is greater than max value 1",
        ),
    ] {
        let lr: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": "hand-made"}, "spec": {"limits": [item]}
        }))
        .unwrap();
        let err = lrs.create(&PostParams::default(), &lr).await.unwrap_err();
        let kube::Error::Api(status) = err else {
            panic!("{err}")
        };
        assert_eq!(status.code, 422);
        assert!(status.message.contains(why), "{}", status.message);
    }
    cluster.cleanup().await;
}
