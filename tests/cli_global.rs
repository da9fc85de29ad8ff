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

/// Input errors are exit 2 and name what was wrong, before any request (no cluster here).
#[test]
fn input_errors_exit_2_before_any_request() {
    for (args, says) in [
        (&["--as-group", "admins", "profiles"][..], "--as <USER>"),
        (
            &["quota", "set", "p", "cpu=1", "--resource-version", "abc"][..],
            "is not a resourceVersion",
        ),
        (&["users", "show", ""][..], "the user is empty"),
        (
            &[
                "grant",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.io",
                "--role",
                "edit",
                "--profile",
                "p",
            ][..],
            "would be 271 characters long",
        ),
        // -o values that would do nothing are not offered.
        (
            &["access", "-o", "name"][..],
            "[possible values: json, yaml]",
        ),
        (
            &["doctor", "-o", "wide"][..],
            "[possible values: json, yaml]",
        ),
        (
            &["users", "show", "a@b.c", "-o", "name"][..],
            "[possible values: json, yaml]",
        ),
    ] {
        Command::cargo_bin("kubectl-kubeflow")
            .unwrap()
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

/// A server certificate the kubeconfig's CA did not sign is a certificate problem, said as
/// one, naming what was trusted; not "cannot reach the server".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_server_certificate_is_reported_as_a_certificate_problem() {
    let cluster = TestCluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    let material = kubectl_kubeflow::sandbox::tls::generate().unwrap();
    std::fs::write(&other_ca, material.ca_pem).unwrap();
    let mut kubeconfig = kube::config::Kubeconfig::read_from(&cluster.kubeconfig).unwrap();
    for named in &mut kubeconfig.clusters {
        let c = named.cluster.as_mut().unwrap();
        c.certificate_authority_data = None;
        c.certificate_authority = Some(other_ca.display().to_string());
        c.insecure_skip_tls_verify = None;
    }
    let wrong = dir.path().join("kubeconfig");
    std::fs::write(&wrong, serde_json::to_string(&kubeconfig).unwrap()).unwrap();
    cluster
        .plugin()
        .arg("--kubeconfig")
        .arg(&wrong)
        .arg("profiles")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("TLS certificate")
                .and(predicate::str::contains("certificate-authority"))
                .and(predicate::str::contains("Is the cluster running").not()),
        );
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

/// The kubeconfig credentials real clusters use besides a token: an exec plugin (kubelogin,
/// `aws eks get-token` style) and a token file. What a plugin prints (its stdout is the
/// credential) never shows in an error, and neither does a rejected token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_plugins_and_token_files_work_and_never_leak() {
    use base64::Engine as _;
    let cluster = TestCluster::sandbox(Default::default()).await;
    let sb = cluster.sandbox.as_ref().unwrap();
    let token = sb.admin().token.clone();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();
    let credential = |t: &str| {
        format!(
            "printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{t}\"}}}}'"
        )
    };
    let exec = |name: &str, script: &str| {
        serde_json::json!({"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1", "command": "sh",
            "args": ["-c", script], "interactiveMode": "Never"}}})
    };
    // A plugin that prints a secret and fails; the secret is not in its command line.
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "SECRET-printed").unwrap();
    let broken = format!("cat {0}; cat {0} >&2; exit 3", secret_file.display());
    let users = [
        exec("exec-ok", &credential(&token)),
        exec("exec-wrong", &credential("SECRET-wrong-token")),
        exec("exec-broken", &broken),
        serde_json::json!({"name": "file", "user": {"tokenFile": token_file}}),
    ];
    let contexts: Vec<_> = users
        .iter()
        .map(|u| serde_json::json!({"name": u["name"], "context": {"cluster": "sb", "user": u["name"]}}))
        .collect();
    let ca = base64::engine::general_purpose::STANDARD.encode(sb.ca_pem());
    let kubeconfig = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "sb", "cluster": {"server": sb.url(), "certificate-authority-data": ca}}],
        "users": users, "contexts": contexts, "current-context": "exec-ok"});
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig.to_string()).unwrap();
    let run = |context: &str| {
        let mut cmd = Command::cargo_bin("kubectl-kubeflow").unwrap();
        cmd.env_remove("KUBECONFIG").args([
            "--kubeconfig",
            path.to_str().unwrap(),
            "--context",
            context,
            "profiles",
        ]);
        cmd.assert()
    };
    run("exec-ok").success();
    run("file").success();
    run("exec-wrong").code(1).stderr(
        predicate::str::contains("rejected the credentials")
            .and(predicate::str::contains("SECRET").not()),
    );
    run("exec-broken").code(1).stderr(
        predicate::str::contains("exit status: 3")
            .and(predicate::str::contains("its output is not shown"))
            .and(predicate::str::contains("SECRET-printed").not()),
    );
}
