//! Objects projected into table rows, as kubectl's printers show them: each kind's columns and
//! how its objects fill them. Only the row is kept; the object is dropped once projected.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use crate::health::parse_quantity;

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, sorted as text.
    Text(String),
    /// A number, sorted as a number.
    Number(f64),
    /// A moment (creation, last schedule), sorted by time; shown as an age.
    Time(Option<jiff::Timestamp>),
    /// A span of time in seconds (how long a Job ran), sorted by length.
    Duration(f64),
}

impl Cell {
    pub(crate) fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// Orders two cells of one column: numbers and times by value, text by text; a missing time
    /// sorts first.
    pub fn compare(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) | (Self::Duration(a), Self::Duration(b)) => {
                a.total_cmp(b)
            }
            (Self::Time(a), Self::Time(b)) => a.cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Text(_) => 0,
            Self::Number(_) => 1,
            Self::Time(_) => 2,
            Self::Duration(_) => 3,
        }
    }
}

/// A row as kept by [`Row::to_json`].
#[derive(serde::Deserialize)]
struct KeptRow {
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    cells: Vec<KeptCell>,
}

/// A cell as kept: `{"text": …}`, `{"number": …}`, `{"time": …}` or `{"seconds": …}`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum KeptCell {
    Text(String),
    Number(Option<f64>),
    Time(Option<String>),
    Seconds(Option<f64>),
}

/// One object as a row: where it is, its labels (for selectors), and its cells in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The namespace, for namespaced kinds.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The labels.
    pub labels: std::collections::BTreeMap<String, String>,
    /// The cells, one per column of the kind.
    pub cells: Vec<Cell>,
    /// Everything free text matches against, lower-cased.
    pub(crate) search: String,
}

impl Row {
    pub(crate) fn new(metadata: ObjectMeta, cells: Vec<Cell>) -> Self {
        let mut search = String::new();
        for part in [metadata.namespace.as_deref(), metadata.name.as_deref()]
            .into_iter()
            .flatten()
        {
            search.push_str(&part.to_lowercase());
            search.push('\u{1f}');
        }
        for cell in &cells {
            if let Cell::Text(text) = cell {
                search.push_str(&text.to_lowercase());
                search.push('\u{1f}');
            }
        }
        Self {
            namespace: metadata.namespace,
            name: metadata.name.unwrap_or_default(),
            labels: metadata.labels.unwrap_or_default(),
            cells,
            search,
        }
    }

    /// The row's labels and cells as JSON, to be kept (the offline store) and read back with
    /// [`Row::from_kept`].
    pub fn to_json(&self) -> serde_json::Value {
        let cells: Vec<serde_json::Value> = self
            .cells
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => serde_json::json!({"text": text}),
                Cell::Number(number) => serde_json::json!({"number": number}),
                Cell::Time(time) => serde_json::json!({"time": time.map(|time| time.to_string())}),
                Cell::Duration(seconds) => serde_json::json!({"seconds": seconds}),
            })
            .collect();
        serde_json::json!({"labels": self.labels, "cells": cells})
    }

    /// The row kept as `kept` (the text of [`Row::to_json`]) of the object `namespace`/`name`;
    /// `None` when `kept` is not such a row. Read straight into the row's types: a table
    /// opened offline reads 100,000 of them.
    pub fn from_kept(namespace: Option<String>, name: String, kept: &str) -> Option<Self> {
        let kept: KeptRow = serde_json::from_str(kept).ok()?;
        let cells = kept
            .cells
            .into_iter()
            .map(|cell| match cell {
                KeptCell::Text(text) => Cell::Text(text),
                KeptCell::Number(number) => Cell::Number(number.unwrap_or(f64::NAN)),
                KeptCell::Seconds(seconds) => Cell::Duration(seconds.unwrap_or(f64::NAN)),
                KeptCell::Time(time) => Cell::Time(time.and_then(|time| time.parse().ok())),
            })
            .collect();
        Some(Self::new(
            ObjectMeta {
                namespace,
                name: Some(name),
                labels: Some(kept.labels),
                ..ObjectMeta::default()
            },
            cells,
        ))
    }

    /// The row's identity in its table: `namespace/name`, or the name.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{namespace}/{name}", name = self.name),
            None => self.name.clone(),
        }
    }
}

/// The kinds with a table of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Pods.
    Pods,
    /// Deployments.
    Deployments,
    /// StatefulSets.
    StatefulSets,
    /// DaemonSets.
    DaemonSets,
    /// ReplicaSets.
    ReplicaSets,
    /// Jobs.
    Jobs,
    /// CronJobs.
    CronJobs,
    /// Nodes.
    Nodes,
}

impl Kind {
    /// The columns after Namespace and Name, as kubectl's wide output names them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Pods => &["Ready", "Status", "Restarts", "Age", "IP", "Node", "GPUs"],
            Kind::Deployments => &["Ready", "Up-to-date", "Available", "Age", "Images"],
            Kind::StatefulSets => &["Ready", "Age", "Images"],
            Kind::DaemonSets => &[
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Node selector",
                "Age",
            ],
            Kind::ReplicaSets => &["Desired", "Current", "Ready", "Age", "Images"],
            Kind::Jobs => &["Status", "Completions", "Duration", "Age"],
            Kind::CronJobs => &["Schedule", "Suspend", "Active", "Last schedule", "Age"],
            Kind::Nodes => &["Status", "Roles", "Age", "Version", "GPUs"],
        }
    }

    /// Whether its objects live in namespaces.
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Nodes)
    }

    /// Its API group, version, kind name and resource (`apps`, `v1`, `Deployment`, `deployments`).
    pub fn resource(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::Pods => ("", "v1", "Pod", "pods"),
            Kind::Deployments => ("apps", "v1", "Deployment", "deployments"),
            Kind::StatefulSets => ("apps", "v1", "StatefulSet", "statefulsets"),
            Kind::DaemonSets => ("apps", "v1", "DaemonSet", "daemonsets"),
            Kind::ReplicaSets => ("apps", "v1", "ReplicaSet", "replicasets"),
            Kind::Jobs => ("batch", "v1", "Job", "jobs"),
            Kind::CronJobs => ("batch", "v1", "CronJob", "cronjobs"),
            Kind::Nodes => ("", "v1", "Node", "nodes"),
        }
    }

    /// The kind whose objects are called `name` (`Deployment`), if it has a table.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.resource().2 == name)
    }

    /// Every kind with a table.
    pub const ALL: [Kind; 8] = [
        Kind::Pods,
        Kind::Deployments,
        Kind::StatefulSets,
        Kind::DaemonSets,
        Kind::ReplicaSets,
        Kind::Jobs,
        Kind::CronJobs,
        Kind::Nodes,
    ];
}

fn time(value: Option<&Time>) -> Cell {
    Cell::Time(value.map(|time| time.0))
}

/// GPUs (whole, MIG slices, shared replicas, any vendor's) in a set of resource amounts.
fn gpus<'a>(
    amounts: impl Iterator<
        Item = (
            &'a String,
            &'a k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        ),
    >,
) -> f64 {
    amounts
        .filter(|(name, _)| crate::gpus::counts_gpus(name))
        .filter_map(|(_, quantity)| parse_quantity(&quantity.0))
        .sum()
}

/// A pod as `kubectl get pods -o wide` shows it, with the GPUs it requests.
pub fn pod(pod: Pod) -> Row {
    let spec = pod.spec.unwrap_or_default();
    let status = pod.status.unwrap_or_default();
    let containers = status.container_statuses.clone().unwrap_or_default();
    let ready = containers
        .iter()
        .filter(|container| container.ready)
        .count();
    let restarts: i32 = containers
        .iter()
        .map(|container| container.restart_count)
        .sum();
    let requested: f64 = spec
        .containers
        .iter()
        .filter_map(|container| container.resources.as_ref())
        .map(|resources| {
            let requests = resources.requests.iter().flatten();
            let limits = resources.limits.iter().flatten();
            gpus(requests).max(gpus(limits))
        })
        .sum();
    let cells = vec![
        Cell::text(format!("{ready}/{}", spec.containers.len())),
        Cell::text(pod_status(
            pod.metadata.deletion_timestamp.is_some(),
            &status,
        )),
        Cell::Number(f64::from(restarts)),
        time(pod.metadata.creation_timestamp.as_ref()),
        Cell::text(status.pod_ip.clone().unwrap_or_default()),
        Cell::text(spec.node_name.clone().unwrap_or_default()),
        Cell::Number(requested),
    ];
    Row::new(pod.metadata, cells)
}

/// kubectl's STATUS column: the pod's reason, else the first waiting or terminated container's,
/// else the phase; `Terminating` once deletion began.
fn pod_status(deleting: bool, status: &k8s_openapi::api::core::v1::PodStatus) -> String {
    if deleting {
        return "Terminating".to_owned();
    }
    if let Some(reason) = status.reason.as_ref().filter(|reason| !reason.is_empty()) {
        return reason.clone();
    }
    let init = status.init_container_statuses.iter().flatten();
    for (index, container) in init.enumerate() {
        let state = container.state.clone().unwrap_or_default();
        if let Some(terminated) = state
            .terminated
            .filter(|terminated| terminated.exit_code != 0)
        {
            return format!(
                "Init:{}",
                terminated
                    .reason
                    .unwrap_or_else(|| format!("ExitCode:{}", terminated.exit_code))
            );
        }
        if let Some(waiting) = state.waiting.and_then(|waiting| waiting.reason) {
            if waiting != "PodInitializing" {
                return format!("Init:{waiting}");
            }
            return format!(
                "Init:{index}/{}",
                status.init_container_statuses.as_ref().map_or(0, Vec::len)
            );
        }
    }
    for container in status.container_statuses.iter().flatten() {
        let state = container.state.clone().unwrap_or_default();
        if let Some(reason) = state.waiting.and_then(|waiting| waiting.reason) {
            return reason;
        }
        if let Some(terminated) = state.terminated {
            return terminated
                .reason
                .unwrap_or_else(|| format!("ExitCode:{}", terminated.exit_code));
        }
    }
    status.phase.clone().unwrap_or_else(|| "Pending".to_owned())
}

/// A Deployment as `kubectl get deployments -o wide` shows it.
pub fn deployment(deployment: Deployment) -> Row {
    let spec = deployment.spec;
    let status = deployment.status.unwrap_or_default();
    let cells = vec![
        Cell::text(format!(
            "{}/{}",
            status.ready_replicas.unwrap_or(0),
            spec.replicas.unwrap_or(1)
        )),
        Cell::Number(f64::from(status.updated_replicas.unwrap_or(0))),
        Cell::Number(f64::from(status.available_replicas.unwrap_or(0))),
        time(deployment.metadata.creation_timestamp.as_ref()),
        images(&spec.template),
    ];
    Row::new(deployment.metadata, cells)
}

/// A node as `kubectl get nodes` shows it, with its allocatable GPUs.
pub fn node(node: Node) -> Row {
    let spec = node.spec.unwrap_or_default();
    let status = node.status.unwrap_or_default();
    let ready = status
        .conditions
        .iter()
        .flatten()
        .find(|condition| condition.type_ == "Ready")
        .map(|condition| condition.status == "True");
    let mut state = match ready {
        Some(true) => "Ready".to_owned(),
        Some(false) => "NotReady".to_owned(),
        None => "Unknown".to_owned(),
    };
    if spec.unschedulable == Some(true) {
        state.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(key, _)| key.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    roles.sort_unstable();
    let roles = if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    };
    let cells = vec![
        Cell::text(state),
        Cell::text(roles),
        time(node.metadata.creation_timestamp.as_ref()),
        Cell::text(
            status
                .node_info
                .as_ref()
                .map(|info| info.kubelet_version.clone())
                .unwrap_or_default(),
        ),
        Cell::Number(gpus(status.allocatable.iter().flatten())),
    ];
    Row::new(node.metadata, cells)
}

/// The images of a pod template's containers, comma-separated.
fn images(template: &k8s_openapi::api::core::v1::PodTemplateSpec) -> Cell {
    let images: Vec<String> = template
        .spec
        .iter()
        .flat_map(|pod| pod.containers.iter())
        .filter_map(|container| container.image.clone())
        .collect();
    Cell::text(images.join(","))
}

fn count(value: Option<i32>) -> Cell {
    Cell::Number(f64::from(value.unwrap_or(0)))
}

/// A StatefulSet as `kubectl get statefulsets -o wide` shows it.
pub fn stateful_set(set: StatefulSet) -> Row {
    let spec = set.spec;
    let status = set.status.unwrap_or_default();
    let cells = vec![
        Cell::text(format!(
            "{}/{}",
            status.ready_replicas.unwrap_or(0),
            spec.replicas.unwrap_or(1)
        )),
        time(set.metadata.creation_timestamp.as_ref()),
        images(&spec.template),
    ];
    Row::new(set.metadata, cells)
}

/// A DaemonSet as `kubectl get daemonsets` shows it.
pub fn daemon_set(set: DaemonSet) -> Row {
    let spec = set.spec;
    let status = set.status.unwrap_or_default();
    let selector: Vec<String> = spec
        .template
        .spec
        .as_ref()
        .and_then(|pod| pod.node_selector.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let cells = vec![
        Cell::Number(f64::from(status.desired_number_scheduled)),
        Cell::Number(f64::from(status.current_number_scheduled)),
        Cell::Number(f64::from(status.number_ready)),
        count(status.updated_number_scheduled),
        count(status.number_available),
        Cell::text(if selector.is_empty() {
            "<none>".to_owned()
        } else {
            selector.join(",")
        }),
        time(set.metadata.creation_timestamp.as_ref()),
    ];
    Row::new(set.metadata, cells)
}

/// A ReplicaSet as `kubectl get replicasets -o wide` shows it.
pub fn replica_set(set: ReplicaSet) -> Row {
    let spec = set.spec;
    let status = set.status.unwrap_or_default();
    let cells = vec![
        count(spec.replicas.or(Some(1))),
        Cell::Number(f64::from(status.replicas)),
        count(status.ready_replicas),
        time(set.metadata.creation_timestamp.as_ref()),
        spec.template
            .as_ref()
            .map_or_else(|| Cell::text(""), images),
    ];
    Row::new(set.metadata, cells)
}

/// A Job as `kubectl get jobs` shows it: its state from its conditions, completions, and how
/// long it ran (to now while running).
pub fn job(job: Job) -> Row {
    let spec = job.spec.unwrap_or_default();
    let status = job.status.unwrap_or_default();
    let holds = |kind: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .any(|condition| condition.type_ == kind && condition.status == "True")
    };
    let state = if holds("Complete") {
        "Complete"
    } else if holds("Failed") {
        "Failed"
    } else if spec.suspend == Some(true) {
        "Suspended"
    } else {
        "Running"
    };
    let duration = status.start_time.as_ref().map(|start| {
        let end = status
            .completion_time
            .as_ref()
            .map_or_else(jiff::Timestamp::now, |end| end.0);
        end.duration_since(start.0).as_secs_f64()
    });
    let cells = vec![
        Cell::text(state),
        Cell::text(format!(
            "{}/{}",
            status.succeeded.unwrap_or(0),
            spec.completions.unwrap_or(1)
        )),
        Cell::Duration(duration.unwrap_or(0.0)),
        time(job.metadata.creation_timestamp.as_ref()),
    ];
    Row::new(job.metadata, cells)
}

/// A CronJob as `kubectl get cronjobs` shows it.
pub fn cron_job(cron: CronJob) -> Row {
    let spec = cron.spec;
    let status = cron.status.unwrap_or_default();
    let cells = vec![
        Cell::text(spec.schedule.clone()),
        Cell::text(if spec.suspend == Some(true) {
            "True"
        } else {
            "False"
        }),
        Cell::Number(
            status
                .active
                .as_ref()
                .map_or(0.0, |active| active.len() as f64),
        ),
        time(status.last_schedule_time.as_ref()),
        time(cron.metadata.creation_timestamp.as_ref()),
    ];
    Row::new(cron.metadata, cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nodes_gpus_are_counted_whatever_their_vendor_not_their_memory() {
        let mixed: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "mi300-01"},
            "status": {"allocatable": {"cpu": "64", "amd.com/gpu": "8", "nvidia.com/gpumem": "81920", "nvidia.com/gpu": "2"}},
        }))
        .unwrap_or_default();
        assert_eq!(node(mixed).cells.last(), Some(&Cell::Number(10.0)));
    }

    #[test]
    fn a_row_kept_as_json_reads_back_the_same() {
        let row = Row::new(
            ObjectMeta {
                namespace: Some("ml".into()),
                name: Some("trainer-0".into()),
                labels: Some([("app".to_owned(), "trainer".to_owned())].into()),
                ..ObjectMeta::default()
            },
            vec![
                Cell::text("Running"),
                Cell::Number(3.0),
                Cell::Time(Some("2026-11-26T10:00:00Z".parse().unwrap_or_default())),
                Cell::Time(None),
                Cell::Duration(42.5),
            ],
        );
        let kept = row.to_json().to_string();
        assert_eq!(
            Row::from_kept(Some("ml".into()), "trainer-0".into(), &kept),
            Some(row)
        );
        assert_eq!(Row::from_kept(None, "x".into(), "{\"cells\": 3}"), None);
    }
}
