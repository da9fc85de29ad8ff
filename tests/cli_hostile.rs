//! A corpus of hostile and malformed input (tests/data/hostile_inputs.jsonl, written by
//! tests/data/gen_hostile_inputs.py): emails with every forbidden character, control and
//! non-ASCII characters, shell and YAML metacharacters and over-long parts; profile names
//! that are not DNS labels or are reserved; quantities with bad suffixes, signs, overflow and
//! whitespace; quota keys; broken rosters. Each must get a specific error and exit 2, and the
//! sandbox's request log must show that nothing at all was written. Kubeconfig trouble
//! (missing file, unknown context, a closed port, a server that never answers) exits 1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestCluster;
use http::Method;
use kubectl_kubeflow::sandbox::faults::{Action, Rule, Scope};

#[derive(serde::Deserialize)]
struct Case {
    kind: String,
    args: Vec<String>,
    exit: i32,
    says: String,
    stdin: Option<String>,
}

fn corpus() -> Vec<Case> {
    let text = include_str!("data/hostile_inputs.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_is_refused_with_a_specific_error_and_nothing_is_written() {
    let cluster = TestCluster::start_sandbox().await;
    let cases = corpus();
    assert!(cases.len() >= 300, "the corpus has {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let mut cmd = cluster.plugin();
        cmd.args(&case.args)
            .write_stdin(case.stdin.clone().unwrap_or_default());
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        if code != case.exit || !stderr.contains(&case.says) || !stderr.contains("error") {
            wrong.push(format!(
                "{} {:?}: exit {code} (want {}), stderr {:?}",
                case.kind, case.args, case.exit, stderr
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases were not refused as expected:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    let writes: Vec<String> = cluster
        .sandbox
        .as_ref()
        .unwrap()
        .faults()
        .requests()
        .into_iter()
        .filter(|s| s.method != Method::GET)
        .map(|s| format!("{} {}", s.method, s.uri))
        .collect();
    assert!(writes.is_empty(), "bad input caused writes: {writes:?}");
}

/// Kubeconfig trouble is a cluster error (exit 1) that says what to fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_trouble_exits_1_with_what_to_fix() {
    let cluster = TestCluster::start_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |kubeconfig: &std::path::Path, extra: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("kubectl-kubeflow").unwrap();
        cmd.env_remove("KUBECONFIG")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(extra)
            .arg("profiles")
            .timeout(Duration::from_secs(60));
        cmd.assert()
    };
    run(&dir.path().join("missing"), &[])
        .code(1)
        .stderr(predicates::str::contains("cannot read kubeconfig"));
    run(&cluster.kubeconfig, &["--context", "nope"])
        .code(1)
        .stderr(predicates::str::contains("context \"nope\" does not exist"));
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut kc = kube::config::Kubeconfig::read_from(&cluster.kubeconfig).unwrap();
    for c in &mut kc.clusters {
        c.cluster.as_mut().unwrap().server = Some(format!("https://127.0.0.1:{closed}"));
    }
    let closed_kc = dir.path().join("closed");
    std::fs::write(&closed_kc, serde_json::to_string(&kc).unwrap()).unwrap();
    run(&closed_kc, &[])
        .code(1)
        .stderr(predicates::str::contains(
            "cannot reach the Kubernetes API server",
        ));
    // A server that never answers.
    cluster
        .sandbox
        .as_ref()
        .unwrap()
        .faults()
        .add(Rule::new(Action::Latency(Duration::from_secs(120))).on(Scope::All));
    run(&cluster.kubeconfig, &["--request-timeout", "1s"])
        .code(1)
        .stderr(predicates::str::contains("--request-timeout"));
}
