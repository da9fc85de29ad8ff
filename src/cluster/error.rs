//! Translation of `kube::Error` into errors that say what to do.

use kube::core::Status;

/// A failure talking to the cluster, phrased for a Kubeflow admin.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Kubeconfig missing, unreadable, or naming an unknown context.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// The server could not be reached at all.
    #[error(
        "cannot reach the Kubernetes API server {server} (context {context:?}): {detail}. Is the cluster running and is this the right --context/--kubeconfig?"
    )]
    Unreachable {
        /// API server URL.
        server: String,
        /// Context name.
        context: String,
        /// The transport error.
        detail: String,
    },
    /// No complete answer within `--request-timeout`.
    #[error(
        "the Kubernetes API server {server} (context {context:?}) gave no complete answer within {}s (--request-timeout); try again, or raise --request-timeout (0 means no limit)",
        .limit.as_secs_f64()
    )]
    TimedOut {
        /// API server URL.
        server: String,
        /// Context name.
        context: String,
        /// The limit.
        limit: std::time::Duration,
    },
    /// The TLS handshake failed on the server's certificate (unknown issuer, bad or expired
    /// certificate, wrong host name): reachable, but not trusted.
    #[error(
        "the TLS certificate of the Kubernetes API server {server} (context {context:?}) was not accepted: {detail}. It was checked against {ca}; fix the cluster's certificate-authority(-data) in the kubeconfig (`kubectl config view --minify --raw` shows it) or check that this context points at the right server"
    )]
    Certificate {
        /// API server URL.
        server: String,
        /// Context name.
        context: String,
        /// The TLS error.
        detail: String,
        /// Which certificate authority the client trusted.
        ca: String,
    },
    /// The resource type is not served: the CRD is missing.
    #[error("{message}")]
    CrdMissing {
        /// The full explanation.
        message: String,
    },
    /// RBAC denied the request.
    #[error(
        "{message}\nhint: ask a cluster admin for this permission, or check who you are with `kubectl auth whoami`"
    )]
    Forbidden {
        /// The server's message, which names the user, verb and resource.
        message: String,
    },
    /// The object already exists (create never overwrites).
    #[error("{message}")]
    AlreadyExists {
        /// The server's message.
        message: String,
    },
    /// A concurrent change (stale resourceVersion or failed precondition).
    #[error(
        "{message}\nhint: someone changed the object since it was read; re-run to see the current state"
    )]
    Conflict {
        /// The server's message.
        message: String,
    },
    /// A create waited for its namespace (made by the profile controller) in vain.
    #[error(
        "namespace {namespace:?} did not appear within {}s, so nothing could be created in it. Is the Kubeflow profile controller running (kubectl -n kubeflow get deploy profiles-deployment)? The objects reported above were created; the rest was not",
        .waited.as_secs()
    )]
    NamespaceMissing {
        /// The namespace.
        namespace: String,
        /// How long the create waited.
        waited: std::time::Duration,
    },
    /// The object does not exist.
    #[error("{message}")]
    NotFound {
        /// The server's message.
        message: String,
    },
    /// The server rejected the object as invalid.
    #[error("the server rejected the object: {message}")]
    Invalid {
        /// The server's message.
        message: String,
    },
    /// Credentials were rejected.
    #[error("the server rejected the credentials of context {context:?}: {message}")]
    Unauthorized {
        /// Context name.
        context: String,
        /// The server's message.
        message: String,
    },
    /// The session is read-only (`tui --readonly`): the write layer refuses every write.
    #[error("read-only: {reason}; nothing was sent")]
    ReadOnly {
        /// Why (the flag, or what the identity check said).
        reason: String,
    },
    /// The journal cannot be read, or this session keeps none (no state directory).
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// The journal is empty: nothing to undo.
    #[error("nothing to undo: no change was recorded for context {context:?}")]
    NothingRecorded {
        /// Context name.
        context: String,
    },
    /// The journal holds no change set with this id.
    #[error("the journal of context {context:?} has no change set {id}")]
    NoChangeSet {
        /// Context name.
        context: String,
        /// The id asked for.
        id: u64,
    },
    /// Any other failure.
    #[error("{0}")]
    Other(String),
}

impl ClusterError {
    /// True for a server answer of 404 about an object (not about a missing type).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::NotFound { .. })
    }
}

/// Where a request went: the context, its server and the certificate authority trusted.
pub(super) struct Endpoint<'a> {
    pub context: &'a str,
    pub server: &'a str,
    pub ca: &'a str,
}

/// Maps one `kube::Error` for a request about `resource` sent to `to`.
pub(super) fn translate(err: kube::Error, resource: &str, to: &Endpoint<'_>) -> ClusterError {
    if let Some(limit) = timed_out(&err) {
        return ClusterError::TimedOut {
            server: to.server.into(),
            context: to.context.into(),
            limit,
        };
    }
    let detail = match &err {
        kube::Error::Api(status) => return from_status(status, resource, to.context),
        kube::Error::HyperError(e) => root_cause(e),
        kube::Error::Service(e) => root_cause(e.as_ref()),
        kube::Error::RustlsTls(e) => e.to_string(),
        _ => {
            return ClusterError::Other(redact_exec_output(&format!(
                "request about {resource} failed: {err}"
            )));
        }
    };
    if is_certificate_problem(&detail) {
        ClusterError::Certificate {
            server: to.server.into(),
            context: to.context.into(),
            detail,
            ca: to.ca.into(),
        }
    } else {
        ClusterError::Unreachable {
            server: to.server.into(),
            context: to.context.into(),
            detail,
        }
    }
}

/// True when a transport error is rustls refusing the server's certificate (rustls's
/// `invalid peer certificate: UnknownIssuer | BadSignature | Expired | NotValidForName ...`),
/// as opposed to a refused or timed-out connection.
fn is_certificate_problem(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    lower.contains("certificate") || lower.contains("unknownissuer")
}

fn from_status(status: &Status, resource: &str, context: &str) -> ClusterError {
    let message = status.message.clone();
    match status.code {
        401 => ClusterError::Unauthorized {
            context: context.into(),
            message,
        },
        403 => ClusterError::Forbidden { message },
        404 if status.details.as_ref().is_none_or(|d| d.name.is_empty()) => {
            ClusterError::CrdMissing {
                message: missing_type_message(resource, context),
            }
        }
        404 => ClusterError::NotFound { message },
        409 if status.reason == "AlreadyExists" => ClusterError::AlreadyExists { message },
        409 => ClusterError::Conflict { message },
        422 => ClusterError::Invalid { message },
        code => ClusterError::Other(format!("{message} (HTTP {code}, reason {})", status.reason)),
    }
}

pub(crate) fn missing_type_message(resource: &str, context: &str) -> String {
    match resource {
        r if r.ends_with("kubeflow.org") => format!(
            "the server does not serve {r}: is Kubeflow installed on context {context:?}? \
             (the Profile CRD profiles.kubeflow.org is missing)"
        ),
        r if r.ends_with("istio.io") => format!(
            "the server does not serve {r}: is Istio installed on context {context:?}? \
             (use --no-istio to manage RoleBindings only)"
        ),
        r => format!("the server does not serve {r} on context {context:?}"),
    }
}

/// The limit, when the error is `--request-timeout` running out.
fn timed_out(err: &kube::Error) -> Option<std::time::Duration> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = match err {
        kube::Error::Service(e) => Some(e.as_ref()),
        kube::Error::HyperError(e) => Some(e),
        _ => None,
    };
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<super::retry::TimedOut>() {
            return Some(t.0);
        }
        cur = e.source();
    }
    None
}

/// An error text with what an exec credential plugin printed cut out: its stdout is the
/// credential, and its stderr may hold one too (kube's message embeds both).
pub(crate) fn redact_exec_output(text: &str) -> String {
    match text.find("Output {") {
        Some(at) => format!(
            "{}its output is not shown, as it can hold credentials; run the command yourself to see it",
            &text[..at]
        ),
        None => text.to_string(),
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
