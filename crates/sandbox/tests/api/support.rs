//! Helpers shared by the sandbox API and kubectl tests: raw HTTP calls through a kube client
//! (to pin status codes and Status bodies) and the option sets the tests start from.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use http_body_util::BodyExt;
use kubectl_kubeflow_sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow_sandbox::{Seed, SeedOptions};
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

/// The upstream Profile CRD as JSON (the copy the plugin embeds).
pub fn profile_crd() -> Value {
    kubectl_kubeflow_sandbox::profile_crd().unwrap()
}

/// Starts a sandbox (the seed installs the CRDs unless `seed_options` say otherwise).
pub async fn start(opts: SandboxOptions) -> Sandbox {
    Sandbox::start(opts).await.unwrap()
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

/// The `metadata.name` of every item of a list, in order.
pub fn item_names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
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
