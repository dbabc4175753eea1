//! Live tables against the simulator: the initial list, changes as they happen, a watch that
//! breaks and expires while objects change (relisted with no duplicate and no ghost rows), a
//! kind the user may not list, filters, sorting and windows, and the watch stopping when the last
//! view lets go.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use std::sync::Arc;
use std::time::Duration;

use kubedesk_cluster::resources::{self, Resource};
use kubedesk_cluster::tables::{Cell, Kind, Query, Status, Table, TableKey, Tables};
use kubedesk_sim::auth::User;
use kubedesk_sim::faults::FaultConfig;
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::eventually;
use serde_json::json;

async fn server() -> SimServer {
    let cluster = demo::gpu_prod().unwrap();
    cluster.auth.add_token("t-jane", User::new("jane", &[]));
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "ml-team",
            json!({"metadata": {"name": "jane-views"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]}),
        )
        .unwrap();
    sim::serve(cluster).await
}

fn everything() -> Query {
    Query {
        limit: usize::MAX,
        ..Query::default()
    }
}

/// Waits until `check` holds for the table's answer to `query`.
async fn until(
    table: &Table,
    query: &Query,
    check: impl Fn(&kubedesk_cluster::tables::Window, &Status) -> bool,
) {
    let mut changes = table.changes();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (window, status) = table.query(query).unwrap();
            if check(&window, &status) {
                return;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never held: {:?}", table.query(query).unwrap().1));
}

/// The administrator's table of `kind` in gpu-prod across namespaces, once it is live.
async fn live(tables: &Tables, server: &SimServer, kind: Kind) -> Arc<Table> {
    let table = tables.open(
        &sim::client(server, None),
        TableKey {
            context: "gpu-prod".into(),
            resource: kind.into(),
            namespace: None,
        },
    );
    until(&table, &everything(), |_, status| *status == Status::Live).await;
    table
}

/// Ends the table's watch and fails every new one, until the table says its rows are the last
/// known (as of when they were live) and why.
async fn break_watches(server: &SimServer, table: &Table) {
    server.cluster().faults.set(FaultConfig {
        error_rate: [("watch".to_owned(), 1.0)].into(),
        ..FaultConfig::default()
    });
    server.cluster().store.end_watches();
    until(table, &everything(), |_, status| {
        matches!(
            status,
            Status::Offline {
                message: Some(_),
                ..
            }
        )
    })
    .await;
}

/// How many pods the cluster holds, from its store.
fn stored_pods(server: &SimServer) -> usize {
    server.cluster().store.list("/pods", None).1.len()
}

fn pod(name: &str) -> serde_json::Value {
    json!({"metadata": {"name": name, "labels": {"app": "probe"}},
           "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}})
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pods_table_lists_follows_and_relists_without_duplicates_or_ghosts() {
    let server = server().await;
    let tables = Tables::default();
    let admin = sim::client(&server, None);
    let key = TableKey {
        context: "gpu-prod".into(),
        resource: Kind::Pods.into(),
        namespace: None,
    };
    let table = tables.open(&admin, key.clone());
    until(&table, &everything(), |_, status| *status == Status::Live).await;
    let (all, _) = table.query(&everything()).unwrap();
    assert_eq!(all.total, stored_pods(&server));
    // Shared: a second view gets the same table, and one watch.
    let again = tables.open(&admin, key.clone());
    assert!(Arc::ptr_eq(&table, &again));
    assert_eq!(tables.open_count(), 1);

    // A new pod shows, GPUs and all; a deleted one goes.
    server
        .cluster()
        .create("", "pods", "default", pod("probe-1"))
        .unwrap();
    let probe = Query {
        labels: "app=probe".into(),
        ..everything()
    };
    until(&table, &probe, |window, _| window.total == 1).await;
    let (window, _) = table.query(&probe).unwrap();
    let gpus = Kind::Pods
        .columns()
        .iter()
        .position(|column| *column == "GPUs")
        .unwrap();
    assert_eq!(window.rows[0].cells[gpus], Cell::Number(2.0));
    server
        .cluster()
        .store
        .delete("/pods", "default", "probe-1")
        .unwrap();
    until(&table, &probe, |window, _| window.total == 0).await;

    // The watch fails while pods change, and the history it would resume from is forgotten: the
    // table relists, with the deleted pod gone and the new one there, each once.
    let victim = all.rows[0].clone();
    break_watches(&server, &table).await;
    server
        .cluster()
        .store
        .delete("/pods", victim.namespace.as_deref().unwrap(), &victim.name)
        .unwrap();
    server
        .cluster()
        .create("", "pods", "default", pod("probe-2"))
        .unwrap();
    server.cluster().store.compact();
    server.cluster().faults.set(FaultConfig::default());
    until(&table, &probe, |window, status| {
        *status == Status::Live && window.total == 1
    })
    .await;
    let (after, _) = table.query(&everything()).unwrap();
    assert_eq!(after.total, stored_pods(&server));
    let keys: std::collections::BTreeSet<String> = after.rows.iter().map(|row| row.key()).collect();
    assert_eq!(keys.len(), after.total, "no duplicate rows");
    assert!(!keys.contains(&victim.key()), "no ghost of the deleted pod");

    // When no view holds it any more, the table and its watch stop.
    eventually("the table to watch again after its relist", || {
        (server.cluster().store.open_watches() > 0).then_some(())
    })
    .await;
    drop(table);
    drop(again);
    assert_eq!(tables.open_count(), 0);
    // The server notices a closed watch when writing an event to it fails.
    let mut probes = 3;
    eventually("the watch to end with its table", || {
        server
            .cluster()
            .create("", "pods", "default", pod(&format!("probe-{probes}")))
            .unwrap();
        probes += 1;
        (server.cluster().store.open_watches() == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_are_filtered_sorted_and_windowed_on_the_backend() {
    let server = server().await;
    let tables = Tables::default();
    let table = live(&tables, &server, Kind::Pods).await;
    let (all, _) = table.query(&everything()).unwrap();
    assert!(all.total >= 10);

    // Free text matches namespace, name and text cells, every word, any case.
    let (research, _) = table
        .query(&Query {
            text: "RESEARCH".into(),
            ..everything()
        })
        .unwrap();
    assert!(research.total >= 1);
    assert!(
        research.rows.iter().all(
            |row| row.namespace.as_deref() == Some("research") || row.name.contains("research")
        )
    );
    let (pending, _) = table
        .query(&Query {
            text: "research pending".into(),
            ..everything()
        })
        .unwrap();
    assert!(
        pending.rows.iter().any(|row| row.name == "giant-train-0"),
        "{pending:?}"
    );

    // Sorted by GPUs, descending; a window of three from the second row.
    let gpus = 2 + Kind::Pods
        .columns()
        .iter()
        .position(|column| *column == "GPUs")
        .unwrap();
    let sorted = Query {
        sort: Some(gpus),
        descending: true,
        ..everything()
    };
    let (by_gpus, _) = table.query(&sorted).unwrap();
    let counts: Vec<f64> = by_gpus
        .rows
        .iter()
        .map(|row| match row.cells[gpus - 2] {
            Cell::Number(count) => count,
            _ => panic!("GPUs is a number"),
        })
        .collect();
    assert!(
        counts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{counts:?}"
    );
    assert!(counts[0] >= 8.0, "the biggest GPU pod first: {counts:?}");
    let (window, _) = table
        .query(&Query {
            offset: 1,
            limit: 3,
            ..sorted.clone()
        })
        .unwrap();
    assert_eq!(window.total, all.total);
    assert_eq!(window.rows, by_gpus.rows[1..4]);

    // A selector that cannot be parsed says why.
    let error = table
        .query(&Query {
            labels: "tier in front".into(),
            ..everything()
        })
        .unwrap_err();
    assert!(error.to_string().contains("tier in front"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_the_user_may_not_list_says_why_and_their_namespace_works() {
    let server = server().await;
    server.cluster().auth.require();
    server.cluster().auth.add_token("t-admin", User::admin());
    let tables = Tables::default();
    let jane = sim::client(&server, Some("t-jane"));
    let everywhere = tables.open(
        &jane,
        TableKey {
            context: "jane".into(),
            resource: Kind::Pods.into(),
            namespace: None,
        },
    );
    until(&everywhere, &everything(), |_, status| {
        matches!(status, Status::Forbidden(_))
    })
    .await;
    let (_, status) = everywhere.query(&everything()).unwrap();
    let Status::Forbidden(message) = status else {
        unreachable!()
    };
    assert!(
        message.contains("cannot list resource \"pods\""),
        "{message}"
    );
    let in_team = tables.open(
        &jane,
        TableKey {
            context: "jane".into(),
            resource: Kind::Pods.into(),
            namespace: Some("ml-team".into()),
        },
    );
    until(&in_team, &everything(), |window, status| {
        *status == Status::Live && window.total >= 1
    })
    .await;
    let nodes = tables.open(
        &sim::client(&server, Some("t-admin")),
        TableKey {
            context: "admin".into(),
            resource: Kind::Nodes.into(),
            namespace: None,
        },
    );
    until(&nodes, &everything(), |window, status| {
        *status == Status::Live && window.total == 7
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_workload_kind_has_its_table_with_kubectl_s_columns() {
    let server = server().await;
    let template = json!({"metadata": {"labels": {"app": "kinds"}},
                          "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}], "restartPolicy": "Never"}});
    let selector = json!({"matchLabels": {"app": "kinds"}});
    for (group, plural, object) in [
        (
            "apps",
            "statefulsets",
            json!({"metadata": {"name": "db"}, "spec": {"serviceName": "db", "replicas": 1, "selector": selector, "template": template}}),
        ),
        (
            "apps",
            "daemonsets",
            json!({"metadata": {"name": "agent"}, "spec": {"selector": selector, "template": template}}),
        ),
        (
            "batch",
            "jobs",
            json!({"metadata": {"name": "once"}, "spec": {"template": template}}),
        ),
        (
            "batch",
            "cronjobs",
            json!({"metadata": {"name": "nightly"}, "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}}),
        ),
    ] {
        server
            .cluster()
            .create(group, plural, "default", object)
            .unwrap();
    }
    let tables = Tables::default();
    let admin = sim::client(&server, None);
    for (kind, store_key) in [
        (Kind::Deployments, "apps/deployments"),
        (Kind::StatefulSets, "apps/statefulsets"),
        (Kind::DaemonSets, "apps/daemonsets"),
        (Kind::ReplicaSets, "apps/replicasets"),
        (Kind::Jobs, "batch/jobs"),
        (Kind::CronJobs, "batch/cronjobs"),
        (Kind::Nodes, "/nodes"),
    ] {
        let table = tables.open(
            &admin,
            TableKey {
                context: "gpu-prod".into(),
                resource: kind.into(),
                namespace: None,
            },
        );
        until(&table, &everything(), |_, status| *status == Status::Live).await;
        let (window, _) = table.query(&everything()).unwrap();
        let stored = server.cluster().store.list(store_key, None).1.len();
        assert_eq!(window.total, stored, "{kind:?}");
        assert!(stored > 0, "the demo has {kind:?}");
        for row in &window.rows {
            assert_eq!(row.cells.len(), kind.columns().len(), "{kind:?} {row:?}");
        }
        let first = &window.rows[0].cells;
        match kind {
            Kind::Jobs => assert!(
                matches!(&first[0], Cell::Text(state) if ["Complete", "Failed", "Running", "Suspended"].contains(&state.as_str())),
                "{first:?}"
            ),
            Kind::CronJobs => {
                assert!(
                    matches!(&first[0], Cell::Text(schedule) if schedule.split(' ').count() == 5),
                    "{first:?}"
                );
            }
            Kind::Nodes => assert!(
                matches!(&first[0], Cell::Text(state) if state.starts_with("Ready")),
                "{first:?}"
            ),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_that_resumes_quietly_turns_live_again() {
    let server = server().await;
    let tables = Tables::default();
    let table = live(&tables, &server, Kind::Nodes).await;
    break_watches(&server, &table).await;
    // The history is kept: the watcher resumes where it was, with no relist and no event.
    server.cluster().faults.set(FaultConfig::default());
    until(&table, &everything(), |window, status| {
        *status == Status::Live && window.total == 7
    })
    .await;
}

/// gpu-prod's resource `group`/`plural`, as its discovery has it.
async fn served(server: &SimServer, group: &str, plural: &str) -> Resource {
    let served = resources::served(&sim::client(server, None)).await.unwrap();
    served
        .into_iter()
        .find(|resource| resource.group == group && resource.plural == plural)
        .unwrap_or_else(|| panic!("{plural}.{group} is served"))
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_lists_every_resource_with_its_kind_and_scope() {
    let server = server().await;
    let served = resources::served(&sim::client(&server, None))
        .await
        .unwrap();
    let find = |group: &str, plural: &str| {
        served
            .iter()
            .find(|resource| resource.group == group && resource.plural == plural)
            .unwrap_or_else(|| panic!("{plural}.{group} in {served:?}"))
    };
    assert_eq!(find("", "pods").kind, "Pod");
    assert!(find("", "pods").namespaced);
    assert!(!find("", "nodes").namespaced);
    assert_eq!(find("", "pods").table(), Some(Kind::Pods));
    let snapshots = find("snapshot.storage.k8s.io", "volumesnapshots");
    assert_eq!(
        (snapshots.kind.as_str(), snapshots.version.as_str()),
        ("VolumeSnapshot", "v1")
    );
    assert!(snapshots.namespaced && snapshots.table().is_none());
    assert_eq!(
        snapshots.qualified(),
        "volumesnapshots.snapshot.storage.k8s.io"
    );
    // Subresources are not resources of their own; each resource is listed once.
    assert!(served.iter().all(|resource| !resource.plural.contains('/')));
    let mut unique = served.clone();
    unique.dedup();
    assert_eq!(unique.len(), served.len());
    // A URL names a resource by group, version and plural; discovery says the rest.
    assert_eq!(
        resources::find(&served, "snapshot.storage.k8s.io", "v1", "volumesnapshots").as_ref(),
        Some(snapshots)
    );
    assert_eq!(
        resources::find(&served, "example.com", "v1", "widgets"),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_resource_table_has_its_printer_columns_and_follows_changes() {
    let server = server().await;
    let tables = Tables::default();
    let resource = served(&server, "snapshot.storage.k8s.io", "volumesnapshots").await;
    let table = tables.open(
        &sim::client(&server, None),
        TableKey {
            context: "gpu-prod".into(),
            resource: resource.clone(),
            namespace: Some("ml-team".into()),
        },
    );
    // The columns come from the definition's additionalPrinterColumns, Age last.
    assert_eq!(
        table.columns().await.unwrap(),
        [
            "ReadyToUse",
            "SourcePVC",
            "RestoreSize",
            "SnapshotClass",
            "SnapshotContent",
            "Age"
        ]
    );
    until(&table, &everything(), |window, status| {
        *status == Status::Live && window.total == 1
    })
    .await;
    let (window, _) = table.query(&everything()).unwrap();
    let row = &window.rows[0];
    assert_eq!(
        (row.namespace.as_deref(), row.name.as_str()),
        (Some("ml-team"), "datasets-2026-11-20")
    );
    assert_eq!(row.cells[1], Cell::Text("datasets".into()));
    assert_eq!(row.cells[3], Cell::Text("fast-ssd".into()));
    assert!(matches!(row.cells[5], Cell::Time(Some(_))), "{row:?}");

    // A new one shows as it is created, and goes as it is deleted; so do changes to it.
    let snapshot = |name: &str, class: &str| {
        json!({"metadata": {"name": name, "labels": {"probe": "yes"}},
               "spec": {"volumeSnapshotClassName": class, "source": {"persistentVolumeClaimName": "datasets"}}})
    };
    let cluster = server.cluster();
    cluster
        .create(
            "snapshot.storage.k8s.io",
            "volumesnapshots",
            "ml-team",
            snapshot("probe", "fast-ssd"),
        )
        .unwrap();
    let probe = Query {
        labels: "probe=yes".into(),
        ..everything()
    };
    until(&table, &probe, |window, _| window.total == 1).await;
    cluster
        .store
        .delete(
            "snapshot.storage.k8s.io/volumesnapshots",
            "ml-team",
            "probe",
        )
        .unwrap();
    until(&table, &probe, |window, _| window.total == 0).await;

    // The watch fails and its history is forgotten while objects change: the table relists.
    break_watches(&server, &table).await;
    cluster
        .create(
            "snapshot.storage.k8s.io",
            "volumesnapshots",
            "ml-team",
            snapshot("meanwhile", "slow"),
        )
        .unwrap();
    cluster.store.compact();
    cluster.faults.set(FaultConfig::default());
    until(&table, &probe, |window, status| {
        *status == Status::Live
            && window.total == 1
            && window.rows[0].name == "meanwhile"
            && window.rows[0].cells[3] == Cell::Text("slow".into())
    })
    .await;
    assert_eq!(table.query(&everything()).unwrap().0.total, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_built_in_resource_without_its_own_columns_has_the_servers() {
    let server = server().await;
    let tables = Tables::default();
    let config_maps = served(&server, "", "configmaps").await;
    let table = tables.open(
        &sim::client(&server, None),
        TableKey {
            context: "gpu-prod".into(),
            resource: config_maps,
            namespace: None,
        },
    );
    assert_eq!(table.columns().await.unwrap(), ["Data", "Age"]);
    server
        .cluster()
        .create(
            "",
            "configmaps",
            "default",
            json!({"metadata": {"name": "three"}, "data": {"a": "1", "b": "2", "c": "3"}}),
        )
        .unwrap();
    let three = Query {
        text: "three".into(),
        ..everything()
    };
    until(&table, &three, |window, _| window.total == 1).await;
    assert_eq!(
        table.query(&three).unwrap().0.rows[0].cells[0],
        Cell::Number(3.0)
    );

    // Someone who may not list them everywhere sees why.
    let denied = tables.open(
        &sim::client(&server, Some("t-jane")),
        TableKey {
            context: "jane".into(),
            resource: served(&server, "snapshot.storage.k8s.io", "volumesnapshotcontents").await,
            namespace: None,
        },
    );
    assert_eq!(denied.columns().await, None);
    let (_, status) = denied.query(&everything()).unwrap();
    assert!(
        matches!(&status, Status::Forbidden(message) if message.contains("volumesnapshotcontents")),
        "{status:?}"
    );
}
