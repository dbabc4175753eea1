//! What kube-state-metrics and the kubelet's cAdvisor report of the cluster's nodes, pods and
//! Deployments, named and labelled as they name them, for the built-in cluster, node, namespace
//! and workload dashboards: nodes' capacity and allocatable, pods' phases, owners and each
//! container's requests and limits, Deployments' replicas; each running container's CPU time
//! (a counter, at a share of its request that moves with time) and working set, and each node's
//! root cgroup (its pods and the system's own use).

use std::fmt::Write as _;

use serde_json::Value;

use super::hash;
use crate::Cluster;
use crate::objects::field;
use crate::quantity;

/// kube-state-metrics' name for a resource, and its unit.
fn resource(name: &str) -> (String, &'static str) {
    let unit = match name {
        "cpu" => "core",
        "memory" | "ephemeral-storage" => "byte",
        _ => "integer",
    };
    (name.replace(['.', '/', '-'], "_"), unit)
}

/// A quantity in its unit (cores, bytes, a count).
fn amount(text: &str) -> Option<f64> {
    quantity::parse(text).map(|milli| milli as f64 / 1000.0)
}

/// The CPU seconds a container with `cores` requested has used by `seconds`: the integral of
/// `cores × load`, so that the counter only grows and its rate is the load.
fn cpu_seconds(cores: f64, seed: f64, seconds: f64) -> f64 {
    let base = 0.45 + 0.3 * seed;
    cores * (base * seconds - 0.12 * 300.0 * (seconds / 300.0 + seed * 6.3).cos())
        + cores * 0.12 * 300.0
}

/// Every series, at `seconds` since the epoch.
pub(super) fn render(cluster: &Cluster, seconds: f64, out: &mut String) {
    nodes(cluster, out);
    pods(cluster, seconds, out);
    deployments(cluster, out);
}

fn nodes(cluster: &Cluster, out: &mut String) {
    let (_, nodes) = cluster.store.list("/nodes", None);
    out.push_str("# HELP kube_node_info [STABLE] Information about a cluster node.\n# TYPE kube_node_info gauge\n");
    for node in &nodes {
        let _ = writeln!(
            out,
            "kube_node_info{{node=\"{}\",kubelet_version=\"{}\",container_runtime_version=\"{}\",os_image=\"{}\",internal_ip=\"{}\"}} 1",
            field(node, "/metadata/name"),
            field(node, "/status/nodeInfo/kubeletVersion"),
            field(node, "/status/nodeInfo/containerRuntimeVersion"),
            field(node, "/status/nodeInfo/osImage"),
            node.pointer("/status/addresses/0/address")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
    }
    for (metric, pointer, help) in [
        (
            "kube_node_status_capacity",
            "/status/capacity",
            "The capacity for different resources of a node.",
        ),
        (
            "kube_node_status_allocatable",
            "/status/allocatable",
            "The allocatable for different resources of a node that are available for scheduling.",
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {metric} [STABLE] {help}\n# TYPE {metric} gauge"
        );
        for node in &nodes {
            let name = field(node, "/metadata/name");
            for (key, value) in node
                .pointer(pointer)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let (resource, unit) = resource(key);
                if let Some(amount) = value.as_str().and_then(amount) {
                    let _ = writeln!(
                        out,
                        "{metric}{{node=\"{name}\",resource=\"{resource}\",unit=\"{unit}\"}} {amount}"
                    );
                }
            }
        }
    }
    out.push_str("# HELP kube_node_status_condition [STABLE] The condition of a cluster node.\n# TYPE kube_node_status_condition gauge\n");
    for node in &nodes {
        let name = field(node, "/metadata/name");
        for condition in node
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = field(condition, "/type");
            let status = field(condition, "/status").to_ascii_lowercase();
            for shown in ["true", "false", "unknown"] {
                let _ = writeln!(
                    out,
                    "kube_node_status_condition{{node=\"{name}\",condition=\"{kind}\",status=\"{shown}\"}} {}",
                    u8::from(shown == status)
                );
            }
        }
    }
}

/// Pods: phase, owner, requests and limits; running containers' CPU and memory, and each node's
/// root cgroup: its pods' use and the system's own half core and 2 GiB.
fn pods(cluster: &Cluster, seconds: f64, out: &mut String) {
    // Per node: CPU seconds and working set of its pods.
    let mut node_use: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    let (_, pods) = cluster.store.list("/pods", None);
    let mut phases = String::from(
        "# HELP kube_pod_status_phase [STABLE] The pods current phase.\n# TYPE kube_pod_status_phase gauge\n",
    );
    let mut owners = String::from(
        "# HELP kube_pod_owner [STABLE] Information about the Pod's owner.\n# TYPE kube_pod_owner gauge\n",
    );
    let mut requests = String::from(
        "# HELP kube_pod_container_resource_requests The number of requested request resource by a container.\n# TYPE kube_pod_container_resource_requests gauge\n",
    );
    let mut limits = String::from(
        "# HELP kube_pod_container_resource_limits The number of requested limit resource by a container.\n# TYPE kube_pod_container_resource_limits gauge\n",
    );
    let mut cpu = String::from(
        "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n# TYPE container_cpu_usage_seconds_total counter\n",
    );
    let mut memory = String::from(
        "# HELP container_memory_working_set_bytes Current working set in bytes.\n# TYPE container_memory_working_set_bytes gauge\n",
    );
    for pod in &pods {
        let namespace = field(pod, "/metadata/namespace");
        let name = field(pod, "/metadata/name");
        let uid = field(pod, "/metadata/uid");
        let node = field(pod, "/spec/nodeName");
        let phase = field(pod, "/status/phase");
        let pod_labels = format!("namespace=\"{namespace}\",pod=\"{name}\",uid=\"{uid}\"");
        for shown in ["Pending", "Running", "Succeeded", "Failed", "Unknown"] {
            let _ = writeln!(
                phases,
                "kube_pod_status_phase{{{pod_labels},phase=\"{shown}\"}} {}",
                u8::from(shown == phase)
            );
        }
        let owner = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .and_then(|owners| owners.iter().find(|owner| owner["controller"] == true));
        let (kind, owner_name, controller) = owner
            .map_or(("<none>", "<none>", "<none>"), |owner| {
                (field(owner, "/kind"), field(owner, "/name"), "true")
            });
        let _ = writeln!(
            owners,
            "kube_pod_owner{{{pod_labels},owner_kind=\"{kind}\",owner_name=\"{owner_name}\",owner_is_controller=\"{controller}\"}} 1"
        );
        let running = phase == "Running" && !node.is_empty();
        for container in pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let container_name = field(container, "/name");
            let labels = format!("{pod_labels},container=\"{container_name}\",node=\"{node}\"");
            for (target, pointer) in [
                (&mut requests, "/resources/requests"),
                (&mut limits, "/resources/limits"),
            ] {
                for (key, value) in container
                    .pointer(pointer)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let (resource, unit) = resource(key);
                    let metric = if pointer.ends_with("requests") {
                        "kube_pod_container_resource_requests"
                    } else {
                        "kube_pod_container_resource_limits"
                    };
                    if let Some(amount) = value.as_str().and_then(amount) {
                        let _ = writeln!(
                            target,
                            "{metric}{{{labels},resource=\"{resource}\",unit=\"{unit}\"}} {amount}"
                        );
                    }
                }
            }
            if !running {
                continue;
            }
            // What it uses: a share of what it asks (a tenth of a core and 64 MiB when it asks
            // nothing), moving with time.
            let seed = f64::from(hash(&format!("{uid}/{container_name}")) % 1000) / 1000.0;
            let cores = container
                .pointer("/resources/requests/cpu")
                .and_then(Value::as_str)
                .and_then(amount)
                .unwrap_or(0.1);
            let bytes = container
                .pointer("/resources/requests/memory")
                .and_then(Value::as_str)
                .and_then(amount)
                .unwrap_or(64.0 * 1024.0 * 1024.0);
            let used = cpu_seconds(cores, seed, seconds);
            let working = bytes * (0.5 + 0.3 * seed + 0.05 * (seconds / 120.0 + seed).sin());
            let cadvisor = format!(
                "{labels},id=\"/kubepods/pod{uid}/{container_name}\",name=\"{container_name}\""
            );
            let _ = writeln!(
                cpu,
                "container_cpu_usage_seconds_total{{{cadvisor},cpu=\"total\"}} {used:.3}"
            );
            let _ = writeln!(
                memory,
                "container_memory_working_set_bytes{{{cadvisor}}} {working:.0}"
            );
            let entry = node_use.entry(node.to_owned()).or_default();
            entry.0 += used;
            entry.1 += working;
        }
    }
    for (node, (used, working)) in &node_use {
        let _ = writeln!(
            cpu,
            "container_cpu_usage_seconds_total{{id=\"/\",node=\"{node}\",cpu=\"total\"}} {:.3}",
            used + cpu_seconds(0.5, 0.5, seconds)
        );
        let _ = writeln!(
            memory,
            "container_memory_working_set_bytes{{id=\"/\",node=\"{node}\"}} {:.0}",
            working + 2.0 * 1024.0 * 1024.0 * 1024.0
        );
    }
    for part in [phases, owners, requests, limits, cpu, memory] {
        out.push_str(&part);
    }
}

fn deployments(cluster: &Cluster, out: &mut String) {
    let (_, deployments) = cluster.store.list("apps/deployments", None);
    for (metric, pointer, help) in [
        (
            "kube_deployment_spec_replicas",
            "/spec/replicas",
            "Number of desired pods for a deployment.",
        ),
        (
            "kube_deployment_status_replicas_available",
            "/status/availableReplicas",
            "The number of available replicas per deployment.",
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {metric} [STABLE] {help}\n# TYPE {metric} gauge"
        );
        for deployment in &deployments {
            let _ = writeln!(
                out,
                "{metric}{{namespace=\"{}\",deployment=\"{}\"}} {}",
                field(deployment, "/metadata/namespace"),
                field(deployment, "/metadata/name"),
                deployment
                    .pointer(pointer)
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            );
        }
    }
}
