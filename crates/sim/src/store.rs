//! The object store: every object of the cluster as JSON, one cluster-wide resource version, and a
//! bounded history of changes that watches replay from.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

/// How many live events a watch may fall behind before it is ended (the client then resumes).
const LIVE_BUFFER: usize = 4096;

/// Where an object is filed: the resource's store key (`apps/deployments`), namespace (empty for
/// cluster-scoped objects) and name.
pub type Key = (String, String, String);

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It was created.
    Added,
    /// It was changed.
    Modified,
    /// It was removed.
    Deleted,
}

impl Change {
    /// The watch event type.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "ADDED",
            Change::Modified => "MODIFIED",
            Change::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug)]
pub struct Event {
    /// The resource version of the change.
    pub revision: u64,
    /// What happened.
    pub change: Change,
    /// The resource's store key.
    pub resource: String,
    /// The object's namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// The object after the change (for a deletion: its last state, with the deletion's version).
    pub object: Value,
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// An object with that name exists.
    #[error("already exists")]
    AlreadyExists,
    /// No object has that name.
    #[error("not found")]
    NotFound,
    /// The object changed since the version the writer read.
    #[error("conflict")]
    Conflict,
}

/// A watch could not start from the version asked for: that history is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// The version asked for.
    pub requested: u64,
    /// The oldest version a watch can still start from.
    pub oldest: u64,
}

/// A page of a list.
#[derive(Debug)]
pub struct Page {
    /// The store's version when the page was read.
    pub revision: u64,
    /// The objects of the page.
    pub items: Vec<Value>,
    /// How many more objects match after the page.
    pub remaining: usize,
}

/// The start of a watch: the events after the version asked for, then the live ones.
#[derive(Debug)]
pub struct WatchStart {
    /// Events already in the history, oldest first.
    pub backlog: Vec<Arc<Event>>,
    /// Live events from here on.
    pub live: broadcast::Receiver<Arc<Event>>,
    /// The store's version when the watch started.
    pub revision: u64,
}

#[derive(Debug)]
struct Inner {
    revision: u64,
    objects: BTreeMap<Key, Value>,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// The newest version whose event was dropped from the history.
    compacted: u64,
    /// Live events to every open watch; replacing it ends them all.
    live: broadcast::Sender<Arc<Event>>,
    /// A fault: the next watch that resumes from a version gets 410 Expired.
    expire_next: bool,
}

/// The cluster's objects.
#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
}

impl Store {
    /// An empty store that keeps the last `history_limit` changes for watches to replay.
    pub fn new(history_limit: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                revision: 1,
                objects: BTreeMap::new(),
                history: VecDeque::new(),
                history_limit,
                compacted: 0,
                live: broadcast::channel(LIVE_BUFFER).0,
                expire_next: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-written: every write is one insert.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current cluster-wide resource version.
    pub fn revision(&self) -> u64 {
        self.lock().revision
    }

    /// One object.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&(resource.to_owned(), namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    /// Every object of a resource, in one namespace or in all, sorted by namespace and name; with
    /// the version the list was read at.
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> (u64, Vec<Value>) {
        let inner = self.lock();
        (inner.revision, Self::select(&inner, resource, namespace))
    }

    fn select(inner: &Inner, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        let start = (
            resource.to_owned(),
            namespace.unwrap_or_default().to_owned(),
            String::new(),
        );
        inner
            .objects
            .range(start..)
            .take_while(|((r, ns, _), _)| {
                r == resource && namespace.is_none_or(|wanted| ns == wanted)
            })
            .map(|(_, object)| object.clone())
            .collect()
    }

    /// Calls `visit` with every object of a resource, in one namespace or in all, without copying
    /// them; the store is locked meanwhile, so `visit` must not call back into it.
    pub fn visit(&self, resource: &str, namespace: Option<&str>, mut visit: impl FnMut(&Value)) {
        let inner = self.lock();
        let start = (
            resource.to_owned(),
            namespace.unwrap_or_default().to_owned(),
            String::new(),
        );
        for (_, object) in inner.objects.range(start..).take_while(|((r, ns, _), _)| {
            r == resource && namespace.is_none_or(|wanted| ns == wanted)
        }) {
            visit(object);
        }
    }

    /// One page of a list, in namespace and name order: the objects after `after` (a namespace and
    /// name) that `keep` accepts, at most `limit` of them, and how many more it accepts after them.
    /// Only the page is copied, so paging through a large collection stays cheap.
    pub fn page(
        &self,
        resource: &str,
        namespace: Option<&str>,
        after: Option<(&str, &str)>,
        limit: Option<usize>,
        keep: impl Fn(&Value) -> bool,
    ) -> Page {
        use std::ops::Bound;

        let inner = self.lock();
        let start = match after {
            Some((ns, name)) => {
                Bound::Excluded((resource.to_owned(), ns.to_owned(), name.to_owned()))
            }
            None => Bound::Included((
                resource.to_owned(),
                namespace.unwrap_or_default().to_owned(),
                String::new(),
            )),
        };
        let mut items = Vec::new();
        let mut remaining = 0;
        let matching = inner
            .objects
            .range((start, Bound::Unbounded))
            .take_while(|((r, ns, _), _)| {
                r == resource && namespace.is_none_or(|wanted| ns == wanted)
            })
            .filter(|(_, object)| keep(object));
        for (_, object) in matching {
            if limit.is_none_or(|limit| items.len() < limit) {
                items.push(object.clone());
            } else {
                remaining += 1;
            }
        }
        Page {
            revision: inner.revision,
            items,
            remaining,
        }
    }

    /// Stores a new object, stamping its resource version.
    pub fn create(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
        mut object: Value,
    ) -> Result<Value, StoreError> {
        let mut inner = self.lock();
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        if inner.objects.contains_key(&key) {
            return Err(StoreError::AlreadyExists);
        }
        let revision = inner.revision + 1;
        stamp(&mut object, revision);
        inner.objects.insert(key, object.clone());
        self.record(
            &mut inner,
            Change::Added,
            resource,
            namespace,
            object.clone(),
        );
        Ok(object)
    }

    /// Replaces an object. With `expected`, only if it is still at that resource version. A
    /// replacement equal to the stored object changes nothing and keeps its version.
    pub fn replace(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
        expected: Option<&str>,
        mut object: Value,
    ) -> Result<Value, StoreError> {
        let mut inner = self.lock();
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        let current = inner.objects.get(&key).ok_or(StoreError::NotFound)?;
        let current_version = current
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if expected.is_some_and(|expected| expected != current_version) {
            return Err(StoreError::Conflict);
        }
        // Compare content at the stored version: an identical write is no change at all.
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("resourceVersion".into(), Value::String(current_version));
        }
        if &object == current {
            return Ok(object);
        }
        let revision = inner.revision + 1;
        stamp(&mut object, revision);
        inner.objects.insert(key, object.clone());
        self.record(
            &mut inner,
            Change::Modified,
            resource,
            namespace,
            object.clone(),
        );
        Ok(object)
    }

    /// Removes an object and answers with its last state, stamped with the deletion's version.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) -> Result<Value, StoreError> {
        let mut inner = self.lock();
        let key = (resource.to_owned(), namespace.to_owned(), name.to_owned());
        let mut object = inner.objects.remove(&key).ok_or(StoreError::NotFound)?;
        let revision = inner.revision + 1;
        stamp(&mut object, revision);
        self.record(
            &mut inner,
            Change::Deleted,
            resource,
            namespace,
            object.clone(),
        );
        Ok(object)
    }

    fn record(
        &self,
        inner: &mut Inner,
        change: Change,
        resource: &str,
        namespace: &str,
        object: Value,
    ) {
        inner.revision += 1;
        let event = Arc::new(Event {
            revision: inner.revision,
            change,
            resource: resource.to_owned(),
            namespace: namespace.to_owned(),
            object,
        });
        inner.history.push_back(event.clone());
        while inner.history.len() > inner.history_limit {
            if let Some(dropped) = inner.history.pop_front() {
                inner.compacted = dropped.revision;
            }
        }
        // Nobody listening is fine.
        let _ = inner.live.send(event);
    }

    /// The current objects and the live events after them, read at one instant.
    pub fn watch_now(&self, resource: &str, namespace: Option<&str>) -> (Vec<Value>, WatchStart) {
        let inner = self.lock();
        let objects = Self::select(&inner, resource, namespace);
        (
            objects,
            WatchStart {
                backlog: Vec::new(),
                live: inner.live.subscribe(),
                revision: inner.revision,
            },
        )
    }

    /// The events after `revision` from the history, then the live ones.
    pub fn watch_after(&self, resource: &str, revision: u64) -> Result<WatchStart, Expired> {
        let mut inner = self.lock();
        if std::mem::take(&mut inner.expire_next) {
            return Err(Expired {
                requested: revision,
                oldest: inner.revision + 1,
            });
        }
        if revision < inner.compacted {
            return Err(Expired {
                requested: revision,
                oldest: inner.compacted + 1,
            });
        }
        let backlog = inner
            .history
            .iter()
            .filter(|event| event.revision > revision && event.resource == resource)
            .cloned()
            .collect();
        Ok(WatchStart {
            backlog,
            live: inner.live.subscribe(),
            revision: inner.revision,
        })
    }

    /// How many watches are open.
    pub fn open_watches(&self) -> usize {
        self.lock().live.receiver_count()
    }

    /// Ends every open watch, as an API server restart does; clients then watch again from the
    /// last version they saw.
    pub fn end_watches(&self) {
        self.lock().live = broadcast::channel(LIVE_BUFFER).0;
    }

    /// A fault: the next watch that resumes from a resource version is told it is too old (410
    /// Expired, in the stream), as after an etcd compaction; its client must list again.
    pub fn expire_next_watch(&self) {
        self.lock().expire_next = true;
    }

    /// Forgets the whole history, so that every watch from an older version gets 410 Expired.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.compacted = inner.revision;
    }
}

/// Sets `metadata.resourceVersion`.
fn stamp(object: &mut Value, revision: u64) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert(
            "resourceVersion".into(),
            Value::String(revision.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
    }

    #[test]
    fn every_write_bumps_the_one_resource_version() {
        let store = Store::new(100);
        let first = store
            .create("/configmaps", "default", "a", cm("a"))
            .unwrap();
        let second = store
            .create("/configmaps", "default", "b", cm("b"))
            .unwrap();
        assert_eq!(first["metadata"]["resourceVersion"], "2");
        assert_eq!(second["metadata"]["resourceVersion"], "3");
        let deleted = store.delete("/configmaps", "default", "a").unwrap();
        assert_eq!(deleted["metadata"]["resourceVersion"], "4");
        assert_eq!(store.revision(), 4);
    }

    #[test]
    fn a_stale_replace_conflicts_and_an_identical_one_changes_nothing() {
        let store = Store::new(100);
        store
            .create("/configmaps", "default", "a", cm("a"))
            .unwrap();
        assert_eq!(
            store.replace("/configmaps", "default", "a", Some("1"), cm("a")),
            Err(StoreError::Conflict)
        );
        let same = store
            .replace("/configmaps", "default", "a", Some("2"), cm("a"))
            .unwrap();
        assert_eq!(same["metadata"]["resourceVersion"], "2");
        assert_eq!(store.revision(), 2);
    }

    #[test]
    fn watches_replay_history_and_expire_once_it_is_compacted() {
        let store = Store::new(100);
        store
            .create("/configmaps", "default", "a", cm("a"))
            .unwrap();
        store
            .create("/configmaps", "default", "b", cm("b"))
            .unwrap();
        let start = store.watch_after("/configmaps", 2).unwrap();
        assert_eq!(
            start
                .backlog
                .iter()
                .map(|event| event.revision)
                .collect::<Vec<_>>(),
            [3]
        );
        store.compact();
        assert_eq!(
            store.watch_after("/configmaps", 2).unwrap_err(),
            Expired {
                requested: 2,
                oldest: 4
            }
        );
        assert!(
            store
                .watch_after("/configmaps", 3)
                .unwrap()
                .backlog
                .is_empty()
        );
    }

    #[test]
    fn pages_continue_after_the_last_key_and_count_what_remains() {
        let store = Store::new(100);
        for (namespace, name) in [("a", "1"), ("a", "2"), ("a-b", "1"), ("b", "1")] {
            store
                .create("/configmaps", namespace, name, cm(name))
                .unwrap();
        }
        let first = store.page("/configmaps", None, None, Some(2), |_| true);
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.remaining, 2);
        let second = store.page("/configmaps", None, Some(("a", "2")), Some(2), |_| true);
        assert_eq!(
            second
                .items
                .iter()
                .map(|object| object["metadata"]["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["1", "1"]
        );
        assert_eq!(second.remaining, 0);
    }

    #[test]
    fn lists_are_per_namespace_or_across_all() {
        let store = Store::new(100);
        store.create("/configmaps", "b", "x", cm("x")).unwrap();
        store.create("/configmaps", "a", "y", cm("y")).unwrap();
        store.create("/secrets", "a", "z", cm("z")).unwrap();
        assert_eq!(store.list("/configmaps", Some("a")).1.len(), 1);
        assert_eq!(store.list("/configmaps", None).1.len(), 2);
    }
}
