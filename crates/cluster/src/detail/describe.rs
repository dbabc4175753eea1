//! An object as a detail page shows it, in the spirit of `kubectl describe`: its table row and the
//! facts that matter for its kind, its conditions, its containers (images, ports, resources with
//! GPUs, probes, and for a pod their state), its owners, labels and annotations, and its YAML.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::tables::{Cell, Kind, Row, rows};

/// A named fact about the object (the name in English, as the UI's catalogue keys it).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// What it is (`Node`, `QoS class`; a served resource's printed columns as the server names
    /// them).
    pub name: std::borrow::Cow<'static, str>,
    /// Its value.
    pub value: Cell,
}

/// An owner reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Its kind (`ReplicaSet`).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The kind's table, when it has one (so the UI can link to it).
    pub table: Option<Kind>,
}

/// One status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Its type (`Ready`, `Available`).
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Its reason.
    pub reason: String,
    /// Its message.
    pub message: String,
    /// When its status last changed.
    pub last_transition: Option<jiff::Timestamp>,
}

/// One container of the object's pods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// Its name.
    pub name: String,
    /// Whether it is an init container.
    pub init: bool,
    /// Its image.
    pub image: String,
    /// Its ports (`8080/TCP (http)`).
    pub ports: Vec<String>,
    /// Its resource requests (`cpu` → `500m`, `nvidia.com/gpu` → `1`).
    pub requests: BTreeMap<String, String>,
    /// Its resource limits.
    pub limits: BTreeMap<String, String>,
    /// Its probes: kind (`Liveness`) and how it probes.
    pub probes: Vec<(&'static str, String)>,
    /// For a pod: its state (`Running`, `Waiting (CrashLoopBackOff)`).
    pub state: Option<String>,
    /// For a pod: whether it is ready.
    pub ready: Option<bool>,
    /// For a pod: how many times it restarted.
    pub restarts: Option<i64>,
}

/// An object described.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    /// Its namespace.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// Its UID.
    pub uid: String,
    /// Its owners.
    pub owners: Vec<Owner>,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations, without kubectl's last-applied copy of the object (the YAML has it).
    pub annotations: BTreeMap<String, String>,
    /// Its table row's cells and the facts of its kind.
    pub facts: Vec<Fact>,
    /// Its status conditions.
    pub conditions: Vec<Condition>,
    /// Its containers, init containers first.
    pub containers: Vec<Container>,
    /// The object as YAML, without `managedFields`.
    pub yaml: String,
    /// Its resource version.
    pub resource_version: String,
    /// The replicas it asks for, for kinds that scale.
    pub replicas: Option<i64>,
    /// The YAML the editor starts from (`apply::editable`).
    pub editable: String,
}

fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        _ => String::new(),
    }
}

fn time(value: &Value, pointer: &str) -> Option<jiff::Timestamp> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|text| text.parse().ok())
}

fn strings(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (key.clone(), value)
        })
        .collect()
}

fn list<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The object's table row, through its typed form.
fn row(kind: Kind, object: &Value) -> Option<Row> {
    fn typed<K: serde::de::DeserializeOwned>(object: &Value, project: fn(K) -> Row) -> Option<Row> {
        serde_json::from_value(object.clone()).ok().map(project)
    }
    match kind {
        Kind::Pods => typed(object, rows::pod),
        Kind::Deployments => typed(object, rows::deployment),
        Kind::StatefulSets => typed(object, rows::stateful_set),
        Kind::DaemonSets => typed(object, rows::daemon_set),
        Kind::ReplicaSets => typed(object, rows::replica_set),
        Kind::Jobs => typed(object, rows::job),
        Kind::CronJobs => typed(object, rows::cron_job),
        Kind::Nodes => typed(object, rows::node),
    }
}

/// Describes `object`, of `kind`.
/// Describes `object`: one of `kind`, or of a resource without a page of its own when `None`
/// (its facts, containers and related objects are then those any object has).
/// What `kubectl describe` says of a storage class (whether it is the default, its parameters)
/// and of a persistent volume (where its storage is) beyond the printed columns.
fn storage_facts(object: &Value) -> Vec<(&'static str, String)> {
    let pairs = |pointer: &str| {
        let pairs: Vec<String> = strings(object, pointer)
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        if pairs.is_empty() {
            "<none>".to_owned()
        } else {
            pairs.join(", ")
        }
    };
    match (
        text(object, "/apiVersion").as_str(),
        text(object, "/kind").as_str(),
    ) {
        ("storage.k8s.io/v1", "StorageClass") => vec![
            (
                "Default",
                if crate::storage::is_default(object) {
                    "Yes"
                } else {
                    "No"
                }
                .to_owned(),
            ),
            ("Parameters", pairs("/parameters")),
        ],
        ("v1", "PersistentVolume") => {
            let spec = &object["spec"];
            let source = if spec.get("csi").is_some() {
                format!(
                    "CSI driver {}, volume handle {}",
                    text(spec, "/csi/driver"),
                    text(spec, "/csi/volumeHandle")
                )
            } else if spec.get("nfs").is_some() {
                format!(
                    "NFS {}:{}",
                    text(spec, "/nfs/server"),
                    text(spec, "/nfs/path")
                )
            } else if spec.get("hostPath").is_some() {
                format!("host path {}", text(spec, "/hostPath/path"))
            } else if spec.get("local").is_some() {
                format!("local path {}", text(spec, "/local/path"))
            } else {
                "<unknown>".to_owned()
            };
            vec![("Source", source)]
        }
        _ => Vec::new(),
    }
}

pub fn describe(kind: Option<Kind>, object: &Value) -> Description {
    let mut facts: Vec<Fact> = kind
        .and_then(|kind| row(kind, object).map(|row| (kind, row)))
        .map(|(kind, row)| {
            kind.columns()
                .iter()
                .zip(row.cells)
                .map(|(name, value)| Fact {
                    name: (*name).into(),
                    value,
                })
                .collect()
        })
        .unwrap_or_default();
    let fact = |name: &'static str, value: String| Fact {
        name: name.into(),
        value: Cell::Text(value),
    };
    let selector = || {
        strings(object, "/spec/selector/matchLabels")
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let extra: Vec<Fact> = match kind {
        None => storage_facts(object)
            .into_iter()
            .map(|(name, value)| fact(name, value))
            .chain([Fact {
                name: "Created".into(),
                value: Cell::Time(time(object, "/metadata/creationTimestamp")),
            }])
            .collect(),
        Some(Kind::Pods) => vec![
            fact("QoS class", text(object, "/status/qosClass")),
            fact("Service account", text(object, "/spec/serviceAccountName")),
            fact("Priority class", text(object, "/spec/priorityClassName")),
            Fact {
                name: "Started".into(),
                value: Cell::Time(time(object, "/status/startTime")),
            },
        ],
        Some(Kind::Deployments) => vec![
            fact("Strategy", text(object, "/spec/strategy/type")),
            fact("Selector", selector()),
            fact(
                "Revision",
                text(
                    object,
                    "/metadata/annotations/deployment.kubernetes.io~1revision",
                ),
            ),
        ],
        Some(Kind::StatefulSets) => vec![
            fact("Service", text(object, "/spec/serviceName")),
            fact("Strategy", text(object, "/spec/updateStrategy/type")),
            fact("Selector", selector()),
        ],
        Some(Kind::DaemonSets) => vec![
            fact("Strategy", text(object, "/spec/updateStrategy/type")),
            fact("Selector", selector()),
        ],
        Some(Kind::ReplicaSets) => vec![fact("Selector", selector())],
        Some(Kind::Jobs) => vec![
            fact("Parallelism", text(object, "/spec/parallelism")),
            fact("Backoff limit", text(object, "/spec/backoffLimit")),
            Fact {
                name: "Started".into(),
                value: Cell::Time(time(object, "/status/startTime")),
            },
        ],
        Some(Kind::CronJobs) => vec![
            fact("Concurrency", text(object, "/spec/concurrencyPolicy")),
            fact("Time zone", text(object, "/spec/timeZone")),
        ],
        Some(Kind::Nodes) => node_facts(object),
    };
    facts.extend(extra.into_iter().filter(|fact| match &fact.value {
        Cell::Text(text) => !text.is_empty(),
        Cell::Time(time) => time.is_some(),
        _ => true,
    }));
    let owners = list(object, "/metadata/ownerReferences")
        .iter()
        .map(|owner| {
            let kind = text(owner, "/kind");
            Owner {
                table: Kind::named(&kind),
                name: text(owner, "/name"),
                kind,
            }
        })
        .collect();
    let conditions = list(object, "/status/conditions")
        .iter()
        .map(|condition| Condition {
            kind: text(condition, "/type"),
            status: text(condition, "/status"),
            reason: text(condition, "/reason"),
            message: text(condition, "/message"),
            last_transition: time(condition, "/lastTransitionTime"),
        })
        .collect();
    let mut annotations = strings(object, "/metadata/annotations");
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    let mut shown = object.clone();
    if let Some(metadata) = shown.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    Description {
        namespace: Some(text(object, "/metadata/namespace"))
            .filter(|namespace| !namespace.is_empty()),
        name: text(object, "/metadata/name"),
        uid: text(object, "/metadata/uid"),
        owners,
        labels: strings(object, "/metadata/labels"),
        annotations,
        facts,
        conditions,
        containers: containers(kind, object),
        yaml: serde_yaml::to_string(&shown).unwrap_or_default(),
        resource_version: text(object, "/metadata/resourceVersion"),
        replicas: object.pointer("/spec/replicas").and_then(Value::as_i64),
        editable: crate::apply::editable(object),
    }
}

fn node_facts(node: &Value) -> Vec<Fact> {
    let fact = |name: &'static str, value: String| Fact {
        name: name.into(),
        value: Cell::Text(value),
    };
    let address = |kind: &str| {
        list(node, "/status/addresses")
            .iter()
            .find(|address| address["type"] == kind)
            .map(|address| text(address, "/address"))
            .unwrap_or_default()
    };
    let taints = list(node, "/spec/taints")
        .iter()
        .map(|taint| {
            let value = text(taint, "/value");
            let key = text(taint, "/key");
            let effect = text(taint, "/effect");
            if value.is_empty() {
                format!("{key}:{effect}")
            } else {
                format!("{key}={value}:{effect}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let amount = |resource: &str| {
        let escaped = resource.replace('/', "~1");
        let capacity = text(node, &format!("/status/capacity/{escaped}"));
        let allocatable = text(node, &format!("/status/allocatable/{escaped}"));
        if capacity.is_empty() {
            String::new()
        } else {
            format!("{allocatable} / {capacity}")
        }
    };
    vec![
        fact("Internal IP", address("InternalIP")),
        fact(
            "Unschedulable",
            if node.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
                "true".into()
            } else {
                String::new()
            },
        ),
        fact("Taints", taints),
        fact("CPU", amount("cpu")),
        fact("Memory", amount("memory")),
        fact("GPU", amount("nvidia.com/gpu")),
        fact("Pods", amount("pods")),
        fact("OS image", text(node, "/status/nodeInfo/osImage")),
        fact("Kernel", text(node, "/status/nodeInfo/kernelVersion")),
        fact(
            "Container runtime",
            text(node, "/status/nodeInfo/containerRuntimeVersion"),
        ),
        fact("Architecture", text(node, "/status/nodeInfo/architecture")),
    ]
}

/// Where the pod spec is in an object of `kind`.
fn pod_spec(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Pods => Some("/spec"),
        Kind::Deployments
        | Kind::StatefulSets
        | Kind::DaemonSets
        | Kind::ReplicaSets
        | Kind::Jobs => Some("/spec/template/spec"),
        Kind::CronJobs => Some("/spec/jobTemplate/spec/template/spec"),
        Kind::Nodes => None,
    }
}

fn containers(kind: Option<Kind>, object: &Value) -> Vec<Container> {
    let Some(spec) = kind.and_then(pod_spec) else {
        return Vec::new();
    };
    let statuses = |pointer: &str| -> BTreeMap<String, &Value> {
        list(object, pointer)
            .iter()
            .map(|status| (text(status, "/name"), status))
            .collect()
    };
    let init_statuses = statuses("/status/initContainerStatuses");
    let main_statuses = statuses("/status/containerStatuses");
    let pod = kind == Some(Kind::Pods);
    [("initContainers", true), ("containers", false)]
        .into_iter()
        .flat_map(|(field, init)| {
            let statuses = if init { &init_statuses } else { &main_statuses };
            list(object, &format!("{spec}/{field}"))
                .iter()
                .map(move |container| {
                    let name = text(container, "/name");
                    let status = statuses.get(&name).copied().filter(|_| pod);
                    Container {
                        image: text(container, "/image"),
                        init,
                        ports: list(container, "/ports").iter().map(port).collect(),
                        requests: strings(container, "/resources/requests"),
                        limits: strings(container, "/resources/limits"),
                        probes: [
                            ("Liveness", "/livenessProbe"),
                            ("Readiness", "/readinessProbe"),
                            ("Startup", "/startupProbe"),
                        ]
                        .into_iter()
                        .filter_map(|(label, pointer)| {
                            container
                                .pointer(pointer)
                                .map(|probe| (label, probe_text(probe)))
                        })
                        .collect(),
                        state: status.map(state),
                        ready: status.and_then(|status| status["ready"].as_bool()),
                        restarts: status.and_then(|status| status["restartCount"].as_i64()),
                        name,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn port(port: &Value) -> String {
    let protocol = Some(text(port, "/protocol"))
        .filter(|protocol| !protocol.is_empty())
        .unwrap_or_else(|| "TCP".into());
    let name = text(port, "/name");
    let number = text(port, "/containerPort");
    if name.is_empty() {
        format!("{number}/{protocol}")
    } else {
        format!("{number}/{protocol} ({name})")
    }
}

/// A probe as `kubectl describe` prints it.
fn probe_text(probe: &Value) -> String {
    let how = if let Some(http) = probe.get("httpGet") {
        let scheme = Some(text(http, "/scheme"))
            .filter(|scheme| !scheme.is_empty())
            .unwrap_or_else(|| "HTTP".into())
            .to_lowercase();
        format!(
            "http-get {scheme}://{}:{}{}",
            text(http, "/host"),
            text(http, "/port"),
            text(http, "/path")
        )
    } else if let Some(tcp) = probe.get("tcpSocket") {
        format!("tcp-socket {}:{}", text(tcp, "/host"), text(tcp, "/port"))
    } else if let Some(exec) = probe.get("exec") {
        let command: Vec<String> = list(exec, "/command")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        format!("exec [{}]", command.join(" "))
    } else if let Some(grpc) = probe.get("grpc") {
        format!(
            "grpc <pod>:{} {}",
            text(grpc, "/port"),
            text(grpc, "/service")
        )
        .trim_end()
        .to_owned()
    } else {
        "unknown".to_owned()
    };
    let number =
        |key: &str, default: i64| probe.get(key).and_then(Value::as_i64).unwrap_or(default);
    format!(
        "{how} delay={}s timeout={}s period={}s #success={} #failure={}",
        number("initialDelaySeconds", 0),
        number("timeoutSeconds", 1),
        number("periodSeconds", 10),
        number("successThreshold", 1),
        number("failureThreshold", 3)
    )
}

/// A container's state from its status.
fn state(status: &Value) -> String {
    let state = &status["state"];
    if state.get("running").is_some() {
        "Running".to_owned()
    } else if let Some(waiting) = state.get("waiting") {
        let reason = text(waiting, "/reason");
        if reason.is_empty() {
            "Waiting".to_owned()
        } else {
            format!("Waiting ({reason})")
        }
    } else if let Some(terminated) = state.get("terminated") {
        format!(
            "Terminated ({}, exit {})",
            text(terminated, "/reason"),
            text(terminated, "/exitCode")
        )
    } else {
        "Unknown".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pod_is_described_with_its_containers_probes_and_gpus() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "train-0", "namespace": "ml", "uid": "u1", "resourceVersion": "7",
                         "labels": {"app": "train"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "vision"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "train", "uid": "s1", "controller": true}],
                         "managedFields": [{"manager": "kubectl"}]},
            "spec": {"nodeName": "gpu-1", "serviceAccountName": "default",
                     "initContainers": [{"name": "fetch", "image": "busybox:1.36"}],
                     "containers": [{"name": "trainer", "image": "pytorch:2.4",
                                     "ports": [{"containerPort": 8080, "name": "metrics"}],
                                     "resources": {"requests": {"cpu": "4", "nvidia.com/gpu": "2"}, "limits": {"nvidia.com/gpu": "2"}},
                                     "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
                                     "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}}}]},
            "status": {"phase": "Running", "qosClass": "Burstable",
                       "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [trainer]", "lastTransitionTime": "2026-11-01T10:00:00Z"}],
                       "initContainerStatuses": [{"name": "fetch", "ready": true, "restartCount": 0, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}],
                       "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        });
        let description = describe(Some(Kind::Pods), &pod);
        assert_eq!(description.namespace.as_deref(), Some("ml"));
        assert_eq!(
            description.owners,
            [Owner {
                kind: "StatefulSet".into(),
                name: "train".into(),
                table: Some(Kind::StatefulSets)
            }]
        );
        assert_eq!(description.annotations.keys().collect::<Vec<_>>(), ["team"]);
        let fact = |name: &str| {
            description
                .facts
                .iter()
                .find(|fact| fact.name == name)
                .map(|fact| fact.value.clone())
        };
        assert_eq!(fact("GPUs"), Some(Cell::Number(2.0)));
        assert_eq!(fact("Node"), Some(Cell::Text("gpu-1".into())));
        assert_eq!(fact("QoS class"), Some(Cell::Text("Burstable".into())));
        assert_eq!(fact("Priority class"), None, "empty facts are left out");
        assert_eq!(description.conditions[0].reason, "ContainersNotReady");
        let [fetch, trainer] = description.containers.as_slice() else {
            panic!("{:?}", description.containers)
        };
        assert!(fetch.init);
        assert_eq!(
            fetch.state.as_deref(),
            Some("Terminated (Completed, exit 0)")
        );
        assert_eq!(trainer.state.as_deref(), Some("Waiting (CrashLoopBackOff)"));
        assert_eq!(trainer.restarts, Some(3));
        assert_eq!(trainer.ports, ["8080/TCP (metrics)"]);
        assert_eq!(
            trainer.limits.get("nvidia.com/gpu").map(String::as_str),
            Some("2")
        );
        assert_eq!(
            trainer.probes,
            [
                (
                    "Liveness",
                    "http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3".to_owned()
                ),
                (
                    "Readiness",
                    "exec [cat /tmp/ready] delay=0s timeout=1s period=10s #success=1 #failure=3".to_owned()
                )
            ]
        );
        assert!(!description.yaml.contains("managedFields"));
        assert!(description.yaml.contains("name: train-0"));
    }

    #[test]
    fn a_cronjobs_containers_come_from_its_job_template() {
        let cron = json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "report", "namespace": "ops"},
            "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "report", "image": "busybox:1.36"}]}}}}}
        });
        let description = describe(Some(Kind::CronJobs), &cron);
        assert_eq!(description.containers.len(), 1);
        assert_eq!(
            description.containers[0].state, None,
            "only pods have states"
        );
        assert!(
            description
                .facts
                .iter()
                .any(|fact| fact.name == "Schedule" && fact.value == Cell::Text("0 3 * * *".into()))
        );
    }

    #[test]
    fn storage_classes_and_persistent_volumes_say_what_kubectl_describe_says() {
        let facts = |object: Value| -> Vec<(String, String)> {
            describe(None, &object)
                .facts
                .into_iter()
                .filter_map(|fact| match fact.value {
                    Cell::Text(text) => Some((fact.name.into_owned(), text)),
                    _ => None,
                })
                .collect()
        };
        let class = facts(json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "csi.example.com", "parameters": {"type": "ssd", "fsType": "xfs"}
        }));
        assert_eq!(
            class,
            [
                ("Default".to_owned(), "Yes".to_owned()),
                ("Parameters".to_owned(), "fsType=xfs, type=ssd".to_owned())
            ]
        );
        let bare = facts(
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "slow"}}),
        );
        assert_eq!(bare[0].1, "No");
        assert_eq!(bare[1].1, "<none>");
        let volume = facts(json!({
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
            "spec": {"csi": {"driver": "csi.example.com", "volumeHandle": "vol-42"}}
        }));
        assert_eq!(
            volume,
            [(
                "Source".to_owned(),
                "CSI driver csi.example.com, volume handle vol-42".to_owned()
            )]
        );
        let nfs = facts(json!({
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-2"},
            "spec": {"nfs": {"server": "nfs.internal", "path": "/exports/a"}}
        }));
        assert_eq!(nfs[0].1, "NFS nfs.internal:/exports/a");
    }
}
