//! Pins the sandbox API server's behaviour per verb: status codes and metav1.Status bodies,
//! conflict and precondition semantics, status subresource, the four patch formats,
//! server-side apply, dryRun, discovery, kubeconfig, authn/authz and impersonation.
//! Selectors, pagination and watch live in sandbox_api_watch.rs; finalizers, namespace
//! lifecycle, quotas and CRD schemas in sandbox_api_admission.rs.
use std::time::Duration;

use crate::support::{call, get, make_ns, no_crd_options, plain_options, post, profile_crd, start};
use http_body_util::BodyExt;
use kube::api::{Api, Patch, PatchParams};
use kubectl_kubeflow_sandbox::{E2E_USER, Sandbox};
use serde_json::{Value, json};

const JSON: &str = "application/json";
const MERGE: &str = "application/merge-patch+json";
const JSONPATCH: &str = "application/json-patch+json";
const SMP: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

fn cm(ns: &str, name: &str, labels: Value) -> Value {
    json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"namespace":ns,"labels":labels},"data":{"k":"v"}})
}

fn profile(name: &str) -> Value {
    json!({"apiVersion":"kubeflow.org/v1","kind":"Profile","metadata":{"name":name},
        "spec":{"owner":{"kind":"User","name":format!("{name}@example.com")}}})
}
#[tokio::test]
async fn starts_and_serves_discovery() {
    // How fast it starts is measured by `cargo bench --bench sandbox`, not asserted here.
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let (code, v) = get(&c, "/version").await;
    assert_eq!(code, 200);
    assert_eq!(v["major"], "1");
    assert!(v["gitVersion"].as_str().unwrap().starts_with("v1.34."));
    let (_, v) = get(&c, "/api/v1").await;
    let ns = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "namespaces")
        .unwrap();
    assert_eq!(ns["shortNames"], json!(["ns"]));
    assert_eq!(ns["namespaced"], false);
    assert_eq!(ns["kind"], "Namespace");
    let quota = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "resourcequotas")
        .unwrap();
    assert_eq!(quota["shortNames"], json!(["quota"]));
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "resourcequotas/status")
    );
    let (_, v) = get(&c, "/apis").await;
    let kf = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "kubeflow.org")
        .unwrap();
    assert_eq!(kf["preferredVersion"]["version"], "v1");
    assert_eq!(kf["versions"][1]["version"], "v1beta1");
    let (_, v) = get(&c, "/apis/kubeflow.org/v1").await;
    let p = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "profiles")
        .unwrap();
    assert_eq!(p["namespaced"], false);
    assert_eq!(p["kind"], "Profile");
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "profiles/status")
    );
    let (_, v) = get(&c, "/apis/apps/v1").await;
    assert_eq!(v["resources"][0]["shortNames"], json!(["deploy"]));
    let (code, v) = get(&c, "/openapi/v3").await;
    assert_eq!(code, 200);
    assert!(v["paths"]["apis/kubeflow.org/v1"]["serverRelativeURL"].is_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn crd_groups_come_and_go_with_their_crds() {
    let sb = Sandbox::start(no_crd_options()).await.unwrap();
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let (code, v) = get(&c, "/apis/kubeflow.org/v1/profiles").await;
    assert_eq!(code, 404);
    assert_eq!(v["reason"], "NotFound");
    assert_eq!(
        v["message"],
        "the server could not find the requested resource"
    );
    let (_, v) = get(&c, "/apis").await;
    assert!(
        !v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "kubeflow.org")
    );
    let (code, crd) = post(
        &c,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        &profile_crd(),
    )
    .await;
    assert_eq!(code, 201, "{crd}");
    assert!(
        crd["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Established")
    );
    let (code, _) = post(&c, "/apis/kubeflow.org/v1/profiles", &profile("alice")).await;
    assert_eq!(code, 201);
    let (code, v) = get(&c, "/apis/kubeflow.org/v1beta1/profiles/alice").await;
    assert_eq!(code, 200);
    assert_eq!(v["apiVersion"], "kubeflow.org/v1beta1");
}

#[tokio::test]
async fn create_get_update_delete_status_codes() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "team").await;
    let path = "/api/v1/namespaces/team/configmaps";
    let (code, created) = post(&c, path, &cm("team", "a", json!({}))).await;
    assert_eq!(code, 201);
    assert!(created["metadata"]["uid"].is_string());
    assert!(
        created["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (code, v) = post(&c, path, &cm("team", "a", json!({}))).await;
    assert_eq!(code, 409);
    assert_eq!(
        v,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"configmaps \"a\" already exists","reason":"AlreadyExists",
            "details":{"name":"a","kind":"configmaps"},"code":409})
    );
    let (code, v) = get(&c, "/api/v1/namespaces/team/configmaps/nope").await;
    assert_eq!(code, 404);
    assert_eq!(v["message"], "configmaps \"nope\" not found");
    assert_eq!(v["details"], json!({"name":"nope","kind":"configmaps"}));
    let (code, v) = get(&c, "/apis/kubeflow.org/v1/profiles/ghost").await;
    assert_eq!(
        (code, v["details"]["group"].clone()),
        (404, json!("kubeflow.org"))
    );
    // Missing namespace, bad names.
    let (code, v) = post(
        &c,
        "/api/v1/namespaces/nowhere/configmaps",
        &cm("nowhere", "a", json!({})),
    )
    .await;
    assert_eq!(
        (code, v["message"].clone()),
        (404, json!("namespaces \"nowhere\" not found"))
    );
    let (code, v) = post(&c, path, &cm("team", "Bad_Name", json!({}))).await;
    assert_eq!(code, 422);
    assert_eq!(v["reason"], "Invalid");
    assert_eq!(v["details"]["causes"][0]["field"], "metadata.name");
    assert!(v["message"].as_str().unwrap().starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
    let (code, v) = post(&c, path, &cm("team", "l", json!({"ok": "bad value"}))).await;
    assert_eq!(code, 422);
    assert_eq!(v["details"]["causes"][0]["field"], "metadata.labels");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Invalid value: \"bad value\": a valid label must be an empty string")
    );
    let (code, v) = post(
        &c,
        "/api/v1/namespaces",
        &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}),
    )
    .await;
    assert_eq!(code, 422);
    assert!(v["message"].as_str().unwrap().contains("RFC 1123 label"));
    let (code, _) = post(
        &c,
        path,
        &json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}),
    )
    .await;
    assert_eq!(code, 400);
    let (code, v) = post(
        &c,
        path,
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":"x"}),
    )
    .await;
    assert_eq!((code, v["reason"].clone()), (400, json!("BadRequest")));
    let pod =
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"odd"},"spec":"not-an-object"});
    let (code, _) = post(&c, "/api/v1/namespaces/team/pods", &pod).await;
    assert!(code < 500, "odd shapes never crash the server: {code}");
    assert_eq!(get(&c, "/api/v1/namespaces/team/configmaps/a").await.0, 200);
    // Update: ok, then stale.
    let mut upd = created.clone();
    upd["data"]["k"] = json!("v2");
    let (code, updated) = call(&c, "PUT", &format!("{path}/a"), JSON, Some(&upd)).await;
    assert_eq!(code, 200);
    assert_ne!(
        updated["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
    let (code, v) = call(&c, "PUT", &format!("{path}/a"), JSON, Some(&upd)).await;
    assert_eq!(code, 409);
    assert_eq!(v["reason"], "Conflict");
    assert_eq!(
        v["message"],
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let (code, _) = call(
        &c,
        "PUT",
        &format!("{path}/zz"),
        JSON,
        Some(&cm("team", "zz", json!({}))),
    )
    .await;
    assert_eq!(code, 404);
    // Delete preconditions.
    let pre = json!({"preconditions":{"uid":"not-the-uid"}});
    let (code, v) = call(&c, "DELETE", &format!("{path}/a"), JSON, Some(&pre)).await;
    assert_eq!(code, 409);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Precondition failed: UID in precondition: not-the-uid")
    );
    let pre = json!({"preconditions":{"resourceVersion": created["metadata"]["resourceVersion"]}});
    let (code, _) = call(&c, "DELETE", &format!("{path}/a"), JSON, Some(&pre)).await;
    assert_eq!(code, 409);
    let (code, v) = call(&c, "DELETE", &format!("{path}/a"), JSON, None).await;
    assert_eq!((code, v["metadata"]["name"].clone()), (200, json!("a")));
    let (code, _) = call(&c, "DELETE", &format!("{path}/a"), JSON, None).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn status_subresource_separates_status_from_spec() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let mut p = profile("alice");
    p["status"] = json!({"conditions":[{"type":"Ready"}]});
    let (code, created) = post(&c, "/apis/kubeflow.org/v1/profiles", &p).await;
    assert_eq!(code, 201);
    assert!(
        created.get("status").is_none(),
        "status is dropped on create"
    );
    let mut s = created.clone();
    s["status"] = json!({"conditions":[{"type":"Ready","status":"True"}]});
    s["spec"]["owner"]["name"] = json!("mallory@example.com");
    let (code, v) = call(
        &c,
        "PUT",
        "/apis/kubeflow.org/v1/profiles/alice/status",
        JSON,
        Some(&s),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(v["status"]["conditions"][0]["status"], "True");
    assert_eq!(
        v["spec"]["owner"]["name"], "alice@example.com",
        "status writes ignore spec"
    );
    let mut m = v.clone();
    m["status"] = json!({});
    m["spec"]["owner"]["name"] = json!("alice2@example.com");
    let (code, v) = call(
        &c,
        "PUT",
        "/apis/kubeflow.org/v1/profiles/alice",
        JSON,
        Some(&m),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        v["status"]["conditions"][0]["status"], "True",
        "main writes ignore status"
    );
    assert_eq!(v["metadata"]["generation"], 2);
    let (code, _) = get(&c, "/api/v1/namespaces/default/configmaps/x/status").await;
    assert_eq!(code, 404, "configmaps have no status subresource");
}

#[tokio::test]
async fn patch_formats_and_server_side_apply() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let base = "/apis/apps/v1/namespaces/default/deployments";
    let dep = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"a":"1"}},
        "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
        "spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}}});
    assert_eq!(post(&c, base, &dep).await.0, 201);
    let smp = json!({"metadata":{"labels":{"b":"2"}},"spec":{"template":{"spec":{"containers":[
        {"name":"web","env":[{"name":"B","value":"3"},{"name":"A","$patch":"delete"}]},{"name":"side","image":"busybox"}]}}}});
    let (code, v) = call(&c, "PATCH", &format!("{base}/web"), SMP, Some(&smp)).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["metadata"]["labels"], json!({"a":"1","b":"2"}));
    let containers = &v["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["image"], "nginx");
    assert_eq!(containers[0]["env"], json!([{"name":"B","value":"3"}]));
    assert_eq!(containers[1]["name"], "side");
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{base}/web"),
        MERGE,
        Some(&json!({"spec":{"replicas":3}})),
    )
    .await;
    assert_eq!((code, v["spec"]["replicas"].clone()), (200, json!(3)));
    let jp = json!([{"op":"replace","path":"/spec/replicas","value":5}]);
    let (code, v) = call(&c, "PATCH", &format!("{base}/web"), JSONPATCH, Some(&jp)).await;
    assert_eq!((code, v["spec"]["replicas"].clone()), (200, json!(5)));
    let jp = json!([{"op":"test","path":"/spec/replicas","value":1}]);
    assert_eq!(
        call(&c, "PATCH", &format!("{base}/web"), JSONPATCH, Some(&jp))
            .await
            .0,
        422
    );
    let (code, _) = call(
        &c,
        "PATCH",
        &format!("{base}/nope"),
        MERGE,
        Some(&json!({})),
    )
    .await;
    assert_eq!(code, 404);
    // Strategic merge patch is not available for custom resources.
    assert_eq!(
        post(&c, "/apis/kubeflow.org/v1/profiles", &profile("p"))
            .await
            .0,
        201
    );
    let (code, v) = call(
        &c,
        "PATCH",
        "/apis/kubeflow.org/v1/profiles/p",
        SMP,
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        (code, v["reason"].clone()),
        (415, json!("UnsupportedMediaType"))
    );

    // Server-side apply: create, conflict, force.
    let cm_path = "/api/v1/namespaces/default/configmaps/ssa";
    let applied =
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"x":"1"}});
    let (code, v) = call(&c, "PATCH", cm_path, APPLY, Some(&applied)).await;
    assert_eq!(
        (code, v["reason"].clone()),
        (422, json!("Invalid")),
        "fieldManager is required"
    );
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{cm_path}?fieldManager=one"),
        APPLY,
        Some(&applied),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["metadata"]["managedFields"][0]["manager"], "one");
    assert_eq!(v["metadata"]["managedFields"][0]["operation"], "Apply");
    let other =
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"x":"2"}});
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{cm_path}?fieldManager=two"),
        APPLY,
        Some(&other),
    )
    .await;
    assert_eq!(code, 409);
    assert_eq!(v["reason"], "Conflict");
    assert_eq!(
        v["message"],
        "Apply failed with 1 conflict: conflict with \"one\": .data.x"
    );
    assert_eq!(v["details"]["causes"][0]["reason"], "FieldManagerConflict");
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{cm_path}?fieldManager=two&force=true"),
        APPLY,
        Some(&other),
    )
    .await;
    assert_eq!((code, v["data"]["x"].clone()), (200, json!("2")));
    // A merge patch by another manager takes the field over (Update operation).
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{cm_path}?fieldManager=three"),
        MERGE,
        Some(&json!({"data":{"x":"3"}})),
    )
    .await;
    assert_eq!(code, 200);
    let mf = v["metadata"]["managedFields"].as_array().unwrap();
    assert!(
        mf.iter()
            .any(|e| e["manager"] == "three" && e["operation"] == "Update")
    );
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{cm_path}?fieldManager=two"),
        APPLY,
        Some(&other),
    )
    .await;
    assert_eq!(code, 409);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Apply failed with 1 conflict: conflict with \"three\" using v1 at ")
    );

    // kube-rs's typed apply goes through the same path.
    let api: Api<k8s_openapi::api::core::v1::ConfigMap> = Api::namespaced(c.clone(), "default");
    let pp = PatchParams::apply("kube-rs-test");
    let res = api.patch("ssa", &pp, &Patch::Apply(&other)).await;
    assert!(
        matches!(res, Err(kube::Error::Api(ref s)) if s.code == 409),
        "{res:?}"
    );
    let done = api
        .patch("ssa", &pp.force(), &Patch::Apply(&other))
        .await
        .unwrap();
    assert_eq!(done.data.unwrap()["x"], "2");
}

#[tokio::test]
async fn dry_run_stores_nothing() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    let rv_before = sb.store().lock().unwrap().resource_version();
    let (code, v) = post(
        &c,
        &format!("{path}?dryRun=All"),
        &cm("default", "dry", json!({})),
    )
    .await;
    assert_eq!(code, 201);
    assert!(v["metadata"]["uid"].is_string());
    assert_eq!(get(&c, &format!("{path}/dry")).await.0, 404);
    assert_eq!(
        post(
            &c,
            &format!("{path}?dryRun=All"),
            &cm("default", "Bad!", json!({}))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        post(
            &c,
            &format!("{path}?dryRun=Bogus"),
            &cm("default", "x", json!({}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        post(&c, path, &cm("default", "real", json!({}))).await.0,
        201
    );
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{path}/real?dryRun=All"),
        MERGE,
        Some(&json!({"data":{"k":"dry"}})),
    )
    .await;
    assert_eq!((code, v["data"]["k"].clone()), (200, json!("dry")));
    let (_, live) = get(&c, &format!("{path}/real")).await;
    assert_eq!(live["data"]["k"], "v");
    assert_eq!(
        v["metadata"]["resourceVersion"],
        live["metadata"]["resourceVersion"]
    );
    let (code, _) = call(&c, "DELETE", &format!("{path}/real?dryRun=All"), JSON, None).await;
    assert_eq!(code, 200);
    assert_eq!(get(&c, &format!("{path}/real")).await.0, 200);
    assert_eq!(sb.store().lock().unwrap().resource_version(), rv_before + 1);
}

#[tokio::test]
async fn authentication_authorization_and_impersonation() {
    let sb = start(plain_options()).await;
    let admin = sb.client_for("sandbox-admin").await.unwrap();
    let user = sb.client_for(E2E_USER).await.unwrap();
    let (code, v) = get(&user, "/api/v1/namespaces").await;
    assert_eq!(code, 403);
    assert_eq!(
        v,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message": format!("namespaces is forbidden: User \"{E2E_USER}\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"),
            "reason":"Forbidden","details":{"kind":"namespaces"},"code":403})
    );
    // Bad token.
    let mut kc = sb.kubeconfig();
    kc.auth_infos[0].auth_info.as_mut().unwrap().token = Some("wrong".to_string().into());
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    let bad = kube::Client::try_from(cfg).unwrap();
    let (code, v) = get(&bad, "/api/v1/namespaces").await;
    assert_eq!((code, v["reason"].clone()), (401, json!("Unauthorized")));
    // Admin impersonating the e2e user is denied like the user.
    let req = http::Request::get("/api/v1/namespaces")
        .header("Impersonate-User", E2E_USER)
        .body(kube::client::Body::empty())
        .unwrap();
    assert_eq!(admin.send(req).await.unwrap().status(), 403);
    // The e2e user may not impersonate.
    let req = http::Request::get("/api/v1/namespaces")
        .header("Impersonate-User", "sandbox-admin")
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = user.send(req).await.unwrap();
    assert_eq!(resp.status(), 403);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("cannot impersonate resource \"users\""),
        "{v}"
    );
    // Impersonating a service account adds its groups. (system:basic-user grants reviews to
    // everyone on a real cluster; granted explicitly so this does not depend on the seed.)
    let reviewer = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"t-reviewer"},
        "rules":[{"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"],"verbs":["create"]}]});
    assert_eq!(
        post(
            &admin,
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            &reviewer
        )
        .await
        .0,
        201
    );
    let crb = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"t-reviewer"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"t-reviewer"},
        "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:serviceaccounts:team"}]});
    assert_eq!(
        post(
            &admin,
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            &crb
        )
        .await
        .0,
        201
    );
    let ssr = json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"});
    let req = http::Request::post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .header("Impersonate-User", "system:serviceaccount:team:robot")
        .header("content-type", JSON)
        .body(kube::client::Body::from(serde_json::to_vec(&ssr).unwrap()))
        .unwrap();
    let resp = admin.send(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(
        v["status"]["userInfo"]["username"],
        "system:serviceaccount:team:robot"
    );
    let groups = v["status"]["userInfo"]["groups"].to_string();
    assert!(groups.contains("system:serviceaccounts:team"), "{groups}");
    // Self-subject reviews.
    let ssr = json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"});
    let (code, v) = post(
        &user,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &ssr,
    )
    .await;
    if code == 201 {
        assert_eq!(v["status"]["userInfo"]["username"], E2E_USER);
    } else {
        assert_eq!(code, 403, "{v}");
    }
    let ssar = json!({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
        "spec":{"resourceAttributes":{"verb":"delete","resource":"namespaces"}}});
    let (code, v) = post(
        &admin,
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &ssar,
    )
    .await;
    assert_eq!((code, v["status"]["allowed"].clone()), (201, json!(true)));
}

#[tokio::test]
async fn written_kubeconfig_is_usable_by_kube_rs() {
    let sb = start(plain_options()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    sb.write_kubeconfig(&path).unwrap();
    let kc = kube::config::Kubeconfig::read_from(&path).unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("sandbox"));
    for ctx in ["sandbox", "e2e-user"] {
        let opts = kube::config::KubeConfigOptions {
            context: Some(ctx.to_string()),
            ..Default::default()
        };
        let cfg = kube::Config::from_custom_kubeconfig(kc.clone(), &opts)
            .await
            .unwrap();
        let client = kube::Client::try_from(cfg).unwrap();
        let (code, _) = get(&client, "/api/v1/namespaces/default").await;
        assert_eq!(code, if ctx == "sandbox" { 200 } else { 403 }, "{ctx}");
    }
}

#[tokio::test]
async fn aggregated_and_legacy_discovery_agree_for_kube_rs() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let agg = kube::Discovery::new(c.clone())
        .run_aggregated()
        .await
        .unwrap();
    let legacy = kube::Discovery::new(c.clone()).run().await.unwrap();
    for d in [&agg, &legacy] {
        let (ar, caps) = d
            .resolve_gvk(&kube::core::GroupVersionKind::gvk(
                "kubeflow.org",
                "v1",
                "Profile",
            ))
            .unwrap();
        assert_eq!(ar.plural, "profiles");
        assert_eq!(caps.scope, kube::discovery::Scope::Cluster);
        let (ns, caps) = d
            .resolve_gvk(&kube::core::GroupVersionKind::gvk(
                "",
                "v1",
                "ResourceQuota",
            ))
            .unwrap();
        assert_eq!(ns.plural, "resourcequotas");
        assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    }
    let groups = |d: &kube::Discovery| {
        let mut g: Vec<String> = d.groups().map(|g| g.name().to_string()).collect();
        g.sort();
        g
    };
    assert_eq!(groups(&agg), groups(&legacy));
    let raw = c.list_api_groups_aggregated().await.unwrap();
    let kf = raw
        .items
        .iter()
        .find(|g| g.metadata.as_ref().and_then(|m| m.name.as_deref()) == Some("kubeflow.org"))
        .unwrap();
    assert_eq!(kf.versions[0].version.as_deref(), Some("v1"));
    let profiles = kf.versions[0]
        .resources
        .iter()
        .find(|r| r.resource.as_deref() == Some("profiles"))
        .unwrap();
    assert_eq!(
        profiles.subresources[0].subresource.as_deref(),
        Some("status")
    );

    // The JSON as Go encodes apidiscovery/v2 (staging/src/k8s.io/api/apidiscovery/v2/
    // types.go): omitempty lists left out, each group's ObjectMeta with a null
    // creationTimestamp, every subresource the legacy list serves (namespaces/finalize too)
    // with its responseKind.
    let req = http::Request::get("/api")
        .header(
            "accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        )
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let core: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        core["items"][0]["metadata"],
        json!({"creationTimestamp": null})
    );
    let resources = core["items"][0]["versions"][0]["resources"]
        .as_array()
        .unwrap();
    let by_name = |n: &str| resources.iter().find(|r| r["resource"] == n).unwrap();
    assert_eq!(
        by_name("namespaces")["subresources"],
        json!([
            {"subresource":"finalize","responseKind":{"group":"","version":"v1","kind":"Namespace"},"verbs":["update"]},
            {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Namespace"},"verbs":["get","patch","update"]}
        ])
    );
    let secrets = by_name("secrets");
    for absent in ["subresources", "categories", "shortNames"] {
        assert!(secrets.get(absent).is_none(), "{absent}: {secrets}");
    }
    assert_eq!(by_name("serviceaccounts")["shortNames"], json!(["sa"]));
}

#[tokio::test]
async fn dropping_or_shutting_down_releases_the_port() {
    let sb = start(plain_options()).await;
    let url = sb.url();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    drop(sb);
    let mut rebound = false;
    for _ in 0..50 {
        if tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .is_ok()
        {
            rebound = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(rebound, "port {port} still in use after drop");
}

/// The fieldsV1 of the entry of `manager` in an object's managedFields.
fn fields_of(obj: &Value, manager: &str) -> Value {
    obj["metadata"]["managedFields"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["manager"] == manager))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

/// managedFields as kube-apiserver records them (structured-merge-diff, and the create
/// handler's order in staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go):
/// an Update is compared against the kind's Go zero value, so maps and list items it adds get
/// a "." entry while `spec`-like structs do not; defaults applied while decoding
/// (SetDefaults_*) belong to the writer, what the strategy and admission add later
/// (namespace finalizers, tolerations, the token volume, status) to nobody; `roleRef` and
/// label selectors are atomic (`+structType=atomic`); an Apply owns its list items but not
/// its maps.
#[tokio::test]
async fn managed_fields_are_recorded_like_kube() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    // kubectl's protobuf body carries an empty spec; the zero value has one too.
    let ns = json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"mf"},"spec":{}});
    let (code, v) = post(&c, "/api/v1/namespaces?fieldManager=kubectl-create", &ns).await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl-create"),
        json!({"f:metadata":{"f:labels":{".":{},"f:kubernetes.io/metadata.name":{}}}})
    );
    assert_eq!(v["spec"]["finalizers"], json!(["kubernetes"]));

    let (code, v) = post(
        &c,
        "/api/v1/namespaces/mf/configmaps?fieldManager=kubectl-create",
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"app":"x"}},"data":{"a":"1"}}),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl-create"),
        json!({"f:data":{".":{},"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}})
    );

    let (code, v) = call(
        &c,
        "PATCH",
        "/api/v1/namespaces/mf/configmaps/applied?fieldManager=kubectl",
        APPLY,
        Some(&json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied","labels":{"app":"x"}},"data":{"a":"1"}})),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl"),
        json!({"f:data":{"f:a":{}},"f:metadata":{"f:labels":{"f:app":{}}}})
    );

    let rb = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
        "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"a@example.com"}]});
    let (code, v) = post(
        &c,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/mf/rolebindings?fieldManager=kubectl-create",
        &rb,
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl-create"),
        json!({"f:roleRef":{},"f:subjects":{}})
    );

    let pod = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"run":"p"}},
        "spec":{"containers":[{"name":"nginx","image":"nginx"}]}});
    let (code, v) = post(
        &c,
        "/api/v1/namespaces/mf/pods?fieldManager=kubectl-run",
        &pod,
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl-run"),
        json!({"f:metadata":{"f:labels":{".":{},"f:run":{}}},
            "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},
                "f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},
            "f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},
            "f:securityContext":{},"f:terminationGracePeriodSeconds":{}}})
    );
    assert!(v["spec"]["tolerations"].is_array(), "{v}");

    let (code, v) = post(
        &c,
        "/apis/kubeflow.org/v1/profiles?fieldManager=kubectl-create",
        &profile("mf-owner"),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        fields_of(&v, "kubectl-create"),
        json!({"f:spec":{".":{},"f:owner":{".":{},"f:kind":{},"f:name":{}}}})
    );
}

/// One raw request with an Accept header; (status, content type, body bytes).
async fn with_accept(
    c: &kube::Client,
    method: &str,
    path: &str,
    accept: &str,
    body: Option<&Value>,
) -> (u16, String, bytes::Bytes) {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("accept", accept)
        .header("content-type", JSON)
        .body(kube::client::Body::from(
            body.map(|b| serde_json::to_vec(b).unwrap())
                .unwrap_or_default(),
        ))
        .unwrap();
    let resp = c.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        code,
        ct,
        resp.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// Content negotiation as kube-apiserver does it (apiserver/pkg/endpoints/handlers/
/// negotiation): custom resources have no protobuf, so a protobuf-only Accept is 406 —
/// decided before the write runs, so nothing is created; YAML is served when asked; a
/// protobuf watch of a built-in kind streams length-prefixed WatchEvent frames whose object is
/// a `k8s\0` envelope.
#[tokio::test]
async fn content_negotiation_like_kube() {
    use kubectl_kubeflow_sandbox::testing::decode_protobuf;
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let pb = "application/vnd.kubernetes.protobuf";
    let (code, _, body) = with_accept(
        &c,
        "POST",
        "/apis/kubeflow.org/v1/profiles",
        pb,
        Some(&profile("neg")),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code, 406, "{v}");
    assert_eq!(v["reason"], "NotAcceptable");
    assert_eq!(
        v["message"],
        "only the following media types are accepted: application/json, application/yaml"
    );
    assert_eq!(get(&c, "/apis/kubeflow.org/v1/profiles/neg").await.0, 404);

    let (code, ct, body) = with_accept(&c, "GET", "/api/v1/namespaces/default", pb, None).await;
    assert_eq!((code, ct.as_str()), (200, pb));
    let decoded = decode_protobuf(&body).unwrap();
    assert_eq!(decoded["kind"], "Namespace");
    assert_eq!(decoded["metadata"]["name"], "default");
    let (code, ct, body) = with_accept(
        &c,
        "GET",
        "/api/v1/namespaces/default",
        "application/yaml",
        None,
    )
    .await;
    assert_eq!((code, ct.as_str()), (200, "application/yaml"));
    assert!(String::from_utf8_lossy(&body).contains("name: default"));
    // A protobuf-preferring client still gets JSON for a custom resource.
    let (code, ct, _) = with_accept(
        &c,
        "GET",
        "/apis/kubeflow.org/v1/profiles",
        "application/vnd.kubernetes.protobuf, application/json",
        None,
    )
    .await;
    assert_eq!((code, ct.as_str()), (200, "application/json"));

    let req = http::Request::get("/api/v1/namespaces?watch=true&timeoutSeconds=1")
        .header("accept", pb)
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.kubernetes.protobuf;stream=watch"
    );
    let stream = resp.into_body().collect().await.unwrap().to_bytes();
    let len = u32::from_be_bytes(stream[..4].try_into().unwrap()) as usize;
    let event = &stream[4..4 + len];
    // WatchEvent{type = 1: "ADDED", object = 2: RawExtension{raw = 1: envelope}}.
    assert_eq!(&event[..2], &[0x0a, 5]);
    assert_eq!(&event[2..7], b"ADDED");
    // A length-delimited field: key byte, varint length, bytes.
    let field = |b: &[u8], key: u8| -> Vec<u8> {
        assert_eq!(b[0], key);
        let (mut len, mut shift, mut i) = (0usize, 0, 1);
        loop {
            len |= usize::from(b[i] & 0x7f) << shift;
            shift += 7;
            i += 1;
            if b[i - 1] & 0x80 == 0 {
                break;
            }
        }
        b[i..i + len].to_vec()
    };
    let raw_ext = field(&event[7..], 0x12);
    let envelope = field(&raw_ext, 0x0a);
    let object = decode_protobuf(&envelope).unwrap();
    assert_eq!(object["kind"], "Namespace");
}
