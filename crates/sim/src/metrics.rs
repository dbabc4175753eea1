//! The cluster's metrics in Prometheus exposition format, as a real cluster's exporters would serve
//! them: dcgm-exporter's series for every simulated GPU (and MIG instance), with the pod using it,
//! values moving with time and with the load placed on it; kube-state-metrics' `kube_pod_info`,
//! which GPU dashboards join on; and etcd's `etcd_server_is_leader`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::Cluster;
use crate::objects::field;

mod kube;
use crate::quantity;
use crate::scheduler;

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const DRIVER: &str = "550.107.02";

/// One GPU device or MIG instance, with the pod placed on it if any.
struct Device {
    node: String,
    index: u32,
    uuid: String,
    model: String,
    /// MIG profile and instance id.
    instance: Option<(String, u32)>,
    memory_mib: f64,
    /// The pods using it; several for a time-sliced GPU.
    users: Vec<User>,
}

/// A pod's container on a GPU: dcgm-exporter's `namespace`, `pod` and `container` labels.
#[derive(Debug, Clone)]
struct User {
    namespace: String,
    pod: String,
    container: String,
    /// How busy it keeps its GPU, in %, when its `sim.kubedesk.io/gpu-utilisation` annotation
    /// says (an inference service with little traffic); else a training or serving load.
    load: Option<f64>,
}

/// What a pod asks of each resource.
type Requests = BTreeMap<String, quantity::Milli>;

/// A series: its name, its help text, and its value from a sample.
type Gauge = (&'static str, &'static str, fn(&Sample) -> f64);

/// The whole scrape.
pub fn render(cluster: &Cluster, now: DateTime<Utc>) -> String {
    let devices = devices(cluster);
    let mut out = String::new();
    let seconds = now.timestamp() as f64 + f64::from(now.timestamp_subsec_millis()) / 1000.0;
    let gauges: [Gauge; 15] = [
        (
            "DCGM_FI_DEV_SM_CLOCK",
            "SM clock frequency (in MHz).",
            |s| if s.busy { 1410.0 } else { 210.0 },
        ),
        (
            "DCGM_FI_DEV_MEM_CLOCK",
            "Memory clock frequency (in MHz).",
            |s| if s.busy { 1593.0 } else { 405.0 },
        ),
        (
            "DCGM_FI_DEV_MEMORY_TEMP",
            "Memory temperature (in C).",
            |s| (s.temperature + 6.0).round(),
        ),
        ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", |s| {
            s.temperature.round()
        }),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", |s| s.power),
        (
            "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
            "Total number of PCIe retries.",
            |_| 0.0,
        ),
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", |s| {
            s.utilisation.round()
        }),
        (
            "DCGM_FI_DEV_MEM_COPY_UTIL",
            "Memory utilization (in %).",
            |s| (s.utilisation * 0.45).round(),
        ),
        (
            "DCGM_FI_DEV_ENC_UTIL",
            "Encoder utilization (in %).",
            |_| 0.0,
        ),
        (
            "DCGM_FI_DEV_DEC_UTIL",
            "Decoder utilization (in %).",
            |_| 0.0,
        ),
        (
            "DCGM_FI_DEV_XID_ERRORS",
            "Value of the last XID error encountered.",
            |_| 0.0,
        ),
        (
            "DCGM_FI_DEV_FB_FREE",
            "Framebuffer memory free (in MiB).",
            |s| (s.memory_mib - s.memory_used - s.memory_reserved).round(),
        ),
        (
            "DCGM_FI_DEV_FB_USED",
            "Framebuffer memory used (in MiB).",
            |s| s.memory_used.round(),
        ),
        (
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
            "Ratio of time the graphics engine is active.",
            |s| s.utilisation / 100.0,
        ),
        (
            "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            "Ratio of cycles the tensor (HMMA) pipe is active.",
            |s| s.utilisation / 160.0,
        ),
    ];
    let samples: Vec<(String, Sample)> = devices
        .iter()
        .flat_map(|device| {
            let sample = Sample::of(device, seconds);
            labels(device)
                .into_iter()
                .map(move |labels| (labels, sample))
        })
        .collect();
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, sample) in &samples {
            let _ = writeln!(out, "{name}{{{labels}}} {}", value(sample));
        }
    }
    let _ = writeln!(
        out,
        "# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter"
    );
    for (labels, sample) in &samples {
        let _ = writeln!(
            out,
            "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{labels}}} {}",
            sample.energy.round()
        );
    }
    pod_info(cluster, &mut out);
    kube::render(cluster, seconds, &mut out);
    out.push_str("# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.\n# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n");
    out.push_str("# HELP etcd_server_is_leader Whether or not this member is a leader. 1 if is, 0 otherwise.\n# TYPE etcd_server_is_leader gauge\netcd_server_is_leader 1\n");
    out
}

/// What a device reads at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    busy: bool,
    utilisation: f64,
    temperature: f64,
    power: f64,
    memory_mib: f64,
    memory_used: f64,
    memory_reserved: f64,
    energy: f64,
}

impl Sample {
    fn of(device: &Device, seconds: f64) -> Self {
        let seed = f64::from(hash(&device.uuid) % 1000) / 1000.0;
        let busy = !device.users.is_empty();
        // A training or serving load: high, with a slow swing and a faster ripple of its own phase.
        let loads: Vec<f64> = device.users.iter().filter_map(|user| user.load).collect();
        let utilisation = if busy && loads.len() == device.users.len() {
            let ripple = (seconds / 11.0 + seed * 3.1).sin();
            (loads.iter().sum::<f64>() / loads.len() as f64 + ripple).clamp(1.0, 100.0)
        } else if busy {
            let swing = 12.0 * (seconds / 90.0 + seed * 6.3).sin()
                + 4.0 * (seconds / 7.0 + seed * 3.1).sin();
            (62.0 + 25.0 * seed + swing).clamp(1.0, 100.0)
        } else {
            0.0
        };
        let scale = if device.instance.is_some() { 0.3 } else { 1.0 };
        let power = scale * (58.0 + 3.0 * seed + 3.2 * utilisation);
        let memory_reserved = (device.memory_mib * 0.007).round();
        let memory_used = if busy {
            device.memory_mib * (0.35 + 0.5 * seed)
                + device.memory_mib * 0.03 * (seconds / 45.0).sin()
        } else {
            0.0
        };
        // Energy since a boot on 2026-11-01, at the idle draw, plus the load's share.
        let since_boot = (seconds - 1_793_491_200.0).max(0.0);
        Self {
            busy,
            utilisation,
            temperature: 33.0 + 6.0 * seed + 0.38 * utilisation,
            power: (power * 10.0).round() / 10.0,
            memory_mib: device.memory_mib,
            memory_used,
            memory_reserved,
            energy: since_boot * scale * 60.0 * 1000.0
                + if busy {
                    since_boot * 150.0 * 1000.0 * seed
                } else {
                    0.0
                },
        }
    }
}

/// One label set per user of the device (one, with empty pod labels, when idle), as dcgm-exporter
/// with Kubernetes mapping writes them.
fn labels(device: &Device) -> Vec<String> {
    let mut base = format!(
        "gpu=\"{}\",UUID=\"{}\",pci_bus_id=\"00000000:{:02X}:00.0\",device=\"nvidia{}\",modelName=\"{}\"",
        device.index,
        device.uuid,
        0x07 + device.index * 0x10,
        device.index,
        device.model
    );
    if let Some((profile, id)) = &device.instance {
        let _ = write!(base, ",GPU_I_PROFILE=\"{profile}\",GPU_I_ID=\"{id}\"");
    }
    let _ = write!(
        base,
        ",Hostname=\"{}\",DCGM_FI_DRIVER_VERSION=\"{DRIVER}\"",
        device.node
    );
    if device.users.is_empty() {
        return vec![format!("{base},container=\"\",namespace=\"\",pod=\"\"")];
    }
    let shared = device.users.len() > 1;
    device
        .users
        .iter()
        .enumerate()
        .map(|(replica, user)| {
            let vgpu = if shared {
                format!(",vgpu=\"{replica}\"")
            } else {
                String::new()
            };
            format!(
                "{base},container=\"{}\",namespace=\"{}\",pod=\"{}\"{vgpu}",
                user.container, user.namespace, user.pod
            )
        })
        .collect()
}

/// Every GPU and MIG instance of every node, with the pods placed on them: pods take devices in
/// name order, as many as they ask for; on a time-sliced node each GPU takes `replicas` pods.
fn devices(cluster: &Cluster) -> Vec<Device> {
    let (_, nodes) = cluster.store.list("/nodes", None);
    // Each node's GPU pods, with what they ask of each NVIDIA resource.
    let mut usage: BTreeMap<String, Vec<(User, Requests)>> = BTreeMap::new();
    cluster.store.visit("/pods", None, |pod| {
        if !scheduler::holds_resources(pod) || field(pod, "/status/phase") != "Running" {
            return;
        }
        let wants: BTreeMap<String, quantity::Milli> = scheduler::requests(pod)
            .into_iter()
            .filter(|(name, _)| name.starts_with("nvidia.com/"))
            .collect();
        if wants.is_empty() {
            return;
        }
        let user = User {
            namespace: field(pod, "/metadata/namespace").to_owned(),
            pod: field(pod, "/metadata/name").to_owned(),
            container: field(pod, "/spec/containers/0/name").to_owned(),
            load: field(
                pod,
                "/metadata/annotations/sim.kubedesk.io~1gpu-utilisation",
            )
            .parse()
            .ok(),
        };
        usage
            .entry(field(pod, "/spec/nodeName").to_owned())
            .or_default()
            .push((user, wants));
    });
    let mut devices = Vec::new();
    for node in &nodes {
        let name = field(node, "/metadata/name");
        let label = |key: &str| {
            node.pointer("/metadata/labels")
                .and_then(|labels| labels.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let count: u32 = label("nvidia.com/gpu.count").parse().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let product = label("nvidia.com/gpu.product").trim_end_matches("-SHARED");
        // GPU Feature Discovery writes the model with dashes for spaces; the first is the space.
        let model = product.replacen('-', " ", 1);
        let memory: f64 = label("nvidia.com/gpu.memory").parse().unwrap_or(16384.0);
        let replicas: usize = label("nvidia.com/gpu.replicas").parse().unwrap_or(1).max(1);
        let mig = label("nvidia.com/mig.strategy") == "mixed";
        let mut pods = usage.remove(name).unwrap_or_default();
        let mut take = |resource: &str, slots: usize| -> Vec<Vec<User>> {
            let mut assigned = vec![Vec::new(); slots];
            let mut next = 0;
            for (user, wants) in &mut pods {
                let Some(amount) = wants.remove(resource) else {
                    continue;
                };
                for _ in 0..(amount / 1000).max(1) {
                    if next < slots {
                        assigned[next].push(user.clone());
                        next += 1;
                    }
                }
            }
            assigned
        };
        if mig {
            // The mixed layout of the demo: half the GPUs in 1g.10gb (7 each), half in 3g.40gb (2 each).
            let half = count / 2;
            let small = take(
                "nvidia.com/mig-1g.10gb",
                usize::try_from(half * 7).unwrap_or(0),
            );
            let large = take(
                "nvidia.com/mig-3g.40gb",
                usize::try_from((count - half) * 2).unwrap_or(0),
            );
            for (slot, users) in small.into_iter().enumerate() {
                let slot = u32::try_from(slot).unwrap_or(0);
                let index = slot / 7;
                devices.push(device(
                    name,
                    index,
                    &model,
                    Some(("1g.10gb", 7 + slot % 7)),
                    9728.0,
                    users,
                ));
            }
            for (slot, users) in large.into_iter().enumerate() {
                let slot = u32::try_from(slot).unwrap_or(0);
                let index = half + slot / 2;
                devices.push(device(
                    name,
                    index,
                    &model,
                    Some(("3g.40gb", 1 + slot % 2)),
                    40192.0,
                    users,
                ));
            }
            continue;
        }
        let slots = take(
            "nvidia.com/gpu",
            usize::try_from(count).unwrap_or(0) * replicas,
        );
        for index in 0..count {
            let start = usize::try_from(index).unwrap_or(0) * replicas;
            let users: Vec<_> = slots[start..start + replicas]
                .iter()
                .flatten()
                .cloned()
                .collect();
            devices.push(device(name, index, &model, None, memory, users));
        }
    }
    devices
}

fn device(
    node: &str,
    index: u32,
    model: &str,
    instance: Option<(&str, u32)>,
    memory_mib: f64,
    users: Vec<User>,
) -> Device {
    let uuid_seed = hash(&format!("{node}/{index}"));
    Device {
        node: node.to_owned(),
        index,
        uuid: format!(
            "GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            uuid_seed,
            uuid_seed >> 16 & 0xffff,
            index,
            uuid_seed & 0xffff,
            u64::from(uuid_seed) * 7919
        ),
        model: model.to_owned(),
        instance: instance.map(|(profile, id)| (profile.to_owned(), id)),
        memory_mib,
        users,
    }
}

fn hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// kube-state-metrics' `kube_pod_info` for every pod.
fn pod_info(cluster: &Cluster, out: &mut String) {
    out.push_str(
        "# HELP kube_pod_info [STABLE] Information about pod.\n# TYPE kube_pod_info gauge\n",
    );
    cluster.store.visit("/pods", None, |pod| {
        let owner = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .and_then(|owners| owners.iter().find(|owner| owner["controller"] == true));
        let (kind, owner_name) = owner.map_or(("<none>", "<none>"), |owner| {
            (field(owner, "/kind"), field(owner, "/name"))
        });
        let _ = writeln!(
            out,
            "kube_pod_info{{namespace=\"{}\",pod=\"{}\",uid=\"{}\",host_ip=\"{}\",pod_ip=\"{}\",node=\"{}\",created_by_kind=\"{kind}\",created_by_name=\"{owner_name}\",priority_class=\"{}\",host_network=\"false\"}} 1",
            field(pod, "/metadata/namespace"),
            field(pod, "/metadata/name"),
            field(pod, "/metadata/uid"),
            field(pod, "/status/hostIP"),
            field(pod, "/status/podIP"),
            field(pod, "/spec/nodeName"),
            field(pod, "/spec/priorityClassName"),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn series<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|line| line.starts_with(&format!("{name}{{")))
            .collect()
    }

    fn value(line: &str) -> f64 {
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    #[test]
    fn nodes_pods_and_their_use_are_reported_as_kube_state_metrics_and_cadvisor_do() {
        let cluster = demo::gpu_prod().unwrap();
        let now = Utc::now();
        let text = render(&cluster, now);
        let (_, nodes) = cluster.store.list("/nodes", None);
        assert_eq!(series(&text, "kube_node_info").len(), nodes.len());
        let cpu = series(&text, "kube_node_status_allocatable")
            .into_iter()
            .find(|line| line.contains("node=\"gpu-h100-01\"") && line.contains("resource=\"cpu\""))
            .unwrap();
        assert!(cpu.contains("unit=\"core\""), "{cpu}");
        assert!(
            series(&text, "kube_node_status_allocatable")
                .iter()
                .any(|line| line.contains("resource=\"nvidia_com_gpu\""))
        );
        // Every pod has one phase at 1 and four at 0.
        let (_, pods) = cluster.store.list("/pods", None);
        let phases = series(&text, "kube_pod_status_phase");
        assert_eq!(phases.len(), pods.len() * 5);
        assert_eq!(
            phases.iter().filter(|line| line.ends_with(" 1")).count(),
            pods.len()
        );
        // Running containers' CPU counters grow, at about the share of their request.
        let later = render(&cluster, now + chrono::Duration::seconds(60));
        let first = series(&text, "container_cpu_usage_seconds_total");
        let second = series(&later, "container_cpu_usage_seconds_total");
        assert_eq!(first.len(), second.len());
        assert!(
            first.iter().any(|line| line.contains("id=\"/\"")),
            "a node's root cgroup"
        );
        for (before, after) in first.iter().zip(&second) {
            let rate = (value(after) - value(before)) / 60.0;
            assert!(rate > 0.0, "{before} then {after}");
        }
        assert!(
            series(&text, "container_memory_working_set_bytes")
                .iter()
                .all(|line| value(line) > 0.0)
        );
        assert!(
            series(&text, "kube_pod_owner")
                .iter()
                .any(|line| line.contains("owner_kind=\"ReplicaSet\""))
        );
        assert!(!series(&text, "kube_deployment_status_replicas_available").is_empty());
        // Each family is declared once.
        for name in ["container_cpu_usage_seconds_total", "kube_pod_status_phase"] {
            assert_eq!(
                text.matches(&format!("# TYPE {name} ")).count(),
                1,
                "{name}"
            );
        }
    }

    #[test]
    fn every_gpu_has_its_dcgm_series_and_busy_ones_name_their_pod() {
        let cluster = demo::gpu_prod().unwrap();
        let text = render(&cluster, Utc::now());
        let utilisation = series(&text, "DCGM_FI_DEV_GPU_UTIL");
        assert!(utilisation.len() >= 8 * 4, "{}", utilisation.len());
        let busy: Vec<&&str> = utilisation
            .iter()
            .filter(|line| !line.contains("pod=\"\""))
            .collect();
        assert!(!busy.is_empty());
        for line in &busy {
            let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            assert!((1.0..=100.0).contains(&value), "{line}");
            assert!(
                line.contains("modelName=\"NVIDIA A100-SXM4-80GB\"")
                    || line.contains("modelName=\"NVIDIA H100-80GB-HBM3\"")
                    || line.contains("modelName=\"NVIDIA A10\""),
                "{line}"
            );
        }
        assert!(
            utilisation
                .iter()
                .any(|line| line.contains("GPU_I_PROFILE=\"1g.10gb\""))
        );
        for line in series(&text, "DCGM_FI_DEV_GPU_UTIL")
            .iter()
            .filter(|line| line.contains("pod=\"\""))
        {
            assert!(line.ends_with(" 0"), "an idle GPU does nothing: {line}");
        }
        // Each pod named on a GPU is one kube_pod_info knows, so dashboards can join on it.
        let info = series(&text, "kube_pod_info");
        for line in busy {
            let pod = line
                .split("pod=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                info.iter()
                    .any(|info| info.contains(&format!("pod=\"{pod}\""))),
                "{pod}"
            );
        }
        assert!(text.contains("\netcd_server_is_leader 1\n"));
    }

    #[test]
    fn values_move_with_time_but_stay_plausible() {
        let cluster = demo::gpu_prod().unwrap();
        let now = Utc::now();
        let first = render(&cluster, now);
        let later = render(&cluster, now + chrono::Duration::seconds(30));
        assert_ne!(
            series(&first, "DCGM_FI_DEV_GPU_UTIL"),
            series(&later, "DCGM_FI_DEV_GPU_UTIL")
        );
        let energy = |text: &str| -> f64 {
            series(text, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")[0]
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(energy(&later) > energy(&first), "a counter only grows");
        for line in series(&first, "DCGM_FI_DEV_FB_FREE") {
            let free: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            assert!(free >= 0.0, "{line}");
        }
    }
}
