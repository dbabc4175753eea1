//! Where the app keeps its files and finds the user's kubeconfig.

use std::path::PathBuf;

use kubedesk_cluster::KubeconfigPaths;

/// The environment variable that moves the app's configuration folder (tests use a throwaway one).
pub const CONFIG_DIR_ENV: &str = "KUBEDESK_CONFIG_DIR";

/// The outside facts the application state is built from.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The folder for settings and other files the app keeps.
    pub config_dir: PathBuf,
    /// The kubeconfig files, in kubectl's merge order.
    pub kubeconfig: KubeconfigPaths,
}

impl AppConfig {
    /// Reads the configuration from this process's environment: `KUBEDESK_CONFIG_DIR` or the
    /// user's configuration folder (`~/.config/kubedesk` on Linux), and `KUBECONFIG` or
    /// `~/.kube/config`.
    pub fn from_env() -> Self {
        let config_dir = std::env::var_os(CONFIG_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|dir| dir.join("kubedesk")))
            .unwrap_or_else(|| PathBuf::from(".kubedesk"));
        Self {
            config_dir,
            kubeconfig: KubeconfigPaths::from_env(),
        }
    }
}
