//! Table types between the domain and the wire.

use kubedesk_cluster::tables::{Cell, Kind, Query, Row};
use kubedesk_ipc as ipc;

pub(crate) fn kind(kind: ipc::TableKind) -> Kind {
    match kind {
        ipc::TableKind::Pods => Kind::Pods,
        ipc::TableKind::Deployments => Kind::Deployments,
        ipc::TableKind::StatefulSets => Kind::StatefulSets,
        ipc::TableKind::DaemonSets => Kind::DaemonSets,
        ipc::TableKind::ReplicaSets => Kind::ReplicaSets,
        ipc::TableKind::Jobs => Kind::Jobs,
        ipc::TableKind::CronJobs => Kind::CronJobs,
        ipc::TableKind::Nodes => Kind::Nodes,
    }
}

pub(crate) fn table_kind(kind: Kind) -> ipc::TableKind {
    match kind {
        Kind::Pods => ipc::TableKind::Pods,
        Kind::Deployments => ipc::TableKind::Deployments,
        Kind::StatefulSets => ipc::TableKind::StatefulSets,
        Kind::DaemonSets => ipc::TableKind::DaemonSets,
        Kind::ReplicaSets => ipc::TableKind::ReplicaSets,
        Kind::Jobs => ipc::TableKind::Jobs,
        Kind::CronJobs => ipc::TableKind::CronJobs,
        Kind::Nodes => ipc::TableKind::Nodes,
    }
}

pub(crate) fn cell(cell: Cell) -> ipc::TableCell {
    match cell {
        Cell::Text(text) => ipc::TableCell::Text(text),
        Cell::Number(number) => ipc::TableCell::Number(number),
        Cell::Time(time) => ipc::TableCell::Time(time.map(|time| time.to_string())),
        Cell::Duration(seconds) => ipc::TableCell::Duration(seconds),
    }
}

pub(super) fn query(query: ipc::TableQuery) -> Query {
    Query {
        text: query.text,
        labels: query.labels,
        sort: query.sort,
        descending: query.descending,
        offset: query.offset,
        limit: query.limit,
    }
}

pub(crate) fn row(row: Row) -> ipc::TableRow {
    ipc::TableRow {
        key: row.key(),
        cells: row.cells.into_iter().map(cell).collect(),
        cluster: None,
        namespace: row.namespace,
        name: row.name,
    }
}
