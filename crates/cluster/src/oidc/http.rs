//! The HTTP client the OpenID Connect requests go through: hyper with rustls (the platform's
//! roots plus the provider's own CA when the kubeconfig names one), no redirects followed, and
//! every request bounded by a timeout.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openidconnect::{HttpRequest, HttpResponse};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::health::root_cause;

/// How long one request to the provider may take.
pub(super) const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a request to the provider failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum HttpError {
    #[error("no answer within {} seconds", TIMEOUT.as_secs())]
    Timeout,
    #[error("{0}")]
    Connect(String),
    #[error("{0}")]
    Tls(String),
}

/// A client for one provider.
#[derive(Clone)]
pub(super) struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<bytes::Bytes>>,
}

impl Http {
    /// A client that trusts the platform's roots and `ca` (PEM), if given; the error says what
    /// is wrong with the CA.
    pub(super) fn new(ca: Option<&[u8]>) -> Result<Self, HttpError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = match ca {
            Some(pem) => CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| {
                    HttpError::Tls(format!("the provider's CA is not PEM: {error}"))
                })?,
            None => Vec::new(),
        };
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                .map_err(|error| {
                    HttpError::Tls(format!("the provider's CA cannot be used: {error}"))
                })?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| HttpError::Tls(error.to_string()))?
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

    /// Sends `request` and reads the whole answer. Redirects are answers, not followed.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(bytes::Bytes::from(body)));
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| HttpError::Connect(root_cause(&error)))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|error| HttpError::Connect(root_cause(&error)))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body.to_vec()))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or(Err(HttpError::Timeout))
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
