//! The contexts of the user's kubeconfig, and what is wrong with it.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Lists the contexts of the user's kubeconfig, read with kubectl's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListContexts {}

impl Command for ListContexts {
    const NAME: &'static str = "list_contexts";
    type Output = ContextList;
}

/// The usable contexts and the problems found on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextList {
    /// Every usable context, in the order kubectl lists them (by name).
    pub contexts: Vec<ContextRow>,
    /// The context the kubeconfig names as current, when it is usable.
    pub current: Option<String>,
    /// The files that were read, in merge order.
    pub files: Vec<String>,
    /// What could not be used, and why; the usable contexts work regardless.
    pub problems: Vec<KubeconfigProblem>,
    /// Why sign-ins are kept in memory only (no OS keyring reachable), if they are.
    pub keyring_unavailable: Option<String>,
    /// The clusters browsed read-only: snapshots opened, and clusters the offline store keeps
    /// whose contexts are gone from the kubeconfig.
    pub read_only: Vec<ReadOnlyCluster>,
}

/// A cluster browsed only as kept, never live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOnlyCluster {
    /// The name it is selected by (in place of a context).
    pub name: String,
    /// What it is.
    pub source: ReadOnlySource,
    /// When its cluster was last seen (RFC 3339), if anything of it was kept.
    pub as_of: Option<String>,
}

/// Where a read-only cluster's state comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ReadOnlySource {
    /// A snapshot file opened.
    Snapshot {
        /// The file.
        file: String,
        /// The context it was exported from.
        context: String,
        /// When (RFC 3339).
        exported_at: String,
    },
    /// The offline store's state of a context no longer in the kubeconfig.
    Removed {
        /// The context.
        context: String,
    },
}

/// One context, as the cluster switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextRow {
    /// The context's name.
    pub name: String,
    /// The cluster entry it names.
    pub cluster: String,
    /// The user entry it names.
    pub user: String,
    /// The API server's address.
    pub server: String,
    /// The context's default namespace, when it sets one.
    pub namespace: Option<String>,
    /// The file that defines the context.
    pub file: String,
    /// The OpenID provider the context signs in at, when it signs in with OpenID Connect.
    pub sign_in_issuer: Option<String>,
    /// When its cluster was last seen, if the offline store keeps it (RFC 3339): it can be
    /// browsed as then at once, whether it answers or not.
    pub kept_as_of: Option<String>,
}

/// Something in the kubeconfig that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeconfigProblem {
    /// The file at fault.
    pub file: String,
    /// The entry at fault (`context "x"`), when the problem is one entry's.
    pub entry: Option<String>,
    /// What is wrong; the UI words it from the message catalogue.
    pub kind: ProblemKind,
}

/// The ways a kubeconfig can be wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// `KUBECONFIG` names a file that does not exist.
    MissingFile,
    /// The file exists but cannot be read.
    Unreadable {
        /// The operating system's reason.
        detail: String,
    },
    /// The file is not a kubeconfig in YAML.
    NotYaml {
        /// The parser's reason, with line and column.
        detail: String,
    },
    /// An entry lacks a field it needs, or has one of the wrong shape.
    InvalidEntry {
        /// The parser's reason.
        detail: String,
    },
    /// A context names a cluster that no file defines.
    MissingCluster {
        /// The cluster's name.
        name: String,
    },
    /// A context names a user that no file defines.
    MissingUser {
        /// The user's name.
        name: String,
    },
    /// `current-context` names a context that no file defines.
    MissingCurrentContext {
        /// The context's name.
        name: String,
    },
}

/// Connects to one context and reports how its cluster is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetClusterHealth {
    /// The context's name.
    pub context: String,
}

impl Command for GetClusterHealth {
    const NAME: &'static str = "get_cluster_health";
    type Output = ClusterHealth;
}

/// A cluster's state, with the reason when it cannot be used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClusterHealth {
    /// It answers and accepts the credentials.
    Ready {
        /// The server's version (`v1.32.4`).
        version: String,
        /// The nodes, unless the user may not list them.
        nodes: Option<NodeSummary>,
        /// Who the app's OpenID Connect sign-in for this context names, if it has one.
        signed_in: Option<crate::SignedIn>,
    },
    /// The context signs in with OpenID Connect and is not signed in, or its sign-in ended.
    SignInRequired {
        /// The provider to sign in at.
        issuer: String,
        /// Why: not signed in yet, the provider is down, the sign-in was revoked.
        detail: String,
    },
    /// The credentials were refused or could not be obtained.
    Unauthorized {
        /// Why, in the server's or the credential source's words.
        detail: String,
    },
    /// The user may not read even the server's version.
    Forbidden {
        /// The server's message.
        detail: String,
    },
    /// No answer: address, network, proxy or TLS.
    Unreachable {
        /// Why, in the network library's words.
        detail: String,
    },
    /// The context's kubeconfig entries cannot be used to connect.
    Misconfigured {
        /// What is wrong.
        detail: String,
    },
}

/// What a cluster's nodes add up to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    /// How many nodes there are.
    pub count: usize,
    /// How many are Ready.
    pub ready: usize,
    /// What they have.
    pub capacity: Capacity,
    /// What they offer to pods.
    pub allocatable: Capacity,
}

/// CPU, memory and GPUs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// CPU in cores.
    pub cpu_cores: f64,
    /// Memory in bytes.
    pub memory_bytes: f64,
    /// GPUs and MIG instances.
    pub gpus: f64,
}

/// The kubeconfig files changed on disk: the contexts should be read again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeconfigChanged {}

impl crate::Event for KubeconfigChanged {
    const NAME: &'static str = "kubeconfig-changed";
}

/// Lists the namespaces of a context's cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListNamespaces {
    /// The context's name.
    pub context: String,
}

impl Command for ListNamespaces {
    const NAME: &'static str = "list_namespaces";
    type Output = NamespaceList;
}

/// A cluster's namespaces; when they cannot be listed, why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceList {
    /// Every namespace, by name.
    pub names: Vec<String>,
    /// RBAC does not let the user list namespaces: the server's message.
    pub forbidden: Option<String>,
    /// The listing failed otherwise: the reason.
    pub failed: Option<String>,
}

/// One cluster at a glance: nodes, namespaces, workloads, pods and the latest warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetClusterOverview {
    /// The context's name.
    pub context: String,
    /// The namespace to count in when the user may not read the whole cluster.
    pub namespace: Option<String>,
}

impl Command for GetClusterOverview {
    const NAME: &'static str = "get_cluster_overview";
    type Output = ClusterOverview;
}

/// A cluster's overview; `None` wherever the user may not list it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterOverview {
    /// The nodes.
    pub nodes: Option<Vec<NodeInfo>>,
    /// How many namespaces there are.
    pub namespaces: Option<usize>,
    /// How many workloads of each kind.
    pub workloads: Vec<WorkloadCount>,
    /// Pods by phase.
    pub pods: Option<PodCounts>,
    /// The latest warning events, newest first.
    pub warnings: Option<Vec<WarningEvent>>,
    /// The namespace the counts were read in, when the user may not read the whole cluster.
    pub scoped_to: Option<String>,
    /// The control plane, unless the user may not list `kube-system`'s pods.
    pub control_plane: Option<ControlPlaneInfo>,
    /// Why the namespace asked for is not the user's to read either: the server's message.
    pub namespace_forbidden: Option<String>,
    /// When the overview is as KubeDesk last saw it, because the cluster cannot be reached:
    /// when it was seen and why it is not now.
    #[serde(default)]
    pub offline: Option<OfflineSince>,
}

/// Shown as last seen: when, and why not live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSince {
    /// When it was last seen live (RFC 3339).
    pub as_of: String,
    /// Why the cluster does not answer.
    pub message: String,
    /// Where it comes from, when its cluster is read-only (a snapshot): it is never live.
    #[serde(default)]
    pub read_only: Option<ReadOnlySource>,
}

/// The control plane: its pods, elected leaders and etcd's leader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPlaneInfo {
    /// One per control-plane pod; none on a managed cluster, whose control plane is out of sight.
    pub members: Vec<ControlPlaneMember>,
    /// The scheduler's and the controller manager's elected leaders.
    pub leaders: Vec<ControlPlaneLeader>,
    /// The etcd member that leads, when its metrics can be read.
    pub etcd_leader: Option<String>,
    /// Why etcd's leader cannot be seen, when there are etcd members and it cannot.
    pub etcd_leader_hidden: Option<String>,
}

/// One control-plane pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPlaneMember {
    /// `etcd`, `kube-apiserver`, `kube-controller-manager` or `kube-scheduler`.
    pub component: String,
    /// The pod.
    pub pod: String,
    /// Its node.
    pub node: String,
    /// Whether it is Ready.
    pub ready: bool,
    /// Its restarts.
    pub restarts: i32,
    /// Its image's tag.
    pub version: String,
}

/// A leader-election Lease's holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPlaneLeader {
    /// The component.
    pub component: String,
    /// The node that leads.
    pub holder: String,
}

/// One node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its name.
    pub name: String,
    /// Whether it is Ready.
    pub ready: bool,
    /// Whether it is cordoned.
    pub unschedulable: bool,
    /// Its roles.
    pub roles: Vec<String>,
    /// The kubelet's version.
    pub version: String,
    /// What it offers to pods.
    pub allocatable: Capacity,
    /// Its GPU model, as GPU Feature Discovery labels it.
    pub gpu_model: Option<String>,
}

/// How many workloads of one kind; `None` when the user may not list them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadCount {
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `Job` or `CronJob`.
    pub kind: String,
    /// How many.
    pub count: Option<usize>,
}

/// Pods by phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodCounts {
    /// All pods.
    pub total: usize,
    /// Pending.
    pub pending: usize,
    /// Failed.
    pub failed: usize,
    /// Succeeded.
    pub succeeded: usize,
}

/// A warning event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningEvent {
    /// When it last happened (RFC 3339).
    pub last_seen: String,
    /// The object: `Pod research/giant-train-0`.
    pub object: String,
    /// The reason.
    pub reason: String,
    /// The message.
    pub message: String,
    /// How many times it happened.
    pub count: i32,
}
