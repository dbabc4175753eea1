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

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_gpu_metrics_that_join_with_kube_pod_info() {
    let server = SimServer::start(
        Arc::new(demo::gpu_prod().unwrap()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let target = server.url().trim_start_matches("http://").to_owned();
    let prometheus = Prometheus::scraping(&target).await;

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
