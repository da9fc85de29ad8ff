//! What tests and benchmarks reach below the HTTP API: the store behind a running sandbox
//! ([`crate::Sandbox::store`]), the protobuf codec the server speaks, certificates from a CA
//! the sandbox does not trust, and a kubeconfig for a client certificate.

pub use crate::protobuf::decode as decode_protobuf;
pub use crate::status::ApiError;
pub use crate::store::{GroupResource, Store};

use crate::tls::{self, TlsError};
use crate::x509::ClientCertificate;

/// The CA certificate (PEM) of a fresh CA the sandbox knows nothing of: a kubeconfig that
/// trusts it instead of the sandbox's must fail the TLS handshake.
pub fn untrusted_ca_pem() -> Result<String, TlsError> {
    Ok(tls::generate()?.ca_pem)
}

/// A client certificate for `user` in `groups`, issued by a CA the sandbox does not trust.
pub fn certificate_from_untrusted_ca(
    user: &str,
    groups: &[String],
) -> Result<ClientCertificate, TlsError> {
    tls::generate()?.client_ca.issue(user, groups)
}

pub use crate::kubeconfig::with_client_certificate as kubeconfig_with_client_certificate;
