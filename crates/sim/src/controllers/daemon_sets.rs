//! The DaemonSet controller: one pod on every node its template fits (node selector, required
//! affinity, tolerated taints), pinned there by node affinity for the scheduler to bind; pods on
//! nodes that no longer fit are removed, and an update replaces pods one node at a time.

use serde_json::{Value, json};

use super::{count, create_pod, delete_pod, owned, ready, replace, template_hash};
use crate::Cluster;
use crate::objects::field;
use crate::scheduler;

/// Where DaemonSets are stored.
pub const KEY: &str = "apps/daemonsets";
const PODS: &str = "/pods";
const COMPONENT: &str = "daemonset-controller";
const REVISION: &str = "controller-revision-hash";

/// The tolerations the controller adds to every daemon pod, as upstream does.
fn daemon_tolerations() -> Vec<Value> {
    let mut tolerations: Vec<Value> = ["not-ready", "unreachable"]
        .iter()
        .map(|key| json!({"key": format!("node.kubernetes.io/{key}"), "operator": "Exists", "effect": "NoExecute"}))
        .collect();
    for key in [
        "disk-pressure",
        "memory-pressure",
        "pid-pressure",
        "unschedulable",
    ] {
        tolerations.push(json!({"key": format!("node.kubernetes.io/{key}"), "operator": "Exists", "effect": "NoSchedule"}));
    }
    tolerations
}

/// The node a daemon pod is pinned to by its affinity.
fn pinned_node(pod: &Value) -> &str {
    pod.pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchFields/0/values/0")
        .and_then(Value::as_str)
        .unwrap_or_else(|| field(pod, "/spec/nodeName"))
}

/// Whether a daemon pod made from `template` belongs on `node`.
fn fits(template: &Value, node: &Value) -> bool {
    let mut pod = json!({"spec": template.get("spec").cloned().unwrap_or_else(|| json!({}))});
    let mut tolerations = pod["spec"]["tolerations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    tolerations.extend(daemon_tolerations());
    pod["spec"]["tolerations"] = json!(tolerations);
    let tolerated = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|taint| matches!(field(taint, "/effect"), "NoSchedule" | "NoExecute"))
        .all(|taint| scheduler::tolerates(&pod, taint));
    tolerated && scheduler::matches_selector(&pod, node) && scheduler::matches_affinity(&pod, node)
}

/// One pass over one DaemonSet.
pub fn pass(cluster: &Cluster, set: &Value) {
    if set.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let name = field(set, "/metadata/name");
    let template = set.pointer("/spec/template").cloned().unwrap_or_default();
    let revision = template_hash(&template)[..10].to_owned();
    let (_, nodes) = cluster.store.list("/nodes", None);
    let eligible: Vec<&Value> = nodes.iter().filter(|node| fits(&template, node)).collect();
    let pods = owned(cluster, PODS, set);
    for node in &eligible {
        let node_name = field(node, "/metadata/name");
        if pods.iter().any(|pod| pinned_node(pod) == node_name) {
            continue;
        }
        let mut labels = template
            .pointer("/metadata/labels")
            .cloned()
            .unwrap_or_else(|| json!({}));
        labels[REVISION] = json!(revision);
        labels["pod-template-generation"] = json!(count(set, "/metadata/generation").to_string());
        let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
        spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json!({
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}],
        });
        let mut tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
        tolerations.extend(daemon_tolerations());
        spec["tolerations"] = json!(tolerations);
        let pod = json!({
            "metadata": {"generateName": format!("{name}-"), "labels": labels, "ownerReferences": super::owner_reference(set)},
            "spec": spec,
        });
        if create_pod(cluster, set, pod, COMPONENT).is_none() {
            break;
        }
    }
    // Pods on nodes that no longer fit go.
    let misscheduled: Vec<&Value> = pods
        .iter()
        .filter(|pod| {
            !eligible
                .iter()
                .any(|node| field(node, "/metadata/name") == pinned_node(pod))
        })
        .collect();
    for pod in &misscheduled {
        delete_pod(cluster, pod);
    }
    // A rolling update, one node at a time (maxUnavailable 1) once the rest are ready.
    let stale = |pod: &&Value| {
        pod.pointer(&format!("/metadata/labels/{REVISION}"))
            .and_then(Value::as_str)
            != Some(revision.as_str())
    };
    let rolling = field(set, "/spec/updateStrategy/type") != "OnDelete";
    if rolling
        && pods.len() == eligible.len()
        && pods.iter().all(ready)
        && let Some(pod) = pods.iter().find(stale)
    {
        delete_pod(cluster, pod);
    }
    let on_eligible = |pod: &&Value| {
        !misscheduled
            .iter()
            .any(|gone| gone["metadata"]["uid"] == pod["metadata"]["uid"])
    };
    let scheduled = pods.iter().filter(on_eligible).count();
    let number_ready = pods
        .iter()
        .filter(on_eligible)
        .filter(|pod| ready(pod))
        .count();
    let updated = pods
        .iter()
        .filter(on_eligible)
        .filter(|pod| !stale(pod))
        .count();
    let as_i64 = |value: usize| i64::try_from(value).unwrap_or(0);
    let desired = as_i64(eligible.len());
    let status = json!({
        "observedGeneration": count(set, "/metadata/generation"),
        "desiredNumberScheduled": desired, "currentNumberScheduled": as_i64(scheduled),
        "numberMisscheduled": as_i64(misscheduled.len()), "numberReady": as_i64(number_ready),
        "numberAvailable": as_i64(number_ready), "numberUnavailable": (desired - as_i64(number_ready)).max(0),
        "updatedNumberScheduled": as_i64(updated),
    });
    if set.get("status") != Some(&status) {
        let mut next = set.clone();
        next["status"] = status;
        replace(cluster, KEY, set, next);
    }
}
