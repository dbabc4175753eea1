//! A cluster's monitoring stack as KubeSphere installs it: the `kubesphere-monitoring-system`
//! namespace, the Prometheus pod `prometheus-k8s-0` and its Service `prometheus-k8s` on port
//! `web` (9090), and the Alertmanager pod `alertmanager-main-0` and its Service
//! `alertmanager-main` on port `web` (9093). Each pod stands for a real server started beside the
//! simulator: the service proxy passes requests to it (`sim.kubedesk.io/forwards`).

use std::net::SocketAddr;

use serde_json::json;

use super::{Seeded, namespace, running, seed};
use crate::Cluster;

/// The namespace KubeSphere's monitoring runs in.
pub const NAMESPACE: &str = "kubesphere-monitoring-system";

/// A server of the monitoring stack, as KubeSphere installs it.
struct Server {
    /// `prometheus`, `alertmanager`.
    name: &'static str,
    /// The pod (`prometheus-k8s-0`).
    pod: &'static str,
    /// The Service (`prometheus-k8s`).
    service: &'static str,
    /// The instance label (`k8s`, `main`), `prometheus=k8s` or `alertmanager=main`.
    instance: &'static str,
    image: &'static str,
    /// The container port (`web`).
    port: u16,
    args: &'static [&'static str],
    cluster_ip: &'static str,
    host_ip: &'static str,
    /// CPU and memory requests and limits.
    resources: serde_json::Value,
}

/// Adds the monitoring stack to `cluster`, its Prometheus the real one listening at `prometheus`
/// (a loopback address), on `node`.
pub fn prometheus(cluster: &Cluster, prometheus: SocketAddr, node: &str) -> Seeded {
    server(
        cluster,
        &Server {
            name: "prometheus",
            pod: "prometheus-k8s-0",
            service: "prometheus-k8s",
            instance: "k8s",
            image: "quay.io/prometheus/prometheus:v2.42.0",
            port: 9090,
            args: &[
                "--web.listen-address=:9090",
                "--storage.tsdb.retention.time=7d",
            ],
            cluster_ip: "10.96.80.90",
            host_ip: "10.0.0.30",
            resources: json!({"requests": {"cpu": "200m", "memory": "400Mi"}, "limits": {"cpu": "4", "memory": "16Gi"}}),
        },
        prometheus,
        node,
    )
}

/// Adds KubeSphere's Alertmanager (`alertmanager-main`, port `web`, 9093) to `cluster`, the real
/// one listening at `alertmanager`, on `node`.
pub fn alertmanager(cluster: &Cluster, alertmanager: SocketAddr, node: &str) -> Seeded {
    server(
        cluster,
        &Server {
            name: "alertmanager",
            pod: "alertmanager-main-0",
            service: "alertmanager-main",
            instance: "main",
            image: "quay.io/prometheus/alertmanager:v0.23.0",
            port: 9093,
            args: &["--web.listen-address=:9093", "--cluster.listen-address="],
            cluster_ip: "10.96.80.93",
            host_ip: "10.0.0.30",
            resources: json!({"requests": {"cpu": "20m", "memory": "30Mi"}, "limits": {"cpu": "200m", "memory": "200Mi"}}),
        },
        alertmanager,
        node,
    )
}

/// Seeds `server`'s pod (standing for the process at `address`) and Service.
fn server(cluster: &Cluster, server: &Server, address: SocketAddr, node: &str) -> Seeded {
    if cluster.store.get("/namespaces", "", NAMESPACE).is_none() {
        namespace(cluster, NAMESPACE, Some("system-workspace"))?;
    }
    let labels = json!({
        "app.kubernetes.io/component": server.name,
        "app.kubernetes.io/instance": server.instance,
        "app.kubernetes.io/name": server.name,
        server.name: server.instance,
    });
    let mut status = running(server.name, server.image, 240);
    status["hostIP"] = json!(server.host_ip);
    status["qosClass"] = json!("Burstable");
    seed(
        cluster,
        "",
        "pods",
        NAMESPACE,
        json!({
            "metadata": {
                "name": server.pod,
                "labels": labels,
                "annotations": {"sim.kubedesk.io/forwards": json!({server.port.to_string(): address.to_string()}).to_string()},
            },
            "spec": {
                "nodeName": node,
                "containers": [{
                    "name": server.name,
                    "image": server.image,
                    "args": server.args,
                    "ports": [{"name": "web", "containerPort": server.port, "protocol": "TCP"}],
                    "resources": server.resources,
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
            "metadata": {"name": server.service, "labels": {"app.kubernetes.io/name": server.name, server.name: server.instance}},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": server.cluster_ip,
                "selector": {"app.kubernetes.io/name": server.name, server.name: server.instance},
                "ports": [{"name": "web", "port": server.port, "targetPort": "web", "protocol": "TCP"}],
                "sessionAffinity": "ClientIP",
            },
        }),
    )?;
    Ok(())
}
