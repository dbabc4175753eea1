//! The file's schema, its checks on open (a KubeDesk store, not damaged, not newer), sizes, and
//! exporting one cluster to a snapshot.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::{ClusterSize, SnapshotOf, StoreError, VERSION, now_ms};

/// The page size of new files.
const PAGE_SIZE: i64 = 16_384;

/// Marks a file as KubeDesk's ("KDST").
const APPLICATION_ID: i64 = 0x4B44_5354;

const TABLES: &str = "
CREATE TABLE clusters (
    context TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);
CREATE TABLE listings (
    context TEXT NOT NULL,
    resource TEXT NOT NULL,
    kind TEXT NOT NULL,
    columns TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    viewed_at INTEGER NOT NULL,
    PRIMARY KEY (context, resource)
);
-- The rows a table shows are apart from the objects, so that a table opened offline reads only
-- its rows: small, kept in key order (WITHOUT ROWID), read as one run of pages. Objects (a
-- kilobyte or more, sometimes many) live in a rowid table, whose pages take large rows whole.
CREATE TABLE rows (
    context TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    cells TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (context, resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE objects (
    context TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    object TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    UNIQUE (context, resource, namespace, name)
);
CREATE TABLE events (
    context TEXT NOT NULL,
    about TEXT NOT NULL,
    uid TEXT NOT NULL,
    event TEXT NOT NULL,
    UNIQUE (context, about, uid)
);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// WAL (readers beside the writer; a killed writer leaves the last commit whole), a busy wait.
pub(crate) fn tune(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|error| StoreError::from_sql(path, error))
}

/// Checks that `connection`'s file is a KubeDesk store this build reads, creating the schema in
/// an empty one (unless `read_only`).
pub(crate) fn prepare(
    connection: &Connection,
    path: &Path,
    read_only: bool,
) -> Result<(), StoreError> {
    let sql = |error| StoreError::from_sql(path, error);
    tune(connection, path)?;
    // The first read of a file that is not SQLite fails here.
    let tables: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(sql)?;
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if tables == 0 {
        if read_only {
            return Err(corrupt("the file is empty".to_owned()));
        }
        // Large pages hold several objects of a kilobyte or two each with little left over.
        connection
            .pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(sql)?;
        connection
            .pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .map_err(sql)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        connection.execute_batch(TABLES).map_err(sql)?;
        connection
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql)?;
        connection
            .pragma_update(None, "user_version", VERSION)
            .map_err(sql)?;
        return synchronous(connection, path);
    }
    let application: i64 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(sql)?;
    if application != APPLICATION_ID {
        return Err(corrupt("another program's database".to_owned()));
    }
    let found: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql)?;
    if found > VERSION {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found,
        });
    }
    // A full check would read the whole file at every start; a file cut short (a full disk, a
    // bad copy) is told by its header, and damage elsewhere by the read that meets it.
    if let Some(short) = cut_short(path) {
        return Err(corrupt(short));
    }
    if !read_only {
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        synchronous(connection, path)?;
    }
    Ok(())
}

/// Commits reach the write-ahead log without waiting for the disk: a killed app loses nothing
/// committed, a power cut at most the last commits, and the file is never damaged (WAL).
fn synchronous(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .map_err(|error| StoreError::from_sql(path, error))
}

/// Why the file at `path` is shorter than its header says it is, if it is: the header holds the
/// page size (offset 16) and, as of the last checkpoint, the number of pages (offset 28, valid
/// when the counter at 92 matches the one at 24).
fn cut_short(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut header = [0_u8; 100];
    let mut file = std::fs::File::open(path).ok()?;
    file.read_exact(&mut header).ok()?;
    let length = file.metadata().ok()?.len();
    let word = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let page = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    let pages = u64::from(word(28));
    let valid = word(92) == word(24);
    (valid && length < pages * page).then(|| {
        format!(
            "the file has {length} bytes where its header says {} (the file was cut short)",
            pages * page
        )
    })
}

/// Where the snapshot at `connection` came from, if it is one.
pub(crate) fn snapshot_of(
    connection: &Connection,
    path: &Path,
) -> Result<Option<SnapshotOf>, StoreError> {
    let value = |key: &str| {
        connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get::<_, String>(0)
            })
            .optional()
    };
    let context = value("snapshot_of").map_err(|error| StoreError::from_sql(path, error))?;
    let exported_at = value("exported_at").map_err(|error| StoreError::from_sql(path, error))?;
    Ok(context.map(|context| SnapshotOf {
        context,
        exported_at: exported_at.and_then(|at| at.parse().ok()).unwrap_or(0),
    }))
}

/// Bytes and objects per cluster, largest first.
pub(crate) fn sizes(connection: &Connection) -> rusqlite::Result<Vec<ClusterSize>> {
    let mut statement = connection.prepare(
        "SELECT context, sum(bytes), sum(objects) FROM (
             SELECT context, sum(length(cells)) AS bytes, count(*) AS objects
             FROM rows GROUP BY context
             UNION ALL
             SELECT context, sum(length(object)), 0 FROM objects GROUP BY context
             UNION ALL
             SELECT context, sum(length(event)), 0 FROM events GROUP BY context
         ) GROUP BY context ORDER BY 2 DESC",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(ClusterSize {
            context: row.get(0)?,
            bytes: row.get::<_, i64>(1)?.try_into().unwrap_or(0),
            objects: row.get::<_, i64>(2)?.try_into().unwrap_or(0),
        })
    })?;
    rows.collect()
}

/// Fills the new file of `exported` with what the store at `store` holds about `context`.
pub(crate) fn export(
    exported: &Connection,
    store: &Path,
    context: &str,
    to: &Path,
) -> Result<(), StoreError> {
    let sql = |error| StoreError::from_sql(to, error);
    exported
        .pragma_update(None, "page_size", PAGE_SIZE)
        .map_err(sql)?;
    exported
        .pragma_update(None, "journal_mode", "DELETE")
        .map_err(sql)?;
    exported.execute_batch(TABLES).map_err(sql)?;
    exported
        .pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(sql)?;
    exported
        .pragma_update(None, "user_version", VERSION)
        .map_err(sql)?;
    exported
        .execute(
            "ATTACH DATABASE ?1 AS store",
            [store.to_string_lossy().as_ref()],
        )
        .map_err(sql)?;
    exported.execute_batch("BEGIN").map_err(sql)?;
    for table in ["clusters", "listings", "rows", "objects", "events"] {
        exported
            .execute(
                &format!("INSERT INTO main.{table} SELECT * FROM store.{table} WHERE context = ?1"),
                [context],
            )
            .map_err(sql)?;
    }
    exported
        .execute(
            "INSERT INTO main.meta (key, value) VALUES ('snapshot_of', ?1), ('exported_at', ?2)",
            params![context, now_ms().to_string()],
        )
        .map_err(sql)?;
    exported.execute_batch("COMMIT").map_err(sql)?;
    exported
        .execute_batch("DETACH DATABASE store")
        .map_err(sql)?;
    Ok(())
}
