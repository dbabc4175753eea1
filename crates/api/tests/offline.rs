//! Offline browsing through the use-cases the window calls: a table seen live is kept; with its
//! cluster stopped, KubeDesk opened again shows the same rows at once, marked offline as of when
//! they were live; once the cluster answers again, the table is live.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/updates.rs"]
mod updates;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use kubedesk_api::clusters::cluster_overview;
use kubedesk_api::objects::{stop_object, watch_object};
use kubedesk_api::offline::{export_offline_data, forget_offline_data, get_offline_data};
use kubedesk_api::tables::{stop_table, watch_table};
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};

fn open_app(dir: &Path, server: &str) -> App {
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: dev\n\
             clusters:\n- name: dev\n  cluster:\n    server: {server}\n\
             users:\n- name: admin\n  user:\n    token: kubedesk-demo\n\
             contexts:\n- name: dev\n  context:\n    cluster: dev\n    user: admin\n"
        ),
    )
    .unwrap();
    App::new(AppConfig::in_memory(
        dir.join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ))
}

fn pods_request() -> ipc::WatchTable {
    ipc::WatchTable {
        contexts: vec!["dev".into()],
        kind: ipc::TableKind::Pods.into(),
        namespace: Some("sandbox".into()),
        query: ipc::TableQuery {
            limit: 500,
            ..ipc::TableQuery::default()
        },
    }
}

fn names(update: &ipc::TableUpdate) -> Vec<String> {
    let mut names: Vec<String> = update.rows.iter().map(|row| row.name.clone()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_seen_live_is_browsed_offline_then_live_again() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Arc::new(demo::dev().unwrap());
    let server = SimServer::start(cluster.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let url = server.url();
    let address: SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    // Live: the sandbox's pods.
    let app = open_app(dir.path(), &url);
    let (subscription, mut updates) = table(&app, pods_request()).await;
    let live = updates::next(&mut updates, |update: &ipc::TableUpdate| {
        update.status == ipc::TableStatus::Live && update.total > 0
    })
    .await;
    let seen = names(&live);
    stop_table(
        &app,
        ipc::StopTable {
            id: subscription.id,
        },
    )
    .unwrap();
    // A resource without columns of its own: the server's table of config maps.
    let (configmaps, mut served) = table(&app, configmaps_request()).await;
    let configmaps_live = updates::next(&mut served, |update: &ipc::TableUpdate| {
        update.status == ipc::TableStatus::Live && update.total > 0
    })
    .await;
    stop_table(&app, ipc::StopTable { id: configmaps.id }).unwrap();

    // The overview.
    let overview_request = || ipc::GetClusterOverview {
        context: "dev".into(),
        namespace: None,
    };
    let overview = cluster_overview(&app, overview_request()).await.unwrap();
    assert_eq!(overview.offline, None);

    // A pod's page, with its events.
    let pod = pod_key(&seen[0]);
    cluster
        .create(
            "",
            "events",
            "sandbox",
            serde_json::json!({"metadata": {"name": format!("{}.pulled", seen[0])},
                   "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "sandbox", "name": seen[0]},
                   "type": "Normal", "reason": "Pulled", "message": "Successfully pulled image", "count": 1,
                   "source": {"component": "kubelet"}, "lastTimestamp": "2026-11-26T10:00:00Z"}),
        )
        .unwrap();
    let (page, mut pages) = follow_page(&app, &pod).await;
    let found = updates::next(&mut pages, |update: &ipc::ObjectUpdate| {
        update.presence == ipc::Presence::Found && !update.events.is_empty()
    })
    .await;
    stop_object(&app, ipc::StopObject { id: page.id }).unwrap();
    drop(app);

    // The cluster stops; KubeDesk opens again and shows the same rows at once, offline.
    cluster.store.end_watches();
    drop(server);
    let app = open_app(dir.path(), &url);
    let (subscription, mut updates) = table(&app, pods_request()).await;
    let first = updates.recv().await.unwrap();
    assert_eq!(names(&first), seen, "the stored rows come first");
    assert!(
        matches!(first.status, ipc::TableStatus::Offline { .. }),
        "{:?}",
        first.status
    );
    let offline = updates::next(&mut updates, |update: &ipc::TableUpdate| {
        matches!(
            update.status,
            ipc::TableStatus::Offline {
                message: Some(_),
                ..
            }
        )
    })
    .await;
    assert_eq!(names(&offline), seen);
    let ipc::TableStatus::Offline { as_of, message } = &offline.status else {
        unreachable!("matched above")
    };
    assert!(as_of.starts_with("20"), "{as_of}");
    assert!(!message.as_deref().unwrap_or_default().is_empty());

    // The config maps too, with the columns the server printed, though discovery cannot run.
    let (stored_configmaps, mut served) = table(&app, configmaps_request()).await;
    assert_eq!(stored_configmaps.columns, configmaps.columns);
    let offline_configmaps = updates::next(&mut served, |update: &ipc::TableUpdate| {
        matches!(update.status, ipc::TableStatus::Offline { .. })
    })
    .await;
    assert_eq!(names(&offline_configmaps), names(&configmaps_live));
    stop_table(
        &app,
        ipc::StopTable {
            id: stored_configmaps.id,
        },
    )
    .unwrap();

    // The overview as last seen, saying so.
    let stored_overview = cluster_overview(&app, overview_request()).await.unwrap();
    let offline_since = stored_overview.offline.clone().expect("marked offline");
    assert!(offline_since.as_of.starts_with("20"), "{offline_since:?}");
    assert!(
        offline_since
            .message
            .starts_with("The overview of context dev could not be read"),
        "{offline_since:?}"
    );
    assert_eq!(
        ipc::ClusterOverview {
            offline: None,
            ..stored_overview
        },
        overview
    );

    // The pod's page: as last seen, with its events, every action refused with the reason.
    let (page, mut pages) = follow_page(&app, &pod).await;
    assert!(page.actions.iter().all(|action| !action.allowed));
    assert!(
        page.actions[0]
            .blocked
            .as_deref()
            .unwrap_or_default()
            .ends_with("read-only until context dev answers"),
        "{:?}",
        page.actions[0]
    );
    let stored = updates::next(&mut pages, |update: &ipc::ObjectUpdate| {
        matches!(
            update.presence,
            ipc::Presence::Offline {
                message: Some(_),
                ..
            }
        )
    })
    .await;
    assert_eq!(
        stored.description.as_ref().unwrap().yaml,
        found.description.as_ref().unwrap().yaml,
        "the page shows the pod as it was"
    );
    assert_eq!(stored.events, found.events);

    // The cluster answers again: the table is live, from a new list.
    let _server = SimServer::start(cluster.clone(), address).await.unwrap();
    let again = updates::next(&mut updates, |update: &ipc::TableUpdate| {
        update.status == ipc::TableStatus::Live
    })
    .await;
    assert_eq!(names(&again), seen);
    stop_table(
        &app,
        ipc::StopTable {
            id: subscription.id,
        },
    )
    .unwrap();
    // And the page is live, its actions offered again.
    let live_page = updates::next(&mut pages, |update: &ipc::ObjectUpdate| {
        update.presence == ipc::Presence::Found
    })
    .await;
    let offered = live_page
        .actions
        .expect("the actions come with the page live again");
    assert!(offered.iter().any(|action| action.allowed), "{offered:?}");
    stop_object(&app, ipc::StopObject { id: page.id }).unwrap();

    // Settings: what is kept; a snapshot of the cluster; forgetting it.
    let data = get_offline_data(&app, ipc::GetOfflineData {});
    assert_eq!(data.problem, None);
    assert!(data.path.ends_with("offline.sqlite"), "{}", data.path);
    let dev = data
        .clusters
        .iter()
        .find(|cluster| cluster.context == "dev")
        .unwrap();
    assert!(dev.objects >= seen.len() as u64 && dev.bytes > 0, "{dev:?}");
    assert!(data.file_bytes >= data.total_bytes);
    let exported = export_offline_data(
        &app,
        ipc::ExportOfflineData {
            context: "dev".into(),
        },
    )
    .unwrap();
    let snapshot = kubedesk_store::Store::open_snapshot(Path::new(&exported.path)).unwrap();
    assert_eq!(snapshot.snapshot_of().unwrap().context, "dev");
    assert_eq!(
        snapshot
            .rows(
                "dev",
                &kubedesk_store::resource_id("", "v1", "pods"),
                Some("sandbox")
            )
            .unwrap()
            .len(),
        seen.len()
    );
    let forgotten = forget_offline_data(
        &app,
        ipc::ForgetOfflineData {
            context: "dev".into(),
        },
    )
    .unwrap();
    assert!(
        forgotten
            .clusters
            .iter()
            .all(|cluster| cluster.context != "dev"),
        "{forgotten:?}"
    );
}

/// Subscribes to a table; its updates arrive on the receiver.
async fn table(
    app: &App,
    request: ipc::WatchTable,
) -> (
    ipc::TableSubscription,
    tokio::sync::mpsc::UnboundedReceiver<ipc::TableUpdate>,
) {
    let (sender, updates) = tokio::sync::mpsc::unbounded_channel();
    let subscription = watch_table(app, request, move |update| sender.send(update).is_ok())
        .await
        .unwrap();
    (subscription, updates)
}

/// Follows an object's page; its updates arrive on the receiver.
async fn follow_page(
    app: &App,
    object: &ipc::ObjectKey,
) -> (
    ipc::ObjectSubscription,
    tokio::sync::mpsc::UnboundedReceiver<ipc::ObjectUpdate>,
) {
    let (sender, updates) = tokio::sync::mpsc::unbounded_channel();
    let followed = watch_object(
        app,
        ipc::WatchObject {
            object: object.clone(),
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    (followed, updates)
}

fn configmaps_request() -> ipc::WatchTable {
    ipc::WatchTable {
        kind: ipc::ObjectKind::Resource(ipc::ResourceName {
            group: String::new(),
            version: "v1".into(),
            plural: "configmaps".into(),
        }),
        ..pods_request()
    }
}

fn pod_key(name: &str) -> ipc::ObjectKey {
    ipc::ObjectKey {
        context: "dev".into(),
        kind: ipc::TableKind::Pods.into(),
        namespace: Some("sandbox".into()),
        name: name.into(),
    }
}
