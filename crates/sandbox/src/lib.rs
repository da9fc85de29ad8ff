//! A local Kubernetes API server with Kubeflow semantics: the demo default, the test backbone
//! and the benchmark target.
//!
//! [`Sandbox::start`] generates a CA and server certificate, seeds an in-memory store,
//! runs the controllers to a fixed point and serves HTTPS on 127.0.0.1. It speaks enough of
//! kube-apiserver's API (discovery, CRUD with kube's status codes and Status bodies, four patch
//! formats including server-side apply, selectors, pagination, watch with bookmarks and 410,
//! RBAC on every request, impersonation) for kube-rs (including kube-runtime's watcher) and the
//! real `kubectl` to work against it unchanged: get/create/apply (client- and server-side)/
//! replace/patch (merge, json, strategic)/delete/auth can-i/auth whoami need no extra flags.
//!
//! Admission behaves like kube-apiserver's default plugins where the project needs it:
//! namespace lifecycle (no new content in a Terminating namespace), LimitRanger defaults and
//! ResourceQuota limits for pods (`quota.rs`), RBAC escalation prevention for roles and
//! bindings (`escalation.rs`), and CRD structural schemas for custom resources (`schema.rs`).
//!
//! # kubectl compatibility (v1.32)
//!
//! Works without flags: `get` (tables with per-kind columns, `-o yaml|json|name|jsonpath`,
//! `-l`, `-A`, `--field-selector`, `-w`), `create -f`, the generators `create namespace|
//! configmap|secret|serviceaccount|role|clusterrole|rolebinding|clusterrolebinding|quota|
//! deployment` and `run` (they send protobuf and get protobuf back, `protobuf/`), `apply -f` (client-side: kubectl's
//! compiled-in strategic-merge metadata for built-ins, JSON merge patch for custom resources),
//! `apply --server-side [--force-conflicts]`, `replace`, `patch --type merge|json|strategic`,
//! `label`, `annotate`, `set resources`, `delete` (incl. `-l`, `--cascade=orphan`,
//! `--dry-run=server`), `diff`, `describe`, `api-resources`, `api-versions`, `auth can-i`,
//! `auth whoami`, `--as`/`--as-group`. `--validate=strict` (the default) is enforced by the
//! server for custom resources through their CRD schema. Discovery is served both aggregated
//! (`apidiscovery.k8s.io/v2`: two requests for kubectl and kube-rs `run_aggregated`) and legacy.
//!
//! `explain` works for custom resources (their CRD schemas are served in OpenAPI v3).
//!
//! Not supported: `explain` for built-in kinds (no schemas are served for them), `logs`/`exec`/`port-forward`
//! (no kubelet), protobuf for CustomResourceDefinitions (answered in JSON, or 406 when only
//! protobuf is acceptable), and unknown-field detection for built-in kinds (no schemas).

// ApiError mirrors metav1.Status (message, reason, details with serde_json's ordered map), so it
// is large by design; errors are rare and returned once per request, boxing buys nothing.
#![allow(clippy::result_large_err)]

// The public facade: the server ([`Sandbox`], [`SandboxOptions`], [`Seed`]), the fault
// injector ([`faults`]), the embedded upstream objects, and what tests and benchmarks reach
// below the HTTP API ([`testing`]). Everything else is the server's own.
mod apply;
mod auth;
mod controller;
mod crds;
mod deletes;
mod discovery;
mod escalation;
mod fault_serving;
pub mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzz;
mod handlers;
mod http;
mod kubeconfig;
mod list;
mod managed;
mod negotiate;
mod openapi;
mod patch;
mod pod;
mod protobuf;
mod quota;
mod rbac;
mod registry;
mod resource;
mod reviews;
mod rv_match;
mod schema;
mod seed;
mod selectors;
mod server;
mod status;
mod store;
mod table;
pub mod testing;
mod tls;
mod watch;
mod writes;
mod x509;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use controller::ControllerConfig;
pub use crds::{CrdError, authorization_policy_crd, kubeflow_cluster_roles, profile_crd};
pub use kubeconfig::{KubeconfigWriteError, SandboxUser};
pub use seed::{
    DemoProblem, Seed, SeedError, SeedOptions, SeedParseError, SeedUser, demo_problems,
};
use store::Store;
pub use tls::TlsError;
pub use x509::ClientCertificate;

/// Why a sandbox could not start or hand out access.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Certificate generation or TLS setup failed.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The seed could not be stored (a bug in the seed).
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}; choose another --port or free the address")]
    Bind {
        /// Requested address.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Writing the kubeconfig failed.
    #[error(transparent)]
    WriteKubeconfig(#[from] KubeconfigWriteError),
    /// The requested user has no token in this sandbox.
    #[error("no sandbox user named {0:?}; known users are listed by Sandbox::users()")]
    UnknownUser(String),
    /// Building a kube client failed.
    #[error("cannot build a kube client for the sandbox: {0}")]
    Client(#[from] kube::Error),
    /// The kubeconfig could not be turned into a client configuration.
    #[error("cannot build a client configuration from the sandbox kubeconfig: {0}")]
    Kubeconfig(#[from] kube::config::KubeconfigError),
}

/// How to start a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// Listening address (default 127.0.0.1:0, an ephemeral port).
    pub addr: SocketAddr,
    /// Data set to seed.
    pub seed: Seed,
    /// Which optional CRDs to install.
    pub seed_options: SeedOptions,
    /// Controller settings (Kubeflow emulation on/off, userid header ...).
    pub controller: ControllerConfig,
    /// Additional users to mint tokens for.
    pub extra_users: Vec<SeedUser>,
    /// Injected faults (shared: rules added later through [`Sandbox::faults`] apply too).
    pub faults: faults::Faults,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::Empty,
            seed_options: SeedOptions {
                profile_crd: true,
                istio_crd: true,
            },
            controller: ControllerConfig::default(),
            extra_users: Vec::new(),
            faults: faults::Faults::default(),
        }
    }
}

/// The admin user's name.
pub const ADMIN_USER: &str = "sandbox-admin";
/// The always-present non-admin test user.
pub const E2E_USER: &str = "e2e-user@example.com";

/// A running sandbox API server.
pub struct Sandbox {
    url: String,
    ca_pem: String,
    client_ca: tls::ClientCa,
    users: Vec<SandboxUser>,
    store: Arc<Mutex<Store>>,
    state: Arc<http::State>,
    acceptor: tokio_rustls::TlsAcceptor,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Sandbox {
    /// Dropping a sandbox stops it too (connections close, the port is released).
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The store with the seed, reconciled as the controllers would, and the seed's users.
fn seeded_store(opts: &SandboxOptions) -> Result<(Store, Vec<SeedUser>), SandboxError> {
    let mut store = Store::new();
    let seed_users = seed::apply_seed(&mut store, &opts.seed, &opts.seed_options)?;
    controller::reconcile(&mut store, &opts.controller);
    // The seed's deliberate drift happens "while the profile controller was down": the
    // core controllers see it (quota status), the profile controller does not.
    seed::apply_drift(&mut store, &opts.seed, &opts.seed_options)?;
    controller::reconcile(
        &mut store,
        &ControllerConfig {
            kubeflow: false,
            ..opts.controller.clone()
        },
    );
    // Nobody can have watched the seeding: drop its events (as an etcd compaction would)
    // so a 5,000-profile seed does not keep a second copy of every object in the history.
    store.compact();
    Ok((store, seed_users))
}

/// The admin, the e2e user, then every seed and extra user once, each with a fresh token.
fn sandbox_users(seed_users: &[SeedUser], extra_users: &[SeedUser]) -> Vec<SandboxUser> {
    let mut users = vec![
        SandboxUser {
            name: ADMIN_USER.into(),
            groups: vec!["system:masters".into()],
            token: token(),
        },
        SandboxUser {
            name: E2E_USER.into(),
            groups: Vec::new(),
            token: token(),
        },
    ];
    for u in seed_users.iter().chain(extra_users) {
        if users.iter().any(|x| x.name == u.name) {
            continue;
        }
        users.push(SandboxUser {
            name: u.name.clone(),
            groups: u.groups.clone(),
            token: token(),
        });
    }
    users
}

/// `https://HOST:PORT` of the listening address (127.0.0.1 for an unspecified one).
fn url_of(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("https://{host}:{}", addr.port())
}

impl Sandbox {
    /// Seeds the store, reconciles, binds and serves. Completes in well under 100 ms.
    pub async fn start(opts: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let material = tls::generate()?;
        let mut opts = opts;
        opts.controller.root_ca_pem = material.ca_pem.clone();
        let (store, seed_users) = seeded_store(&opts)?;
        let users = sandbox_users(&seed_users, &opts.extra_users);
        let mut authn = auth::Authenticator::default();
        for u in &users {
            authn.add(&u.token, &u.name, &u.groups);
        }
        authn.set_client_ca(material.client_ca.clone());

        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: opts.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: opts.addr,
            source,
        })?;
        let store = Arc::new(Mutex::new(store));
        let state = Arc::new(http::State {
            store: store.clone(),
            auth: authn,
            cfg: opts.controller.clone(),
            addr,
            faults: opts.faults.clone(),
        });
        let (tx, rx) = tokio::sync::watch::channel(false);
        let acceptor = tokio_rustls::TlsAcceptor::from(material.server_config.clone());
        let task = tokio::spawn(server::serve(listener, acceptor.clone(), state.clone(), rx));
        Ok(Sandbox {
            url: url_of(addr),
            ca_pem: material.ca_pem,
            client_ca: material.client_ca,
            users,
            store,
            state,
            acceptor,
            shutdown: tx,
            task: Some(task),
        })
    }

    /// The fault table and request log ([`faults`]).
    pub fn faults(&self) -> &faults::Faults {
        &self.state.faults
    }

    /// The server goes away: the port stops accepting and every open connection (watches
    /// included) is closed. The store is kept for [`Sandbox::come_back`].
    pub async fn go_away(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// The server comes back on the same port with the same data.
    pub async fn come_back(&mut self) -> Result<(), SandboxError> {
        if self.task.is_some() {
            return Ok(());
        }
        let addr = self.state.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        self.shutdown = tx;
        self.task = Some(tokio::spawn(server::serve(
            listener,
            self.acceptor.clone(),
            self.state.clone(),
            rx,
        )));
        Ok(())
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The admin ("sandbox-admin", group system:masters).
    pub fn admin(&self) -> &SandboxUser {
        &self.users[0]
    }

    /// Admin first, then "e2e-user@example.com", then seed and extra users.
    pub fn users(&self) -> &[SandboxUser] {
        &self.users
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Option<&SandboxUser> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Contexts "sandbox" (admin, current), "e2e-user" and `sandbox-as-<user>` for the others.
    pub fn kubeconfig(&self) -> kube::config::Kubeconfig {
        kubeconfig::build(&self.url, &self.ca_pem, &self.users)
    }

    /// Writes [`Sandbox::kubeconfig`] as YAML (mode 0600 on Unix: it holds tokens).
    pub fn write_kubeconfig(&self, path: &std::path::Path) -> Result<(), SandboxError> {
        Ok(kubeconfig::write(path, &self.kubeconfig())?)
    }

    /// A client certificate from the sandbox CA for any `user` in `groups` (CN = user, one O
    /// per group), as a cluster admin would sign one; the sandbox then authenticates its holder
    /// as that user, `system:authenticated` added.
    pub fn client_certificate(
        &self,
        user: &str,
        groups: &[String],
    ) -> Result<ClientCertificate, SandboxError> {
        Ok(self.client_ca.issue(user, groups)?)
    }

    /// A kubeconfig with one context, `sandbox`, whose user authenticates with a fresh client
    /// certificate for `user` in `groups` (`client-certificate-data`/`client-key-data`) and no
    /// token.
    pub fn client_certificate_kubeconfig(
        &self,
        user: &str,
        groups: &[String],
    ) -> Result<kube::config::Kubeconfig, SandboxError> {
        let cert = self.client_certificate(user, groups)?;
        Ok(kubeconfig::with_client_certificate(
            &self.url,
            &self.ca_pem,
            user,
            &cert,
        ))
    }

    /// Writes [`Sandbox::client_certificate_kubeconfig`] as YAML (mode 0600 on Unix: it holds
    /// the private key).
    pub fn write_client_certificate_kubeconfig(
        &self,
        path: &std::path::Path,
        user: &str,
        groups: &[String],
    ) -> Result<(), SandboxError> {
        Ok(kubeconfig::write(
            path,
            &self.client_certificate_kubeconfig(user, groups)?,
        )?)
    }

    /// A kube client authenticated as `user` (by name). It sees exactly what the server
    /// answered: kube's default retries of 429/503/504 are off (with them, a 504 test would
    /// wait out fifteen backoffs).
    pub async fn client_for(&self, user: &str) -> Result<kube::Client, SandboxError> {
        let u = self
            .user(user)
            .ok_or_else(|| SandboxError::UnknownUser(user.to_string()))?;
        let kc = kubeconfig::build(&self.url, &self.ca_pem, std::slice::from_ref(u));
        let mut cfg = kube::Config::from_custom_kubeconfig(
            kc,
            &kube::config::KubeConfigOptions {
                context: Some("sandbox".into()),
                ..Default::default()
            },
        )
        .await?;
        cfg.default_retry = false;
        Ok(kube::Client::try_from(cfg)?)
    }

    /// Direct access to the store (tests use it to act as "another client").
    pub fn store(&self) -> Arc<Mutex<Store>> {
        self.store.clone()
    }

    /// Stops accepting connections and closes open ones.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
