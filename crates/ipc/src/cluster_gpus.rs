//! A cluster's GPUs: the GPU resources its nodes advertise, each GPU node's model and what of
//! each resource is allocatable, allocated and free, the models across the cluster, and the pods
//! that hold or ask for GPUs.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Asks for a cluster's GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetGpuInventory {
    /// The context.
    pub context: String,
}

impl Command for GetGpuInventory {
    const NAME: &'static str = "get_gpu_inventory";
    type Output = GpuInventory;
}

/// A cluster's GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuInventory {
    /// The GPU resource names its nodes advertise (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`).
    pub resources: Vec<String>,
    /// Each resource across the cluster.
    pub totals: Vec<GpuResourceUse>,
    /// Its GPU models.
    pub models: Vec<GpuModelView>,
    /// Its nodes with GPUs.
    pub nodes: Vec<GpuNodeView>,
    /// The pods that hold or ask for GPUs.
    pub holders: Vec<GpuHolderView>,
    /// Where the physical GPUs the pods hold were read from (`Prometheus at …`, from
    /// dcgm-exporter's series), when they were.
    pub devices_from: Option<String>,
    /// Why they were not, when they were not.
    pub devices_missing: Option<String>,
    /// The pending GPU pods, and the workloads whose GPU pods a quota refuses, with why.
    pub waiting: Vec<GpuWaitView>,
}

/// One GPU resource, on a node or across the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuResourceUse {
    /// Its name.
    pub resource: String,
    /// The capacity.
    pub capacity: u64,
    /// What pods may be given.
    pub allocatable: u64,
    /// What pods hold.
    pub allocated: u64,
    /// What is left.
    pub free: u64,
}

/// A GPU model across the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuModelView {
    /// Its product name (`NVIDIA-H100-80GB-HBM3`).
    pub product: String,
    /// MiB per GPU.
    pub memory_mib: Option<u64>,
    /// The nodes that have it.
    pub nodes: u64,
    /// Its physical GPUs.
    pub gpus: u64,
}

/// A node with GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuNodeView {
    /// Its name.
    pub name: String,
    /// Whether it is Ready.
    pub ready: bool,
    /// Its GPU model.
    pub product: Option<String>,
    /// MiB per GPU.
    pub memory_mib: Option<u64>,
    /// Its physical GPUs.
    pub count: Option<u64>,
    /// Its MIG strategy (`none`, `single`, `mixed`).
    pub mig_strategy: Option<String>,
    /// How its GPUs are shared (`none`, `time-slicing`, `mps`).
    pub sharing: Option<String>,
    /// How many pods share one GPU, when shared.
    pub replicas: Option<u64>,
    /// Each GPU resource it advertises.
    pub resources: Vec<GpuResourceUse>,
}

/// A pod that holds or asks for GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuHolderView {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The node it is bound to.
    pub node: Option<String>,
    /// Its phase.
    pub phase: String,
    /// What it asks for (`nvidia.com/gpu: 2`).
    pub resources: Vec<(String, u64)>,
    /// The physical GPUs it holds, as dcgm-exporter maps them to pods.
    pub devices: Vec<GpuDeviceView>,
}

/// A physical GPU (or MIG instance) a pod holds, with how busy it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuDeviceView {
    /// Its index on the node (`0`).
    pub gpu: String,
    /// Its UUID.
    pub uuid: String,
    /// The MIG profile of the instance, when it is one (`1g.10gb`).
    pub instance: Option<String>,
    /// Its utilisation now, percent.
    pub utilisation: Option<u32>,
}

/// A pod, or a workload's pods, waiting for GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuWaitView {
    /// Its namespace.
    pub namespace: String,
    /// `Pod`, or the kind of the workload whose pods are refused (`ReplicaSet`, `Job`).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What owns it: kind and name.
    pub owner: Option<(String, String)>,
    /// The GPU resources one pod asks for.
    pub asked: Vec<(String, u64)>,
    /// What the scheduler or the workload's controller said, as it said it.
    pub said: Option<String>,
    /// Why; empty when its GPUs would fit and something else holds it.
    pub reasons: Vec<GpuWaitReason>,
}

/// One reason a GPU pod waits; the window words it and says what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum GpuWaitReason {
    /// No node advertises the resource.
    NoNodeHas {
        /// The resource asked for.
        resource: String,
        /// The GPU resources the nodes advertise.
        offered: Vec<String>,
    },
    /// It asks for a GPU product no node has.
    NoSuchProduct {
        /// The products it names.
        asked: Vec<String>,
        /// The products the nodes with the resource have.
        products: Vec<String>,
    },
    /// Its node selector or affinity matches none of the nodes with the resource.
    SelectorMatchesNothing {
        /// The selector, as `key=value` and `key In (a, b)`.
        selector: String,
        /// The resource.
        resource: String,
    },
    /// Every node it could go to is cordoned or not Ready.
    Unavailable {
        /// Those nodes.
        nodes: Vec<String>,
    },
    /// Every node it could go to has a taint it does not tolerate.
    TaintNotTolerated {
        /// The taint, `key=value:Effect`.
        taint: String,
        /// The nodes.
        nodes: Vec<String>,
    },
    /// It asks one node for more than any has.
    MoreThanAnyNode {
        /// The resource.
        resource: String,
        /// What it asks for.
        asked: u64,
        /// The most one node has.
        most: u64,
    },
    /// No node has that much free now.
    NotEnoughFree {
        /// The resource.
        resource: String,
        /// What it asks for.
        asked: u64,
        /// The most free on one node.
        free: u64,
        /// The pods holding it there.
        holders: Vec<String>,
    },
    /// A quota of its namespace has no room for another pod.
    QuotaExceeded {
        /// The quota.
        quota: String,
        /// The key (`requests.nvidia.com/gpu`).
        key: String,
        /// What one pod asks of it.
        requested: String,
        /// What is used.
        used: String,
        /// The limit.
        limited: String,
    },
    /// The scheduler has not looked at it yet.
    NotScheduledYet,
}
