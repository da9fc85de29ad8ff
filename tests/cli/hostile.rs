//! A corpus of hostile and malformed input (tests/data/hostile_inputs.jsonl, written by
//! tests/data/gen_hostile_inputs.py): emails with every forbidden character, control and
//! non-ASCII characters, shell and YAML metacharacters and over-long parts; profile names
//! that are not DNS labels or are reserved; quantities with bad suffixes, signs, overflow and
//! whitespace; quota keys; broken rosters. Each must get a specific error and exit 2, and the
//! sandbox's request log must show that nothing at all was written. Kubeconfig trouble
//! (missing file, unknown context, a closed port, a server that never answers) exits 1.
use std::time::Duration;

use crate::common::TestCluster;
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
    let text = include_str!("../data/hostile_inputs.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The sandbox's request log holds no write (every request was a read).
fn assert_nothing_written(cluster: &TestCluster) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_is_refused_with_a_specific_error_and_nothing_is_written() {
    let cluster = TestCluster::start_sandbox().await;
    let cases = corpus();
    assert!(cases.len() >= 300, "the corpus has {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in cases.iter().filter(|c| c.kind != "editor") {
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
    assert_nothing_written(&cluster);
}

/// YAML edited in `$EDITOR` (the TUI's `E`): invalid YAML, another object (kind, name,
/// namespace), server bookkeeping edited, alias bombs: each refused by the check the TUI runs
/// on the edited file, with the phrase the corpus gives (so nothing is ever staged).
#[test]
fn every_hostile_edit_of_an_object_is_refused() {
    use kubectl_kubeflow::tui::edit::yaml::validate;
    let before: serde_json::Value = serde_json::json!({
        "apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"creationTimestamp": "2026-01-01T00:00:00Z", "generation": 1, "name": "team",
            "resourceVersion": "42", "uid": "6b1d7c1e-0000-4000-8000-000000000001"},
        "spec": {"owner": {"kind": "User", "name": "ana@example.com"},
            "resourceQuotaSpec": {"hard": {"cpu": "4"}}}});
    let edits: Vec<Case> = corpus()
        .into_iter()
        .filter(|c| c.kind == "editor")
        .collect();
    assert!(edits.len() >= 20, "{} editor cases", edits.len());
    let mut wrong = Vec::new();
    for case in &edits {
        let text = case.stdin.clone().unwrap_or_default();
        match validate(&before, &text) {
            Err(e) if e.contains(&case.says) => {}
            other => wrong.push(format!(
                "{:?}: {other:?} (want an error with {:?})",
                case.args, case.says
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A roster of 100,000 rows with one bad row near the end is refused whole, naming the
/// line, and nothing of the good rows is written; 100,000 bad rows are counted, not all
/// listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_roster_with_one_bad_row_writes_nothing() {
    let cluster = TestCluster::start_sandbox().await;
    let mut text = String::from("user,profile,role\nowner@example.com,team-x,owner\n");
    for i in 0..100_000 {
        if i == 99_990 {
            text.push_str("mallory@example.com,team-x,superuser\n");
        } else {
            text.push_str(&format!("u{i}@example.com,team-x,view\n"));
        }
    }
    let out = cluster
        .plugin()
        .args(["onboard", "--from", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 bad row(s)") && stderr.contains("line 99993"),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    assert_nothing_written(&cluster);
    let all_bad: String = std::iter::once("user,profile,role\n".to_string())
        .chain((0..100_000).map(|i| format!("u{i}@example.com,team-y,boss\n")))
        .collect();
    let out = cluster
        .plugin()
        .args(["onboard", "--from", "-"])
        .write_stdin(all_bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: 100000 bad row(s); nothing was written"),
        "{}",
        &stderr[..300]
    );
    assert!(stderr.contains("... and 99950 more bad row(s)"));
    assert!(
        stderr.lines().count() < 60,
        "{} lines",
        stderr.lines().count()
    );
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
