//! Live tables: one watch per cluster, kind and scope, shared by every view that shows it, started
//! when the first view opens it and stopped when the last one lets go. The watch (kube-runtime's
//! watcher: paged initial list, resumed watches, a relist after a 410) keeps each object only as
//! its row (`tables/rows.rs`); views ask for a window of rows filtered and sorted on the backend
//! (`tables/query.rs`) and hear when the rows changed. The kinds with columns of their own are
//! followed by kube-runtime's watcher and projected here; any other resource is read as the server
//! prints it (`tables/served.rs`).

pub mod query;
pub mod rows;
mod served;

pub(crate) use served::printed;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, Weak};

use futures_util::StreamExt as _;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Resource as KubeResource;
use kube::api::Api;
use kube::runtime::WatchStreamExt as _;
use kube::runtime::watcher::{self, Event, watcher};
use serde::de::DeserializeOwned;

pub use query::{Query, Selector, SelectorError, Window};
pub use rows::{Cell, Kind, Row};

use crate::resources::Resource;

/// How many objects one page of the initial list holds.
const PAGE: u32 = 500;
/// How long the server keeps one watch open before the watcher resumes it from where it was.
pub const WATCH_SECONDS: u32 = 60;

/// Which table: a cluster (by context), a resource, and a namespace or all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableKey {
    /// The context.
    pub context: String,
    /// The resource.
    pub resource: Resource,
    /// The namespace, or `None` for all namespaces (and for cluster-scoped resources).
    pub namespace: Option<String>,
}

/// Where a table's watch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The initial list is being read.
    Listing,
    /// Listed, and following changes.
    Live,
    /// The user may not list or watch this kind here: the server's message.
    Forbidden(String),
    /// The watch failed and is being retried (with backoff): why. No rows are known yet.
    Retrying(String),
    /// The rows are the last known, as of a moment: the cluster has not answered yet (the rows
    /// come from the offline store) or cannot be reached now (`message` says why).
    Offline {
        /// When the rows were last known live.
        as_of: jiff::Timestamp,
        /// Why the cluster does not answer, once it failed to.
        message: Option<String>,
    },
    /// The rows are all there is, never live: a snapshot opened, or a cluster kept whose context
    /// is gone.
    ReadOnly {
        /// When the rows were last known live; `None` when none were kept.
        as_of: Option<jiff::Timestamp>,
    },
}

/// What keeps the last-known state of the tables (the offline store): it hands back the rows a
/// table had when it was last live, and is told every change a live table sees.
pub trait LastKnown: Send + Sync + std::fmt::Debug {
    /// The rows of `key` last seen, its columns (for a served resource) and when they were live.
    fn rows(&self, key: &TableKey) -> Option<(Vec<Row>, Option<Vec<String>>, jiff::Timestamp)>;
    /// The table of `key` listed everything, from a list that began at `began`: what was not put
    /// since is gone.
    fn listed(&self, key: &TableKey, began: jiff::Timestamp, columns: &[String]);
    /// An object of the table as seen now, as JSON text without its managed fields (`None` when
    /// only its row is known), with its row.
    fn put(&self, key: &TableKey, object: Option<String>, row: &Row);
    /// An object of the table was deleted.
    fn delete(&self, key: &TableKey, row: &Row);
}

/// A table's link to what keeps its last-known state.
#[derive(Debug, Clone)]
struct Keeper {
    key: TableKey,
    last_known: Arc<dyn LastKnown>,
}

/// The rows and the watch's state, shared by the table and its watch task.
#[derive(Debug)]
struct Shared {
    state: RwLock<State>,
    changes: tokio::sync::watch::Sender<u64>,
    keeper: Option<Keeper>,
}

#[derive(Debug)]
struct State {
    rows: HashMap<String, Row>,
    status: Status,
    /// The columns after Namespace and Name, once known (a served resource's come with its list).
    columns: Option<Vec<String>>,
    /// When the rows were last known live: the last list or change the watch saw, or the
    /// stored rows' moment.
    live_at: Option<jiff::Timestamp>,
}

impl Shared {
    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.write().unwrap_or_else(PoisonError::into_inner));
        self.changes.send_modify(|version| *version += 1);
    }

    /// The watch answered: the rows are live now.
    fn live(&self) {
        self.update(|state| {
            state.status = Status::Live;
            state.live_at = Some(jiff::Timestamp::now());
        });
    }

    /// The watch failed with `message`: rows known before are shown as of when they were live.
    fn failed(&self, status: Status) {
        self.update(|state| {
            state.status = match (status, state.live_at) {
                (Status::Retrying(message), Some(as_of)) if !state.rows.is_empty() => {
                    Status::Offline {
                        as_of,
                        message: Some(message),
                    }
                }
                (status, _) => status,
            };
        });
    }

    /// Hands a seen object to the keeper of the last-known state.
    fn keep(&self, object: impl FnOnce() -> Option<String>, row: &Row) {
        if let Some(keeper) = &self.keeper {
            keeper.last_known.put(&keeper.key, object(), row);
        }
    }

    fn keep_deleted(&self, row: &Row) {
        if let Some(keeper) = &self.keeper {
            keeper.last_known.delete(&keeper.key, row);
        }
    }

    fn keep_listed(&self, began: jiff::Timestamp) {
        if let Some(keeper) = &self.keeper {
            let columns = self
                .state
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .columns
                .clone()
                .unwrap_or_default();
            keeper.last_known.listed(&keeper.key, began, &columns);
        }
    }
}

/// One live table. Dropping the last handle stops its watch.
#[derive(Debug)]
pub struct Table {
    shared: Arc<Shared>,
    /// Its watch; `None` for a table of kept rows only.
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Table {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

impl Table {
    /// The columns after Namespace and Name, once the first list said them for a served
    /// resource (at once for the kinds with their own); `None` when the list failed before.
    pub async fn columns(&self) -> Option<Vec<String>> {
        let mut changes = self.changes();
        loop {
            {
                let state = self
                    .shared
                    .state
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                if state.columns.is_some() || state.status != Status::Listing {
                    return state.columns.clone();
                }
            }
            changes.changed().await.ok()?;
        }
    }

    /// The rows `query` selects, and where the watch stands.
    pub fn query(&self, query: &Query) -> Result<(Window, Status), SelectorError> {
        let (window, mut statuses) = query_all(std::slice::from_ref(self), query)?;
        Ok((window, statuses.pop().unwrap_or(Status::Listing)))
    }

    /// A receiver that wakes whenever the rows or the status changed (the value counts changes).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }
}

/// The rows `query` selects from several tables at once (the same kind in several clusters), each
/// row's source its table's place in `tables`; and where each table's watch stands.
pub fn query_all<T: std::borrow::Borrow<Table>>(
    tables: &[T],
    query: &Query,
) -> Result<(Window, Vec<Status>), SelectorError> {
    let states: Vec<_> = tables
        .iter()
        .map(|table| {
            table
                .borrow()
                .shared
                .state
                .read()
                .unwrap_or_else(PoisonError::into_inner)
        })
        .collect();
    let rows = states
        .iter()
        .enumerate()
        .flat_map(|(source, state)| state.rows.values().map(move |row| (source, row)));
    let window = query::answer(rows, query)?;
    Ok((
        window,
        states.iter().map(|state| state.status.clone()).collect(),
    ))
}

/// The live tables of every cluster, each shared while some view holds it.
#[derive(Debug, Default)]
pub struct Tables {
    open: std::sync::Mutex<HashMap<TableKey, Weak<Table>>>,
    last_known: Option<Arc<dyn LastKnown>>,
}

impl Tables {
    /// Tables whose rows `last_known` keeps, and which start from the rows it kept.
    pub fn keeping(last_known: Arc<dyn LastKnown>) -> Self {
        Self {
            open: std::sync::Mutex::default(),
            last_known: Some(last_known),
        }
    }

    /// The table for `key`: the one open already, or a new one whose watch starts now with
    /// `client`, showing the last-known rows until its first list is done.
    pub fn open(&self, client: &kube::Client, key: TableKey) -> Arc<Table> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|_, table| table.strong_count() > 0);
        if let Some(table) = open.get(&key).and_then(Weak::upgrade) {
            return table;
        }
        let (changes, _) = tokio::sync::watch::channel(0);
        let mut state = State {
            rows: HashMap::new(),
            status: Status::Listing,
            columns: key.resource.table().map(|kind| {
                kind.columns()
                    .iter()
                    .map(|&column| column.to_owned())
                    .collect()
            }),
            live_at: None,
        };
        let stored = self
            .last_known
            .as_ref()
            .and_then(|last_known| last_known.rows(&key));
        let seeded = stored.is_some();
        if let Some((rows, columns, as_of)) = stored {
            state.rows = rows.into_iter().map(|row| (row.key(), row)).collect();
            state.columns = state.columns.or(columns);
            state.status = Status::Offline {
                as_of,
                message: None,
            };
            state.live_at = Some(as_of);
        }
        let shared = Arc::new(Shared {
            state: RwLock::new(state),
            changes,
            keeper: self.last_known.clone().map(|last_known| Keeper {
                key: key.clone(),
                last_known,
            }),
        });
        let namespace = key.namespace.as_deref().filter(|_| key.resource.namespaced);
        let Some(kind) = key.resource.table() else {
            let task = tokio::spawn(served::follow(
                client.clone(),
                key.resource.clone(),
                namespace.map(str::to_owned),
                shared.clone(),
                seeded,
            ));
            return self.keep(
                key,
                Table {
                    shared,
                    task: Some(task),
                },
                open,
            );
        };
        let task = match kind {
            Kind::Pods => start(api::<Pod>(client, namespace), rows::pod, &shared, seeded),
            Kind::Deployments => start(
                api::<Deployment>(client, namespace),
                rows::deployment,
                &shared,
                seeded,
            ),
            Kind::StatefulSets => start(
                api::<StatefulSet>(client, namespace),
                rows::stateful_set,
                &shared,
                seeded,
            ),
            Kind::DaemonSets => start(
                api::<DaemonSet>(client, namespace),
                rows::daemon_set,
                &shared,
                seeded,
            ),
            Kind::ReplicaSets => start(
                api::<ReplicaSet>(client, namespace),
                rows::replica_set,
                &shared,
                seeded,
            ),
            Kind::Jobs => start(api::<Job>(client, namespace), rows::job, &shared, seeded),
            Kind::CronJobs => start(
                api::<CronJob>(client, namespace),
                rows::cron_job,
                &shared,
                seeded,
            ),
            Kind::Nodes => start(
                Api::<Node>::all(client.clone()),
                rows::node,
                &shared,
                seeded,
            ),
        };
        self.keep(
            key,
            Table {
                shared,
                task: Some(task),
            },
            open,
        )
    }

    /// The table for `key` from what `last_known` kept, never live: the rows of a snapshot, or
    /// of a cluster kept whose context is gone.
    pub fn open_kept(&self, key: TableKey, last_known: &dyn LastKnown) -> Arc<Table> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|_, table| table.strong_count() > 0);
        if let Some(table) = open.get(&key).and_then(Weak::upgrade) {
            return table;
        }
        let own_columns = key.resource.table().map(|kind| {
            kind.columns()
                .iter()
                .map(|&column| column.to_owned())
                .collect()
        });
        let (rows, columns, as_of) = match last_known.rows(&key) {
            Some((rows, columns, as_of)) => (rows, own_columns.or(columns), Some(as_of)),
            None => (Vec::new(), own_columns, None),
        };
        let state = State {
            rows: rows.into_iter().map(|row| (row.key(), row)).collect(),
            status: Status::ReadOnly { as_of },
            columns,
            live_at: as_of,
        };
        let shared = Arc::new(Shared {
            state: RwLock::new(state),
            changes: tokio::sync::watch::channel(0).0,
            keeper: None,
        });
        self.keep(key, Table { shared, task: None }, open)
    }

    fn keep(
        &self,
        key: TableKey,
        table: Table,
        mut open: std::sync::MutexGuard<'_, HashMap<TableKey, Weak<Table>>>,
    ) -> Arc<Table> {
        let table = Arc::new(table);
        open.insert(key, Arc::downgrade(&table));
        table
    }

    /// How many tables are open (each with its watch).
    pub fn open_count(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.values()
            .filter(|table| table.strong_count() > 0)
            .count()
    }
}

/// Starts following `api` into `shared` (which holds stored rows when `seeded`).
fn start<K>(
    api: Api<K>,
    project: fn(K) -> Row,
    shared: &Arc<Shared>,
    seeded: bool,
) -> tokio::task::JoinHandle<()>
where
    K: KubeResource
        + Clone
        + DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug
        + Send
        + 'static,
{
    tokio::spawn(follow(api, project, shared.clone(), seeded))
}

fn api<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: KubeResource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}

/// Follows one watch, keeping each object as its row. A relist (after a 410 or a broken stream)
/// builds the rows anew and swaps them in whole when it is done: no duplicate and no ghost rows.
/// Stored rows (`seeded`) are swapped out the same way by the first list.
async fn follow<K>(api: Api<K>, project: fn(K) -> Row, shared: Arc<Shared>, seeded: bool)
where
    K: KubeResource
        + Clone
        + DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug
        + Send
        + 'static,
{
    let config = watcher::Config::default()
        .page_size(PAGE)
        .timeout(WATCH_SECONDS);
    let stream = watcher(api, config).default_backoff();
    let mut stream = std::pin::pin!(stream);
    let mut listing: Option<HashMap<String, Row>> = None;
    // The first list shows its rows as its pages arrive (there is nothing they could contradict);
    // a relist, or a first list over stored rows, is built aside and swapped in whole.
    let mut first = !seeded;
    // Whether a list completed: only then does a quiet watcher mean live rows.
    let mut listed = false;
    let mut began = jiff::Timestamp::now();
    // The watcher resumes a broken watch without a word; when it has reported no failure for
    // longer than its next retry would take, the retry worked and the rows are live again.
    let mut failures: u32 = 0;
    // Each object seen is handed to the keeper of the last-known state with its row.
    let seen = |mut object: K| {
        // Text, not a parsed value: while the keeper writes, a list's objects wait as their text.
        let json = shared
            .keeper
            .is_some()
            .then(|| {
                object.meta_mut().managed_fields = None;
                serde_json::to_string(&object).ok()
            })
            .flatten();
        let row = project(object);
        shared.keep(|| json, &row);
        row
    };
    loop {
        let event = if failures > 0 && listed {
            match tokio::time::timeout(quiet_after(failures), stream.next()).await {
                Ok(event) => event,
                Err(_) => {
                    failures = 0;
                    shared.live();
                    continue;
                }
            }
        } else {
            stream.next().await
        };
        let Some(event) = event else { break };
        if event.is_ok() {
            failures = 0;
        }
        match event {
            // A first list that broke off starts over from nothing.
            Ok(Event::Init) if first => {
                began = jiff::Timestamp::now();
                shared.update(|state| state.rows.clear());
            }
            Ok(Event::Init) => {
                began = jiff::Timestamp::now();
                listing = Some(HashMap::new());
            }
            Ok(Event::InitApply(object)) if first => {
                let row = seen(object);
                let mut state = shared.state.write().unwrap_or_else(PoisonError::into_inner);
                state.rows.insert(row.key(), row);
                let shown = state.rows.len();
                drop(state);
                if shown.is_multiple_of(PAGE as usize) {
                    shared.changes.send_modify(|version| *version += 1);
                }
            }
            Ok(Event::InitApply(object)) => {
                let row = seen(object);
                listing.get_or_insert_default().insert(row.key(), row);
            }
            Ok(Event::InitDone) => {
                first = false;
                listed = true;
                if let Some(rows) = listing.take() {
                    shared.update(|state| state.rows = rows);
                }
                shared.live();
                shared.keep_listed(began);
            }
            Ok(Event::Apply(object)) => {
                let row = seen(object);
                shared.update(|state| {
                    state.rows.insert(row.key(), row);
                    state.live_at = Some(jiff::Timestamp::now());
                });
            }
            Ok(Event::Delete(object)) => {
                let row = project(object);
                shared.keep_deleted(&row);
                shared.update(|state| {
                    state.rows.remove(&row.key());
                    state.live_at = Some(jiff::Timestamp::now());
                });
            }
            Err(error) => {
                failures += 1;
                let status = match &error {
                    watcher::Error::InitialListFailed(error)
                    | watcher::Error::WatchStartFailed(error)
                    | watcher::Error::WatchFailed(error) => forbidden_status(error)
                        .unwrap_or_else(|| Status::Retrying(crate::health::message(error))),
                    other => Status::Retrying(crate::health::root_cause(other)),
                };
                shared.failed(status);
            }
        }
    }
}

/// How long after its `failures`-th failure in a row to try again: kube-runtime's default
/// backoff, 0.8 s doubling, at most 30 s.
fn backoff(failures: u32) -> std::time::Duration {
    std::time::Duration::from_millis(800 * 2_u64.pow(failures.min(6)))
        .min(std::time::Duration::from_secs(30))
}

/// How long after its `failures`-th failure in a row a watcher that reports nothing more has
/// resumed: its backoff and 5 s to spare.
fn quiet_after(failures: u32) -> std::time::Duration {
    backoff(failures) + std::time::Duration::from_secs(5)
}

/// `Forbidden` with the server's message when an error is RBAC's 403.
fn forbidden_status(error: &kube::Error) -> Option<Status> {
    match error {
        kube::Error::Api(status) if status.code == 403 => {
            Some(Status::Forbidden(status.message.clone()))
        }
        _ => None,
    }
}
