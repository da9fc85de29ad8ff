//! A soak run (bounded: 2 clients × 6 rounds, at most 3 faults armed at a time, loopback only): two clients onboard users,
//! grant contributors, set quotas, and both edit one shared profile's quota (each its own
//! key), through the real binary, while a third thread keeps arming random faults — 503s, 429s
//! with Retry-After, resets before the answer, answers lost after the write, latency, slow
//! bodies. A failed command is run again until it succeeds, as a person would. Afterwards,
//! with the faults off: every object is there once (lost 0, duplicated 0) with the intended
//! content (wrong 0). The figures are printed (`cargo test --test soak -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::TestCluster;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, ListParams};
use kubectl_kubeflow::model::Profile;
use kubectl_kubeflow::sandbox::faults::{Action, Rule, Scope};

const CLIENTS: usize = 2;
const ROUNDS: usize = 6;
const MAX_TRIES: usize = 25;

/// Runs the plugin until it exits 0; returns how many runs it took.
fn until_done(kubeconfig: &std::path::Path, args: &[String]) -> usize {
    for attempt in 1..=MAX_TRIES {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-kubeflow"))
            .env_remove("KUBECONFIG")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .arg("--request-timeout")
            .arg("10s")
            .args(args)
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => return attempt,
            Some(1) => continue,
            other => panic!(
                "{args:?}: exit {other:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    panic!("{args:?} did not succeed in {MAX_TRIES} runs");
}

/// A small deterministic generator for the fault mix.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn random_fault(rng: &mut Lcg) -> Rule {
    let action = match rng.next(7) {
        0 => Action::Status(503, None),
        1 => Action::Status(429, Some(0)),
        2 => Action::Status(500, None),
        3 => Action::Reset,
        4 => Action::DropAnswer,
        5 => Action::Latency(Duration::from_millis(150)),
        _ => Action::SlowBody(Duration::from_millis(5)),
    };
    let scope = if rng.next(2) == 0 {
        Scope::Writes
    } else {
        Scope::Reads
    };
    Rule::new(action).on(scope).times(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_faults_loses_nothing_duplicates_nothing_and_ends_right() {
    let cluster = TestCluster::start_sandbox().await;
    let kubeconfig = cluster.kubeconfig.clone();
    until_done(
        &kubeconfig,
        &[
            "onboard".into(),
            "shared-owner@example.com".into(),
            "--profile".into(),
            "shared".into(),
        ],
    );
    let faults = cluster.sandbox.as_ref().unwrap().faults().clone();
    let done = Arc::new(AtomicBool::new(false));
    let armed = Arc::new(AtomicUsize::new(0));
    let chaos = {
        let (faults, done, armed) = (faults.clone(), done.clone(), armed.clone());
        std::thread::spawn(move || {
            let mut rng = Lcg(20261203);
            while !done.load(Ordering::Relaxed) {
                if faults.pending() < 3 {
                    faults.add(random_fault(&mut rng));
                    armed.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        })
    };
    let runs = Arc::new(AtomicUsize::new(0));
    let ops = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (kubeconfig, runs, ops) = (kubeconfig.clone(), runs.clone(), ops.clone());
            std::thread::spawn(move || {
                for r in 0..ROUNDS {
                    let owner = format!("owner-{c}-{r}@example.com");
                    let profile = format!("p-{c}-{r}");
                    let shared_key = if c == 0 { "cpu" } else { "memory" };
                    let shared_value = if c == 0 {
                        format!("{r}")
                    } else {
                        format!("{r}Gi")
                    };
                    let steps: Vec<Vec<String>> = vec![
                        vec![
                            "onboard".into(),
                            owner,
                            "--profile".into(),
                            profile.clone(),
                            "--quota".into(),
                            "cpu=1".into(),
                        ],
                        vec![
                            "grant".into(),
                            format!("member-{c}-{r}@example.com"),
                            "--role".into(),
                            "edit".into(),
                            "--profile".into(),
                            profile.clone(),
                        ],
                        vec!["quota".into(), "set".into(), profile, "memory=1Gi".into()],
                        vec![
                            "quota".into(),
                            "set".into(),
                            "shared".into(),
                            format!("{shared_key}={shared_value}"),
                        ],
                    ];
                    for step in steps {
                        runs.fetch_add(until_done(&kubeconfig, &step), Ordering::Relaxed);
                        ops.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    chaos.join().unwrap();
    faults.clear();

    let injected = faults
        .requests()
        .iter()
        .filter(|s| s.fault.is_some())
        .count();
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let (mut lost, mut duplicated, mut wrong) = (0, 0, 0);
    for c in 0..CLIENTS {
        for r in 0..ROUNDS {
            let name = format!("p-{c}-{r}");
            let Some(p) = profiles.get_opt(&name).await.unwrap() else {
                lost += 1;
                continue;
            };
            let v = serde_json::to_value(&p).unwrap();
            if v["spec"]["owner"]["name"] != format!("owner-{c}-{r}@example.com")
                || v["spec"]["resourceQuotaSpec"]["hard"]
                    != serde_json::json!({"cpu": "1", "memory": "1Gi"})
            {
                wrong += 1;
            }
            let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &name);
            let member = format!("member-{c}-{r}@example.com");
            let grants = rbs
                .list(&ListParams::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|rb| rb.subjects.iter().flatten().any(|s| s.name == member))
                .count();
            match grants {
                0 => lost += 1,
                1 => {}
                _ => duplicated += 1,
            }
        }
    }
    let shared = serde_json::to_value(profiles.get("shared").await.unwrap()).unwrap();
    let want = serde_json::json!({"cpu": format!("{}", ROUNDS - 1), "memory": format!("{}Gi", ROUNDS - 1)});
    if shared["spec"]["resourceQuotaSpec"]["hard"] != want {
        wrong += 1;
    }
    let (runs, ops) = (runs.load(Ordering::Relaxed), ops.load(Ordering::Relaxed));
    eprintln!(
        "soak: {ops} operations ({runs} command runs, {} re-runs after a failure), {} faults armed, {injected} injected; lost {lost}, duplicated {duplicated}, wrong {wrong}",
        runs - ops,
        armed.load(Ordering::Relaxed)
    );
    assert!(injected > 0, "no fault was injected");
    assert_eq!((lost, duplicated, wrong), (0, 0, 0), "shared: {shared}");
}
