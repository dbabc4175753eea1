//! The HTTP client for the servers a user names besides the API server (an OpenID provider, a
//! Prometheus given by URL, a dashboard's URL): hyper with rustls (the platform's roots plus a CA
//! the user gives), no redirects followed, every request bounded by a timeout.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::health::root_cause;

/// Why a request had no answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// Nothing came back in time.
    #[error("no answer within {} seconds", .0.as_secs())]
    Timeout(Duration),
    /// The connection failed (refused, reset, a name that does not resolve, a certificate
    /// refused).
    #[error("{0}")]
    Connect(String),
    /// The CA given cannot be used.
    #[error("{0}")]
    Tls(String),
}

/// A client trusting the platform's roots and, where given, one more CA.
#[derive(Clone)]
pub struct Https {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<bytes::Bytes>>,
}

impl std::fmt::Debug for Https {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Https").finish_non_exhaustive()
    }
}

impl Https {
    /// A client that trusts the platform's roots and `ca` (PEM), if given; the error says what
    /// is wrong with the CA.
    pub fn new(ca: Option<&[u8]>) -> Result<Self, HttpsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = match ca {
            Some(pem) => CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| HttpsError::Tls(format!("the CA is not PEM: {error}")))?,
            None => Vec::new(),
        };
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                .map_err(|error| HttpsError::Tls(format!("the CA cannot be used: {error}")))?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| HttpsError::Tls(error.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// Sends `request` and reads the whole answer within `timeout`. Redirects are answers, not
    /// followed.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, HttpsError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(bytes::Bytes::from(body)));
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| HttpsError::Connect(root_cause(&error)))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|error| HttpsError::Connect(root_cause(&error)))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(HttpsError::Timeout(timeout)))
    }
}
