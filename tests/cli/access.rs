//! `grant` and `revoke` through the real binary: KFAM-named pairs, role replacement, half
//! pairs, the owner refusal, Istio missing, dry runs and input errors.
use crate::common::TestCluster;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use kube::api::{Api, DeleteParams, PostParams};
use kubectl_kubeflow::cluster::ClusterError;
use kubectl_kubeflow::cluster::access::plan_revoke_cluster_wide;
use kubectl_kubeflow::cluster::apply::{ApplyOptions, apply};
use kubectl_kubeflow::manifest::{cluster_role_binding_name, kfam_binding_name};
use kubectl_kubeflow::model::{AuthorizationPolicy, Role, Subject};
use kubectl_kubeflow::sandbox::SandboxOptions;
use predicates::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_replace_and_revoke_pairs() {
    let cluster = TestCluster::start().await;
    let (p, owner) = cluster.onboarded("acc", &[]).await;
    let user = cluster.email("bob");
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    let edit = kfam_binding_name(&user, Role::Edit);
    let view = kfam_binding_name(&user, Role::View);

    // A client dry run sends nothing.
    cluster
        .plugin()
        .args([
            "grant",
            &user,
            "--role",
            "edit",
            "--profile",
            &p,
            "--dry-run=client",
            "-o",
            "name",
        ])
        .assert()
        .success();
    assert!(rbs.get_opt(&edit).await.unwrap().is_none());
    // `group:NAME`, as `users` and the roster write groups, is a group.
    cluster
        .plugin()
        .args(["grant", "group:ml-team@example.com", "--role", "view"])
        .args(["--profile", &p, "--dry-run=client", "-o", "name"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "rolebinding.rbac.authorization.k8s.io/group-ml-team-example-com-clusterrole-view",
        ));
    // A write over several namespaces says which namespace each line is about.
    let (p2, _) = cluster.onboarded("acc2", &[]).await;
    cluster
        .plugin()
        .args([
            "grant",
            &user,
            "--role",
            "view",
            "--profile",
            &p,
            "--profile",
            &p2,
        ])
        .arg("--dry-run=client")
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!(
                "rolebinding.rbac.authorization.k8s.io/{view} -n {p} created (dry run)"
            ))
            .and(predicate::str::contains(format!(
                "rolebinding.rbac.authorization.k8s.io/{view} -n {p2} created (dry run)"
            ))),
        );

    cluster
        .plugin()
        .args(["grant", &user, "--role", "edit", "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "rolebinding.rbac.authorization.k8s.io/{edit} created"
        )));
    let rb = rbs.get(&edit).await.unwrap();
    assert_eq!(rb.role_ref.name, "kubeflow-edit");
    assert_eq!(rb.subjects.as_ref().unwrap().len(), 1);
    assert_eq!(rb.metadata.annotations.as_ref().unwrap()["user"], user);
    aps.get(&edit).await.unwrap();
    // Again: unchanged.
    cluster
        .plugin()
        .args(["grant", &user, "--role", "edit", "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    // Another role replaces the pair.
    cluster.grant(&user, "view", &p);
    assert!(rbs.get_opt(&edit).await.unwrap().is_none());
    assert!(aps.get_opt(&edit).await.unwrap().is_none());
    rbs.get(&view).await.unwrap();
    aps.get(&view).await.unwrap();
    // A half pair (policy deleted by hand) is still fully revoked.
    aps.delete(&view, &DeleteParams::default()).await.unwrap();
    cluster
        .plugin()
        .args(["revoke", &user, "--profile", &p])
        .assert()
        .success()
        .stdout(predicate::str::contains("deleted"));
    assert!(rbs.get_opt(&view).await.unwrap().is_none());
    cluster
        .plugin()
        .args(["revoke", &user, "--profile", &p])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to revoke"));
    // The owner's namespaceAdmin is not a contributor.
    cluster
        .plugin()
        .args(["revoke", &owner, "--profile", &p])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("owns profile").and(predicate::str::contains("spec.owner")),
        );
    // Input errors exit 2 and change nothing.
    cluster
        .plugin()
        .args(["grant", "not-an-email", "--role", "edit", "--profile", &p])
        .assert()
        .code(2);
    cluster
        .plugin()
        .args(["grant", &user, "--role", "owner", "--profile", &p])
        .assert()
        .code(2);
    cluster
        .plugin()
        .args([
            "grant",
            &user,
            "--role",
            "edit",
            "--profile",
            &cluster.name("missing"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not found"));
    if let Some(mut as_user) = cluster.plugin_as_user() {
        as_user
            .args(["grant", &user, "--role", "edit", "--profile", &p])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("forbidden"));
    }
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_istio_grant_needs_no_istio_and_makes_the_binding_only() {
    let mut options = SandboxOptions::default();
    options.seed_options.istio_crd = false;
    let cluster = TestCluster::sandbox(options).await;
    let (p, _) = cluster.onboarded("noistio", &[]).await;
    let user = "carol@example.com";
    cluster
        .plugin()
        .args(["grant", user, "--role", "edit", "--profile", &p])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--no-istio"));
    cluster
        .plugin()
        .args([
            "grant",
            user,
            "--role",
            "edit",
            "--profile",
            &p,
            "--no-istio",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rolebinding")
                .and(predicate::str::contains("authorizationpolicy").not()),
        );
}

fn user(email: &str) -> Subject {
    Subject::User(email.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_wide_grant_needs_yes_and_revoke_all_removes_everything() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("wide", &[]).await;
    let auditor = cluster.email("auditor");
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    let crb = cluster_role_binding_name(&user(&auditor), Role::View);

    // Off a terminal, a cluster-wide grant without --yes is refused and writes nothing.
    cluster
        .plugin()
        .args(["grant", &auditor, "--role", "view", "--cluster-wide"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("EVERY namespace").and(predicate::str::contains("pass --yes")),
        );
    assert!(crbs.get_opt(&crb).await.unwrap().is_none());

    // --diff shows the new object; --yes applies it.
    cluster
        .plugin()
        .args([
            "grant",
            &auditor,
            "--role",
            "view",
            "--cluster-wide",
            "--yes",
            "--diff",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("+roleRef:").and(predicate::str::contains(format!(
                "clusterrolebinding.rbac.authorization.k8s.io/{crb} created"
            ))),
        );
    let b = crbs.get(&crb).await.unwrap();
    assert_eq!(b.role_ref.name, "kubeflow-view");
    assert_eq!(
        b.metadata.labels.as_ref().unwrap()["app.kubernetes.io/managed-by"],
        "kubectl-kubeflow"
    );
    // Idempotent.
    cluster
        .plugin()
        .args(["grant", &auditor, "--role", "view", "--cluster-wide", "-y"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));

    // Plus contributor access in a profile; --all removes both kinds.
    cluster.grant(&auditor, "edit", &p);
    cluster
        .plugin()
        .args(["revoke", &auditor, "--all"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!(
                "clusterrolebinding.rbac.authorization.k8s.io/{crb} deleted"
            ))
            .and(predicate::str::contains(format!(
                "rolebinding.rbac.authorization.k8s.io/{} deleted",
                kfam_binding_name(&auditor, Role::Edit)
            ))),
        );
    assert!(crbs.get_opt(&crb).await.unwrap().is_none());
    cluster
        .plugin()
        .args(["revoke", &auditor, "--cluster-wide"])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to revoke"));
    cluster.cleanup().await;
}

fn shared_binding(name: &str, subjects: &[&str]) -> ClusterRoleBinding {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-view"},
        "subjects": subjects.iter().map(|s| serde_json::json!(
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": s})).collect::<Vec<_>>()
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_bindings_are_updated_and_concurrent_changes_conflict() {
    let cluster = TestCluster::start().await;
    let (a, b, c) = (
        cluster.email("ann"),
        cluster.email("ben"),
        cluster.email("cat"),
    );
    let name = cluster.name("kaptain-viewers");
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    crbs.create(
        &PostParams::default(),
        &shared_binding(&name, &[&a, &b, &c]),
    )
    .await
    .unwrap();

    // Revoking one subject of a binding made by someone else keeps the others' access.
    cluster
        .plugin()
        .args(["revoke", &a, "--cluster-wide"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "clusterrolebinding.rbac.authorization.k8s.io/{name} configured"
        )));
    let names = |crb: &ClusterRoleBinding| -> Vec<String> {
        crb.subjects
            .iter()
            .flatten()
            .map(|s| s.name.clone())
            .collect()
    };
    assert_eq!(
        names(&crbs.get(&name).await.unwrap()),
        vec![b.clone(), c.clone()]
    );

    // A change between plan and apply is a conflict, not a lost update: the plan read
    // [ben, cat]; meanwhile someone adds dan; applying "remove ben" must fail.
    let lib = cluster.connect().await;
    let plan = plan_revoke_cluster_wide(&lib, &user(&b), None)
        .await
        .unwrap();
    assert_eq!(plan.changes.len(), 1);
    let mut live = crbs.get(&name).await.unwrap();
    let dan = cluster.email("dan");
    live.subjects.as_mut().unwrap().push(
        serde_json::from_value(serde_json::json!(
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": dan}))
        .unwrap(),
    );
    crbs.replace(&name, &PostParams::default(), &live)
        .await
        .unwrap();
    let err = apply(&lib, &plan, ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.source, ClusterError::Conflict { .. }),
        "{:?}",
        err.source
    );
    assert!(err.source.to_string().contains("re-run"));
    assert_eq!(
        names(&crbs.get(&name).await.unwrap()),
        vec![b.clone(), c.clone(), dan.clone()],
        "the concurrent change survives"
    );

    // Deletes are guarded too: plan deleting cat's own binding, then it changes.
    cluster
        .plugin()
        .args(["grant", &c, "--role", "edit", "--cluster-wide", "--yes"])
        .assert()
        .success();
    let own = cluster_role_binding_name(&user(&c), Role::Edit);
    let plan = plan_revoke_cluster_wide(&lib, &user(&c), Some(Role::Edit))
        .await
        .unwrap();
    let mut live = crbs.get(&own).await.unwrap();
    live.metadata
        .annotations
        .get_or_insert_default()
        .insert("touched".into(), "yes".into());
    crbs.replace(&own, &PostParams::default(), &live)
        .await
        .unwrap();
    let err = apply(&lib, &plan, ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.source, ClusterError::Conflict { .. }),
        "{:?}",
        err.source
    );
    crbs.get(&own).await.unwrap();

    // A name this tool would use, taken by an object it did not make, is left alone.
    let taken = cluster_role_binding_name(&user(&a), Role::Admin);
    crbs.create(&PostParams::default(), &shared_binding(&taken, &[&b]))
        .await
        .unwrap();
    cluster
        .plugin()
        .args(["grant", &a, "--role", "admin", "--cluster-wide", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("left alone"));
    assert_eq!(names(&crbs.get(&taken).await.unwrap()), vec![b.clone()]);
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offboard_revokes_everything_and_deletes_owned_profiles_only_when_confirmed() {
    let cluster = TestCluster::start().await;
    let (other, _) = cluster.onboarded("team", &[]).await;
    let (own, alice) = cluster.onboarded("alice-off", &[]).await;
    let pvcs: Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        Api::namespaced(cluster.admin.clone(), &own);
    pvcs.create(
        &PostParams::default(),
        &serde_json::from_value(serde_json::json!({
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    cluster.grant(&alice, "edit", &other);
    cluster
        .plugin()
        .args(["grant", &alice, "--role", "view", "--cluster-wide", "--yes"])
        .assert()
        .success();
    let crbs: Api<ClusterRoleBinding> = Api::all(cluster.admin.clone());
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &other);
    let profiles: Api<kubectl_kubeflow::model::Profile> = Api::all(cluster.admin.clone());

    // Without --delete-profiles: access goes, the owned profile stays.
    cluster
        .plugin()
        .args(["offboard", &alice])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "owns profile {own}; it is kept"
        )))
        .stdout(predicate::str::contains("deleted"));
    assert!(
        rbs.get_opt(&kfam_binding_name(&alice, Role::Edit))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        crbs.get_opt(&cluster_role_binding_name(&user(&alice), Role::View))
            .await
            .unwrap()
            .is_none()
    );
    assert!(profiles.get_opt(&own).await.unwrap().is_some());

    // --delete-profiles shows what goes and needs confirmation off a terminal.
    cluster
        .plugin()
        .args(["offboard", &alice, "--delete-profiles"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("1 persistentvolumeclaims")
                .and(predicate::str::contains("pass --yes"))
                // The cluster's own kube-root-ca.crt is not the user's data.
                .and(predicate::str::contains("configmaps").not()),
        );
    assert!(profiles.get_opt(&own).await.unwrap().is_some());
    cluster
        .plugin()
        .args(["offboard", &alice, "--delete-profiles", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "profile.kubeflow.org/{own} deleted"
        )));
    let gone = profiles.get_opt(&own).await.unwrap();
    assert!(
        gone.is_none() || gone.unwrap().metadata.deletion_timestamp.is_some(),
        "profile deleted or being deleted"
    );
    cluster
        .plugin()
        .args(["offboard", &alice])
        .assert()
        .success()
        .stderr(predicate::str::contains("no access to revoke"));
    cluster.cleanup().await;
}

/// Runs the plugin with `args`, expects exit 1 naming both identities, and returns nothing.
fn refused(cluster: &TestCluster, args: &[&str], subject: &str, other: &str) {
    cluster.plugin().args(args).assert().code(1).stderr(
        predicate::str::contains(format!("belongs to User {other}, not {subject}"))
            .or(predicate::str::contains(format!(
                "belongs to user {other}, not {subject}"
            )))
            .and(predicate::str::contains("kfam-name-collision")),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_that_escape_to_one_name_never_touch_each_others_pair() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("twins", &[]).await;
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    let aps: Api<AuthorizationPolicy> = Api::namespaced(cluster.admin.clone(), &p);
    let ben = cluster.email("ben.ode");
    let big_ben = ben.replacen("ben.ode", "Ben.Ode", 1);
    let jo_dash = cluster.email("jo-kim");
    let jo_dot = cluster.email("jo.kim");
    for (who, role) in [(&ben, "edit"), (&jo_dash, "view")] {
        cluster
            .plugin()
            .args(["grant", who, "--role", role, "--profile", &p])
            .assert()
            .success();
    }
    let ben_pair = kfam_binding_name(&ben, Role::Edit);
    let jo_pair = kfam_binding_name(&jo_dash, Role::View);
    assert_eq!(ben_pair, kfam_binding_name(&big_ben, Role::Edit));
    assert_eq!(jo_pair, kfam_binding_name(&jo_dot, Role::View));
    let before = (
        rbs.get(&ben_pair).await.unwrap().metadata.resource_version,
        aps.get(&ben_pair).await.unwrap().metadata.resource_version,
        rbs.get(&jo_pair).await.unwrap().metadata.resource_version,
        aps.get(&jo_pair).await.unwrap().metadata.resource_version,
    );

    // Revoking the case twin from the profile refuses and deletes nothing.
    refused(
        &cluster,
        &["revoke", &big_ben, "--profile", &p],
        &big_ben,
        &ben,
    );
    // Revoking everything goes on without the twin's objects and says so.
    for args in [
        vec!["revoke", &big_ben, "--all"],
        vec!["offboard", &big_ben],
    ] {
        cluster
            .plugin()
            .args(&args)
            .assert()
            .success()
            .stderr(predicate::str::contains(format!(
                "belongs to User {ben}, not {big_ben}"
            )));
    }
    // Granting the escaping twin the role whose objects are jo-kim's refuses instead of
    // reporting `unchanged`; another role would replace nothing of jo-kim's either.
    refused(
        &cluster,
        &["grant", &jo_dot, "--role", "view", "--profile", &p],
        &jo_dot,
        &jo_dash,
    );
    refused(
        &cluster,
        &[
            "grant",
            &jo_dot,
            "--role",
            "edit",
            "--profile",
            &p,
            "--dry-run=server",
        ],
        &jo_dot,
        &jo_dash,
    );
    let after = (
        rbs.get(&ben_pair).await.unwrap().metadata.resource_version,
        aps.get(&ben_pair).await.unwrap().metadata.resource_version,
        rbs.get(&jo_pair).await.unwrap().metadata.resource_version,
        aps.get(&jo_pair).await.unwrap().metadata.resource_version,
    );
    assert_eq!(before, after, "the twins' pairs are untouched");
    assert!(
        rbs.get_opt(&kfam_binding_name(&jo_dot, Role::Edit))
            .await
            .unwrap()
            .is_none()
    );

    // The real owners of the pairs still revoke their own access.
    cluster
        .plugin()
        .args(["revoke", &ben, "--profile", &p])
        .assert()
        .success();
    assert!(rbs.get_opt(&ben_pair).await.unwrap().is_none());
    assert!(aps.get_opt(&ben_pair).await.unwrap().is_none());
    cluster.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_role_the_user_does_not_have_says_what_they_have() {
    let cluster = TestCluster::start().await;
    let (p, _) = cluster.onboarded("which", &[]).await;
    let user = cluster.email("viewer");
    cluster.grant(&user, "view", &p);
    cluster
        .plugin()
        .args(["revoke", &user, "--role", "edit", "--profile", &p])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "{user} has kubeflow-view on profile {p}, not kubeflow-edit; nothing to revoke"
        )));
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &p);
    assert!(
        rbs.get_opt(&kfam_binding_name(&user, Role::View))
            .await
            .unwrap()
            .is_some()
    );
    cluster.cleanup().await;
}

/// Deployments whose login header carries usernames or service accounts: refused by default
/// with the way out named, accepted behind `--user-id-format=any` with a warning; the profile
/// name is derived from the whole identity and bindings carry it verbatim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_that_are_not_emails_need_user_id_format_any() {
    let cluster = TestCluster::start().await;
    let user = cluster.name("plainuser");
    cluster
        .plugin()
        .args(["onboard", &user])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--user-id-format=any"));
    cluster
        .plugin()
        .args(["onboard", &user, "--user-id-format=any"])
        .assert()
        .success()
        .stderr(predicate::str::contains("is not an email"))
        .stdout(predicate::str::contains(format!(
            "profile.kubeflow.org/{user} created"
        )));
    cluster.seed_profile_namespace(&user, &user).await;
    let robot = format!("system:serviceaccount:{user}:robot");
    cluster
        .plugin()
        .args([
            "grant",
            &robot,
            "--role",
            "view",
            "--profile",
            &user,
            "--user-id-format=any",
        ])
        .assert()
        .success();
    let rbs: Api<RoleBinding> = Api::namespaced(cluster.admin.clone(), &user);
    let subjects: Vec<String> = rbs
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .iter()
        .flat_map(|rb| rb.subjects.iter().flatten().map(|s| s.name.clone()))
        .collect();
    assert!(subjects.contains(&robot), "{subjects:?}");
    cluster.cleanup().await;
}
