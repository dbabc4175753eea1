//! Field management, as server-side apply keeps it: each manager's set of fields in
//! `metadata.managedFields` (FieldsV1), given to whoever changes a field with an update and to
//! whoever applies it; an apply that would change a field another manager owns is a conflict
//! unless forced, and a field an applier stops applying goes when nobody else owns it.
//!
//! Simplified from upstream's structured-merge-diff: lists merge by the strategic merge keys
//! `patch.rs` knows (one key field), `status` is not tracked, and scale writes count as updates.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::patch::merge_key;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A field of an object.
    Field(String),
    /// An item of a keyed list, by its key as JSON (`{"name":"api"}`).
    Key(String),
    /// An item of a list of scalars, by its value as JSON.
    Value(String),
}

/// A field path.
pub type Path = Vec<Step>;

/// A set of field paths.
pub type FieldSet = BTreeSet<Path>;

/// The metadata fields nobody manages.
const UNMANAGED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// The fields `object` sets.
pub fn fields_of(object: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Some(map) = object.as_object() {
        for (key, value) in map {
            match key.as_str() {
                "apiVersion" | "kind" | "status" => {}
                "metadata" => {
                    if let Some(metadata) = value.as_object() {
                        for (field, inner) in metadata {
                            if !UNMANAGED_METADATA.contains(&field.as_str()) {
                                walk(
                                    field,
                                    inner,
                                    vec![
                                        Step::Field("metadata".into()),
                                        Step::Field(field.clone()),
                                    ],
                                    &mut set,
                                );
                            }
                        }
                    }
                }
                _ => walk(key, value, vec![Step::Field(key.clone())], &mut set),
            }
        }
    }
    set
}

fn walk(field: &str, value: &Value, path: Path, set: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let mut next = path.clone();
                next.push(Step::Field(key.clone()));
                walk(key, inner, next, set);
            }
        }
        Value::Array(items) => match list_kind(field, items) {
            List::Keyed(key) => {
                for item in items {
                    let mut next = path.clone();
                    next.push(Step::Key(item_key(item, key)));
                    set.insert(next.clone());
                    if let Some(map) = item.as_object() {
                        for (inner_key, inner) in map {
                            let mut deeper = next.clone();
                            deeper.push(Step::Field(inner_key.clone()));
                            walk(inner_key, inner, deeper, set);
                        }
                    }
                }
            }
            List::Set => {
                for item in items {
                    let mut next = path.clone();
                    next.push(Step::Value(item.to_string()));
                    set.insert(next);
                }
            }
            List::Atomic => {
                set.insert(path);
            }
        },
        _ => {
            set.insert(path);
        }
    }
}

enum List {
    Keyed(&'static str),
    Set,
    Atomic,
}

fn list_kind(field: &str, items: &[Value]) -> List {
    match merge_key(field) {
        Some(key) if items.iter().all(|item| item.get(key).is_some()) => List::Keyed(key),
        _ if field == "finalizers" => List::Set,
        _ => List::Atomic,
    }
}

fn item_key(item: &Value, key: &str) -> String {
    json!({ key: item.get(key).cloned().unwrap_or(Value::Null) }).to_string()
}

/// The value at `path` in `object`.
pub fn value_at<'a>(object: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut here = object;
    for step in path {
        here = match step {
            Step::Field(field) => here.get(field)?,
            Step::Key(key) => {
                let key: Map<String, Value> = serde_json::from_str(key).ok()?;
                here.as_array()?.iter().find(|item| {
                    key.iter()
                        .all(|(field, wanted)| item.get(field) == Some(wanted))
                })?
            }
            Step::Value(value) => {
                let value: Value = serde_json::from_str(value).ok()?;
                here.as_array()?.iter().find(|item| **item == value)?
            }
        };
    }
    Some(here)
}

/// Removes the field at `path` from `object` (a list item, by its key or value).
fn remove_at(object: &mut Value, path: &[Step]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for step in parent_path {
        let next = match step {
            Step::Field(field) => here.get_mut(field),
            Step::Key(_) | Step::Value(_) => {
                let Some(found) = value_at(here, std::slice::from_ref(step)).cloned() else {
                    return;
                };
                here.as_array_mut()
                    .and_then(|items| items.iter_mut().find(|item| **item == found))
            }
        };
        let Some(next) = next else { return };
        here = next;
    }
    match last {
        Step::Field(field) => {
            if let Some(map) = here.as_object_mut() {
                map.remove(field);
            }
        }
        Step::Key(_) | Step::Value(_) => {
            let Some(found) = value_at(here, std::slice::from_ref(last)).cloned() else {
                return;
            };
            if let Some(items) = here.as_array_mut() {
                items.retain(|item| *item != found);
            }
        }
    }
}

/// A path as upstream's conflict messages write it: `.spec.containers[name="api"].image`.
pub fn path_text(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Field(field) => {
                text.push('.');
                text.push_str(field);
            }
            Step::Key(key) => {
                let key: Map<String, Value> = serde_json::from_str(key).unwrap_or_default();
                let parts: Vec<String> = key
                    .iter()
                    .map(|(field, value)| format!("{field}={value}"))
                    .collect();
                text.push_str(&format!("[{}]", parts.join(",")));
            }
            Step::Value(value) => text.push_str(&format!("[={value}]")),
        }
    }
    text
}

/// The FieldsV1 form of a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    #[derive(Default)]
    struct Node {
        member: bool,
        children: BTreeMap<String, Node>,
    }
    fn encode(step: &Step) -> String {
        match step {
            Step::Field(field) => format!("f:{field}"),
            Step::Key(key) => format!("k:{key}"),
            Step::Value(value) => format!("v:{value}"),
        }
    }
    fn render(node: &Node) -> Value {
        let mut map = Map::new();
        if node.member && !node.children.is_empty() {
            map.insert(".".into(), json!({}));
        }
        for (key, child) in &node.children {
            map.insert(key.clone(), render(child));
        }
        Value::Object(map)
    }
    let mut root = Node::default();
    for path in set {
        let mut node = &mut root;
        for step in path {
            node = node.children.entry(encode(step)).or_default();
        }
        node.member = true;
    }
    render(&root)
}

/// The set a FieldsV1 value holds.
pub fn from_fields_v1(fields: &Value) -> FieldSet {
    fn decode(key: &str) -> Option<Step> {
        let (kind, rest) = key.split_once(':')?;
        match kind {
            "f" => Some(Step::Field(rest.to_owned())),
            "k" => Some(Step::Key(rest.to_owned())),
            "v" => Some(Step::Value(rest.to_owned())),
            _ => None,
        }
    }
    fn read(map: &Map<String, Value>, prefix: &Path, set: &mut FieldSet) {
        for (key, value) in map {
            if key == "." {
                set.insert(prefix.clone());
                continue;
            }
            let Some(step) = decode(key) else { continue };
            let mut path = prefix.clone();
            path.push(step);
            match value.as_object() {
                Some(inner) if !inner.is_empty() => read(inner, &path, set),
                _ => {
                    set.insert(path);
                }
            }
        }
    }
    let mut set = FieldSet::new();
    if let Some(map) = fields.as_object() {
        read(map, &Vec::new(), &mut set);
    }
    set
}

/// One entry of `metadata.managedFields`.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    fields: FieldSet,
}

fn entries(object: &Value) -> Vec<Entry> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| Entry {
            manager: text(entry, "manager"),
            operation: text(entry, "operation"),
            api_version: text(entry, "apiVersion"),
            time: text(entry, "time"),
            fields: from_fields_v1(&entry["fieldsV1"]),
        })
        .collect()
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn store(object: &mut Value, entries: Vec<Entry>) {
    let list: Vec<Value> = entries
        .into_iter()
        .filter(|entry| !entry.fields.is_empty())
        .map(|entry| {
            json!({"manager": entry.manager, "operation": entry.operation, "apiVersion": entry.api_version,
                   "time": entry.time, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&entry.fields)})
        })
        .collect();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            metadata.remove("managedFields");
        } else {
            metadata.insert("managedFields".into(), Value::Array(list));
        }
    }
}

fn api_version(object: &Value) -> String {
    text(object, "apiVersion")
}

/// Records an update (create, replace, non-apply patch) by `manager` from `old` (None for a
/// create) to `new`: the manager owns what it set or changed, others lose what changed, and what
/// is gone is owned by nobody.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    let mut list = old.map(entries).unwrap_or_default();
    let present = fields_of(new);
    let changed: FieldSet = present
        .iter()
        .filter(|path| old.and_then(|old| value_at(old, path)) != value_at(new, path))
        .cloned()
        .collect();
    for entry in &mut list {
        entry
            .fields
            .retain(|path| present.contains(path) && !changed.contains(path));
    }
    if !changed.is_empty() {
        let version = api_version(new);
        match list
            .iter_mut()
            .find(|entry| entry.manager == manager && entry.operation == "Update")
        {
            Some(entry) => {
                entry.fields.extend(changed);
                entry.time = now.to_owned();
                entry.api_version = version;
            }
            None => list.push(Entry {
                manager: manager.to_owned(),
                operation: "Update".into(),
                api_version: version,
                time: now.to_owned(),
                fields: changed,
            }),
        }
    }
    store(new, list);
}

/// A field another manager owns with a different value than the apply's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager that owns it.
    pub manager: String,
    /// The API version it was set with.
    pub api_version: String,
    /// The field.
    pub path: Path,
}

/// Applies `applied` by `manager` to `current` (None when the object is new): the merged object
/// with its managed fields, or the conflicts when not forced.
pub fn apply(
    current: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, Vec<Conflict>> {
    let mut list = current.map(entries).unwrap_or_default();
    let owned = fields_of(applied);
    let mut conflicts = Vec::new();
    if let Some(current) = current {
        for entry in list.iter().filter(|entry| entry.manager != manager) {
            for path in entry.fields.intersection(&owned) {
                let before = value_at(current, path);
                let wanted = value_at(applied, path);
                let leaf = !matches!(path.last(), Some(Step::Key(_) | Step::Value(_)));
                if leaf && before.is_some() && before != wanted {
                    conflicts.push(Conflict {
                        manager: entry.manager.clone(),
                        api_version: entry.api_version.clone(),
                        path: path.clone(),
                    });
                }
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    let mut merged = current.cloned().unwrap_or_else(|| json!({}));
    merge(&mut merged, applied);
    // Forced, the fields change hands; what this manager no longer applies goes if nobody else
    // owns it.
    for conflict in &conflicts {
        for entry in &mut list {
            if entry.manager == conflict.manager {
                entry.fields.remove(&conflict.path);
            }
        }
    }
    let previous = list
        .iter()
        .find(|entry| entry.manager == manager && entry.operation == "Apply")
        .map(|entry| entry.fields.clone())
        .unwrap_or_default();
    for path in previous.difference(&owned) {
        let kept = list
            .iter()
            .any(|entry| entry.manager != manager && entry.fields.contains(path))
            || list.iter().any(|entry| {
                entry.manager == manager
                    && entry.operation != "Apply"
                    && entry.fields.contains(path)
            });
        if !kept {
            remove_at(&mut merged, path);
        }
    }
    list.retain(|entry| !(entry.manager == manager && entry.operation == "Apply"));
    list.push(Entry {
        manager: manager.to_owned(),
        operation: "Apply".into(),
        api_version: api_version(applied),
        time: now.to_owned(),
        fields: owned,
    });
    store(&mut merged, list);
    Ok(merged)
}

/// Merges an applied configuration into an object: maps field by field, keyed lists item by item,
/// other lists replaced whole.
fn merge(target: &mut Value, applied: &Value) {
    match (target, applied) {
        (Value::Object(target), Value::Object(applied)) => {
            for (key, value) in applied {
                if value.is_null() {
                    continue;
                }
                match (target.get_mut(key), value) {
                    (Some(slot @ Value::Object(_)), Value::Object(_)) => merge(slot, value),
                    (Some(Value::Array(slot)), Value::Array(items)) => {
                        match list_kind(key, items) {
                            List::Keyed(merge_key) => {
                                for item in items {
                                    let id = item.get(merge_key);
                                    match slot
                                        .iter_mut()
                                        .find(|existing| existing.get(merge_key) == id)
                                    {
                                        Some(existing) => merge(existing, item),
                                        None => slot.push(item.clone()),
                                    }
                                }
                            }
                            List::Set => {
                                for item in items {
                                    if !slot.contains(item) {
                                        slot.push(item.clone());
                                    }
                                }
                            }
                            List::Atomic => *slot = items.clone(),
                        }
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, applied) => *target = applied.clone(),
    }
}

/// Upstream's wording of an apply's conflicts.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    let mut by_manager: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for conflict in conflicts {
        by_manager
            .entry((&conflict.manager, &conflict.api_version))
            .or_default()
            .push(path_text(&conflict.path));
    }
    let count = conflicts.len();
    let parts: Vec<String> = by_manager
        .iter()
        .map(|((manager, version), paths)| {
            if paths.len() == 1 {
                format!("conflict with \"{manager}\" using {version}: {}", paths[0])
            } else {
                let lines: Vec<String> = paths.iter().map(|path| format!("- {path}")).collect();
                format!(
                    "conflicts with \"{manager}\" using {version}:\n{}",
                    lines.join("\n")
                )
            }
        })
        .collect();
    let noun = if count == 1 { "conflict" } else { "conflicts" };
    format!("Apply failed with {count} {noun}: {}", parts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(replicas: i64, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "api", "labels": {"app": "api"}},
               "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "api", "image": image}]}}}})
    }

    #[test]
    fn field_sets_round_trip_through_fields_v1() {
        let set = fields_of(&deployment(2, "api:1"));
        let encoded = to_fields_v1(&set);
        assert_eq!(
            encoded["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"api\"}"],
            json!({".": {}, "f:image": {}, "f:name": {}})
        );
        assert_eq!(encoded["f:metadata"]["f:labels"]["f:app"], json!({}));
        assert_eq!(from_fields_v1(&encoded), set);
    }

    #[test]
    fn an_apply_conflicts_with_another_managers_field_unless_forced() {
        let mut created = deployment(2, "api:1");
        record_update(None, &mut created, "kubectl-client-side-apply", "t0");
        let conflicts = apply(
            Some(&created),
            &deployment(5, "api:1"),
            "kubedesk",
            false,
            "t1",
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&conflicts),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        let forced = apply(
            Some(&created),
            &deployment(5, "api:2"),
            "kubedesk",
            true,
            "t1",
        )
        .unwrap();
        assert_eq!(forced["spec"]["replicas"], 5);
        let owners = entries(&forced);
        let applier = owners
            .iter()
            .find(|entry| entry.manager == "kubedesk")
            .unwrap();
        assert!(applier.fields.contains(&vec![
            Step::Field("spec".into()),
            Step::Field("replicas".into())
        ]));
        let other = owners
            .iter()
            .find(|entry| entry.manager == "kubectl-client-side-apply")
            .unwrap();
        assert!(!other.fields.contains(&vec![
            Step::Field("spec".into()),
            Step::Field("replicas".into())
        ]));
        // The same values are shared, not conflicts.
        assert!(
            apply(
                Some(&created),
                &deployment(2, "api:1"),
                "kubedesk",
                false,
                "t1"
            )
            .is_ok()
        );
    }

    #[test]
    fn a_field_no_longer_applied_goes_unless_another_manager_owns_it() {
        let first = apply(
            None,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}),
            "kubedesk",
            false,
            "t0",
        )
        .unwrap();
        let second = apply(
            Some(&first),
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}),
            "kubedesk",
            false,
            "t1",
        )
        .unwrap();
        assert_eq!(second["data"], json!({"a": "1"}));
    }

    #[test]
    fn an_update_takes_what_it_changed_from_the_other_managers() {
        let mut created = deployment(2, "api:1");
        record_update(None, &mut created, "kubectl-client-side-apply", "t0");
        let mut scaled = created.clone();
        scaled["spec"]["replicas"] = json!(4);
        record_update(Some(&created), &mut scaled, "kubectl-scale", "t1");
        let owners = entries(&scaled);
        let replicas = vec![Step::Field("spec".into()), Step::Field("replicas".into())];
        assert!(
            owners
                .iter()
                .any(|entry| entry.manager == "kubectl-scale" && entry.fields.contains(&replicas))
        );
        assert!(
            !owners
                .iter()
                .any(|entry| entry.manager == "kubectl-client-side-apply"
                    && entry.fields.contains(&replicas))
        );
        assert_eq!(
            path_text(&[
                Step::Field("spec".into()),
                Step::Field("containers".into()),
                Step::Key("{\"name\":\"api\"}".into()),
                Step::Field("image".into())
            ]),
            ".spec.containers[name=\"api\"].image"
        );
    }
}
