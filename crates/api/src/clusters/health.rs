//! `get_cluster_health`: connects to one context and reports its cluster's state.

use kubedesk_cluster::{ConnectError, Health, Resources};
use kubedesk_ipc as ipc;

use crate::App;

/// Builds a client for the context and checks its cluster. Never fails: every way of not
/// reaching the cluster is a state with its reason.
pub async fn cluster_health(
    app: &App,
    request: ipc::GetClusterHealth,
) -> Result<ipc::ClusterHealth, ipc::Error> {
    // A check always signs in afresh: it is how a user retries a cluster that failed.
    let client = match app.clients.fresh(&app.kubeconfig, &request.context).await {
        Ok(client) => client,
        Err(ConnectError::Credentials { detail, .. }) => {
            return Ok(ipc::ClusterHealth::Unauthorized { detail });
        }
        Err(ConnectError::Kubeconfig { detail, .. }) => {
            return Ok(ipc::ClusterHealth::Misconfigured { detail });
        }
        Err(ConnectError::SignIn { issuer, detail, .. }) => {
            return Ok(ipc::ClusterHealth::SignInRequired { issuer, detail });
        }
    };
    let signed_in = app.clients.sessions().identity(&request.context).await;
    Ok(match kubedesk_cluster::check(&client).await {
        Health::Ready { version, nodes } => ipc::ClusterHealth::Ready {
            version,
            nodes: nodes.map(|nodes| ipc::NodeSummary {
                count: nodes.count,
                ready: nodes.ready,
                capacity: capacity(nodes.capacity),
                allocatable: capacity(nodes.allocatable),
            }),
            signed_in: signed_in.map(crate::oidc::signed_in),
        },
        Health::Unauthorized { detail } => ipc::ClusterHealth::Unauthorized { detail },
        Health::Forbidden { detail } => ipc::ClusterHealth::Forbidden { detail },
        Health::Unreachable { detail } => ipc::ClusterHealth::Unreachable { detail },
    })
}

fn capacity(resources: Resources) -> ipc::Capacity {
    ipc::Capacity {
        cpu_cores: resources.cpu,
        memory_bytes: resources.memory,
        gpus: resources.gpus,
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use kubedesk_cluster::KubeconfigPaths;

    use super::*;
    use crate::AppConfig;
    use crate::demo::{SimOptions, serve};

    #[tokio::test(flavor = "multi_thread")]
    async fn the_demo_clusters_are_ready_and_an_unknown_context_is_misconfigured() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        let _clusters = serve(&path, &SimOptions::default()).await.unwrap();
        let app = App::new(AppConfig::in_memory(
            dir.path().join("config"),
            KubeconfigPaths::resolve(Some(OsString::from(&path)), None),
        ));
        for (context, nodes) in [("gpu-prod", 7), ("edge", 3), ("dev", 1)] {
            let health = cluster_health(
                &app,
                ipc::GetClusterHealth {
                    context: context.into(),
                },
            )
            .await
            .unwrap();
            let ipc::ClusterHealth::Ready {
                version,
                nodes: Some(summary),
                ..
            } = health
            else {
                panic!("{context} is not ready: {health:?}");
            };
            assert_eq!(version, "v1.32.4");
            assert_eq!(summary.count, nodes, "{context}");
        }
        let unknown = cluster_health(
            &app,
            ipc::GetClusterHealth {
                context: "nope".into(),
            },
        )
        .await
        .unwrap();
        assert!(
            matches!(unknown, ipc::ClusterHealth::Misconfigured { .. }),
            "{unknown:?}"
        );
    }
}
