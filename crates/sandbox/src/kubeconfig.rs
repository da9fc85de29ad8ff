//! Kubeconfig generation: one cluster (the sandbox URL with its CA inlined), one user per
//! token, and contexts `sandbox` (admin, current), `e2e-user` and `sandbox-as-<user>`; or one
//! user authenticating by client certificate only ([`with_client_certificate`]).

use std::path::Path;

use base64::Engine;
use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};

use super::x509::ClientCertificate;

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

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

fn cluster(url: &str, ca_pem: &str) -> NamedCluster {
    NamedCluster {
        name: "sandbox".into(),
        cluster: Some(Cluster {
            server: Some(url.to_string()),
            certificate_authority_data: Some(b64(ca_pem)),
            ..Default::default()
        }),
        other: Default::default(),
    }
}

fn context(name: &str, user: &str) -> NamedContext {
    NamedContext {
        name: name.to_string(),
        context: Some(Context {
            cluster: "sandbox".into(),
            user: Some(user.to_string()),
            ..Default::default()
        }),
        other: Default::default(),
    }
}

fn kubeconfig(
    cluster: NamedCluster,
    auth_infos: Vec<NamedAuthInfo>,
    contexts: Vec<NamedContext>,
) -> Kubeconfig {
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

/// Builds the kubeconfig for a sandbox at `url` trusting `ca_pem`.
pub fn build(url: &str, ca_pem: &str, users: &[SandboxUser]) -> Kubeconfig {
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
        contexts.push(context(&ctx, &u.name));
    }
    kubeconfig(cluster(url, ca_pem), auth_infos, contexts)
}

/// One context, `sandbox`, whose user `user` authenticates with `cert` alone
/// (`client-certificate-data` / `client-key-data`, base64 of the PEM) and no token.
pub fn with_client_certificate(
    url: &str,
    ca_pem: &str,
    user: &str,
    cert: &ClientCertificate,
) -> Kubeconfig {
    let auth_info = NamedAuthInfo {
        name: user.to_string(),
        auth_info: Some(AuthInfo {
            client_certificate_data: Some(b64(&cert.cert_pem)),
            client_key_data: Some(b64(&cert.key_pem).into()),
            ..Default::default()
        }),
        other: Default::default(),
    };
    kubeconfig(
        cluster(url, ca_pem),
        vec![auth_info],
        vec![context("sandbox", user)],
    )
}

/// A user with a bearer token valid for this sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxUser {
    /// User name.
    pub name: String,
    /// Groups (system:authenticated is implied).
    pub groups: Vec<String>,
    /// Bearer token.
    pub token: String,
}

/// Why a kubeconfig could not be written.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigWriteError {
    /// Writing the file failed.
    #[error("cannot write the kubeconfig to {path}: {source}")]
    Write {
        /// Target path.
        path: std::path::PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Serializing the kubeconfig failed.
    #[error("cannot serialize the kubeconfig: {0}")]
    Serialize(String),
}

/// Writes `kubeconfig` as YAML, readable by its owner only on Unix (it holds credentials):
/// created with mode 0600, and an existing file is narrowed to 0600 before it is written.
pub fn write(path: &Path, kubeconfig: &Kubeconfig) -> Result<(), KubeconfigWriteError> {
    use std::io::Write as _;
    let yaml = serde_saphyr::to_string(kubeconfig)
        .map_err(|e| KubeconfigWriteError::Serialize(e.to_string()))?;
    let io_err = |source| KubeconfigWriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(io_err)?;
        }
    }
    let mut file = options.open(path).map_err(io_err)?;
    file.write_all(yaml.as_bytes()).map_err(io_err)
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
