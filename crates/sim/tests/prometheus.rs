//! The real Prometheus (Debian's package) scraping a demo cluster's metrics endpoint: the dcgm
//! series arrive with their labels and join with `kube_pod_info` as the GPU dashboards join them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::Prometheus;

/// `gpu-prod` served over plain HTTP, and Prometheus scraping it.
async fn scraped_gpu_prod() -> (SimServer, Prometheus) {
    let server = SimServer::start(
        Arc::new(demo::gpu_prod().unwrap()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let prometheus = Prometheus::scraping(server.url().trim_start_matches("http://")).await;
    (server, prometheus)
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_gpu_metrics_that_join_with_kube_pod_info() {
    let (_server, prometheus) = scraped_gpu_prod().await;

    let busy = prometheus
        .wait_for("DCGM_FI_DEV_GPU_UTIL{pod!=\"\"} > 0")
        .await;
    let labels = &busy[0]["metric"];
    for label in [
        "gpu",
        "UUID",
        "pci_bus_id",
        "modelName",
        "Hostname",
        "namespace",
        "pod",
        "container",
    ] {
        assert!(
            labels[label]
                .as_str()
                .is_some_and(|value| !value.is_empty()),
            "{label} missing from {labels}"
        );
    }
    // The GPU dashboards' join: the node of each busy GPU's pod, from kube-state-metrics.
    let joined = prometheus
        .wait_for(
            "DCGM_FI_DEV_GPU_UTIL{pod!=\"\"} * on(namespace, pod) group_left(node) kube_pod_info",
        )
        .await;
    assert_eq!(joined.len(), busy.len(), "every busy GPU's pod is known");
    for series in &joined {
        assert_eq!(
            series["metric"]["node"], series["metric"]["Hostname"],
            "a GPU's pod runs on the GPU's node"
        );
    }
    let by_model = prometheus
        .wait_for("count by (modelName) (DCGM_FI_DEV_FB_USED)")
        .await;
    let models: Vec<&str> = by_model
        .iter()
        .filter_map(|series| series["metric"]["modelName"].as_str())
        .collect();
    assert!(models.contains(&"NVIDIA H100-80GB-HBM3"), "{models:?}");
    assert!(models.contains(&"NVIDIA A100-SXM4-80GB"), "{models:?}");
    let leader = prometheus.wait_for("etcd_server_is_leader").await;
    assert_eq!(leader[0]["value"][1], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_proxy_reaches_the_clusters_prometheus_as_kubesphere_installs_it() {
    let (server, prometheus) = scraped_gpu_prod().await;
    prometheus.wait_for("etcd_server_is_leader").await;
    let kubeconfig = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kubeconfig.path(), kubedesk_sim::kubeconfig(&[&server])).unwrap();
    let raw = |path: &str| {
        let path = path.to_owned();
        let kubeconfig = kubeconfig.path().to_owned();
        async move {
            tokio::process::Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kubeconfig)
                .args(["get", "--raw", &path])
                .output()
                .await
                .unwrap()
        }
    };
    let query = "/api/v1/namespaces/kubesphere-monitoring-system/services/http:prometheus-k8s:web/proxy/api/v1/query?query=etcd_server_is_leader";

    // Before the monitoring stack is there, the service is not found.
    let missing = raw(query).await;
    assert!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(
        said.contains("services \"prometheus-k8s\" not found"),
        "{said}"
    );

    demo::monitoring::prometheus(server.cluster(), prometheus.address(), "cpu-01").unwrap();
    let answered = raw(query).await;
    assert!(
        answered.status.success(),
        "{}",
        String::from_utf8_lossy(&answered.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&answered.stdout).unwrap();
    assert_eq!(answer["status"], "success", "{answer}");
    assert_eq!(answer["data"]["result"][0]["value"][1], "1", "{answer}");
    // By port number and with no port named (the service has one), the same Prometheus.
    for name in ["prometheus-k8s:9090", "prometheus-k8s"] {
        let path = format!(
            "/api/v1/namespaces/kubesphere-monitoring-system/services/{name}/proxy/api/v1/status/buildinfo"
        );
        let answered = raw(&path).await;
        let answer: serde_json::Value = serde_json::from_slice(&answered.stdout).unwrap();
        assert!(
            answer["data"]["version"]
                .as_str()
                .is_some_and(|version| !version.is_empty()),
            "{name}: {answer}"
        );
    }
    // Prometheus's own refusal comes back with its status (kubectl cannot read its body: it is
    // not a Status).
    let refused = raw("/api/v1/namespaces/kubesphere-monitoring-system/services/prometheus-k8s:web/proxy/api/v1/query?query=rate(").await;
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("(BadRequest)"),
        "{said}"
    );

    // With its pod gone, the service has no endpoints, in the API server's words.
    server
        .cluster()
        .store
        .delete("/pods", "kubesphere-monitoring-system", "prometheus-k8s-0")
        .unwrap();
    let gone = raw(query).await;
    let said = String::from_utf8_lossy(&gone.stderr);
    assert!(
        said.contains("no endpoints available for service \"prometheus-k8s\""),
        "{said}"
    );
}
