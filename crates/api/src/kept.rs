//! What the app keeps between runs besides its settings: a JSON file of entries by key in the
//! configuration folder (the Prometheus given for each context, the image registries), written
//! whole through a partial file; and secrets in the keyring, reached off the async threads.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use kubedesk_ipc as ipc;
use kubedesk_secrets::{Keyring, KeyringError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::App;

/// Entries by key in a JSON file; `what` names them in errors (`The image registries`).
#[derive(Debug)]
pub(crate) struct JsonMap<T> {
    path: PathBuf,
    what: &'static str,
    _entries: std::marker::PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> JsonMap<T> {
    pub(crate) fn new(path: PathBuf, what: &'static str) -> Self {
        Self {
            path,
            what,
            _entries: std::marker::PhantomData,
        }
    }

    fn failed(&self, message: String) -> ipc::Error {
        ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!("{}: {message}.", self.what),
            hint: Some("Fix or delete the file; setting them again replaces it.".to_owned()),
        }
    }

    /// Every entry; none when the file is not there.
    pub(crate) fn all(&self) -> Result<BTreeMap<String, T>, ipc::Error> {
        match std::fs::read(&self.path) {
            Ok(text) => serde_json::from_slice(&text).map_err(|error| {
                self.failed(format!("{} is not valid: {error}", self.path.display()))
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(error) => {
                Err(self.failed(format!("{} cannot be read: {error}", self.path.display())))
            }
        }
    }

    /// The entry of `key`.
    pub(crate) fn of(&self, key: &str) -> Result<Option<T>, ipc::Error> {
        Ok(self.all()?.remove(key))
    }

    /// Keeps `entry` under `key`, or forgets the key's.
    pub(crate) fn save(&self, key: &str, entry: Option<T>) -> Result<(), ipc::Error> {
        let mut all = self.all()?;
        match entry {
            Some(entry) => all.insert(key.to_owned(), entry),
            None => all.remove(key),
        };
        let written = self
            .path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let text = serde_json::to_vec_pretty(&all).map_err(std::io::Error::from)?;
                let partial = self.path.with_extension("json.partial");
                std::fs::write(&partial, text)?;
                std::fs::rename(&partial, &self.path)
            });
        written.map_err(|error| {
            self.failed(format!(
                "{} could not be written: {error}",
                self.path.display()
            ))
        })
    }
}

/// Runs a keyring call off the async threads (D-Bus calls block); `what` names the secret in
/// the error (`the Prometheus credentials`).
pub(crate) async fn keyring<T: Send + 'static>(
    app: &App,
    what: &'static str,
    call: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, ipc::Error> {
    let keyring: Arc<Keyring> = app.clients.sessions().keyring().clone();
    tokio::task::spawn_blocking(move || call(&keyring))
        .await
        .unwrap_or_else(|error| {
            Err(KeyringError {
                detail: error.to_string(),
            })
        })
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!("{what} could not be read: {error}."),
            hint: Some("Unlock the keyring and try again.".to_owned()),
        })
}
