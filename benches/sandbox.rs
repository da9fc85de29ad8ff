//! Sandbox benchmark: startup time (empty, demo and 5,000-profile seeds) and requests/s for GET of
//! one Profile and LIST of all 5,000 Profiles over TLS with kube::Client. Prints medians of
//! several runs. Run with `cargo bench --bench sandbox`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use kubectl_kubeflow::sandbox::Seed;
use kubectl_kubeflow::sandbox::testing::GroupResource;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};

const PROFILES: usize = 5000;
const RUNS: usize = 5;
const CONCURRENCY: usize = 4;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn options(seed: Seed) -> SandboxOptions {
    SandboxOptions {
        seed,
        ..SandboxOptions::default()
    }
}

async fn fetch(client: &kube::Client, path: &str) -> usize {
    let req = http::Request::get(path)
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = client.send(req).await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.into_body().collect().await.unwrap().to_bytes().len()
}

/// Requests per second for `total` requests spread over CONCURRENCY tasks.
async fn throughput(client: &kube::Client, paths: &[String], total: usize) -> f64 {
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let client = client.clone();
        let paths: Vec<String> = paths.to_vec();
        tasks.push(tokio::spawn(async move {
            for i in (w..total).step_by(CONCURRENCY) {
                fetch(&client, &paths[i % paths.len()]).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    total as f64 / t0.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut empty_ms = Vec::new();
    let mut scale_ms = Vec::new();
    let mut demo_ms = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let sb = Sandbox::start(options(Seed::Demo)).await.unwrap();
        demo_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        sb.shutdown().await;
        let t0 = Instant::now();
        let sb = Sandbox::start(options(Seed::Empty)).await.unwrap();
        empty_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        sb.shutdown().await;
        let t0 = Instant::now();
        let sb = Sandbox::start(options(Seed::Scale(PROFILES)))
            .await
            .unwrap();
        scale_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        sb.shutdown().await;
    }
    println!(
        "startup (seed empty):      median {:.1} ms over {RUNS} runs",
        median(empty_ms)
    );
    println!(
        "startup (seed demo):       median {:.1} ms over {RUNS} runs",
        median(demo_ms)
    );
    println!(
        "startup (seed scale:{PROFILES}): median {:.1} ms over {RUNS} runs",
        median(scale_ms)
    );

    let sb = Sandbox::start(options(Seed::Scale(PROFILES)))
        .await
        .unwrap();
    let gr = GroupResource::new("kubeflow.org", "profiles");
    let names: Vec<String> = {
        let store = sb.store();
        let s = store.lock().unwrap();
        let have = s.list(&gr, None).len();
        assert_eq!(have, PROFILES, "the scale seed makes one profile per N");
        s.list(&gr, None)
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    };
    let client = sb.client_for("sandbox-admin").await.unwrap();
    let get_paths: Vec<String> = names
        .iter()
        .map(|n| format!("/apis/kubeflow.org/v1/profiles/{n}"))
        .collect();
    let list_path = vec!["/apis/kubeflow.org/v1/profiles".to_string()];
    let list_bytes = fetch(&client, &list_path[0]).await;
    // Warm up connections.
    throughput(&client, &get_paths, 200).await;
    let mut gets = Vec::new();
    let mut lists = Vec::new();
    for _ in 0..RUNS {
        gets.push(throughput(&client, &get_paths, 2000).await);
        lists.push(throughput(&client, &list_path, 20).await);
    }
    println!(
        "GET one profile:           median {:.0} req/s ({CONCURRENCY} concurrent, kube::Client over TLS)",
        median(gets)
    );
    println!(
        "LIST {} profiles:        median {:.1} req/s ({:.1} MB per list)",
        names.len(),
        median(lists),
        list_bytes as f64 / 1e6
    );
    sb.shutdown().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
}
