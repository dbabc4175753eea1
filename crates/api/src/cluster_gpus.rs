//! `get_gpu_inventory`: a cluster's GPUs, read from its nodes and pods by
//! `kubedesk-cluster`'s `gpus.rs`, in the contract's terms, with each resource totalled across
//! the cluster; and, where the cluster's Prometheus has dcgm-exporter's series, the physical GPU
//! each pod holds and how busy it is.

use std::collections::BTreeMap;

use kubedesk_cluster::gpus::{self, ResourceUse, waits};
use kubedesk_ipc as ipc;
use kubedesk_metrics::prometheus::Series;

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

/// The GPUs each pod holds, by namespace and pod, from dcgm-exporter's utilisation series
/// (with its Kubernetes mapping; `exported_` labels where Prometheus kept the exporter's own).
fn devices_by_pod(series: Vec<Series>) -> BTreeMap<(String, String), Vec<ipc::GpuDeviceView>> {
    let mut held: BTreeMap<(String, String), Vec<ipc::GpuDeviceView>> = BTreeMap::new();
    for series in series {
        let label = |name: &str| {
            series
                .labels
                .get(&format!("exported_{name}"))
                .or_else(|| series.labels.get(name))
                .filter(|value| !value.is_empty())
                .cloned()
        };
        let (Some(namespace), Some(pod)) = (label("namespace"), label("pod")) else {
            continue;
        };
        let value = series.points.first().map(|(_, value)| *value);
        held.entry((namespace, pod))
            .or_default()
            .push(ipc::GpuDeviceView {
                gpu: series.labels.get("gpu").cloned().unwrap_or_default(),
                uuid: series.labels.get("UUID").cloned().unwrap_or_default(),
                instance: series.labels.get("GPU_I_PROFILE").cloned(),
                utilisation: value
                    .filter(|value| value.is_finite())
                    .map(|value| value.round().clamp(0.0, 100.0) as u32),
            });
    }
    for devices in held.values_mut() {
        devices.sort_by(|a, b| (&a.gpu, &a.uuid).cmp(&(&b.gpu, &b.uuid)));
        devices.dedup_by(|a, b| a.uuid == b.uuid && a.instance == b.instance);
    }
    held
}

/// Why the GPUs each pod holds are not known.
#[derive(Debug, thiserror::Error)]
enum NoDevices {
    /// The cluster's Prometheus was not found (its message says where it was looked for).
    #[error("{}", .0.message)]
    NoPrometheus(ipc::Error),
    /// It did not answer.
    #[error("{0}.")]
    Query(#[from] kubedesk_metrics::prometheus::QueryError),
}

/// The GPUs each pod holds, from the cluster's Prometheus, with where they were read.
async fn devices(
    app: &App,
    context: &str,
) -> Result<(String, BTreeMap<(String, String), Vec<ipc::GpuDeviceView>>), NoDevices> {
    let (located, prometheus) = crate::monitoring::reach::prometheus_of(app, context)
        .await
        .map_err(NoDevices::NoPrometheus)?;
    let now = jiff::Timestamp::now().as_second();
    let series = prometheus.query("DCGM_FI_DEV_GPU_UTIL", now).await?;
    Ok((
        format!("Prometheus at {}", located.label()),
        devices_by_pod(series),
    ))
}

fn reason_view(reason: waits::Reason) -> ipc::GpuWaitReason {
    use ipc::GpuWaitReason as View;
    use waits::Reason;
    match reason {
        Reason::NoNodeHas { resource, offered } => View::NoNodeHas { resource, offered },
        Reason::NoSuchProduct { asked, products } => View::NoSuchProduct { asked, products },
        Reason::SelectorMatchesNothing { selector, resource } => {
            View::SelectorMatchesNothing { selector, resource }
        }
        Reason::Unavailable { nodes } => View::Unavailable { nodes },
        Reason::TaintNotTolerated { taint, nodes } => View::TaintNotTolerated { taint, nodes },
        Reason::MoreThanAnyNode {
            resource,
            asked,
            most,
        } => View::MoreThanAnyNode {
            resource,
            asked,
            most,
        },
        Reason::NotEnoughFree {
            resource,
            asked,
            free,
            holders,
        } => View::NotEnoughFree {
            resource,
            asked,
            free,
            holders,
        },
        Reason::QuotaExceeded {
            quota,
            key,
            requested,
            used,
            limited,
        } => View::QuotaExceeded {
            quota,
            key,
            requested,
            used,
            limited,
        },
        Reason::NotScheduledYet => View::NotScheduledYet,
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
    // Prometheus is asked only when some pod holds GPUs.
    let (mut held, devices_from, devices_missing) = if inventory.holders.is_empty() {
        (BTreeMap::new(), None, None)
    } else {
        match devices(app, &request.context).await {
            Ok((from, held)) => (held, Some(from), None),
            Err(why) => (BTreeMap::new(), None, Some(why.to_string())),
        }
    };
    Ok(ipc::GpuInventory {
        waiting: inventory
            .waiting
            .into_iter()
            .map(|wait| ipc::GpuWaitView {
                namespace: wait.namespace,
                kind: wait.kind,
                name: wait.name,
                owner: wait.owner,
                asked: wait.asked,
                said: wait.said,
                reasons: wait.reasons.into_iter().map(reason_view).collect(),
            })
            .collect(),
        devices_from,
        devices_missing,
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
                devices: held
                    .remove(&(holder.namespace.clone(), holder.name.clone()))
                    .unwrap_or_default(),
                namespace: holder.namespace,
                name: holder.name,
                node: holder.node,
                phase: holder.phase,
                resources: holder.resources,
            })
            .collect(),
    })
}
