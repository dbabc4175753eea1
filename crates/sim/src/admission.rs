//! Admission on create, as kube-apiserver's LimitRanger and ResourceQuota plugins do it:
//! LimitRange defaults fill in what containers leave out and its maximums are enforced, then every
//! ResourceQuota of the namespace must have room, else the create is refused with upstream's
//! "exceeded quota" message. The quota controller keeps each quota's `status.used` current.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::Cluster;
use crate::catalogue::ResourceType;
use crate::objects::{self, field};
use crate::quantity::{self, Milli};
use crate::scheduler;
use crate::status::Failure;

const QUOTAS: &str = "/resourcequotas";
const LIMIT_RANGES: &str = "/limitranges";

/// Creates an object as a client's POST would, admission included; answers with the stored
/// object or the `Status` the server would have answered. The controllers create through this.
pub fn create(
    cluster: &Cluster,
    group: &str,
    plural: &str,
    namespace: &str,
    object: Value,
) -> Result<Value, Value> {
    let resource = cluster
        .resource(group, plural)
        .ok_or_else(|| Failure::no_such_path().body)?;
    let mut object = objects::prepare_create(&resource, namespace, object, chrono::Utc::now())
        .map_err(|failure| failure.body)?;
    admit(cluster, &resource, namespace, &mut object).map_err(|failure| failure.body)?;
    let name = field(&object, "/metadata/name").to_owned();
    cluster
        .store
        .create(&resource.store_key(), namespace, &name, object)
        .map_err(|_| Failure::already_exists(&resource, &name).body)
}

/// Applies LimitRange defaults to a new object and checks it against the namespace's quotas.
pub fn admit(
    cluster: &Cluster,
    resource: &ResourceType,
    namespace: &str,
    object: &mut Value,
) -> Result<(), Failure> {
    if !resource.namespaced || namespace.is_empty() {
        return Ok(());
    }
    let name = field(object, "/metadata/name").to_owned();
    let forbidden = |message: String| {
        Failure::forbidden(
            format!(
                "{} \"{name}\" is forbidden: {message}",
                resource.qualified()
            ),
            json!({"name": name, "group": resource.group, "kind": resource.plural}),
        )
    };
    if resource.group.is_empty() && resource.plural == "persistentvolumeclaims" {
        default_storage_class(cluster, object);
    }
    if resource.group.is_empty() && resource.plural == "pods" {
        let (_, ranges) = cluster.store.list(LIMIT_RANGES, Some(namespace));
        for range in &ranges {
            apply_limit_range(range, object).map_err(|exceeded| forbidden(exceeded.to_string()))?;
        }
    }
    let (_, quotas) = cluster.store.list(QUOTAS, Some(namespace));
    for quota in &quotas {
        let hard = quota_amounts(quota, "/spec/hard");
        let counted: Vec<(&String, &Milli)> = hard
            .iter()
            .filter(|(key, _)| counts(resource, key))
            .collect();
        if counted.is_empty() {
            continue;
        }
        if resource.plural == "pods" && resource.group.is_empty() {
            let missing = missing_compute(object, hard.keys());
            if !missing.is_empty() {
                return Err(forbidden(format!(
                    "failed quota: {}: must specify {}",
                    field(quota, "/metadata/name"),
                    missing.join("; ")
                )));
            }
        }
        if let Some(exceeded) = exceeded(quota, resource, object, &counted, |key| {
            usage(cluster, namespace, key)
        }) {
            return Err(forbidden(exceeded.to_string()));
        }
    }
    if resource.group.is_empty() && resource.plural == "pods" {
        workspace_quotas(cluster, resource, namespace, object)
            .map_err(|exceeded| forbidden(format!("{WEBHOOK_DENIED}{exceeded}")))?;
    }
    Ok(())
}

/// How KubeSphere's quota webhook's refusal reaches the client.
const WEBHOOK_DENIED: &str =
    "admission webhook \"resourcesquotas.quota.kubesphere.io\" denied the request: ";

/// A quota without room for an object: each key it would go over, with what the object asks
/// for, what is used and the limit; shown in upstream's words.
#[derive(Debug)]
struct Exceeded {
    quota: String,
    keys: Vec<(String, Milli, Milli, Milli)>,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |pick: fn(&(String, Milli, Milli, Milli)) -> Milli| {
            self.keys
                .iter()
                .map(|entry| format!("{}={}", entry.0, quantity::format(pick(entry))))
                .collect::<Vec<_>>()
                .join(",")
        };
        write!(
            formatter,
            "exceeded quota: {}, requested: {}, used: {}, limited: {}",
            self.quota,
            list(|entry| entry.1),
            list(|entry| entry.2),
            list(|entry| entry.3)
        )
    }
}

/// Whether `object` would go beyond `quota`'s `counted` limits, given what is used of each.
fn exceeded(
    quota: &Value,
    resource: &ResourceType,
    object: &Value,
    counted: &[(&String, &Milli)],
    used: impl Fn(&str) -> Milli,
) -> Option<Exceeded> {
    let mut keys = Vec::new();
    for (key, limit) in counted {
        let requested = amount(resource, object, key);
        if requested == 0 {
            continue;
        }
        let used = used(key);
        if used + requested > **limit {
            keys.push(((*key).clone(), requested, used, **limit));
        }
    }
    (!keys.is_empty()).then(|| Exceeded {
        quota: field(quota, "/metadata/name").to_owned(),
        keys,
    })
}

/// KubeSphere's workspace quotas (`quota.kubesphere.io` ResourceQuotas, cluster-scoped), where
/// the cluster has them: its webhook checks a new pod against each whose selector picks the
/// pod's namespace, counting what every namespace it picks uses.
fn workspace_quotas(
    cluster: &Cluster,
    resource: &ResourceType,
    namespace: &str,
    object: &Value,
) -> Result<(), Exceeded> {
    let Some(quotas) = cluster.resource(WORKSPACE_QUOTAS.0, WORKSPACE_QUOTAS.1) else {
        return Ok(());
    };
    let (_, quotas) = cluster.store.list(&quotas.store_key(), None);
    for quota in &quotas {
        let picked = picked_namespaces(cluster, quota);
        if !picked.iter().any(|picked| picked == namespace) {
            continue;
        }
        let hard = quota_amounts(quota, "/spec/quota/hard");
        let counted: Vec<(&String, &Milli)> = hard
            .iter()
            .filter(|(key, _)| counts(resource, key))
            .collect();
        if let Some(exceeded) = exceeded(quota, resource, object, &counted, |key| {
            picked
                .iter()
                .map(|picked| usage(cluster, picked, key))
                .sum()
        }) {
            return Err(exceeded);
        }
    }
    Ok(())
}

/// KubeSphere's workspace quota resource: group and plural.
const WORKSPACE_QUOTAS: (&str, &str) = ("quota.kubesphere.io", "resourcequotas");

/// The namespaces whose labels have every pair of a workspace quota's `spec.selector` (a plain
/// label map).
fn picked_namespaces(cluster: &Cluster, quota: &Value) -> Vec<String> {
    let selector = quota
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if selector.is_empty() {
        return Vec::new();
    }
    let (_, namespaces) = cluster.store.list("/namespaces", None);
    namespaces
        .iter()
        .filter(|namespace| {
            selector.iter().all(|(key, value)| {
                namespace
                    .pointer("/metadata/labels")
                    .and_then(|labels| labels.get(key))
                    == Some(value)
            })
        })
        .map(|namespace| field(namespace, "/metadata/name").to_owned())
        .collect()
}

/// A claim without a class gets the default class (DefaultStorageClass), and every claim the
/// `kubernetes.io/pvc-protection` finalizer (StorageObjectInUseProtection).
fn default_storage_class(cluster: &Cluster, claim: &mut Value) {
    if claim.pointer("/spec/storageClassName").is_none() {
        let (_, classes) = cluster.store.list("storage.k8s.io/storageclasses", None);
        let default = classes.iter().find(|class| {
            class
                .pointer("/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                .and_then(Value::as_str)
                == Some("true")
        });
        if let Some(class) = default {
            claim["spec"]["storageClassName"] = json!(field(class, "/metadata/name"));
        }
    }
    let finalizers = &mut claim["metadata"]["finalizers"];
    let protection = json!("kubernetes.io/pvc-protection");
    match finalizers.as_array_mut() {
        Some(list) if !list.contains(&protection) => list.push(protection),
        Some(_) => {}
        None => *finalizers = json!([protection]),
    }
}

/// Checks an update as upstream's validation and admission do: a storage class keeps what made
/// its volumes; a claim grows only if its class allows it, and never shrinks.
pub fn admit_update(
    cluster: &Cluster,
    resource: &ResourceType,
    current: &Value,
    next: &Value,
) -> Result<(), Failure> {
    if resource.group == "storage.k8s.io" && resource.plural == "storageclasses" {
        return storage_class_update(resource, current, next);
    }
    if !(resource.group.is_empty() && resource.plural == "persistentvolumeclaims") {
        return Ok(());
    }
    let size = |claim: &Value| {
        claim
            .pointer("/spec/resources/requests/storage")
            .and_then(quantity::from_json)
            .unwrap_or(0)
    };
    if size(next) <= size(current) {
        if size(next) < size(current) && !field(current, "/spec/volumeName").is_empty() {
            let name = field(current, "/metadata/name");
            return Err(Failure::invalid(
                resource,
                name,
                "spec.resources.requests.storage",
                "Forbidden: field can not be less than previous value",
            ));
        }
        return Ok(());
    }
    let class = cluster.store.get(
        "storage.k8s.io/storageclasses",
        "",
        field(current, "/spec/storageClassName"),
    );
    let expandable = class.is_some_and(|class| class["allowVolumeExpansion"] == true);
    if expandable && !field(current, "/spec/volumeName").is_empty() {
        return Ok(());
    }
    let name = field(current, "/metadata/name");
    Err(Failure::forbidden(
        format!(
            "persistentvolumeclaims \"{name}\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
        ),
        json!({"name": name, "kind": "persistentvolumeclaims"}),
    ))
}

/// Upstream's `ValidateStorageClassUpdate`: parameters, provisioner, reclaim policy and binding
/// mode cannot change (the last two as defaulted: Delete and Immediate).
fn storage_class_update(
    resource: &ResourceType,
    current: &Value,
    next: &Value,
) -> Result<(), Failure> {
    let or = |object: &Value, field: &str, default: &str| {
        Some(objects::field(object, &format!("/{field}")))
            .filter(|value| !value.is_empty())
            .unwrap_or(default)
            .to_owned()
    };
    let parameters = |object: &Value| object.get("parameters").cloned().unwrap_or(json!({}));
    let mut wrong = Vec::new();
    if parameters(current) != parameters(next) {
        wrong.push((
            "parameters",
            "Forbidden: updates to parameters are forbidden.".to_owned(),
        ));
    }
    for field in ["provisioner", "reclaimPolicy"] {
        let default = if field == "reclaimPolicy" {
            "Delete"
        } else {
            ""
        };
        if or(current, field, default) != or(next, field, default) {
            wrong.push((
                field,
                format!("Forbidden: updates to {field} are forbidden."),
            ));
        }
    }
    let mode = or(next, "volumeBindingMode", "Immediate");
    if or(current, "volumeBindingMode", "Immediate") != mode {
        wrong.push((
            "volumeBindingMode",
            format!("Invalid value: \"{mode}\": field is immutable"),
        ));
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(Failure::invalid_fields(
        resource,
        field(current, "/metadata/name"),
        &wrong,
    ))
}

/// A container's limit over its LimitRange's maximum, worded as LimitRanger words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("maximum {resource} usage per Container is {}, but limit is {}", quantity::format(*.maximum), quantity::format(*.limit))]
struct OverMaximum {
    resource: String,
    maximum: Milli,
    limit: Milli,
}

/// `default` and `defaultRequest` of each `Container` limit fill in what containers leave out;
/// `max` is enforced on their limits.
fn apply_limit_range(range: &Value, pod: &mut Value) -> Result<(), OverMaximum> {
    let Some(limits) = range.pointer("/spec/limits").and_then(Value::as_array) else {
        return Ok(());
    };
    for limit in limits.iter().filter(|limit| limit["type"] == "Container") {
        let defaults = limit["default"].as_object().cloned().unwrap_or_default();
        let requests = limit["defaultRequest"]
            .as_object()
            .cloned()
            .unwrap_or_else(|| defaults.clone());
        let Some(containers) = pod
            .pointer_mut("/spec/containers")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for container in containers.iter_mut() {
            for (section, values) in [("limits", &defaults), ("requests", &requests)] {
                for (name, value) in values {
                    let slot = &mut container["resources"][section];
                    if slot.get(name).is_none() {
                        slot[name] = value.clone();
                    }
                }
            }
            for (name, maximum) in limit["max"].as_object().into_iter().flatten() {
                let given = container
                    .pointer(&format!("/resources/limits/{name}"))
                    .and_then(quantity::from_json);
                if let (Some(given), Some(most)) = (given, quantity::from_json(maximum))
                    && given > most
                {
                    return Err(OverMaximum {
                        resource: name.clone(),
                        maximum: most,
                        limit: given,
                    });
                }
            }
        }
    }
    Ok(())
}

/// The compute keys a quota constrains that some container does not set:
/// `requests.cpu for: app; limits.memory for: app,sidecar`.
fn missing_compute<'a>(pod: &Value, keys: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut missing = Vec::new();
    for key in keys {
        let (section, name) = match key.as_str() {
            "cpu" | "requests.cpu" => ("requests", "cpu"),
            "memory" | "requests.memory" => ("requests", "memory"),
            "limits.cpu" => ("limits", "cpu"),
            "limits.memory" => ("limits", "memory"),
            _ => continue,
        };
        let containers: Vec<&str> = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|container| {
                let set = |part: &str| {
                    container
                        .pointer(&format!("/resources/{part}/{name}"))
                        .is_some()
                };
                // A limit alone also sets the request.
                !(set(section) || (section == "requests" && set("limits")))
            })
            .map(|container| field(container, "/name"))
            .collect();
        if !containers.is_empty() {
            missing.push(format!("{section}.{name} for: {}", containers.join(",")));
        }
    }
    missing
}

fn quota_amounts(quota: &Value, pointer: &str) -> BTreeMap<String, Milli> {
    quota
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), quantity::from_json(value)?)))
        .collect()
}

/// Whether a quota key counts objects of `resource`.
fn counts(resource: &ResourceType, key: &str) -> bool {
    let core = resource.group.is_empty();
    let object_count = if core {
        format!("count/{}", resource.plural)
    } else {
        format!("count/{}.{}", resource.plural, resource.group)
    };
    if key == object_count {
        return true;
    }
    match (core, resource.plural.as_str()) {
        // Extended resources (GPUs) are counted by their requests only: no overcommit is allowed
        // for them, so `limits.nvidia.com/gpu` is accepted in a quota but neither counted nor
        // enforced, as upstream's pod evaluator does it.
        (true, "pods") => {
            key == "pods"
                || key == "cpu"
                || key == "memory"
                || key.starts_with("requests.") && !key.ends_with("storage")
                || matches!(
                    key,
                    "limits.cpu" | "limits.memory" | "limits.ephemeral-storage"
                )
        }
        (true, "persistentvolumeclaims") => {
            key == "persistentvolumeclaims"
                || key == "requests.storage"
                || key.ends_with(".storageclass.storage.k8s.io/requests.storage")
                || key.ends_with(".storageclass.storage.k8s.io/persistentvolumeclaims")
        }
        (true, plural) => {
            matches!(
                plural,
                "configmaps" | "secrets" | "services" | "resourcequotas"
            ) && key == plural
        }
        _ => false,
    }
}

/// How much of quota `key` one object takes.
fn amount(resource: &ResourceType, object: &Value, key: &str) -> Milli {
    const ONE: Milli = 1000;
    if resource.plural == "pods" && resource.group.is_empty() {
        if !counts_against_quota(object) {
            return 0;
        }
        return match key {
            "pods" | "count/pods" => ONE,
            "cpu" | "memory" => scheduler::requests(object).get(key).copied().unwrap_or(0),
            _ => match key.split_once('.') {
                Some(("requests", name)) => {
                    scheduler::requests(object).get(name).copied().unwrap_or(0)
                }
                Some(("limits", name)) => limits(object, name),
                _ => 0,
            },
        };
    }
    if resource.plural == "persistentvolumeclaims" && resource.group.is_empty() {
        let class = field(object, "/spec/storageClassName");
        let storage = object
            .pointer("/spec/resources/requests/storage")
            .and_then(quantity::from_json)
            .unwrap_or(0);
        return match key {
            "requests.storage" => storage,
            "persistentvolumeclaims" | "count/persistentvolumeclaims" => ONE,
            _ if key == format!("{class}.storageclass.storage.k8s.io/requests.storage") => storage,
            _ if key == format!("{class}.storageclass.storage.k8s.io/persistentvolumeclaims") => {
                ONE
            }
            _ => 0,
        };
    }
    ONE
}

/// Pods that have finished no longer count against compute quota.
fn counts_against_quota(pod: &Value) -> bool {
    !matches!(field(pod, "/status/phase"), "Succeeded" | "Failed")
}

fn limits(pod: &Value, name: &str) -> Milli {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|container| container.pointer(&format!("/resources/limits/{name}")))
        .filter_map(quantity::from_json)
        .sum()
}

/// What a namespace uses of quota `key` now.
fn usage(cluster: &Cluster, namespace: &str, key: &str) -> Milli {
    let mut total = 0;
    for resource in cluster
        .catalogue()
        .iter()
        .filter(|resource| resource.namespaced && !resource.review)
    {
        if !counts(resource, key) {
            continue;
        }
        cluster
            .store
            .visit(&resource.store_key(), Some(namespace), |object| {
                if object.pointer("/metadata/deletionTimestamp").is_none() {
                    total += amount(resource, object, key);
                }
            });
    }
    total
}

/// The quota controller: `status.hard` mirrors `spec.hard`, `status.used` what is used now.
pub fn quota_pass(cluster: &Cluster) {
    let (_, quotas) = cluster.store.list(QUOTAS, None);
    for quota in quotas {
        let namespace = field(&quota, "/metadata/namespace");
        let hard = quota
            .pointer("/spec/hard")
            .cloned()
            .unwrap_or_else(|| json!({}));
        // Keys nothing counts (`limits.nvidia.com/gpu`) get no usage, as upstream leaves them.
        let used: serde_json::Map<String, Value> = quota_amounts(&quota, "/spec/hard")
            .keys()
            .filter(|key| {
                cluster
                    .catalogue()
                    .iter()
                    .any(|resource| counts(resource, key))
            })
            .map(|key| {
                (
                    key.clone(),
                    json!(quantity::format(usage(cluster, namespace, key))),
                )
            })
            .collect();
        let status = json!({"hard": hard, "used": used});
        if quota.get("status") == Some(&status) {
            continue;
        }
        let mut next = quota.clone();
        next["status"] = status;
        // A conflict means someone wrote in between; the next pass sees their write.
        let _ = cluster.store.replace(
            QUOTAS,
            namespace,
            field(&quota, "/metadata/name"),
            Some(field(&quota, "/metadata/resourceVersion")),
            next,
        );
    }
    workspace_quota_pass(cluster);
}

/// KubeSphere's quota controller: a workspace quota's `status.total` is what the namespaces its
/// selector picks use together, `status.namespaces` what each uses.
fn workspace_quota_pass(cluster: &Cluster) {
    let Some(resource) = cluster.resource(WORKSPACE_QUOTAS.0, WORKSPACE_QUOTAS.1) else {
        return;
    };
    let key = resource.store_key();
    let (_, quotas) = cluster.store.list(&key, None);
    for quota in quotas {
        let hard = quota
            .pointer("/spec/quota/hard")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let keys: Vec<String> = quota_amounts(&quota, "/spec/quota/hard")
            .into_keys()
            .filter(|key| {
                cluster
                    .catalogue()
                    .iter()
                    .any(|resource| counts(resource, key))
            })
            .collect();
        let mut total: BTreeMap<&str, Milli> = BTreeMap::new();
        let mut namespaces = Vec::new();
        for namespace in picked_namespaces(cluster, &quota) {
            let mut used = serde_json::Map::new();
            for key in &keys {
                let amount = usage(cluster, &namespace, key);
                *total.entry(key).or_insert(0) += amount;
                used.insert(key.clone(), json!(quantity::format(amount)));
            }
            namespaces.push(json!({"namespace": namespace, "hard": hard, "used": used}));
        }
        let used: serde_json::Map<String, Value> = keys
            .iter()
            .map(|key| {
                let amount = total.get(key.as_str()).copied().unwrap_or(0);
                (key.clone(), json!(quantity::format(amount)))
            })
            .collect();
        let status = json!({"total": {"hard": hard, "used": used}, "namespaces": namespaces});
        if quota.get("status") == Some(&status) {
            continue;
        }
        let mut next = quota.clone();
        next["status"] = status;
        let _ = cluster.store.replace(
            &key,
            "",
            field(&quota, "/metadata/name"),
            Some(field(&quota, "/metadata/resourceVersion")),
            next,
        );
    }
}
