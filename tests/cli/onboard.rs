//! `onboard` through the real binary: client-side previews, input errors that send nothing,
//! kubectl plugin discovery, and real writes against the sandbox (or an external cluster).
use std::io::Write as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{TestCluster, kubectl_available};
use assert_cmd::Command;
use k8s_openapi::api::core::v1::LimitRange;
use kube::api::Api;
use kubectl_kubeflow::model::Profile;
use predicates::prelude::*;

/// A kubeconfig pointing at a TCP listener that counts connection attempts, so a test can
/// prove that no request was sent.
struct Tripwire {
    connections: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                seen.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        let mut f = std::fs::File::create(&kubeconfig).unwrap();
        write!(
            f,
            "apiVersion: v1\nkind: Config\ncurrent-context: trip\nclusters:\n- name: trip\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: trip\n  user:\n    token: t\ncontexts:\n- name: trip\n  context:\n    cluster: trip\n    user: trip\n"
        )
        .unwrap();
        Tripwire {
            connections,
            _dir: dir,
            kubeconfig,
        }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("kubectl-kubeflow").unwrap();
        cmd.env("KUBECONFIG", &self.kubeconfig);
        cmd
    }

    fn assert_untouched(&self) {
        assert_eq!(
            self.connections.load(Ordering::SeqCst),
            0,
            "a request reached the server"
        );
    }
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn dry_run_client_yaml_is_the_planned_objects() {
    let trip = Tripwire::new();
    let yaml = stdout_of(trip.cmd().args([
        "onboard",
        "Alice.Smith@example.com",
        "--cpu",
        "8",
        "--memory",
        "16Gi",
        "--gpu",
        "1",
        "--limit-range",
        "--dry-run=client",
        "-o",
        "yaml",
    ]));
    insta::assert_snapshot!("onboard_dry_run_client_yaml", yaml);
    trip.assert_untouched();
}

#[test]
fn dry_run_client_json_is_a_kubectl_list() {
    let trip = Tripwire::new();
    let json = stdout_of(trip.cmd().args([
        "onboard",
        "bob@example.com",
        "--profile",
        "team-bob",
        "--quota",
        "requests.storage=100Gi",
        "--limit-range",
        "--limit-range-cpu",
        "2",
        "--dry-run=client",
        "-o",
        "json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["kind"], "List");
    assert_eq!(value["items"][0]["kind"], "Profile");
    assert_eq!(value["items"][0]["metadata"]["name"], "team-bob");
    assert_eq!(
        value["items"][0]["spec"]["resourceQuotaSpec"]["hard"]["requests.storage"],
        "100Gi"
    );
    assert_eq!(value["items"][1]["kind"], "LimitRange");
    assert_eq!(value["items"][1]["metadata"]["namespace"], "team-bob");
    assert_eq!(
        value["items"][1]["spec"]["limits"][0]["default"]["cpu"],
        "2"
    );
    trip.assert_untouched();
}

#[test]
fn dry_run_client_name_and_summary_lines() {
    let trip = Tripwire::new();
    let names = stdout_of(trip.cmd().args([
        "onboard",
        "carol@example.com",
        "--limit-range",
        "--dry-run=client",
        "-o",
        "name",
    ]));
    assert_eq!(
        names,
        "profile.kubeflow.org/carol\nlimitrange/cpu-mem-limit-range\n"
    );
    let lines = stdout_of(
        trip.cmd()
            .args(["onboard", "carol@example.com", "--dry-run=client"]),
    );
    assert_eq!(lines, "profile.kubeflow.org/carol created (dry run)\n");
    trip.assert_untouched();
}

#[test]
fn bad_inputs_exit_2_with_specific_messages_and_send_nothing() {
    let trip = Tripwire::new();
    let cases: &[(&[&str], &str)] = &[
        (&["onboard", "not-an-email"], "@"),
        (
            &["onboard", "alice@example.com", "--profile", "Alice_Smith"],
            "Alice_Smith",
        ),
        (
            &["onboard", "alice@example.com", "--profile", "kube-system"],
            "kube-system",
        ),
        (
            &["onboard", "alice@example.com", "--cpu", "8 cores"],
            "8 cores",
        ),
        (
            &["onboard", "alice@example.com", "--quota", "memory"],
            "memory",
        ),
        (
            &["onboard", "alice@example.com", "--quota", "bad key!=1"],
            "bad key!",
        ),
        (
            &[
                "onboard",
                "alice@example.com",
                "--limit-range-memory",
                "1.5.5Gi",
            ],
            "1.5.5Gi",
        ),
    ];
    for (args, mentions) in cases {
        trip.cmd()
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error:").and(predicate::str::contains(*mentions)));
    }
    trip.assert_untouched();
}

#[test]
fn mixed_case_email_warns_but_keeps_case() {
    let trip = Tripwire::new();
    trip.cmd()
        .args([
            "onboard",
            "Alice.Smith@Example.com",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("name: Alice.Smith@Example.com"))
        .stderr(predicate::str::contains("Warning:"));
}

#[test]
fn unreachable_server_names_the_server() {
    // Bind and drop to get a port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:{port}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: u\n"),
    )
    .unwrap();
    Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env("KUBECONFIG", &path)
        .args(["onboard", "dave@example.com"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(format!("127.0.0.1:{port}"))
                .and(predicate::str::contains("gone")),
        );
}

#[test]
fn runs_through_kubectl_plugin_discovery() {
    if !kubectl_available("runs_through_kubectl_plugin_discovery") {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("kubectl-kubeflow");
    let dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let trip = Tripwire::new();
    let out = std::process::Command::new("kubectl")
        .env("PATH", &path)
        .env("KUBECONFIG", &trip.kubeconfig)
        .args([
            "kubeflow",
            "onboard",
            "erin@example.com",
            "--dry-run=client",
            "-o",
            "name",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "profile.kubeflow.org/erin\n"
    );
    let help = std::process::Command::new("kubectl")
        .env("PATH", &path)
        .args(["kubeflow", "onboard", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: kubectl kubeflow onboard"));
    let bad = std::process::Command::new("kubectl")
        .env("PATH", &path)
        .env("KUBECONFIG", &trip.kubeconfig)
        .args(["kubeflow", "onboard", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    trip.assert_untouched();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_creates_profile_and_limit_range() {
    let cluster = TestCluster::start().await;
    let email = cluster.email("frank");
    let name = cluster.name("frank");
    if cluster.is_external() {
        // No profile controller may run there: make the namespace it would make.
        cluster.seed_profile_namespace(&name, &email).await;
    }
    let out = cluster
        .plugin()
        .args([
            "onboard",
            &email,
            "--profile",
            &name,
            "--cpu",
            "4",
            "--memory",
            "8Gi",
            "--limit-range",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(&format!("profile.kubeflow.org/{name} created")),
        "{out}"
    );
    assert!(
        out.contains("limitrange/cpu-mem-limit-range created"),
        "{out}"
    );
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let profile = profiles.get(&name).await.unwrap();
    assert_eq!(profile.spec.owner.as_ref().unwrap().name, email);
    let labels = profile.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("kubectl-kubeflow")
    );
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &name);
    let lr = lrs.get("cpu-mem-limit-range").await.unwrap();
    let limits = &lr.spec.unwrap().limits[0];
    assert_eq!(limits.default.as_ref().unwrap()["cpu"].0, "800m");
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_onboard_with_same_name_fails_and_leaves_the_first_untouched() {
    let cluster = TestCluster::start().await;
    let name = cluster.name("shared");
    let first = cluster.email("grace");
    let second = cluster.email("heidi");
    cluster
        .plugin()
        .args(["onboard", &first, "--profile", &name, "--cpu", "2"])
        .assert()
        .success();
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let before = profiles.get(&name).await.unwrap();
    cluster
        .plugin()
        .args(["onboard", &second, "--profile", &name, "--cpu", "64"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("already exists")
                .and(predicate::str::contains(first.as_str())),
        );
    let after = profiles.get(&name).await.unwrap();
    assert_eq!(
        before.metadata.resource_version,
        after.metadata.resource_version
    );
    assert_eq!(after.spec.owner.unwrap().name, first);
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_server_creates_nothing() {
    let cluster = TestCluster::start().await;
    let name = cluster.name("ivan");
    let out = cluster
        .plugin()
        .args([
            "onboard",
            &cluster.email("ivan"),
            "--profile",
            &name,
            "--limit-range",
            "--dry-run=server",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(&format!(
            "profile.kubeflow.org/{name} created (server dry run)"
        )),
        "{out}"
    );
    assert!(
        out.contains("limitrange/cpu-mem-limit-range not validated (namespace"),
        "{out}"
    );
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    assert!(profiles.get_opt(&name).await.unwrap().is_none());
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(cluster.admin.clone());
    assert!(namespaces.get_opt(&name).await.unwrap().is_none());
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_profile_controller_the_limit_range_wait_ends_with_advice() {
    let mut options = kubectl_kubeflow::sandbox::SandboxOptions::default();
    options.controller.kubeflow = false;
    let cluster = TestCluster::sandbox(options).await;
    cluster
        .plugin()
        .args([
            "onboard",
            "lena@example.com",
            "--limit-range",
            "--wait-timeout",
            "1s",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "profile.kubeflow.org/lena created",
        ))
        .stderr(
            predicate::str::contains("namespace \"lena\" did not appear within 1s")
                .and(predicate::str::contains("profiles-deployment")),
        );
    // Re-running keeps the profile and still cannot add the LimitRange: said again.
    cluster
        .plugin()
        .args([
            "onboard",
            "lena@example.com",
            "--limit-range",
            "--wait-timeout",
            "1s",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "profile.kubeflow.org/lena unchanged",
        ))
        .stderr(predicate::str::contains("did not appear"));
}

/// Onboarding the same owner again changes nothing and exits 0; a LimitRange asked for
/// and missing is added; another quota than the live one is refused with the command that
/// changes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_again_for_the_same_owner_is_idempotent() {
    let cluster = TestCluster::start().await;
    let email = cluster.email("ivy");
    let name = cluster.name("ivy");
    if cluster.is_external() {
        cluster.seed_profile_namespace(&name, &email).await;
    }
    let args = ["onboard", &email, "--profile", &name, "--cpu", "2"];
    cluster.plugin().args(args).assert().success();
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    let before = profiles.get(&name).await.unwrap().metadata.resource_version;
    cluster
        .plugin()
        .args(args)
        .assert()
        .success()
        .stdout(format!("profile.kubeflow.org/{name} unchanged\n"));
    cluster
        .plugin()
        .args(args)
        .arg("--limit-range")
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!("profile.kubeflow.org/{name} unchanged")).and(
                predicate::str::contains("limitrange/cpu-mem-limit-range created"),
            ),
        );
    cluster
        .plugin()
        .args(["onboard", &email, "--profile", &name, "--cpu", "64"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("with quota cpu=2 (asked: cpu=64)")
                .and(predicate::str::contains(format!("quota set {name}"))),
        );
    let after = profiles.get(&name).await.unwrap().metadata.resource_version;
    assert_eq!(before, after, "the profile itself was never written");
    let lrs: Api<LimitRange> = Api::namespaced(cluster.admin.clone(), &name);
    assert_eq!(lrs.list(&Default::default()).await.unwrap().items.len(), 1);
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_admin_gets_an_explained_403_and_nothing_changes() {
    let cluster = TestCluster::start().await;
    let Some(mut cmd) = cluster.plugin_as_user() else {
        return;
    };
    let name = cluster.name("judy");
    cmd.args(["onboard", &cluster.email("judy"), "--profile", &name])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("forbidden").and(predicate::str::contains("profiles")));
    let profiles: Api<Profile> = Api::all(cluster.admin.clone());
    assert!(profiles.get_opt(&name).await.unwrap().is_none());
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_profile_crd_is_explained() {
    let mut options = kubectl_kubeflow::sandbox::SandboxOptions::default();
    options.seed_options.profile_crd = false;
    let cluster = TestCluster::sandbox(options).await;
    cluster
        .plugin()
        .args(["onboard", "kim@example.com"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is Kubeflow installed on context \"sandbox\"",
        ));
}

/// The README's `onboard -o yaml` sample is what the command prints (up to its `...`).
#[test]
fn readme_onboard_sample_is_real_output() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let command = "$ kubectl kubeflow onboard alice.smith@example.com --cpu 8 --memory 16Gi --gpu 1 --limit-range --dry-run=client -o yaml\n";
    let start = readme.find(command).expect("the sample is in the README") + command.len();
    let sample = &readme[start..start + readme[start..].find("...\n").unwrap()];
    let out = assert_cmd::Command::cargo_bin("kubectl-kubeflow")
        .unwrap()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(
            command
                .trim_start_matches("$ kubectl kubeflow ")
                .split_whitespace(),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let real = String::from_utf8(out.stdout).unwrap();
    assert!(real.starts_with(sample), "README:\n{sample}\nreal:\n{real}");
}

/// A local part longer than a profile name can be is cut to 63 characters: onboarding says
/// so, and a second address with the same first 63 characters is refused rather than given
/// the first user's profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_cut_from_long_addresses_warn_and_never_collide() {
    let cluster = TestCluster::start().await;
    // Local parts are at most 64 characters: 63 shared, then one that differs.
    let base = cluster.name("long");
    let stem = format!("{base}{}", "x".repeat(63 - base.len()));
    let (first, second) = (
        format!("{stem}a@example.com"),
        format!("{stem}b@example.com"),
    );
    cluster
        .plugin()
        .args(["onboard", &first])
        .assert()
        .success()
        .stderr(predicate::str::contains("was cut to 63 characters"));
    cluster
        .plugin()
        .args(["onboard", &second])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was cut to 63 characters").and(
            predicate::str::contains(first.as_str()).or(predicate::str::contains("belongs to")),
        ));
    cluster.cleanup().await;
}
