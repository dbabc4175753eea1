//! OpenID Connect ID tokens, as kube-apiserver's `--oidc-*` flags configure it: the signature is
//! checked against the issuer's JWKS (fetched through its discovery document, again when a token
//! names a key not seen yet), then the issuer, the audience (the client id) and the expiry; the
//! user name and groups come from the configured claims, with their prefixes.

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use serde_json::Value;

use super::User;

/// How ID tokens are accepted: kube-apiserver's `--oidc-issuer-url`, `--oidc-client-id`,
/// `--oidc-username-claim`, `--oidc-username-prefix`, `--oidc-groups-claim`,
/// `--oidc-groups-prefix` and `--oidc-ca-file`, and the structured configuration's
/// `discoveryURL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The issuer: tokens' `iss` must equal it.
    pub issuer_url: String,
    /// The client id: tokens' `aud` must contain it.
    pub client_id: String,
    /// The claim that names the user (`sub` by default).
    pub username_claim: String,
    /// Put before the user name; `None` is upstream's default (the issuer and `#`, except for
    /// the `email` claim), `Some("-")` no prefix.
    pub username_prefix: Option<String>,
    /// The claim that lists the groups, if any.
    pub groups_claim: Option<String>,
    /// Put before every group.
    pub groups_prefix: Option<String>,
    /// Where the discovery document is fetched from, when not under the issuer URL.
    pub discovery_url: Option<String>,
    /// The CA that signs the issuer's certificate, PEM, for an `https` issuer.
    pub ca_pem: Option<String>,
}

impl OidcConfig {
    /// The settings for an issuer and client, with upstream's defaults for the rest.
    pub fn new(issuer_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer_url: issuer_url.into(),
            client_id: client_id.into(),
            username_claim: "sub".into(),
            username_prefix: None,
            groups_claim: None,
            groups_prefix: None,
            discovery_url: None,
            ca_pem: None,
        }
    }
}

/// Why an ID token was not accepted; the request is then answered 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// Not three base64url parts with JSON header and claims.
    #[error("the token is not a JWT")]
    Malformed,
    /// An algorithm other than RS256 and ES256.
    #[error("the token is signed with {0}, which is not accepted")]
    Algorithm(String),
    /// The issuer's keys could not be fetched.
    #[error("the issuer's keys could not be fetched: {0}")]
    Keys(#[from] FetchError),
    /// No key of the issuer verifies the signature.
    #[error("the token's signature does not verify")]
    Signature,
    /// A claim does not hold what it must.
    #[error("the token's {0}")]
    Claim(String),
}

/// A configured issuer and the keys fetched from it.
#[derive(Debug)]
pub struct Oidc {
    config: OidcConfig,
    keys: std::sync::RwLock<Vec<Value>>,
}

impl Oidc {
    /// An issuer whose keys are fetched on first use.
    pub fn new(config: OidcConfig) -> Self {
        Self {
            config,
            keys: std::sync::RwLock::new(Vec::new()),
        }
    }

    /// Who the token names, once it checks out.
    pub async fn verify(&self, token: &str) -> Result<User, OidcError> {
        let [header, claims, signature] = token.split('.').collect::<Vec<_>>()[..] else {
            return Err(OidcError::Malformed);
        };
        let decode = |part: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part.trim_end_matches('='))
                .map_err(|_| OidcError::Malformed)
        };
        let header: Value =
            serde_json::from_slice(&decode(header)?).map_err(|_| OidcError::Malformed)?;
        let claims: Value =
            serde_json::from_slice(&decode(claims)?).map_err(|_| OidcError::Malformed)?;
        let signature = decode(signature)?;
        let signed = token
            .rsplit_once('.')
            .map(|(signed, _)| signed)
            .unwrap_or_default();
        let algorithm = header["alg"].as_str().unwrap_or_default().to_owned();
        if !matches!(algorithm.as_str(), "RS256" | "ES256") {
            return Err(OidcError::Algorithm(algorithm));
        }
        let kid = header["kid"].as_str().map(str::to_owned);
        if !self.verifies(kid.as_deref(), &algorithm, signed.as_bytes(), &signature) {
            // A key not seen yet: the issuer may have rotated; fetch again once.
            let fresh = fetch_keys(&self.config).await?;
            *self
                .keys
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
            if !self.verifies(kid.as_deref(), &algorithm, signed.as_bytes(), &signature) {
                return Err(OidcError::Signature);
            }
        }
        self.user(&claims)
    }

    fn verifies(
        &self,
        kid: Option<&str>,
        algorithm: &str,
        signed: &[u8],
        signature: &[u8],
    ) -> bool {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .filter(|key| kid.is_none_or(|kid| key["kid"].as_str() == Some(kid)))
            .any(|key| verify_with(key, algorithm, signed, signature))
    }

    fn user(&self, claims: &Value) -> Result<User, OidcError> {
        let config = &self.config;
        if claims["iss"].as_str() != Some(config.issuer_url.as_str()) {
            return Err(OidcError::Claim(format!(
                "issuer {} is not {}",
                claims["iss"], config.issuer_url
            )));
        }
        let audience_matches = match &claims["aud"] {
            Value::String(audience) => *audience == config.client_id,
            Value::Array(audiences) => audiences
                .iter()
                .any(|audience| *audience == *config.client_id),
            _ => false,
        };
        if !audience_matches {
            return Err(OidcError::Claim(format!(
                "audience {} does not include {}",
                claims["aud"], config.client_id
            )));
        }
        let now = chrono::Utc::now().timestamp();
        if claims["exp"].as_i64().is_none_or(|expiry| expiry <= now) {
            return Err(OidcError::Claim("expiry has passed".into()));
        }
        if config.username_claim == "email" && claims["email_verified"] == false {
            return Err(OidcError::Claim("email is not verified".into()));
        }
        let name = claims[config.username_claim.as_str()]
            .as_str()
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                OidcError::Claim(format!("claim {} is missing", config.username_claim))
            })?;
        let prefix = match config.username_prefix.as_deref() {
            Some("-") => String::new(),
            Some(prefix) => prefix.to_owned(),
            None if config.username_claim == "email" => String::new(),
            None => format!("{}#", config.issuer_url),
        };
        let groups: Vec<String> = match config.groups_claim.as_deref().map(|claim| &claims[claim]) {
            Some(Value::String(group)) => vec![group.clone()],
            Some(Value::Array(groups)) => groups
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let group_prefix = config.groups_prefix.as_deref().unwrap_or_default();
        let groups: Vec<String> = groups
            .iter()
            .map(|group| format!("{group_prefix}{group}"))
            .collect();
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        Ok(User::new(format!("{prefix}{name}"), &groups))
    }
}

fn verify_with(key: &Value, algorithm: &str, signed: &[u8], signature: &[u8]) -> bool {
    let part = |name: &str| {
        key[name].as_str().and_then(|text| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(text)
                .ok()
        })
    };
    match (algorithm, key["kty"].as_str()) {
        ("RS256", Some("RSA")) => {
            let (Some(n), Some(e)) = (part("n"), part("e")) else {
                return false;
            };
            ring::signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    signed,
                    signature,
                )
                .is_ok()
        }
        ("ES256", Some("EC")) => {
            let (Some(x), Some(y)) = (part("x"), part("y")) else {
                return false;
            };
            let mut point = vec![0x04];
            point.extend(x);
            point.extend(y);
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                point,
            )
            .verify(signed, signature)
            .is_ok()
        }
        _ => false,
    }
}

/// Why a document of the issuer (discovery, JWKS) could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL does not name a host.
    #[error("{url} is not a URL with a host")]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// An `https` issuer without the CA to trust it by.
    #[error("{url} is https: give the issuer's CA")]
    NoCa {
        /// The URL.
        url: String,
    },
    /// Connecting, TLS or HTTP failed.
    #[error("{url}: {detail}")]
    Network {
        /// The URL.
        url: String,
        /// The library's reason.
        detail: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer is not JSON.
    #[error("{url} is not JSON: {detail}")]
    NotJson {
        /// The URL.
        url: String,
        /// The parser's reason.
        detail: String,
    },
    /// The discovery document names no key set.
    #[error("{url} names no jwks_uri")]
    NoJwksUri {
        /// The discovery document's URL.
        url: String,
    },
}

/// The issuer's signing keys: its discovery document names the JWKS.
async fn fetch_keys(config: &OidcConfig) -> Result<Vec<Value>, FetchError> {
    let discovery_url = config.discovery_url.clone().unwrap_or_else(|| {
        format!(
            "{}/.well-known/openid-configuration",
            config.issuer_url.trim_end_matches('/')
        )
    });
    let discovery = get_json(&discovery_url, config.ca_pem.as_deref()).await?;
    let jwks_uri = discovery["jwks_uri"]
        .as_str()
        .ok_or_else(|| FetchError::NoJwksUri {
            url: discovery_url.clone(),
        })?;
    let jwks = get_json(jwks_uri, config.ca_pem.as_deref()).await?;
    Ok(jwks["keys"].as_array().cloned().unwrap_or_default())
}

/// GETs a JSON document over HTTP, or HTTPS trusting `ca_pem`.
async fn get_json(url: &str, ca_pem: Option<&str>) -> Result<Value, FetchError> {
    let network = |detail: String| FetchError::Network {
        url: url.to_owned(),
        detail,
    };
    let bad_url = || FetchError::BadUrl {
        url: url.to_owned(),
    };
    let uri: hyper::Uri = url.parse().map_err(|_| bad_url())?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().ok_or_else(bad_url)?.to_owned();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|error| network(error.to_string()))?;
    let request = hyper::Request::get(uri.path_and_query().map_or("/", |path| path.as_str()))
        .header(
            hyper::header::HOST,
            uri.authority()
                .map_or(host.as_str(), |authority| authority.as_str()),
        )
        .body(Empty::<Bytes>::new())
        .map_err(|error| network(error.to_string()))?;
    let answer = if https {
        let ca_pem = ca_pem.ok_or_else(|| FetchError::NoCa {
            url: url.to_owned(),
        })?;
        let mut roots = rustls::RootCertStore::empty();
        for certificate in pem_certificates(ca_pem) {
            roots
                .add(certificate)
                .map_err(|error| network(error.to_string()))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|error| network(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| bad_url())?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, stream)
            .await
            .map_err(|error| network(error.to_string()))?;
        send(hyper_util::rt::TokioIo::new(stream), request).await
    } else {
        send(hyper_util::rt::TokioIo::new(stream), request).await
    };
    let body = match answer {
        Ok(body) => body,
        Err(Sent::Status(status)) => {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status,
            });
        }
        Err(Sent::Failed(error)) => return Err(network(error.to_string())),
    };
    serde_json::from_slice(&body).map_err(|error| FetchError::NotJson {
        url: url.to_owned(),
        detail: error.to_string(),
    })
}

/// How one exchange over a connection went wrong.
enum Sent {
    /// An error status.
    Status(u16),
    /// HTTP itself failed.
    Failed(hyper::Error),
}

async fn send<I>(io: I, request: hyper::Request<Empty<Bytes>>) -> Result<Bytes, Sent>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(Sent::Failed)?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(Sent::Failed)?;
    if !response.status().is_success() {
        return Err(Sent::Status(response.status().as_u16()));
    }
    Ok(response
        .into_body()
        .collect()
        .await
        .map_err(Sent::Failed)?
        .to_bytes())
}

fn pem_certificates(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    pem.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .filter_map(|block| block.split("-----END CERTIFICATE-----").next())
        .filter_map(|body| {
            let body: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD.decode(body).ok()
        })
        .map(rustls::pki_types::CertificateDer::from)
        .collect()
}
