//! Bulk onboarding benchmark: `onboard --from` of a 200-row roster (50 owners with quotas and
//! LimitRanges, 150 contributor pairs) into a fresh sandbox, at concurrency 1 (the baseline,
//! measured in the same run), 4 (the default) and 8, plus an idempotent re-run. Prints the
//! median of several runs and the ratio to the baseline. Run with `cargo bench --bench bulk`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use kubectl_kubeflow::cluster::bulk::{ImportOptions, Outcome, import};
use kubectl_kubeflow::cluster::{Cluster, DryRun};
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow::tenancy::roster::{RosterFormat, parse_roster};

const OWNERS: usize = 50;
const CONTRIBUTORS_PER_PROFILE: usize = 3;
const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn roster() -> String {
    let mut s = String::from("user,profile,role,quota,limit_range\n");
    for i in 0..OWNERS {
        s.push_str(&format!(
            "owner{i}@example.com,team-{i},owner,cpu=8;memory=16Gi,true\n"
        ));
        for j in 0..CONTRIBUTORS_PER_PROFILE {
            let role = ["admin", "edit", "view"][j % 3];
            s.push_str(&format!("member{i}-{j}@example.com,team-{i},{role},,\n"));
        }
    }
    s
}

async fn fresh() -> (Sandbox, Cluster) {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let client = sandbox
        .client_for(&sandbox.admin().name.clone())
        .await
        .unwrap();
    let cluster = Cluster::from_client(client, "bench", "sandbox");
    (sandbox, cluster)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let text = roster();
    let (entries, _) = parse_roster(&text, RosterFormat::Csv).unwrap();
    let rows = entries.len();
    println!(
        "roster: {rows} rows ({OWNERS} owners, {} contributors)",
        rows - OWNERS
    );
    let mut baseline = 0.0;
    for concurrency in [1usize, 4, 8] {
        let mut first = Vec::new();
        let mut again = Vec::new();
        for _ in 0..RUNS {
            let (_sandbox, cluster) = fresh().await;
            let opts = ImportOptions {
                dry_run: DryRun::None,
                concurrency,
                namespace_wait: Duration::from_secs(30),
                no_istio: false,
            };
            let t0 = Instant::now();
            let results = import(&cluster, &entries, opts, |_, _, _| {}).await;
            first.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert!(
                results
                    .iter()
                    .all(|r| matches!(r.outcome, Outcome::Created(_))),
                "every row created"
            );
            let t0 = Instant::now();
            let results = import(&cluster, &entries, opts, |_, _, _| {}).await;
            again.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert!(results.iter().all(|r| r.outcome == Outcome::Unchanged));
        }
        let (m, r) = (median(first), median(again));
        if concurrency == 1 {
            baseline = m;
        }
        println!(
            "concurrency {concurrency}: import {m:.0} ms median ({:.0} rows/s, {:.2}x vs concurrency 1), idempotent re-run {r:.0} ms",
            rows as f64 / (m / 1000.0),
            baseline / m
        );
    }
}
