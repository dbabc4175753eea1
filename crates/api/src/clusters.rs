//! Use-cases about clusters and contexts.

mod access;
pub(crate) mod client;
mod health;
mod list_contexts;
mod list_namespaces;
mod overview;
mod watch_kubeconfig;

pub use access::access;
pub use health::cluster_health;
pub use list_contexts::list_contexts;
pub use list_namespaces::list_namespaces;
pub use overview::cluster_overview;
pub use watch_kubeconfig::{KubeconfigWatch, watch_kubeconfig};
