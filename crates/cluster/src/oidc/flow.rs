//! The authorization code flow with PKCE through the system browser and a loopback redirect on
//! 127.0.0.1 (RFC 8252), and the refresh grant. openidconnect verifies the ID tokens: signature
//! through the provider's keys, issuer, audience, expiry, and the nonce of a sign-in.

use std::time::Duration;

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreErrorResponseType,
    CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::http::Http;
use super::{OidcError, OidcSettings};
use crate::health::chain;
use kubedesk_secrets::Secret;

/// How long the browser has to come back to the loopback redirect.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What a sign-in or a refresh yields.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The verified ID token, the bearer token the API server takes.
    pub id_token: Secret,
    /// Who it names and until when.
    pub identity: Identity,
    /// The refresh token, when the provider gave one (`offline_access`); after a refresh, the
    /// rotated one if the provider rotates them.
    pub refresh_token: Option<Secret>,
}

/// Who an ID token names, from its verified claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `iss`: the provider.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `email`, when the token carries it.
    pub email: Option<String>,
    /// `groups`, when the token carries them.
    pub groups: Vec<String>,
    /// `exp`.
    pub expires: jiff::Timestamp,
}

impl Identity {
    /// Who an ID token names, read without verifying it: for a token the kubeconfig holds, which
    /// the API server verifies, and for one openidconnect has verified.
    pub fn unverified(token: &str) -> Option<Self> {
        let payload: serde_json::Value = token
            .split('.')
            .nth(1)
            .and_then(|part| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part)
                    .ok()
            })
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
        let groups = payload["groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(|group| group.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            issuer: payload["iss"].as_str()?.to_owned(),
            subject: payload["sub"].as_str()?.to_owned(),
            email: payload["email"].as_str().map(String::from),
            groups,
            expires: jiff::Timestamp::from_second(payload["exp"].as_i64()?).ok()?,
        })
    }
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The provider's metadata and a client for it.
struct Provider {
    client: Client,
    http: Http,
}

impl Provider {
    async fn discover(settings: &OidcSettings) -> Result<Self, OidcError> {
        let unreachable = |detail: String| OidcError::Provider {
            issuer: settings.issuer.clone(),
            detail,
        };
        let http =
            Http::new(settings.ca.as_deref()).map_err(|error| unreachable(error.to_string()))?;
        let issuer = IssuerUrl::new(settings.issuer.clone())
            .map_err(|error| unreachable(format!("the issuer is not a URL: {error}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|error| unreachable(chain(&error)))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            settings
                .client_secret
                .as_ref()
                .map(|secret| ClientSecret::new(secret.expose().to_owned())),
        );
        Ok(Self { client, http })
    }

    /// Verifies the ID token of a token response; `nonce` is checked on a sign-in only (a
    /// refreshed ID token need not carry it).
    fn tokens(
        &self,
        issuer: &str,
        response: &CoreTokenResponse,
        nonce: Option<&Nonce>,
    ) -> Result<Tokens, OidcError> {
        let invalid = |detail: String| OidcError::IdToken {
            issuer: issuer.to_owned(),
            detail,
        };
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| invalid("the provider answered without an ID token".into()))?;
        let verifier = self.client.id_token_verifier();
        match nonce {
            Some(nonce) => id_token.claims(&verifier, nonce),
            None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|error| invalid(chain(&error)))?;
        let raw = id_token.to_string();
        let identity = Identity::unverified(&raw)
            .ok_or_else(|| invalid("its claims cannot be read".into()))?;
        Ok(Tokens {
            id_token: Secret::new(raw),
            identity,
            refresh_token: response
                .refresh_token()
                .map(|token| Secret::new(token.secret().clone())),
        })
    }
}

/// A sign-in under way: the browser has `url` to open, and the loopback listener waits for it.
pub struct SignIn {
    url: String,
    listener: tokio::net::TcpListener,
    provider: Provider,
    issuer: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SignIn")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// Reads the provider's discovery document, listens on a loopback port, and prepares the
    /// authorization URL.
    pub async fn begin(settings: &OidcSettings) -> Result<Self, OidcError> {
        let provider = Provider::discover(settings).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|error| OidcError::Callback {
                detail: format!("no loopback port could be opened: {error}"),
            })?;
        let port = listener
            .local_addr()
            .map_err(|error| OidcError::Callback {
                detail: error.to_string(),
            })?
            .port();
        let redirect =
            RedirectUrl::new(format!("http://127.0.0.1:{port}/callback")).map_err(|error| {
                OidcError::Callback {
                    detail: error.to_string(),
                }
            })?;
        let provider = Provider {
            client: provider.client.set_redirect_uri(redirect),
            http: provider.http,
        };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            // offline_access yields a refresh token only with consent asked for (OIDC Core).
            .add_scope(Scope::new("offline_access".into()))
            .add_prompt(CoreAuthPrompt::Consent)
            .set_pkce_challenge(challenge);
        for scope in &settings.scopes {
            if !matches!(scope.as_str(), "openid" | "offline_access" | "") {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        for (name, value) in &settings.extra_parameters {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (url, state, nonce) = request.url();
        Ok(Self {
            url: url.to_string(),
            listener,
            provider,
            issuer: settings.issuer.clone(),
            state,
            nonce,
            verifier,
        })
    }

    /// The URL the user's browser opens.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the browser to come back, checks what it brings, and exchanges the code.
    pub async fn finish(self) -> Result<Tokens, OidcError> {
        let query = tokio::time::timeout(SIGN_IN_TIMEOUT, callback(&self.listener))
            .await
            .map_err(|_| OidcError::Callback {
                detail: format!(
                    "the browser did not come back within {} minutes; sign in again",
                    SIGN_IN_TIMEOUT.as_secs() / 60
                ),
            })??;
        let get = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        if let Some(error) = get("error") {
            return Err(OidcError::Refused {
                issuer: self.issuer.clone(),
                detail: match get("error_description") {
                    Some(description) => format!("{error}: {description}"),
                    None => error.to_owned(),
                },
            });
        }
        let mismatch = |detail: &str| OidcError::Callback {
            detail: detail.to_owned(),
        };
        if get("state") != Some(self.state.secret().as_str()) {
            return Err(mismatch(
                "the browser came back with a state this sign-in did not send; sign in again",
            ));
        }
        // RFC 9207: a provider that names itself on the redirect must name the one asked.
        if get("iss").is_some_and(|iss| iss != self.issuer) {
            return Err(mismatch(
                "the redirect names another issuer than the one asked; sign in again",
            ));
        }
        let code = get("code").ok_or_else(|| mismatch("the redirect carries no code"))?;
        let response = self
            .provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| mismatch(&error.to_string()))?
            .set_pkce_verifier(self.verifier)
            .request_async(&self.provider.http)
            .await
            .map_err(|error| token_error(&self.issuer, &error))?;
        self.provider
            .tokens(&self.issuer, &response, Some(&self.nonce))
    }
}

/// Exchanges a refresh token for new tokens.
pub async fn refresh(settings: &OidcSettings, refresh_token: &Secret) -> Result<Tokens, OidcError> {
    let provider = Provider::discover(settings).await?;
    let token = RefreshToken::new(refresh_token.expose().to_owned());
    let response = provider
        .client
        .exchange_refresh_token(&token)
        .map_err(|error| OidcError::Provider {
            issuer: settings.issuer.clone(),
            detail: error.to_string(),
        })?
        .request_async(&provider.http)
        .await
        .map_err(|error| token_error(&settings.issuer, &error))?;
    provider.tokens(&settings.issuer, &response, None)
}

/// A token endpoint's refusal: `invalid_grant` means the grant is gone (revoked, expired,
/// replayed) and only a new sign-in helps.
fn token_error<E: std::error::Error + 'static>(
    issuer: &str,
    error: &RequestTokenError<E, openidconnect::StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    match error {
        RequestTokenError::ServerResponse(response)
            if *response.error() == CoreErrorResponseType::InvalidGrant =>
        {
            OidcError::Revoked {
                issuer: issuer.to_owned(),
                detail: response.to_string(),
            }
        }
        RequestTokenError::ServerResponse(response) => OidcError::Refused {
            issuer: issuer.to_owned(),
            detail: response.to_string(),
        },
        other => OidcError::Provider {
            issuer: issuer.to_owned(),
            detail: chain(other),
        },
    }
}

/// Answers the browser's requests on the loopback listener until one brings the redirect, and
/// returns its query parameters, decoded.
async fn callback(listener: &tokio::net::TcpListener) -> Result<Vec<(String, String)>, OidcError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|error| OidcError::Callback {
                detail: error.to_string(),
            })?;
        let mut head = Vec::new();
        let mut buffer = [0_u8; 4096];
        while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 65536 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => head.extend_from_slice(&buffer[..read]),
            }
        }
        let head = String::from_utf8_lossy(&head);
        let target = head.split_whitespace().nth(1).unwrap_or_default();
        let Some(query) = target.strip_prefix("/callback?") else {
            // A favicon or anything else the browser asks for.
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        };
        let parameters: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (decode(name), decode(value)))
            .collect();
        let page = CALLBACK_PAGE;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
             connection: close\r\ncache-control: no-store\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        return Ok(parameters);
    }
}

/// What the browser shows once it has come back. The app's window says whether the sign-in
/// worked; this page only sends the user back to it, in both of the app's languages.
const CALLBACK_PAGE: &str = "<!doctype html><meta charset=utf-8><title>KubeDesk</title>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>KubeDesk</h1>\
<p>You can close this tab and return to KubeDesk.</p><p lang=zh-CN>您可以关闭此标签页并返回 KubeDesk。</p>";

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let hex = |byte: u8| char::from(byte).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| Some(hex(*bytes.get(index + 1)?)? * 16 + hex(*bytes.get(index + 2)?)?))
            .flatten();
        match (escaped, bytes[index]) {
            (Some(value), _) => {
                out.push(u8::try_from(value).unwrap_or(b'?'));
                index += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
