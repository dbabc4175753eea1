//! A cluster's monitoring stack as KubeSphere installs it: the `kubesphere-monitoring-system`
//! namespace, the Prometheus pod `prometheus-k8s-0` and its Service `prometheus-k8s` on port
//! `web` (9090). The pod stands for a real Prometheus started beside the simulator: the service
//! proxy passes requests to it (`sim.kubedesk.io/forwards`).

use std::net::SocketAddr;

use serde_json::json;

use super::{Seeded, namespace, running, seed};
use crate::Cluster;

/// The namespace KubeSphere's monitoring runs in.
pub const NAMESPACE: &str = "kubesphere-monitoring-system";

/// Adds the monitoring stack to `cluster`, its Prometheus the real one listening at `prometheus`
/// (a loopback address), on `node`.
pub fn prometheus(cluster: &Cluster, prometheus: SocketAddr, node: &str) -> Seeded {
    if cluster.store.get("/namespaces", "", NAMESPACE).is_none() {
        namespace(cluster, NAMESPACE, Some("system-workspace"))?;
    }
    let labels = json!({
        "app.kubernetes.io/component": "prometheus",
        "app.kubernetes.io/instance": "k8s",
        "app.kubernetes.io/name": "prometheus",
        "prometheus": "k8s",
    });
    let image = "quay.io/prometheus/prometheus:v2.42.0";
    let mut status = running("prometheus", image, 240);
    status["hostIP"] = json!("10.0.0.30");
    status["qosClass"] = json!("Burstable");
    seed(
        cluster,
        "",
        "pods",
        NAMESPACE,
        json!({
            "metadata": {
                "name": "prometheus-k8s-0",
                "labels": labels,
                "annotations": {"sim.kubedesk.io/forwards": json!({"9090": prometheus.to_string()}).to_string()},
            },
            "spec": {
                "nodeName": node,
                "containers": [{
                    "name": "prometheus",
                    "image": image,
                    "args": ["--web.listen-address=:9090", "--storage.tsdb.retention.time=7d"],
                    "ports": [{"name": "web", "containerPort": 9090, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "200m", "memory": "400Mi"}, "limits": {"cpu": "4", "memory": "16Gi"}},
                }],
            },
            "status": status,
        }),
    )?;
    seed(
        cluster,
        "",
        "services",
        NAMESPACE,
        json!({
            "metadata": {"name": "prometheus-k8s", "labels": {"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"}},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.80.90",
                "selector": {"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"},
                "ports": [{"name": "web", "port": 9090, "targetPort": "web", "protocol": "TCP"}],
                "sessionAffinity": "ClientIP",
            },
        }),
    )?;
    Ok(())
}
