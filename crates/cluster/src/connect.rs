//! A client for one context, built as kubectl builds it: the files are merged first-wins, relative
//! paths resolve against the file that names them, and the cluster's CA, `tls-server-name`,
//! `proxy-url`, `insecure-skip-tls-verify`, tokens, token files, client certificates and exec
//! plugins are honoured (kube-rs does the TLS and the credentials; exec plugins are run here, see
//! `connect/exec.rs`). Every connection attempt is bounded by a timeout.

mod exec;

use std::time::Duration;

use base64::Engine as _;

use crate::KubeconfigPaths;
use crate::oidc::{IdToken, Identity, OidcSettings, Sessions};

pub use exec::{Credential, EXEC_TIMEOUT, ExecError};

/// How long opening a connection may take before the cluster counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take; each request is bounded by it where it is made.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a connection may stay silent: longer than a watch lasts (the live tables ask the
/// server to end each watch after `tables::WATCH_SECONDS`), so that only a dead one is cut.
pub const READ_TIMEOUT: Duration = Duration::from_secs(crate::tables::WATCH_SECONDS as u64 + 30);

/// Why no client could be built for a context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// The context's entries could not be read by the client library.
    #[error("the kubeconfig entries of context {context:?} cannot be used: {detail}")]
    Kubeconfig {
        /// The context.
        context: String,
        /// What is wrong.
        detail: String,
    },
    /// The credentials could not be obtained: an exec plugin failed, hung or printed garbage.
    #[error("the credentials of context {context:?} could not be obtained: {detail}")]
    Credentials {
        /// The context.
        context: String,
        /// What the plugin or the credential source said.
        detail: String,
    },
    /// The context signs in with OpenID Connect and is not signed in, or its sign-in ended.
    #[error("context {context:?} needs a sign-in at {issuer}: {detail}")]
    SignIn {
        /// The context.
        context: String,
        /// The provider to sign in at.
        issuer: String,
        /// Why: not signed in yet, the provider is down, the sign-in was revoked.
        detail: String,
    },
}

/// A client for `context`, from the files kubectl would read, with no sign-in kept.
pub async fn client(paths: &KubeconfigPaths, context: &str) -> Result<kube::Client, ConnectError> {
    let sessions = Sessions::new(std::sync::Arc::new(kubedesk_secrets::Keyring::memory(
        "a one-off client keeps no sign-in",
    )));
    connect(paths, context, &sessions, None)
        .await
        .map(|made| made.client)
}

/// A client and what says when it must be made again.
#[derive(Clone)]
struct Made {
    client: kube::Client,
    /// When an exec plugin's credentials or an ID token expire.
    expires: Option<jiff::Timestamp>,
    /// A token file read here, and when it was last written: a rotation changes that.
    token_file: Option<(std::path::PathBuf, Option<std::time::SystemTime>)>,
}

impl Made {
    /// Whether the credentials have expired (a minute ahead) or the token file was rotated.
    fn stale(&self) -> bool {
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
        self.expires.is_some_and(|expires| expires <= soon)
            || self.token_file.as_ref().is_some_and(|(file, written)| {
                std::fs::metadata(file)
                    .and_then(|metadata| metadata.modified())
                    .ok()
                    != *written
            })
    }
}

/// The files kubectl would read, merged first-wins.
fn merged(
    paths: &KubeconfigPaths,
    context: &str,
) -> Result<kube::config::Kubeconfig, ConnectError> {
    let fail = |detail: String| ConnectError::Kubeconfig {
        context: context.to_owned(),
        detail,
    };
    let mut merged: Option<kube::config::Kubeconfig> = None;
    for file in paths.files() {
        // A file that cannot be read is a problem the kubeconfig listing already reports; the
        // contexts of the other files still connect.
        let Ok(config) = kube::config::Kubeconfig::read_from(file) else {
            continue;
        };
        merged = Some(match merged {
            None => config,
            Some(earlier) => earlier
                .merge(config)
                .map_err(|error| fail(error.to_string()))?,
        });
    }
    merged.ok_or_else(|| fail("no kubeconfig file could be read".into()))
}

/// The user entry `context` names.
fn user_of<'a>(
    merged: &'a mut kube::config::Kubeconfig,
    context: &str,
) -> Option<&'a mut kube::config::AuthInfo> {
    let user = merged
        .contexts
        .iter()
        .find(|named| named.name == context)
        .and_then(|named| named.context.as_ref())
        .and_then(|entry| entry.user.clone());
    merged
        .auth_infos
        .iter_mut()
        .find(|named| Some(&named.name) == user.as_ref())
        .and_then(|named| named.auth_info.as_mut())
}

/// How `context` signs in with OpenID Connect, if it does: from its user's `oidc` auth-provider
/// or kubelogin exec plugin.
pub fn oidc_settings(
    paths: &KubeconfigPaths,
    context: &str,
) -> Result<Option<OidcSettings>, ConnectError> {
    let mut merged = merged(paths, context)?;
    match user_of(&mut merged, context) {
        Some(auth) => OidcSettings::from_user(auth).map_err(|error| ConnectError::Kubeconfig {
            context: context.to_owned(),
            detail: error.to_string(),
        }),
        None => Ok(None),
    }
}

/// A client for `context`, with what says when it must be made again.
async fn connect(
    paths: &KubeconfigPaths,
    context: &str,
    sessions: &Sessions,
    sign_in: Option<OidcSettings>,
) -> Result<Made, ConnectError> {
    let fail = |detail: String| ConnectError::Kubeconfig {
        context: context.to_owned(),
        detail,
    };
    let mut merged = merged(paths, context)?;
    let mut expires = None;
    let mut token_file = None;
    if let Some(auth) = user_of(&mut merged, context) {
        // A sign-in kept by the app comes first, then the kubeconfig's own ID token; a kubelogin
        // plugin runs when neither is there.
        let settings = match sign_in {
            Some(settings) => Some(settings),
            None => OidcSettings::from_user(auth).map_err(|error| fail(error.to_string()))?,
        };
        if let Some(settings) = settings
            && let Some(token) = oidc_token(context, &settings, auth, sessions).await?
        {
            expires = Some(token.identity.expires);
            auth.token = Some(token.token.expose().to_owned().into());
            auth.auth_provider = None;
            auth.exec = None;
        }
        // kube-rs sends a token file's contents as they are; kubectl trims the newline most such
        // files end with. A file that needs trimming is read here, as kubectl would read it.
        if let (None, Some(file)) = (&auth.token, auth.token_file.clone()) {
            let text = std::fs::read_to_string(&file)
                .map_err(|error| fail(format!("the token file {file} cannot be read: {error}")))?;
            if text.trim() != text {
                auth.token = Some(text.trim().to_owned().into());
                auth.token_file = None;
                let written = std::fs::metadata(&file).and_then(|metadata| metadata.modified());
                token_file = Some((std::path::PathBuf::from(&file), written.ok()));
            }
        }
        // Exec plugins are run here rather than by kube-rs: found on the login shell's PATH, with
        // the install hint when missing, and stopped when they hang.
        if let Some(plugin) = auth.exec.take() {
            let credential = exec::run(&plugin, EXEC_TIMEOUT).await.map_err(|error| {
                ConnectError::Credentials {
                    context: context.to_owned(),
                    detail: error.to_string(),
                }
            })?;
            expires = credential
                .expiration_timestamp
                .as_deref()
                .and_then(|time| time.parse::<jiff::Timestamp>().ok());
            let base64 = |pem: String| base64::engine::general_purpose::STANDARD.encode(pem);
            auth.token = credential.token.map(Into::into);
            auth.client_certificate_data = credential.client_certificate_data.map(base64);
            auth.client_key_data = credential.client_key_data.map(base64).map(Into::into);
        }
        // The server would only say "Unauthorized"; the certificate says when and what to do.
        if let Some(expired) = certificate_expiry(auth).filter(|at| *at < jiff::Timestamp::now()) {
            return Err(ConnectError::Credentials {
                context: context.to_owned(),
                detail: format!(
                    "the client certificate expired on {expired}; get a new one from the \
                     cluster's administrator (kubeadm clusters: `kubeadm kubeconfig user`)"
                ),
            });
        }
    }
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_owned()),
        cluster: None,
        user: None,
    };
    let mut config = kube::Config::from_custom_kubeconfig(merged, &options)
        .await
        .map_err(|error| fail(error.to_string()))?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    config.write_timeout = Some(REQUEST_TIMEOUT);
    // kube's default retries a 429 or 503 up to 15 times with backoff, minutes in all: a user
    // waits for an answer, and callers that should retry (watches, drains) retry themselves.
    config.default_retry = false;
    let client = kube::Client::try_from(config).map_err(|error| match error {
        kube::Error::Auth(error) => ConnectError::Credentials {
            context: context.to_owned(),
            detail: error.to_string(),
        },
        other => fail(other.to_string()),
    })?;
    Ok(Made {
        client,
        expires,
        token_file,
    })
}

/// When the user's client certificate (inline or in its file) stops being valid, if it has one
/// that can be read; kube-rs reports the ones that cannot.
fn certificate_expiry(auth: &kube::config::AuthInfo) -> Option<jiff::Timestamp> {
    use x509_cert::der::DecodePem as _;
    let pem = match (&auth.client_certificate_data, &auth.client_certificate) {
        (Some(data), _) => base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()?,
        (None, Some(file)) => std::fs::read(file).ok()?,
        (None, None) => return None,
    };
    let certificate = x509_cert::Certificate::from_pem(&pem).ok()?;
    let seconds = certificate
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_secs();
    jiff::Timestamp::from_second(i64::try_from(seconds).ok()?).ok()
}

/// The ID token `context` signs in with: the app's session's, or the `oidc` auth-provider's
/// (refreshed with its refresh token when it has expired, as kubectl does). `None` for a
/// kubelogin plugin with no session, which then runs as kubectl would run it.
async fn oidc_token(
    context: &str,
    settings: &OidcSettings,
    auth: &mut kube::config::AuthInfo,
    sessions: &Sessions,
) -> Result<Option<IdToken>, ConnectError> {
    let sign_in = |detail: String| ConnectError::SignIn {
        context: context.to_owned(),
        issuer: settings.issuer.clone(),
        detail,
    };
    if let Some(token) = sessions
        .id_token(context, settings)
        .await
        .map_err(|error| sign_in(error.to_string()))?
    {
        return Ok(Some(token));
    }
    let Some(provider) = auth.auth_provider.take() else {
        // Sign-in set in the app for a user with credentials of its own: those serve until the
        // user signs in; a kubelogin plugin runs as kubectl would run it.
        let has_credentials = auth.exec.is_some()
            || auth.token.is_some()
            || auth.token_file.is_some()
            || auth.client_certificate.is_some()
            || auth.client_certificate_data.is_some()
            || auth.username.is_some();
        return if has_credentials {
            Ok(None)
        } else {
            Err(sign_in("not signed in; sign in from KubeDesk".into()))
        };
    };
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
    if let Some(token) = provider.config.get("id-token")
        && let Some(identity) = Identity::unverified(token)
        && identity.expires > soon
    {
        return Ok(Some(IdToken {
            token: kubedesk_secrets::Secret::new(token.clone()),
            identity,
        }));
    }
    match provider.config.get("refresh-token") {
        Some(refresh_token) => sessions
            .adopt(
                context,
                settings,
                &kubedesk_secrets::Secret::new(refresh_token.clone()),
            )
            .await
            .map(Some)
            .map_err(|error| sign_in(error.to_string())),
        None => Err(sign_in(
            "not signed in; sign in from KubeDesk or with kubectl".into(),
        )),
    }
}

/// The clients of the contexts connected so far, so that every request does not sign in again.
pub struct Clients {
    /// Each context's client, and when to make it again.
    clients: tokio::sync::Mutex<std::collections::BTreeMap<String, Made>>,
    /// The OpenID Connect sign-ins.
    sessions: Sessions,
    /// Sign-in settings set in the app, by context; they win over the kubeconfig's.
    sign_in: std::sync::RwLock<std::collections::BTreeMap<String, OidcSettings>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Clients")
    }
}

impl Clients {
    /// No client yet; sign-ins keep their refresh tokens in `keyring`.
    pub fn new(keyring: std::sync::Arc<kubedesk_secrets::Keyring>) -> Self {
        Self {
            clients: tokio::sync::Mutex::default(),
            sessions: Sessions::new(keyring),
            sign_in: std::sync::RwLock::default(),
        }
    }

    /// Replaces the sign-in settings set in the app, and answers with the contexts whose
    /// settings changed (their clients are to be made again: [`Clients::forget`]).
    pub fn set_sign_in(
        &self,
        settings: std::collections::BTreeMap<String, OidcSettings>,
    ) -> Vec<String> {
        let mut kept = self
            .sign_in
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = kept
            .keys()
            .chain(settings.keys())
            .filter(|context| kept.get(*context) != settings.get(*context))
            .cloned()
            .collect();
        *kept = settings;
        changed
    }

    /// How `context` signs in with OpenID Connect: the app's settings for it, else its
    /// kubeconfig user's `oidc` auth-provider or kubelogin plugin.
    pub fn oidc_settings(
        &self,
        paths: &KubeconfigPaths,
        context: &str,
    ) -> Result<Option<OidcSettings>, ConnectError> {
        match self.set_in_app(context) {
            Some(settings) => Ok(Some(settings)),
            None => oidc_settings(paths, context),
        }
    }

    fn set_in_app(&self, context: &str) -> Option<OidcSettings> {
        self.sign_in
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(context)
            .cloned()
    }

    /// The OpenID Connect sign-ins.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Drops the kept client of `context` (after a sign-out).
    pub async fn forget(&self, context: &str) {
        self.clients.lock().await.remove(context);
    }

    /// The context's client, connecting on first use, and again when its credentials are about
    /// to expire (a minute ahead) or its token file was rotated.
    pub async fn get(
        &self,
        paths: &KubeconfigPaths,
        context: &str,
    ) -> Result<kube::Client, ConnectError> {
        if let Some(made) = self.clients.lock().await.get(context)
            && !made.stale()
        {
            return Ok(made.client.clone());
        }
        self.fresh(paths, context).await
    }

    /// A new client for the context, replacing the one kept (after an edit of the kubeconfig,
    /// or to check again a cluster that failed).
    pub async fn fresh(
        &self,
        paths: &KubeconfigPaths,
        context: &str,
    ) -> Result<kube::Client, ConnectError> {
        let made = connect(paths, context, &self.sessions, self.set_in_app(context)).await;
        let mut clients = self.clients.lock().await;
        match &made {
            Ok(kept) => {
                clients.insert(context.to_owned(), kept.clone());
            }
            Err(_) => {
                clients.remove(context);
            }
        }
        made.map(|made| made.client)
    }
}
