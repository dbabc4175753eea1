//! Clusters and the user's access to them: the kubeconfig, read exactly as kubectl reads it; a
//! client per context; and each cluster's health.

pub mod connect;
pub mod health;
pub mod kubeconfig;

pub use connect::{ConnectError, client};
pub use health::{Health, Nodes, Resources, check};
pub use kubeconfig::{Context, Fingerprint, Kubeconfig, KubeconfigPaths, Problem, ProblemKind};
