//! The offline store behind the live tables: every row and object a live table sees is kept in
//! `kubedesk-store`, and a table opened again starts from the rows kept, marked offline as of when
//! they were live, until its cluster answers.

mod data;
pub(crate) mod read_only;

pub use data::{export_offline_data, forget_offline_data, get_offline_data};
pub use read_only::{Snapshots, close_snapshot, open_snapshot};

use std::sync::Arc;

use kubedesk_cluster::resources::Resource;
use kubedesk_cluster::tables::{LastKnown, Row, TableKey};
use kubedesk_store::{Limits, Store, Write, resource_id};

/// How long a page of something seen before (an object, the overview) waits for its cluster's
/// answer before it opens as last seen.
pub(crate) const PATIENCE: std::time::Duration = std::time::Duration::from_millis(1500);

/// The store as the tables' keeper of their last-known state.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    pub(crate) store: Arc<Store>,
    /// The context whose state it reads when it is not the table's (a snapshot's tables are
    /// named after the snapshot).
    pub(crate) context: Option<String>,
}

impl Kept {
    fn context<'a>(&'a self, key: &'a TableKey) -> &'a str {
        self.context.as_deref().unwrap_or(&key.context)
    }
}

/// The store's limits as the settings give them, or what is wrong with them.
pub(crate) fn limits(limits: kubedesk_ipc::OfflineLimits) -> Result<Limits, kubedesk_ipc::Error> {
    let least = kubedesk_ipc::OfflineLimits::LEAST_MIB;
    let invalid = |message: String| kubedesk_ipc::Error {
        code: kubedesk_ipc::ErrorCode::InvalidRequest,
        message,
        hint: Some(format!(
            "Give each limit in MiB, at least {least}; the total at least the limit per cluster."
        )),
    };
    if limits.per_cluster_mib < least {
        return Err(invalid(format!(
            "The offline data's limit per cluster, {} MiB, is below {least} MiB.",
            limits.per_cluster_mib
        )));
    }
    if limits.total_mib < limits.per_cluster_mib {
        return Err(invalid(format!(
            "The offline data's total limit, {} MiB, is below its limit per cluster, {} MiB.",
            limits.total_mib, limits.per_cluster_mib
        )));
    }
    let bytes = |mib: u64| mib.saturating_mul(1024 * 1024);
    Ok(Limits {
        per_cluster: bytes(limits.per_cluster_mib),
        total: bytes(limits.total_mib),
        file: None,
    })
}

/// The store's key of `resource`.
fn store_id(resource: &Resource) -> String {
    resource_id(&resource.group, &resource.version, &resource.plural)
}

fn resource(key: &TableKey) -> String {
    store_id(&key.resource)
}

/// The user opened the table of `key`: the store keeps it before those viewed less recently.
pub(crate) fn viewed(app: &crate::App, key: &TableKey) {
    if let Ok(store) = &app.store {
        store.write(Write::Viewed {
            context: key.context.clone(),
            resource: resource(key),
        });
    }
}

/// The kept rows read into table rows, on every core: a table opened offline may have 100,000.
/// A row that cannot be read is left out.
pub fn table_rows(stored: Vec<kubedesk_store::StoredRow>) -> Vec<Row> {
    let read = |rows: &[kubedesk_store::StoredRow]| -> Vec<Row> {
        rows.iter()
            .filter_map(|row| {
                let namespace =
                    Some(row.namespace.clone()).filter(|namespace| !namespace.is_empty());
                Row::from_kept(namespace, row.name.clone(), &row.cells)
            })
            .collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cores < 2 || stored.len() < 10_000 {
        return read(&stored);
    }
    let chunk = stored.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = stored
            .chunks(chunk)
            .map(|part| scope.spawn(move || read(part)))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_default())
            .collect()
    })
}

fn millis(time: jiff::Timestamp) -> i64 {
    time.as_millisecond()
}

impl LastKnown for Kept {
    fn rows(&self, key: &TableKey) -> Option<(Vec<Row>, Option<Vec<String>>, jiff::Timestamp)> {
        let resource = resource(key);
        let context = self.context(key);
        let listing = self.store.listing(context, &resource).ok()??;
        let namespace = key.namespace.as_deref().filter(|_| key.resource.namespaced);
        let rows = table_rows(self.store.rows(context, &resource, namespace).ok()?);
        let columns = serde_json::from_value(listing.columns).ok();
        let as_of = jiff::Timestamp::from_millisecond(listing.seen_at).ok()?;
        Some((rows, columns, as_of))
    }

    fn listed(&self, key: &TableKey, began: jiff::Timestamp, columns: &[String]) {
        let resource = resource(key);
        self.store.write(Write::Relisted {
            context: key.context.clone(),
            resource: resource.clone(),
            namespace: key.namespace.clone().filter(|_| key.resource.namespaced),
            since: millis(began),
        });
        self.store.write(Write::Listed {
            context: key.context.clone(),
            resource,
            kind: key.resource.kind.clone(),
            columns: serde_json::json!(columns),
        });
    }

    fn put(&self, key: &TableKey, object: Option<String>, row: &Row) {
        self.store.write(Write::Put {
            context: key.context.clone(),
            resource: resource(key),
            namespace: row.namespace.clone().unwrap_or_default(),
            name: row.name.clone(),
            object,
            cells: Some(row.to_json().to_string()),
        });
    }

    fn delete(&self, key: &TableKey, row: &Row) {
        self.store.write(Write::Delete {
            context: key.context.clone(),
            resource: resource(key),
            namespace: row.namespace.clone().unwrap_or_default(),
            name: row.name.clone(),
        });
    }
}

/// One object's page and what the offline store keeps of it: the object and its events.
#[derive(Debug)]
pub(crate) struct KeptObject {
    store: Arc<Store>,
    context: String,
    resource: String,
    namespace: String,
    name: String,
}

/// An object as last seen: itself, its events, and when.
pub(crate) type LastSeen = (
    serde_json::Value,
    Vec<kubedesk_cluster::detail::EventRow>,
    jiff::Timestamp,
);

impl KeptObject {
    /// What the store keeps of `object` in `context`; `None` without a store.
    pub(crate) fn of(
        app: &crate::App,
        context: &str,
        object: &kubedesk_cluster::actions::ObjectRef,
    ) -> Option<Self> {
        let store = app.store.as_ref().ok()?;
        Some(Self::in_store(store, context, object))
    }

    /// What `store` keeps of `object` in `context`.
    pub(crate) fn in_store(
        store: &Arc<Store>,
        context: &str,
        object: &kubedesk_cluster::actions::ObjectRef,
    ) -> Self {
        Self {
            store: store.clone(),
            context: context.to_owned(),
            resource: store_id(&object.resource),
            namespace: object.namespace.clone().unwrap_or_default(),
            name: object.name.clone(),
        }
    }

    fn about(&self) -> String {
        format!("{}/{}/{}", self.resource, self.namespace, self.name)
    }

    /// The object as last seen, if it was.
    pub(crate) fn read(&self) -> Option<LastSeen> {
        let stored = self
            .store
            .object(&self.context, &self.resource, &self.namespace, &self.name)
            .ok()??;
        if stored.object.is_null() {
            return None;
        }
        let events = self
            .store
            .events(&self.context, &self.about())
            .unwrap_or_default()
            .iter()
            .map(kubedesk_cluster::detail::EventRow::from_json)
            .collect();
        let as_of = jiff::Timestamp::from_millisecond(stored.seen_at).ok()?;
        Some((stored.object, events, as_of))
    }

    /// Keeps the object as its page sees it now, with its events; answers it as last seen.
    pub(crate) fn keep(&self, detail: &kubedesk_cluster::detail::Detail) -> Option<LastSeen> {
        let object = detail.object.clone()?;
        self.store.write(Write::Put {
            context: self.context.clone(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            object: serde_json::to_string(&object).ok(),
            cells: None,
        });
        self.store.write(Write::Events {
            context: self.context.clone(),
            about: self.about(),
            events: detail
                .events
                .iter()
                .map(kubedesk_cluster::detail::EventRow::to_json)
                .collect(),
        });
        Some((object, detail.events.clone(), jiff::Timestamp::now()))
    }
}

/// Keeps what `context`'s cluster serves, for reading its resources while it does not answer.
pub(crate) fn keep_served(app: &crate::App, context: &str, served: &[Resource]) {
    let Ok(store) = &app.store else { return };
    let served: Vec<serde_json::Value> = served
        .iter()
        .map(|resource| {
            serde_json::json!({
                "group": resource.group, "version": resource.version, "kind": resource.kind,
                "plural": resource.plural, "namespaced": resource.namespaced,
            })
        })
        .collect();
    keep_summary(store, context, serde_json::json!({ "served": served }));
}

/// Merges `summary` into what is kept of `context`'s cluster itself.
fn keep_summary(store: &Store, context: &str, summary: serde_json::Value) {
    store.write(Write::Cluster {
        context: context.to_owned(),
        summary,
    });
}

/// Keeps the namespaces of `context`'s cluster as listed now.
pub(crate) fn keep_namespaces(app: &crate::App, context: &str, names: &[String]) {
    if let Ok(store) = &app.store {
        keep_summary(store, context, serde_json::json!({ "namespaces": names }));
    }
}

/// The namespaces of `context`'s cluster as last listed, if they were.
pub(crate) fn namespaces(store: &Store, context: &str) -> Option<Vec<String>> {
    serde_json::from_value(kept_summary(store, context)?["namespaces"].take()).ok()
}

/// What `context`'s cluster served when last seen, if it was.
pub(crate) fn served(store: &Store, context: &str) -> Option<Vec<Resource>> {
    let summary = kept_summary(store, context)?;
    let text =
        |value: &serde_json::Value, key: &str| value[key].as_str().unwrap_or_default().to_owned();
    Some(
        summary["served"]
            .as_array()?
            .iter()
            .map(|resource| Resource {
                group: text(resource, "group"),
                version: text(resource, "version"),
                kind: text(resource, "kind"),
                plural: text(resource, "plural"),
                namespaced: resource["namespaced"].as_bool().unwrap_or(true),
            })
            .collect(),
    )
}

/// Keeps the overview of `context` as seen now.
pub(crate) fn keep_overview(
    app: &crate::App,
    context: &str,
    overview: &kubedesk_ipc::ClusterOverview,
) {
    let Ok(store) = &app.store else { return };
    let Ok(overview) = serde_json::to_value(overview) else {
        return;
    };
    keep_summary(
        store,
        context,
        serde_json::json!({
            "overview": {"at": jiff::Timestamp::now().to_string(), "overview": overview},
        }),
    );
}

/// The overview of `context` as last seen in `store`, marked offline with `message`, if it was
/// seen.
pub(crate) fn overview(
    store: &Store,
    context: &str,
    message: String,
) -> Option<kubedesk_ipc::ClusterOverview> {
    let summary = kept_summary(store, context)?;
    let kept = &summary["overview"];
    let mut overview: kubedesk_ipc::ClusterOverview =
        serde_json::from_value(kept["overview"].clone()).ok()?;
    overview.offline = Some(kubedesk_ipc::OfflineSince {
        as_of: kept["at"].as_str().unwrap_or_default().to_owned(),
        message,
        read_only: None,
    });
    Some(overview)
}

/// What is kept of `context`'s cluster itself (what it serves, its overview), if anything.
fn kept_summary(store: &Store, context: &str) -> Option<serde_json::Value> {
    store.cluster(context).ok()?.map(|cluster| cluster.summary)
}
