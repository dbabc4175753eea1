//! `watch_table`, `query_table` and `stop_table`, and the subscriptions they manage.

use std::sync::Arc;

use kubedesk_cluster::tables::{Query, Status, Table, TableKey, query_all};
use kubedesk_ipc as ipc;

use super::{UPDATE_EVERY, convert};
use crate::App;
use crate::clusters::client;
use crate::resources::{resolve, resolve_kept};
use crate::subscriptions::Subscriptions;

/// The live tables' subscriptions, each changed through its query.
pub type Watches = Subscriptions<tokio::sync::watch::Sender<Query>>;

/// Subscribes to a live table of one cluster or of several (rows then carry their cluster):
/// `send` gets the window now and whenever it changes, and answers `false` once nobody listens
/// (the subscription then ends). A cluster that cannot be reached leaves its rows out and is
/// named in the update's problems; the subscription fails only when no cluster can be.
pub async fn watch_table(
    app: &App,
    request: ipc::WatchTable,
    send: impl Fn(ipc::TableUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::TableSubscription, ipc::Error> {
    let several = request.contexts.len() > 1;
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    let mut first_error = None;
    for context in request.contexts {
        let opened = async {
            let key = |resource| TableKey {
                context: context.clone(),
                resource,
                namespace: request.namespace.clone(),
            };
            match client::cluster(app, &context).await? {
                client::Cluster::Live(client) => {
                    let key = key(resolve(app, &client, &context, &request.kind).await?);
                    crate::offline::viewed(app, &key);
                    Ok::<_, ipc::Error>((app.tables.open(&client, key), None))
                }
                client::Cluster::Kept(kept) => {
                    let key = key(resolve_kept(&kept.served(), &context, &request.kind)?);
                    Ok((kept.table(app, key), Some(kept.source.clone())))
                }
            }
        };
        match opened.await {
            Ok((table, read_only)) => tables.push(OneTable {
                context,
                table,
                read_only,
            }),
            Err(error) => {
                problems.push(format!("{context}: {}", error.message));
                first_error.get_or_insert(error);
            }
        }
    }
    if tables.is_empty() {
        return Err(first_error.unwrap_or_else(|| ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: "a table needs at least one context".into(),
            hint: Some("Select a cluster in the top bar.".into()),
        }));
    }
    // A served resource's columns come with its first list (the first cluster's, when several).
    let mut columns = Vec::new();
    for shown in &tables {
        if let Some(known) = shown.table.columns().await {
            columns = known;
            break;
        }
    }
    let (query, queries) = tokio::sync::watch::channel(convert::query(request.query));
    let shown = Shown {
        tables,
        several,
        problems,
    };
    let task = tokio::spawn(follow(shown, queries, send));
    let id = app.watches.add(query, task);
    Ok(ipc::TableSubscription { id, columns })
}

/// The tables one subscription shows.
struct Shown {
    tables: Vec<OneTable>,
    several: bool,
    problems: Vec<String>,
}

/// One cluster's table in a subscription.
struct OneTable {
    context: String,
    table: Arc<Table>,
    /// Where its rows come from, when its cluster is read-only.
    read_only: Option<ipc::ReadOnlySource>,
}

impl Shown {
    /// The window `query` selects, with its status.
    fn update(&self, query: &Query) -> Option<ipc::TableUpdate> {
        let tables: Vec<&Table> = self.tables.iter().map(|shown| &*shown.table).collect();
        // A selector that cannot be parsed leaves the rows unfiltered by labels, and says why.
        let (answer, filter_error) = match query_all(&tables, query) {
            Ok(answer) => (answer, None),
            Err(error) => {
                let unfiltered = Query {
                    labels: String::new(),
                    ..query.clone()
                };
                (
                    query_all(&tables, &unfiltered).ok()?,
                    Some(error.to_string()),
                )
            }
        };
        let (window, statuses) = answer;
        let rows = window
            .rows
            .into_iter()
            .zip(window.sources)
            .map(|(row, source)| {
                let mut row = convert::row(row);
                if self.several
                    && let Some(shown) = self.tables.get(source)
                {
                    row.key = format!("{}/{}", shown.context, row.key);
                    row.cluster = Some(shown.context.clone());
                }
                row
            })
            .collect();
        Some(ipc::TableUpdate {
            total: window.total,
            offset: query.offset,
            rows,
            status: self.status(statuses),
            filter_error,
            problems: self.problems.clone(),
        })
    }

    /// One status for all the tables: listing while any lists, then the first that is not live
    /// (named by its context when there are several), else live.
    fn status(&self, statuses: Vec<Status>) -> ipc::TableStatus {
        if statuses.contains(&Status::Listing) {
            return ipc::TableStatus::Listing;
        }
        let named = |context: &str, message: String| {
            if self.several {
                format!("{context}: {message}")
            } else {
                message
            }
        };
        for (shown, status) in self.tables.iter().zip(statuses) {
            let context = &shown.context;
            match status {
                Status::Live | Status::Listing => {}
                Status::Forbidden(message) => {
                    return ipc::TableStatus::Forbidden {
                        message: named(context, message),
                    };
                }
                Status::Retrying(message) => {
                    return ipc::TableStatus::Retrying {
                        message: named(context, message),
                    };
                }
                Status::Offline { as_of, message } => {
                    return ipc::TableStatus::Offline {
                        as_of: as_of.to_string(),
                        message: message.map(|message| named(context, message)),
                    };
                }
                Status::ReadOnly { as_of } => {
                    if let Some(source) = &shown.read_only {
                        return ipc::TableStatus::ReadOnly {
                            as_of: as_of.map(|as_of| as_of.to_string()),
                            source: source.clone(),
                        };
                    }
                }
            }
        }
        ipc::TableStatus::Live
    }
}

/// Sends the window whenever the query changes, at once, and whenever the rows change,
/// coalescing what changes within [`UPDATE_EVERY`].
async fn follow(
    shown: Shown,
    mut queries: tokio::sync::watch::Receiver<Query>,
    send: impl Fn(ipc::TableUpdate) -> bool,
) {
    let mut changes: Vec<_> = shown
        .tables
        .iter()
        .map(|shown| shown.table.changes())
        .collect();
    loop {
        let query = queries.borrow_and_update().clone();
        // Marked seen before the rows are read: a change while they are read is not lost (a
        // quiet table that turns live meanwhile would otherwise never say so).
        for change in &mut changes {
            change.mark_unchanged();
        }
        let Some(update) = shown.update(&query) else {
            return;
        };
        if !send(update) {
            return;
        }
        let any_table = futures_util::future::select_all(
            changes.iter_mut().map(|change| Box::pin(change.changed())),
        );
        // A new query (a keystroke, a scroll) is answered at once; changes of the rows are
        // gathered for a while, so a busy cluster sends at most one update per UPDATE_EVERY.
        let rows_changed = tokio::select! {
            (changed, _, _) = any_table => if changed.is_err() { return } else { true },
            changed = queries.changed() => if changed.is_err() { return } else { false },
        };
        if rows_changed {
            tokio::time::sleep(UPDATE_EVERY).await;
        }
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
