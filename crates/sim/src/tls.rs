//! TLS with a generated certificate authority, as a kubeadm cluster has: the server's certificate
//! for 127.0.0.1 and localhost, and client certificates whose subject names the user (CN) and
//! their groups (O), which the server reads back after verifying them against the same CA.
//!
//! As kube-apiserver does (Go's `tls.RequestClientCert`), the handshake takes any client
//! certificate, and the authenticator verifies it afterwards: an expired or foreign certificate
//! is answered 401, not with a failed handshake.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};

use crate::auth::User;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating a key or a certificate failed.
    #[error("could not generate a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Config(#[from] rustls::Error),
    /// The client certificate verifier could not be built.
    #[error("could not configure client certificates: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

/// A certificate authority: signs the server's certificate and users' client certificates.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Authority")
    }
}

/// A client certificate and its key, PEM-encoded as a kubeconfig's `client-certificate-data`
/// and `client-key-data` hold them (before base64).
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    /// The certificate.
    pub certificate_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

impl Authority {
    /// A new CA named like kubeadm's (`CN=kubernetes`).
    pub fn generate() -> Result<Self, TlsError> {
        let mut params = CertificateParams::new(Vec::new())?;
        params.distinguished_name = name("kubernetes", None);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        Ok(Self { issuer })
    }

    /// The CA certificate, PEM-encoded (a kubeconfig's `certificate-authority-data` before base64).
    pub fn certificate_pem(&self) -> String {
        self.issuer.pem()
    }

    /// The server's TLS configuration: a certificate for 127.0.0.1 and localhost, HTTP/1.1 only,
    /// and client certificates from this CA accepted but not required.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
        params.distinguished_name = name("kube-apiserver", None);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &self.issuer)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(RequestClientCert(self.verifier()?));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![certificate.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )?;
        // Go clients would negotiate HTTP/2 through ALPN; the server speaks HTTP/1.1.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// The verifier of client certificates issued by this CA.
    fn verifier(&self) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(self.issuer.der().clone())?;
        Ok(
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()?,
        )
    }

    /// The user a client's certificates name, when this CA issued them and they are valid now
    /// (kube-apiserver's x509 authenticator).
    pub fn client_user(&self, certificates: &[CertificateDer<'_>]) -> Option<User> {
        let (end_entity, intermediates) = certificates.split_first()?;
        self.verifier()
            .ok()?
            .verify_client_cert(end_entity, intermediates, UnixTime::now())
            .ok()?;
        certificate_user(end_entity)
    }

    /// A client certificate that expired in 2020, as a kubeconfig left unrenewed holds one.
    pub fn expired_client_certificate(&self, user: &str) -> Result<ClientCertificate, TlsError> {
        self.issue(user, None, Some((2019, 2020)))
    }

    /// A client certificate for `user` in `group`, as `kubeadm kubeconfig user` issues one.
    /// (rcgen writes one value per attribute type, so one group; the server reads any number.)
    pub fn client_certificate(
        &self,
        user: &str,
        group: Option<&str>,
    ) -> Result<ClientCertificate, TlsError> {
        self.issue(user, group, None)
    }

    /// A client certificate, valid from the first to the second year given, or for rcgen's
    /// default span.
    fn issue(
        &self,
        user: &str,
        group: Option<&str>,
        years: Option<(i32, i32)>,
    ) -> Result<ClientCertificate, TlsError> {
        let mut params = CertificateParams::new(Vec::new())?;
        if let Some((from, to)) = years {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        params.distinguished_name = name(user, group);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &self.issuer)?;
        Ok(ClientCertificate {
            certificate_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// Takes any client certificate whose holder proves its key, leaving the verdict on the
/// certificate itself to [`Authority::client_user`].
#[derive(Debug)]
struct RequestClientCert(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for RequestClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

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

fn name(common: &str, organisation: Option<&str>) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    if let Some(organisation) = organisation {
        name.push(DnType::OrganizationName, organisation);
    }
    name.push(DnType::CommonName, common);
    name
}

/// The user a verified client certificate names: CN is the user, each O a group.
pub fn certificate_user(certificate: &CertificateDer<'_>) -> Option<User> {
    let (common, organisations) = subject(certificate)?;
    let groups: Vec<&str> = organisations.iter().map(String::as_str).collect();
    Some(User::new(common, &groups))
}

const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const ORGANISATION: &[u8] = &[0x55, 0x04, 0x0a];

/// The subject's common name and organisations, read from the DER certificate:
/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serial, signature,
/// issuer, validity, subject, … } … }.
fn subject(certificate: &[u8]) -> Option<(String, Vec<String>)> {
    let (_, certificate, _) = der(certificate)?;
    let (_, mut tbs, _) = der(certificate)?;
    // Skip the optional explicit version, then serial, signature, issuer and validity.
    if tbs.first() == Some(&0xa0) {
        tbs = der(tbs)?.2;
    }
    for _ in 0..4 {
        tbs = der(tbs)?.2;
    }
    let (_, mut names, _) = der(tbs)?;
    let mut common = None;
    let mut organisations = Vec::new();
    // Subject ::= SEQUENCE OF SET OF SEQUENCE { type OID, value string }.
    while !names.is_empty() {
        let (_, set, rest) = der(names)?;
        names = rest;
        let (_, pair, _) = der(set)?;
        let (_, oid, value) = der(pair)?;
        let (_, text, _) = der(value)?;
        let text = String::from_utf8(text.to_vec()).ok()?;
        match oid {
            COMMON_NAME => common = Some(text),
            ORGANISATION => organisations.push(text),
            _ => {}
        }
    }
    Some((common?, organisations))
}

/// One DER element: its tag, its contents, and what follows it.
fn der(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    let (length, header) = if first & 0x80 == 0 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let length = bytes
            .get(2..2 + count)?
            .iter()
            .fold(0_usize, |length, byte| (length << 8) | usize::from(*byte));
        (length, 2 + count)
    };
    let end = header.checked_add(length)?;
    Some((tag, bytes.get(header..end)?, bytes.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_names_its_user_and_groups() {
        let authority = Authority::generate().unwrap();
        let issued = authority
            .client_certificate("jane", Some("gpu-users"))
            .unwrap();
        let pem = issued.certificate_pem;
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let user = certificate_user(&CertificateDer::from(der)).unwrap();
        assert_eq!(user.name, "jane");
        assert_eq!(user.groups, ["gpu-users", "system:authenticated"]);
        assert!(authority.server_config().is_ok());
    }

    #[test]
    fn malformed_certificates_name_nobody() {
        assert_eq!(subject(&[]), None);
        assert_eq!(subject(&[0x30, 0x82, 0xff]), None);
        assert_eq!(subject(&[0x30, 0x03, 0x30, 0x01]), None);
    }
}
