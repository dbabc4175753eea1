//! The demo clusters: a GPU production cluster, an edge cluster and a dev cluster, full of
//! realistic, schema-valid state (GPU Feature Discovery labels, MIG and time-sliced nodes, tenants
//! with GPU quotas, storage classes, ingresses, running and pending GPU workloads).
//!
//! Workloads are written as a controller would leave them (Deployment, ReplicaSet, Pods with owner
//! references and statuses); the simulated controllers that keep them so come later.

mod control_plane;
pub mod monitoring;
mod platform;

use serde_json::{Value, json};

use crate::Cluster;

/// A node's GPUs, as the device plugin and GPU Feature Discovery advertise them.
struct Gpus {
    product: &'static str,
    count: u32,
    memory_mib: u32,
    family: &'static str,
    /// Extra resources (MIG profiles) and their counts.
    extended: &'static [(&'static str, u32)],
    /// Extra labels (strategy, sharing).
    labels: &'static [(&'static str, &'static str)],
    /// What `nvidia.com/gpu` advertises (differs from `count` when time-sliced or MIG-mixed).
    advertised: u32,
}

fn node(
    cluster: &Cluster,
    name: &str,
    cpu: u32,
    memory_gib: u32,
    gpus: Option<&Gpus>,
    taint_gpu: bool,
) -> Seeded {
    let mut labels = json!({
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": if gpus.is_some() { "gpu" } else { "standard" },
    });
    let mut capacity = json!({"cpu": cpu.to_string(), "memory": format!("{memory_gib}Gi"), "pods": "110", "ephemeral-storage": "1Ti"});
    if let Some(gpus) = gpus {
        for (key, value) in [
            ("nvidia.com/gpu.present", "true".to_owned()),
            ("nvidia.com/gpu.product", gpus.product.to_owned()),
            ("nvidia.com/gpu.count", gpus.count.to_string()),
            ("nvidia.com/gpu.memory", gpus.memory_mib.to_string()),
            ("nvidia.com/gpu.family", gpus.family.to_owned()),
            (
                "nvidia.com/cuda.driver-version.full",
                "550.107.02".to_owned(),
            ),
            ("nvidia.com/cuda.runtime-version.full", "12.4".to_owned()),
            ("nvidia.com/mig.strategy", "none".to_owned()),
            ("nvidia.com/gpu.sharing-strategy", "none".to_owned()),
        ] {
            labels[key] = json!(value);
        }
        for (key, value) in gpus.labels {
            labels[*key] = json!(value);
        }
        capacity["nvidia.com/gpu"] = json!(gpus.advertised.to_string());
        for (resource, count) in gpus.extended {
            capacity[*resource] = json!(count.to_string());
        }
    }
    let taints = if taint_gpu {
        json!([{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
    } else {
        json!([])
    };
    let object = json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {"taints": taints, "podCIDR": "10.244.0.0/24"},
        "status": {
            "capacity": capacity.clone(), "allocatable": capacity,
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": "2026-11-01T00:00:00Z", "lastTransitionTime": "2026-11-01T00:00:00Z"},
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available", "lastHeartbeatTime": "2026-11-01T00:00:00Z", "lastTransitionTime": "2026-11-01T00:00:00Z"},
            ],
            "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", 10 + name.len())}, {"type": "Hostname", "address": name}],
            "nodeInfo": {
                "kubeletVersion": "v1.32.4", "kubeProxyVersion": "v1.32.4", "containerRuntimeVersion": "containerd://1.7.22",
                "osImage": "Ubuntu 22.04.4 LTS", "kernelVersion": "5.15.0-119-generic", "operatingSystem": "linux", "architecture": "amd64",
                "machineID": "", "systemUUID": "", "bootID": "",
            },
        },
    });
    seed(cluster, "", "nodes", "", object)?;
    Ok(())
}

/// The `Status` the server refused a demo object with; a bug in this file.
pub type Seeded<T = ()> = Result<T, Value>;

/// Creates a demo object as if it had been there for three weeks, unless it says when it was made.
fn seed(
    cluster: &Cluster,
    group: &str,
    plural: &str,
    namespace: &str,
    mut object: Value,
) -> Seeded<Value> {
    if object.pointer("/metadata/creationTimestamp").is_none() {
        let then = chrono::Utc::now() - chrono::Duration::days(21);
        object["metadata"]["creationTimestamp"] = json!(crate::objects::timestamp(then));
    }
    cluster.create(group, plural, namespace, object)
}

fn namespace(cluster: &Cluster, name: &str, workspace: Option<&str>) -> Seeded {
    let labels = workspace.map_or_else(
        || json!({}),
        |workspace| json!({"kubesphere.io/workspace": workspace}),
    );
    seed(
        cluster,
        "",
        "namespaces",
        "",
        json!({"metadata": {"name": name, "labels": labels}}),
    )?;
    Ok(())
}

/// A workload as its controllers leave it: Deployment, ReplicaSet and running Pods.
struct Workload<'a> {
    namespace: &'a str,
    name: &'a str,
    image: &'a str,
    replicas: usize,
    nodes: &'a [&'a str],
    /// GPU resource name and count per pod.
    gpu: Option<(&'a str, u32)>,
}

fn workload(cluster: &Cluster, workload: &Workload<'_>) -> Seeded {
    let Workload {
        namespace,
        name,
        image,
        replicas,
        nodes,
        gpu,
    } = *workload;
    let labels = json!({"app": name});
    // GPU workloads are sized for their GPUs; the rest are small services.
    let mut limits = match gpu {
        Some(_) => json!({"cpu": "2", "memory": "4Gi"}),
        None => json!({"cpu": "500m", "memory": "1Gi"}),
    };
    if let Some((resource, count)) = gpu {
        limits[resource] = json!(count.to_string());
    }
    let container = json!({"name": name, "image": image, "resources": {"requests": limits.clone(), "limits": limits}, "ports": [{"containerPort": 8080, "protocol": "TCP"}]});
    let mut pod_spec = json!({"containers": [container]});
    if gpu.is_some() {
        pod_spec["tolerations"] =
            json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]);
    }
    let template = json!({"metadata": {"labels": labels}, "spec": pod_spec});
    let count = i64::try_from(replicas).unwrap_or(0);
    // Created with `kubectl apply`, as most are: its fields are kubectl's.
    let mut deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "labels": labels, "creationTimestamp": crate::objects::timestamp(chrono::Utc::now() - chrono::Duration::days(21))},
           "spec": {"replicas": count, "selector": {"matchLabels": labels}, "template": template},
           "status": {"observedGeneration": 1, "replicas": count, "updatedReplicas": count, "readyReplicas": count, "availableReplicas": count,
                      "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."}]}});
    let created = deployment["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    crate::managed::record_update(None, &mut deployment, "kubectl-client-side-apply", &created);
    let deployment = seed(cluster, "apps", "deployments", namespace, deployment)?;
    let hash = format!(
        "{:x}",
        name.bytes()
            .fold(0x5bd1_e995u32, |hash, byte| hash.rotate_left(5)
                ^ u32::from(byte))
            % 0xff_ffff
    );
    let rs_name = format!("{name}-{hash}");
    let owner = |kind: &str, object: &Value| json!([{"apiVersion": "apps/v1", "kind": kind, "name": object["metadata"]["name"], "uid": object["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]);
    let mut rs_labels = labels.clone();
    rs_labels["pod-template-hash"] = json!(hash);
    let mut rs_template = template.clone();
    rs_template["metadata"]["labels"] = rs_labels.clone();
    let replica_set = seed(
        cluster,
        "apps",
        "replicasets",
        namespace,
        json!({"metadata": {"name": rs_name, "labels": rs_labels, "ownerReferences": owner("Deployment", &deployment)},
               "spec": {"replicas": count, "selector": {"matchLabels": rs_labels}, "template": rs_template},
               "status": {"replicas": count, "readyReplicas": count, "availableReplicas": count, "fullyLabeledReplicas": count, "observedGeneration": 1}}),
    )?;
    for index in 0..replicas {
        let node = nodes[index % nodes.len().max(1)];
        let mut spec = rs_template["spec"].clone();
        spec["nodeName"] = json!(node);
        let pod_name = format!("{rs_name}-{}", suffix(index));
        seed(
            cluster,
            "",
            "pods",
            namespace,
            json!({"metadata": {"name": pod_name, "labels": rs_labels, "ownerReferences": owner("ReplicaSet", &replica_set)}, "spec": spec,
                   "status": running(name, image, index)}),
        )?;
    }
    Ok(())
}

/// Annotates the pods of workload `app` so that their GPUs read `percent` % busy.
fn keeps_gpu_at(cluster: &Cluster, namespace: &str, app: &str, percent: u32) -> Seeded {
    let (_, pods) = cluster.store.list("/pods", Some(namespace));
    for mut pod in pods
        .into_iter()
        .filter(|pod| pod.pointer("/metadata/labels/app").and_then(Value::as_str) == Some(app))
    {
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        pod["metadata"]["annotations"]["sim.kubedesk.io/gpu-utilisation"] =
            json!(percent.to_string());
        cluster
            .store
            .replace("/pods", namespace, &name, None, pod)
            .map_err(|error| json!({"message": error.to_string()}))?;
    }
    Ok(())
}

fn running(container: &str, image: &str, index: usize) -> Value {
    json!({
        "phase": "Running", "podIP": format!("10.244.{}.{}", index / 250, 2 + index % 250), "hostIP": "10.0.0.20", "qosClass": "Guaranteed",
        "startTime": "2026-11-20T08:00:00Z",
        "conditions": [
            {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
            {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"},
        ],
        "containerStatuses": [{"name": container, "image": image, "imageID": format!("docker.io/library/{image}@sha256:0000"), "ready": true, "started": true,
                               "restartCount": 0, "containerID": format!("containerd://{index:064x}"), "state": {"running": {"startedAt": "2026-11-20T08:00:05Z"}}}],
    })
}

fn suffix(index: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut value = index * 7919 + 104_729;
    (0..5)
        .map(|_| {
            let character = ALPHABET[value % ALPHABET.len()] as char;
            value /= ALPHABET.len();
            character
        })
        .collect()
}

const A100: Gpus = Gpus {
    product: "NVIDIA-A100-SXM4-80GB",
    count: 8,
    memory_mib: 81920,
    family: "ampere",
    extended: &[],
    labels: &[],
    advertised: 8,
};
const H100: Gpus = Gpus {
    product: "NVIDIA-H100-80GB-HBM3",
    count: 8,
    memory_mib: 81920,
    family: "hopper",
    extended: &[],
    labels: &[],
    advertised: 8,
};
const A100_MIG: Gpus = Gpus {
    product: "NVIDIA-A100-SXM4-80GB",
    count: 8,
    memory_mib: 81920,
    family: "ampere",
    extended: &[
        ("nvidia.com/mig-1g.10gb", 28),
        ("nvidia.com/mig-3g.40gb", 8),
    ],
    labels: &[
        ("nvidia.com/mig.strategy", "mixed"),
        ("nvidia.com/mig.capable", "true"),
        ("nvidia.com/mig-1g.10gb.count", "28"),
        ("nvidia.com/mig-3g.40gb.count", "8"),
    ],
    advertised: 0,
};
const A10_SHARED: Gpus = Gpus {
    product: "NVIDIA-A10-SHARED",
    count: 4,
    memory_mib: 23028,
    family: "ampere",
    extended: &[],
    labels: &[
        ("nvidia.com/gpu.replicas", "4"),
        ("nvidia.com/gpu.sharing-strategy", "time-slicing"),
    ],
    advertised: 16,
};
const T4: Gpus = Gpus {
    product: "Tesla-T4",
    count: 1,
    memory_mib: 15360,
    family: "turing",
    extended: &[],
    labels: &[],
    advertised: 1,
};

/// The GPU production cluster: A100, H100, a MIG-mixed node, a time-sliced node, two tenants.
pub fn gpu_prod() -> Seeded<Cluster> {
    let cluster = Cluster::new("gpu-prod");
    node(&cluster, "gpu-a100-01", 128, 1024, Some(&A100), true)?;
    node(&cluster, "gpu-a100-02", 128, 1024, Some(&A100), true)?;
    node(&cluster, "gpu-h100-01", 192, 2048, Some(&H100), true)?;
    node(
        &cluster,
        "gpu-a100-mig-01",
        128,
        1024,
        Some(&A100_MIG),
        true,
    )?;
    node(
        &cluster,
        "gpu-a10-shared-01",
        64,
        512,
        Some(&A10_SHARED),
        true,
    )?;
    node(&cluster, "cpu-01", 32, 128, None, false)?;
    node(&cluster, "cpu-02", 32, 128, None, false)?;
    for (name, workspace) in [
        ("ml-team", "ai-lab"),
        ("research", "ai-lab"),
        ("inference", "ai-serving"),
        ("monitoring", "system"),
    ] {
        namespace(&cluster, name, Some(workspace))?;
    }
    workload(
        &cluster,
        &Workload {
            namespace: "ml-team",
            name: "llm-finetune",
            image: "nvcr.io/nvidia/pytorch:24.05-py3",
            replicas: 2,
            nodes: &["gpu-a100-01", "gpu-a100-02"],
            gpu: Some(("nvidia.com/gpu", 4)),
        },
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "research",
            name: "diffusion-train",
            image: "nvcr.io/nvidia/pytorch:24.05-py3",
            replicas: 1,
            nodes: &["gpu-h100-01"],
            gpu: Some(("nvidia.com/gpu", 8)),
        },
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "inference",
            name: "triton",
            image: "nvcr.io/nvidia/tritonserver:24.05-py3",
            replicas: 3,
            nodes: &["gpu-a100-mig-01"],
            gpu: Some(("nvidia.com/mig-1g.10gb", 1)),
        },
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "inference",
            name: "embeddings",
            image: "ghcr.io/huggingface/text-embeddings-inference:1.5",
            replicas: 4,
            nodes: &["gpu-a10-shared-01"],
            gpu: Some(("nvidia.com/gpu", 1)),
        },
    )?;
    // The embeddings service has little traffic: its GPUs are held and nearly idle.
    keeps_gpu_at(&cluster, "inference", "embeddings", 4)?;
    workload(
        &cluster,
        &Workload {
            namespace: "default",
            name: "web",
            image: "nginx:1.27",
            replicas: 2,
            nodes: &["cpu-01", "cpu-02"],
            gpu: None,
        },
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "monitoring",
            name: "dcgm-exporter",
            image: "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.7-3.5.0-ubuntu22.04",
            replicas: 1,
            nodes: &["cpu-01"],
            gpu: None,
        },
    )?;
    // A GPU pod no node can take: it asks for more H100s than any node has.
    seed(
        &cluster,
        "",
        "pods",
        "research",
        json!({"metadata": {"name": "giant-train-0", "labels": {"app": "giant-train"}},
               "spec": {"containers": [{"name": "train", "image": "nvcr.io/nvidia/pytorch:24.05-py3", "resources": {"requests": {"nvidia.com/gpu": "16"}, "limits": {"nvidia.com/gpu": "16"}}}],
                        "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}, "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]},
               // The scheduler gives its reason, on the pod and in an event, once the cluster runs.
               "status": {"phase": "Pending"}}),
    )?;
    for (namespace, gpus) in [("ml-team", "8"), ("research", "16"), ("inference", "4")] {
        seed(
            &cluster,
            "",
            "resourcequotas",
            namespace,
            json!({"metadata": {"name": "gpu-quota"}, "spec": {"hard": {"requests.nvidia.com/gpu": gpus, "limits.nvidia.com/gpu": gpus, "requests.cpu": "256", "requests.memory": "2Ti", "pods": "200"}}}),
        )?;
    }
    storage(&cluster)?;
    ingress(&cluster, "inference", "triton", "triton.gpu-prod.example")?;
    platform::workspaces(
        &cluster,
        &[
            ("ai-lab", "AI Lab", "alice"),
            ("ai-serving", "AI Serving", "bob"),
            ("system", "System", "admin"),
        ],
        &[("ai-lab", "48"), ("ai-serving", "8")],
    )?;
    platform::devops(&cluster, "ai-lab")?;
    namespace(&cluster, "gpu-operator", Some("system"))?;
    let operator = json!({"driver": {"enabled": true, "version": "550.107.02"}, "mig": {"strategy": "mixed"}, "dcgmExporter": {"enabled": true}});
    platform::helm_release(
        &cluster,
        &platform::Release {
            name: "gpu-operator",
            namespace: "gpu-operator",
            revision: 1,
            status: "deployed",
            chart: "gpu-operator",
            chart_version: "v24.9.0",
            app_version: "v24.9.0",
            deployed: "2026-11-01T08:00:00Z",
            values: operator,
            config: json!({"mig": {"strategy": "mixed"}}),
            manifest: "---\n# Source: gpu-operator/templates/clusterpolicy.yaml\napiVersion: nvidia.com/v1\nkind: ClusterPolicy\nmetadata:\n  name: cluster-policy\n",
        },
    )?;
    let stack = json!({"grafana": {"enabled": true}, "prometheus": {"prometheusSpec": {"retention": "15d"}}});
    platform::helm_release(
        &cluster,
        &platform::Release {
            name: "kube-prometheus-stack",
            namespace: "monitoring",
            revision: 1,
            status: "deployed",
            chart: "kube-prometheus-stack",
            chart_version: "65.1.1",
            app_version: "v0.77.1",
            deployed: "2026-11-01T08:30:00Z",
            values: stack,
            config: json!({"prometheus": {"prometheusSpec": {"retention": "15d"}}}),
            manifest: "---\n# Source: kube-prometheus-stack/templates/prometheus/prometheus.yaml\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: kube-prometheus-stack-prometheus\n  namespace: monitoring\n",
        },
    )?;
    Ok(cluster)
}

fn storage(cluster: &Cluster) -> Seeded {
    snapshot_types(cluster)?;
    seed(
        cluster,
        "storage.k8s.io",
        "csidrivers",
        "",
        json!({"metadata": {"name": "csi.example.com"}, "spec": {"attachRequired": true, "podInfoOnMount": false, "volumeLifecycleModes": ["Persistent"], "fsGroupPolicy": "ReadWriteOnceWithFSType"}}),
    )?;
    seed(
        cluster,
        "storage.k8s.io",
        "storageclasses",
        "",
        json!({"metadata": {"name": "fast-ssd", "annotations": {"storageclass.kubernetes.io/is-default-class": "true", "storageclass.kubesphere.io/allow-clone": "true", "storageclass.kubesphere.io/allow-snapshot": "true", "storageclass.kubesphere.io/supported-access-modes": "[\"ReadWriteOnce\"]"}},
               "provisioner": "csi.example.com", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true, "parameters": {"type": "ssd"}}),
    )?;
    seed(
        cluster,
        "storage.k8s.io",
        "storageclasses",
        "",
        json!({"metadata": {"name": "archive-hdd", "annotations": {"storageclass.kubesphere.io/allow-clone": "false", "storageclass.kubesphere.io/allow-snapshot": "false", "storageclass.kubesphere.io/supported-access-modes": "[\"ReadWriteOnce\",\"ReadOnlyMany\",\"ReadWriteMany\"]"}},
               "provisioner": "nfs.csi.k8s.io", "reclaimPolicy": "Retain", "volumeBindingMode": "Immediate", "allowVolumeExpansion": false, "parameters": {"server": "nfs.storage.internal", "share": "/exports/archive"}}),
    )?;
    // KubeSphere creates a snapshot class named after each class that allows snapshots.
    seed(
        cluster,
        "snapshot.storage.k8s.io",
        "volumesnapshotclasses",
        "",
        json!({"metadata": {"name": "fast-ssd"}, "driver": "csi.example.com", "deletionPolicy": "Delete"}),
    )?;
    bound_claim(
        cluster,
        "ml-team",
        "datasets",
        "fast-ssd",
        "500Gi",
        "csi.example.com",
        "Delete",
    )?;
    bound_claim(
        cluster,
        "research",
        "checkpoints",
        "fast-ssd",
        "2Ti",
        "csi.example.com",
        "Delete",
    )?;
    bound_claim(
        cluster,
        "inference",
        "model-cache",
        "archive-hdd",
        "200Gi",
        "nfs.csi.k8s.io",
        "Retain",
    )?;
    // Waits for its first consumer, as `WaitForFirstConsumer` claims do.
    seed(
        cluster,
        "",
        "persistentvolumeclaims",
        "research",
        json!({"metadata": {"name": "scratch"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd", "resources": {"requests": {"storage": "100Gi"}}}}),
    )?;
    // The snapshot controller makes it ready once the cluster runs.
    seed(
        cluster,
        "snapshot.storage.k8s.io",
        "volumesnapshots",
        "ml-team",
        json!({"metadata": {"name": "datasets-2026-11-20"}, "spec": {"volumeSnapshotClassName": "fast-ssd", "source": {"persistentVolumeClaimName": "datasets"}}}),
    )?;
    Ok(())
}

/// A claim bound to its provisioned volume, as the provisioner leaves them.
fn bound_claim(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    class: &str,
    size: &str,
    provisioner: &str,
    reclaim: &str,
) -> Seeded {
    let claim = seed(
        cluster,
        "",
        "persistentvolumeclaims",
        namespace,
        json!({"metadata": {"name": name, "finalizers": ["kubernetes.io/pvc-protection"], "annotations": {
                   "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                   "volume.beta.kubernetes.io/storage-provisioner": provisioner, "volume.kubernetes.io/storage-provisioner": provisioner}},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class, "resources": {"requests": {"storage": size}}, "volumeMode": "Filesystem"}}),
    )?;
    let volume = format!(
        "pvc-{}",
        claim["metadata"]["uid"].as_str().unwrap_or_default()
    );
    seed(
        cluster,
        "",
        "persistentvolumes",
        "",
        json!({"metadata": {"name": volume, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner}, "finalizers": ["kubernetes.io/pv-protection"]},
               "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": reclaim, "storageClassName": class, "volumeMode": "Filesystem",
                        "claimRef": {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name, "uid": claim["metadata"]["uid"], "apiVersion": "v1"},
                        "csi": {"driver": provisioner, "volumeHandle": format!("vol-{name}"), "fsType": "ext4"}},
               "status": {"phase": "Bound"}}),
    )?;
    let mut bound = claim.clone();
    bound["spec"]["volumeName"] = json!(volume);
    bound["status"] =
        json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}});
    cluster
        .store
        .replace("/persistentvolumeclaims", namespace, name, None, bound)
        .map_err(|error| json!({"message": error.to_string()}))?;
    Ok(())
}

/// The external-snapshotter's CustomResourceDefinitions, as a cluster with CSI snapshots has them.
pub fn snapshot_types(cluster: &Cluster) -> Seeded {
    let group = "snapshot.storage.k8s.io";
    platform::crd(
        cluster,
        &format!("{group}/v1"),
        "VolumeSnapshot",
        "volumesnapshots",
        true,
        &["vs"],
        json!([
            {"name": "ReadyToUse", "type": "boolean", "jsonPath": ".status.readyToUse"},
            {"name": "SourcePVC", "type": "string", "jsonPath": ".spec.source.persistentVolumeClaimName"},
            {"name": "RestoreSize", "type": "string", "jsonPath": ".status.restoreSize"},
            {"name": "SnapshotClass", "type": "string", "jsonPath": ".spec.volumeSnapshotClassName"},
            {"name": "SnapshotContent", "type": "string", "jsonPath": ".status.boundVolumeSnapshotContentName"},
        ]),
    )?;
    platform::crd(
        cluster,
        &format!("{group}/v1"),
        "VolumeSnapshotClass",
        "volumesnapshotclasses",
        false,
        &["vsclass"],
        json!([
            {"name": "Driver", "type": "string", "jsonPath": ".driver"},
            {"name": "DeletionPolicy", "type": "string", "jsonPath": ".deletionPolicy"},
        ]),
    )?;
    platform::crd(
        cluster,
        &format!("{group}/v1"),
        "VolumeSnapshotContent",
        "volumesnapshotcontents",
        false,
        &["vsc"],
        json!([
            {"name": "ReadyToUse", "type": "boolean", "jsonPath": ".status.readyToUse"},
            {"name": "RestoreSize", "type": "integer", "jsonPath": ".status.restoreSize"},
            {"name": "Driver", "type": "string", "jsonPath": ".spec.driver"},
        ]),
    )
}

fn ingress(cluster: &Cluster, namespace: &str, service: &str, host: &str) -> Seeded {
    seed(
        cluster,
        "networking.k8s.io",
        "ingressclasses",
        "",
        json!({"metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}}),
    )?;
    seed(
        cluster,
        "",
        "services",
        namespace,
        json!({"metadata": {"name": service}, "spec": {"selector": {"app": service}, "ports": [{"name": "http", "port": 8000, "targetPort": 8080, "protocol": "TCP"}], "type": "ClusterIP", "clusterIP": "10.96.0.42"}}),
    )?;
    seed(
        cluster,
        "networking.k8s.io",
        "ingresses",
        namespace,
        json!({"metadata": {"name": service}, "spec": {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": service, "port": {"number": 8000}}}}]}}]}}),
    )?;
    Ok(())
}

/// The edge cluster: three small nodes with one T4 each.
pub fn edge() -> Seeded<Cluster> {
    let cluster = Cluster::new("edge");
    for name in ["edge-t4-01", "edge-t4-02", "edge-t4-03"] {
        node(&cluster, name, 16, 64, Some(&T4), false)?;
    }
    namespace(&cluster, "vision", Some("edge-ai"))?;
    platform::workspaces(&cluster, &[("edge-ai", "Edge AI", "carol")], &[])?;
    workload(
        &cluster,
        &Workload {
            namespace: "vision",
            name: "detector",
            image: "nvcr.io/nvidia/deepstream:7.0-triton-multiarch",
            replicas: 3,
            nodes: &["edge-t4-01", "edge-t4-02", "edge-t4-03"],
            gpu: Some(("nvidia.com/gpu", 1)),
        },
    )?;
    Ok(cluster)
}

/// The dev cluster: one node, no GPUs, a few apps.
pub fn dev() -> Seeded<Cluster> {
    let cluster = Cluster::new("dev");
    node(&cluster, "dev-01", 16, 64, None, false)?;
    control_plane::single_node(&cluster, "dev-01")?;
    seed(
        &cluster,
        "storage.k8s.io",
        "storageclasses",
        "",
        json!({"metadata": {"name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
               "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": false}),
    )?;
    namespace(&cluster, "sandbox", None)?;
    platform::tekton(&cluster, "sandbox")?;
    let web = |revision, status, tag: &str, deployed| platform::Release {
        name: "web",
        namespace: "default",
        revision,
        status,
        chart: "nginx",
        chart_version: "18.2.4",
        app_version: "1.27.2",
        deployed,
        values: json!({"replicaCount": 1, "image": {"repository": "nginx", "tag": "1.27"}}),
        config: json!({"image": {"tag": tag}}),
        manifest: "---\n# Source: nginx/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/managed-by: Helm\n",
    };
    platform::helm_release(
        &cluster,
        &web(1, "superseded", "1.26", "2026-11-10T10:00:00Z"),
    )?;
    platform::helm_release(
        &cluster,
        &web(2, "deployed", "1.27", "2026-11-18T10:00:00Z"),
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "sandbox",
            name: "api",
            image: "ghcr.io/example/api:2.3.1",
            replicas: 2,
            nodes: &["dev-01"],
            gpu: None,
        },
    )?;
    workload(
        &cluster,
        &Workload {
            namespace: "default",
            name: "web",
            image: "nginx:1.27",
            replicas: 1,
            nodes: &["dev-01"],
            gpu: None,
        },
    )?;
    // A StatefulSet and a CronJob, so that each kind has something to show; their controllers
    // make the pod and the jobs.
    let cache = json!({"app": "cache"});
    seed(
        &cluster,
        "apps",
        "statefulsets",
        "default",
        json!({"metadata": {"name": "cache", "labels": cache},
               "spec": {"replicas": 1, "serviceName": "cache", "selector": {"matchLabels": cache},
                        "template": {"metadata": {"labels": cache}, "spec": {"containers": [{
                            "name": "redis", "image": "redis:7.4",
                            "ports": [{"containerPort": 6379, "name": "redis", "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
                            "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5},
                            "livenessProbe": {"tcpSocket": {"port": 6379}, "initialDelaySeconds": 15}}]}}}}),
    )?;
    seed(
        &cluster,
        "batch",
        "cronjobs",
        "default",
        json!({"metadata": {"name": "nightly-backup"},
               "spec": {"schedule": "30 2 * * *", "concurrencyPolicy": "Forbid",
                        "jobTemplate": {"metadata": {"labels": {"app": "backup"}}, "spec": {"template": {"spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "backup", "image": "ghcr.io/example/backup:1.2", "args": ["--target", "s3://backups/dev"]}]}}}}}}),
    )?;
    Ok(cluster)
}

/// Adds `count` running pods spread over the cluster's nodes and a few namespaces, for scale tests.
pub fn add_pods(cluster: &Cluster, count: usize) -> Seeded {
    let (_, nodes) = cluster.store.list("/nodes", None);
    let nodes: Vec<String> = nodes
        .iter()
        .filter_map(|node| {
            node.pointer("/metadata/name")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    let namespaces: Vec<String> = (0..10).map(|index| format!("load-{index}")).collect();
    for name in &namespaces {
        namespace(cluster, name, None)?;
    }
    for index in 0..count {
        let node = nodes
            .get(index % nodes.len().max(1))
            .cloned()
            .unwrap_or_default();
        let namespace = &namespaces[index % namespaces.len()];
        seed(
            cluster,
            "",
            "pods",
            namespace,
            json!({"metadata": {"name": format!("load-{index:06}"), "labels": {"app": "load", "shard": (index % 100).to_string()}},
                   "spec": {"nodeName": node, "containers": [{"name": "worker", "image": "busybox:1.36", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]},
                   "status": running("worker", "busybox:1.36", index)}),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_object_seeds_without_error() {
        for cluster in [gpu_prod(), edge(), dev()] {
            let cluster =
                cluster.unwrap_or_else(|status| panic!("a demo object was refused: {status}"));
            let (_, nodes) = cluster.store.list("/nodes", None);
            assert!(!nodes.is_empty(), "{} has no nodes", cluster.name());
        }
    }

    #[test]
    fn workloads_are_owned_down_to_their_pods() {
        let cluster = gpu_prod().unwrap();
        let (_, pods) = cluster.store.list("/pods", Some("inference"));
        let triton: Vec<_> = pods
            .iter()
            .filter(|pod| pod["metadata"]["labels"]["app"] == "triton")
            .collect();
        assert_eq!(triton.len(), 3);
        let owner = &triton[0]["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "ReplicaSet");
        let replica_set = cluster
            .store
            .get(
                "apps/replicasets",
                "inference",
                owner["name"].as_str().unwrap(),
            )
            .unwrap();
        assert_eq!(replica_set["metadata"]["uid"], owner["uid"]);
        assert_eq!(
            replica_set["metadata"]["ownerReferences"][0]["name"],
            "triton"
        );
    }

    #[test]
    fn many_pods_are_added_across_nodes() {
        let cluster = dev().unwrap();
        add_pods(&cluster, 1000).unwrap();
        let (_, pods) = cluster.store.list("/pods", None);
        assert!(pods.len() >= 1000);
    }
}
