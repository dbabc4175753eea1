//! `watch_table`, `query_table` and `stop_table`, and the subscriptions they manage.

use kubedesk_cluster::tables::{Query, Table, TableKey};
use kubedesk_ipc as ipc;

use super::{UPDATE_EVERY, convert};
use crate::App;
use crate::clusters::client;
use crate::subscriptions::Subscriptions;

/// The live tables' subscriptions, each changed through its query.
pub type Watches = Subscriptions<tokio::sync::watch::Sender<Query>>;

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
    let (query, queries) = tokio::sync::watch::channel(convert::query(request.query));
    let task = tokio::spawn(follow(table, queries, send));
    let id = app.watches.add(query, task);
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
    app.watches.with(request.id, |query| {
        query.send_replace(convert::query(request.query));
    })
}

/// Ends a subscription; its table stops when no other view shows it.
pub fn stop_table(app: &App, request: ipc::StopTable) -> Result<(), ipc::Error> {
    app.watches.stop(request.id)
}
