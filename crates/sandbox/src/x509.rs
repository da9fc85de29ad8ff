//! The little X.509 the sandbox needs beyond rcgen, in plain DER: client certificates whose
//! subject is CN = user and one O per group (rcgen's `DistinguishedName` keeps one value per
//! attribute type, so it cannot hold several groups), and reading a presented certificate's
//! subject back the way Go's `pkix.Name` does for kube-apiserver's x509 authenticator (the last
//! CommonName; every Organization, in order).

use base64::Engine as _;
use rcgen::{KeyPair, PublicKeyData as _, SigningKey as _};

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const UTF8_STRING: u8 = 0x0c;
const UTC_TIME: u8 = 0x17;
/// `[0] EXPLICIT` (version) and `[3] EXPLICIT` (extensions) in a TBSCertificate.
const VERSION_TAG: u8 = 0xa0;
const EXTENSIONS_TAG: u8 = 0xa3;

/// 2.5.4.3 and 2.5.4.10, without tag and length.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
/// AlgorithmIdentifier ecdsa-with-SHA256 (the sandbox CA's key is ECDSA P-256).
const ECDSA_WITH_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// keyUsage (critical): digitalSignature.
const KEY_USAGE: &[u8] = &[
    0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x07, 0x80,
];
/// extKeyUsage: clientAuth (kube-apiserver verifies client certificates for it).
const EXT_KEY_USAGE_CLIENT_AUTH: &[u8] = &[
    0x30, 0x13, 0x06, 0x03, 0x55, 0x1d, 0x25, 0x04, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01,
    0x05, 0x05, 0x07, 0x03, 0x02,
];

/// A client certificate and its private key, both PEM (what a kubeconfig's
/// `client-certificate-data` / `client-key-data` hold, base64-encoded once more).
#[derive(Clone)]
pub struct ClientCertificate {
    /// The certificate (PEM `CERTIFICATE`).
    pub cert_pem: String,
    /// The private key (PEM PKCS#8 `PRIVATE KEY`).
    pub key_pem: String,
}

impl std::fmt::Debug for ClientCertificate {
    /// The key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// A certificate subject as kube-apiserver's `CommonNameUserConversion` reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The user name (the last CommonName attribute; empty when there is none).
    pub common_name: String,
    /// The groups (every Organization attribute, in order).
    pub organizations: Vec<String>,
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// One attribute per RDN, as `openssl req -subj "/CN=jane/O=app1/O=app2"` writes them.
fn name(user: &str, groups: &[String]) -> Vec<u8> {
    let rdn = |oid: &[u8], value: &str| {
        let atv = sequence(&[&tlv(OID, oid), &tlv(UTF8_STRING, value.as_bytes())]);
        tlv(SET, &atv)
    };
    let mut rdns = rdn(COMMON_NAME, user);
    for g in groups {
        rdns.extend(rdn(ORGANIZATION, g));
    }
    tlv(SEQUENCE, &rdns)
}

fn utc_time(t: jiff::Timestamp) -> Vec<u8> {
    tlv(UTC_TIME, t.strftime("%y%m%d%H%M%SZ").to_string().as_bytes())
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A fresh ECDSA P-256 key and a certificate for it, signed by `ca_key` under the issuer name
/// `ca_subject` (the CA certificate's subject, DER): CN = `user`, one O per group, client-auth
/// only, valid from an hour ago (clock skew) for a year.
pub fn client_certificate(
    ca_key: &KeyPair,
    ca_subject: &[u8],
    user: &str,
    groups: &[String],
) -> Result<ClientCertificate, rcgen::Error> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut serial = *uuid::Uuid::new_v4().as_bytes();
    // Positive and minimally encoded: the first byte is in 0x40..=0x7f.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let now = jiff::Timestamp::now();
    let not_before = now
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap_or(now);
    let not_after = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 365))
        .unwrap_or(now);
    let tbs = sequence(&[
        &tlv(VERSION_TAG, &tlv(INTEGER, &[2])),
        &tlv(INTEGER, &serial),
        ECDSA_WITH_SHA256,
        ca_subject,
        &sequence(&[&utc_time(not_before), &utc_time(not_after)]),
        &name(user, groups),
        &key.subject_public_key_info(),
        &tlv(
            EXTENSIONS_TAG,
            &sequence(&[KEY_USAGE, EXT_KEY_USAGE_CLIENT_AUTH]),
        ),
    ]);
    let mut signature = vec![0u8];
    signature.extend(ca_key.sign(&tbs)?);
    let cert = sequence(&[&tbs, ECDSA_WITH_SHA256, &tlv(BIT_STRING, &signature)]);
    Ok(ClientCertificate {
        cert_pem: pem("CERTIFICATE", &cert),
        key_pem: key.serialize_pem(),
    })
}

/// Splits one DER element off `input`: its tag, its content and what follows it.
fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, after) = input.split_first()?;
    let (&first, mut after) = after.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || after.len() < n {
            return None;
        }
        let (bytes, rest) = after.split_at(n);
        after = rest;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if after.len() < len {
        return None;
    }
    let (content, rest) = after.split_at(len);
    Some((tag, content, rest))
}

/// The subject `Name` of a DER certificate (the whole element, tag and length included).
pub fn subject_of(cert: &[u8]) -> Option<&[u8]> {
    let (tag, certificate, _) = read(cert)?;
    let (tbs_tag, mut tbs, _) = read(certificate)?;
    if tag != SEQUENCE || tbs_tag != SEQUENCE {
        return None;
    }
    if tbs.first() == Some(&VERSION_TAG) {
        tbs = read(tbs)?.2;
    }
    // serialNumber, signature, issuer, validity
    for _ in 0..4 {
        tbs = read(tbs)?.2;
    }
    let (tag, _, rest) = read(tbs)?;
    (tag == SEQUENCE).then(|| &tbs[..tbs.len() - rest.len()])
}

/// A directory string as Go's asn1 package decodes it (UTF8, Printable, IA5, Numeric, T61 as
/// bytes, BMP as UTF-16); other string types are skipped, as `pkix.Name` skips non-strings.
fn directory_string(tag: u8, bytes: &[u8]) -> Option<String> {
    match tag {
        0x0c | 0x12 | 0x13 | 0x14 | 0x16 => String::from_utf8(bytes.to_vec()).ok(),
        0x1e if bytes.len().is_multiple_of(2) => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// Reads a DER `Name` (from [`subject_of`]); `None` when it is malformed.
pub fn parse_subject(name: &[u8]) -> Option<Subject> {
    let (tag, mut rdns, _) = read(name)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut out = Subject::default();
    while !rdns.is_empty() {
        let (tag, mut set, rest) = read(rdns)?;
        rdns = rest;
        if tag != SET {
            return None;
        }
        while !set.is_empty() {
            let (tag, atv, rest) = read(set)?;
            set = rest;
            let (oid_tag, oid, value) = read(atv)?;
            if tag != SEQUENCE || oid_tag != OID {
                return None;
            }
            let (value_tag, value, _) = read(value)?;
            let Some(text) = directory_string(value_tag, value) else {
                continue;
            };
            if oid == COMMON_NAME {
                out.common_name = text;
            } else if oid == ORGANIZATION {
                out.organizations.push(text);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue};

    fn der(pem: &str) -> Vec<u8> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn issued_subject_reads_back_with_every_group() {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let groups: Vec<String> = ["system:masters", "team-a", "Ünïcode group"]
            .iter()
            .map(|g| g.to_string())
            .collect();
        let issued = client_certificate(&ca_key, &name("ca", &[]), "jane", &groups).unwrap();
        assert!(issued.key_pem.contains("PRIVATE KEY"));
        assert!(!format!("{issued:?}").contains("PRIVATE KEY"));
        let cert = der(&issued.cert_pem);
        let subject = parse_subject(subject_of(&cert).unwrap()).unwrap();
        assert_eq!(subject.common_name, "jane");
        assert_eq!(subject.organizations, groups);
    }

    /// Certificates written by rcgen (other string types, a long DN) read as Go reads them.
    #[test]
    fn reads_rcgen_subjects() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::OrganizationName,
            DnValue::PrintableString("ops".try_into().unwrap()),
        );
        dn.push(DnType::CountryName, "DE");
        dn.push(
            DnType::CommonName,
            DnValue::BmpString("bmp-user".try_into().unwrap()),
        );
        dn.push(DnType::OrganizationalUnitName, "x".repeat(300));
        params.distinguished_name = dn;
        let cert = params.self_signed(&key).unwrap();
        let subject = parse_subject(subject_of(cert.der()).unwrap()).unwrap();
        assert_eq!(subject.common_name, "bmp-user");
        assert_eq!(subject.organizations, ["ops"]);
    }

    #[test]
    fn malformed_input_is_none_not_a_panic() {
        assert_eq!(subject_of(&[]), None);
        assert_eq!(subject_of(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(parse_subject(&[0x30, 0x03, 0x31, 0x05, 0x30]), None);
        let full = name("a", &["b".into()]);
        for cut in 0..full.len() {
            let _ = parse_subject(&full[..cut]);
        }
    }
}
