//! The read commands (`profiles`, `users`, `users show`, `access`, `doctor`) driven through the
//! real binary: against the demo seed (every deliberate problem found, stable tables), and
//! against any cluster (a half contributor pair is reported; a non-admin gets a clear 403).
use crate::common::TestCluster;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, PostParams};
use kubectl_kubeflow::sandbox::demo_problems;
use predicates::prelude::*;
use serde_json::Value;

/// A clock long before the seed: every age prints as `0s`, so tables are stable.
const FIXED_NOW: &str = "2000-01-01T00:00:00Z";

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_finds_every_deliberate_problem_of_the_demo() {
    let cluster = TestCluster::demo().await;
    let out = cluster
        .plugin()
        .args(["doctor", "-o", "json"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    for problem in demo_problems() {
        let found = findings.iter().any(|f| {
            f["code"] == problem.code
                && f["object"]["name"] == problem.name.as_str()
                && problem.profile.is_none_or(|p| f["profile"] == p)
        });
        assert!(found, "doctor did not report {problem:?}");
    }
    // Every finding carries a fix hint.
    assert!(
        findings
            .iter()
            .all(|f| f["hint"].as_str().is_some_and(|h| !h.is_empty()))
    );
    // One profile only: its findings, exit 3; a clean one exits 0.
    cluster
        .plugin()
        .args(["doctor", "vision"])
        .assert()
        .code(3)
        .stdout(
            predicate::str::contains("contributor-missing-policy")
                .and(predicate::str::contains("fix:")),
        );
    cluster
        .plugin()
        .args(["doctor", "ml-platform"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No problems found."));
    cluster
        .plugin()
        .args(["doctor", "no-such-profile"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "profile \"no-such-profile\" not found",
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tables_are_stable() {
    let cluster = TestCluster::demo().await;
    let run = |args: &[&str]| {
        let out = cluster
            .plugin()
            .env("KUBECTL_KUBEFLOW_NOW", FIXED_NOW)
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    // The README's counts of the demo are the demo's.
    let count = |args: &[&str]| run(args).lines().count();
    let (profiles, users) = (
        count(&["profiles", "-o", "name"]),
        count(&["users", "-o", "name"]),
    );
    let doctor = cluster
        .plugin()
        .args(["doctor", "-o", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().len();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let said = format!("({profiles} profiles, {users} identities, {findings} doctor findings)");
    assert!(readme.contains(&said), "README should say {said}");
    assert!(
        readme.contains(&format!("# {profiles} profiles of the demo")),
        "{profiles}"
    );
    insta::assert_snapshot!("profiles_demo", run(&["profiles"]));
    insta::assert_snapshot!("users_demo", run(&["users"]));
    insta::assert_snapshot!("users_show_demo", run(&["users", "show", "jo.kim@acme.io"]));
    let access = run(&["access"]);
    assert!(
        access.lines().next().unwrap().starts_with("USER "),
        "{access}"
    );
    assert!(access.contains("O owner"), "{access}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_formats_selectors_and_sorting() {
    let cluster = TestCluster::demo().await;
    let out = cluster
        .plugin()
        .args(["profiles", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = json_of(&out);
    let vision = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "vision")
        .unwrap();
    assert_eq!(vision["owner"], "li.wei@acme.io");
    let cpu = vision["quota"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["resource"] == "cpu")
        .unwrap();
    assert_eq!(
        (cpu["hard"].as_str(), cpu["used"].as_str()),
        (Some("8"), Some("7"))
    );
    // The busiest profile (7 of 8 CPUs) comes first.
    let out = cluster
        .plugin()
        .args(["profiles", "--sort-by", "cpu", "-o", "name"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap().lines().next(),
        Some("profile.kubeflow.org/vision")
    );
    // Selectors: nothing in the demo is labelled team=none.
    cluster
        .plugin()
        .args(["profiles", "-l", "team=none"])
        .assert()
        .success()
        .stderr(predicate::str::contains("No profiles found."));
    cluster
        .plugin()
        .args(["profiles", "-l", "a b"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "does not parse: found 'b', expected: in, notin",
        ));
    // The spinner while reading is for terminals only.
    cluster
        .plugin()
        .args(["profiles", "-o", "name"])
        .assert()
        .success()
        .stderr(predicate::str::contains("reading profiles").not());
    cluster
        .plugin()
        .args(["users", "show", "Jo.Kim@acme.io"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean jo.kim@acme.io"));
    // A typo, not only a case difference, gets a suggestion (edit distance).
    cluster
        .plugin()
        .args(["users", "show", "jo.kin@acme.io"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean jo.kim@acme.io"));
    cluster
        .plugin()
        .args(["access", "-o", "name"])
        .assert()
        .code(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_pairs_are_reported_on_any_cluster_and_non_admins_get_a_clear_403() {
    let cluster = TestCluster::start().await;
    let name = cluster.name("half-pair");
    let owner = cluster.email("owner");
    let user = cluster.email("contrib");
    cluster
        .plugin()
        .args(["onboard", &owner, "--profile", &name])
        .assert()
        .success();
    cluster.seed_profile_namespace(&name, &owner).await;
    // Only the RoleBinding half of a KFAM contributor pair.
    let rb: RoleBinding = serde_json::from_value(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": kubectl_kubeflow::manifest::kfam_binding_name(&user, kubectl_kubeflow::model::Role::Edit),
            "namespace": name, "annotations": {"user": user, "role": "edit"}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(cluster.admin.clone(), &name)
        .create(&PostParams::default(), &rb)
        .await
        .unwrap();
    let out = cluster
        .plugin()
        .args(["doctor", &name, "-o", "json"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "contributor-missing-policy"),
        "{report}"
    );
    let out = cluster
        .plugin()
        .args(["users", "show", &user, "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let detail = json_of(&out);
    assert_eq!(detail["access"][0]["profile"], name.as_str());
    assert_eq!(detail["access"][0]["level"], "edit");
    if let Some(mut as_user) = cluster.plugin_as_user() {
        as_user.args(["profiles"]).assert().code(1).stderr(
            predicate::str::contains("cannot list resource \"profiles\"")
                .and(predicate::str::contains("auth whoami")),
        );
    } else {
        eprintln!("skipping the non-admin half: no e2e-user context in the external kubeconfig");
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_into_a_closed_pipe_exits_quietly_and_writes_still_apply() {
    let cluster = TestCluster::demo().await;
    // The reader is gone before the plugin writes (as with `| head -1` on a long listing);
    // the plugin's own status is PIPESTATUS[0].
    for cmd in ["users -o json", "profiles", "access", "roles", "export"] {
        cluster
            .shell(&format!(
                "\"$K\" --context \"$CTX\" {cmd} | true; exit ${{PIPESTATUS[0]}}"
            ))
            .assert()
            .code(0)
            .stderr(predicate::str::contains("panicked").not());
    }
    cluster
        .shell("\"$K\" --context \"$CTX\" doctor | true; exit ${PIPESTATUS[0]}")
        .assert()
        .code(3)
        .stderr(predicate::str::is_empty());
    // A write whose output nobody reads still applies.
    let user = "piped@example.com";
    cluster
        .shell(&format!(
            "\"$K\" --context \"$CTX\" grant {user} --role view --profile vision | true; exit ${{PIPESTATUS[0]}}"
        ))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("panicked").not());
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), "vision");
    let name =
        kubectl_kubeflow::manifest::kfam_binding_name(user, kubectl_kubeflow::model::Role::View);
    assert!(rbs.get_opt(&name).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_selector_that_does_not_parse_is_a_usage_error() {
    let cluster = TestCluster::start().await;
    for (sel, why) in [
        ("a=(b", "found '(', expected: identifier"),
        ("!!", "found '!', expected: identifier"),
        ("a=b,,c=d", "expected: identifier after ','"),
        ("!a=b", "expected: ',' or 'end of string'"),
    ] {
        cluster
            .plugin()
            .args(["profiles", "-l", sel])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(why));
    }
    cluster
        .plugin()
        .args(["profiles", "-l", "!archived,team notin (x)"])
        .assert()
        .success();
    cluster.cleanup().await;
}
