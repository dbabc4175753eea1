//! Secrets KubeDesk keeps between runs (OIDC refresh tokens), in the OS keyring: the Secret Service
//! on Linux (gnome-keyring, KWallet), through `keyring-core` and its pure-Rust zbus store. When no
//! keyring is reachable the secrets are kept in memory only, and [`Keyring::unavailable`] says
//! why, so that the app can tell the user that they will have to sign in again after a restart.
//!
//! A secret never reaches a file or a log from here: [`Secret`] prints as `[redacted]`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The service name every KubeDesk item is stored under (`secret-tool search service kubedesk`).
pub const SERVICE: &str = "kubedesk";

/// A secret value; its `Debug` form does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("[redacted]")
    }
}

/// Why the keyring could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the keyring cannot be used: {detail}")]
pub struct KeyringError {
    /// What the keyring said.
    pub detail: String,
}

/// Where the secrets go: the OS keyring while it works, memory otherwise.
pub struct Keyring {
    /// The Secret Service, when a session bus and a keyring daemon answered.
    store: Option<Arc<keyring_core::CredentialStore>>,
    /// Secrets that could not be written to the keyring, and those read from it this run.
    memory: Mutex<HashMap<String, Secret>>,
    /// Why secrets are kept in memory only, once that is known.
    unavailable: Mutex<Option<String>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Keyring")
            .field("secret_service", &self.store.is_some())
            .field("unavailable", &self.unavailable())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Connects to the Secret Service of this session (`DBUS_SESSION_BUS_ADDRESS`). Blocks for the
    /// D-Bus handshake (tens of milliseconds); without a bus or a keyring daemon the keyring is
    /// memory only, and says why.
    pub fn open() -> Self {
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(store) => Self {
                store: Some(store as Arc<keyring_core::CredentialStore>),
                memory: Mutex::default(),
                unavailable: Mutex::default(),
            },
            Err(error) => Self::memory(describe(&error)),
        }
    }

    /// A keyring that keeps secrets in memory only, for `reason`.
    pub fn memory(reason: impl Into<String>) -> Self {
        Self {
            store: None,
            memory: Mutex::default(),
            unavailable: Mutex::new(Some(reason.into())),
        }
    }

    /// Why secrets are not remembered across restarts, if they are not.
    pub fn unavailable(&self) -> Option<String> {
        self.unavailable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The secret stored for `account`. Blocks on the keyring.
    pub fn get(&self, account: &str) -> Result<Option<Secret>, KeyringError> {
        if let Some(secret) = self.kept().get(account) {
            return Ok(Some(secret.clone()));
        }
        let Some(entry) = self.entry(account)? else {
            return Ok(None);
        };
        match entry.get_password() {
            Ok(value) => Ok(Some(Secret(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(KeyringError {
                detail: describe(&error),
            }),
        }
    }

    /// Stores `secret` for `account`, replacing what was there. When the keyring refuses (locked,
    /// no default collection), the secret is kept in memory and the keyring reports itself
    /// unavailable. Blocks on the keyring.
    pub fn set(&self, account: &str, secret: &Secret) {
        let written = self.entry(account).and_then(|entry| match entry {
            Some(entry) => entry
                .set_password(secret.expose())
                .map_err(|error| KeyringError {
                    detail: describe(&error),
                }),
            None => Err(KeyringError {
                detail: self.unavailable().unwrap_or_default(),
            }),
        });
        let mut memory = self.kept();
        match written {
            Ok(()) => {
                memory.remove(account);
            }
            Err(error) => {
                memory.insert(account.to_owned(), secret.clone());
                *self
                    .unavailable
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(error.detail);
            }
        }
    }

    /// Forgets the secret of `account`, in memory and in the keyring. Blocks on the keyring.
    pub fn delete(&self, account: &str) -> Result<(), KeyringError> {
        self.kept().remove(account);
        let Some(entry) = self.entry(account)? else {
            return Ok(());
        };
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(KeyringError {
                detail: describe(&error),
            }),
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn entry(&self, account: &str) -> Result<Option<keyring_core::Entry>, KeyringError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        keyring_core::Entry::new_in_store(store, SERVICE, account)
            .map(Some)
            .map_err(|error| KeyringError {
                detail: describe(&error),
            })
    }
}

/// What a keyring error means for the user, in the words the Secret Service gives.
fn describe(error: &keyring_core::Error) -> String {
    match error {
        keyring_core::Error::NoStorageAccess(inner) => format!(
            "the keyring refused access ({inner}); unlock your login keyring, or create one"
        ),
        keyring_core::Error::PlatformFailure(inner) => {
            format!("no Secret Service answered ({inner}); start gnome-keyring or KWallet")
        }
        other => other.to_string(),
    }
}
