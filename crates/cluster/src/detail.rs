//! One object, live: the object itself, its events, and the objects it owns or runs (a
//! Deployment's ReplicaSets and pods, a node's pods), each followed by its own watch and put
//! together again whenever any of them changes. What a detail page shows of the object is in
//! `detail/describe.rs`.

mod describe;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::stream::{BoxStream, SelectAll};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::Resource;
use kube::api::{Api, DynamicObject};
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, watcher};
use kube::runtime::{WatchStreamExt as _, reflector::store::Writer};
use serde::de::DeserializeOwned;

pub use describe::{Condition, Container, Description, Fact, Owner, describe};

use crate::actions::ObjectRef;
use crate::tables::{Kind, Row, rows};

/// How long changes are gathered before the detail is put together again.
const GATHER: Duration = Duration::from_millis(50);

/// Where the object stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Presence {
    /// Not read yet.
    #[default]
    Loading,
    /// It exists.
    Found,
    /// It does not exist (or no longer).
    Gone,
    /// It cannot be read: the server's message (forbidden, unreachable).
    Failed(String),
    /// As last seen (the offline store), as of a moment: the cluster has not answered yet, or
    /// cannot be reached (`message` says why).
    Offline {
        /// When it was last seen live.
        as_of: jiff::Timestamp,
        /// Why the cluster does not answer, once it failed to.
        message: Option<String>,
    },
}

/// One event about the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// `Normal` or `Warning`.
    pub kind: String,
    /// The reason (`Scheduled`, `BackOff`).
    pub reason: String,
    /// The message.
    pub message: String,
    /// How many times it happened.
    pub count: i32,
    /// When it last happened.
    pub last_seen: Option<jiff::Timestamp>,
    /// Who reported it (`default-scheduler`, `kubelet`).
    pub source: String,
}

impl EventRow {
    /// The event as JSON, to be kept (the offline store) and read back with
    /// [`EventRow::from_json`].
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": self.kind, "reason": self.reason, "message": self.message, "count": self.count,
            "lastSeen": self.last_seen.map(|time| time.to_string()), "source": self.source,
        })
    }

    /// The event kept as `kept`.
    pub fn from_json(kept: &serde_json::Value) -> Self {
        let text = |key: &str| kept[key].as_str().unwrap_or_default().to_owned();
        Self {
            kind: text("type"),
            reason: text("reason"),
            message: text("message"),
            count: kept["count"]
                .as_i64()
                .and_then(|count| i32::try_from(count).ok())
                .unwrap_or(1),
            last_seen: kept["lastSeen"].as_str().and_then(|time| time.parse().ok()),
            source: text("source"),
        }
    }
}

/// Objects related to the object, of one kind, as table rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// Their kind.
    pub kind: Kind,
    /// Their rows, by name.
    pub rows: Vec<Row>,
}

/// Everything a detail page shows, as it is now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    /// Where the object stands.
    pub presence: Presence,
    /// The object, described (when found).
    pub description: Option<Description>,
    /// Its events, latest first.
    pub events: Vec<EventRow>,
    /// What it owns or runs.
    pub related: Vec<Related>,
    /// The object as the server has it (when found), to be kept for offline reading.
    pub object: Option<serde_json::Value>,
}

/// The detail of `object` as last seen (`object` and its `events`, from the offline store), as
/// of `as_of`; `message` says why the cluster does not answer, once it failed to.
pub fn stored(
    resource: &crate::resources::Resource,
    object: &serde_json::Value,
    events: Vec<EventRow>,
    as_of: jiff::Timestamp,
    message: Option<String>,
) -> Detail {
    Detail {
        presence: Presence::Offline { as_of, message },
        description: Some(describe(resource.table(), object)),
        events,
        related: Vec::new(),
        object: Some(object.clone()),
    }
}

/// A followed object. Dropping it stops its watches.
#[derive(Debug)]
pub struct DetailWatch {
    changes: tokio::sync::watch::Receiver<Detail>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DetailWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DetailWatch {
    /// A receiver of the detail as it changes.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<Detail> {
        self.changes.clone()
    }
}

/// What one of the watches reported.
enum Change {
    /// Its objects changed.
    Changed,
    /// Its first list is in.
    Listed(Source),
    /// It failed: why.
    Failed(Source, String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Object,
    Other,
}

/// The stores the detail is put together from.
struct Stores {
    object: Store<DynamicObject>,
    events: Store<Event>,
    replica_sets: Option<Store<ReplicaSet>>,
    pods: Option<Store<Pod>>,
    jobs: Option<Store<Job>>,
}

/// Starts following `object`.
pub fn follow(client: &kube::Client, object: ObjectRef) -> DetailWatch {
    let (sender, changes) = tokio::sync::watch::channel(Detail::default());
    let mut streams = SelectAll::new();
    let resource = object.resource.api_resource();
    let named = watcher::Config::default().fields(&format!("metadata.name={}", object.name));
    let writer = Writer::new(resource);
    let object_store = writer.as_reader();
    streams.push(watched(writer, object.api(client), named, Source::Object));
    let mut about = format!(
        "involvedObject.kind={},involvedObject.name={}",
        object.resource.kind, object.name
    );
    if let Some(namespace) = &object.namespace {
        about.push_str(&format!(",involvedObject.namespace={namespace}"));
    }
    let events = related_store(
        &mut streams,
        Api::<Event>::all(client.clone()),
        watcher::Config::default().fields(&about),
    );
    let namespace = object.namespace.as_deref().unwrap_or_default();
    let kind = object.resource.table();
    let claim = is_claim(&object);
    let children = |streams: &mut SelectAll<_>| match kind {
        Some(Kind::Nodes) => related_store(
            streams,
            Api::<Pod>::all(client.clone()),
            watcher::Config::default().fields(&format!("spec.nodeName={}", object.name)),
        ),
        _ => related_store(
            streams,
            Api::<Pod>::namespaced(client.clone(), namespace),
            watcher::Config::default(),
        ),
    };
    let stores = Stores {
        object: object_store,
        events,
        replica_sets: (kind == Some(Kind::Deployments)).then(|| {
            related_store(
                &mut streams,
                Api::<ReplicaSet>::namespaced(client.clone(), namespace),
                watcher::Config::default(),
            )
        }),
        pods: (matches!(
            kind,
            Some(
                Kind::Deployments
                    | Kind::StatefulSets
                    | Kind::DaemonSets
                    | Kind::ReplicaSets
                    | Kind::Jobs
                    | Kind::Nodes
            )
        ) || claim)
            .then(|| children(&mut streams)),
        jobs: (kind == Some(Kind::CronJobs)).then(|| {
            related_store(
                &mut streams,
                Api::<Job>::namespaced(client.clone(), namespace),
                watcher::Config::default(),
            )
        }),
    };
    let task = tokio::spawn(run(client.clone(), object, stores, streams, sender));
    DetailWatch { changes, task }
}

fn watched<K>(
    writer: Writer<K>,
    api: Api<K>,
    config: watcher::Config,
    source: Source,
) -> BoxStream<'static, Change>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + Sync + 'static,
    K::DynamicType: Clone + Eq + std::hash::Hash + Send + Sync,
{
    reflector::reflector(writer, watcher(api, config).default_backoff())
        .map(move |event| match event {
            Ok(watcher::Event::InitDone) => Change::Listed(source),
            Ok(_) => Change::Changed,
            Err(error) => Change::Failed(source, failure(&error)),
        })
        .boxed()
}

fn related_store<K>(
    streams: &mut SelectAll<BoxStream<'static, Change>>,
    api: Api<K>,
    config: watcher::Config,
) -> Store<K>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + Sync + 'static,
    K::DynamicType: Clone + Default + Eq + std::hash::Hash + Send + Sync,
{
    let writer = Writer::default();
    let store = writer.as_reader();
    streams.push(watched(writer, api, config, Source::Other));
    store
}

fn failure(error: &watcher::Error) -> String {
    match error {
        watcher::Error::InitialListFailed(error)
        | watcher::Error::WatchStartFailed(error)
        | watcher::Error::WatchFailed(error) => crate::health::message(error),
        other => crate::health::root_cause(other),
    }
}

async fn run(
    client: kube::Client,
    object: ObjectRef,
    stores: Stores,
    mut streams: SelectAll<BoxStream<'static, Change>>,
    sender: tokio::sync::watch::Sender<Detail>,
) {
    let mut presence = Presence::Loading;
    let mut listed = false;
    while let Some(change) = streams.next().await {
        match change {
            Change::Listed(Source::Object) => listed = true,
            Change::Failed(Source::Object, message) => presence = Presence::Failed(message),
            Change::Listed(Source::Other) | Change::Changed | Change::Failed(Source::Other, _) => {}
        }
        // Gather what else changed at the same moment before putting the detail together.
        let gathered = tokio::time::sleep(GATHER);
        tokio::pin!(gathered);
        loop {
            tokio::select! {
                () = &mut gathered => break,
                next = streams.next() => match next {
                    Some(Change::Listed(Source::Object)) => listed = true,
                    Some(Change::Failed(Source::Object, message)) => presence = Presence::Failed(message),
                    Some(_) => {}
                    None => break,
                },
            }
        }
        let found = stores.object.state().into_iter().next();
        if found.is_some() {
            presence = Presence::Found;
        } else if listed && !matches!(presence, Presence::Failed(_)) {
            presence = Presence::Gone;
        }
        let mut detail = put_together(&object, &stores, presence.clone(), found.as_deref());
        // A resource without columns of its own shows those the server prints for it first (a
        // page that cannot have them, forbidden or failing, shows the rest).
        if object.resource.table().is_none()
            && let Some(description) = detail.description.as_mut()
            && let Ok(printed) = crate::tables::printed(&client, &object).await
        {
            let facts = printed.into_iter().map(|(name, value)| Fact {
                name: name.into(),
                value,
            });
            description.facts.splice(0..0, facts);
        }
        if sender.send(detail).is_err() {
            return;
        }
    }
}

fn put_together(
    object: &ObjectRef,
    stores: &Stores,
    presence: Presence,
    found: Option<&DynamicObject>,
) -> Detail {
    let value = found.and_then(|found| serde_json::to_value(found).ok());
    let Some(value) = value else {
        return Detail {
            presence,
            ..Detail::default()
        };
    };
    let uid = value
        .pointer("/metadata/uid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut events: Vec<EventRow> = stores
        .events
        .state()
        .iter()
        .map(|event| event_row(event))
        .collect();
    events.sort_by_key(|event| std::cmp::Reverse(event.last_seen));
    let owned_by =
        |owners: &HashSet<String>,
         metadata: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            metadata
                .owner_references
                .iter()
                .flatten()
                .any(|owner| owners.contains(&owner.uid))
        };
    let mut owners = HashSet::from([uid]);
    let mut related = Vec::new();
    if let Some(sets) = &stores.replica_sets {
        let sets: Vec<Arc<ReplicaSet>> = sets.state_filter(|set| owned_by(&owners, &set.metadata));
        owners.extend(sets.iter().filter_map(|set| set.metadata.uid.clone()));
        related.push(rows_of(Kind::ReplicaSets, sets, rows::replica_set));
    }
    if let Some(jobs) = &stores.jobs {
        let jobs = jobs.state_filter(|job| owned_by(&owners, &job.metadata));
        related.push(rows_of(Kind::Jobs, jobs, rows::job));
    }
    if let Some(pods) = &stores.pods {
        let pods = if object.resource.table() == Some(Kind::Nodes) {
            pods.state()
        } else if is_claim(object) {
            // A volume's pods are those that mount it.
            pods.state_filter(|pod| crate::storage::mounts(pod, &object.name))
        } else {
            pods.state_filter(|pod| owned_by(&owners, &pod.metadata))
        };
        related.push(rows_of(Kind::Pods, pods, rows::pod));
    }
    Detail {
        presence,
        description: Some(describe(object.resource.table(), &value)),
        events,
        related,
        object: Some(value),
    }
}

/// Whether `object` is a volume (a PersistentVolumeClaim), whose page lists the pods mounting it.
fn is_claim(object: &ObjectRef) -> bool {
    object.resource.group.is_empty() && object.resource.plural == "persistentvolumeclaims"
}

fn rows_of<K: Clone>(kind: Kind, objects: Vec<Arc<K>>, project: fn(K) -> Row) -> Related {
    let mut rows: Vec<Row> = objects
        .into_iter()
        .map(|object| project(Arc::unwrap_or_clone(object)))
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Related { kind, rows }
}

/// When an event last happened: its last time, else its event time, else when it was made.
pub(crate) fn last_seen(event: &Event) -> Option<jiff::Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|time| time.0)
        .or_else(|| event.event_time.as_ref().map(|time| time.0))
        .or_else(|| {
            event
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|time| time.0)
        })
}

fn event_row(event: &Event) -> EventRow {
    let last_seen = last_seen(event);
    let source = event
        .source
        .as_ref()
        .and_then(|source| source.component.clone())
        .or_else(|| event.reporting_component.clone())
        .unwrap_or_default();
    EventRow {
        kind: event.type_.clone().unwrap_or_default(),
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default(),
        count: event.count.unwrap_or(1),
        last_seen,
        source,
    }
}

/// Reads `object` once (for the YAML editor and for tests): the object as the server has it.
pub async fn get(client: &kube::Client, object: &ObjectRef) -> kube::Result<serde_json::Value> {
    let found = object.api(client).get(&object.name).await?;
    serde_json::to_value(found).map_err(kube::Error::SerdeError)
}
