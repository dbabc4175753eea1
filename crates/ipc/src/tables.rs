//! Live tables: the UI subscribes to a window of a kind's rows in one cluster and receives updates
//! on a channel; it changes the window (scrolling), the filter or the sort without subscribing
//! again, and stops the subscription when the view goes.

use serde::{Deserialize, Serialize};

use crate::Command;

/// The name of the channel argument a subscription takes besides `request`.
pub const CHANNEL_ARG: &str = "channel";

/// The kinds with a live table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// Pods.
    #[default]
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

impl TableKind {
    /// Every kind, in the order the workloads page offers them.
    pub const ALL: [TableKind; 8] = [
        TableKind::Pods,
        TableKind::Deployments,
        TableKind::StatefulSets,
        TableKind::DaemonSets,
        TableKind::ReplicaSets,
        TableKind::Jobs,
        TableKind::CronJobs,
        TableKind::Nodes,
    ];
}

/// What a table lists or what an object is: a kind with pages of its own, or any other resource a
/// cluster serves, named as its URLs name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A kind with its own columns and pages.
    Kind(TableKind),
    /// Any resource, with the columns the server prints for it.
    Resource(ResourceName),
}

impl Default for ObjectKind {
    fn default() -> Self {
        Self::Kind(TableKind::default())
    }
}

impl From<TableKind> for ObjectKind {
    fn from(kind: TableKind) -> Self {
        Self::Kind(kind)
    }
}

impl ObjectKind {
    /// The kind with pages of its own, if it is one.
    pub fn table_kind(&self) -> Option<TableKind> {
        match self {
            Self::Kind(kind) => Some(*kind),
            Self::Resource(_) => None,
        }
    }
}

/// A resource as its URLs name it: group (empty for the core group), version and plural.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceName {
    /// The API group, empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The plural (`volumesnapshots`).
    pub plural: String,
}

/// Lists the resources the context's cluster serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResources {
    /// The context.
    pub context: String,
}

impl Command for ListResources {
    const NAME: &'static str = "list_resources";
    type Output = Vec<ServedResource>;
}

/// A resource a cluster serves, in its group's preferred version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedResource {
    /// Its name.
    pub name: ResourceName,
    /// Its objects' kind (`VolumeSnapshot`).
    pub kind: String,
    /// Whether its objects live in namespaces.
    pub namespaced: bool,
    /// The kind with pages of its own it is, if any.
    pub table: Option<TableKind>,
}

/// What a view shows of a table: filter, sort and window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableQuery {
    /// Free text every row shown contains.
    pub text: String,
    /// A label selector (`app=web,tier!=cache`).
    pub labels: String,
    /// The column sorted by (0 namespace, 1 name, then the kind's columns).
    pub sort: Option<usize>,
    /// Whether the sort is descending.
    pub descending: bool,
    /// The window's first row.
    pub offset: usize,
    /// The window's size.
    pub limit: usize,
}

/// Subscribes to a live table; updates arrive on the `channel` argument as [`TableUpdate`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchTable {
    /// The contexts: one, or several for one table of all their clusters with a cluster column.
    pub contexts: Vec<String>,
    /// What it lists.
    pub kind: ObjectKind,
    /// The namespace, or `None` for all namespaces.
    pub namespace: Option<String>,
    /// The first window.
    pub query: TableQuery,
}

impl Command for WatchTable {
    const NAME: &'static str = "watch_table";
    type Output = TableSubscription;
}

/// A subscription: its id and the table's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSubscription {
    /// The id to change or stop it with.
    pub id: u64,
    /// The columns after Namespace and Name (their English names, as kubectl prints them; the UI
    /// words a kind's own from its catalogue, and shows a served resource's as the server names
    /// them).
    pub columns: Vec<String>,
}

/// One update: the window as it is now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableUpdate {
    /// How many rows match the filter.
    pub total: usize,
    /// The window's first row.
    pub offset: usize,
    /// The window's rows.
    pub rows: Vec<TableRow>,
    /// Where the watch stands.
    pub status: TableStatus,
    /// Why the filter cannot be used, when it cannot (the rows are then unfiltered).
    pub filter_error: Option<String>,
    /// Clusters whose rows are missing, and why (`edge: the cluster did not answer`).
    pub problems: Vec<String>,
}

/// One row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// `namespace/name`, or the name; prefixed with `cluster/` when several clusters are shown.
    pub key: String,
    /// Its cluster's context, when several clusters are shown.
    pub cluster: Option<String>,
    /// The namespace.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The cells, one per column.
    pub cells: Vec<TableCell>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum TableCell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A moment (RFC 3339), shown as an age.
    Time(Option<String>),
    /// A span of time in seconds, shown as kubectl shows durations.
    Duration(f64),
}

/// Where a table's watch stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TableStatus {
    /// Listing; the rows so far are shown.
    #[default]
    Listing,
    /// Listed and live.
    Live,
    /// The user may not list this kind here.
    Forbidden {
        /// The server's message.
        message: String,
    },
    /// The watch failed and is retried; no rows are known.
    Retrying {
        /// Why.
        message: String,
    },
    /// The rows are the last known, as of a moment (from the offline store, or from before the
    /// cluster stopped answering); read-only until it answers.
    Offline {
        /// When they were last live (RFC 3339).
        as_of: String,
        /// Why the cluster does not answer, once it failed to; `None` while it is being asked.
        message: Option<String>,
    },
    /// The rows are those kept of a read-only cluster (a snapshot), never live.
    ReadOnly {
        /// When they were last live (RFC 3339); `None` when nothing of them was kept.
        as_of: Option<String>,
        /// Where they come from.
        source: crate::ReadOnlySource,
    },
}

/// Changes a subscription's filter, sort or window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryTable {
    /// The subscription.
    pub id: u64,
    /// The new query.
    pub query: TableQuery,
}

impl Command for QueryTable {
    const NAME: &'static str = "query_table";
    type Output = ();
}

/// Ends a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopTable {
    /// The subscription.
    pub id: u64,
}

impl Command for StopTable {
    const NAME: &'static str = "stop_table";
    type Output = ();
}
