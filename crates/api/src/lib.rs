//! The use-cases behind KubeDesk's commands, one per file, grouped by feature.
//!
//! Each use-case takes the application state and a request from `kubedesk-ipc` and answers with
//! that command's output or the one boundary error. Domain crates keep their own types; this crate
//! alone turns them into the screen-shaped types of the contract. Nothing here knows about Tauri,
//! so the same use-cases can be served over another transport.

pub mod cluster_gpus;
pub mod clusters;
mod config;
pub mod dashboards;
pub mod demo;
pub mod gpu;
mod kept;
pub mod logs;
pub mod monitoring;
pub mod objects;
pub mod offline;
pub mod oidc;
pub mod quotas;
pub mod registries;
pub mod resources;
pub mod settings;
mod state;
pub mod storage;
mod subscriptions;
pub mod tables;
pub mod workload_form;

pub use config::AppConfig;
pub use kubedesk_cluster::KubeconfigPaths;
pub use state::{App, STORE_FILE};
