//! OpenID Connect sign-in for contexts whose cluster takes ID tokens: the flow itself
//! (`oidc/flow.rs`), where a context's settings come from (`oidc/settings.rs`), and the sessions
//! that keep each context signed in: the refresh token in the OS keyring, never on disk or in a
//! log, one refresh at a time per context, a rotated refresh token stored before it is used.

mod flow;
mod http;
mod settings;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use kubedesk_secrets::{Keyring, KeyringError, Secret};

pub use flow::{Identity, SIGN_IN_TIMEOUT, SignIn, Tokens, refresh};
pub use settings::{OidcSettings, SettingsError};

/// Why signing in or staying signed in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or its answers could not be read.
    #[error(
        "the OpenID provider {issuer} cannot be used: {detail}; check that it is up and that the issuer URL is right"
    )]
    Provider {
        /// The issuer.
        issuer: String,
        /// What failed.
        detail: String,
    },
    /// The provider refused (the user declined, the client is not allowed).
    #[error("the OpenID provider {issuer} refused the sign-in: {detail}")]
    Refused {
        /// The issuer.
        issuer: String,
        /// The provider's error and description.
        detail: String,
    },
    /// The refresh token is no longer valid (revoked, expired, or replayed).
    #[error("the sign-in at {issuer} has ended ({detail}); sign in again")]
    Revoked {
        /// The issuer.
        issuer: String,
        /// The provider's error.
        detail: String,
    },
    /// The ID token did not verify.
    #[error("the ID token from {issuer} cannot be trusted: {detail}")]
    IdToken {
        /// The issuer.
        issuer: String,
        /// What did not verify.
        detail: String,
    },
    /// The browser did not come back, or came back with something else than asked for.
    #[error("the sign-in did not complete: {detail}")]
    Callback {
        /// What went wrong.
        detail: String,
    },
    /// The browser could not be opened.
    #[error("no browser could be opened ({detail}); open this address yourself: {url}")]
    Browser {
        /// The authorization URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The keyring failed while reading or forgetting a refresh token.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
}

/// A valid ID token and when it expires.
#[derive(Debug, Clone)]
pub struct IdToken {
    /// The token.
    pub token: Secret,
    /// Who it names and until when.
    pub identity: Identity,
}

/// The sign-in state of every context: ID tokens in memory, refresh tokens in the keyring.
pub struct Sessions {
    keyring: Arc<Keyring>,
    /// Each context's ID token; the lock is held across a refresh, so one runs at a time.
    sessions: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<IdToken>>>>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Sessions")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// How long before its expiry an ID token is refreshed.
const EARLY: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

impl Sessions {
    /// Sessions whose refresh tokens go to `keyring`.
    pub fn new(keyring: Arc<Keyring>) -> Self {
        Self {
            keyring,
            sessions: std::sync::Mutex::default(),
        }
    }

    /// The keyring: to say whether it remembers sign-ins across restarts, and for the other
    /// secrets a user gives.
    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    /// The keyring account of a context's refresh token (`secret-tool lookup service kubedesk
    /// username <context>/oidc`).
    pub fn account(context: &str) -> String {
        format!("{context}/oidc")
    }

    fn session(&self, context: &str) -> Arc<tokio::sync::Mutex<Option<IdToken>>> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(context.to_owned())
            .or_default()
            .clone()
    }

    /// A valid ID token for `context`: the one held, or a new one from the refresh token in the
    /// keyring. `None` when the context is not signed in. Only one refresh per context runs at
    /// a time; the others wait for it and use its token.
    pub async fn id_token(
        &self,
        context: &str,
        settings: &OidcSettings,
    ) -> Result<Option<IdToken>, OidcError> {
        let session = self.session(context);
        let mut held = session.lock().await;
        if let Some(token) = held.as_ref()
            && token.identity.expires > jiff::Timestamp::now() + EARLY
        {
            return Ok(Some(token.clone()));
        }
        *held = None;
        let account = Self::account(context);
        let Some(refresh_token) = self.blocking(move |keyring| keyring.get(&account)).await? else {
            return Ok(None);
        };
        let token = self.refresh(context, settings, &refresh_token).await?;
        *held = Some(token.clone());
        Ok(Some(token))
    }

    /// Signs in to `context` through the browser: `open` is given the authorization URL to show
    /// (the system browser, or the address printed for the user). Keeps the refresh token in the
    /// keyring and the ID token in memory.
    pub async fn sign_in(
        &self,
        context: &str,
        settings: &OidcSettings,
        open: impl FnOnce(&str) -> std::io::Result<()>,
    ) -> Result<Identity, OidcError> {
        let sign_in = SignIn::begin(settings).await?;
        open(sign_in.url()).map_err(|error| OidcError::Browser {
            url: sign_in.url().to_owned(),
            detail: error.to_string(),
        })?;
        let tokens = sign_in.finish().await?;
        let session = self.session(context);
        let mut held = session.lock().await;
        let token = self.keep(context, tokens).await;
        let identity = token.identity.clone();
        *held = Some(token);
        Ok(identity)
    }

    /// Takes over a refresh token the user's kubeconfig holds (the `oidc` auth-provider's
    /// `refresh-token`), as kubectl would use it, and keeps the session from then on.
    pub async fn adopt(
        &self,
        context: &str,
        settings: &OidcSettings,
        refresh_token: &Secret,
    ) -> Result<IdToken, OidcError> {
        let session = self.session(context);
        let mut held = session.lock().await;
        let token = self.refresh(context, settings, refresh_token).await?;
        *held = Some(token.clone());
        Ok(token)
    }

    /// Signs out of `context`: the ID token is dropped and the refresh token leaves the keyring.
    pub async fn sign_out(&self, context: &str) -> Result<(), OidcError> {
        let session = self.session(context);
        let mut held = session.lock().await;
        *held = None;
        let account = Self::account(context);
        self.blocking(move |keyring| keyring.delete(&account))
            .await?;
        Ok(())
    }

    /// Who `context` is signed in as, if the app holds an ID token for it (after the refresh
    /// under way, if one is).
    pub async fn identity(&self, context: &str) -> Option<Identity> {
        let session = self.session(context);
        let held = session.lock().await;
        held.as_ref().map(|token| token.identity.clone())
    }

    /// Whether `context` has a refresh token kept (so it stays signed in).
    pub async fn signed_in(&self, context: &str) -> bool {
        let account = Self::account(context);
        matches!(
            self.blocking(move |keyring| keyring.get(&account)).await,
            Ok(Some(_))
        )
    }

    /// Refreshes with `refresh_token`; the rotated refresh token is in the keyring before the
    /// new ID token is used. A revoked grant leaves the keyring.
    async fn refresh(
        &self,
        context: &str,
        settings: &OidcSettings,
        refresh_token: &Secret,
    ) -> Result<IdToken, OidcError> {
        let account = Self::account(context);
        match refresh(settings, refresh_token).await {
            Ok(mut tokens) => {
                // A provider that does not rotate keeps the old refresh token valid.
                tokens
                    .refresh_token
                    .get_or_insert_with(|| refresh_token.clone());
                Ok(self.keep(context, tokens).await)
            }
            Err(error @ OidcError::Revoked { .. }) => {
                self.blocking(move |keyring| keyring.delete(&account))
                    .await?;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Stores the refresh token, if the tokens bring one, before the ID token is handed out.
    async fn keep(&self, context: &str, tokens: Tokens) -> IdToken {
        if let Some(refresh_token) = tokens.refresh_token {
            let account = Self::account(context);
            // A keyring that refuses keeps the token in memory and says so (`unavailable`).
            let _ = self
                .blocking(move |keyring| {
                    keyring.set(&account, &refresh_token);
                    Ok(())
                })
                .await;
        }
        IdToken {
            token: tokens.id_token,
            identity: tokens.identity,
        }
    }

    /// Runs a keyring call off the async threads (D-Bus calls block).
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
    ) -> Result<T, KeyringError> {
        let keyring = self.keyring.clone();
        tokio::task::spawn_blocking(move || call(&keyring))
            .await
            .unwrap_or_else(|error| {
                Err(KeyringError {
                    detail: error.to_string(),
                })
            })
    }
}
