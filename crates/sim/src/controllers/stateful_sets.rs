//! The StatefulSet controller: pods named by ordinal, created in order (each once the one before
//! is ready) with a claim per volume claim template, removed from the highest ordinal down, and
//! updated one at a time from the highest ordinal down to the partition.

use serde_json::{Value, json};

use super::{count, create_pod, delete_pod, owned, ready, replace, template_hash};
use crate::Cluster;
use crate::admission;
use crate::events::{self, Type};
use crate::objects::field;

/// Where StatefulSets are stored.
pub const KEY: &str = "apps/statefulsets";
const PODS: &str = "/pods";
const COMPONENT: &str = "statefulset-controller";
const REVISION: &str = "controller-revision-hash";

fn ordinal(set: &Value, pod: &Value) -> Option<i64> {
    field(pod, "/metadata/name")
        .strip_prefix(&format!("{}-", field(set, "/metadata/name")))?
        .parse()
        .ok()
}

fn label<'a>(pod: &'a Value, key: &str) -> &'a str {
    pod.pointer("/metadata/labels")
        .and_then(|labels| labels.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// One pass over one StatefulSet.
pub fn pass(cluster: &Cluster, set: &Value) {
    if set.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let name = field(set, "/metadata/name");
    let desired = count(set, "/spec/replicas");
    let template = set.pointer("/spec/template").cloned().unwrap_or_default();
    let revision = format!("{name}-{}", &template_hash(&template)[..10]);
    let parallel = field(set, "/spec/podManagementPolicy") == "Parallel";
    let mut pods: Vec<(i64, Value)> = owned(cluster, PODS, set)
        .into_iter()
        .filter_map(|pod| Some((ordinal(set, &pod)?, pod)))
        .collect();
    pods.sort_by_key(|(ordinal, _)| *ordinal);
    let all_ready = pods.iter().all(|(_, pod)| ready(pod));

    // Scale down, highest ordinal first; in order, one at a time once the rest are ready.
    let extra: Vec<&(i64, Value)> = pods
        .iter()
        .filter(|(ordinal, _)| *ordinal >= desired)
        .rev()
        .collect();
    if let Some((_, pod)) = extra.first()
        && (parallel || all_ready)
    {
        delete_pod(cluster, pod);
        let message = format!(
            "delete Pod {} in StatefulSet {name} successful",
            field(pod, "/metadata/name")
        );
        events::record(
            cluster,
            set,
            Type::Normal,
            "SuccessfulDelete",
            &message,
            COMPONENT,
        );
    }
    // Scale up, lowest missing ordinal first; in order, each once every lower one is ready.
    for ordinal in 0..desired {
        if pods.iter().any(|(existing, _)| *existing == ordinal) {
            continue;
        }
        let lower_ready = pods
            .iter()
            .filter(|(existing, _)| *existing < ordinal)
            .all(|(_, pod)| ready(pod));
        if !parallel && !lower_ready {
            break;
        }
        if create(cluster, set, &template, &revision, ordinal).is_none() || !parallel {
            break;
        }
    }
    // A rolling update: the highest ordinal not yet at the new revision, once all are ready.
    let partition = count(set, "/spec/updateStrategy/rollingUpdate/partition");
    let rolling = field(set, "/spec/updateStrategy/type") != "OnDelete";
    let complete = i64::try_from(pods.len()).unwrap_or(0) == desired;
    if rolling
        && complete
        && all_ready
        && let Some((_, stale)) = pods
            .iter()
            .rev()
            .find(|(ordinal, pod)| *ordinal >= partition && label(pod, REVISION) != revision)
    {
        delete_pod(cluster, stale);
    }
    status(cluster, set, &pods, &revision);
}

/// Creates the pod of one ordinal, and its claims first.
fn create(
    cluster: &Cluster,
    set: &Value,
    template: &Value,
    revision: &str,
    ordinal: i64,
) -> Option<Value> {
    let name = field(set, "/metadata/name");
    let namespace = field(set, "/metadata/namespace");
    let pod_name = format!("{name}-{ordinal}");
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    labels[REVISION] = json!(revision);
    labels["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
    labels["apps.kubernetes.io/pod-index"] = json!(ordinal.to_string());
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    spec["hostname"] = json!(pod_name);
    if let Some(service) = set.pointer("/spec/serviceName").and_then(Value::as_str) {
        spec["subdomain"] = json!(service);
    }
    for claim in set
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let claim_name = field(claim, "/metadata/name");
        let full_name = format!("{claim_name}-{pod_name}");
        if cluster
            .store
            .get("/persistentvolumeclaims", namespace, &full_name)
            .is_none()
        {
            let selector = set
                .pointer("/spec/selector/matchLabels")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let pvc = json!({
                "metadata": {"name": full_name, "labels": selector},
                "spec": claim.get("spec").cloned().unwrap_or_else(|| json!({})),
            });
            match admission::create(cluster, "", "persistentvolumeclaims", namespace, pvc) {
                Ok(_) => {
                    let message = format!(
                        "create Claim {full_name} Pod {pod_name} in StatefulSet {name} success"
                    );
                    events::record(
                        cluster,
                        set,
                        Type::Normal,
                        "SuccessfulCreate",
                        &message,
                        COMPONENT,
                    );
                }
                Err(status) => {
                    let message = format!(
                        "create Claim {full_name} for Pod {pod_name} in StatefulSet {name} failed error: {}",
                        field(&status, "/message")
                    );
                    events::record_first(
                        cluster,
                        set,
                        Type::Warning,
                        "FailedCreate",
                        &message,
                        COMPONENT,
                    );
                    return None;
                }
            }
        }
        let volume = json!({"name": claim_name, "persistentVolumeClaim": {"claimName": full_name}});
        match spec["volumes"].as_array_mut() {
            Some(volumes) => volumes.push(volume),
            None => spec["volumes"] = json!([volume]),
        }
    }
    let pod = json!({
        "metadata": {"name": pod_name, "labels": labels, "annotations": template.pointer("/metadata/annotations").cloned().unwrap_or_else(|| json!({})), "ownerReferences": super::owner_reference(set)},
        "spec": spec,
    });
    create_pod(cluster, set, pod, COMPONENT)
}

fn status(cluster: &Cluster, set: &Value, pods: &[(i64, Value)], revision: &str) {
    let at = |wanted: &str| {
        i64::try_from(
            pods.iter()
                .filter(|(_, pod)| label(pod, REVISION) == wanted)
                .count(),
        )
        .unwrap_or(0)
    };
    let replicas = i64::try_from(pods.len()).unwrap_or(0);
    let ready_count = i64::try_from(pods.iter().filter(|(_, pod)| ready(pod)).count()).unwrap_or(0);
    let updated = at(revision);
    let previous = set
        .pointer("/status/currentRevision")
        .and_then(Value::as_str)
        .unwrap_or(revision);
    // The update is done when every pod runs the new revision: it becomes the current one.
    let current_revision = if updated == replicas && replicas == count(set, "/spec/replicas") {
        revision
    } else {
        previous
    };
    let status = json!({
        "observedGeneration": count(set, "/metadata/generation"),
        "replicas": replicas, "readyReplicas": ready_count, "availableReplicas": ready_count,
        "currentReplicas": at(current_revision), "updatedReplicas": updated,
        "currentRevision": current_revision, "updateRevision": revision, "collisionCount": 0,
    });
    if set.get("status") != Some(&status) {
        let mut next = set.clone();
        next["status"] = status;
        replace(cluster, KEY, set, next);
    }
}
