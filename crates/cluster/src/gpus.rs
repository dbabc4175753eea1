//! The cluster's GPUs as its nodes and pods tell them: the GPU resources the cluster advertises,
//! found in its nodes' capacity rather than assumed (`nvidia.com/gpu`, MIG profiles such as
//! `nvidia.com/mig-1g.10gb`, shared GPUs, AMD's and Intel's); each node's GPU model from GPU
//! Feature Discovery's labels (product, memory, count, MIG strategy, sharing); and for each
//! resource on each node its capacity, what is allocatable, what the pods bound there hold, and
//! what is free; and the pods that hold or ask for GPUs.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{Api, ListParams};

use crate::connect::REQUEST_TIMEOUT;

pub mod waits;

/// A cluster's GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The GPU resource names its nodes advertise, sorted.
    pub resources: Vec<String>,
    /// Its nodes with GPUs, by name.
    pub nodes: Vec<GpuNode>,
    /// Its GPU models, by product: how many nodes and physical GPUs.
    pub models: Vec<Model>,
    /// The pods that hold or ask for GPU resources, by namespace and name.
    pub holders: Vec<Holder>,
    /// The pending GPU pods, and the workloads whose GPU pods a quota refuses, with why.
    pub waiting: Vec<waits::Wait>,
}

/// A node with GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuNode {
    /// Its name.
    pub name: String,
    /// Whether it is Ready.
    pub ready: bool,
    /// GFD's `nvidia.com/gpu.product`, without the `-SHARED` that sharing adds.
    pub product: Option<String>,
    /// GFD's `nvidia.com/gpu.memory`, MiB per GPU.
    pub memory_mib: Option<u64>,
    /// GFD's `nvidia.com/gpu.count`: physical GPUs.
    pub count: Option<u64>,
    /// `nvidia.com/mig.strategy` (`none`, `single`, `mixed`).
    pub mig_strategy: Option<String>,
    /// `nvidia.com/gpu.sharing-strategy` (`none`, `time-slicing`, `mps`).
    pub sharing: Option<String>,
    /// `nvidia.com/gpu.replicas`: how many pods share one GPU.
    pub replicas: Option<u64>,
    /// Each GPU resource it advertises.
    pub resources: Vec<ResourceUse>,
}

/// One GPU resource on one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceUse {
    /// Its name (`nvidia.com/gpu`).
    pub resource: String,
    /// The node's capacity.
    pub capacity: u64,
    /// What pods may be given.
    pub allocatable: u64,
    /// What the pods bound to the node and not finished hold.
    pub allocated: u64,
}

impl ResourceUse {
    /// What is left to give.
    pub fn free(&self) -> u64 {
        self.allocatable.saturating_sub(self.allocated)
    }
}

/// A GPU model across the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// Its product name.
    pub product: String,
    /// MiB per GPU.
    pub memory_mib: Option<u64>,
    /// The nodes that have it.
    pub nodes: u64,
    /// Its physical GPUs.
    pub gpus: u64,
}

/// A pod that holds or asks for GPU resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The node it is bound to, if any.
    pub node: Option<String>,
    /// Its phase.
    pub phase: String,
    /// What it asks for, by resource.
    pub resources: Vec<(String, u64)>,
}

/// Whether `name` is a GPU resource: a vendor's (not Kubernetes') extended resource for GPUs,
/// GPU slices or GPU sharing.
pub fn is_gpu_resource(name: &str) -> bool {
    let Some((domain, resource)) = name.split_once('/') else {
        return false;
    };
    !domain.ends_with("kubernetes.io")
        && (resource.contains("gpu") || resource.starts_with("mig-") || domain == "gpu.intel.com")
}

/// Whether `name` counts GPUs or GPU slices, not an amount of a GPU's memory or cores (HAMi's
/// `nvidia.com/gpumem`, `nvidia.com/gpucores`) or a priority.
pub fn counts_gpus(name: &str) -> bool {
    is_gpu_resource(name)
        && !name.split_once('/').is_some_and(|(_, resource)| {
            resource.starts_with("gpumem") || resource == "gpucores" || resource == "priority"
        })
}

/// A whole count from a quantity (`8`, `8k`); extended resources are whole numbers.
fn count(quantity: &Quantity) -> u64 {
    let text = quantity.0.trim();
    let (number, factor) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => {
            let factor = match &text[at..] {
                "k" => 1_000,
                "M" => 1_000_000,
                "Ki" => 1_024,
                "Mi" => 1_048_576,
                _ => 1,
            };
            (&text[..at], factor)
        }
        None => (text, 1),
    };
    number
        .parse::<f64>()
        .map_or(0, |value| (value * factor as f64) as u64)
}

/// What a pod asks of each GPU resource: its containers' requests (or limits, which requests
/// default to) summed, or an init container's where that is more.
fn asked(pod: &Pod) -> BTreeMap<String, u64> {
    let Some(spec) = &pod.spec else {
        return BTreeMap::new();
    };
    let of = |container: &k8s_openapi::api::core::v1::Container| -> BTreeMap<String, u64> {
        let resources = container.resources.clone().unwrap_or_default();
        let mut asked = BTreeMap::new();
        for quantities in [resources.limits, resources.requests].into_iter().flatten() {
            for (name, quantity) in quantities {
                if is_gpu_resource(&name) {
                    asked.insert(name, count(&quantity));
                }
            }
        }
        asked
    };
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for container in &spec.containers {
        for (name, amount) in of(container) {
            *total.entry(name).or_default() += amount;
        }
    }
    for init in spec.init_containers.iter().flatten() {
        for (name, amount) in of(init) {
            let held = total.entry(name).or_default();
            *held = (*held).max(amount);
        }
    }
    total.retain(|_, amount| *amount > 0);
    total
}

/// The inventory of `nodes` and `pods`.
pub fn inventory(nodes: &[Node], pods: &[Pod]) -> Inventory {
    let mut held: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut holders = Vec::new();
    for pod in pods {
        let asked = asked(pod);
        if asked.is_empty() {
            continue;
        }
        let status = pod.status.clone().unwrap_or_default();
        let phase = status.phase.unwrap_or_default();
        let node = pod.spec.as_ref().and_then(|spec| spec.node_name.clone());
        let finished = phase == "Succeeded" || phase == "Failed";
        if let (Some(node), false) = (&node, finished) {
            for (resource, amount) in &asked {
                *held.entry((node.clone(), resource.clone())).or_default() += amount;
            }
        }
        holders.push(Holder {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            node,
            phase,
            resources: asked.into_iter().collect(),
        });
    }
    holders.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut resources: Vec<String> = Vec::new();
    let mut gpu_nodes = Vec::new();
    for node in nodes {
        let name = node.metadata.name.clone().unwrap_or_default();
        let status = node.status.clone().unwrap_or_default();
        let capacity = status.capacity.unwrap_or_default();
        let allocatable = status.allocatable.unwrap_or_default();
        let mut uses: Vec<ResourceUse> = capacity
            .iter()
            .filter(|(resource, _)| is_gpu_resource(resource))
            .map(|(resource, quantity)| ResourceUse {
                resource: resource.clone(),
                capacity: count(quantity),
                allocatable: allocatable.get(resource).map_or(0, count),
                allocated: held
                    .get(&(name.clone(), resource.clone()))
                    .copied()
                    .unwrap_or(0),
            })
            // A resource advertised at zero (the MIG-mixed node's `nvidia.com/gpu`) is not one
            // it has.
            .filter(|used| used.capacity > 0 || used.allocated > 0)
            .collect();
        if uses.is_empty() {
            continue;
        }
        uses.sort_by(|a, b| a.resource.cmp(&b.resource));
        for used in &uses {
            if !resources.contains(&used.resource) {
                resources.push(used.resource.clone());
            }
        }
        let labels = node.metadata.labels.clone().unwrap_or_default();
        let label = |key: &str| labels.get(key).cloned();
        let number = |key: &str| label(key).and_then(|value| value.parse().ok());
        gpu_nodes.push(GpuNode {
            ready: status
                .conditions
                .iter()
                .flatten()
                .any(|condition| condition.type_ == "Ready" && condition.status == "True"),
            product: label("nvidia.com/gpu.product")
                .map(|product| product.trim_end_matches("-SHARED").to_owned()),
            memory_mib: number("nvidia.com/gpu.memory"),
            count: number("nvidia.com/gpu.count"),
            mig_strategy: label("nvidia.com/mig.strategy"),
            sharing: label("nvidia.com/gpu.sharing-strategy"),
            replicas: number("nvidia.com/gpu.replicas"),
            resources: uses,
            name,
        });
    }
    resources.sort();
    gpu_nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut models: Vec<Model> = Vec::new();
    for node in &gpu_nodes {
        let product = node.product.clone().unwrap_or_default();
        let gpus = node.count.unwrap_or(0);
        match models.iter_mut().find(|model| model.product == product) {
            Some(model) => {
                model.nodes += 1;
                model.gpus += gpus;
            }
            None => models.push(Model {
                product,
                memory_mib: node.memory_mib,
                nodes: 1,
                gpus,
            }),
        }
    }
    models.sort_by(|a, b| a.product.cmp(&b.product));
    Inventory {
        resources,
        nodes: gpu_nodes,
        models,
        holders,
        waiting: Vec::new(),
    }
}

/// The GPU resources the cluster's nodes advertise.
pub async fn advertised(client: &kube::Client) -> Result<Vec<String>, kube::Error> {
    let nodes: Api<Node> = Api::all(client.clone());
    let nodes = tokio::time::timeout(REQUEST_TIMEOUT, nodes.list(&ListParams::default()))
        .await
        .map_err(|_| kube::Error::Service("no answer in time".into()))??;
    Ok(inventory(&nodes.items, &[]).resources)
}

/// Reads the cluster's GPUs: its nodes and every namespace's pods, and from the warning events
/// why GPU pods wait.
pub async fn read(client: &kube::Client) -> Result<Inventory, kube::Error> {
    let timed = |_| kube::Error::Service("no answer in time".into());
    let nodes: Api<Node> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let events: Api<Event> = Api::all(client.clone());
    let all = ListParams::default();
    let warnings = ListParams::default().fields("type=Warning");
    let (nodes, pods, events) = tokio::time::timeout(REQUEST_TIMEOUT, async {
        tokio::try_join!(nodes.list(&all), pods.list(&all), events.list(&warnings),)
    })
    .await
    .map_err(timed)??;
    let mut inventory = inventory(&nodes.items, &pods.items);
    let mut waiting = waits::pending(&inventory, &nodes.items, &pods.items, &events.items);
    waiting.extend(waits::refused(client, &events.items).await);
    inventory.waiting = waiting;
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_resources_are_told_from_the_others() {
        for gpu in [
            "nvidia.com/gpu",
            "nvidia.com/mig-1g.10gb",
            "nvidia.com/gpu.shared",
            "nvidia.com/gpumem",
            "amd.com/gpu",
            "gpu.intel.com/i915",
        ] {
            assert!(is_gpu_resource(gpu), "{gpu}");
        }
        for other in [
            "cpu",
            "memory",
            "hugepages-2Mi",
            "ephemeral-storage",
            "example.com/fpga",
            "kubernetes.io/gpu",
        ] {
            assert!(!is_gpu_resource(other), "{other}");
        }
        assert!(counts_gpus("nvidia.com/mig-3g.40gb") && counts_gpus("amd.com/gpu"));
        assert!(!counts_gpus("nvidia.com/gpumem") && !counts_gpus("nvidia.com/gpucores"));
        assert_eq!(count(&Quantity("8".into())), 8);
        assert_eq!(count(&Quantity("2k".into())), 2000);
    }
}
