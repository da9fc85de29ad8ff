//! kubectl global flags and `version`, through the real binary against the sandbox.
use crate::common::TestCluster;
use assert_cmd::Command;
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
    let ca_pem = kubectl_kubeflow::sandbox::testing::untrusted_ca_pem().unwrap();
    std::fs::write(&other_ca, ca_pem).unwrap();
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

fn kubectl_bin() -> Option<std::path::PathBuf> {
    ["/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

/// Client certificates, the other credential real kubeconfigs hold: inline
/// (`client-certificate-data`/`client-key-data`) or as file paths, with no token. The server
/// takes CN as the user and each O as a group (a non-admin's certificate is refused exactly as
/// its token is); a certificate from another CA is refused with 401; the private key shows in
/// no output, whether the request works, the server refuses, or the client cannot use the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_authenticate_as_their_subject_and_never_leak() {
    use base64::Engine as _;
    use kubectl_kubeflow::sandbox::ClientCertificate;
    let cluster = TestCluster::sandbox(Default::default()).await;
    let sb = cluster.sandbox.as_ref().unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let masters = ["system:masters".to_string()];
    let admin = sb.client_certificate("sandbox-admin", &masters).unwrap();
    let e2e = sb.client_certificate("e2e-user@example.com", &[]).unwrap();
    let teams = ["team-a".to_string(), "team-b".to_string()];
    let jane = sb.client_certificate("jane@example.com", &teams).unwrap();
    let other_ca = kubectl_kubeflow::sandbox::testing::certificate_from_untrusted_ca(
        "sandbox-admin",
        &masters,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_file, key_file) = (dir.path().join("admin.crt"), dir.path().join("admin.key"));
    std::fs::write(&cert_file, &admin.cert_pem).unwrap();
    std::fs::write(&key_file, &admin.key_pem).unwrap();
    let inline = |name: &str, cert: &str, key: &str| {
        serde_json::json!({"name": name, "user": {
            "client-certificate-data": b64(cert), "client-key-data": b64(key)}})
    };
    let users = [
        inline("cert-admin", &admin.cert_pem, &admin.key_pem),
        serde_json::json!({"name": "cert-files", "user": {
            "client-certificate": cert_file, "client-key": key_file}}),
        inline("cert-e2e", &e2e.cert_pem, &e2e.key_pem),
        inline("cert-jane", &jane.cert_pem, &jane.key_pem),
        inline("cert-other-ca", &other_ca.cert_pem, &other_ca.key_pem),
        // The admin's certificate with another key: the client cannot use it.
        inline("cert-wrong-key", &admin.cert_pem, &e2e.key_pem),
    ];
    let contexts: Vec<_> = users
        .iter()
        .map(|u| serde_json::json!({"name": u["name"], "context": {"cluster": "sb", "user": u["name"]}}))
        .collect();
    let ca = b64(sb.ca_pem());
    let kubeconfig = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "sb", "cluster": {"server": sb.url(), "certificate-authority-data": ca}}],
        "users": users, "contexts": contexts, "current-context": "cert-admin"});
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig.to_string()).unwrap();
    let keys: Vec<&ClientCertificate> = vec![&admin, &e2e, &jane, &other_ca];
    let run = |context: &str, code: i32| {
        let out = Command::cargo_bin("kubectl-kubeflow")
            .unwrap()
            .env_remove("KUBECONFIG")
            .args(["--kubeconfig", path.to_str().unwrap(), "--context", context])
            .arg("profiles")
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert_eq!(out.status.code(), Some(code), "{context}: {stderr}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains("PRIVATE KEY"), "{context}: {text}");
            for k in &keys {
                let body: String = k
                    .key_pem
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect();
                assert!(!text.contains(&body[..40]) && !text.contains(&b64(&k.key_pem)[..40]));
            }
        }
        stderr
    };
    run("cert-admin", 0);
    run("cert-files", 0);
    // Refused as the e2e user, word for word as with its token.
    let by_cert = run("cert-e2e", 1);
    let by_token = cluster
        .plugin_as_user()
        .unwrap()
        .arg("profiles")
        .output()
        .unwrap();
    assert_eq!(by_token.status.code(), Some(1));
    assert!(by_cert.contains("\"e2e-user@example.com\""), "{by_cert}");
    assert_eq!(
        by_cert.replace("cert-e2e", "CTX"),
        String::from_utf8_lossy(&by_token.stderr).replace("e2e-user\"", "CTX\"")
    );
    let refused = run("cert-other-ca", 1);
    assert!(refused.contains("rejected the credentials"), "{refused}");
    run("cert-wrong-key", 1);

    let Some(kubectl) = kubectl_bin() else {
        println!("skipping the kubectl checks: kubectl not found in /usr/bin or /usr/local/bin");
        return;
    };
    let kubectl = |args: &[&str]| {
        std::process::Command::new(&kubectl)
            .args(args)
            .args(["--kubeconfig", path.to_str().unwrap()])
            .env("HOME", dir.path())
            .env_remove("KUBECONFIG")
            .output()
            .unwrap()
    };
    let who = kubectl(&["auth", "whoami", "-o", "json", "--context", "cert-jane"]);
    assert!(
        who.status.success(),
        "{}",
        String::from_utf8_lossy(&who.stderr)
    );
    let who: serde_json::Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(
        who["status"]["userInfo"],
        serde_json::json!({"username": "jane@example.com",
            "groups": ["team-a", "team-b", "system:authenticated"]})
    );
    let refused = kubectl(&["get", "ns", "--context", "cert-other-ca"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    // kubectl's words for a 401.
    assert!(
        stderr.contains("You must be logged in to the server"),
        "{stderr}"
    );
}

/// `sandbox --client-cert-kubeconfig-out FILE` writes a private kubeconfig whose admin signs in
/// by certificate alone.
#[test]
fn sandbox_writes_a_client_certificate_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let (tokens, certs) = (dir.path().join("tokens"), dir.path().join("certs"));
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-kubeflow"))
        .arg("sandbox")
        .arg("--kubeconfig-out")
        .arg(&tokens)
        .arg("--client-cert-kubeconfig-out")
        .arg(&certs)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let kubeconfig = loop {
        if let Ok(kc) = kube::config::Kubeconfig::read_from(&certs)
            && !kc.auth_infos.is_empty()
        {
            break kc;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no kubeconfig written"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&certs).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let auth = kubeconfig.auth_infos[0].auth_info.clone().unwrap();
    assert!(auth.token.is_none() && auth.client_key_data.is_some());
    let out = Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env_remove("KUBECONFIG")
        .arg("--kubeconfig")
        .arg(&certs)
        .arg("profiles")
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the e2e suite installs on an external cluster that lacks Kubeflow (the embedded
/// CRDs and kubeflow ClusterRoles, by server-side apply) is served afterwards, and installing
/// twice is harmless.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prerequisites_install_idempotently_on_a_bare_cluster() {
    use k8s_openapi::api::rbac::v1::ClusterRole;
    use kube::api::{Api, DynamicObject, ListParams};
    use kube::core::{ApiResource, GroupVersionKind};
    let sb = kubectl_kubeflow::sandbox::Sandbox::start(kubectl_kubeflow::sandbox::SandboxOptions {
        seed_options: kubectl_kubeflow::sandbox::SeedOptions {
            profile_crd: false,
            istio_crd: false,
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let policies = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
    ));
    let aps: Api<DynamicObject> = Api::all_with(c.clone(), &policies);
    assert!(
        aps.list(&ListParams::default()).await.is_err(),
        "no CRD yet"
    );
    for _ in 0..2 {
        crate::common::install_prerequisites(&c).await;
    }
    aps.list(&ListParams::default()).await.unwrap();
    let profiles: Api<kubectl_kubeflow::model::Profile> = Api::all(c.clone());
    profiles.list(&ListParams::default()).await.unwrap();
    let roles: Api<ClusterRole> = Api::all(c.clone());
    for role in ["kubeflow-admin", "kubeflow-edit", "kubeflow-view"] {
        assert!(roles.get_opt(role).await.unwrap().is_some(), "{role}");
    }
    sb.shutdown().await;
}
