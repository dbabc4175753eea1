//! Where the app keeps its files and finds the user's kubeconfig.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use kubedesk_cluster::KubeconfigPaths;
use kubedesk_secrets::Keyring;

/// The environment variable that moves the app's configuration folder (tests use a throwaway one).
pub const CONFIG_DIR_ENV: &str = "KUBEDESK_CONFIG_DIR";
/// The environment variable that names a GPU trace to show in place of this machine's GPUs
/// (recorded with `kubedesk gpu record`: for support cases, demos and tests).
pub const GPU_TRACE_ENV: &str = "KUBEDESK_GPU_TRACE";

/// The outside facts the application state is built from.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The folder for settings and other files the app keeps.
    pub config_dir: PathBuf,
    /// The kubeconfig files, in kubectl's merge order.
    pub kubeconfig: KubeconfigPaths,
    /// Where sign-ins keep their refresh tokens.
    pub keyring: Arc<Keyring>,
    /// The program that opens a sign-in page (`BROWSER`); the desktop's default browser when
    /// unset.
    pub browser: Option<OsString>,
    /// Where downloads (saved logs) go.
    pub downloads: PathBuf,
    /// The folder for the offline store (the user's data folder).
    pub data_dir: PathBuf,
    /// A GPU trace shown in place of this machine's GPUs (`KUBEDESK_GPU_TRACE`).
    pub gpu_trace: Option<PathBuf>,
}

impl AppConfig {
    /// A configuration whose sign-ins are kept in memory only and opened in the default
    /// browser: for tests and one-off tools.
    pub fn in_memory(config_dir: PathBuf, kubeconfig: KubeconfigPaths) -> Self {
        Self {
            downloads: config_dir.join("downloads"),
            data_dir: config_dir.clone(),
            config_dir,
            kubeconfig,
            keyring: Arc::new(Keyring::memory("this run keeps sign-ins in memory only")),
            browser: None,
            gpu_trace: None,
        }
    }

    /// Reads the configuration from this process's environment: `KUBEDESK_CONFIG_DIR` or the
    /// user's configuration folder (`~/.config/kubedesk` on Linux) and data folder
    /// (`~/.local/share/kubedesk`; the configuration folder too when that is set), and `KUBECONFIG` or
    /// `~/.kube/config`, the desktop's downloads folder, and `KUBEDESK_GPU_TRACE`. Connects to the session's Secret Service (tens of milliseconds).
    pub fn from_env() -> Self {
        let chosen = std::env::var_os(CONFIG_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        let config_dir = chosen
            .clone()
            .or_else(|| dirs::config_dir().map(|dir| dir.join("kubedesk")))
            .unwrap_or_else(|| PathBuf::from(".kubedesk"));
        let data_dir = chosen
            .or_else(|| dirs::data_dir().map(|dir| dir.join("kubedesk")))
            .unwrap_or_else(|| config_dir.clone());
        Self {
            data_dir,
            config_dir,
            kubeconfig: KubeconfigPaths::from_env(),
            keyring: Arc::new(Keyring::open()),
            browser: std::env::var_os("BROWSER").filter(|browser| !browser.is_empty()),
            gpu_trace: std::env::var_os(GPU_TRACE_ENV)
                .filter(|trace| !trace.is_empty())
                .map(PathBuf::from),
            downloads: dirs::download_dir()
                .or_else(|| dirs::home_dir().map(|home| home.join("Downloads")))
                .unwrap_or_else(|| PathBuf::from(".")),
        }
    }
}
