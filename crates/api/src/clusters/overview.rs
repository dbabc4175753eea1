//! `get_cluster_overview`: one cluster at a glance.

use kubedesk_cluster::{ControlPlane, EtcdLeader};
use kubedesk_ipc as ipc;

use super::client::{client, unavailable};
use crate::App;

/// Reads the overview with the context's client; what the user may not list stays unknown.
pub async fn cluster_overview(
    app: &App,
    request: ipc::GetClusterOverview,
) -> Result<ipc::ClusterOverview, ipc::Error> {
    let client = client(app, &request.context).await?;
    let overview = match kubedesk_cluster::overview(&client, request.namespace.as_deref()).await {
        Ok(overview) => overview,
        // A cluster that does not answer shows its overview as last seen, if it was.
        Err(error) => {
            let message = format!(
                "The overview of context {} could not be read: {}",
                request.context,
                kubedesk_cluster::health::message(&error)
            );
            return crate::offline::overview(app, &request.context, message.clone()).ok_or_else(
                || {
                    unavailable(
                        message,
                        "The Clusters page shows the cluster's state; reload once it is ready.",
                    )
                },
            );
        }
    };
    let overview = convert(overview);
    crate::offline::keep_overview(app, &request.context, &overview);
    Ok(overview)
}

fn convert(overview: kubedesk_cluster::Overview) -> ipc::ClusterOverview {
    ipc::ClusterOverview {
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
        control_plane: overview.control_plane.map(control_plane),
        namespace_forbidden: overview.namespace_forbidden,
        offline: None,
    }
}

fn control_plane(plane: ControlPlane) -> ipc::ControlPlaneInfo {
    let (etcd_leader, etcd_leader_hidden) = match plane.etcd_leader {
        EtcdLeader::Member(pod) => (Some(pod), None),
        EtcdLeader::NotVisible(reason) => (None, Some(reason)),
        EtcdLeader::NoMembers => (None, None),
    };
    ipc::ControlPlaneInfo {
        members: plane
            .members
            .into_iter()
            .map(|member| ipc::ControlPlaneMember {
                component: member.component,
                pod: member.pod,
                node: member.node,
                ready: member.ready,
                restarts: member.restarts,
                version: member.version,
            })
            .collect(),
        leaders: plane
            .leaders
            .into_iter()
            .map(|leader| ipc::ControlPlaneLeader {
                component: leader.component,
                holder: leader.holder,
            })
            .collect(),
        etcd_leader,
        etcd_leader_hidden,
    }
}
