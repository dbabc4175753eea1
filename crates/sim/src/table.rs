//! `Table` responses for `kubectl get`: per-kind columns as the upstream printers draw them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::catalogue::ResourceType;
use crate::objects;

/// The Accept entry that asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.split(',').any(|entry| {
        let entry = entry.replace(' ', "");
        entry.contains("as=Table") && entry.contains("g=meta.k8s.io")
    })
}

struct Column {
    name: &'static str,
    kind: &'static str,
    priority: u8,
    cell: fn(&Value, DateTime<Utc>) -> Value,
}

fn text(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .map(|value| {
            value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned)
        })
        .unwrap_or_default()
}

fn number(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn name(object: &Value, _: DateTime<Utc>) -> Value {
    json!(text(object, "/metadata/name"))
}

fn age(object: &Value, now: DateTime<Utc>) -> Value {
    let created = object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|stamp| DateTime::parse_from_rfc3339(stamp).ok());
    json!(created.map_or_else(
        || "<unknown>".to_owned(),
        |created| human_duration((now - created.with_timezone(&Utc)).num_seconds())
    ))
}

/// kubectl's `duration.HumanDuration`.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        let rest = seconds % 60;
        if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        }
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        let rest = minutes % 60;
        if rest == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let rest = hours % 24;
        if rest == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{rest}h")
        }
    } else if days < 365 * 2 {
        format!("{days}d")
    } else {
        format!("{}y{}d", days / 365, days % 365)
    }
}

fn pod_ready(object: &Value, _: DateTime<Utc>) -> Value {
    let statuses = object
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total = object
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let ready = statuses
        .iter()
        .filter(|status| status["ready"] == true)
        .count();
    json!(format!("{ready}/{total}"))
}

fn pod_status(object: &Value, _: DateTime<Utc>) -> Value {
    if object.pointer("/metadata/deletionTimestamp").is_some() {
        return json!("Terminating");
    }
    let waiting = objects::waiting_reason(object);
    // A finished container shows why it ended: Completed, Error, OOMKilled.
    let terminated = object
        .pointer("/status/containerStatuses/0/state/terminated/reason")
        .and_then(Value::as_str);
    json!(
        waiting
            .or(terminated)
            .map_or_else(|| text(object, "/status/phase"), str::to_owned)
    )
}

fn pod_restarts(object: &Value, _: DateTime<Utc>) -> Value {
    let statuses = object
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    json!(
        statuses
            .iter()
            .map(|status| status["restartCount"].as_i64().unwrap_or(0))
            .sum::<i64>()
    )
}

fn columns(resource: &ResourceType) -> Vec<Column> {
    let name_column = Column {
        name: "Name",
        kind: "string",
        priority: 0,
        cell: name,
    };
    let age_column = Column {
        name: "Age",
        kind: "string",
        priority: 0,
        cell: age,
    };
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("", "pods") => vec![
            name_column,
            Column {
                name: "Ready",
                kind: "string",
                priority: 0,
                cell: pod_ready,
            },
            Column {
                name: "Status",
                kind: "string",
                priority: 0,
                cell: pod_status,
            },
            Column {
                name: "Restarts",
                kind: "integer",
                priority: 0,
                cell: pod_restarts,
            },
            age_column,
            Column {
                name: "IP",
                kind: "string",
                priority: 1,
                cell: |object, _| json!(text(object, "/status/podIP")),
            },
            Column {
                name: "Node",
                kind: "string",
                priority: 1,
                cell: |object, _| json!(text(object, "/spec/nodeName")),
            },
        ],
        ("", "namespaces") => vec![
            name_column,
            Column {
                name: "Status",
                kind: "string",
                priority: 0,
                cell: |object, _| json!(text(object, "/status/phase")),
            },
            age_column,
        ],
        ("", "configmaps") => vec![
            name_column,
            Column {
                name: "Data",
                kind: "integer",
                priority: 0,
                cell: |object, _| {
                    json!(
                        object
                            .get("data")
                            .and_then(Value::as_object)
                            .map_or(0, |data| data.len())
                    )
                },
            },
            age_column,
        ],
        ("", "nodes") => vec![
            name_column,
            Column {
                name: "Status",
                kind: "string",
                priority: 0,
                cell: |object, _| {
                    let ready = object
                        .pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .and_then(|conditions| {
                            conditions
                                .iter()
                                .find(|condition| condition["type"] == "Ready")
                        })
                        .map(|condition| condition["status"] == "True");
                    json!(if ready == Some(true) {
                        "Ready"
                    } else {
                        "NotReady"
                    })
                },
            },
            age_column,
            Column {
                name: "Version",
                kind: "string",
                priority: 0,
                cell: |object, _| json!(text(object, "/status/nodeInfo/kubeletVersion")),
            },
        ],
        ("apps", "deployments") => vec![
            name_column,
            Column {
                name: "Ready",
                kind: "string",
                priority: 0,
                cell: |object, _| {
                    json!(format!(
                        "{}/{}",
                        number(object, "/status/readyReplicas"),
                        number(object, "/spec/replicas")
                    ))
                },
            },
            Column {
                name: "Up-to-date",
                kind: "integer",
                priority: 0,
                cell: |object, _| json!(number(object, "/status/updatedReplicas")),
            },
            Column {
                name: "Available",
                kind: "integer",
                priority: 0,
                cell: |object, _| json!(number(object, "/status/availableReplicas")),
            },
            age_column,
        ],
        ("apps", "replicasets") => vec![
            name_column,
            column("Desired", "integer", |object, _| {
                json!(number(object, "/spec/replicas"))
            }),
            column("Current", "integer", |object, _| {
                json!(number(object, "/status/replicas"))
            }),
            column("Ready", "integer", |object, _| {
                json!(number(object, "/status/readyReplicas"))
            }),
            age_column,
        ],
        ("apps", "statefulsets") => vec![
            name_column,
            column("Ready", "string", |object, _| {
                json!(format!(
                    "{}/{}",
                    number(object, "/status/readyReplicas"),
                    number(object, "/spec/replicas")
                ))
            }),
            age_column,
        ],
        ("apps", "daemonsets") => vec![
            name_column,
            column("Desired", "integer", |object, _| {
                json!(number(object, "/status/desiredNumberScheduled"))
            }),
            column("Current", "integer", |object, _| {
                json!(number(object, "/status/currentNumberScheduled"))
            }),
            column("Ready", "integer", |object, _| {
                json!(number(object, "/status/numberReady"))
            }),
            column("Up-to-date", "integer", |object, _| {
                json!(number(object, "/status/updatedNumberScheduled"))
            }),
            column("Available", "integer", |object, _| {
                json!(number(object, "/status/numberAvailable"))
            }),
            column("Node Selector", "string", |object, _| {
                let selector = object
                    .pointer("/spec/template/spec/nodeSelector")
                    .and_then(Value::as_object);
                json!(selector.filter(|map| !map.is_empty()).map_or_else(
                    || "<none>".to_owned(),
                    |map| {
                        map.iter()
                            .map(|(key, value)| {
                                format!("{key}={}", value.as_str().unwrap_or_default())
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    },
                ))
            }),
            age_column,
        ],
        ("batch", "jobs") => vec![
            name_column,
            column("Status", "string", |object, _| {
                let condition = |kind: &str| {
                    object
                        .pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .is_some_and(|conditions| {
                            conditions.iter().any(|condition| {
                                condition["type"] == kind && condition["status"] == "True"
                            })
                        })
                };
                json!(if condition("Complete") {
                    "Complete"
                } else if condition("Failed") {
                    "Failed"
                } else if object.pointer("/spec/suspend") == Some(&Value::Bool(true)) {
                    "Suspended"
                } else {
                    "Running"
                })
            }),
            column("Completions", "string", |object, _| {
                json!(format!(
                    "{}/{}",
                    number(object, "/status/succeeded"),
                    number(object, "/spec/completions").max(1)
                ))
            }),
            column("Duration", "string", |object, now| {
                let time = |pointer: &str| {
                    object
                        .pointer(pointer)
                        .and_then(Value::as_str)
                        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                        .map(|time| time.with_timezone(&Utc))
                };
                json!(time("/status/startTime").map_or_else(String::new, |start| {
                    human_duration(
                        (time("/status/completionTime").unwrap_or(now) - start).num_seconds(),
                    )
                }))
            }),
            age_column,
        ],
        ("batch", "cronjobs") => vec![
            name_column,
            column("Schedule", "string", |object, _| {
                json!(text(object, "/spec/schedule"))
            }),
            column("Timezone", "string", |object, _| {
                json!(
                    object
                        .pointer("/spec/timeZone")
                        .and_then(Value::as_str)
                        .unwrap_or("<none>")
                )
            }),
            column("Suspend", "boolean", |object, _| {
                json!(object.pointer("/spec/suspend") == Some(&Value::Bool(true)))
            }),
            column("Active", "integer", |object, _| {
                json!(
                    object
                        .pointer("/status/active")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                )
            }),
            column("Last Schedule", "string", |object, now| {
                let last = object
                    .pointer("/status/lastScheduleTime")
                    .and_then(Value::as_str)
                    .and_then(|text| DateTime::parse_from_rfc3339(text).ok());
                json!(last.map_or_else(
                    || "<none>".to_owned(),
                    |last| human_duration((now - last.with_timezone(&Utc)).num_seconds())
                ))
            }),
            age_column,
        ],
        ("coordination.k8s.io", "leases") => vec![
            name_column,
            column("Holder", "string", |object, _| {
                json!(text(object, "/spec/holderIdentity"))
            }),
            age_column,
        ],
        ("", "persistentvolumeclaims") => vec![
            name_column,
            column("Status", "string", |object, _| {
                if object.pointer("/metadata/deletionTimestamp").is_some() {
                    json!("Terminating")
                } else {
                    json!(text(object, "/status/phase"))
                }
            }),
            column("Volume", "string", |object, _| {
                json!(text(object, "/spec/volumeName"))
            }),
            column("Capacity", "string", |object, _| {
                json!(text(object, "/status/capacity/storage"))
            }),
            column("Access Modes", "string", |object, _| {
                access_modes(object, "/status/accessModes")
            }),
            column("StorageClass", "string", |object, _| {
                json!(text(object, "/spec/storageClassName"))
            }),
            column("VolumeAttributesClass", "string", |object, _| {
                json!(
                    object
                        .pointer("/spec/volumeAttributesClassName")
                        .and_then(Value::as_str)
                        .unwrap_or("<unset>")
                )
            }),
            age_column,
        ],
        ("storage.k8s.io", "storageclasses") => vec![
            // The default class is named so, as upstream's printer names it.
            Column {
                cell: |object, now| {
                    let default = [
                        "storageclass.kubernetes.io/is-default-class",
                        "storageclass.beta.kubernetes.io/is-default-class",
                    ]
                    .iter()
                    .any(|key| {
                        object
                            .pointer("/metadata/annotations")
                            .and_then(|annotations| annotations.get(*key))
                            .and_then(Value::as_str)
                            == Some("true")
                    });
                    let name = name(object, now);
                    if default {
                        json!(format!("{} (default)", name.as_str().unwrap_or_default()))
                    } else {
                        name
                    }
                },
                ..name_column
            },
            column("Provisioner", "string", |object, _| {
                json!(text(object, "/provisioner"))
            }),
            column("ReclaimPolicy", "string", |object, _| {
                json!(or(text(object, "/reclaimPolicy"), "Delete"))
            }),
            column("VolumeBindingMode", "string", |object, _| {
                json!(or(text(object, "/volumeBindingMode"), "Immediate"))
            }),
            column("AllowVolumeExpansion", "string", |object, _| {
                json!(or(text(object, "/allowVolumeExpansion"), "false"))
            }),
            age_column,
        ],
        ("", "persistentvolumes") => vec![
            name_column,
            column("Capacity", "string", |object, _| {
                json!(text(object, "/spec/capacity/storage"))
            }),
            column("Access Modes", "string", |object, _| {
                access_modes(object, "/spec/accessModes")
            }),
            column("Reclaim Policy", "string", |object, _| {
                json!(or(
                    text(object, "/spec/persistentVolumeReclaimPolicy"),
                    "Retain"
                ))
            }),
            column("Status", "string", |object, _| {
                if object.pointer("/metadata/deletionTimestamp").is_some() {
                    json!("Terminating")
                } else {
                    json!(text(object, "/status/phase"))
                }
            }),
            column("Claim", "string", |object, _| {
                let claim = text(object, "/spec/claimRef/name");
                json!(if claim.is_empty() {
                    String::new()
                } else {
                    format!("{}/{claim}", text(object, "/spec/claimRef/namespace"))
                })
            }),
            column("StorageClass", "string", |object, _| {
                json!(text(object, "/spec/storageClassName"))
            }),
            column("VolumeAttributesClass", "string", |object, _| {
                json!(or(
                    text(object, "/spec/volumeAttributesClassName"),
                    "<unset>"
                ))
            }),
            column("Reason", "string", |object, _| {
                json!(text(object, "/status/reason"))
            }),
            age_column,
        ],
        ("", "events") => vec![
            column("Last Seen", "string", |object, now| {
                let last = object
                    .pointer("/lastTimestamp")
                    .and_then(Value::as_str)
                    .and_then(|text| DateTime::parse_from_rfc3339(text).ok());
                json!(last.map_or_else(
                    || "<unknown>".to_owned(),
                    |last| human_duration((now - last.with_timezone(&Utc)).num_seconds())
                ))
            }),
            column("Type", "string", |object, _| json!(text(object, "/type"))),
            column("Reason", "string", |object, _| {
                json!(text(object, "/reason"))
            }),
            column("Object", "string", |object, _| {
                json!(format!(
                    "{}/{}",
                    text(object, "/involvedObject/kind").to_ascii_lowercase(),
                    text(object, "/involvedObject/name")
                ))
            }),
            column("Message", "string", |object, _| {
                json!(text(object, "/message"))
            }),
        ],
        _ => vec![name_column, age_column],
    }
}

/// `text`, or `default` when it is empty (a field the API leaves unset).
fn or<'a>(text: String, default: &'a str) -> std::borrow::Cow<'a, str> {
    if text.is_empty() {
        default.into()
    } else {
        text.into()
    }
}

/// Access modes as kubectl abbreviates them (`RWO,ROX`).
fn access_modes(object: &Value, pointer: &str) -> Value {
    let modes = object
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    json!(
        modes
            .iter()
            .filter_map(Value::as_str)
            .map(|mode| match mode {
                "ReadWriteOnce" => "RWO",
                "ReadOnlyMany" => "ROX",
                "ReadWriteMany" => "RWX",
                "ReadWriteOncePod" => "RWOP",
                other => other,
            })
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// A column shown by default.
fn column(
    name: &'static str,
    kind: &'static str,
    cell: fn(&Value, DateTime<Utc>) -> Value,
) -> Column {
    Column {
        name,
        kind,
        priority: 0,
        cell,
    }
}

/// A Table of objects; `headers` false leaves out the column definitions (later watch events).
pub fn table(
    resource: &ResourceType,
    objects: &[Value],
    revision: u64,
    now: DateTime<Utc>,
    headers: bool,
) -> Value {
    let columns = columns(resource);
    let definition = |name: &str, kind: &str, priority: u8| json!({"name": name, "type": kind, "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": priority});
    // A custom resource adds its definition's printer columns before Age.
    let custom = &resource.printer_columns;
    let (before, after) = columns.split_at(
        columns
            .len()
            .saturating_sub(usize::from(!custom.is_empty())),
    );
    let mut definitions: Vec<Value> = before
        .iter()
        .map(|column| definition(column.name, column.kind, column.priority))
        .collect();
    definitions.extend(
        custom.iter().map(|(name, kind, _)| {
            definition(name, if kind == "date" { "string" } else { kind }, 0)
        }),
    );
    definitions.extend(
        after
            .iter()
            .map(|column| definition(column.name, column.kind, column.priority)),
    );
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut cells: Vec<Value> = before.iter().map(|column| (column.cell)(object, now)).collect();
            cells.extend(custom.iter().map(|(_, kind, path)| printer_cell(object, kind, path, now)));
            cells.extend(after.iter().map(|column| (column.cell)(object, now)));
            json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object.get("metadata").cloned().unwrap_or_default()}})
        })
        .collect();
    let mut table = json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": revision.to_string()}, "rows": rows});
    if headers {
        table["columnDefinitions"] = json!(definitions);
    } else {
        table["columnDefinitions"] = json!([]);
    }
    table
}

/// A printer column's cell: the value at its JSON path, dates as ages.
fn printer_cell(object: &Value, kind: &str, path: &str, now: DateTime<Utc>) -> Value {
    let Some(value) = select(object, path) else {
        return json!("");
    };
    match (kind, value) {
        ("date", Value::String(stamp)) => DateTime::parse_from_rfc3339(stamp).map_or_else(
            |_| json!(stamp),
            |stamp| {
                json!(human_duration(
                    (now - stamp.with_timezone(&Utc)).num_seconds()
                ))
            },
        ),
        (_, Value::String(text)) => json!(text),
        (_, other) => other.clone(),
    }
}

/// The first value at a printer column's JSON path: fields, `[N]`, `[*]` and filters such as
/// `[?(@.type=="Succeeded")]`, the forms CRDs use.
fn select<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim().trim_start_matches('.');
    if path.is_empty() {
        return Some(value);
    }
    let end = path.find(['.', '[']).unwrap_or(path.len());
    let (name, rest) = path.split_at(end);
    let value = if name.is_empty() {
        value
    } else {
        value.get(name)?
    };
    let Some(bracketed) = rest.strip_prefix('[') else {
        return select(value, rest);
    };
    let close = bracketed.find(']')?;
    let (index, rest) = (&bracketed[..close], &bracketed[close + 1..]);
    let items = value.as_array()?;
    if let Some(filter) = index
        .strip_prefix("?(@.")
        .and_then(|filter| filter.strip_suffix(')'))
    {
        let (field, wanted) = filter.split_once("==")?;
        let wanted = wanted.trim().trim_matches(['"', '\'']);
        return items
            .iter()
            .filter(|item| item.get(field.trim()).and_then(Value::as_str) == Some(wanted))
            .find_map(|item| select(item, rest));
    }
    if index == "*" {
        return items.iter().find_map(|item| select(item, rest));
    }
    select(items.get(index.parse::<usize>().ok()?)?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_column_paths_select_fields_items_and_filters() {
        let object = json!({"spec": {"replicas": 3}, "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Succeeded", "status": "True"}]}});
        assert_eq!(select(&object, ".spec.replicas"), Some(&json!(3)));
        assert_eq!(
            select(&object, ".status.conditions[0].type"),
            Some(&json!("Ready"))
        );
        assert_eq!(
            select(
                &object,
                ".status.conditions[?(@.type==\"Succeeded\")].status"
            ),
            Some(&json!("True"))
        );
        assert_eq!(
            select(&object, ".status.conditions[*].status"),
            Some(&json!("False"))
        );
        assert_eq!(select(&object, ".status.missing"), None);
        assert_eq!(select(&object, ".status.conditions[9]"), None);
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400), "3d");
    }

    #[test]
    fn table_accept_headers_are_recognised() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
