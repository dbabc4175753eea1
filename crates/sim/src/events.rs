//! Events, as the controllers, the scheduler and the kubelet record them: one per object, reason
//! and message, its count and last time bumped when it happens again (the client-go correlator).

use chrono::Utc;
use serde_json::{Value, json};

use crate::Cluster;
use crate::objects::{field, timestamp};

const EVENTS: &str = "/events";

/// Whether an event reports normal operation or a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `Scheduled`, `SuccessfulCreate`, `ScalingReplicaSet`.
    Normal,
    /// `FailedScheduling`, `FailedCreate`.
    Warning,
}

/// Records that `reason` happened to `object`, as `component` reports it.
pub fn record(
    cluster: &Cluster,
    object: &Value,
    kind: Type,
    reason: &str,
    message: &str,
    component: &str,
) {
    write(cluster, object, kind, reason, message, component, true);
}

/// Records it unless the same event is already there: for what a controller retries on every
/// pass, where counting each try would itself be a change that makes it try again.
pub fn record_first(
    cluster: &Cluster,
    object: &Value,
    kind: Type,
    reason: &str,
    message: &str,
    component: &str,
) {
    write(cluster, object, kind, reason, message, component, false);
}

fn write(
    cluster: &Cluster,
    object: &Value,
    kind: Type,
    reason: &str,
    message: &str,
    component: &str,
    count_repeats: bool,
) {
    let namespace = match field(object, "/metadata/namespace") {
        "" => "default",
        namespace => namespace,
    };
    let uid = field(object, "/metadata/uid");
    let now = timestamp(Utc::now());
    let same = cluster
        .store
        .page(EVENTS, Some(namespace), None, Some(1), |event| {
            event["involvedObject"]["uid"] == uid
                && event["reason"] == reason
                && event["message"] == message
        });
    if let Some(existing) = same.items.first() {
        if !count_repeats {
            return;
        }
        let mut next = existing.clone();
        next["count"] = json!(existing["count"].as_i64().unwrap_or(1) + 1);
        next["lastTimestamp"] = json!(now);
        // A conflict means another writer bumped it first; one bump is lost, as it can be upstream.
        let _ = cluster.store.replace(
            EVENTS,
            namespace,
            field(existing, "/metadata/name"),
            Some(field(existing, "/metadata/resourceVersion")),
            next,
        );
        return;
    }
    let involved = json!({
        "kind": field(object, "/kind"),
        "namespace": field(object, "/metadata/namespace"),
        "name": field(object, "/metadata/name"),
        "uid": uid,
        "apiVersion": field(object, "/apiVersion"),
        "resourceVersion": field(object, "/metadata/resourceVersion"),
    });
    let event = json!({
        "metadata": {"name": format!("{}.{:x}", field(object, "/metadata/name"), uuid::Uuid::new_v4().as_u128() >> 64)},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": match kind { Type::Normal => "Normal", Type::Warning => "Warning" },
        "reportingComponent": component,
        "reportingInstance": "",
    });
    let _ = cluster.create("", "events", namespace, event);
}
