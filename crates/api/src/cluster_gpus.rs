//! `get_gpu_inventory`: a cluster's GPUs, read from its nodes and pods by
//! `kubedesk-cluster`'s `gpus.rs`, in the contract's terms, with each resource totalled across
//! the cluster.

use kubedesk_cluster::gpus::{self, ResourceUse};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;

fn use_view(used: &ResourceUse) -> ipc::GpuResourceUse {
    ipc::GpuResourceUse {
        resource: used.resource.clone(),
        capacity: used.capacity,
        allocatable: used.allocatable,
        allocated: used.allocated,
        free: used.free(),
    }
}

/// The cluster's GPUs.
pub async fn get_gpu_inventory(
    app: &App,
    request: ipc::GetGpuInventory,
) -> Result<ipc::GpuInventory, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let inventory = gpus::read(&client).await.map_err(|error| ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!(
            "The GPUs of {} could not be read: {error}.",
            request.context
        ),
        hint: Some("Check that you may list the cluster's nodes and pods.".to_owned()),
    })?;
    let totals = inventory
        .resources
        .iter()
        .map(|resource| {
            let on_nodes = inventory
                .nodes
                .iter()
                .flat_map(|node| &node.resources)
                .filter(|used| &used.resource == resource);
            let mut total = ResourceUse {
                resource: resource.clone(),
                ..ResourceUse::default()
            };
            for used in on_nodes {
                total.capacity += used.capacity;
                total.allocatable += used.allocatable;
                total.allocated += used.allocated;
            }
            use_view(&total)
        })
        .collect();
    Ok(ipc::GpuInventory {
        resources: inventory.resources,
        totals,
        models: inventory
            .models
            .into_iter()
            .map(|model| ipc::GpuModelView {
                product: model.product,
                memory_mib: model.memory_mib,
                nodes: model.nodes,
                gpus: model.gpus,
            })
            .collect(),
        nodes: inventory
            .nodes
            .into_iter()
            .map(|node| ipc::GpuNodeView {
                mig_strategy: node.mig_strategy,
                sharing: node.sharing,
                replicas: node.replicas,
                resources: node.resources.iter().map(use_view).collect(),
                name: node.name,
                ready: node.ready,
                product: node.product,
                memory_mib: node.memory_mib,
                count: node.count,
            })
            .collect(),
        holders: inventory
            .holders
            .into_iter()
            .map(|holder| ipc::GpuHolderView {
                namespace: holder.namespace,
                name: holder.name,
                node: holder.node,
                phase: holder.phase,
                resources: holder.resources,
            })
            .collect(),
    })
}
