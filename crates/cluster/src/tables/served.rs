//! Tables of any other resource, as the server prints them: the `Table` form kubectl asks for
//! (`as=Table;g=meta.k8s.io;v=v1`), with the built-in printers' columns for built-in kinds and a
//! CustomResourceDefinition's additionalPrinterColumns for its resources. The list is read in
//! pages and then watched in the same form, each event a Table of the changed rows. kube-runtime's
//! watcher decodes objects, not Tables, so the list-then-watch loop is here: a watch resumes from
//! the last resource version it saw and a 410 relists.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use futures_util::TryStreamExt as _;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use kube::api::{DynamicObject, GetParams, ListParams, WatchEvent, WatchParams};
use serde::Deserialize;
use serde_json::Value;

use super::{Cell, PAGE, Row, Shared, Status, WATCH_SECONDS, backoff, forbidden_status};
use crate::resources::Resource;

/// Asks for a Table, or for the objects where a server cannot print one.
const AS_TABLE: &str = "application/json;as=Table;g=meta.k8s.io;v=v1,application/json";

/// A `meta.k8s.io/v1` Table: a list's page, or a watch event's rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    #[serde(default)]
    column_definitions: Vec<ColumnDefinition>,
    #[serde(default)]
    rows: Vec<TableRow>,
    #[serde(default)]
    metadata: ListMeta,
}

#[derive(Debug, Clone, Deserialize)]
struct ColumnDefinition {
    name: String,
    #[serde(default)]
    format: String,
}

#[derive(Debug, Clone, Deserialize)]
struct TableRow {
    #[serde(default)]
    cells: Vec<Value>,
    /// The row's object, as `PartialObjectMetadata` (the server's default for Tables).
    #[serde(default)]
    object: Option<RowObject>,
}

#[derive(Debug, Clone, Deserialize)]
struct RowObject {
    #[serde(default)]
    metadata: ObjectMeta,
}

/// Which of the server's columns a row shows and how: the name column is the row's name already,
/// and an age is kept as the moment it counts from so that it stays true as time passes.
#[derive(Debug, Clone, Default)]
struct Layout {
    /// Each shown column's place in the server's cells, and whether it is an age.
    columns: Vec<(usize, bool)>,
    /// Their names.
    names: Vec<String>,
}

impl Layout {
    fn new(definitions: &[ColumnDefinition]) -> Self {
        let shown: Vec<(usize, &ColumnDefinition)> = definitions
            .iter()
            .enumerate()
            .filter(|(_, column)| column.format != "name")
            .collect();
        Self {
            columns: shown
                .iter()
                .map(|(index, column)| (*index, column.name == "Age"))
                .collect(),
            names: shown
                .iter()
                .map(|(_, column)| column.name.clone())
                .collect(),
        }
    }

    /// The row and the resource version it was seen at, for a row that carries its object.
    fn row(&self, row: TableRow) -> Option<(Row, Option<String>)> {
        let metadata = row.object?.metadata;
        let created = metadata.creation_timestamp.as_ref().map(|time| time.0);
        let cells = self
            .columns
            .iter()
            .map(|&(index, age)| {
                if age {
                    return Cell::Time(created);
                }
                match row.cells.get(index) {
                    Some(Value::Number(number)) => Cell::Number(number.as_f64().unwrap_or(0.0)),
                    Some(Value::String(text)) => Cell::Text(text.clone()),
                    Some(Value::Null) | None => Cell::Text(String::new()),
                    Some(other) => Cell::Text(other.to_string()),
                }
            })
            .collect();
        let version = metadata.resource_version.clone();
        Some((Row::new(metadata, cells), version))
    }
}

/// The columns the server prints for one object (its name and age left out), as an object's page
/// shows them.
pub(crate) async fn printed(
    client: &kube::Client,
    object: &crate::actions::ObjectRef,
) -> kube::Result<Vec<(String, Cell)>> {
    let namespace = object
        .namespace
        .as_deref()
        .filter(|_| object.resource.namespaced);
    let url =
        <DynamicObject as kube::Resource>::url_path(&object.resource.api_resource(), namespace);
    let request = kube::core::Request::new(url).get(&object.name, &GetParams::default());
    let table: Table = client.request(as_table(request)?).await?;
    let layout = Layout::new(&table.column_definitions);
    let cells = table
        .rows
        .into_iter()
        .next()
        .and_then(|row| layout.row(row))
        .map(|(row, _)| row.cells)
        .unwrap_or_default();
    Ok(layout
        .names
        .into_iter()
        .zip(cells)
        .filter(|(name, _)| name != "Age")
        .collect())
}

/// Follows `resource` (in `namespace`, or everywhere) into `shared`, for as long as the task runs;
/// stored rows (`seeded`) are swapped out whole by the first list, as a relist does.
pub(super) async fn follow(
    client: kube::Client,
    resource: Resource,
    namespace: Option<String>,
    shared: Arc<Shared>,
    seeded: bool,
) {
    let url =
        <DynamicObject as kube::Resource>::url_path(&resource.api_resource(), namespace.as_deref());
    let request = kube::core::Request::new(url);
    let mut first = !seeded;
    let mut failures: u32 = 0;
    loop {
        let (layout, mut version) = match list(&client, &request, &shared, first).await {
            Ok(listed) => listed,
            Err(error) => {
                failures += 1;
                fail(&shared, &error);
                tokio::time::sleep(backoff(failures)).await;
                continue;
            }
        };
        first = false;
        failures = 0;
        // Watch from the list's version until the server says it is too old.
        loop {
            match watch(&client, &request, &layout, &shared, &mut version).await {
                Ok(Watched::Ended) => failures = 0,
                Ok(Watched::Expired) => break,
                Err(error) => {
                    failures += 1;
                    fail(&shared, &error);
                    tokio::time::sleep(backoff(failures)).await;
                }
            }
        }
    }
}

/// Lists every page. The first list shows its rows as its pages arrive; a relist is built aside
/// and swapped in whole, so that no row is lost or doubled meanwhile.
async fn list(
    client: &kube::Client,
    request: &kube::core::Request,
    shared: &Shared,
    first: bool,
) -> kube::Result<(Layout, String)> {
    let mut layout = None;
    let mut listing = HashMap::new();
    let mut token: Option<String> = None;
    let began = jiff::Timestamp::now();
    loop {
        let mut params = ListParams::default().limit(PAGE);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page: Table = client.request(as_table(request.list(&params))?).await?;
        let layout = layout.get_or_insert_with(|| {
            let layout = Layout::new(&page.column_definitions);
            shared.update(|state| state.columns = Some(layout.names.clone()));
            layout
        });
        // Only the row is known of each object: its page reads the whole object.
        let rows = page
            .rows
            .into_iter()
            .filter_map(|row| layout.row(row))
            .inspect(|(row, _)| shared.keep(|| None, row));
        if first {
            shared.update(|state| {
                state.rows.extend(rows.map(|(row, _)| (row.key(), row)));
            });
        } else {
            listing.extend(rows.map(|(row, _)| (row.key(), row)));
        }
        token = page.metadata.continue_.filter(|token| !token.is_empty());
        if token.is_none() {
            let version = page.metadata.resource_version.unwrap_or_default();
            if !first {
                shared.update(|state| state.rows = listing);
            }
            shared.live();
            shared.keep_listed(began);
            return Ok((layout.clone(), version));
        }
    }
}

enum Watched {
    /// The watch ended (its timeout): watch again from where it was.
    Ended,
    /// The version watched from is too old: list again.
    Expired,
}

async fn watch(
    client: &kube::Client,
    request: &kube::core::Request,
    layout: &Layout,
    shared: &Shared,
    version: &mut String,
) -> kube::Result<Watched> {
    let params = WatchParams::default().timeout(WATCH_SECONDS);
    let events = client
        .request_events::<Table>(as_table(request.watch(&params, version))?)
        .await?;
    let mut events = std::pin::pin!(events);
    let retrying = matches!(
        shared
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .status,
        Status::Retrying(_) | Status::Offline { .. }
    );
    if retrying {
        shared.live();
    }
    while let Some(event) = events.try_next().await? {
        let (table, deleted) = match event {
            WatchEvent::Added(table) | WatchEvent::Modified(table) => (table, false),
            WatchEvent::Deleted(table) => (table, true),
            WatchEvent::Bookmark(bookmark) => {
                *version = bookmark.metadata.resource_version;
                continue;
            }
            WatchEvent::Error(status) if status.code == 410 => return Ok(Watched::Expired),
            WatchEvent::Error(status) => return Err(kube::Error::Api(status)),
        };
        let rows: Vec<(Row, Option<String>)> = table
            .rows
            .into_iter()
            .filter_map(|row| layout.row(row))
            .collect();
        if let Some(seen) = rows.iter().rev().find_map(|(_, seen)| seen.clone()) {
            *version = seen;
        }
        for (row, _) in &rows {
            if deleted {
                shared.keep_deleted(row);
            } else {
                shared.keep(|| None, row);
            }
        }
        shared.update(|state| {
            for (row, _) in rows {
                if deleted {
                    state.rows.remove(&row.key());
                } else {
                    state.rows.insert(row.key(), row);
                }
            }
            state.live_at = Some(jiff::Timestamp::now());
        });
    }
    Ok(Watched::Ended)
}

fn as_table(
    request: Result<http::Request<Vec<u8>>, kube::core::request::Error>,
) -> kube::Result<http::Request<Vec<u8>>> {
    let mut request = request.map_err(kube::Error::BuildRequest)?;
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static(AS_TABLE),
    );
    Ok(request)
}

fn fail(shared: &Shared, error: &kube::Error) {
    shared.failed(
        forbidden_status(error).unwrap_or_else(|| Status::Retrying(crate::health::message(error))),
    );
}
