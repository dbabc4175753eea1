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

#[path = "support/served.rs"]
mod served;

use std::collections::BTreeMap;

use kubedesk_api::App;
use kubedesk_api::cluster_gpus::get_gpu_inventory;
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::eventually_async;
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
    served::serve(demo::gpu_prod().unwrap()).await
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

/// A GPU pod for `research`: `resources` its limits, `extra` merged into its spec.
fn gpu_pod(
    name: &str,
    resources: serde_json::Value,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut spec = json!({
        "containers": [{"name": "main", "image": "nvcr.io/nvidia/pytorch:24.05-py3",
                        "resources": {"limits": resources}}],
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    });
    for (key, value) in extra.as_object().unwrap() {
        spec[key] = value.clone();
    }
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "research"}, "spec": spec})
}

#[tokio::test(flavor = "multi_thread")]
async fn each_reason_a_gpu_pod_waits_is_recognised_with_what_the_scheduler_said() {
    let (server, _dir, app) = gpu_prod().await;
    let cluster = server.cluster().clone();
    let h100 = json!({"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"});
    for pod in [
        gpu_pod("amd", json!({"amd.com/gpu": "1"}), json!({})),
        gpu_pod(
            "b200",
            json!({"nvidia.com/gpu": "1"}),
            json!({"nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-B200"}}),
        ),
        gpu_pod(
            "wrong-pool",
            json!({"nvidia.com/gpu": "1"}),
            json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["train", "batch"]}]}]}}}}),
        ),
        gpu_pod(
            "untolerated",
            json!({"nvidia.com/gpu": "1"}),
            json!({"tolerations": []}),
        ),
        gpu_pod(
            "one-more-h100",
            json!({"nvidia.com/gpu": "1"}),
            json!({"nodeSelector": h100}),
        ),
        gpu_pod(
            "on-cordoned",
            json!({"nvidia.com/gpu": "1"}),
            json!({"nodeSelector": {"kubernetes.io/hostname": "gpu-a100-02"}}),
        ),
    ] {
        cluster.create("", "pods", "research", pod).unwrap();
    }
    let mut node = cluster.store.get("/nodes", "", "gpu-a100-02").unwrap();
    node["spec"]["unschedulable"] = json!(true);
    cluster
        .store
        .replace("/nodes", "", "gpu-a100-02", None, node)
        .unwrap();
    // One more embeddings server than the inference quota's four GPUs allow.
    cluster
        .create(
            "apps",
            "deployments",
            "inference",
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "embeddings-canary", "namespace": "inference"},
                   "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "embeddings-canary"}},
                            "template": {"metadata": {"labels": {"app": "embeddings-canary"}},
                                         "spec": {"containers": [{"name": "server", "image": "ghcr.io/huggingface/text-embeddings-inference:1.5",
                                                                  "resources": {"limits": {"nvidia.com/gpu": "1", "cpu": "1", "memory": "1Gi"},
                                                                                "requests": {"cpu": "1", "memory": "1Gi"}}}]}}}}),
        )
        .unwrap();

    // Once the scheduler and the controllers have had their say, every wait is there.
    let expected = 8;
    let seen = eventually_async("every wait told", || async {
        let seen = inventory(&app).await;
        let told = seen
            .waiting
            .iter()
            .filter(|wait| wait.said.is_some())
            .count();
        (told == expected).then_some(seen)
    })
    .await;
    let waits: BTreeMap<String, &ipc::GpuWaitView> = seen
        .waiting
        .iter()
        .map(|wait| (wait.name.clone(), wait))
        .collect();
    assert_eq!(waits.len(), expected, "{waits:#?}");
    let reasons = |name: &str| waits[name].reasons.clone();
    use ipc::GpuWaitReason as R;
    assert_eq!(
        reasons("giant-train-0"),
        [R::MoreThanAnyNode {
            resource: "nvidia.com/gpu".into(),
            asked: 16,
            most: 8
        }]
    );
    assert!(
        waits["giant-train-0"]
            .said
            .as_deref()
            .unwrap()
            .contains("Insufficient nvidia.com/gpu"),
        "the scheduler's own words are kept"
    );
    assert_eq!(
        reasons("amd"),
        [R::NoNodeHas {
            resource: "amd.com/gpu".into(),
            offered: seen.resources.clone()
        }]
    );
    assert_eq!(
        reasons("b200"),
        [R::NoSuchProduct {
            asked: vec!["NVIDIA-B200".into()],
            products: vec![
                "NVIDIA-A10-SHARED".into(),
                "NVIDIA-A100-SXM4-80GB".into(),
                "NVIDIA-H100-80GB-HBM3".into()
            ],
        }]
    );
    assert_eq!(
        reasons("wrong-pool"),
        [R::SelectorMatchesNothing {
            selector: "pool In (train, batch)".into(),
            resource: "nvidia.com/gpu".into()
        }]
    );
    assert_eq!(
        reasons("untolerated"),
        [R::TaintNotTolerated {
            taint: "nvidia.com/gpu=present:NoSchedule".into(),
            nodes: vec![
                "gpu-a10-shared-01".into(),
                "gpu-a100-01".into(),
                "gpu-h100-01".into()
            ],
        }]
    );
    let trainer = seen
        .holders
        .iter()
        .find(|holder| holder.node.as_deref() == Some("gpu-h100-01"))
        .unwrap();
    assert_eq!(
        reasons("one-more-h100"),
        [R::NotEnoughFree {
            resource: "nvidia.com/gpu".into(),
            asked: 1,
            free: 0,
            holders: vec![format!("research/{}", trainer.name)],
        }]
    );
    assert_eq!(
        reasons("on-cordoned"),
        [R::Unavailable {
            nodes: vec!["gpu-a100-02".into()]
        }]
    );
    let canary = waits
        .values()
        .find(|wait| wait.owner == Some(("Deployment".into(), "embeddings-canary".into())))
        .unwrap();
    assert_eq!(canary.kind, "ReplicaSet");
    assert_eq!(canary.asked, [("nvidia.com/gpu".to_owned(), 1)]);
    assert!(canary.reasons.contains(&R::QuotaExceeded {
        quota: "gpu-quota".into(),
        key: "requests.nvidia.com/gpu".into(),
        requested: "1".into(),
        used: "4".into(),
        limited: "4".into(),
    }));

    // The quota raised, the canary gets its pod and waits no more.
    let mut quota = cluster
        .store
        .get("/resourcequotas", "inference", "gpu-quota")
        .unwrap();
    quota["spec"]["hard"]["requests.nvidia.com/gpu"] = json!("5");
    cluster
        .store
        .replace("/resourcequotas", "inference", "gpu-quota", None, quota)
        .unwrap();
    eventually_async(
        "the canary to wait no more once its quota was raised",
        || async {
            let waiting = inventory(&app).await.waiting;
            (!waiting.iter().any(|wait| {
                wait.owner
                    .as_ref()
                    .is_some_and(|owner| owner.1 == "embeddings-canary")
            }))
            .then_some(())
        },
    )
    .await;
}
