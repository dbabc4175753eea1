//! `get_cluster_overview`: one cluster at a glance.

use kubedesk_ipc as ipc;

use super::client::{client, unavailable};
use crate::App;

/// Reads the overview with the context's client; what the user may not list stays unknown.
pub async fn cluster_overview(
    app: &App,
    request: ipc::GetClusterOverview,
) -> Result<ipc::ClusterOverview, ipc::Error> {
    let client = client(app, &request.context).await?;
    let overview = kubedesk_cluster::overview(&client, request.namespace.as_deref())
        .await
        .map_err(|error| {
            unavailable(
                format!(
                    "The overview of context {} could not be read: {error}",
                    request.context
                ),
                "The Clusters page shows the cluster's state; reload once it is ready.",
            )
        })?;
    Ok(ipc::ClusterOverview {
        nodes: overview.nodes.map(|nodes| {
            nodes
                .into_iter()
                .map(|node| ipc::NodeInfo {
                    name: node.name,
                    ready: node.ready,
                    unschedulable: node.unschedulable,
                    roles: node.roles,
                    version: node.version,
                    allocatable: ipc::Capacity {
                        cpu_cores: node.cpu,
                        memory_bytes: node.memory,
                        gpus: node.gpus,
                    },
                    gpu_model: node.gpu_model,
                })
                .collect()
        }),
        namespaces: overview.namespaces,
        workloads: overview
            .workloads
            .into_iter()
            .map(|(kind, count)| ipc::WorkloadCount {
                kind: kind.to_owned(),
                count,
            })
            .collect(),
        pods: overview.pods.map(|pods| ipc::PodCounts {
            total: pods.total,
            pending: pods.pending,
            failed: pods.failed,
            succeeded: pods.succeeded,
        }),
        warnings: overview.warnings.map(|warnings| {
            warnings
                .into_iter()
                .map(|warning| ipc::WarningEvent {
                    last_seen: warning.last_seen,
                    object: warning.object,
                    reason: warning.reason,
                    message: warning.message,
                    count: warning.count,
                })
                .collect()
        }),
        scoped_to: overview.scoped_to,
    })
}
