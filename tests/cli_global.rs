//! kubectl global flags and `version`, through the real binary against the sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use common::TestCluster;
use predicates::prelude::*;

#[test]
fn version_client_needs_no_cluster() {
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(["version", "--client"])
        .assert()
        .success()
        .stdout(format!("Plugin Version: v{}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2_and_help_says_kubectl_kubeflow() {
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .arg("no-such-command")
        .assert()
        .code(2);
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .args(["--request-timeout", "5 parsecs", "version", "--client"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit"));
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: kubectl kubeflow"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_shows_the_server_version() {
    let cluster = TestCluster::start().await;
    cluster
        .plugin()
        .args(["version", "-o", "json"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"serverVersion\"")
                .and(predicate::str::contains("\"gitVersion\"")),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_context_lists_the_known_ones() {
    let cluster = TestCluster::start().await;
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env("KUBECONFIG", &cluster.kubeconfig)
        .args(["--context", "nope", "version"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("context \"nope\" does not exist")
                .and(predicate::str::contains(cluster.admin_context.as_str())),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_env_merges_several_files_and_skips_missing_ones() {
    let cluster = TestCluster::start().await;
    let joined = format!("/nonexistent/first:{}", cluster.kubeconfig.display());
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env("KUBECONFIG", joined)
        .args(["--context", &cluster.admin_context, "version"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Server Version:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_flag_impersonates() {
    let cluster = TestCluster::start().await;
    if cluster.is_external() {
        eprintln!(
            "skipping as_flag_impersonates on an external cluster: it needs a known non-admin user name"
        );
        return;
    }
    // The admin may impersonate; as the no-permission user the create is refused.
    cluster
        .plugin()
        .args(["--as", "e2e-user@example.com", "onboard", "leo@example.com"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("e2e-user@example.com")
                .and(predicate::str::contains("forbidden")),
        );
}
