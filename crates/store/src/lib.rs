//! The offline store: the last-known state of every cluster, in one SQLite file in the user's data
//! directory, so that a cluster that cannot be reached can still be browsed as it was.
//!
//! Per cluster (context) it keeps the cluster's summary, each resource the user viewed (its kind
//! and columns: a *listing*), each object of those resources with its table row, the events about
//! objects whose pages were open, and when each was last seen. Writes go through one writer
//! thread ([`Write`]) that batches them into transactions off the UI's path; reads go through a
//! connection of their own (WAL lets both run at once). Secret values never reach the file: a
//! Secret is stored without `data`, `stringData` and the last-applied annotation that repeats
//! them. The store is bounded per cluster and in total; the least recently viewed resources go
//! first. One cluster's state can be exported to a snapshot file and opened read-only
//! ([`Store::open_snapshot`]).

mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::Value;

pub use write::Write;

/// The schema version this build reads and writes.
pub const VERSION: i64 = 1;

/// How large the store may grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of stored objects per cluster.
    pub per_cluster: u64,
    /// Bytes of stored objects in all.
    pub total: u64,
    /// A hard cap on the file itself, beyond which writes fail as on a full disk.
    pub file: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_cluster: 512 * 1024 * 1024,
            total: 2 * 1024 * 1024 * 1024,
            file: None,
        }
    }
}

/// Why the store cannot be used; each names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file cannot be opened or created.
    #[error(
        "the offline store {path} cannot be opened: {source}; check that the folder exists and may be written to"
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file is damaged or is not a KubeDesk store.
    #[error(
        "{path} is damaged or is not a KubeDesk offline store ({detail}); move it aside and KubeDesk starts a new one"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// A newer KubeDesk wrote the file.
    #[error(
        "{path} was written by a newer KubeDesk (store version {found}, this one reads {VERSION}); update KubeDesk, or move the file aside to start a new one"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
    },
    /// The file is a store, not a snapshot (or the other way round).
    #[error("{path} is not a KubeDesk snapshot; export one from Settings → Offline data")]
    NotSnapshot {
        /// The file.
        path: PathBuf,
    },
    /// The disk (or the file's size limit) is full.
    #[error(
        "the disk holding {path} is full; free some space or lower the offline store's limit in Settings"
    )]
    Full {
        /// The file.
        path: PathBuf,
    },
    /// A snapshot would overwrite a file.
    #[error("{path} exists already; choose a new file name for the snapshot")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Anything else SQLite refused.
    #[error("the offline store {path} failed: {source}")]
    Sql {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// The error `source` on `path`, named by what it means to the user.
    fn from_sql(path: &Path, source: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Self::Full { path },
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Self::Corrupt {
                    path,
                    detail: source.to_string(),
                }
            }
            _ => Self::Sql { path, source },
        }
    }
}

/// The current time in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// A cluster as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCluster {
    /// Its context.
    pub context: String,
    /// Its summary (what the overview showed), as the app wrote it.
    pub summary: Value,
    /// When it was last seen, in ms since the epoch.
    pub seen_at: i64,
}

/// A resource the user viewed in a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Its kind (`Deployment`).
    pub kind: String,
    /// Its table's columns, as the app wrote them.
    pub columns: Value,
    /// When its table was last live, in ms since the epoch.
    pub seen_at: i64,
}

/// An object's table row as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    /// Its namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its cells, as the app wrote them (JSON text, for the app to read into its own types).
    pub cells: String,
    /// When it was last seen, in ms since the epoch.
    pub seen_at: i64,
}

/// An object as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    /// The object (a Secret without its values).
    pub object: Value,
    /// When it was last seen, in ms since the epoch.
    pub seen_at: i64,
}

/// What the store holds for one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSize {
    /// The context.
    pub context: String,
    /// Bytes of its objects and events.
    pub bytes: u64,
    /// How many objects.
    pub objects: u64,
}

/// What the store holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sizes {
    /// Per cluster, largest first.
    pub clusters: Vec<ClusterSize>,
    /// Bytes of objects and events in all.
    pub total: u64,
    /// The file's size on disk (with its write-ahead log).
    pub file_bytes: u64,
}

/// Where a snapshot came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotOf {
    /// The context exported.
    pub context: String,
    /// When, in ms since the epoch.
    pub exported_at: i64,
}

/// The offline store (or a snapshot opened read-only).
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    read: Mutex<Connection>,
    writer: Option<write::Writer>,
    snapshot_of: Option<SnapshotOf>,
}

/// The store's key of a resource: `group/version/plural` (`/v1/pods` for the core group).
pub fn resource_id(group: &str, version: &str, plural: &str) -> String {
    format!("{group}/{version}/{plural}")
}

impl Store {
    /// Opens the store at `path`, creating it (and its folder) when missing, bounded by `limits`.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, StoreError> {
        if let Some(folder) = path.parent() {
            // A folder that cannot be made shows as the open's error just below.
            let _ = std::fs::create_dir_all(folder);
        }
        let connection = |flags| {
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let writing = connection(flags)?;
        schema::prepare(&writing, path, false)?;
        if let Some(bytes) = limits.file {
            let sql = |error| StoreError::from_sql(path, error);
            let page: i64 = writing
                .pragma_query_value(None, "page_size", |row| row.get(0))
                .map_err(sql)?;
            let pages = i64::try_from(bytes).unwrap_or(i64::MAX) / page.max(1);
            writing
                .pragma_update(None, "max_page_count", pages)
                .map_err(sql)?;
        }
        let reading =
            connection(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        schema::tune(&reading, path)?;
        Ok(Self {
            path: path.to_path_buf(),
            read: Mutex::new(reading),
            writer: Some(write::Writer::start(writing, path.to_path_buf(), limits)),
            snapshot_of: None,
        })
    }

    /// Opens a snapshot file read-only.
    pub fn open_snapshot(path: &Path) -> Result<Self, StoreError> {
        let reading = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        schema::prepare(&reading, path, true)?;
        let snapshot_of =
            schema::snapshot_of(&reading, path)?.ok_or_else(|| StoreError::NotSnapshot {
                path: path.to_path_buf(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            read: Mutex::new(reading),
            writer: None,
            snapshot_of: Some(snapshot_of),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a snapshot came from; `None` for the store itself.
    pub fn snapshot_of(&self) -> Option<&SnapshotOf> {
        self.snapshot_of.as_ref()
    }

    /// Hands `write` to the writer, which commits it with others shortly. A snapshot takes none.
    pub fn write(&self, write: Write) {
        if let Some(writer) = &self.writer {
            writer.send(write);
        }
    }

    /// Bounds the store by `limits` from now on; what is over them goes with the next commit.
    pub fn set_limits(&self, limits: Limits) {
        if let Some(writer) = &self.writer {
            writer.set_limits(limits);
        }
    }

    /// Waits until everything written before is committed (or failed).
    pub fn flush(&self) {
        if let Some(writer) = &self.writer {
            writer.flush();
        }
    }

    /// The last write that failed, if the writer has failed since it last succeeded: live use goes
    /// on without the store.
    pub fn failure(&self) -> Option<Arc<StoreError>> {
        self.writer.as_ref().and_then(write::Writer::failure)
    }

    fn read<T>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let connection = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        query(&connection).map_err(|error| StoreError::from_sql(&self.path, error))
    }

    /// Every stored cluster, by context.
    pub fn clusters(&self) -> Result<Vec<StoredCluster>, StoreError> {
        self.read(|connection| {
            let mut statement = connection
                .prepare("SELECT context, summary, seen_at FROM clusters ORDER BY context")?;
            let rows = statement.query_map([], |row| {
                Ok(StoredCluster {
                    context: row.get(0)?,
                    summary: json(&row.get::<_, String>(1)?),
                    seen_at: row.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The cluster of `context`, if it is stored.
    pub fn cluster(&self, context: &str) -> Result<Option<StoredCluster>, StoreError> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT summary, seen_at FROM clusters WHERE context = ?1",
                    params![context],
                    |row| {
                        Ok(StoredCluster {
                            context: context.to_owned(),
                            summary: json(&row.get::<_, String>(0)?),
                            seen_at: row.get(1)?,
                        })
                    },
                )
                .optional()
        })
    }

    /// The resource `resource` of `context` as last viewed.
    pub fn listing(&self, context: &str, resource: &str) -> Result<Option<Listing>, StoreError> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT kind, columns, seen_at FROM listings WHERE context = ?1 AND resource = ?2",
                    params![context, resource],
                    |row| {
                        Ok(Listing {
                            kind: row.get(0)?,
                            columns: json(&row.get::<_, String>(1)?),
                            seen_at: row.get(2)?,
                        })
                    },
                )
                .optional()
        })
    }

    /// The rows of `resource` in `context`, of one namespace or all, in no particular order.
    pub fn rows(
        &self,
        context: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<StoredRow>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT namespace, name, cells, seen_at FROM rows
                 WHERE context = ?1 AND resource = ?2 AND (?3 IS NULL OR namespace = ?3)",
            )?;
            let rows = statement.query_map(params![context, resource, namespace], |row| {
                Ok(StoredRow {
                    namespace: row.get(0)?,
                    name: row.get(1)?,
                    cells: row.get(2)?,
                    seen_at: row.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    /// One object as last seen.
    pub fn object(
        &self,
        context: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<StoredObject>, StoreError> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT object, seen_at FROM objects
                     WHERE context = ?1 AND resource = ?2 AND namespace = ?3 AND name = ?4",
                    params![context, resource, namespace, name],
                    |row| {
                        Ok(StoredObject {
                            object: json(&row.get::<_, String>(0)?),
                            seen_at: row.get(1)?,
                        })
                    },
                )
                .optional()
        })
    }

    /// The events last seen about an object (`about`: as the writer was given it).
    pub fn events(&self, context: &str, about: &str) -> Result<Vec<Value>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT event FROM events WHERE context = ?1 AND about = ?2 ORDER BY uid",
            )?;
            let rows = statement.query_map(params![context, about], |row| {
                Ok(json(&row.get::<_, String>(0)?))
            })?;
            rows.collect()
        })
    }

    /// What the store holds, per cluster and in all.
    pub fn sizes(&self) -> Result<Sizes, StoreError> {
        let clusters = self.read(schema::sizes)?;
        let total = clusters.iter().map(|cluster| cluster.bytes).sum();
        let file_bytes = ["", "-wal"]
            .iter()
            .filter_map(|suffix| {
                let mut name = self.path.as_os_str().to_owned();
                name.push(suffix);
                std::fs::metadata(PathBuf::from(name)).ok()
            })
            .map(|metadata| metadata.len())
            .sum();
        Ok(Sizes {
            clusters,
            total,
            file_bytes,
        })
    }

    /// Forgets everything stored about `context`.
    pub fn forget(&self, context: &str) {
        self.write(Write::Forget {
            context: context.to_owned(),
        });
        self.flush();
    }

    /// Writes everything stored about `context` to a new snapshot file at `to`.
    pub fn export(&self, context: &str, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::Exists {
                path: to.to_path_buf(),
            });
        }
        self.flush();
        let exported = Connection::open(to).map_err(|source| StoreError::Open {
            path: to.to_path_buf(),
            source,
        })?;
        let result = schema::export(&exported, &self.path, context, to);
        drop(exported);
        if result.is_err() {
            // Half a snapshot is no snapshot.
            let _ = std::fs::remove_file(to);
        }
        result
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
