//! The one application state that owns the services the use-cases work with.

use std::sync::Arc;

use kubedesk_cluster::{Clients, KubeconfigPaths};
use kubedesk_store::{Store, StoreError};

use crate::AppConfig;
use crate::settings::SettingsStore;

/// The offline store's file in the data folder.
pub const STORE_FILE: &str = "offline.sqlite";

/// The application state: built once at start, shared by every command.
#[derive(Debug)]
pub struct App {
    pub(crate) settings: SettingsStore,
    pub(crate) kubeconfig: KubeconfigPaths,
    /// A client per context connected so far, and the sign-ins.
    pub(crate) clients: Clients,
    /// The program that opens sign-in pages, when not the desktop's default browser.
    pub(crate) browser: Option<std::ffi::OsString>,
    /// The live tables, shared by the views that show them.
    pub(crate) tables: kubedesk_cluster::tables::Tables,
    /// The views' subscriptions to them.
    pub(crate) watches: crate::tables::Watches,
    /// The objects followed for their detail pages.
    pub(crate) followed: crate::objects::Followed,
    /// What each cluster serves, as last discovered.
    pub(crate) served: crate::resources::Served,
    /// The logs being read.
    pub(crate) log_streams: crate::logs::LogStreams,
    /// Where saved logs go.
    pub(crate) downloads: std::path::PathBuf,
    /// The offline store of every cluster's last-known state, or why it could not be opened
    /// (live use goes on without it).
    pub(crate) store: Result<Arc<Store>, StoreError>,
    /// Its file.
    pub(crate) store_path: std::path::PathBuf,
    /// The snapshot files open as read-only clusters.
    pub(crate) snapshots: crate::offline::Snapshots,
    /// This machine's GPUs, sampled from the first time they are watched.
    pub(crate) local_gpus: crate::gpu::LocalGpus,
    /// Where imported dashboards are kept.
    pub(crate) dashboards: std::path::PathBuf,
    /// Each cluster's Prometheus, as last found.
    pub(crate) prometheuses: crate::monitoring::Prometheuses,
    /// The Prometheus the user gave for a cluster, by URL.
    pub(crate) prometheus_given: crate::monitoring::GivenStore,
    /// The image registries the workload form searches.
    pub(crate) registries: crate::registries::RegistryStore,
}

impl App {
    /// Builds the state from its configuration, with the sign-in settings stored (a settings
    /// file that cannot be read is reported when the UI asks for the settings).
    pub fn new(config: AppConfig) -> Self {
        let settings = SettingsStore::new(config.config_dir.join("settings.json"));
        let clients = Clients::new(config.keyring);
        let stored = settings.load().ok();
        if let Some(stored) = &stored {
            clients.set_sign_in(crate::settings::sign_in_settings(stored));
        }
        // Limits that do not hold (a settings file edited by hand) give way to the defaults.
        let limits = stored
            .and_then(|stored| crate::offline::limits(stored.offline_limits).ok())
            .unwrap_or_default();
        let store_path = config.data_dir.join(STORE_FILE);
        let store = Store::open(&store_path, limits).map(Arc::new);
        let tables = match &store {
            Ok(store) => {
                kubedesk_cluster::tables::Tables::keeping(Arc::new(crate::offline::Kept {
                    store: store.clone(),
                    context: None,
                }))
            }
            Err(_) => kubedesk_cluster::tables::Tables::default(),
        };
        Self {
            settings,
            kubeconfig: config.kubeconfig,
            clients,
            browser: config.browser,
            store,
            store_path,
            snapshots: crate::offline::Snapshots::default(),
            local_gpus: crate::gpu::LocalGpus::new(config.gpu_trace.clone()),
            dashboards: config.data_dir.join("dashboards"),
            prometheuses: crate::monitoring::Prometheuses::default(),
            prometheus_given: crate::monitoring::GivenStore::new(
                config.config_dir.join("prometheus.json"),
                "The Prometheus settings",
            ),
            registries: crate::registries::RegistryStore::new(
                config.config_dir.join("registries.json"),
                "The image registries",
            ),
            tables,
            watches: crate::tables::Watches::default(),
            followed: crate::objects::Followed::default(),
            log_streams: crate::logs::LogStreams::default(),
            served: crate::resources::Served::default(),
            downloads: config.downloads,
        }
    }
}
