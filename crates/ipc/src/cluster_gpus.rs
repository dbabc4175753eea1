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
