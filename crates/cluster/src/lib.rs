//! Clusters and the user's access to them: the kubeconfig, read exactly as kubectl reads it; a
//! client per context; and each cluster's health.

pub mod access;
pub mod actions;
pub mod apply;
pub mod connect;
pub mod control_plane;
pub mod detail;
pub mod gpus;
pub mod health;
pub mod https;
pub mod kubeconfig;
pub mod logs;
pub mod namespaces;
pub mod new_workload;
pub mod oidc;
pub mod overview;
pub mod prometheus;
pub mod quotas;
pub mod registry;
pub mod resources;
pub mod storage;
pub mod tables;

pub use connect::{Clients, ConnectError, client, oidc_settings};
pub use control_plane::{ControlPlane, EtcdLeader, Leader, Member, control_plane};
pub use health::{Health, Nodes, Resources, check};
pub use kube::Client;
pub use kubeconfig::{Context, Fingerprint, Kubeconfig, KubeconfigPaths, Problem, ProblemKind};
pub use namespaces::{Namespaces, namespaces};
pub use overview::{NodeRow, Overview, Pods, Warning, overview};
