//! `watch_table`, `query_table` and `stop_table`, and the subscriptions they manage.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use kubedesk_cluster::tables::{Query, Table, TableKey};
use kubedesk_ipc as ipc;

use super::{UPDATE_EVERY, convert};
use crate::App;
use crate::clusters::client;

/// One subscription: its query, and the task that sends its updates.
#[derive(Debug)]
struct Watch {
    query: tokio::sync::watch::Sender<Query>,
    task: tokio::task::JoinHandle<()>,
}

/// The app's subscriptions, each ended by `stop_table`, by its channel closing, or with the app.
#[derive(Debug, Default)]
pub struct Watches {
    next: AtomicU64,
    watches: Mutex<HashMap<u64, Watch>>,
}

impl Drop for Watches {
    fn drop(&mut self) {
        for watch in self
            .watches
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            watch.task.abort();
        }
    }
}

/// Subscribes to a live table: `send` gets the window now and whenever it changes, and answers
/// `false` once nobody listens (the subscription then ends).
pub async fn watch_table(
    app: &App,
    request: ipc::WatchTable,
    send: impl Fn(ipc::TableUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::TableSubscription, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let kind = convert::kind(request.kind);
    let table = app.tables.open(
        &client,
        TableKey {
            context: request.context,
            kind,
            namespace: request.namespace,
        },
    );
    let id = app.watches.next.fetch_add(1, Ordering::Relaxed) + 1;
    let (query, queries) = tokio::sync::watch::channel(convert::query(request.query));
    let task = tokio::spawn(follow(table, queries, send));
    app.watches
        .watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, Watch { query, task });
    Ok(ipc::TableSubscription {
        id,
        columns: kind
            .columns()
            .iter()
            .map(|column| (*column).to_owned())
            .collect(),
    })
}

/// Sends the window whenever the rows or the query change, coalescing what changes within
/// [`UPDATE_EVERY`].
async fn follow(
    table: std::sync::Arc<Table>,
    mut queries: tokio::sync::watch::Receiver<Query>,
    send: impl Fn(ipc::TableUpdate) -> bool,
) {
    let mut changes = table.changes();
    loop {
        let query = queries.borrow_and_update().clone();
        // A selector that cannot be parsed leaves the rows unfiltered by labels, and says why.
        let (answer, filter_error) = match table.query(&query) {
            Ok(answer) => (Ok(answer), None),
            Err(error) => {
                let unfiltered = Query {
                    labels: String::new(),
                    ..query.clone()
                };
                (table.query(&unfiltered), Some(error.to_string()))
            }
        };
        let Ok((window, status)) = answer else {
            return;
        };
        let update = ipc::TableUpdate {
            total: window.total,
            offset: query.offset,
            rows: window.rows.into_iter().map(convert::row).collect(),
            status: convert::status(status),
            filter_error,
        };
        changes.mark_unchanged();
        if !send(update) {
            return;
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            changed = queries.changed() => if changed.is_err() { return },
        }
        tokio::time::sleep(UPDATE_EVERY).await;
    }
}

/// Changes a subscription's filter, sort or window.
pub fn query_table(app: &App, request: ipc::QueryTable) -> Result<(), ipc::Error> {
    let watches = app
        .watches
        .watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let watch = watches
        .get(&request.id)
        .ok_or_else(|| unknown(request.id))?;
    watch.query.send_replace(convert::query(request.query));
    Ok(())
}

/// Ends a subscription; its table stops when no other view shows it.
pub fn stop_table(app: &App, request: ipc::StopTable) -> Result<(), ipc::Error> {
    let watch = app
        .watches
        .watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&request.id)
        .ok_or_else(|| unknown(request.id))?;
    watch.task.abort();
    Ok(())
}

fn unknown(id: u64) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("there is no table subscription {id}; it has ended"),
        hint: Some("Open the page again.".into()),
    }
}
