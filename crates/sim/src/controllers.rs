//! The simulated controllers: Deployment and ReplicaSet here, StatefulSet, DaemonSet, Job and
//! CronJob in their own files, then the scheduler (`scheduler.rs`) for the pods they create, and
//! the quota controller that keeps `status.used` current.
//!
//! They run on the server's tick, and only when something changed since their last pass; the
//! CronJob controller also runs as time passes.

mod daemon_sets;
mod jobs;
mod namespaces;
mod stateful_sets;
mod volumes;

pub use jobs::Schedule;

use serde_json::{Value, json};

use crate::Cluster;
use crate::deletion::{self, DeleteOptions, Propagation};
use crate::events::{self, Type};
use crate::objects::field;
use crate::{admission, scheduler};

const DEPLOYMENTS: &str = "apps/deployments";
const REPLICA_SETS: &str = "apps/replicasets";
const PODS: &str = "/pods";

pub(crate) fn count(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn owned_by(object: &Value, uid: &str) -> bool {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| owners.iter().any(|owner| owner["uid"] == uid))
}

/// The owner references a controller puts on what it creates.
pub(crate) fn owner_reference(owner: &Value) -> Value {
    json!([{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}])
}

/// A controller's pods (or other objects of `key`) in the owner's namespace, not terminating.
pub(crate) fn owned(cluster: &Cluster, key: &str, owner: &Value) -> Vec<Value> {
    let uid = field(owner, "/metadata/uid");
    cluster
        .store
        .page(
            key,
            Some(field(owner, "/metadata/namespace")),
            None,
            None,
            |object| {
                owned_by(object, uid) && object.pointer("/metadata/deletionTimestamp").is_none()
            },
        )
        .items
}

/// Deletes an object as a controller does: gracefully, its dependents in the background.
pub(crate) fn delete_object(cluster: &Cluster, group: &str, plural: &str, object: &Value) {
    if let Some(resource) = cluster.resource(group, plural) {
        // Already gone is what was wanted.
        let _ = deletion::delete(
            cluster,
            &resource,
            field(object, "/metadata/namespace"),
            field(object, "/metadata/name"),
            &DeleteOptions::propagating(Propagation::Background),
        );
    }
}

/// Deletes a pod as a controller does.
pub(crate) fn delete_pod(cluster: &Cluster, pod: &Value) {
    delete_object(cluster, "", "pods", pod);
}

/// Creates a pod for `owner` as a client would, admission included, and records the
/// `SuccessfulCreate` or `FailedCreate` event its controller records; the created pod if any.
pub(crate) fn create_pod(
    cluster: &Cluster,
    owner: &Value,
    pod: Value,
    component: &str,
) -> Option<Value> {
    let namespace = field(owner, "/metadata/namespace");
    match admission::create(cluster, "", "pods", namespace, pod) {
        Ok(created) => {
            let message = format!("Created pod: {}", field(&created, "/metadata/name"));
            events::record(
                cluster,
                owner,
                Type::Normal,
                "SuccessfulCreate",
                &message,
                component,
            );
            Some(created)
        }
        Err(status) => {
            // As upstream: the error is reported, and the next pass tries again.
            let message = format!("Error creating: {}", field(&status, "/message"));
            events::record_first(
                cluster,
                owner,
                Type::Warning,
                "FailedCreate",
                &message,
                component,
            );
            None
        }
    }
}

/// Whether a pod is running and ready.
pub(crate) fn ready(pod: &Value) -> bool {
    field(pod, "/status/phase") == "Running"
        && pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|conditions| {
                conditions
                    .iter()
                    .any(|condition| condition["type"] == "Ready" && condition["status"] == "True")
            })
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
pub(crate) fn template_hash(template: &Value) -> String {
    let text = template_identity(template).to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|index| alphabet[usize::try_from((hash >> (index * 6)) % 27).unwrap_or(0)] as char)
        .collect()
}

pub(crate) fn replace(cluster: &Cluster, key: &str, current: &Value, next: Value) {
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
    namespaces::pass(cluster);
    let (_, deployments) = cluster.store.list(DEPLOYMENTS, None);
    for deployment in &deployments {
        deployment_pass(cluster, deployment);
    }
    let (_, replica_sets) = cluster.store.list(REPLICA_SETS, None);
    for replica_set in &replica_sets {
        replica_set_pass(cluster, replica_set);
    }
    let (_, stateful_sets) = cluster.store.list(stateful_sets::KEY, None);
    for set in &stateful_sets {
        stateful_sets::pass(cluster, set);
    }
    let (_, daemon_sets) = cluster.store.list(daemon_sets::KEY, None);
    for set in &daemon_sets {
        daemon_sets::pass(cluster, set);
    }
    let (_, jobs) = cluster.store.list(jobs::JOBS, None);
    for job in &jobs {
        jobs::job_pass(cluster, job);
    }
    scheduler::pass(cluster);
    volumes::pass(cluster);
    admission::quota_pass(cluster);
}

/// What runs as time passes, changed or not: CronJobs whose time has come.
pub fn on_time(cluster: &Cluster) {
    jobs::cron_pass(cluster, chrono::Utc::now());
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
            let had = count(set, "/spec/replicas");
            if had != desired {
                let mut next = set.clone();
                next["spec"]["replicas"] = json!(desired);
                replace(cluster, REPLICA_SETS, set, next);
                scaled(cluster, deployment, set, had, desired);
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
                "metadata": {"name": format!("{}-{hash}", field(deployment, "/metadata/name")), "labels": labels, "ownerReferences": owner_reference(deployment)},
                "spec": {"replicas": desired, "selector": selector, "template": set_template},
            });
            match cluster.create("apps", "replicasets", namespace, set) {
                Ok(created) => {
                    scaled(cluster, deployment, &created, 0, desired);
                    created
                }
                Err(_) => return,
            }
        }
    };
    // A rollout: the old ReplicaSets scale to zero once the new one is there.
    for old in owned
        .iter()
        .filter(|set| field(set, "/metadata/uid") != field(&current, "/metadata/uid"))
    {
        let had = count(old, "/spec/replicas");
        if had != 0 {
            let mut next = (*old).clone();
            next["spec"]["replicas"] = json!(0);
            replace(cluster, REPLICA_SETS, old, next);
            scaled(cluster, deployment, old, had, 0);
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

/// The Deployment controller's `ScalingReplicaSet` event.
fn scaled(cluster: &Cluster, deployment: &Value, set: &Value, from: i64, to: i64) {
    let direction = if to > from { "up" } else { "down" };
    let message = format!(
        "Scaled {direction} replica set {} from {from} to {to}",
        field(set, "/metadata/name")
    );
    events::record(
        cluster,
        deployment,
        Type::Normal,
        "ScalingReplicaSet",
        &message,
        "deployment-controller",
    );
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
        for _ in live.len()..desired {
            let pod = json!({
                "metadata": {"generateName": format!("{}-", field(set, "/metadata/name")), "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})), "ownerReferences": owner_reference(set)},
                "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
            });
            if create_pod(cluster, set, pod, "replicaset-controller").is_none() {
                break;
            }
        }
    } else if live.len() > desired {
        // Scale down: the newest pods go first, as the controller prefers.
        let mut extra: Vec<&Value> = live.clone();
        extra.sort_by(|a, b| {
            field(b, "/metadata/creationTimestamp")
                .cmp(field(a, "/metadata/creationTimestamp"))
                .then(field(b, "/metadata/name").cmp(field(a, "/metadata/name")))
        });
        for pod in extra.into_iter().take(live.len() - desired) {
            delete_pod(cluster, pod);
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
