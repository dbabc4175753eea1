//! Clusters and the user's access to them.
//!
//! For now this is the kubeconfig, read exactly as kubectl reads it; connections, auth and watch
//! caches grow here.

pub mod kubeconfig;

pub use kubeconfig::{Context, Kubeconfig, KubeconfigPaths, Problem, ProblemKind};
