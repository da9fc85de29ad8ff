//! The seeds as clients see them: the demo organisation with each deliberate problem really
//! present, determinism, personas whose tokens work under RBAC, and the empty seed's
//! bootstrap policy.
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use kubectl_kubeflow_sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow_sandbox::{Seed, demo_problems};
use serde_json::Value;

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn resource(kind: &str) -> ApiResource {
    match kind {
        "Profile" => ar("kubeflow.org", "v1", "Profile", "profiles"),
        "Namespace" => ar("", "v1", "Namespace", "namespaces"),
        "RoleBinding" => ar(
            "rbac.authorization.k8s.io",
            "v1",
            "RoleBinding",
            "rolebindings",
        ),
        "ClusterRoleBinding" => ar(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
        ),
        "ResourceQuota" => ar("", "v1", "ResourceQuota", "resourcequotas"),
        "AuthorizationPolicy" => ar(
            "security.istio.io",
            "v1beta1",
            "AuthorizationPolicy",
            "authorizationpolicies",
        ),
        other => panic!("no resource for {other}"),
    }
}

fn namespaced(kind: &str) -> bool {
    matches!(
        kind,
        "RoleBinding" | "ResourceQuota" | "AuthorizationPolicy"
    )
}

async fn demo() -> Sandbox {
    Sandbox::start(SandboxOptions {
        seed: Seed::Demo,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

async fn names(client: &kube::Client, ar: &ApiResource) -> Vec<String> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), ar);
    api.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|o| o.metadata.name)
        .collect()
}

#[tokio::test]
async fn demo_has_the_organisation_and_every_deliberate_problem() {
    let sb = demo().await;
    let c = sb.client_for(&sb.admin().name).await.unwrap();
    let profiles = names(&c, &resource("Profile")).await;
    assert!(
        (30..=40).contains(&profiles.len()),
        "{} profiles",
        profiles.len()
    );

    let rbs: Api<DynamicObject> = Api::all_with(c.clone(), &resource("RoleBinding"));
    let users: std::collections::BTreeSet<String> = rbs
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .flat_map(|rb| {
            let v = serde_json::to_value(rb).unwrap();
            v["subjects"].as_array().cloned().unwrap_or_default()
        })
        .filter(|s| s["kind"] == "User")
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    assert!(users.len() >= 60, "{} users with bindings", users.len());

    for problem in demo_problems() {
        let ar = resource(problem.kind);
        let api: Api<DynamicObject> = if namespaced(problem.kind) {
            Api::namespaced_with(c.clone(), problem.profile.unwrap(), &ar)
        } else {
            Api::all_with(c.clone(), &ar)
        };
        let found = api.get_opt(&problem.name).await.unwrap();
        match problem.code {
            "missing-default-viewer" => assert!(found.is_none(), "{problem:?} should be absent"),
            "binding-multiple-subjects" => {
                let v = serde_json::to_value(found.unwrap()).unwrap();
                assert_eq!(v["subjects"].as_array().unwrap().len(), 2, "{problem:?}");
            }
            "contributor-missing-policy" => {
                assert!(found.is_some(), "{problem:?}");
                let aps: Api<DynamicObject> = Api::namespaced_with(
                    c.clone(),
                    problem.profile.unwrap(),
                    &resource("AuthorizationPolicy"),
                );
                assert!(
                    aps.get_opt(&problem.name).await.unwrap().is_none(),
                    "{problem:?} policy"
                );
            }
            "policy-missing-binding" => {
                assert!(found.is_some(), "{problem:?}");
                let rbs: Api<DynamicObject> = Api::namespaced_with(
                    c.clone(),
                    problem.profile.unwrap(),
                    &resource("RoleBinding"),
                );
                assert!(
                    rbs.get_opt(&problem.name).await.unwrap().is_none(),
                    "{problem:?} binding"
                );
            }
            "quota-drift" => {
                let v = serde_json::to_value(found.unwrap()).unwrap();
                let p: Api<DynamicObject> = Api::all_with(c.clone(), &resource("Profile"));
                let p =
                    serde_json::to_value(p.get(problem.profile.unwrap()).await.unwrap()).unwrap();
                assert_ne!(
                    v["spec"]["hard"], p["spec"]["resourceQuotaSpec"]["hard"],
                    "{problem:?}"
                );
            }
            "owner-annotation-mismatch" => {
                let v = serde_json::to_value(found.unwrap()).unwrap();
                let p: Api<DynamicObject> = Api::all_with(c.clone(), &resource("Profile"));
                let p =
                    serde_json::to_value(p.get(problem.profile.unwrap()).await.unwrap()).unwrap();
                assert_ne!(
                    v["metadata"]["annotations"]["owner"], p["spec"]["owner"]["name"],
                    "{problem:?}"
                );
            }
            _ => assert!(found.is_some(), "{problem:?} should exist"),
        }
    }
    // The foreign namespace was refused: no owner binding there.
    let rbs: Api<DynamicObject> =
        Api::namespaced_with(c.clone(), "shared-datasets", &resource("RoleBinding"));
    assert!(rbs.get_opt("namespaceAdmin").await.unwrap().is_none());
}

#[tokio::test]
async fn demo_is_deterministic() {
    let a = demo().await;
    let b = demo().await;
    let ca = a.client_for(&a.admin().name).await.unwrap();
    let cb = b.client_for(&b.admin().name).await.unwrap();
    for kind in [
        "Profile",
        "RoleBinding",
        "AuthorizationPolicy",
        "ClusterRoleBinding",
    ] {
        assert_eq!(
            names(&ca, &resource(kind)).await,
            names(&cb, &resource(kind)).await,
            "{kind}"
        );
    }
    let q = |c: kube::Client| async move {
        let api: Api<DynamicObject> = Api::namespaced_with(c, "vision", &resource("ResourceQuota"));
        let v: Value = serde_json::to_value(api.get("kf-resource-quota").await.unwrap()).unwrap();
        v["status"].clone()
    };
    assert_eq!(q(ca).await, q(cb).await);
}

#[tokio::test]
async fn personas_get_what_their_bindings_give() {
    let sb = demo().await;
    let names: Vec<String> = sb.users().iter().map(|u| u.name.clone()).collect();
    assert!(
        names.contains(&"maria.garcia@acme.io".to_string()),
        "{names:?}"
    );
    let owner = sb.client_for("maria.garcia@acme.io").await.unwrap();
    let pods = ar("", "v1", "Pod", "pods");
    let own: Api<DynamicObject> = Api::namespaced_with(owner.clone(), "ml-platform", &pods);
    assert_eq!(
        own.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );
    let other: Api<DynamicObject> = Api::namespaced_with(owner, "vision", &pods);
    let err = other.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403),
        "{err:?}"
    );
}

#[tokio::test]
async fn empty_seed_has_bootstrap_policy_and_the_dashboard() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let c = sb.client_for(&sb.admin().name).await.unwrap();
    let roles = names(
        &c,
        &ar(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRole",
            "clusterroles",
        ),
    )
    .await;
    for r in [
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:basic-user",
        "system:discovery",
        "kubeflow-admin",
        "kubeflow-edit",
        "kubeflow-view",
    ] {
        assert!(roles.contains(&r.to_string()), "missing {r}");
    }
    assert!(names(&c, &resource("Profile")).await.is_empty());
    let deps: Api<DynamicObject> = Api::namespaced_with(
        c,
        "kubeflow",
        &ar("apps", "v1", "Deployment", "deployments"),
    );
    let d = serde_json::to_value(deps.get("centraldashboard").await.unwrap()).unwrap();
    let env = d["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        env.iter()
            .any(|e| e["name"] == "REGISTRATION_FLOW" && e["value"] == "true")
    );
}

#[tokio::test]
async fn reviews_answer_for_personas() {
    use k8s_openapi::api::authorization::v1::{
        NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview,
        SelfSubjectAccessReviewSpec, SelfSubjectRulesReview, SelfSubjectRulesReviewSpec,
    };
    use kube::api::PostParams;
    let sb = demo().await;
    let owner = sb.client_for("maria.garcia@acme.io").await.unwrap();
    let rules: Api<SelfSubjectRulesReview> = Api::all(owner.clone());
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some("ml-platform".into()),
        },
        ..Default::default()
    };
    let status = rules
        .create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(!status.incomplete);
    assert!(
        status
            .resource_rules
            .iter()
            .any(|r| r.resources.iter().flatten().any(|x| x == "pods")),
        "{status:?}"
    );
    assert!(status.non_resource_rules.iter().any(|r| {
        r.non_resource_urls
            .iter()
            .flatten()
            .any(|u| u == "/version")
    }));
    // In another team's namespace only the cluster-wide basics remain.
    let elsewhere = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some("vision".into()),
        },
        ..Default::default()
    };
    let status = rules
        .create(&PostParams::default(), &elsewhere)
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(
        !status
            .resource_rules
            .iter()
            .any(|r| r.resources.iter().flatten().any(|x| x == "pods"))
    );

    let access: Api<SelfSubjectAccessReview> = Api::all(owner);
    let ask = |ns: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some("create".into()),
                group: Some("rbac.authorization.k8s.io".into()),
                resource: Some("rolebindings".into()),
                namespace: Some(ns.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let yes = access
        .create(&PostParams::default(), &ask("ml-platform"))
        .await
        .unwrap();
    assert!(yes.status.unwrap().allowed);
    let no = access
        .create(&PostParams::default(), &ask("vision"))
        .await
        .unwrap();
    assert!(!no.status.unwrap().allowed);
    let path = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            non_resource_attributes: Some(NonResourceAttributes {
                verb: Some("get".into()),
                path: Some("/version".into()),
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(
        access
            .create(&PostParams::default(), &path)
            .await
            .unwrap()
            .status
            .unwrap()
            .allowed
    );
}

/// A SelfSubjectRulesReview lists what the bootstrap policy grants
/// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): every user gets
/// system:basic-user's reviews and system:discovery's / system:public-info-viewer's
/// non-resource URLs; service accounts also get the issuer discovery URLs
/// (`/.well-known/openid-configuration`, `/openid/v1/jwks`). `kubectl auth can-i --list`
/// prints exactly these.
#[tokio::test]
async fn rules_review_lists_what_the_bootstrap_policy_grants() {
    use http_body_util::BodyExt;
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let admin = sb.client_for(&sb.admin().name).await.unwrap();
    let review = |user: Option<&str>| {
        let body = serde_json::json!({"apiVersion":"authorization.k8s.io/v1",
            "kind":"SelfSubjectRulesReview","spec":{"namespace":"default"}});
        let mut req = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
            .header("content-type", "application/json");
        if let Some(u) = user {
            req = req.header("Impersonate-User", u);
        }
        req.body(kube::client::Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap()
    };
    let status = |req| {
        let admin = admin.clone();
        async move {
            let resp = admin.send(req).await.unwrap();
            assert_eq!(resp.status(), 201);
            let b = resp.into_body().collect().await.unwrap().to_bytes();
            let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
            v["status"].clone()
        }
    };
    let urls = |s: &serde_json::Value| -> Vec<String> {
        s["nonResourceRules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["nonResourceURLs"].as_array().unwrap().clone())
            .map(|u| u.as_str().unwrap().to_string())
            .collect()
    };
    let user = status(review(Some("someone@example.com"))).await;
    let resources: Vec<String> = user["resourceRules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap().clone())
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    for r in [
        "selfsubjectreviews",
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
    ] {
        assert!(resources.contains(&r.to_string()), "{r}: {user}");
    }
    let user_urls = urls(&user);
    for u in ["/api", "/apis/*", "/healthz", "/version/"] {
        assert!(user_urls.contains(&u.to_string()), "{u}: {user}");
    }
    assert!(!user_urls.iter().any(|u| u.starts_with("/.well-known")));
    let sa = status(review(Some("system:serviceaccount:default:default"))).await;
    let sa_urls = urls(&sa);
    for u in [
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration/",
        "/openid/v1/jwks",
        "/openid/v1/jwks/",
    ] {
        assert!(sa_urls.contains(&u.to_string()), "{u}: {sa}");
    }
}

/// The demo seed with a CRD missing (`sandbox --seed demo --without-profile-crd` or
/// `--without-istio-crd`) still starts: without the Profile CRD there is no organisation to
/// drift, and without Istio's there are no policies, only the rest of the demo.
#[tokio::test]
async fn the_demo_seed_starts_without_either_crd() {
    use kubectl_kubeflow_sandbox::SeedOptions;
    for (profile_crd, istio_crd) in [(false, true), (true, false), (false, false)] {
        let options = SandboxOptions {
            seed: Seed::Demo,
            seed_options: SeedOptions {
                profile_crd,
                istio_crd,
            },
            ..SandboxOptions::default()
        };
        let sb = Sandbox::start(options)
            .await
            .unwrap_or_else(|e| panic!("profile CRD {profile_crd}, Istio CRD {istio_crd}: {e}"));
        let client = sb.client_for("sandbox-admin").await.unwrap();
        let namespaces: Api<DynamicObject> = Api::all_with(client, &resource("Namespace"));
        let names: Vec<String> = namespaces
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect();
        assert_eq!(
            names.iter().any(|n| n == "vision"),
            profile_crd,
            "team namespaces exist exactly when the Profile CRD does: {names:?}"
        );
        sb.shutdown().await;
    }
}
