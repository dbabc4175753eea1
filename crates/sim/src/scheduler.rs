//! The simulated scheduler and kubelet: binds each pod without a node to one that fits, by
//! cordoning, taints and tolerations, node selector and required node affinity, and CPU, memory,
//! pod count and extended resources (`nvidia.com/gpu`, MIG profiles, shared GPUs), then starts
//! it. A pod no node fits stays Pending with the scheduler's message, worded as upstream's, on its
//! `PodScheduled` condition and in a `FailedScheduling` event.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{Value, json};

use crate::events::{self, Type};
use crate::objects::{field, timestamp};
use crate::quantity::{self, Milli};
use crate::{Cluster, Timer};

const PODS: &str = "/pods";
const NODES: &str = "/nodes";
const SCHEDULER: &str = "default-scheduler";

/// What a pod asks for: the sum over its containers of each resource's request (the limit where
/// only a limit is given), or an init container's if that is larger.
pub fn requests(pod: &Value) -> BTreeMap<String, Milli> {
    let mut total = BTreeMap::new();
    for container in containers(pod, "containers") {
        for (name, amount) in container_requests(container) {
            *total.entry(name).or_insert(0) += amount;
        }
    }
    for container in containers(pod, "initContainers") {
        for (name, amount) in container_requests(container) {
            let slot = total.entry(name).or_insert(0);
            *slot = (*slot).max(amount);
        }
    }
    total
}

fn containers<'a>(pod: &'a Value, list: &str) -> impl Iterator<Item = &'a Value> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn container_requests(container: &Value) -> BTreeMap<String, Milli> {
    let mut amounts = BTreeMap::new();
    for section in ["limits", "requests"] {
        for (name, value) in container
            .pointer(&format!("/resources/{section}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(amount) = quantity::from_json(value) {
                // Requests come second and win over limits.
                amounts.insert(name.clone(), amount);
            }
        }
    }
    amounts
}

/// Whether a pod holds its node's resources: placed and not finished.
pub fn holds_resources(pod: &Value) -> bool {
    !matches!(field(pod, "/status/phase"), "Succeeded" | "Failed")
        && !field(pod, "/spec/nodeName").is_empty()
}

fn waiting_for_scheduler(pod: &Value) -> bool {
    field(pod, "/spec/nodeName").is_empty()
        && pod.pointer("/metadata/deletionTimestamp").is_none()
        && matches!(field(pod, "/spec/schedulerName"), "" | SCHEDULER)
        && matches!(field(pod, "/status/phase"), "" | "Pending")
}

/// A node as the scheduler sees it: what it can hold and what its pods take.
struct NodeState {
    node: Value,
    allocatable: BTreeMap<String, Milli>,
    used: BTreeMap<String, Milli>,
    pods: Milli,
}

impl NodeState {
    fn name(&self) -> &str {
        field(&self.node, "/metadata/name")
    }
}

/// One pass: binds every pod waiting for the scheduler that some node fits.
pub fn pass(cluster: &Cluster) {
    let waiting = cluster
        .store
        .page(PODS, None, None, None, waiting_for_scheduler)
        .items;
    if waiting.is_empty() {
        return;
    }
    let (_, nodes) = cluster.store.list(NODES, None);
    let mut states: Vec<NodeState> = nodes
        .into_iter()
        .map(|node| {
            let allocatable = node
                .pointer("/status/allocatable")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, value)| Some((name.clone(), quantity::from_json(value)?)))
                .collect();
            NodeState {
                node,
                allocatable,
                used: BTreeMap::new(),
                pods: 0,
            }
        })
        .collect();
    cluster.store.visit(PODS, None, |pod| {
        if !holds_resources(pod) {
            return;
        }
        let node = field(pod, "/spec/nodeName");
        if let Some(state) = states.iter_mut().find(|state| state.name() == node) {
            for (name, amount) in requests(pod) {
                *state.used.entry(name).or_insert(0) += amount;
            }
            state.pods += 1000;
        }
    });
    let mut waiting = waiting;
    waiting.sort_by(|a, b| {
        field(a, "/metadata/creationTimestamp").cmp(field(b, "/metadata/creationTimestamp"))
    });
    for pod in waiting {
        place(cluster, &pod, &mut states);
    }
}

fn place(cluster: &Cluster, pod: &Value, states: &mut [NodeState]) {
    let wants = requests(pod);
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut fitting: Vec<usize> = Vec::new();
    for (index, state) in states.iter().enumerate() {
        match fits(pod, &wants, state) {
            Ok(()) => fitting.push(index),
            Err(reasons) => {
                for reason in reasons {
                    *failures.entry(reason).or_insert(0) += 1;
                }
            }
        }
    }
    // The least loaded fitting node, by pod count then name, spreads pods as the default scoring does.
    let chosen = fitting.into_iter().min_by(|a, b| {
        states[*a]
            .pods
            .cmp(&states[*b].pods)
            .then_with(|| states[*a].name().cmp(states[*b].name()))
    });
    let Some(chosen) = chosen else {
        unschedulable(cluster, pod, states.len(), &failures);
        return;
    };
    let state = &mut states[chosen];
    for (name, amount) in &wants {
        *state.used.entry(name.clone()).or_insert(0) += amount;
    }
    state.pods += 1000;
    bind(cluster, pod, &state.node);
}

/// Whether `pod` fits `state`, or the reasons it does not, from the first filter that fails
/// (upstream's order: cordon, taints, affinity, resources).
fn fits(
    pod: &Value,
    wants: &BTreeMap<String, Milli>,
    state: &NodeState,
) -> Result<(), Vec<String>> {
    let node = &state.node;
    let cordon = json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"});
    if node.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) && !tolerates(pod, &cordon) {
        return Err(vec!["node(s) were unschedulable".into()]);
    }
    let untolerated = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|taint| {
            matches!(field(taint, "/effect"), "NoSchedule" | "NoExecute") && !tolerates(pod, taint)
        });
    if let Some(taint) = untolerated {
        return Err(vec![format!(
            "node(s) had untolerated taint {{{}: {}}}",
            field(taint, "/key"),
            field(taint, "/value")
        )]);
    }
    if !matches_selector(pod, node) || !matches_affinity(pod, node) {
        return Err(vec![
            "node(s) didn't match Pod's node affinity/selector".into(),
        ]);
    }
    let mut short = Vec::new();
    let pods_allowed = state.allocatable.get("pods").copied().unwrap_or(110_000);
    if state.pods + 1000 > pods_allowed {
        short.push("Too many pods".to_owned());
    }
    for (name, amount) in wants {
        if *amount == 0 {
            continue;
        }
        let free = state.allocatable.get(name).copied().unwrap_or(0)
            - state.used.get(name).copied().unwrap_or(0);
        if free < *amount {
            short.push(format!("Insufficient {name}"));
        }
    }
    if short.is_empty() { Ok(()) } else { Err(short) }
}

/// Whether one of the pod's tolerations tolerates `taint`.
pub fn tolerates(pod: &Value, taint: &Value) -> bool {
    pod.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|toleration| {
            let key = field(toleration, "/key");
            let effect = field(toleration, "/effect");
            let key_matches = key.is_empty() || key == field(taint, "/key");
            let effect_matches = effect.is_empty() || effect == field(taint, "/effect");
            let value_matches = field(toleration, "/operator") == "Exists"
                || field(toleration, "/value") == field(taint, "/value");
            key_matches && effect_matches && value_matches
        })
}

fn label<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.pointer("/metadata/labels")
        .and_then(|labels| labels.get(key))
        .and_then(Value::as_str)
}

/// Whether the node has every label of the pod's node selector.
pub fn matches_selector(pod: &Value, node: &Value) -> bool {
    pod.pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(key, value)| label(node, key) == value.as_str())
}

/// `requiredDuringSchedulingIgnoredDuringExecution`: any term matches when all its expressions
/// (on labels) and fields (`metadata.name`, as DaemonSet pods use) do.
pub fn matches_affinity(pod: &Value, node: &Value) -> bool {
    let Some(terms) = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
    else {
        return true;
    };
    terms.iter().any(|term| {
        let fields_match = term["matchFields"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|expression| {
                let name = field(node, "/metadata/name");
                let values = &expression["values"];
                let listed = values
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|value| value == name);
                match (field(expression, "/key"), field(expression, "/operator")) {
                    ("metadata.name", "In") => listed,
                    ("metadata.name", "NotIn") => !listed,
                    _ => false,
                }
            });
        fields_match
            && term["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|expression| {
                    let found = label(node, field(expression, "/key"));
                    let values: Vec<&str> = expression["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let number = |text: &str| text.parse::<i64>().ok();
                    match field(expression, "/operator") {
                        "In" => found.is_some_and(|value| values.contains(&value)),
                        "NotIn" => found.is_none_or(|value| !values.contains(&value)),
                        "Exists" => found.is_some(),
                        "DoesNotExist" => found.is_none(),
                        "Gt" => found
                            .and_then(number)
                            .zip(values.first().and_then(|v| number(v)))
                            .is_some_and(|(a, b)| a > b),
                        "Lt" => found
                            .and_then(number)
                            .zip(values.first().and_then(|v| number(v)))
                            .is_some_and(|(a, b)| a < b),
                        _ => false,
                    }
                })
    })
}

/// Leaves the pod Pending with the scheduler's message, once per distinct message.
fn unschedulable(cluster: &Cluster, pod: &Value, nodes: usize, failures: &BTreeMap<String, usize>) {
    let message = if nodes == 0 {
        "no nodes available to schedule pods".to_owned()
    } else {
        let mut reasons: Vec<String> = failures
            .iter()
            .map(|(reason, count)| format!("{count} {reason}"))
            .collect();
        reasons.sort();
        // Preemption can only help where resources are short.
        let (mut helpful, mut hopeless) = (0, 0);
        for (reason, count) in failures {
            if reason.starts_with("Insufficient") || reason == "Too many pods" {
                helpful += count;
            } else {
                hopeless += count;
            }
        }
        let mut preemption = Vec::new();
        if helpful > 0 {
            preemption.push(format!(
                "{helpful} No preemption victims found for incoming pod"
            ));
        }
        if hopeless > 0 {
            preemption.push(format!(
                "{hopeless} Preemption is not helpful for scheduling"
            ));
        }
        format!(
            "0/{nodes} nodes are available: {}. preemption: 0/{nodes} nodes are available: {}.",
            reasons.join(", "),
            preemption.join(", ")
        )
    };
    let condition = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|conditions| conditions.iter().find(|c| c["type"] == "PodScheduled"));
    if condition.is_some_and(|condition| condition["message"] == message.as_str()) {
        return;
    }
    let mut next = pod.clone();
    next["status"] = json!({
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message, "lastTransitionTime": timestamp(Utc::now()), "lastProbeTime": null}],
        "qosClass": qos_class(pod),
    });
    if write(cluster, pod, next) {
        events::record(
            cluster,
            pod,
            Type::Warning,
            "FailedScheduling",
            &message,
            SCHEDULER,
        );
    }
}

/// Binds the pod to `node` and starts its containers, as the scheduler and kubelet do.
fn bind(cluster: &Cluster, pod: &Value, node: &Value) {
    let node_name = field(node, "/metadata/name");
    let host_ip = node
        .pointer("/status/addresses")
        .and_then(Value::as_array)
        .and_then(|addresses| {
            addresses
                .iter()
                .find(|address| address["type"] == "InternalIP")
        })
        .map_or("10.0.0.10", |address| field(address, "/address"))
        .to_owned();
    let now = timestamp(Utc::now());
    let mut next = pod.clone();
    next["spec"]["nodeName"] = json!(node_name);
    let statuses: Vec<Value> = containers(pod, "containers")
        .map(|container| json!({"name": container["name"], "image": container["image"], "imageID": "", "ready": true, "started": true, "restartCount": 0, "state": {"running": {"startedAt": now}}}))
        .collect();
    let octet = u8::try_from(cluster.store.revision() % 250).unwrap_or(0) + 2;
    next["status"] = json!({
        "phase": "Running", "startTime": now, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "podIP": format!("10.244.{}.{octet}", host_ip.rsplit('.').next().unwrap_or("0")),
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": "True", "lastTransitionTime": now},
        ],
        "containerStatuses": statuses,
        "qosClass": qos_class(pod),
    });
    next["status"]["podIPs"] = json!([{"ip": next["status"]["podIP"]}]);
    if !write(cluster, pod, next) {
        return;
    }
    let namespace = field(pod, "/metadata/namespace");
    let name = field(pod, "/metadata/name");
    // Containers that run to completion (Jobs' pods) finish after their run time.
    if matches!(field(pod, "/spec/restartPolicy"), "Never" | "OnFailure") {
        let seconds = annotation(pod, RUN_SECONDS)
            .and_then(|text| text.parse().ok())
            .unwrap_or(3);
        cluster.schedule(
            tokio::time::Instant::now() + std::time::Duration::from_secs(seconds),
            Timer::Finish {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            },
        );
    }
    events::record(
        cluster,
        pod,
        Type::Normal,
        "Scheduled",
        &format!("Successfully assigned {namespace}/{name} to {node_name}"),
        SCHEDULER,
    );
    for container in containers(pod, "containers") {
        let container_name = field(container, "/name");
        let image = field(container, "/image");
        events::record(
            cluster,
            pod,
            Type::Normal,
            "Pulled",
            &format!("Container image \"{image}\" already present on machine"),
            "kubelet",
        );
        events::record(
            cluster,
            pod,
            Type::Normal,
            "Created",
            &format!("Created container {container_name}"),
            "kubelet",
        );
        events::record(
            cluster,
            pod,
            Type::Normal,
            "Started",
            &format!("Started container {container_name}"),
            "kubelet",
        );
    }
}

/// How long a run-to-completion pod's containers run, in seconds (3 when not set).
pub const RUN_SECONDS: &str = "sim.kubedesk.io/run-seconds";
/// The exit code they end with (0 when not set): non-zero fails the pod.
pub const EXIT_CODE: &str = "sim.kubedesk.io/exit-code";

fn annotation<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod.pointer("/metadata/annotations")
        .and_then(|annotations| annotations.get(key))
        .and_then(Value::as_str)
}

/// The kubelet sees a run-to-completion pod's containers exit: Succeeded, or Failed with the
/// exit code its `sim.kubedesk.io/exit-code` annotation asks for.
pub fn finish(cluster: &Cluster, namespace: &str, name: &str) {
    let Some(pod) = cluster.store.get(PODS, namespace, name) else {
        return;
    };
    if field(&pod, "/status/phase") != "Running"
        || pod.pointer("/metadata/deletionTimestamp").is_some()
    {
        return;
    }
    let code: i64 = annotation(&pod, EXIT_CODE)
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    let now = timestamp(Utc::now());
    let (phase, reason) = if code == 0 {
        ("Succeeded", "Completed")
    } else {
        ("Failed", "Error")
    };
    let mut next = pod.clone();
    next["status"]["phase"] = json!(phase);
    for condition in next["status"]["conditions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if matches!(field(condition, "/type"), "Ready" | "ContainersReady") {
            condition["status"] = json!("False");
            condition["reason"] = json!("PodCompleted");
            condition["lastTransitionTime"] = json!(now);
        }
    }
    for status in next["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let started = status
            .pointer("/state/running/startedAt")
            .cloned()
            .unwrap_or_else(|| json!(now));
        status["ready"] = json!(false);
        status["started"] = json!(false);
        status["state"] = json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": now}});
    }
    write(cluster, &pod, next);
}

/// Guaranteed when every container's requests equal its limits for CPU and memory, BestEffort when
/// nothing is asked, else Burstable.
fn qos_class(pod: &Value) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for container in containers(pod, "containers") {
        for resource in ["cpu", "memory"] {
            let limit = container.pointer(&format!("/resources/limits/{resource}"));
            let request = container
                .pointer(&format!("/resources/requests/{resource}"))
                .or(limit);
            any |= limit.is_some() || request.is_some();
            guaranteed &= limit.is_some()
                && request.and_then(quantity::from_json) == limit.and_then(quantity::from_json);
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

fn write(cluster: &Cluster, current: &Value, next: Value) -> bool {
    // A conflict means someone wrote in between; the next pass sees their write.
    cluster
        .store
        .replace(
            PODS,
            field(current, "/metadata/namespace"),
            field(current, "/metadata/name"),
            Some(field(current, "/metadata/resourceVersion")),
            next,
        )
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster_with_nodes() -> Cluster {
        let cluster = Cluster::new("test");
        for (name, zone, gpus, tainted) in [
            ("a100-1", "zone-a", "8", true),
            ("cpu-1", "zone-b", "0", false),
        ] {
            let taints = if tainted {
                json!([{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
            } else {
                json!([])
            };
            cluster
                .create("", "nodes", "", json!({
                    "metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone}},
                    "spec": {"taints": taints},
                    "status": {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110", "nvidia.com/gpu": gpus}},
                }))
                .unwrap();
        }
        cluster
    }

    fn pod(cluster: &Cluster, name: &str, spec: Value) -> Value {
        let mut spec = spec;
        spec["containers"] = json!([{"name": "main", "image": "busybox", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]);
        cluster
            .create(
                "",
                "pods",
                "default",
                json!({"metadata": {"name": name}, "spec": spec}),
            )
            .unwrap();
        pass(cluster);
        cluster.store.get(PODS, "default", name).unwrap()
    }

    #[test]
    fn taints_and_affinity_are_worded_as_the_scheduler_words_them() {
        let cluster = cluster_with_nodes();
        let untolerated = pod(&cluster, "no-toleration", json!({}));
        assert_eq!(
            untolerated["status"]["conditions"][0]["message"],
            "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
        );
        let toleration =
            json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]);
        let wrong_zone = pod(
            &cluster,
            "wrong-zone",
            json!({
                "tolerations": toleration,
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "NotIn", "values": ["zone-a"]}]}]}}},
            }),
        );
        assert_eq!(
            wrong_zone["status"]["conditions"][0]["message"],
            "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
        );
        let placed = pod(
            &cluster,
            "placed",
            json!({
                "tolerations": toleration,
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-a"]}]}]}}},
            }),
        );
        assert_eq!(placed["spec"]["nodeName"], "a100-1");
        assert_eq!(placed["status"]["phase"], "Running");
        assert_eq!(placed["status"]["qosClass"], "BestEffort");
        let (_, events) = cluster.store.list("/events", Some("default"));
        let reasons: Vec<&str> = events
            .iter()
            .filter(|event| event["involvedObject"]["name"] == "placed")
            .map(|event| field(event, "/reason"))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        for reason in ["Scheduled", "Pulled", "Created", "Started"] {
            assert!(reasons.contains(&reason), "{reasons:?}");
        }
    }

    #[test]
    fn requests_add_up_over_containers_and_the_largest_init_container() {
        let pod = json!({"spec": {
            "containers": [
                {"resources": {"requests": {"cpu": "250m"}, "limits": {"cpu": "1", "memory": "1Gi"}}},
                {"resources": {"limits": {"cpu": "500m", "nvidia.com/gpu": "1"}}},
            ],
            "initContainers": [{"resources": {"requests": {"cpu": "2"}}}],
        }});
        let wants = requests(&pod);
        assert_eq!(
            wants["cpu"], 2000,
            "the init container needs more than the two together"
        );
        assert_eq!(wants["memory"], 1024 * 1024 * 1024 * 1000);
        assert_eq!(wants["nvidia.com/gpu"], 1000);
    }
}
