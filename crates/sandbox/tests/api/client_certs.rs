//! Client certificates, as kube-apiserver takes them: the handshake asks for one but takes
//! any (`tls.RequestClientCert`), the x509 authenticator comes before bearer tokens in the
//! union (`pkg/kubeapiserver/authenticator/config.go`), CN is the user and each O a group,
//! and a certificate the CA did not sign is an authenticator error: the token is tried next,
//! and without one the answer is 401.
use crate::support::{call, plain_options, start};
use kubectl_kubeflow_sandbox::{ClientCertificate, E2E_USER, Sandbox, testing};
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// A client presenting `cert`, and sending `token` when given.
async fn client(sb: &Sandbox, cert: &ClientCertificate, token: Option<&str>) -> kube::Client {
    let mut kc = testing::kubeconfig_with_client_certificate(&sb.url(), sb.ca_pem(), "u", cert);
    kc.auth_infos[0].auth_info.as_mut().unwrap().token = token.map(|t| t.to_string().into());
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

/// Who the server says the caller is (SelfSubjectReview), or the status code when refused.
async fn whoami(c: &kube::Client) -> Result<(String, Vec<String>), u16> {
    let ssr = json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"});
    let (code, v) = call(
        c,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        JSON,
        Some(&ssr),
    )
    .await;
    if code != 201 {
        return Err(code);
    }
    let info = &v["status"]["userInfo"];
    let groups = info["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok((info["username"].as_str().unwrap_or("").to_string(), groups))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn certificate_subject_is_the_user_and_comes_before_the_token() {
    let sb = start(plain_options()).await;
    let admin_token = sb.admin().token.clone();
    let e2e_token = sb.user(E2E_USER).unwrap().token.clone();

    // CN = user, each O a group, system:authenticated added.
    let jane = sb
        .client_certificate("jane@example.com", &strings(&["team-a", "team b"]))
        .unwrap();
    let c = client(&sb, &jane, None).await;
    assert_eq!(
        whoami(&c).await,
        Ok((
            "jane@example.com".into(),
            strings(&["team-a", "team b", "system:authenticated"])
        ))
    );
    let (code, v) = call(&c, "GET", "/api/v1/namespaces", JSON, None).await;
    assert_eq!(code, 403);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("User \"jane@example.com\" cannot list"),
        "{v}"
    );

    // The certificate wins over a valid token and makes a wrong one irrelevant.
    let c = client(&sb, &jane, Some(&admin_token)).await;
    assert_eq!(whoami(&c).await.unwrap().0, "jane@example.com");
    let admin_cert = sb
        .client_certificate("sandbox-admin", &strings(&["system:masters"]))
        .unwrap();
    let c = client(&sb, &admin_cert, Some("wrong-token")).await;
    assert_eq!(
        call(&c, "GET", "/api/v1/namespaces", JSON, None).await.0,
        200
    );
    // Impersonation applies to a certificate user like to a token user.
    let req = http::Request::get("/api/v1/namespaces")
        .header("Impersonate-User", E2E_USER)
        .body(kube::client::Body::empty())
        .unwrap();
    assert_eq!(c.send(req).await.unwrap().status(), 403);

    // An empty CommonName proves nobody: the token decides.
    let nameless = sb
        .client_certificate("", &strings(&["system:masters"]))
        .unwrap();
    let c = client(&sb, &nameless, Some(&e2e_token)).await;
    assert_eq!(whoami(&c).await.unwrap().0, E2E_USER);
    let c = client(&sb, &nameless, None).await;
    assert_eq!(whoami(&c).await, Err(401));
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_a_401_not_a_failed_handshake() {
    let sb = start(plain_options()).await;
    let e2e_token = sb.user(E2E_USER).unwrap().token.clone();
    let other =
        testing::certificate_from_untrusted_ca("sandbox-admin", &strings(&["system:masters"]))
            .unwrap();
    let c = client(&sb, &other, None).await;
    let (code, v) = call(&c, "GET", "/api/v1/namespaces", JSON, None).await;
    assert_eq!((code, v["reason"].clone()), (401, json!("Unauthorized")));
    // The authenticator's error is not final: a valid token after it still counts.
    let c = client(&sb, &other, Some(&e2e_token)).await;
    assert_eq!(whoami(&c).await.unwrap().0, E2E_USER);
}

#[tokio::test]
async fn client_certificate_kubeconfig_has_no_token_and_is_private() {
    let sb = start(plain_options()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    sb.write_client_certificate_kubeconfig(&path, "sandbox-admin", &strings(&["system:masters"]))
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let kc = kube::config::Kubeconfig::read_from(&path).unwrap();
    let auth = kc.auth_infos[0].auth_info.clone().unwrap();
    assert!(auth.token.is_none() && auth.client_certificate_data.is_some());
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    let c = kube::Client::try_from(cfg).unwrap();
    assert_eq!(
        whoami(&c).await,
        Ok((
            "sandbox-admin".into(),
            strings(&["system:masters", "system:authenticated"])
        ))
    );
}
