//! The settings file: JSON in the app's configuration folder, replaced atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use kubedesk_ipc as ipc;

/// Reads and writes the settings file.
#[derive(Debug)]
pub(crate) struct SettingsStore {
    path: PathBuf,
}

/// Why the settings file could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// Reading or writing failed.
    #[error("could not {action} the settings file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is there but is not valid settings.
    #[error("the settings file {path} is not valid: {source}")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl From<StoreError> for ipc::Error {
    fn from(error: StoreError) -> Self {
        let hint = match &error {
            StoreError::Io { .. } => "Check that the folder exists and that you may write to it.",
            StoreError::Invalid { .. } => "Fix or delete the file; saving a setting replaces it.",
        };
        ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: error.to_string(),
            hint: Some(hint.to_owned()),
        }
    }
}

impl SettingsStore {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The stored settings; the defaults when the file does not exist yet.
    pub(crate) fn load(&self) -> Result<ipc::Settings, StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ipc::Settings::default());
            }
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path: self.path.clone(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|source| StoreError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    /// Replaces the file in one step, so a crash never leaves half a file.
    pub(crate) fn save(&self, settings: &ipc::Settings) -> Result<(), StoreError> {
        let io = |action| {
            move |source| StoreError::Io {
                action,
                path: self.path.clone(),
                source,
            }
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io("create the folder of"))?;
        let mut text = serde_json::to_vec_pretty(settings).unwrap_or_default();
        text.push(b'\n');
        let temporary = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&temporary).map_err(io("write"))?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(io("write"))?;
        std::fs::rename(&temporary, &self.path).map_err(io("replace"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("settings.json");
        let settings = ipc::Settings {
            language: Some(ipc::Language::ZhCn),
            theme: ipc::Theme::Dark,
            sign_in: Default::default(),
            hidden_columns: [("pods".to_owned(), vec!["IP".to_owned()])].into(),
            offline_limits: ipc::OfflineLimits {
                per_cluster_mib: 64,
                total_mib: 256,
            },
        };
        SettingsStore::new(path.clone()).save(&settings).unwrap();
        assert_eq!(SettingsStore::new(path).load().unwrap(), settings);
    }

    #[test]
    fn no_file_means_default_settings() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            SettingsStore::new(dir.path().join("settings.json"))
                .load()
                .unwrap(),
            ipc::Settings::default()
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{ not json").unwrap();
        let error = ipc::Error::from(SettingsStore::new(path.clone()).load().unwrap_err());
        assert_eq!(error.code, ipc::ErrorCode::Storage);
        assert!(
            error.message.contains(&path.display().to_string()),
            "{}",
            error.message
        );
        assert!(error.hint.is_some());
    }
}
