//! What the server does to an object on its way into the store: identity, metadata, defaults,
//! and the validation the real API server answers 400 or 422 for.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::catalogue::ResourceType;
use crate::status::Failure;

/// A string at a JSON pointer of an object (`/metadata/name`); empty when absent.
pub fn field<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Why a pod's first waiting container waits (`ContainerCreating`, `ImagePullBackOff`), if one does.
pub fn waiting_reason(pod: &Value) -> Option<&str> {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|status| {
            status
                .pointer("/state/waiting/reason")
                .and_then(Value::as_str)
        })
}

/// RFC 3339 with second precision, as the API server writes timestamps.
pub fn timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Why `name` is not a valid name for an object of `resource`, worded as upstream's validation
/// words it; `None` when it is valid. Most objects are named like DNS subdomains, namespaces like
/// DNS labels, and RBAC objects by path segment (`system:basic-user`).
pub fn invalid_name(resource: &ResourceType, name: &str) -> Option<String> {
    let label = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if resource.group == "rbac.authorization.k8s.io" {
        return match name {
            "" => Some("name or generateName is required".into()),
            "." | ".." => Some(format!("may not be '{name}'")),
            _ if name.contains('/') => Some("may not contain '/'".into()),
            _ if name.contains('%') => Some("may not contain '%'".into()),
            _ => None,
        };
    }
    if resource.kind == "Namespace" {
        return (name.len() > 63 || !label(name)).then(|| LABEL_RULE.to_owned());
    }
    (name.len() > 253 || !name.split('.').all(label)).then(|| SUBDOMAIN_RULE.to_owned())
}

const SUBDOMAIN_RULE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Checks the body's kind and apiVersion against the URL's resource and fills them in.
pub fn check_type(resource: &ResourceType, object: &mut Value) -> Result<(), Failure> {
    let Some(map) = object.as_object_mut() else {
        return Err(Failure::bad_request(
            "the body of the request must be a JSON object",
        ));
    };
    let expected = resource.api_version();
    if let Some(found) = map.get("apiVersion").and_then(Value::as_str)
        && found != expected
    {
        return Err(Failure::bad_request(format!(
            "the API version in the data ({found}) does not match the expected API version ({expected})"
        )));
    }
    if let Some(found) = map.get("kind").and_then(Value::as_str)
        && found != resource.kind
    {
        return Err(Failure::bad_request(format!(
            "the kind in the data ({found}) does not match the expected kind ({})",
            resource.kind
        )));
    }
    map.insert("apiVersion".into(), json!(expected));
    map.insert("kind".into(), json!(resource.kind));
    if !map.get("metadata").is_some_and(Value::is_object) {
        map.insert("metadata".into(), json!({}));
    }
    Ok(())
}

/// Prepares a new object: name (or generateName), namespace, uid, timestamps, generation, defaults.
pub fn prepare_create(
    resource: &ResourceType,
    namespace: &str,
    mut object: Value,
    now: DateTime<Utc>,
) -> Result<Value, Failure> {
    check_type(resource, &mut object)?;
    let metadata = object
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Failure::bad_request("metadata must be an object"))?;
    if resource.namespaced {
        match metadata.get("namespace").and_then(Value::as_str) {
            Some(found) if !found.is_empty() && found != namespace => {
                return Err(Failure::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                metadata.insert("namespace".into(), json!(namespace));
            }
        }
    } else {
        metadata.remove("namespace");
    }
    let name = match (
        metadata.get("name").and_then(Value::as_str),
        metadata.get("generateName").and_then(Value::as_str),
    ) {
        (Some(name), _) if !name.is_empty() => name.to_owned(),
        (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", random_suffix()),
        _ => {
            return Err(Failure::invalid(
                resource,
                "",
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
    };
    if let Some(rule) = invalid_name(resource, &name) {
        return Err(Failure::invalid(
            resource,
            &name,
            "metadata.name",
            &format!("Invalid value: \"{name}\": {rule}"),
        ));
    }
    if metadata
        .get("resourceVersion")
        .and_then(Value::as_str)
        .is_some_and(|version| !version.is_empty())
    {
        return Err(Failure {
            code: 500,
            body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "resourceVersion should not be set on objects to be created", "reason": "InternalError", "code": 500}),
        });
    }
    metadata.insert("name".into(), json!(name));
    metadata.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    metadata.insert("creationTimestamp".into(), json!(timestamp(now)));
    metadata.insert("generation".into(), json!(1));
    metadata.remove("deletionTimestamp");
    metadata.remove("managedFields");
    default(resource, &mut object);
    validate(resource, &name, &object)?;
    Ok(object)
}

/// The upstream defaults that clients read.
/// Checks what upstream's validation of a kind checks beyond names (only what the simulator's
/// controllers need to be sound).
fn validate(resource: &ResourceType, name: &str, object: &Value) -> Result<(), Failure> {
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("batch", "cronjobs") => {
            let schedule = field(object, "/spec/schedule");
            if crate::controllers::Schedule::parse(schedule).is_none() {
                return Err(Failure::invalid(
                    resource,
                    name,
                    "spec.schedule",
                    &format!(
                        "Invalid value: \"{schedule}\": unparseable schedule; use five fields (minute hour day-of-month month day-of-week) or a macro such as @daily"
                    ),
                ));
            }
        }
        ("batch", "jobs") => {
            let policy = field(object, "/spec/template/spec/restartPolicy");
            if !matches!(policy, "Never" | "OnFailure") {
                return Err(Failure::invalid(
                    resource,
                    name,
                    "spec.template.spec.restartPolicy",
                    &format!(
                        "Unsupported value: \"{policy}\": supported values: \"OnFailure\", \"Never\""
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn default(resource: &ResourceType, object: &mut Value) {
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("", "namespaces") => {
            object["spec"] = json!({"finalizers": ["kubernetes"]});
            object["status"] = json!({"phase": "Active"});
        }
        ("batch", "jobs") => {
            // The Job's own selector: its uid, on the template's labels too (unless manual).
            let uid = object["metadata"]["uid"].clone();
            let name = object["metadata"]["name"].clone();
            let spec = &mut object["spec"];
            if spec["manualSelector"] != true {
                spec["selector"] =
                    json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
                let labels = &mut spec["template"]["metadata"]["labels"];
                for (key, value) in [
                    ("batch.kubernetes.io/controller-uid", &uid),
                    ("controller-uid", &uid),
                    ("batch.kubernetes.io/job-name", &name),
                    ("job-name", &name),
                ] {
                    labels[key] = value.clone();
                }
            }
            for (field, value) in [
                ("parallelism", json!(1)),
                ("completions", json!(1)),
                ("backoffLimit", json!(6)),
                ("completionMode", json!("NonIndexed")),
                ("suspend", json!(false)),
                ("podReplacementPolicy", json!("TerminatingOrFailed")),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
        }
        ("batch", "cronjobs") => {
            let spec = &mut object["spec"];
            for (field, value) in [
                ("concurrencyPolicy", json!("Allow")),
                ("suspend", json!(false)),
                ("successfulJobsHistoryLimit", json!(3)),
                ("failedJobsHistoryLimit", json!(1)),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
        }
        ("", "pods") => {
            let spec = &mut object["spec"];
            for (field, value) in [
                ("restartPolicy", json!("Always")),
                ("dnsPolicy", json!("ClusterFirst")),
                ("schedulerName", json!("default-scheduler")),
                ("terminationGracePeriodSeconds", json!(30)),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
            if object.pointer("/status/phase").is_none() {
                object["status"] = json!({"phase": "Pending"});
            }
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            // The real server accepts the names and establishes the type at once when nothing clashes.
            let names = object.pointer("/spec/names").cloned().unwrap_or_default();
            let storage = object
                .pointer("/spec/versions")
                .and_then(Value::as_array)
                .and_then(|versions| versions.iter().find(|version| version["storage"] == true))
                .and_then(|version| version["name"].as_str())
                .unwrap_or_default()
                .to_owned();
            object["status"] = json!({
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
                ],
                "acceptedNames": names,
                "storedVersions": [storage],
            });
        }
        ("storage.k8s.io", "storageclasses") => {
            for (field, value) in [
                ("reclaimPolicy", json!("Delete")),
                ("volumeBindingMode", json!("Immediate")),
            ] {
                if object.get(field).is_none() {
                    object[field] = value;
                }
            }
        }
        ("", "persistentvolumeclaims") => {
            if object.pointer("/status/phase").is_none() {
                object["status"] = json!({"phase": "Pending"});
            }
            if object.pointer("/spec/volumeMode").is_none() {
                object["spec"]["volumeMode"] = json!("Filesystem");
            }
        }
        ("apps", "statefulsets") => {
            let spec = &mut object["spec"];
            for (field, value) in [
                (
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                ),
                ("podManagementPolicy", json!("OrderedReady")),
                ("revisionHistoryLimit", json!(10)),
                (
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                ),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
        }
        ("apps", "daemonsets") => {
            let spec = &mut object["spec"];
            for (field, value) in [
                (
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                ),
                ("revisionHistoryLimit", json!(10)),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
        }
        ("apps", "deployments") => {
            let spec = &mut object["spec"];
            for (field, value) in [
                ("replicas", json!(1)),
                ("revisionHistoryLimit", json!(10)),
                ("progressDeadlineSeconds", json!(600)),
                (
                    "strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
                ),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = value;
                }
            }
            if object.get("status").is_none() {
                object["status"] = json!({});
            }
        }
        _ => {}
    }
}

/// Carries what a replacement may not change over from the stored object, and bumps the
/// generation when the spec changed. `subresource` is `status` for writes to `/status`.
pub fn prepare_replace(stored: &Value, mut object: Value, subresource: Option<&str>) -> Value {
    if subresource == Some("status") {
        let mut next = stored.clone();
        next["status"] = object.get("status").cloned().unwrap_or(Value::Null);
        if let Some(version) = object.pointer("/metadata/resourceVersion").cloned() {
            next["metadata"]["resourceVersion"] = version;
        }
        return next;
    }
    for field in [
        "uid",
        "creationTimestamp",
        "namespace",
        "name",
        "generation",
    ] {
        match stored.pointer(&format!("/metadata/{field}")) {
            Some(value) => object["metadata"][field] = value.clone(),
            None => {
                if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    metadata.remove(field);
                }
            }
        }
    }
    // The status belongs to the status subresource; the main resource keeps the stored one.
    match stored.get("status") {
        Some(status) => object["status"] = status.clone(),
        None => {
            if let Some(map) = object.as_object_mut() {
                map.remove("status");
            }
        }
    }
    if object.get("spec") != stored.get("spec") {
        let generation = stored
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        object["metadata"]["generation"] = json!(generation + 1);
    }
    object
}

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .take(5)
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::builtin;

    fn resource(plural: &str) -> ResourceType {
        builtin()
            .into_iter()
            .find(|resource| resource.plural == plural)
            .unwrap()
    }

    #[test]
    fn a_new_object_gets_its_identity_and_namespace_from_the_url() {
        let created = prepare_create(
            &resource("configmaps"),
            "ml",
            json!({"metadata": {"name": "cm1"}}),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(created["kind"], "ConfigMap");
        assert_eq!(created["metadata"]["namespace"], "ml");
        assert_eq!(created["metadata"]["generation"], 1);
        assert!(created["metadata"]["uid"].as_str().unwrap().len() == 36);
    }

    #[test]
    fn generate_name_picks_a_name_and_a_missing_name_is_invalid() {
        let created = prepare_create(
            &resource("configmaps"),
            "ml",
            json!({"metadata": {"generateName": "job-"}}),
            Utc::now(),
        )
        .unwrap();
        assert!(
            created["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("job-")
        );
        let error = prepare_create(
            &resource("configmaps"),
            "ml",
            json!({"metadata": {}}),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(error.code, 422);
        assert_eq!(
            error.body["message"],
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
    }

    #[test]
    fn bad_names_and_mismatched_namespaces_are_refused_as_upstream_refuses_them() {
        let error = prepare_create(
            &resource("configmaps"),
            "ml",
            json!({"metadata": {"name": "Bad_Name"}}),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(error.code, 422);
        assert!(error.body["message"].as_str().unwrap().starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
        let error = prepare_create(
            &resource("configmaps"),
            "ml",
            json!({"metadata": {"name": "x", "namespace": "other"}}),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(error.code, 400);
    }

    #[test]
    fn a_spec_change_bumps_the_generation_and_status_writes_touch_only_status() {
        let stored = json!({"metadata": {"name": "d", "uid": "u", "generation": 2}, "spec": {"replicas": 1}, "status": {"ready": 1}});
        let replaced = prepare_replace(
            &stored,
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}, "status": {"ready": 9}}),
            None,
        );
        assert_eq!(replaced["metadata"]["generation"], 3);
        assert_eq!(replaced["status"]["ready"], 1);
        let status = prepare_replace(
            &stored,
            json!({"spec": {"replicas": 7}, "status": {"ready": 2}}),
            Some("status"),
        );
        assert_eq!(status["spec"]["replicas"], 1);
        assert_eq!(status["status"]["ready"], 2);
    }
}
