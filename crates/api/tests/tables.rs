//! Live tables through the use-cases the window calls: a subscription's updates, a new query on
//! it, and its end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/updates.rs"]
mod updates;

use std::ffi::OsString;

use kubedesk_api::demo::{DemoClusters, SimOptions, serve};
use kubedesk_api::tables::{query_table, stop_table, watch_table};
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;

/// The app on the demo clusters (kept while the folder and the clusters are).
async fn demo_app() -> (tempfile::TempDir, DemoClusters, App) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let clusters = serve(&kubeconfig, &SimOptions::default()).await.unwrap();
    let app = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    (dir, clusters, app)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_sends_its_window_follows_new_queries_and_ends() {
    let (_dir, _clusters, app) = demo_app().await;
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let subscription = watch_table(
        &app,
        ipc::WatchTable {
            contexts: vec!["gpu-prod".into()],
            kind: ipc::TableKind::Pods.into(),
            namespace: None,
            query: ipc::TableQuery {
                limit: 5,
                ..ipc::TableQuery::default()
            },
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    assert_eq!(subscription.columns[1], "Status");
    let live = updates::next(&mut updates, |update| {
        update.status == ipc::TableStatus::Live
    })
    .await;
    assert!(live.total > 5);
    assert_eq!(live.rows.len(), 5, "only the window is sent");

    query_table(
        &app,
        ipc::QueryTable {
            id: subscription.id,
            query: ipc::TableQuery {
                text: "giant-train".into(),
                limit: 5,
                ..ipc::TableQuery::default()
            },
        },
    )
    .unwrap();
    let filtered = updates::next(&mut updates, |update| update.total < live.total).await;
    assert!(
        filtered
            .rows
            .iter()
            .all(|row| row.name.contains("giant-train"))
    );
    let pending = filtered
        .rows
        .iter()
        .find(|row| row.name == "giant-train-0")
        .unwrap();
    assert_eq!(pending.cells[1], ipc::TableCell::Text("Pending".into()));

    // A selector that cannot be used says why, and the rows stay.
    query_table(
        &app,
        ipc::QueryTable {
            id: subscription.id,
            query: ipc::TableQuery {
                labels: "app in web".into(),
                limit: 5,
                ..ipc::TableQuery::default()
            },
        },
    )
    .unwrap();
    let refused = updates::next(&mut updates, |update| update.filter_error.is_some()).await;
    assert!(refused.filter_error.unwrap().contains("app in web"));
    assert_eq!(refused.total, live.total);

    stop_table(
        &app,
        ipc::StopTable {
            id: subscription.id,
        },
    )
    .unwrap();
    let ended = query_table(
        &app,
        ipc::QueryTable {
            id: subscription.id,
            query: ipc::TableQuery::default(),
        },
    )
    .unwrap_err();
    assert_eq!(ended.code, ipc::ErrorCode::InvalidRequest);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_table_shows_every_cluster_with_its_name_and_says_which_is_missing() {
    let (_dir, _clusters, app) = demo_app().await;
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    watch_table(
        &app,
        ipc::WatchTable {
            contexts: vec![
                "gpu-prod".into(),
                "edge".into(),
                "dev".into(),
                "gone".into(),
            ],
            kind: ipc::TableKind::Nodes.into(),
            namespace: None,
            query: ipc::TableQuery {
                limit: 50,
                ..ipc::TableQuery::default()
            },
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    let live = updates::next(&mut updates, |update| {
        update.status == ipc::TableStatus::Live
    })
    .await;
    let clusters: std::collections::BTreeSet<_> = live
        .rows
        .iter()
        .map(|row| row.cluster.clone().unwrap())
        .collect();
    assert_eq!(
        clusters.into_iter().collect::<Vec<_>>(),
        ["dev", "edge", "gpu-prod"]
    );
    let dev = live
        .rows
        .iter()
        .find(|row| row.name == "dev-01")
        .expect("dev's node");
    assert_eq!(dev.key, "dev/dev-01");
    assert_eq!(live.problems.len(), 1, "{:?}", live.problems);
    assert!(
        live.problems[0].starts_with("gone: "),
        "{:?}",
        live.problems
    );
}
