//! The offline store at 100,000 pods, through the use-cases the window calls: how much longer the
//! pods table takes to list with every pod kept than without a store (the baseline, in the same
//! run), how soon every pod is committed, the file's size against the pods' JSON, how soon a table
//! opened again with the cluster stopped has its first update (100,000 stored rows, sorted and
//! windowed), exporting the cluster to a snapshot and opening it as a read-only cluster, and
//! opening KubeDesk with no network (the cluster's address a black hole).
//!
//! ```sh
//! cargo run --release -p kubedesk-api --example offline
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubedesk_api::clusters::{cluster_health, cluster_overview, list_contexts};
use kubedesk_api::offline::{export_offline_data, get_offline_data, open_snapshot};
use kubedesk_api::tables::{stop_table, watch_table};
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};

const PODS: usize = 100_000;

fn app(dir: &Path, data_dir: &Path, server: &str) -> App {
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\n\
             clusters:\n- name: prod\n  cluster:\n    server: {server}\n\
             users:\n- name: admin\n  user:\n    token: kubedesk-demo\n\
             contexts:\n- name: prod\n  context:\n    cluster: prod\n    user: admin\n"
        ),
    )
    .unwrap();
    let mut config = AppConfig::in_memory(
        dir.join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    );
    config.data_dir = data_dir.to_path_buf();
    App::new(config)
}

/// Opens every namespace's pods of `context`; answers the time to `until` and the subscription's
/// id.
async fn open(
    app: &App,
    context: &str,
    until: impl Fn(&ipc::TableUpdate) -> bool,
) -> (Duration, u64) {
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let subscription = watch_table(
        app,
        ipc::WatchTable {
            contexts: vec![context.into()],
            kind: ipc::TableKind::Pods.into(),
            namespace: None,
            query: ipc::TableQuery {
                limit: 60,
                ..ipc::TableQuery::default()
            },
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    loop {
        let update = updates.recv().await.unwrap();
        if until(&update) {
            return (started.elapsed(), subscription.id);
        }
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

#[tokio::main]
async fn main() {
    let cluster = Arc::new(demo::gpu_prod().unwrap());
    demo::add_pods(&cluster, PODS).unwrap();
    let (_, pods) = cluster.store.list("/pods", None);
    let total = pods.len();
    let json: usize = pods
        .iter()
        .map(|pod| serde_json::to_vec(pod).unwrap().len())
        .sum();
    let server = SimServer::start(cluster.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let url = server.url();
    println!("{total} pods, {} of JSON", mib(json as u64));
    let live = |update: &ipc::TableUpdate| {
        update.status == ipc::TableStatus::Live && update.total >= total
    };

    // The baseline: no store (its folder is a file, so it cannot be opened).
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, "").unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    let without = app(&dir.path().join("a"), &blocked, &url);
    let (baseline, id) = open(&without, "prod", live).await;
    stop_table(&without, ipc::StopTable { id }).unwrap();
    drop(without);
    let baseline_peak = peak_memory();
    println!(
        "listed live without a store (baseline): {}; the process's peak memory {}",
        ms(baseline),
        mib(baseline_peak)
    );

    // With the store: every pod kept as it is listed.
    let data = dir.path().join("data");
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let keeping = app(&dir.path().join("b"), &data, &url);
    let (listed, id) = open(&keeping, "prod", live).await;
    let started = Instant::now();
    let kept = get_offline_data(&keeping, ipc::GetOfflineData {});
    let committed = listed + started.elapsed();
    stop_table(&keeping, ipc::StopTable { id }).unwrap();
    println!(
        "listed live with every pod kept: {} ({:.2}× the baseline); all {} committed after {}",
        ms(listed),
        listed.as_secs_f64() / baseline.as_secs_f64(),
        kept.clusters.first().map_or(0, |cluster| cluster.objects),
        ms(committed)
    );
    let peak = peak_memory();
    println!(
        "  the process's peak memory {} ({:.2}× the baseline's)",
        mib(peak),
        peak as f64 / baseline_peak as f64
    );
    println!(
        "store: {} of objects kept, {} on disk: {:.2}× the pods' JSON",
        mib(kept.total_bytes),
        mib(kept.file_bytes),
        kept.file_bytes as f64 / json as f64
    );
    // The overview, kept for when the cluster does not answer.
    cluster_overview(&keeping, overview_request())
        .await
        .unwrap();
    let started = Instant::now();
    let snapshot = export_offline_data(
        &keeping,
        ipc::ExportOfflineData {
            context: "prod".into(),
        },
    )
    .unwrap();
    let exported = started.elapsed();
    let snapshot_bytes = std::fs::metadata(&snapshot.path).unwrap().len();
    drop(keeping);
    println!(
        "snapshot of the cluster exported in {}: {}",
        ms(exported),
        mib(snapshot_bytes)
    );

    // The cluster stops; KubeDesk opens again: the stored rows come first.
    cluster.store.end_watches();
    drop(server);
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let started = Instant::now();
    let offline = app(&dir.path().join("c"), &data, &url);
    let opened = started.elapsed();
    let (first, id) = open(&offline, "prod", |update| update.total >= total).await;
    stop_table(&offline, ipc::StopTable { id }).unwrap();
    drop(offline);
    println!(
        "opened offline: the app with its store in {}, then the first update with all {total} stored rows after {} ({} in all)",
        ms(opened),
        ms(first),
        ms(opened + first)
    );
    // Where the time of opening offline goes: reading the rows, turning them into table rows.
    let store = kubedesk_store::Store::open_snapshot(Path::new(&snapshot.path)).unwrap();
    let started = Instant::now();
    let kept_rows = store
        .rows("prod", &kubedesk_store::resource_id("", "v1", "pods"), None)
        .unwrap();
    let read = started.elapsed();
    let started = Instant::now();
    let rows = kubedesk_api::offline::table_rows(kept_rows);
    println!(
        "  of which: {} rows read from the store in {}, made table rows in {}",
        rows.len(),
        ms(read),
        ms(started.elapsed())
    );
    drop((store, rows));

    // No network: the cluster's address is a black hole (connections accepted, never answered,
    // as behind a VPN that is down). Every kept cluster shows at once, and its pages open as last
    // seen, without waiting for the connection attempts to time out.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", black_hole.local_addr().unwrap());
    std::fs::create_dir_all(dir.path().join("d")).unwrap();
    let started = Instant::now();
    let unreachable = app(&dir.path().join("d"), &data, &address);
    let contexts = list_contexts(&unreachable, ipc::ListContexts {}).unwrap();
    let listed_contexts = started.elapsed();
    assert!(contexts.contexts[0].kept_as_of.is_some());
    let (first, id) = open(&unreachable, "prod", |update| update.total >= total).await;
    let table_at = listed_contexts + first;
    stop_table(&unreachable, ipc::StopTable { id }).unwrap();
    let asked = Instant::now();
    let overview = cluster_overview(&unreachable, overview_request())
        .await
        .unwrap();
    assert!(overview.offline.is_some());
    let overview_took = asked.elapsed();
    let asked = Instant::now();
    let health = cluster_health(
        &unreachable,
        ipc::GetClusterHealth {
            context: "prod".into(),
        },
    )
    .await
    .unwrap();
    println!(
        "no network: the kept clusters listed {} after opening; the pods' {total} stored rows shown after {}; the overview as last seen in {}; a connection attempt gives up after {} ({})",
        ms(listed_contexts),
        ms(table_at),
        ms(overview_took),
        ms(asked.elapsed()),
        serde_json::to_value(&health).unwrap()["state"]
    );
    drop(unreachable);

    // The snapshot opened as a read-only cluster, to its first table.
    std::fs::create_dir_all(dir.path().join("e")).unwrap();
    let reader = app(&dir.path().join("e"), &dir.path().join("data-e"), &url);
    let started = Instant::now();
    let opened = open_snapshot(
        &reader,
        ipc::OpenSnapshot {
            path: snapshot.path.clone(),
        },
    )
    .unwrap();
    let (first, id) = open(&reader, &opened.name, |update| update.total >= total).await;
    stop_table(&reader, ipc::StopTable { id }).unwrap();
    println!(
        "snapshot opened as a read-only cluster: its {total} pods shown after {}",
        ms(started.elapsed().max(first))
    );
}

/// The process's peak resident memory so far, in bytes (`VmHWM`).
fn peak_memory() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn overview_request() -> ipc::GetClusterOverview {
    ipc::GetClusterOverview {
        context: "prod".into(),
        namespace: None,
    }
}
