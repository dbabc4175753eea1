//! `get_cluster_overview`: one cluster at a glance.

use kubedesk_cluster::{ControlPlane, EtcdLeader};
use kubedesk_ipc as ipc;

use super::client::{Cluster, cluster, unavailable};
use crate::App;
use crate::offline::PATIENCE;

/// Reads the overview with the context's client; what the user may not list stays unknown.
pub async fn cluster_overview(
    app: &App,
    request: ipc::GetClusterOverview,
) -> Result<ipc::ClusterOverview, ipc::Error> {
    let client = match cluster(app, &request.context).await? {
        Cluster::Live(client) => client,
        Cluster::Kept(kept) => return kept.overview(),
    };
    let kept = |message: &str| {
        app.store
            .as_ref()
            .ok()
            .and_then(|store| crate::offline::overview(store, &request.context, message.to_owned()))
    };
    let live = kubedesk_cluster::overview(&client, request.namespace.as_deref());
    // An overview seen before does not wait for a cluster slow to answer, or not answering.
    let answer = if let Some(waiting) = kept(&format!(
        "Context {} has not answered yet; the overview turns live once the Clusters page finds it ready.",
        request.context
    )) {
        match tokio::time::timeout(PATIENCE, live).await {
            Ok(answer) => answer,
            Err(_) => return Ok(waiting),
        }
    } else {
        live.await
    };
    let overview = match answer {
        Ok(overview) => overview,
        // A cluster that does not answer shows its overview as last seen, if it was.
        Err(error) => {
            let message = format!(
                "The overview of context {} could not be read: {}",
                request.context,
                kubedesk_cluster::health::message(&error)
            );
            return kept(&message).ok_or_else(|| {
                unavailable(
                    message,
                    "The Clusters page shows the cluster's state; reload once it is ready.",
                )
            });
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
