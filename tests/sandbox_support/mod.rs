//! Helpers shared by the sandbox API and kubectl tests: raw HTTP calls through a kube client
//! (to pin status codes and Status bodies) and installing the Profile CRD when a seed did not.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use http_body_util::BodyExt;
use kubectl_kubeflow::sandbox::seed::{Seed, SeedOptions};
use kubectl_kubeflow::sandbox::store::GroupResource;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

/// Options with the Kubeflow controller off (tests that pin raw API semantics).
pub fn plain_options() -> SandboxOptions {
    let mut o = SandboxOptions::default();
    o.controller.kubeflow = false;
    o.seed = Seed::Empty;
    o
}

/// Options without the Profile/AuthorizationPolicy CRDs.
pub fn no_crd_options() -> SandboxOptions {
    let mut o = plain_options();
    o.seed_options = SeedOptions {
        profile_crd: false,
        istio_crd: false,
    };
    o
}

/// The upstream Profile CRD as JSON.
pub fn profile_crd() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/upstream/profiles.kubeflow.org-crd.v1.10.2.yaml"
    ))
    .unwrap();
    let text = text.trim_start_matches("---").trim_start();
    serde_saphyr::from_str(text).unwrap()
}

/// Starts a sandbox and makes sure the Profile CRD exists (the seed normally installs it).
pub async fn start(opts: SandboxOptions) -> Sandbox {
    let want_crd = opts.seed_options.profile_crd;
    let sb = Sandbox::start(opts).await.unwrap();
    if want_crd {
        let store = sb.store();
        let mut s = store.lock().unwrap();
        let gr = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
        if s.get(&gr, None, "profiles.kubeflow.org").is_none() {
            s.create(&gr, None, profile_crd()).unwrap();
        }
    }
    sb
}

/// One raw request; returns status code and JSON body (Value::Null when not JSON).
pub async fn call(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(kube::client::Body::from(bytes))
        .unwrap();
    let resp = client.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// GET shorthand.
pub async fn get(client: &kube::Client, path: &str) -> (u16, Value) {
    call(client, "GET", path, "application/json", None).await
}

/// POST shorthand.
pub async fn post(client: &kube::Client, path: &str, body: &Value) -> (u16, Value) {
    call(client, "POST", path, "application/json", Some(body)).await
}

/// Creates a namespace through the API.
pub async fn make_ns(client: &kube::Client, name: &str) {
    let (code, body) = post(
        client,
        "/api/v1/namespaces",
        &serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":name}}),
    )
    .await;
    assert_eq!(code, 201, "{body}");
}
