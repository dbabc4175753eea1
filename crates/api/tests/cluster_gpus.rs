//! A cluster's GPUs through the use-case the GPUs page calls, against the simulated GPU
//! production cluster: every figure is checked against the simulator's own nodes and pods, read
//! here straight from its store, and a GPU pod added to the cluster shows at once; with the
//! cluster's Prometheus (a real one scraping the simulator's dcgm-exporter series), the physical
//! GPUs each pod holds and how busy they are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_api::cluster_gpus::get_gpu_inventory;
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};
use serde_json::json;

/// What the simulator's store says each node's pods hold of `resource`: the containers' limits
/// of every pod bound there that has not finished.
fn held_in_store(server: &SimServer, node: &str, resource: &str) -> u64 {
    let (_, pods) = server.cluster().store.list("/pods", None);
    pods.iter()
        .filter(|pod| pod["spec"]["nodeName"] == node)
        .filter(|pod| {
            !matches!(
                pod["status"]["phase"].as_str(),
                Some("Succeeded" | "Failed")
            )
        })
        .flat_map(|pod| {
            pod["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|container| {
            let limits = &container["resources"]["limits"];
            let requests = &container["resources"]["requests"];
            limits[resource]
                .as_str()
                .or(requests[resource].as_str())
                .and_then(|value| value.parse::<u64>().ok())
        })
        .sum()
}

/// The simulated `gpu-prod` and an app with its kubeconfig.
async fn gpu_prod() -> (SimServer, tempfile::TempDir, App) {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = SimServer::start(Arc::new(demo::gpu_prod().unwrap()), local)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&[&server])).unwrap();
    let app = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    (server, dir, app)
}

async fn inventory(app: &App) -> ipc::GpuInventory {
    get_gpu_inventory(
        app,
        ipc::GetGpuInventory {
            context: "gpu-prod".into(),
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inventory_matches_the_clusters_nodes_and_pods_and_follows_a_new_gpu_pod() {
    let (server, _dir, app) = gpu_prod().await;
    let seen = inventory(&app).await;
    assert!(
        seen.devices_missing
            .as_deref()
            .unwrap()
            .starts_with("No Prometheus was found in this cluster"),
        "{:?}",
        seen.devices_missing
    );

    // The resource names come from the nodes: MIG profiles and time-sliced GPUs included.
    assert_eq!(
        seen.resources,
        [
            "nvidia.com/gpu",
            "nvidia.com/mig-1g.10gb",
            "nvidia.com/mig-3g.40gb"
        ]
    );
    let node_names: Vec<&str> = seen.nodes.iter().map(|node| node.name.as_str()).collect();
    assert_eq!(
        node_names,
        [
            "gpu-a10-shared-01",
            "gpu-a100-01",
            "gpu-a100-02",
            "gpu-a100-mig-01",
            "gpu-h100-01"
        ],
        "the CPU nodes have no GPUs"
    );
    let node = |name: &str| seen.nodes.iter().find(|node| node.name == name).unwrap();
    let h100 = node("gpu-h100-01");
    assert_eq!(
        (h100.product.as_deref(), h100.memory_mib, h100.count),
        (Some("NVIDIA-H100-80GB-HBM3"), Some(81920), Some(8))
    );
    let shared = node("gpu-a10-shared-01");
    assert_eq!(
        (
            shared.sharing.as_deref(),
            shared.replicas,
            shared.product.as_deref()
        ),
        (Some("time-slicing"), Some(4), Some("NVIDIA-A10"))
    );
    assert_eq!(shared.resources[0].capacity, 16, "4 GPUs, 4 replicas each");
    let mig = node("gpu-a100-mig-01");
    assert_eq!(mig.mig_strategy.as_deref(), Some("mixed"));
    let mig_resources: Vec<(&str, u64)> = mig
        .resources
        .iter()
        .map(|used| (used.resource.as_str(), used.capacity))
        .collect();
    assert_eq!(
        mig_resources,
        [
            ("nvidia.com/mig-1g.10gb", 28),
            ("nvidia.com/mig-3g.40gb", 8)
        ],
        "its nvidia.com/gpu advertised at 0 is not a resource it has"
    );

    // Allocated and free, node by node, as the simulator's pods hold them.
    for node in &seen.nodes {
        for used in &node.resources {
            assert_eq!(
                used.allocated,
                held_in_store(&server, &node.name, &used.resource),
                "{} {}",
                node.name,
                used.resource
            );
            assert_eq!(used.free, used.allocatable - used.allocated);
        }
    }
    let total = |seen: &ipc::GpuInventory, resource: &str| {
        seen.totals
            .iter()
            .find(|total| total.resource == resource)
            .cloned()
            .unwrap()
    };
    let gpus = total(&seen, "nvidia.com/gpu");
    let capacity: u64 = seen
        .nodes
        .iter()
        .flat_map(|node| &node.resources)
        .filter(|used| used.resource == "nvidia.com/gpu")
        .map(|used| used.capacity)
        .sum();
    assert_eq!(gpus.capacity, capacity);
    let models: BTreeMap<&str, (u64, u64)> = seen
        .models
        .iter()
        .map(|model| (model.product.as_str(), (model.nodes, model.gpus)))
        .collect();
    assert_eq!(models["NVIDIA-H100-80GB-HBM3"], (1, 8));
    assert_eq!(models["NVIDIA-A100-SXM4-80GB"].0, 3);
    let holder = seen
        .holders
        .iter()
        .find(|holder| holder.namespace == "research")
        .unwrap();
    assert_eq!(holder.node.as_deref(), Some("gpu-h100-01"));
    assert_eq!(holder.resources, [("nvidia.com/gpu".to_owned(), 8)]);

    // A pod asking for two GPUs of the shared node, bound there: held at once.
    server
        .cluster()
        .store
        .create(
            "/pods",
            "inference",
            "probe",
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "probe", "namespace": "inference"},
                "spec": {
                    "nodeName": "gpu-a10-shared-01",
                    "containers": [{"name": "probe", "image": "nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04",
                        "resources": {"limits": {"nvidia.com/gpu": "2"}}}],
                },
                "status": {"phase": "Running"},
            }),
        )
        .unwrap();
    let after = inventory(&app).await;
    let shared_after = after
        .nodes
        .iter()
        .find(|node| node.name == "gpu-a10-shared-01")
        .unwrap();
    assert_eq!(
        shared_after.resources[0].allocated,
        shared.resources[0].allocated + 2
    );
    assert_eq!(
        total(&after, "nvidia.com/gpu").allocated,
        gpus.allocated + 2
    );
    assert!(
        after.holders.iter().any(|holder| holder.name == "probe"
            && holder.resources == [("nvidia.com/gpu".to_owned(), 2)])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_physical_gpus_each_pod_holds_come_from_dcgm_exporter_through_prometheus() {
    let (server, _dir, app) = gpu_prod().await;
    let prometheus =
        kubedesk_testkit::Prometheus::scraping(server.url().trim_start_matches("http://")).await;
    demo::monitoring::prometheus(server.cluster(), prometheus.address(), "cpu-01").unwrap();
    // Two scrapes: an instant query at this second sees the samples taken before it.
    prometheus
        .wait_for("count_over_time(DCGM_FI_DEV_GPU_UTIL[1m]) > 1")
        .await;
    let seen = inventory(&app).await;
    assert_eq!(
        seen.devices_from.as_deref(),
        Some("Prometheus at kubesphere-monitoring-system/prometheus-k8s:9090")
    );
    let holder = |namespace: &str, prefix: &str| {
        seen.holders
            .iter()
            .find(|holder| holder.namespace == namespace && holder.name.starts_with(prefix))
            .unwrap()
    };
    // Eight whole H100s, each its own UUID.
    let training = holder("research", "diffusion-train");
    assert_eq!(training.devices.len(), 8);
    let mut uuids: Vec<&str> = training
        .devices
        .iter()
        .map(|device| device.uuid.as_str())
        .collect();
    uuids.dedup();
    assert_eq!(uuids.len(), 8);
    assert!(
        uuids.iter().all(|uuid| uuid.starts_with("GPU-")),
        "{uuids:?}"
    );
    // A MIG instance, with its profile; the idle embeddings pods' shared GPU nearly idle.
    let triton = holder("inference", "triton");
    assert_eq!(triton.devices[0].instance.as_deref(), Some("1g.10gb"));
    let embeddings = holder("inference", "embeddings");
    assert!(
        embeddings.devices[0].utilisation.unwrap() < 10,
        "{:?}",
        embeddings.devices
    );
}
