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

use kubedesk_api::clusters::{cluster_overview, list_contexts, list_namespaces};
use kubedesk_api::objects::{run_action, stop_object, watch_object};
use kubedesk_api::offline::{
    close_snapshot, export_offline_data, forget_offline_data, get_offline_data, open_snapshot,
};
use kubedesk_api::settings::{get_settings, save_settings};
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

/// What a user saw of the dev cluster live: the sandbox's pods, its config maps, the overview,
/// the namespaces and a pod's page.
struct SeenLive {
    pods: ipc::TableUpdate,
    configmaps: (ipc::TableSubscription, ipc::TableUpdate),
    overview: ipc::ClusterOverview,
    namespaces: Vec<String>,
    page: ipc::ObjectUpdate,
}

async fn browse_live(app: &App, context: &str) -> SeenLive {
    let in_context = |request: ipc::WatchTable| ipc::WatchTable {
        contexts: vec![context.to_owned()],
        ..request
    };
    let mut seen = Vec::new();
    for request in [pods_request(), configmaps_request()] {
        let (subscription, mut updates) = table(app, in_context(request)).await;
        let live = updates::next(&mut updates, |update: &ipc::TableUpdate| {
            update.status == ipc::TableStatus::Live && update.total > 0
        })
        .await;
        stop_table(
            app,
            ipc::StopTable {
                id: subscription.id,
            },
        )
        .unwrap();
        seen.push((subscription, live));
    }
    let configmaps = seen.pop().unwrap();
    let (_, pods) = seen.pop().unwrap();
    let overview = cluster_overview(
        app,
        ipc::GetClusterOverview {
            context: context.into(),
            namespace: None,
        },
    )
    .await
    .unwrap();
    let namespaces = list_namespaces(
        app,
        ipc::ListNamespaces {
            context: context.into(),
        },
    )
    .await
    .unwrap()
    .names;
    let pod = ipc::ObjectKey {
        context: context.into(),
        ..pod_key(&pods.rows[0].name)
    };
    let (followed, mut pages) = follow_page(app, &pod).await;
    let page = updates::next(&mut pages, |update: &ipc::ObjectUpdate| {
        update.presence == ipc::Presence::Found
    })
    .await;
    stop_object(app, ipc::StopObject { id: followed.id }).unwrap();
    SeenLive {
        pods,
        configmaps,
        overview,
        namespaces,
        page,
    }
}

/// The dev cluster served, and a KubeDesk that saw it live.
async fn dev_seen_live() -> (
    tempfile::TempDir,
    Arc<kubedesk_sim::Cluster>,
    SimServer,
    App,
    SeenLive,
) {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Arc::new(demo::dev().unwrap());
    let server = SimServer::start(cluster.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let app = open_app(dir.path(), &server.url());
    let seen = browse_live(&app, "dev").await;
    (dir, cluster, server, app, seen)
}

/// What `name` shows, read-only, is exactly what was seen live.
async fn shows_as_seen(app: &App, name: &str, seen: &SeenLive, source: &ipc::ReadOnlySource) {
    let in_it = |request: ipc::WatchTable| ipc::WatchTable {
        contexts: vec![name.to_owned()],
        ..request
    };
    let (subscription, mut updates) = table(app, in_it(pods_request())).await;
    let pods = updates.recv().await.unwrap();
    assert_eq!(pods.rows, seen.pods.rows, "the pods as they were");
    let ipc::TableStatus::ReadOnly {
        as_of: Some(_),
        source: shown,
    } = &pods.status
    else {
        panic!("{:?}", pods.status)
    };
    assert_eq!(shown, source);
    stop_table(
        app,
        ipc::StopTable {
            id: subscription.id,
        },
    )
    .unwrap();
    let (subscription, mut updates) = table(app, in_it(configmaps_request())).await;
    assert_eq!(subscription.columns, seen.configmaps.0.columns);
    assert_eq!(updates.recv().await.unwrap().rows, seen.configmaps.1.rows);
    stop_table(
        app,
        ipc::StopTable {
            id: subscription.id,
        },
    )
    .unwrap();

    let overview = cluster_overview(
        app,
        ipc::GetClusterOverview {
            context: name.into(),
            namespace: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        overview.offline.as_ref().unwrap().read_only.as_ref(),
        Some(source)
    );
    assert_eq!(
        ipc::ClusterOverview {
            offline: None,
            ..overview
        },
        seen.overview
    );
    let namespaces = list_namespaces(
        app,
        ipc::ListNamespaces {
            context: name.into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(namespaces.names, seen.namespaces);

    // The pod's page, with nothing that may be done.
    let pod = ipc::ObjectKey {
        context: name.into(),
        ..pod_key(&seen.pods.rows[0].name)
    };
    let (page, mut pages) = follow_page(app, &pod).await;
    assert!(
        page.actions
            .iter()
            .all(|action| !action.allowed && action.blocked.is_some())
    );
    let shown = pages.recv().await.unwrap();
    assert!(
        matches!(&shown.presence, ipc::Presence::ReadOnly { source: s, .. } if s == source),
        "{:?}",
        shown.presence
    );
    assert_eq!(
        shown.description.as_ref().unwrap().yaml,
        seen.page.description.as_ref().unwrap().yaml
    );
    assert_eq!(shown.events, seen.page.events);
    stop_object(app, ipc::StopObject { id: page.id }).unwrap();
    let refused = run_action(
        app,
        ipc::RunAction {
            object: pod,
            action: ipc::ObjectAction::Delete {
                propagation: ipc::Propagation::default(),
            },
        },
    )
    .await
    .unwrap_err();
    assert!(refused.message.contains("read-only"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_opens_as_a_read_only_cluster_exactly_as_it_was_seen() {
    let (dir, cluster, _server, app, seen) = dev_seen_live().await;
    let exported = export_offline_data(
        &app,
        ipc::ExportOfflineData {
            context: "dev".into(),
        },
    )
    .unwrap();

    // Settings lists the snapshot; opened, it is a read-only cluster named after its file.
    let listed = get_offline_data(&app, ipc::GetOfflineData {});
    assert_eq!(listed.snapshots.len(), 1, "{listed:?}");
    assert_eq!(listed.snapshots[0].path, exported.path);
    assert_eq!(listed.snapshots[0].context.as_deref(), Some("dev"));
    let opened = open_snapshot(
        &app,
        ipc::OpenSnapshot {
            path: exported.path.clone(),
        },
    )
    .unwrap();
    let stem = Path::new(&exported.path).file_stem().unwrap();
    assert_eq!(opened.name, stem.to_string_lossy());
    let ipc::ReadOnlySource::Snapshot {
        file,
        context,
        exported_at,
    } = &opened.source
    else {
        panic!("{opened:?}")
    };
    assert_eq!((file, context.as_str()), (&exported.path, "dev"));
    assert!(exported_at.starts_with("20"), "{exported_at}");
    let contexts = list_contexts(&app, ipc::ListContexts {}).unwrap();
    assert_eq!(contexts.read_only, vec![opened.clone()]);
    assert!(contexts.contexts[0].kept_as_of.is_some());
    assert_eq!(
        get_offline_data(&app, ipc::GetOfflineData {}).snapshots[0].open_as,
        Some(opened.name.clone())
    );

    // Its cluster changes live; the snapshot does not.
    cluster
        .store
        .delete("/pods", "sandbox", &seen.pods.rows[1].name)
        .unwrap();
    shows_as_seen(&app, &opened.name, &seen, &opened.source).await;
    // The pod whose deletion the snapshot refused is still there.
    assert!(
        cluster
            .store
            .get("/pods", "sandbox", &seen.pods.rows[0].name)
            .is_some()
    );

    // Closed, it is gone.
    close_snapshot(
        &app,
        ipc::CloseSnapshot {
            name: opened.name.clone(),
        },
    )
    .unwrap();
    let closed = watch_table(
        &app,
        ipc::WatchTable {
            contexts: vec![opened.name.clone()],
            ..pods_request()
        },
        |_| true,
    )
    .await
    .unwrap_err();
    assert!(closed.message.contains(&opened.name), "{closed:?}");

    // A damaged file is refused with its name, and listed with the reason.
    let damaged = dir.path().join("config/downloads/damaged.kubedesk");
    std::fs::write(&damaged, b"SQLite format 3\0 cut short").unwrap();
    let refused = open_snapshot(
        &app,
        ipc::OpenSnapshot {
            path: damaged.display().to_string(),
        },
    )
    .unwrap_err();
    assert!(
        refused.message.contains(&damaged.display().to_string()),
        "{refused:?}"
    );
    let listed = get_offline_data(&app, ipc::GetOfflineData {});
    let found = listed
        .snapshots
        .iter()
        .find(|file| file.path == damaged.display().to_string())
        .unwrap();
    assert!(found.problem.is_some(), "{found:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_cluster_whose_context_is_gone_stays_browsable_read_only() {
    let (dir, _cluster, server, app, seen) = dev_seen_live().await;
    drop(app);

    // The context is renamed in the kubeconfig: dev is kept, read-only, beside the live context.
    let app = open_app(dir.path(), &server.url());
    let kubeconfig = dir.path().join("kubeconfig");
    let renamed = std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .replace("- name: dev\n  context:", "- name: dev-2\n  context:")
        .replace("current-context: dev", "current-context: dev-2");
    std::fs::write(&kubeconfig, renamed).unwrap();
    let contexts = list_contexts(&app, ipc::ListContexts {}).unwrap();
    assert_eq!(contexts.contexts.len(), 1);
    assert_eq!(contexts.contexts[0].name, "dev-2");
    assert_eq!(contexts.contexts[0].kept_as_of, None);
    let source = ipc::ReadOnlySource::Removed {
        context: "dev".into(),
    };
    assert_eq!(contexts.read_only.len(), 1);
    assert_eq!(contexts.read_only[0].name, "dev");
    assert_eq!(contexts.read_only[0].source, source);
    shows_as_seen(&app, "dev", &seen, &source).await;
    // The live context browses the same cluster live.
    let live = browse_live(&app, "dev-2").await;
    assert_eq!(live.pods.rows, seen.pods.rows);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_offline_limits_are_checked_and_kept() {
    let (dir, _cluster, server, app, _) = dev_seen_live().await;
    let held = get_offline_data(&app, ipc::GetOfflineData {});
    assert!(held.total_bytes > 0);

    let with = |per_cluster_mib, total_mib| ipc::SaveSettings {
        settings: ipc::Settings {
            offline_limits: ipc::OfflineLimits {
                per_cluster_mib,
                total_mib,
            },
            ..ipc::Settings::default()
        },
    };
    for (per_cluster, total, named) in [(0, 100, "per cluster"), (100, 50, "total")] {
        let refused = save_settings(&app, with(per_cluster, total))
            .await
            .unwrap_err();
        assert!(refused.message.contains(named), "{refused:?}");
    }
    assert_eq!(
        get_settings(&app, ipc::GetSettings {})
            .unwrap()
            .offline_limits,
        ipc::OfflineLimits::DEFAULT,
        "nothing refused is kept"
    );
    save_settings(&app, with(16, 64)).await.unwrap();
    drop(app);
    let app = open_app(dir.path(), &server.url());
    assert_eq!(
        get_settings(&app, ipc::GetSettings {})
            .unwrap()
            .offline_limits,
        ipc::OfflineLimits {
            per_cluster_mib: 16,
            total_mib: 64,
        }
    );
}
