//! The only module that holds a `kube::Client`.
//!
//! It loads kubeconfig the way kubectl does (flags, merged `KUBECONFIG`, `~/.kube/config`,
//! in-cluster), and turns every `kube::Error` into a [`ClusterError`] that says what went
//! wrong in Kubeflow terms and what to do about it.

pub mod access;
pub mod apply;
pub mod bulk;
mod error;
pub mod journal;
mod objects;
pub mod offboard;
pub mod onboard;
pub mod permission;
pub mod quota;
pub mod registration;
pub mod retry;
pub mod snapshot;
pub mod watch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

pub use error::ClusterError;

/// Where and as whom to connect: the kubectl global flags, already parsed.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig`: one file, used instead of `KUBECONFIG` and the default path.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `--as`.
    pub impersonate_user: Option<String>,
    /// `--as-group` (repeatable).
    pub impersonate_groups: Vec<String>,
    /// `--request-timeout`; zero means no limit.
    pub request_timeout: Option<Duration>,
    /// Where the journal of applied changes is kept instead of the XDG state directory
    /// (the demo keeps its own beside its kubeconfig).
    pub journal_dir: Option<PathBuf>,
}

/// A connected cluster: the client plus the names used in messages.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    context: String,
    server: String,
    /// Which certificate authority the client trusts, for certificate errors.
    ca: String,
    /// `Some(reason)`: [`apply::apply`] refuses every write that is not a dry run.
    read_only: Option<String>,
    /// Where applied change sets are recorded ([`journal`]).
    journal: Option<std::sync::Arc<journal::JournalSink>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("context", &self.context)
            .field("server", &self.server)
            .finish()
    }
}

/// What a client built from `config` trusts, in words for an error message.
fn trusted_ca(config: &kube::Config, context: &str) -> String {
    if config.accept_invalid_certs {
        "nothing (insecure-skip-tls-verify is set, yet the handshake still failed)".into()
    } else if let Some(roots) = &config.root_cert {
        format!(
            "the {} certificate(s) of the certificate-authority(-data) of context {context:?}",
            roots.len()
        )
    } else {
        "the system's trusted roots (the kubeconfig gives no certificate-authority for this cluster)".into()
    }
}

/// kube's client with this tool's retry policy ([`retry`]) instead of kube's default one, and
/// every non-watch call bounded by `--request-timeout` when given (0 = no limit).
fn build_client(
    mut config: kube::Config,
    request_timeout: Option<Duration>,
) -> Result<kube::Client, ClusterError> {
    config.default_retry = false;
    let timeout = request_timeout.filter(|t| !t.is_zero());
    let policy = retry::RetryPolicy::new(timeout.unwrap_or(retry::DEFAULT_BUDGET));
    let builder = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| {
            ClusterError::Kubeconfig(error::redact_exec_output(&format!(
                "cannot build a client: {e}"
            )))
        })?
        .with_layer(&retry::Retry(policy));
    Ok(match timeout {
        Some(t) => builder.with_layer(&retry::Deadline(t)).build(),
        None => builder.build(),
    })
}

/// The client configuration of the context `opts` select (kubeconfig as kubectl reads it,
/// else in-cluster), and the context's name.
async fn client_config(opts: &ConnectOptions) -> Result<(kube::Config, String), ClusterError> {
    let Some(kubeconfig) = load_kubeconfig(opts.kubeconfig.as_deref())? else {
        let config = kube::Config::incluster().map_err(|_| {
            ClusterError::Kubeconfig(
                "no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create \
                 ~/.kube/config (try `kubectl kubeflow sandbox --kubeconfig-out FILE` \
                 for a local demo cluster)"
                    .into(),
            )
        })?;
        return Ok((config, "in-cluster".to_string()));
    };
    let context = opts
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if let Some(wanted) = &opts.context
        && !kubeconfig.contexts.iter().any(|c| &c.name == wanted)
    {
        let known: Vec<_> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(ClusterError::Kubeconfig(format!(
            "context {wanted:?} does not exist in the kubeconfig (known: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let options = KubeConfigOptions {
        context: opts.context.clone(),
        cluster: opts.cluster.clone(),
        user: opts.user.clone(),
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::Kubeconfig(error::redact_exec_output(&e.to_string())))?;
    Ok((config, context))
}

impl Cluster {
    /// Loads kubeconfig as kubectl would and builds a client. Nothing is sent yet.
    pub async fn connect(opts: &ConnectOptions) -> Result<Self, ClusterError> {
        let (mut config, context) = client_config(opts).await?;
        if let Some(user) = &opts.impersonate_user {
            config.auth_info.impersonate = Some(user.clone());
        }
        if !opts.impersonate_groups.is_empty() {
            config.auth_info.impersonate_groups = Some(opts.impersonate_groups.clone());
        }
        if let Some(timeout) = opts.request_timeout {
            let timeout = (!timeout.is_zero()).then_some(timeout);
            config.read_timeout = timeout;
            config.write_timeout = timeout;
            if timeout.is_some() {
                config.connect_timeout = timeout;
            }
        }
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        let ca = trusted_ca(&config, &context);
        let client = build_client(config, opts.request_timeout)?;
        let cluster = Self {
            client,
            context,
            server,
            ca,
            read_only: None,
            journal: None,
        };
        // No state directory (no HOME): writes still work, unrecorded; `history` says why.
        let journal = match &opts.journal_dir {
            Some(dir) => Ok(crate::journal::Journal::in_dir(dir, &cluster.context)),
            None => crate::journal::Journal::for_context(&cluster.context),
        };
        Ok(match journal {
            Ok(j) => {
                let args: Vec<String> = std::env::args().collect();
                let mut command = crate::journal::redacted_command(&args);
                if let Some(rest) = command.strip_prefix(args.first().map_or("", String::as_str)) {
                    command = format!("kubectl kubeflow{rest}");
                }
                cluster.with_journal(j, command)
            }
            Err(_) => cluster,
        })
    }

    /// Wraps an existing client (tests, the in-process sandbox).
    pub fn from_client(client: kube::Client, context: &str, server: &str) -> Self {
        Self {
            client,
            context: context.to_string(),
            server: server.to_string(),
            ca: "the client's configured roots".into(),
            read_only: None,
            journal: None,
        }
    }

    /// The same cluster, refusing writes in [`apply::apply`] for `reason` (`tui --readonly`); dry
    /// runs still go through.
    pub fn read_only(mut self, reason: impl Into<String>) -> Self {
        self.read_only = Some(reason.into());
        self
    }

    /// Why writes are refused, if they are.
    pub fn read_only_reason(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// The kubeconfig context name, for messages.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The API server URL, for messages.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The underlying client, for the layers inside this module.
    pub(crate) fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Explains a failed request about `resource` (e.g. `profiles.kubeflow.org`).
    pub fn explain(&self, err: kube::Error, resource: &str) -> ClusterError {
        let to = error::Endpoint {
            context: &self.context,
            server: &self.server,
            ca: &self.ca,
        };
        error::translate(err, resource, &to)
    }

    /// Profile names with their owner, for shell completion.
    pub async fn profile_names(&self) -> Result<Vec<(String, Option<String>)>, ClusterError> {
        let api: kube::Api<crate::model::Profile> = kube::Api::all(self.client.clone());
        let list = api
            .list(&kube::api::ListParams::default())
            .await
            .map_err(|e| self.explain(e, "profiles.kubeflow.org"))?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|p| {
                let owner = p.spec.owner.as_ref().map(|o| o.name.clone());
                p.metadata.name.map(|n| (n, owner))
            })
            .collect())
    }

    /// `GET /version`.
    pub async fn server_version(
        &self,
    ) -> Result<k8s_openapi::apimachinery::pkg::version::Info, ClusterError> {
        self.client
            .apiserver_version()
            .await
            .map_err(|e| self.explain(e, "version"))
    }
}

/// Reads kubeconfig like kubectl: `--kubeconfig` wins, then every existing file listed in
/// `KUBECONFIG` (merged, first value wins), then `~/.kube/config`. `None` means no file at all.
fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Kubeconfig>, ClusterError> {
    let read = |path: &Path| {
        Kubeconfig::read_from(path).map_err(|e| {
            ClusterError::Kubeconfig(format!("cannot read kubeconfig {}: {e}", path.display()))
        })
    };
    if let Some(path) = explicit {
        return read(path).map(Some);
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        if !paths.is_empty() {
            let mut merged = Kubeconfig::default();
            for path in paths {
                merged = merged.merge(read(&path)?).map_err(|e| {
                    ClusterError::Kubeconfig(format!("cannot merge {}: {e}", path.display()))
                })?;
            }
            return Ok(Some(merged));
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home.map(|h| h.join(".kube").join("config")) {
        Some(path) if path.exists() => read(&path).map(Some),
        _ => Ok(None),
    }
}

/// kubectl's `--dry-run` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DryRun {
    /// Really write.
    #[default]
    None,
    /// Print what would be sent; send nothing.
    Client,
    /// Send every write with `dryRun=All`: the server validates, stores nothing.
    Server,
}

impl DryRun {
    /// The suffix kubectl prints after the action.
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// Who the server says the current credentials are, and whether they may change tenancy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `status.userInfo.username` of a SelfSubjectReview (`None` if the server has no API).
    pub username: Option<String>,
    /// True when SelfSubjectAccessReviews allow every write the plugin makes (patch Profiles,
    /// create RoleBindings and AuthorizationPolicies in any namespace).
    pub can_write: bool,
}

impl Cluster {
    /// The username from a SelfSubjectReview, if the server answers one.
    pub async fn identity_name(&self) -> Option<String> {
        self.self_subject_review().await.ok().flatten()
    }

    /// Who the server says the caller is (SelfSubjectReview); `None` where the server does
    /// not serve that API.
    pub(crate) async fn self_subject_review(&self) -> Result<Option<String>, ClusterError> {
        use k8s_openapi::api::authentication::v1::SelfSubjectReview;
        use kube::api::PostParams;
        let reviews: kube::Api<SelfSubjectReview> = kube::Api::all(self.client.clone());
        match reviews
            .create(&PostParams::default(), &SelfSubjectReview::default())
            .await
        {
            Ok(r) => Ok(r.status.and_then(|s| s.user_info).and_then(|u| u.username)),
            Err(e) => match self.explain(e, "selfsubjectreviews.authentication.k8s.io") {
                ClusterError::NotFound { .. } | ClusterError::CrdMissing { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// What a SelfSubjectAccessReview says about `verb` on `plural.group` (core: no group) in
    /// `namespace` (or cluster-wide).
    pub(crate) async fn access_review(
        &self,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<k8s_openapi::api::authorization::v1::SubjectAccessReviewStatus, ClusterError> {
        use k8s_openapi::api::authorization::v1::{
            ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
        };
        use kube::api::PostParams;
        let (plural, group) = resource.split_once('.').unwrap_or((resource, ""));
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.into()),
                    group: Some(group.into()),
                    resource: Some(plural.into()),
                    namespace: namespace.map(str::to_string),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let access: kube::Api<SelfSubjectAccessReview> = kube::Api::all(self.client.clone());
        let answer = access
            .create(&PostParams::default(), &review)
            .await
            .map_err(|e| self.explain(e, "selfsubjectaccessreviews.authorization.k8s.io"))?;
        Ok(answer.status.unwrap_or_default())
    }

    /// SelfSubjectReview + SelfSubjectAccessReviews for the write verbs.
    pub async fn identity(&self) -> Result<Identity, ClusterError> {
        let username = self.self_subject_review().await?;
        let checks = [
            ("patch", "profiles.kubeflow.org"),
            ("create", "rolebindings.rbac.authorization.k8s.io"),
            ("create", "authorizationpolicies.security.istio.io"),
        ];
        let mut can_write = true;
        for (verb, resource) in checks {
            if !self.access_review(verb, resource, None).await?.allowed {
                can_write = false;
                break;
            }
        }
        Ok(Identity {
            username,
            can_write,
        })
    }
}
