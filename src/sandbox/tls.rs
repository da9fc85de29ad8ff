//! TLS for the sandbox: a fresh CA and a server certificate for 127.0.0.1/localhost are
//! generated at every start (ECDSA P-256 keeps this well under a millisecond budget), and
//! served with rustls advertising HTTP/1.1 only.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Why TLS material could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Key or certificate generation failed inside rcgen.
    #[error("generating the sandbox CA or server certificate failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// rustls rejected the generated certificate or key.
    #[error("configuring rustls with the generated certificate failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The generated CA and the server configuration using a certificate it signed.
pub struct TlsMaterial {
    /// CA certificate (PEM), what clients must trust.
    pub ca_pem: String,
    /// CA certificate (DER).
    pub ca_der: Vec<u8>,
    /// rustls server configuration (ALPN http/1.1).
    pub server_config: Arc<rustls::ServerConfig>,
}

/// Generates a CA and a server certificate valid for 127.0.0.1, ::1 and localhost.
pub fn generate() -> Result<TlsMaterial, TlsError> {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "kubectl-kubeflow-sandbox-ca");
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "kube-apiserver");
    params.distinguished_name = dn;
    let server_cert = params.signed_by(&server_key, &issuer)?;

    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().to_vec(),
        server_config: Arc::new(config),
    })
}
