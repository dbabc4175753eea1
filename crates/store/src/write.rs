//! The writer: one thread with the store's writing connection, which gathers the writes handed to
//! it for a moment and commits them in one transaction, keeps the store within its limits, and
//! remembers its last failure (a full disk) so that the app can say it while live use goes on.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use serde_json::Value;

use crate::{Limits, StoreError, now_ms};

/// How long the writer gathers writes before it commits them.
const GATHER: Duration = Duration::from_millis(50);
/// The most writes one transaction takes.
const MOST: usize = 20_000;
/// How many bytes may be written before the limits are checked again.
const CHECK_AFTER_BYTES: usize = 4 * 1024 * 1024;

/// One change to the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// A cluster was seen: what is known of it, merged into what was (a JSON merge patch: each
    /// key given replaces the one stored, the others stay).
    Cluster {
        /// The context.
        context: String,
        /// The summary's keys, as the app reads them back.
        summary: Value,
    },
    /// A resource's table was listed: its kind and columns.
    Listed {
        /// The context.
        context: String,
        /// The resource (`crate::resource_id`).
        resource: String,
        /// Its kind.
        kind: String,
        /// Its columns, as the app reads them back.
        columns: Value,
    },
    /// The user opened a resource's table: it is kept before those viewed less recently.
    Viewed {
        /// The context.
        context: String,
        /// The resource.
        resource: String,
    },
    /// An object as seen now, with its table row.
    Put {
        /// The context.
        context: String,
        /// The resource.
        resource: String,
        /// Its namespace (empty for cluster-scoped objects).
        namespace: String,
        /// Its name.
        name: String,
        /// The object as JSON text (`None` when only its row is known: an object stored before
        /// is kept). Text, not a parsed value: a list of 100,000 objects waits here as their
        /// text, a fraction of the memory. A Secret's values and the managed fields are dropped
        /// before it is stored.
        object: Option<String>,
        /// Its table row's cells as JSON text (`None` when its page saw it, not its table: cells
        /// stored before are kept).
        cells: Option<String>,
    },
    /// An object was deleted.
    Delete {
        /// The context.
        context: String,
        /// The resource.
        resource: String,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// A list of the resource (in a namespace, or all) completed: what it did not put since
    /// `since` is gone.
    Relisted {
        /// The context.
        context: String,
        /// The resource.
        resource: String,
        /// The namespace listed, or `None` for all.
        namespace: Option<String>,
        /// When the list began, in ms since the epoch.
        since: i64,
    },
    /// The events about an object, replacing those stored.
    Events {
        /// The context.
        context: String,
        /// The object (`resource/namespace/name`).
        about: String,
        /// The events.
        events: Vec<Value>,
    },
    /// Everything about a cluster is forgotten.
    Forget {
        /// The context.
        context: String,
    },
}

#[allow(
    clippy::large_enum_variant,
    reason = "nearly every message is a write: boxing them would cost an allocation per object"
)]
enum Message {
    Write(Write),
    Flush(mpsc::Sender<()>),
    Limits(Limits),
}

type Failure = Arc<Mutex<Option<Arc<StoreError>>>>;

#[derive(Debug)]
pub(crate) struct Writer {
    sender: Option<mpsc::Sender<Message>>,
    failure: Failure,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    /// Commits what was handed over and closes the file before the store is gone.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Writer {
    pub(crate) fn start(connection: Connection, path: PathBuf, limits: Limits) -> Self {
        let (sender, receiver) = mpsc::channel();
        let failure = Failure::default();
        let failed = failure.clone();
        // Without its thread (none could start) the sends fail and the store takes no writes;
        // the app goes on live.
        let thread = std::thread::Builder::new()
            .name("offline-store".into())
            .spawn(move || run(connection, &path, limits, &receiver, &failed))
            .ok();
        Self {
            sender: Some(sender),
            failure,
            thread,
        }
    }

    fn message(&self, message: Message) -> bool {
        self.sender
            .as_ref()
            .is_some_and(|sender| sender.send(message).is_ok())
    }

    pub(crate) fn send(&self, write: Write) {
        self.message(Message::Write(write));
    }

    pub(crate) fn set_limits(&self, limits: Limits) {
        self.message(Message::Limits(limits));
    }

    pub(crate) fn flush(&self) {
        let (done, wait) = mpsc::channel();
        if self.message(Message::Flush(done)) {
            let _ = wait.recv();
        }
    }

    pub(crate) fn failure(&self) -> Option<Arc<StoreError>> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn run(
    mut connection: Connection,
    path: &std::path::Path,
    mut limits: Limits,
    receiver: &mpsc::Receiver<Message>,
    failure: &Failure,
) {
    let mut written = 0_usize;
    while let Ok(first) = receiver.recv() {
        let mut writes = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        let until = Instant::now() + GATHER;
        while let Some(message) = next.take() {
            match message {
                Message::Write(write) => writes.push(write),
                Message::Flush(done) => flushes.push(done),
                // New limits are applied with this commit, as a flush's are.
                Message::Limits(new) => {
                    limits = new;
                    written = CHECK_AFTER_BYTES;
                }
            }
            if !flushes.is_empty() || writes.len() >= MOST {
                break;
            }
            // Timed out (commit what came) or every sender gone (commit it, then end).
            next = receiver
                .recv_timeout(until.saturating_duration_since(Instant::now()))
                .ok();
        }
        let result = commit(&mut connection, &writes).and_then(|bytes| {
            written += bytes;
            if written >= CHECK_AFTER_BYTES || !flushes.is_empty() {
                written = 0;
                bound(&mut connection, limits)?;
                checkpoint(&connection)?;
            }
            Ok(())
        });
        *failure.lock().unwrap_or_else(PoisonError::into_inner) = result
            .err()
            .map(|error| Arc::new(StoreError::from_sql(path, error)));
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// `object` (JSON text) as it may be stored: read and written again only when it may hold what
/// may not be (managed fields, a Secret's values); `None` when it must be read and is not JSON.
fn stored_text<'a>(resource: &str, object: &'a str) -> Option<std::borrow::Cow<'a, str>> {
    let clean = !object.contains("managedFields")
        && !object.contains("Secret")
        && resource != "/v1/secrets";
    if clean {
        return Some(std::borrow::Cow::Borrowed(object));
    }
    let value: Value = serde_json::from_str(object).ok()?;
    Some(std::borrow::Cow::Owned(stored(resource, value).to_string()))
}

/// `object` as it may be stored: without managed fields, and a Secret without its values.
fn stored(resource: &str, mut object: Value) -> Value {
    let secret =
        resource == "/v1/secrets" || (object["kind"] == "Secret" && object["apiVersion"] == "v1");
    if let Some(map) = object.as_object_mut() {
        if secret {
            map.remove("data");
            map.remove("stringData");
        }
        if let Some(metadata) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("managedFields");
            if secret
                && let Some(annotations) = metadata
                    .get_mut("annotations")
                    .and_then(Value::as_object_mut)
            {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
    }
    object
}

/// Commits `writes` in one transaction; answers how many bytes of objects it wrote.
fn commit(connection: &mut Connection, writes: &[Write]) -> rusqlite::Result<usize> {
    let now = now_ms();
    let mut bytes = 0;
    let transaction = connection.transaction()?;
    for write in writes {
        match write {
            Write::Cluster { context, summary } => {
                transaction
                    .prepare_cached(
                        "INSERT INTO clusters (context, summary, seen_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT DO UPDATE SET summary = json_patch(clusters.summary, excluded.summary),
                             seen_at = excluded.seen_at",
                    )?
                    .execute(params![context, summary.to_string(), now])?;
            }
            Write::Listed {
                context,
                resource,
                kind,
                columns,
            } => {
                transaction
                    .prepare_cached(
                        "INSERT INTO listings (context, resource, kind, columns, seen_at, viewed_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                         ON CONFLICT DO UPDATE SET kind = excluded.kind, columns = excluded.columns,
                             seen_at = excluded.seen_at",
                    )?
                    .execute(params![context, resource, kind, columns.to_string(), now])?;
            }
            Write::Viewed { context, resource } => {
                transaction
                    .prepare_cached(
                        "UPDATE listings SET viewed_at = ?3 WHERE context = ?1 AND resource = ?2",
                    )?
                    .execute(params![context, resource, now])?;
            }
            Write::Put {
                context,
                resource,
                namespace,
                name,
                object,
                cells,
            } => {
                if let Some(cells) = cells {
                    bytes += cells.len();
                    transaction
                        .prepare_cached(
                            "INSERT INTO rows (context, resource, namespace, name, cells, seen_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT DO UPDATE SET cells = excluded.cells, seen_at = excluded.seen_at",
                        )?
                        .execute(params![context, resource, namespace, name, cells, now])?;
                }
                if let Some(object) = object
                    .as_deref()
                    .and_then(|text| stored_text(resource, text))
                {
                    bytes += object.len();
                    transaction
                        .prepare_cached(
                            "INSERT INTO objects (context, resource, namespace, name, object, seen_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT DO UPDATE SET object = excluded.object, seen_at = excluded.seen_at",
                        )?
                        .execute(params![context, resource, namespace, name, object, now])?;
                }
            }
            Write::Delete {
                context,
                resource,
                namespace,
                name,
            } => {
                for table in ["rows", "objects"] {
                    transaction
                        .prepare_cached(&format!(
                            "DELETE FROM {table}
                             WHERE context = ?1 AND resource = ?2 AND namespace = ?3 AND name = ?4"
                        ))?
                        .execute(params![context, resource, namespace, name])?;
                }
            }
            Write::Relisted {
                context,
                resource,
                namespace,
                since,
            } => {
                // The rows the list did not see are gone, and with them their objects.
                transaction
                    .prepare_cached(
                        "DELETE FROM rows WHERE context = ?1 AND resource = ?2
                             AND (?3 IS NULL OR namespace = ?3) AND seen_at < ?4",
                    )?
                    .execute(params![context, resource, namespace, since])?;
                transaction
                    .prepare_cached(
                        "DELETE FROM objects WHERE context = ?1 AND resource = ?2
                             AND (?3 IS NULL OR namespace = ?3)
                             AND NOT EXISTS (SELECT 1 FROM rows r WHERE r.context = objects.context
                                 AND r.resource = objects.resource AND r.namespace = objects.namespace
                                 AND r.name = objects.name)",
                    )?
                    .execute(params![context, resource, namespace])?;
            }
            Write::Events {
                context,
                about,
                events,
            } => {
                transaction
                    .prepare_cached("DELETE FROM events WHERE context = ?1 AND about = ?2")?
                    .execute(params![context, about])?;
                for event in events {
                    let uid = event
                        .pointer("/metadata/uid")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    transaction
                        .prepare_cached(
                            "INSERT OR REPLACE INTO events (context, about, uid, event)
                             VALUES (?1, ?2, ?3, ?4)",
                        )?
                        .execute(params![
                            context,
                            about,
                            uid,
                            stored("", event.clone()).to_string()
                        ])?;
                }
            }
            Write::Forget { context } => {
                for table in ["clusters", "listings", "rows", "objects", "events"] {
                    transaction.execute(
                        &format!("DELETE FROM {table} WHERE context = ?1"),
                        [context],
                    )?;
                }
            }
        }
    }
    transaction.commit()?;
    Ok(bytes)
}

/// Drops the least recently viewed resources until each cluster and the whole store are within
/// `limits`, and gives the freed pages back to the disk.
fn bound(connection: &mut Connection, limits: Limits) -> rusqlite::Result<()> {
    struct Group {
        context: String,
        resource: String,
        bytes: u64,
    }
    let groups: Vec<Group> = {
        let mut statement = connection.prepare(
            "SELECT k.context, k.resource, sum(k.bytes), coalesce(l.viewed_at, 0) AS viewed
             FROM (SELECT context, resource, length(cells) AS bytes FROM rows
                   UNION ALL SELECT context, resource, length(object) FROM objects) k
             LEFT JOIN listings l USING (context, resource)
             GROUP BY k.context, k.resource ORDER BY viewed, k.context, k.resource",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(Group {
                context: row.get(0)?,
                resource: row.get(1)?,
                bytes: row.get::<_, i64>(2)?.try_into().unwrap_or(0),
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut per_cluster: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for group in &groups {
        *per_cluster.entry(&group.context).or_default() += group.bytes;
    }
    let mut total: u64 = groups.iter().map(|group| group.bytes).sum();
    let mut dropped = Vec::new();
    for group in &groups {
        let cluster = per_cluster
            .get(group.context.as_str())
            .copied()
            .unwrap_or(0);
        if cluster > limits.per_cluster || total > limits.total {
            per_cluster.insert(&group.context, cluster - group.bytes);
            total -= group.bytes;
            dropped.push(group);
        }
    }
    if dropped.is_empty() {
        return Ok(());
    }
    let transaction = connection.transaction()?;
    for group in dropped {
        for table in ["rows", "objects", "listings"] {
            transaction.execute(
                &format!("DELETE FROM {table} WHERE context = ?1 AND resource = ?2"),
                params![group.context, group.resource],
            )?;
        }
    }
    transaction.commit()?;
    connection.execute_batch("PRAGMA incremental_vacuum")
}

/// Folds the write-ahead log into the file and empties it, so that the log does not grow with
/// every large list (readers that hold an older snapshot make it wait; it is tried again later).
fn checkpoint(connection: &Connection) -> rusqlite::Result<()> {
    connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}
