//! TLS for probes: rustls with the `ring` provider, trusting a CA from PEM (a private CA, as
//! etcd, Kafka and MinIO often use) or else the bundled Mozilla roots (public S3, GCS, Azure),
//! and presenting a client certificate ([`ClientIdentity`]) to servers that verify clients
//! (an etcd with `--client-cert-auth`).
//!
//! The provider is passed explicitly to every config, never installed process-wide, so the
//! probes neither need nor disturb the process-level `CryptoProvider` that kube's client
//! picks (see `reference/rust-ecosystem.md`, gotcha 5).

use std::sync::Arc;

use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::WebPkiSupportedAlgorithms,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject};

use super::{budget::AttemptError, outcome::ProbeReason, secret::Secret};

/// A client certificate and its private key, presented to a server that verifies clients
/// (mutual TLS). The key is a [`Secret`], so it never prints, and messages about a key that
/// cannot be read never quote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientIdentity {
    /// The certificate chain (PEM), the client's own certificate first.
    pub cert_pem: Vec<u8>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Secret,
}

/// The certificates in `pem` (at least one); `what` names it in errors ("the CA").
fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, AttemptError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            AttemptError::new(
                ProbeReason::InvalidConfig,
                format!("{what} is not valid PEM: {e}"),
            )
        })?;
    if certs.is_empty() {
        return Err(AttemptError::new(
            ProbeReason::InvalidConfig,
            format!("{what} PEM holds no certificate"),
        ));
    }
    Ok(certs)
}

impl ClientIdentity {
    /// The certificate chain and key, parsed.
    fn parsed(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), AttemptError> {
        let chain = certificates(&self.cert_pem, "the client certificate")?;
        // The parser's message may quote a line of the key: say only what was expected.
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.expose().as_bytes()).map_err(|_| {
            AttemptError::new(
                ProbeReason::InvalidConfig,
                "the client key is not a PEM private key (PKCS#8, PKCS#1 or SEC1)",
            )
        })?;
        Ok((chain, key))
    }
}

/// TLS settings of a probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// CA certificates (PEM) to trust instead of the bundled public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate. Only for tests and for the operator's
    /// `storage.ssl.insecureSkipVerify`; the probe then proves reachability, not identity.
    pub insecure_skip_verify: bool,
    /// Name to verify instead of the endpoint's host (for endpoints given as IP addresses).
    pub server_name: Option<String>,
    /// A client certificate to present when the server asks for one (mutual TLS).
    pub client: Option<ClientIdentity>,
}

impl TlsSettings {
    /// Trust exactly the CA certificates in `pem`.
    #[must_use]
    pub fn with_ca_pem(pem: impl Into<Vec<u8>>) -> Self {
        Self {
            ca_pem: Some(pem.into()),
            ..Self::default()
        }
    }

    /// These settings, presenting `cert_pem` with `key_pem` to servers that ask for a client
    /// certificate.
    #[must_use]
    pub fn with_client_identity(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: Secret) -> Self {
        self.client = Some(ClientIdentity {
            cert_pem: cert_pem.into(),
            key_pem,
        });
        self
    }

    /// The rustls client config for these settings.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, AttemptError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| AttemptError::new(ProbeReason::TlsError, format!("TLS setup: {e}")))?;
        let verified = if self.insecure_skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(
                    provider.signature_verification_algorithms,
                )))
        } else {
            builder.with_root_certificates(self.roots()?)
        };
        let config = match &self.client {
            None => verified.with_no_client_auth(),
            Some(identity) => {
                let (chain, key) = identity.parsed()?;
                verified.with_client_auth_cert(chain, key).map_err(|e| {
                    AttemptError::new(
                        ProbeReason::InvalidConfig,
                        format!("the client certificate and key cannot be used: {e}"),
                    )
                })?
            }
        };
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, AttemptError> {
        let Some(pem) = &self.ca_pem else {
            return Ok(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            });
        };
        let mut roots = RootCertStore::empty();
        for cert in certificates(pem, "the CA")? {
            roots.add(cert).map_err(|e| {
                AttemptError::new(
                    ProbeReason::InvalidConfig,
                    format!("the CA certificate cannot be used: {e}"),
                )
            })?;
        }
        Ok(roots)
    }

    /// The name to verify for `host`.
    pub(crate) fn server_name(&self, host: &str) -> Result<ServerName<'static>, AttemptError> {
        let name = self.server_name.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_owned()).map_err(|_| {
            AttemptError::new(
                ProbeReason::InvalidConfig,
                format!("`{name}` is not a valid TLS server name"),
            )
        })
    }
}

/// Verifies handshake signatures but not the certificate chain (`insecureSkipVerify`).
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
