//! The simulated controllers: the Deployment and ReplicaSet controllers, and a scheduler that
//! places the pods they create by node selector, taints and extended resources (GPUs).
//!
//! They run on the server's tick, and only when something changed since their last pass.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{Value, json};

use crate::Cluster;
use crate::deletion::{self, DeleteOptions, Propagation};
use crate::objects::{field, timestamp};

const DEPLOYMENTS: &str = "apps/deployments";
const REPLICA_SETS: &str = "apps/replicasets";
const PODS: &str = "/pods";
const NODES: &str = "/nodes";

fn count(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn owned_by(object: &Value, uid: &str) -> bool {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| owners.iter().any(|owner| owner["uid"] == uid))
}

fn owner_reference(kind: &str, owner: &Value) -> Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}])
}

/// A template without the `pod-template-hash` label, to compare what two templates run.
fn template_identity(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    template
}

/// A short stable hash of a template, as the Deployment controller names ReplicaSets.
fn template_hash(template: &Value) -> String {
    let text = template_identity(template).to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|index| alphabet[usize::try_from((hash >> (index * 6)) % 27).unwrap_or(0)] as char)
        .collect()
}

fn replace(cluster: &Cluster, key: &str, current: &Value, next: Value) {
    // A conflict means someone wrote in between; the next pass sees their write.
    let _ = cluster.store.replace(
        key,
        field(current, "/metadata/namespace"),
        field(current, "/metadata/name"),
        Some(field(current, "/metadata/resourceVersion")),
        next,
    );
}

/// One pass of every controller.
pub fn reconcile(cluster: &Cluster) {
    let (_, deployments) = cluster.store.list(DEPLOYMENTS, None);
    for deployment in &deployments {
        deployment_pass(cluster, deployment);
    }
    let (_, replica_sets) = cluster.store.list(REPLICA_SETS, None);
    for replica_set in &replica_sets {
        replica_set_pass(cluster, replica_set);
    }
}

fn deployment_pass(cluster: &Cluster, deployment: &Value) {
    if deployment.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let namespace = field(deployment, "/metadata/namespace");
    let uid = field(deployment, "/metadata/uid");
    let desired = count(deployment, "/spec/replicas");
    let template = deployment
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_default();
    let (_, sets) = cluster.store.list(REPLICA_SETS, Some(namespace));
    let owned: Vec<&Value> = sets.iter().filter(|set| owned_by(set, uid)).collect();
    let wanted = template_identity(&template);
    let current = owned
        .iter()
        .find(|set| set.pointer("/spec/template").map(template_identity) == Some(wanted.clone()))
        .copied();
    let current = match current {
        Some(set) => {
            if count(set, "/spec/replicas") != desired {
                let mut next = set.clone();
                next["spec"]["replicas"] = json!(desired);
                replace(cluster, REPLICA_SETS, set, next);
            }
            set.clone()
        }
        None => {
            let hash = template_hash(&template);
            let mut labels = template
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or_else(|| json!({}));
            labels["pod-template-hash"] = json!(hash);
            let mut selector = deployment
                .pointer("/spec/selector")
                .cloned()
                .unwrap_or_else(|| json!({}));
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let mut set_template = template.clone();
            set_template["metadata"]["labels"] = labels.clone();
            let set = json!({
                "metadata": {"name": format!("{}-{hash}", field(deployment, "/metadata/name")), "labels": labels, "ownerReferences": owner_reference("Deployment", deployment)},
                "spec": {"replicas": desired, "selector": selector, "template": set_template},
            });
            match cluster.create("apps", "replicasets", namespace, set) {
                Ok(created) => created,
                Err(_) => return,
            }
        }
    };
    // A rollout: the old ReplicaSets scale to zero once the new one is there.
    for old in owned
        .iter()
        .filter(|set| field(set, "/metadata/uid") != field(&current, "/metadata/uid"))
    {
        if count(old, "/spec/replicas") != 0 {
            let mut next = (*old).clone();
            next["spec"]["replicas"] = json!(0);
            replace(cluster, REPLICA_SETS, old, next);
        }
    }
    let all: Vec<&Value> = owned
        .iter()
        .copied()
        .chain(
            (!owned
                .iter()
                .any(|set| set["metadata"]["uid"] == current["metadata"]["uid"]))
            .then_some(&current),
        )
        .collect();
    let total: i64 = all.iter().map(|set| count(set, "/status/replicas")).sum();
    let ready: i64 = all
        .iter()
        .map(|set| count(set, "/status/readyReplicas"))
        .sum();
    let updated = count(&current, "/status/replicas");
    let available = desired == ready && updated == desired;
    let status = json!({
        "observedGeneration": count(deployment, "/metadata/generation"),
        "replicas": total, "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
        "unavailableReplicas": (desired - ready).max(0),
        "conditions": [
            {"type": "Available", "status": if ready >= desired { "True" } else { "False" }, "reason": if ready >= desired { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" }, "message": if ready >= desired { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." }},
            {"type": "Progressing", "status": "True", "reason": if available { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" }, "message": format!("ReplicaSet \"{}\" {}.", field(&current, "/metadata/name"), if available { "has successfully progressed" } else { "is progressing" })},
        ],
    });
    if deployment.get("status") != Some(&status) {
        let mut next = deployment.clone();
        next["status"] = status;
        replace(cluster, DEPLOYMENTS, deployment, next);
    }
}

fn replica_set_pass(cluster: &Cluster, set: &Value) {
    if set.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let namespace = field(set, "/metadata/namespace");
    let uid = field(set, "/metadata/uid");
    let desired = usize::try_from(count(set, "/spec/replicas")).unwrap_or(0);
    let (_, pods) = cluster.store.list(PODS, Some(namespace));
    let live: Vec<&Value> = pods
        .iter()
        .filter(|pod| owned_by(pod, uid) && pod.pointer("/metadata/deletionTimestamp").is_none())
        .collect();
    if live.len() < desired {
        let template = set.pointer("/spec/template").cloned().unwrap_or_default();
        for index in live.len()..desired {
            let pod = json!({
                "metadata": {"generateName": format!("{}-", field(set, "/metadata/name")), "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})), "ownerReferences": owner_reference("ReplicaSet", set)},
                "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
            });
            let pod = schedule(cluster, pod, index);
            let _ = cluster.create("", "pods", namespace, pod);
        }
    } else if live.len() > desired {
        // Scale down: the newest pods go first, as the controller prefers.
        let mut extra: Vec<&Value> = live.clone();
        extra.sort_by(|a, b| {
            field(b, "/metadata/creationTimestamp")
                .cmp(field(a, "/metadata/creationTimestamp"))
                .then(field(b, "/metadata/name").cmp(field(a, "/metadata/name")))
        });
        let options = DeleteOptions {
            propagation: Propagation::Background,
            grace_seconds: None,
            uid: None,
            resource_version: None,
            dry_run: false,
        };
        if let Some(pods) = cluster.resource("", "pods") {
            for pod in extra.into_iter().take(live.len() - desired) {
                let _ = deletion::delete(
                    cluster,
                    &pods,
                    namespace,
                    field(pod, "/metadata/name"),
                    &options,
                );
            }
        }
    }
    let (_, pods) = cluster.store.list(PODS, Some(namespace));
    let owned: Vec<&Value> = pods
        .iter()
        .filter(|pod| owned_by(pod, uid) && pod.pointer("/metadata/deletionTimestamp").is_none())
        .collect();
    let ready = i64::try_from(
        owned
            .iter()
            .filter(|pod| field(pod, "/status/phase") == "Running")
            .count(),
    )
    .unwrap_or(0);
    let replicas = i64::try_from(owned.len()).unwrap_or(0);
    let status = json!({"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": count(set, "/metadata/generation")});
    if set.get("status") != Some(&status) {
        let mut next = set.clone();
        next["status"] = status;
        replace(cluster, REPLICA_SETS, set, next);
    }
}

/// What a pod asks for of each extended resource (GPUs and the like; CPU and memory are not
/// accounted for yet).
fn extended_requests(pod: &Value) -> BTreeMap<String, i64> {
    let mut requests = BTreeMap::new();
    for container in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for section in ["limits", "requests"] {
            for (name, quantity) in container
                .pointer(&format!("/resources/{section}"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if name.contains('/') {
                    let amount = quantity
                        .as_str()
                        .and_then(|text| text.parse().ok())
                        .or_else(|| quantity.as_i64())
                        .unwrap_or(0);
                    let slot = requests.entry(name.clone()).or_insert(0);
                    *slot = (*slot).max(amount);
                }
            }
        }
    }
    requests
}

fn tolerates(pod: &Value, taint: &Value) -> bool {
    pod.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|toleration| {
            let key_matches = toleration
                .get("key")
                .is_none_or(|key| key == &taint["key"] || key == "");
            let effect_matches = toleration
                .get("effect")
                .is_none_or(|effect| effect == &taint["effect"] || effect == "");
            let value_matches =
                toleration["operator"] == "Exists" || toleration.get("value") == taint.get("value");
            key_matches && effect_matches && value_matches
        })
}

/// Places a pod on a node, as the scheduler does, or leaves it Pending with the scheduler's reason.
fn schedule(cluster: &Cluster, mut pod: Value, index: usize) -> Value {
    let (_, nodes) = cluster.store.list(NODES, None);
    let (_, pods) = cluster.store.list(PODS, None);
    let wants = extended_requests(&pod);
    let selector = pod
        .pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut insufficient: BTreeMap<String, usize> = BTreeMap::new();
    let mut mismatched = 0;
    let mut tainted = 0;
    let mut fitting = Vec::new();
    for node in &nodes {
        let name = field(node, "/metadata/name");
        if !selector.iter().all(|(key, value)| {
            node.pointer("/metadata/labels")
                .and_then(|labels| labels.get(key))
                == Some(value)
        }) {
            mismatched += 1;
            continue;
        }
        let taints = node
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if taints
            .iter()
            .any(|taint| taint["effect"] == "NoSchedule" && !tolerates(&pod, taint))
        {
            tainted += 1;
            continue;
        }
        let mut short = None;
        for (resource, amount) in &wants {
            let allocatable: i64 = node
                .pointer(&format!(
                    "/status/allocatable/{}",
                    resource.replace('/', "~1")
                ))
                .and_then(Value::as_str)
                .and_then(|text| text.parse().ok())
                .unwrap_or(0);
            let used: i64 = pods
                .iter()
                .filter(|other| {
                    field(other, "/spec/nodeName") == name
                        && field(other, "/status/phase") != "Succeeded"
                })
                .map(|other| extended_requests(other).get(resource).copied().unwrap_or(0))
                .sum();
            if allocatable - used < *amount {
                short = Some(resource.clone());
            }
        }
        match short {
            Some(resource) => *insufficient.entry(resource).or_default() += 1,
            None => fitting.push(name.to_owned()),
        }
    }
    if fitting.is_empty() {
        let mut reasons: Vec<String> = insufficient
            .iter()
            .map(|(resource, nodes)| format!("{nodes} Insufficient {resource}"))
            .collect();
        if mismatched > 0 {
            reasons.push(format!(
                "{mismatched} node(s) didn't match Pod's node affinity/selector"
            ));
        }
        if tainted > 0 {
            reasons.push(format!(
                "{tainted} node(s) had untolerated taint {{nvidia.com/gpu: present}}"
            ));
        }
        let message = format!(
            "0/{} nodes are available: {}.",
            nodes.len(),
            reasons.join(", ")
        );
        pod["status"] = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]});
        return pod;
    }
    let node = fitting[index % fitting.len()].clone();
    pod["spec"]["nodeName"] = json!(node);
    let now = timestamp(Utc::now());
    let statuses: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| json!({"name": container["name"], "image": container["image"], "imageID": "", "ready": true, "started": true, "restartCount": 0, "state": {"running": {"startedAt": now}}}))
        .collect();
    pod["status"] = json!({
        "phase": "Running", "startTime": now, "hostIP": "10.0.0.20", "podIP": format!("10.244.9.{}", 2 + index % 250),
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"}, {"type": "ContainersReady", "status": "True"}, {"type": "Ready", "status": "True"}],
        "containerStatuses": statuses,
    });
    pod
}
