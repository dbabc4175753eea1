//! Three PATCH formats: JSON merge patch, JSON patch and strategic merge patch (apply, the fourth,
//! is field management's: `managed.rs`).

use serde_json::{Map, Value};

/// The field whose value identifies an item in a list that strategic merge patch merges by key.
pub(crate) fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "env" => Some("name"),
        "ports" => Some("containerPort"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" | "addresses" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        _ => None,
    }
}

/// RFC 7386: `null` removes, objects merge, everything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

/// A JSON patch that is malformed or does not apply, with the reason.
#[derive(Debug, thiserror::Error)]
pub enum JsonPatchError {
    /// The body is not a list of operations.
    #[error("the JSON patch is malformed: {0}")]
    Malformed(serde_json::Error),
    /// An operation failed: a `test` that did not hold, or a path that does not exist.
    #[error(transparent)]
    Failed(#[from] json_patch::PatchError),
}

/// RFC 6902; a failing `test` or a bad path is an error with the reason.
pub fn json(target: &mut Value, patch: Value) -> Result<(), JsonPatchError> {
    let patch: json_patch::Patch =
        serde_json::from_value(patch).map_err(JsonPatchError::Malformed)?;
    Ok(json_patch::patch(target, &patch)?)
}

/// Strategic merge patch, as kubectl's client-side apply sends it: lists of known fields merge by
/// their key, and the `$patch`, `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList`
/// directives are obeyed and never stored.
pub fn strategic(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => strategic_map(target, patch),
        (target, patch) => *target = strip_directives(patch),
    }
}

fn strategic_map(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(&Value::Object(patch.clone()))
            .as_object()
            .cloned()
            .unwrap_or_default();
        return;
    }
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        target.retain(|key, _| keep.contains(&key.as_str()));
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(remove)) =
                (target.get_mut(field), value)
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => {
                let slot = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Some(slot) = slot.as_object_mut() {
                    strategic_map(slot, inner);
                }
            }
            Value::Array(items) => match merge_key(key) {
                Some(merge_key) if items.iter().all(Value::is_object) => {
                    let slot = target
                        .entry(key.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if !slot.is_array() {
                        *slot = Value::Array(Vec::new());
                    }
                    if let Some(list) = slot.as_array_mut() {
                        merge_list(list, items, merge_key);
                    }
                }
                _ if key == "finalizers" => {
                    let slot = target
                        .entry(key.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Some(list) = slot.as_array_mut() {
                        for item in items {
                            if !list.contains(item) {
                                list.push(item.clone());
                            }
                        }
                    }
                }
                _ => {
                    target.insert(key.clone(), strip_directives(value));
                }
            },
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn merge_list(list: &mut Vec<Value>, patch: &[Value], merge_key: &str) {
    for item in patch {
        let id = item.get(merge_key).cloned();
        let position = list
            .iter()
            .position(|existing| existing.get(merge_key) == id.as_ref());
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(index), true) => {
                list.remove(index);
            }
            (None, true) => {}
            (Some(index), false) => strategic(&mut list[index], item),
            (None, false) => list.push(strip_directives(item)),
        }
    }
}

/// The value without any `$` directive keys, at any depth.
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !key.starts_with('$'))
                .map(|(key, value)| (key.clone(), strip_directives(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kubectl_apply_changes_one_container_image_without_losing_the_others() {
        let mut deployment = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "busybox"}
        ]}}}});
        let patch = json!({"spec": {"replicas": 3, "template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
            "containers": [{"image": "nginx:1.28", "name": "nginx"}]}}}});
        strategic(&mut deployment, &patch);
        assert_eq!(deployment["spec"]["replicas"], 3);
        let containers = deployment["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0]["image"], "nginx:1.28");
        assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
        assert!(
            deployment["spec"]["template"]["spec"]
                .get("$setElementOrder/containers")
                .is_none()
        );
    }

    #[test]
    fn strategic_directives_delete_items_and_replace_maps() {
        let mut pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "tolerations": [{"key": "x"}]}, "metadata": {"finalizers": ["one"]}});
        strategic(
            &mut pod,
            &json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}], "tolerations": [{"key": "y"}]}, "metadata": {"$deleteFromPrimitiveList/finalizers": ["one"]}}),
        );
        assert_eq!(pod["spec"]["containers"], json!([{"name": "b"}]));
        assert_eq!(pod["spec"]["tolerations"], json!([{"key": "y"}]));
        assert_eq!(pod["metadata"]["finalizers"], json!([]));
    }

    #[test]
    fn a_failing_json_patch_test_is_an_error() {
        let mut object = json!({"a": 1});
        assert!(
            json(
                &mut object,
                json!([{"op": "test", "path": "/a", "value": 2}])
            )
            .is_err()
        );
        json(
            &mut object,
            json!([{"op": "replace", "path": "/a", "value": 3}]),
        )
        .unwrap();
        assert_eq!(object["a"], 3);
    }
}
