//! Kubeconfig generation: one cluster (the sandbox URL with its CA inlined), one user per
//! token, and contexts `sandbox` (admin, current), `e2e-user` and `sandbox-as-<user>`.

use base64::Engine;
use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};

use super::SandboxUser;

/// The context name for a non-admin, non-e2e user: `sandbox-as-` + the name with every run of
/// characters outside `[a-z0-9-]` replaced by one `-`.
pub fn context_name(user: &str) -> String {
    let mut out = String::from("sandbox-as-");
    let mut in_run = false;
    for c in user.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    out
}

/// Builds the kubeconfig for a sandbox at `url` trusting `ca_pem`.
pub fn build(url: &str, ca_pem: &str, users: &[SandboxUser]) -> Kubeconfig {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
    let cluster = NamedCluster {
        name: "sandbox".into(),
        cluster: Some(Cluster {
            server: Some(url.to_string()),
            certificate_authority_data: Some(ca),
            ..Default::default()
        }),
        other: Default::default(),
    };
    let mut auth_infos = Vec::new();
    let mut contexts = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let ctx = match i {
            0 => "sandbox".to_string(),
            1 => "e2e-user".to_string(),
            _ => context_name(&u.name),
        };
        auth_infos.push(NamedAuthInfo {
            name: u.name.clone(),
            auth_info: Some(AuthInfo {
                token: Some(u.token.clone().into()),
                ..Default::default()
            }),
            other: Default::default(),
        });
        contexts.push(NamedContext {
            name: ctx,
            context: Some(Context {
                cluster: "sandbox".into(),
                user: Some(u.name.clone()),
                ..Default::default()
            }),
            other: Default::default(),
        });
    }
    Kubeconfig {
        clusters: vec![cluster],
        auth_infos,
        contexts,
        current_context: Some("sandbox".into()),
        kind: Some("Config".into()),
        api_version: Some("v1".into()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn contexts_follow_the_contract() {
        assert_eq!(
            context_name("Alice.Smith@Example.com"),
            "sandbox-as--lice-mith-xample-com"
        );
        assert_eq!(
            context_name("bob@example.com"),
            "sandbox-as-bob-example-com"
        );
        let users: Vec<SandboxUser> = ["sandbox-admin", "e2e-user@example.com", "bob@example.com"]
            .iter()
            .map(|n| SandboxUser {
                name: n.to_string(),
                groups: vec![],
                token: format!("t-{n}"),
            })
            .collect();
        let kc = build("https://127.0.0.1:1", "PEM", &users);
        let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["sandbox", "e2e-user", "sandbox-as-bob-example-com"]);
        assert_eq!(kc.current_context.as_deref(), Some("sandbox"));
        let cluster = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.certificate_authority_data.as_deref(), Some("UEVN"));
    }
}
