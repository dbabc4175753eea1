//! The workload form's use-cases: what the cluster offers a new workload, the manifest a draft
//! makes (every input checked first, a wrong one named by its place in the form), what it would
//! use of the namespace's and the workspace's quotas, and its creation, images checked against
//! the registries kept where their registry is one of them.
//!
//! GPUs are written to both requests and limits, as Kubernetes requires for extended resources;
//! GPU products become required node affinity on `nvidia.com/gpu.product`.

use std::collections::BTreeMap;

use kubedesk_cluster::health::parse_quantity;
use kubedesk_cluster::new_workload;
use kubedesk_cluster::quotas::{self, Tenancy, format_amount};
use kubedesk_cluster::registry::parse_image;
use kubedesk_ipc::{self as ipc, EnvFrom, ProbeKind, VolumeFrom, WorkloadKind};
use serde_json::{Value, json};

use crate::App;
use crate::clusters::client;

/// A wrong input: where in the form, and why.
fn wrong(field: impl Into<String>, message: impl Into<String>) -> ipc::FieldProblem {
    ipc::FieldProblem {
        field: field.into(),
        message: message.into(),
    }
}

/// Whether `name` is a DNS label: lowercase letters, digits and '-', a letter or digit at each
/// end, at most 63 long.
fn is_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn check_label(field: &str, what: &str, name: &str) -> Result<String, ipc::FieldProblem> {
    let name = name.trim();
    if name.is_empty() {
        return Err(wrong(field, format!("Give the {what} a name.")));
    }
    if !is_label(name) {
        return Err(wrong(
            field,
            format!(
                "\"{name}\" is not a valid {what} name: use lowercase letters, digits and '-', starting and ending with a letter or digit (at most 63)."
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Splits a command line as a shell would: words, with '…' and "…" quoting.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            (None, c) => {
                current.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".to_owned());
    }
    if started {
        words.push(current);
    }
    Ok(words)
}

/// An amount of CPU or memory, checked; `None` when blank.
fn amount(field: &str, what: &str, text: &str) -> Result<Option<(String, f64)>, ipc::FieldProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match parse_quantity(text).filter(|value| value.is_finite() && *value >= 0.0) {
        Some(value) => Ok(Some((text.to_owned(), value))),
        None => Err(wrong(
            field,
            format!(
                "\"{text}\" is not an amount of {what}: write a number such as 500m, 2 or 16Gi."
            ),
        )),
    }
}

/// A port number or name, checked.
fn port(field: &str, text: &str) -> Result<Value, ipc::FieldProblem> {
    let text = text.trim();
    if let Ok(number) = text.parse::<u32>() {
        if (1..=65535).contains(&number) {
            return Ok(json!(number));
        }
    } else if is_label(text) && text.len() <= 15 {
        return Ok(json!(text));
    }
    Err(wrong(
        field,
        format!("\"{text}\" is not a port: write a number from 1 to 65535, or a port's name."),
    ))
}

fn probe(field: &str, draft: &ipc::ProbeDraft) -> Result<Option<Value>, ipc::FieldProblem> {
    Ok(match draft.kind {
        ProbeKind::None => None,
        ProbeKind::Http => {
            let path = draft.path.trim();
            let path = if path.is_empty() { "/" } else { path };
            if !path.starts_with('/') {
                return Err(wrong(
                    format!("{field}.path"),
                    format!("The probe's path \"{path}\" must start with '/'."),
                ));
            }
            Some(
                json!({"httpGet": {"path": path, "port": port(&format!("{field}.port"), &draft.port)?}}),
            )
        }
        ProbeKind::Tcp => {
            Some(json!({"tcpSocket": {"port": port(&format!("{field}.port"), &draft.port)?}}))
        }
        ProbeKind::Exec => {
            let command = words(&draft.command).map_err(|why| {
                wrong(
                    format!("{field}.command"),
                    format!("The probe's command: {why}."),
                )
            })?;
            if command.is_empty() {
                return Err(wrong(
                    format!("{field}.command"),
                    "Give the probe a command to run.",
                ));
            }
            Some(json!({"exec": {"command": command}}))
        }
    })
}

/// What a container, or a pod, asks for: requests and limits by resource.
#[derive(Debug, Default)]
struct Asks {
    requests: BTreeMap<String, f64>,
    limits: BTreeMap<String, f64>,
}

/// What one pod of `manifest` asks for as LimitRanger leaves it: each container's requests and
/// limits with the namespace's container `defaults` filling in what it leaves out, and a limit
/// alone taken as its request too; the containers summed, each init container counted alone.
fn pod_asks(manifest: &Value, defaults: &[quotas::ContainerDefaults]) -> Asks {
    let of = |container: &Value| {
        let read = |pointer: &str| -> BTreeMap<String, f64> {
            container
                .pointer(pointer)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(resource, amount)| {
                    Some((resource.clone(), parse_quantity(amount.as_str()?)?))
                })
                .collect()
        };
        let mut asks = Asks {
            requests: read("/resources/requests"),
            limits: read("/resources/limits"),
        };
        for range in defaults {
            for (resource, amount) in &range.default {
                if let Some(amount) = parse_quantity(amount) {
                    asks.limits.entry(resource.clone()).or_insert(amount);
                }
            }
            for (resource, amount) in &range.default_request {
                if let Some(amount) = parse_quantity(amount) {
                    asks.requests.entry(resource.clone()).or_insert(amount);
                }
            }
        }
        for (resource, amount) in asks.limits.clone() {
            asks.requests.entry(resource).or_insert(amount);
        }
        asks
    };
    let list = |key: &str| {
        manifest
            .pointer(&format!("/spec/template/spec/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut pod = Asks::default();
    for container in list("containers") {
        let asks = of(&container);
        for (resource, amount) in asks.requests {
            *pod.requests.entry(resource).or_default() += amount;
        }
        for (resource, amount) in asks.limits {
            *pod.limits.entry(resource).or_default() += amount;
        }
    }
    for init in list("initContainers") {
        let asks = of(&init);
        for (resource, amount) in asks.requests {
            let held = pod.requests.entry(resource).or_default();
            *held = held.max(amount);
        }
        for (resource, amount) in asks.limits {
            let held = pod.limits.entry(resource).or_default();
            *held = held.max(amount);
        }
    }
    pod
}

/// A container's manifest, checked; `place` is its place in the form (`containers.0`).
fn container(
    place: &str,
    draft: &ipc::ContainerDraft,
    volumes: &[String],
) -> Result<Value, ipc::FieldProblem> {
    let name = check_label(&format!("{place}.name"), "container", &draft.name)?;
    let image = draft.image.trim();
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err(wrong(
            format!("{place}.image"),
            format!(
                "Give container {name} an image, such as nginx:1.27 or registry.example.com/team/app:1.0."
            ),
        ));
    }
    let mut spec = json!({"name": name, "image": image});
    for (key, text) in [("command", &draft.command), ("args", &draft.args)] {
        let split = words(text).map_err(|why| {
            wrong(
                format!("{place}.{key}"),
                format!("The {key} of {name}: {why}."),
            )
        })?;
        if !split.is_empty() {
            spec[key] = json!(split);
        }
    }
    let mut requests = serde_json::Map::new();
    let mut limits = serde_json::Map::new();
    for (resource, what, request, limit) in [
        ("cpu", "CPU", &draft.cpu_request, &draft.cpu_limit),
        (
            "memory",
            "memory",
            &draft.memory_request,
            &draft.memory_limit,
        ),
    ] {
        let request = amount(&format!("{place}.{resource}_request"), what, request)?;
        let limit = amount(&format!("{place}.{resource}_limit"), what, limit)?;
        if let (Some((request, asked)), Some((limit, most))) = (&request, &limit)
            && asked > most
        {
            return Err(wrong(
                format!("{place}.{resource}_request"),
                format!(
                    "The {what} request of {name} ({request}) is more than its limit ({limit}); a request cannot exceed its limit."
                ),
            ));
        }
        if let Some((text, _)) = &request {
            requests.insert(resource.to_owned(), json!(text));
        }
        if let Some((text, _)) = &limit {
            limits.insert(resource.to_owned(), json!(text));
        }
    }
    let count = draft.gpu_count.trim();
    if !count.is_empty() {
        let resource = draft.gpu_type.trim();
        if !resource.contains('/') {
            return Err(wrong(
                format!("{place}.gpu_type"),
                format!(
                    "\"{resource}\" is not a GPU resource: choose one the cluster advertises, such as nvidia.com/gpu."
                ),
            ));
        }
        let gpus = count
            .parse::<u64>()
            .ok()
            .filter(|gpus| *gpus > 0)
            .ok_or_else(|| {
                wrong(
                    format!("{place}.gpu_count"),
                    format!(
                        "\"{count}\" is not a number of {resource}: GPUs are whole, at least 1."
                    ),
                )
            })?;
        // Extended resources cannot be overcommitted: requests equal limits.
        requests.insert(resource.to_owned(), json!(gpus.to_string()));
        limits.insert(resource.to_owned(), json!(gpus.to_string()));
    }
    if !requests.is_empty() || !limits.is_empty() {
        let mut resources = json!({});
        if !requests.is_empty() {
            resources["requests"] = Value::Object(requests);
        }
        if !limits.is_empty() {
            resources["limits"] = Value::Object(limits);
        }
        spec["resources"] = resources;
    }
    let mut env = Vec::new();
    for (index, variable) in draft.env.iter().enumerate() {
        let field = format!("{place}.env.{index}");
        let key = variable.name.trim();
        if key.is_empty() && variable.value.trim().is_empty() {
            continue;
        }
        let valid = key
            .chars()
            .next()
            .is_some_and(|first| !first.is_ascii_digit())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            return Err(wrong(
                format!("{field}.name"),
                format!(
                    "\"{key}\" is not an environment variable's name: use letters, digits, '_', '-' and '.', not starting with a digit."
                ),
            ));
        }
        let from = |kind: &str| -> Result<Value, ipc::FieldProblem> {
            let (object, entry) = (variable.value.trim(), variable.key.trim());
            if object.is_empty() || entry.is_empty() {
                return Err(wrong(
                    format!("{field}.value"),
                    format!("Choose the {kind} and the key that {key} takes its value from."),
                ));
            }
            Ok(json!({"name": object, "key": entry}))
        };
        env.push(match variable.from {
            EnvFrom::Value => json!({"name": key, "value": variable.value}),
            EnvFrom::ConfigMap => {
                json!({"name": key, "valueFrom": {"configMapKeyRef": from("ConfigMap")?}})
            }
            EnvFrom::Secret => json!({"name": key, "valueFrom": {"secretKeyRef": from("Secret")?}}),
        });
    }
    if !env.is_empty() {
        spec["env"] = json!(env);
    }
    let mut ports = Vec::new();
    for (index, entry) in draft.ports.iter().enumerate() {
        if entry.port.trim().is_empty() {
            continue;
        }
        let field = format!("{place}.ports.{index}");
        let number = port(&field, &entry.port)?;
        if !number.is_u64() {
            return Err(wrong(
                field,
                format!(
                    "A container port is a number from 1 to 65535, not \"{}\".",
                    entry.port.trim()
                ),
            ));
        }
        let protocol = match entry.protocol.trim() {
            "" => "TCP",
            protocol @ ("TCP" | "UDP" | "SCTP") => protocol,
            other => {
                return Err(wrong(
                    format!("{field}.protocol"),
                    format!("\"{other}\" is not a protocol: TCP, UDP or SCTP."),
                ));
            }
        };
        ports.push(json!({"containerPort": number, "protocol": protocol}));
    }
    if !ports.is_empty() {
        spec["ports"] = json!(ports);
    }
    let mut mounts = Vec::new();
    for (index, mount) in draft.mounts.iter().enumerate() {
        let field = format!("{place}.mounts.{index}");
        let volume = mount.volume.trim();
        if volume.is_empty() && mount.path.trim().is_empty() {
            continue;
        }
        if !volumes.iter().any(|name| name == volume) {
            return Err(wrong(
                format!("{field}.volume"),
                format!(
                    "Container {name} mounts \"{volume}\", which is not one of the pod's volumes; add it under Volumes first."
                ),
            ));
        }
        let path = mount.path.trim();
        if !path.starts_with('/') {
            return Err(wrong(
                format!("{field}.path"),
                format!(
                    "Where {name} mounts {volume}, \"{path}\", must be an absolute path such as /data."
                ),
            ));
        }
        let mut entry = json!({"name": volume, "mountPath": path});
        if mount.read_only {
            entry["readOnly"] = json!(true);
        }
        mounts.push(entry);
    }
    if !mounts.is_empty() {
        spec["volumeMounts"] = json!(mounts);
    }
    for (key, draft) in [
        ("readinessProbe", &draft.readiness),
        ("livenessProbe", &draft.liveness),
    ] {
        let field = if key == "readinessProbe" {
            "readiness"
        } else {
            "liveness"
        };
        if let Some(probe) = probe(&format!("{place}.{field}"), draft)? {
            spec[key] = probe;
        }
    }
    Ok(spec)
}

/// The manifest a draft makes, and its replicas; the first wrong input otherwise.
fn manifest(draft: &ipc::WorkloadDraft) -> Result<(Value, u64), ipc::FieldProblem> {
    let what = match draft.kind {
        WorkloadKind::Deployment => "Deployment",
        WorkloadKind::StatefulSet => "StatefulSet",
        WorkloadKind::Job => "Job",
    };
    let name = check_label("name", what, &draft.name)?;
    let namespace = draft.namespace.trim();
    if namespace.is_empty() {
        return Err(wrong("namespace", "Choose the namespace it goes in."));
    }
    let replicas_text = draft.replicas.trim();
    let replicas = if replicas_text.is_empty() {
        1
    } else {
        replicas_text.parse::<u64>().map_err(|_| {
            wrong(
                "replicas",
                format!("\"{replicas_text}\" is not a number of replicas: write a whole number such as 2."),
            )
        })?
    };
    if draft.kind == WorkloadKind::Job && replicas == 0 {
        return Err(wrong("replicas", "A Job runs at least one pod."));
    }
    let mut volumes = Vec::new();
    let mut volume_names = Vec::new();
    for (index, volume) in draft.volumes.iter().enumerate() {
        let field = format!("volumes.{index}");
        let volume_name = check_label(&format!("{field}.name"), "volume", &volume.name)?;
        if volume_names.contains(&volume_name) {
            return Err(wrong(
                format!("{field}.name"),
                format!("Two volumes are named {volume_name}; name each once."),
            ));
        }
        let object = volume.object.trim();
        let needs = |kind: &str| {
            if object.is_empty() {
                Err(wrong(
                    format!("{field}.object"),
                    format!("Choose the {kind} volume {volume_name} is."),
                ))
            } else {
                Ok(())
            }
        };
        let source = match volume.from {
            VolumeFrom::EmptyDir => json!({"emptyDir": {}}),
            VolumeFrom::Claim => {
                needs("PersistentVolumeClaim")?;
                json!({"persistentVolumeClaim": {"claimName": object}})
            }
            VolumeFrom::ConfigMap => {
                needs("ConfigMap")?;
                json!({"configMap": {"name": object}})
            }
            VolumeFrom::Secret => {
                needs("Secret")?;
                json!({"secret": {"secretName": object}})
            }
        };
        let mut entry = json!({"name": volume_name});
        if let (Value::Object(entry), Value::Object(source)) = (&mut entry, source) {
            entry.extend(source);
        }
        volumes.push(entry);
        volume_names.push(volume_name);
    }
    if draft.containers.is_empty() {
        return Err(wrong("containers", "Add a container."));
    }
    let mut seen = Vec::new();
    let mut containers = Vec::new();
    for (index, draft) in draft.containers.iter().enumerate() {
        let spec = container(&format!("containers.{index}"), draft, &volume_names)?;
        seen.push(spec["name"].clone());
        containers.push(spec);
    }
    let mut init_containers = Vec::new();
    for (index, draft) in draft.init_containers.iter().enumerate() {
        let place = format!("init_containers.{index}");
        let spec = container(&place, draft, &volume_names)?;
        if seen.contains(&spec["name"]) {
            return Err(wrong(
                format!("{place}.name"),
                format!(
                    "Two containers are named {}; name each once.",
                    spec["name"].as_str().unwrap_or_default()
                ),
            ));
        }
        seen.push(spec["name"].clone());
        init_containers.push(spec);
    }
    if let Some(index) = (1..containers.len()).find(|index| {
        containers[..*index]
            .iter()
            .any(|earlier| earlier["name"] == containers[*index]["name"])
    }) {
        return Err(wrong(
            format!("containers.{index}.name"),
            format!(
                "Two containers are named {}; name each once.",
                containers[index]["name"].as_str().unwrap_or_default()
            ),
        ));
    }
    let labels = json!({"app": name});
    let mut pod_spec = json!({"containers": containers});
    if !init_containers.is_empty() {
        pod_spec["initContainers"] = json!(init_containers);
    }
    if !volumes.is_empty() {
        pod_spec["volumes"] = json!(volumes);
    }
    let products: Vec<&str> = draft
        .gpu_products
        .iter()
        .map(|product| product.trim())
        .filter(|product| !product.is_empty())
        .collect();
    if !products.is_empty() {
        pod_spec["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": products}]}]}}});
    }
    let mut tolerations = Vec::new();
    for (index, toleration) in draft.tolerations.iter().enumerate() {
        let field = format!("tolerations.{index}");
        let operator = match toleration.operator.trim() {
            "" | "Exists" => "Exists",
            "Equal" => "Equal",
            other => {
                return Err(wrong(
                    format!("{field}.operator"),
                    format!("\"{other}\" is not an operator: Exists or Equal."),
                ));
            }
        };
        let effect = toleration.effect.trim();
        if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Err(wrong(
                format!("{field}.effect"),
                format!(
                    "\"{effect}\" is not an effect: NoSchedule, PreferNoSchedule or NoExecute."
                ),
            ));
        }
        let key = toleration.key.trim();
        if key.is_empty() && operator == "Equal" {
            return Err(wrong(
                format!("{field}.key"),
                "A toleration that matches a value needs the taint's key.",
            ));
        }
        let mut entry = json!({"operator": operator});
        if !key.is_empty() {
            entry["key"] = json!(key);
        }
        if operator == "Equal" {
            entry["value"] = json!(toleration.value.trim());
        }
        if !effect.is_empty() {
            entry["effect"] = json!(effect);
        }
        tolerations.push(entry);
    }
    if !tolerations.is_empty() {
        pod_spec["tolerations"] = json!(tolerations);
    }
    let count = i64::try_from(replicas).unwrap_or(i64::MAX);
    let metadata = json!({"name": name, "namespace": namespace, "labels": labels});
    let manifest = match draft.kind {
        WorkloadKind::Job => {
            pod_spec["restartPolicy"] = json!("Never");
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
                   "spec": {"parallelism": count, "completions": count,
                            "template": {"metadata": {"labels": labels}, "spec": pod_spec}}})
        }
        WorkloadKind::Deployment | WorkloadKind::StatefulSet => {
            let mut spec = json!({"replicas": count, "selector": {"matchLabels": labels},
                                  "template": {"metadata": {"labels": labels}, "spec": pod_spec}});
            if draft.kind == WorkloadKind::StatefulSet {
                spec["serviceName"] = json!(name);
            }
            json!({"apiVersion": "apps/v1", "kind": what, "metadata": metadata, "spec": spec})
        }
    };
    Ok((manifest, replicas))
}

/// What the workload adds to quota `key`: its pods' requests or limits times its replicas, its
/// pods, or itself as an object.
fn adds(key: &str, kind: WorkloadKind, pod: &Asks, replicas: u64) -> Option<f64> {
    let times = |amount: Option<&f64>| amount.map(|amount| amount * replicas as f64);
    let object = match kind {
        WorkloadKind::Deployment => "count/deployments.apps",
        WorkloadKind::StatefulSet => "count/statefulsets.apps",
        WorkloadKind::Job => "count/jobs.batch",
    };
    match key {
        "pods" | "count/pods" => Some(replicas as f64),
        "cpu" | "memory" => times(pod.requests.get(key)),
        _ if key == object => Some(1.0),
        _ => match key.split_once('.') {
            Some(("requests", resource)) => times(pod.requests.get(resource)),
            Some(("limits", resource)) if !resource.contains('/') => {
                times(pod.limits.get(resource))
            }
            _ => None,
        },
    }
    .filter(|amount| *amount > 0.0)
}

/// What the workload `manifest` would use of each quota of its namespace and its workspace,
/// its containers given the namespace's defaults.
fn quota_fit(
    tenancy: &Tenancy,
    namespace: &str,
    kind: WorkloadKind,
    manifest: &Value,
    replicas: u64,
) -> Vec<ipc::QuotaFit> {
    let Some(project) = tenancy
        .projects
        .iter()
        .find(|project| project.name == namespace)
    else {
        return Vec::new();
    };
    let pod = &pod_asks(manifest, &project.limit_ranges);
    let mut quotas: Vec<(String, &quotas::Amounts, &quotas::Amounts)> = project
        .quotas
        .iter()
        .map(|quota| {
            (
                format!("{namespace}/{}", quota.name),
                &quota.hard,
                &quota.used,
            )
        })
        .collect();
    if let Some(workspace) = &project.workspace
        && let Some(quota) = tenancy
            .workspaces
            .iter()
            .find(|found| &found.name == workspace)
            .and_then(|found| found.quota.as_ref())
            .filter(|quota| !quota.spread)
    {
        quotas.push((format!("workspace {workspace}"), &quota.hard, &quota.used));
    }
    let mut fits = Vec::new();
    for (name, hard, used) in quotas {
        for (key, limit) in hard {
            let Some(added) = adds(key, kind, pod, replicas) else {
                continue;
            };
            let now = used.get(key).cloned().unwrap_or_else(|| "0".to_owned());
            let total = parse_quantity(&now).unwrap_or(0.0) + added;
            fits.push(ipc::QuotaFit {
                quota: name.clone(),
                key: key.clone(),
                adds: format_amount(key, added),
                over: parse_quantity(limit).is_some_and(|limit| total > limit + 1e-9),
                used: now,
                hard: limit.clone(),
            });
        }
    }
    fits
}

fn unavailable(context: &str, error: &impl std::fmt::Display) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!("What {context} offers a new workload could not be read: {error}."),
        hint: Some(
            "Check that you may list the namespace's objects and the cluster's nodes.".to_owned(),
        ),
    }
}

/// What the cluster offers a new workload in the namespace.
pub async fn get_workload_choices(
    app: &App,
    request: ipc::GetWorkloadChoices,
) -> Result<ipc::WorkloadChoices, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let choices = new_workload::choices(&client, &request.namespace)
        .await
        .map_err(|error| unavailable(&request.context, &error))?;
    Ok(ipc::WorkloadChoices {
        namespaces: choices.namespaces,
        gpu_resources: choices.gpu_resources,
        gpu_products: choices.gpu_products,
        gpu_taints: choices
            .gpu_taints
            .into_iter()
            .map(|taint| ipc::TolerationDraft {
                key: taint.key,
                operator: "Exists".to_owned(),
                value: taint.value,
                effect: taint.effect,
            })
            .collect(),
        claims: choices.claims,
        config_maps: choices.config_maps,
        secrets: choices.secrets,
    })
}

/// The draft's manifest and what it would use of each quota, or what is wrong with it.
pub async fn preview_workload(
    app: &App,
    request: ipc::PreviewWorkload,
) -> Result<ipc::WorkloadPreview, ipc::Error> {
    let (manifest, replicas) = match manifest(&request.draft) {
        Ok(made) => made,
        Err(problem) => {
            return Ok(ipc::WorkloadPreview {
                problem: Some(problem),
                ..ipc::WorkloadPreview::default()
            });
        }
    };
    let client = client::client(app, &request.context).await?;
    let tenancy = quotas::read(&client)
        .await
        .map_err(|error| unavailable(&request.context, &error))?;
    Ok(ipc::WorkloadPreview {
        yaml: Some(kubedesk_cluster::apply::editable(&manifest)),
        problem: None,
        quota: quota_fit(
            &tenancy,
            request.draft.namespace.trim(),
            request.draft.kind,
            &manifest,
            replicas,
        ),
    })
}

/// Checks each image whose registry is kept in the app exists there.
async fn check_images(
    app: &App,
    draft: &ipc::WorkloadDraft,
) -> Result<Option<ipc::FieldProblem>, ipc::Error> {
    let places = draft
        .containers
        .iter()
        .enumerate()
        .map(|(index, container)| (format!("containers.{index}.image"), container))
        .chain(
            draft
                .init_containers
                .iter()
                .enumerate()
                .map(|(index, container)| (format!("init_containers.{index}.image"), container)),
        );
    for (field, container) in places {
        let image = container.image.trim();
        let Some(registry) = crate::registries::registry_of(app, image).await? else {
            continue;
        };
        let reference = parse_image(image);
        match registry
            .exists(&reference.repository, &reference.reference)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                let tags = registry
                    .tags(&reference.repository)
                    .await
                    .unwrap_or_default();
                let known = if tags.is_empty() {
                    format!("the registry has no {}", reference.repository)
                } else {
                    format!("its tags there are {}", tags.join(", "))
                };
                return Ok(Some(wrong(
                    field,
                    format!(
                        "The image {image} does not exist in {}: {known}.",
                        registry.url()
                    ),
                )));
            }
            Err(error) => {
                return Ok(Some(wrong(
                    field,
                    format!("The image {image} could not be checked: {error}."),
                )));
            }
        }
    }
    Ok(None)
}

/// Creates the workload, once its inputs and images check out.
pub async fn create_workload(
    app: &App,
    request: ipc::CreateWorkload,
) -> Result<ipc::WorkloadOutcome, ipc::Error> {
    let (manifest, _) = match manifest(&request.draft) {
        Ok(made) => made,
        Err(problem) => return Ok(ipc::WorkloadOutcome::Invalid(problem)),
    };
    if let Some(problem) = check_images(app, &request.draft).await? {
        return Ok(ipc::WorkloadOutcome::Invalid(problem));
    }
    let client = client::client(app, &request.context).await?;
    new_workload::create(&client, &manifest)
        .await
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Internal,
            message: error.to_string(),
            hint: Some(
                "Change what the message names and try again; what you typed is kept.".to_owned(),
            ),
        })?;
    Ok(ipc::WorkloadOutcome::Created {
        name: request.draft.name.trim().to_owned(),
    })
}
