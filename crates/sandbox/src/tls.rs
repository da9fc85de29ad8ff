//! TLS for the sandbox: a fresh CA and a server certificate for 127.0.0.1/localhost are
//! generated at every start (ECDSA P-256 keeps this well under a millisecond budget), and
//! served with rustls advertising HTTP/1.1 only.
//!
//! Client certificates work as kube-apiserver's secure serving sets them up
//! (`tls.RequestClientCert` in `apiserver/pkg/server/secure_serving.go`): the handshake asks
//! for one, naming the sandbox CA, but accepts any certificate or none; whether a presented
//! chain is trusted is the x509 authenticator's question, asked after the handshake
//! ([`ClientCa::verified_subject`]). So a certificate from another CA gets a 401 (or the bearer
//! token's user), never a failed handshake.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};

use super::x509::{self, ClientCertificate, Subject};

/// Why TLS material could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Key or certificate generation failed inside rcgen.
    #[error("generating a sandbox key or certificate failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// rustls rejected the generated certificate or key.
    #[error("configuring rustls with the generated certificate failed: {0}")]
    Rustls(#[from] rustls::Error),
    /// rustls refused the CA as a root for client certificates.
    #[error("configuring client-certificate verification failed: {0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
    /// The generated CA certificate could not be read back.
    #[error("the generated CA certificate has no readable subject")]
    CaSubject,
}

/// The generated CA and the server configuration using a certificate it signed.
pub struct TlsMaterial {
    /// CA certificate (PEM), what clients must trust.
    pub ca_pem: String,
    /// rustls server configuration (ALPN http/1.1; asks for, but does not require, a client
    /// certificate).
    pub server_config: Arc<rustls::ServerConfig>,
    /// The same CA as an issuer and verifier of client certificates.
    pub client_ca: ClientCa,
}

/// The sandbox CA in its client-certificate role (kube-apiserver's `--client-ca-file`): it
/// issues certificates for a user and groups, and tells whether a presented chain is its own.
#[derive(Clone)]
pub struct ClientCa {
    issuer: Arc<rcgen::Issuer<'static, KeyPair>>,
    /// The CA certificate's subject (DER `Name`), the issuer name of what it signs.
    subject: Arc<Vec<u8>>,
    verifier: Arc<dyn ClientCertVerifier>,
}

impl std::fmt::Debug for ClientCa {
    /// The CA key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCa").finish_non_exhaustive()
    }
}

impl ClientCa {
    /// A new key and a certificate for it, the Kubernetes x509 convention: subject CommonName
    /// = `user`, one Organization per group; usable for client authentication only.
    pub fn issue(&self, user: &str, groups: &[String]) -> Result<ClientCertificate, TlsError> {
        Ok(x509::client_certificate(
            self.issuer.key(),
            &self.subject,
            user,
            groups,
        )?)
    }

    /// The leaf's subject when the chain (leaf first) verifies to this CA for client
    /// authentication now; `None` for an empty, untrusted, expired or unreadable chain.
    pub fn verified_subject(&self, chain: &[CertificateDer<'_>]) -> Option<Subject> {
        let (leaf, intermediates) = chain.split_first()?;
        self.verifier
            .verify_client_cert(leaf, intermediates, UnixTime::now())
            .ok()?;
        x509::parse_subject(x509::subject_of(leaf)?)
    }
}

/// Go's `tls.RequestClientCert`: ask for a client certificate (hinting the CA's name), accept
/// the handshake with any certificate or none, and check only that the client holds the key
/// (the handshake signature), which the wrapped WebPKI verifier does.
#[derive(Debug)]
struct RequestClientCert(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for RequestClientCert {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn ca_params() -> Result<CertificateParams, TlsError> {
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
    Ok(ca_params)
}

/// Generates a CA and a server certificate valid for 127.0.0.1, ::1 and localhost.
pub fn generate() -> Result<TlsMaterial, TlsError> {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let ca_params = ca_params()?;
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

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone())?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()?;
    let client_ca = ClientCa {
        issuer: Arc::new(issuer),
        subject: Arc::new(
            x509::subject_of(ca_cert.der())
                .ok_or(TlsError::CaSubject)?
                .to_vec(),
        ),
        verifier: verifier.clone(),
    };

    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(RequestClientCert(verifier)))
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(config),
        client_ca,
    })
}
