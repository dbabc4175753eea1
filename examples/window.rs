//! The live table measured in the real window, at 100,000 pods over the three demo clusters shown
//! at once (All clusters): how soon the first rows are on screen after opening Pods, how long a
//! keystroke in the filter takes to repaint (p50 and p95), how smooth the frames stay while the
//! clusters change 1,000 pods a second (against the same window idle, measured in the same run),
//! and the memory (PSS) of the app's process tree; as the baseline, how long serde_json alone
//! takes to parse the same pods as list JSON. Then the app opened again with no network (every
//! cluster's address a black hole): how soon the kept pods are on screen.
//!
//! ```sh
//! cargo xtask build --release
//! KUBEDESK_APP=$PWD/target/release/kubedesk cargo run --release --example window
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubedesk_sim::{SimServer, demo};
use kubedesk_tests::{Launch, Window, app_path};

/// Pods added to the three demo clusters, a third to each.
const PODS: usize = 100_000;
/// How many clusters share them.
const CLUSTERS: usize = 3;
/// Keystrokes typed into the filter.
const KEYSTROKES: usize = 40;
/// Pod changes a second while frames are counted.
const CHURN: u32 = 1_000;
/// How long frames are counted, idle and under churn.
const FRAMES_FOR: Duration = Duration::from_secs(5);

/// Installs an observer that notes when the first pod's row is painted, then opens the Pods table.
const OPEN_PODS: &str = "(() => {
    window.__first = null;
    const start = performance.now();
    const observer = new MutationObserver(() => {
        if (document.querySelector('#live-table-body a.live-table__link[href^=\"#/workloads/pods/\"]')) {
            observer.disconnect();
            requestAnimationFrame(() => { window.__first = performance.now() - start; });
        }
    });
    observer.observe(document.body, { childList: true, subtree: true });
    location.hash = '#/workloads/pods';
    return true;
})()";

/// Types `TEXT` into the filter and notes when the rows have changed on screen.
const KEYSTROKE: &str = "(() => {
    window.__latency = null;
    const start = performance.now();
    const observer = new MutationObserver(() => {
        observer.disconnect();
        requestAnimationFrame(() => { window.__latency = performance.now() - start; });
    });
    observer.observe(document.querySelector('#live-table-body'), { childList: true, subtree: true, characterData: true });
    const input = document.querySelector('#table-filter');
    input.value = TEXT;
    input.dispatchEvent(new Event('input'));
    return true;
})()";

/// Notes when the rows in view last changed.
const WATCH_CHANGES: &str = "(() => {
    window.__lastChange = performance.now();
    new MutationObserver(() => { window.__lastChange = performance.now(); })
        .observe(document.querySelector('#live-table-body'), { childList: true, subtree: true, characterData: true });
    return true;
})()";

/// Records the time between frames for a while.
const COUNT_FRAMES: &str = "(() => {
    window.__frames = [];
    window.__framesDone = false;
    let last = performance.now();
    const until = last + MILLIS;
    const step = (now) => {
        window.__frames.push(now - last);
        last = now;
        if (now < until) { requestAnimationFrame(step); } else { window.__framesDone = true; }
    };
    requestAnimationFrame(step);
    return true;
})()";

#[tokio::main]
async fn main() {
    let app = app_path();
    println!("app: {}", app.display());
    let started = Instant::now();
    let mut clusters = Vec::new();
    let mut servers = Vec::new();
    for (index, cluster) in [demo::gpu_prod(), demo::dev(), demo::edge()]
        .into_iter()
        .enumerate()
    {
        let cluster = cluster.unwrap();
        demo::add_pods(
            &cluster,
            PODS / CLUSTERS + usize::from(index < PODS % CLUSTERS),
        )
        .unwrap();
        let cluster = Arc::new(cluster);
        servers.push(
            SimServer::start(cluster.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .unwrap(),
        );
        clusters.push(cluster);
    }
    let total: usize = clusters
        .iter()
        .map(|cluster| cluster.store.list("/pods", None).1.len())
        .sum();
    println!(
        "simulators with {total} pods in {CLUSTERS} clusters ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The baseline: the same pods as list JSON, parsed by serde_json alone.
    let lists: Vec<String> = clusters
        .iter()
        .map(|cluster| {
            let (revision, items) = cluster.store.list("/pods", None);
            serde_json::json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": revision.to_string()}, "items": items})
                .to_string()
        })
        .collect();
    let parse = Instant::now();
    let parsed: usize = lists
        .iter()
        .map(|list| {
            let value: serde_json::Value = serde_json::from_str(list).unwrap();
            value["items"].as_array().map_or(0, Vec::len)
        })
        .sum();
    let parse_ms = parse.elapsed().as_secs_f64() * 1000.0;
    println!(
        "baseline: serde_json parses the {parsed} pods' list JSON ({:.0} MiB) in {parse_ms:.0} ms",
        lists.iter().map(String::len).sum::<usize>() as f64 / 1024.0 / 1024.0
    );
    drop(lists);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let served: Vec<&SimServer> = servers.iter().collect();
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&served)).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let launch = Launch {
        kubeconfig: Some(kubeconfig.into_os_string()),
        config_dir: dir.path().join("config"),
        home,
        env: Vec::new(),
    };
    let mut window = Window::open("bench-window", &launch).await;
    window.wait_for_text("#connection-state", "Connected").await;
    every_cluster_on_nodes(&window).await;
    window
        .wait_for_eval(
            "document.querySelector('#table-status').textContent.includes('rows') && !!document.querySelector('#live-table-body .live-table__row[data-row^=\"edge/\"]')",
            serde_json::json!(true),
        )
        .await;

    let resting: u64 = tree_pss_kib(&app).iter().map(|(_, pss)| pss).sum();

    // First rows on screen, then the whole list live.
    let rows_shown = |rows: &str| {
        format!(
            "document.querySelector('#table-status').textContent.includes('rows') && parseInt(document.querySelector('#table-status').textContent.replace(/,/g, '')) {rows}"
        )
    };
    window.eval(OPEN_PODS).await;
    let first = number(
        &window
            .wait_for_value("window.__first", Duration::from_secs(60))
            .await,
    );
    let listed = Instant::now();
    window
        .wait_for_eval(&rows_shown(&format!(">= {total}")), serde_json::json!(true))
        .await;
    let live = listed.elapsed().as_secs_f64() * 1000.0 + first;
    println!(
        "first rows on screen: {first:.0} ms after opening Pods ({:.2}× the baseline parse); all {total} listed and live after {live:.0} ms ({:.1}× the baseline parse)",
        first / parse_ms,
        live / parse_ms
    );
    window.screenshot("pods").await;
    // What the app's process tree does with nothing changing: CPU and table repaints for 3 s.
    window.eval("window.__changes = 0; new MutationObserver(() => { window.__changes += 1; }).observe(document.querySelector('#live-table-body'), { childList: true, subtree: true, characterData: true }); true").await;
    let before = tree_cpu_seconds(&app);
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!(
        "idle, all listed: the app's processes used {:.0} % of a core; the rows changed {} times in 3 s",
        (tree_cpu_seconds(&app) - before) / 3.0 * 100.0,
        window.eval("window.__changes").await
    );

    // Keystroke to repaint, over every cluster and, as the baseline, over the first one alone.
    let (p50, p95) = keystrokes(&window).await;
    println!(
        "keystroke to repaint, all {CLUSTERS} clusters ({KEYSTROKES} keystrokes): p50 {p50:.0} ms, p95 {p95:.0} ms"
    );
    window.click("#all-clusters").await;
    window
        .wait_for_eval(&rows_shown(&format!("< {total}")), serde_json::json!(true))
        .await;
    let (one_p50, one_p95) = keystrokes(&window).await;
    println!(
        "keystroke to repaint, one cluster: p50 {one_p50:.0} ms, p95 {one_p95:.0} ms; all clusters / one: p50 {:.2}×, p95 {:.2}×",
        p50 / one_p50,
        p95 / one_p95
    );
    // The other clusters' tables went with the view that held them: they list again.
    window.click("#all-clusters").await;
    window
        .wait_for_value(
            &format!("({}) ? true : null", rows_shown(&format!(">= {total}"))),
            Duration::from_secs(120),
        )
        .await;

    // Frames: idle, then while 1,000 pods a second restart, sorted by restarts (descending) so
    // the rows in view keep changing.
    let by_restarts = "(() => { const head = [...document.querySelectorAll('.live-table__head')].find(h => h.textContent.trim().startsWith('Restarts')); head.click(); return true; })()";
    window.eval(by_restarts).await;
    window.eval(by_restarts).await;
    window
        .wait_for_eval(
            "document.querySelector('.live-table__header').textContent.includes('▼')",
            serde_json::json!(true),
        )
        .await;
    // The sorted table settles (nothing in it changes for half a second) before the idle frames
    // are counted; the busy ones once restarted pods have reached the rows in view.
    window.eval(WATCH_CHANGES).await;
    window
        .wait_for_value(
            "performance.now() - window.__lastChange > 500 ? true : null",
            Duration::from_secs(30),
        )
        .await;
    let idle = frames(&window).await;
    let per_cluster = CHURN / CLUSTERS as u32;
    for cluster in &clusters {
        cluster.churn.set(per_cluster);
    }
    // Restarts is the sixth column: Cluster, Namespace, Name, Ready, Status, Restarts.
    window.wait_for_value(
        "[...document.querySelectorAll('#live-table-body .live-table__row')].some(row => row.children[5].textContent !== '0') ? true : null",
        Duration::from_secs(30),
    )
    .await;
    let busy = frames(&window).await;
    for cluster in &clusters {
        cluster.churn.set(0);
    }
    window.screenshot("churn").await;
    let report = |name: &str, mut frames: Vec<f64>| {
        let count = frames.len();
        let long = frames.iter().filter(|frame| **frame > 50.0).count();
        let p50 = percentile(&mut frames, 0.5);
        let p95 = percentile(&mut frames, 0.95);
        let worst = frames.iter().copied().fold(0.0, f64::max);
        println!(
            "frames {name}: {count} in {} s, p50 {p50:.1} ms, p95 {p95:.1} ms, longest {worst:.0} ms, {long} over 50 ms",
            FRAMES_FOR.as_secs()
        );
        p95
    };
    let idle_p95 = report("idle", idle);
    let changes = per_cluster * CLUSTERS as u32;
    let busy_p95 = report(&format!("under {changes} pod changes/s"), busy);
    println!(
        "frame time p95 under churn / idle: {:.2}×",
        busy_p95 / idle_p95
    );

    let processes = tree_pss_kib(&app);
    let pss: u64 = processes.iter().map(|(_, pss)| pss).sum();
    let each: Vec<String> = processes
        .iter()
        .map(|(name, pss)| format!("{name} {:.0}", *pss as f64 / 1024.0))
        .collect();
    println!(
        "process tree PSS (app and WebKit): {:.1} MiB ({} MiB); {:.1} MiB before the pods were opened",
        pss as f64 / 1024.0,
        each.join(", "),
        resting as f64 / 1024.0
    );
    window.close().await;

    // Offline: KubeDesk opened again with every cluster's address a black hole (requests taken,
    // never answered): the pods kept show from the offline store.
    for cluster in &clusters {
        cluster.faults.set(kubedesk_sim::faults::FaultConfig {
            latency_ms: 3_600_000,
            ..kubedesk_sim::faults::FaultConfig::default()
        });
    }
    let mut window = Window::open("bench-window-offline", &launch).await;
    window.wait_for_text("#contexts-table", "Kept").await;
    every_cluster_on_nodes(&window).await;
    window
        .wait_for_text("#table-status", "as KubeDesk last saw them")
        .await;
    window.eval(OPEN_PODS).await;
    let offline_first = number(
        &window
            .wait_for_value("window.__first", Duration::from_secs(60))
            .await,
    );
    let kept = window
        .wait_for_text("#table-status", "as KubeDesk last saw them")
        .await;
    let shown = window
        .eval("document.querySelectorAll('#live-table-body .live-table__row').length")
        .await;
    println!(
        "no network, opened again: first kept rows on screen {offline_first:.0} ms after opening Pods ({:.2}× the live first rows); {shown} rows in view; status: {kept}",
        offline_first / first
    );
    window.screenshot("offline-pods").await;
    window.close().await;
}

/// All namespaces of every cluster at once, chosen on the nodes table so that the pods are not
/// read before.
async fn every_cluster_on_nodes(window: &Window) {
    window
        .eval("(() => { const s = document.querySelector('#namespace-picker'); s.value = ''; s.dispatchEvent(new Event('change')); return true; })()")
        .await;
    window
        .eval("location.hash = '#/workloads/nodes'; true")
        .await;
    window.click("#all-clusters").await;
}

/// Types a filter a keystroke at a time, each text selecting other rows so that every one
/// repaints; answers with p50 and p95 of keystroke to repaint, in milliseconds.
async fn keystrokes(window: &Window) -> (f64, f64) {
    let mut latencies = Vec::new();
    for index in 0..KEYSTROKES {
        let text = format!("load-{:06}", (index * 2_477) % (PODS / CLUSTERS));
        window
            .eval(&KEYSTROKE.replace("TEXT", &format!("{text:?}")))
            .await;
        latencies.push(number(
            &window
                .wait_for_value("window.__latency", Duration::from_secs(10))
                .await,
        ));
    }
    window.eval(&KEYSTROKE.replace("TEXT", "''")).await;
    window
        .wait_for_value("window.__latency", Duration::from_secs(10))
        .await;
    (
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.95),
    )
}

async fn frames(window: &Window) -> Vec<f64> {
    window
        .eval(&COUNT_FRAMES.replace("MILLIS", &FRAMES_FOR.as_millis().to_string()))
        .await;
    window
        .wait_for_value(
            "window.__framesDone ? window.__frames : null",
            FRAMES_FOR * 3,
        )
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(number)
        .collect()
}

fn number(value: &serde_json::Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn percentile(values: &mut [f64], at: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 - 1.0) * at).round() as usize;
    values.get(index).copied().unwrap_or(f64::NAN)
}

/// The CPU time (user and system, seconds) the app's processes and their descendants used so far.
fn tree_cpu_seconds(app: &Path) -> f64 {
    tree(app)
        .iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace().collect())
                .unwrap_or_default();
            // utime and stime, the 12th and 13th fields after the command, in clock ticks (100 a second).
            [11, 12]
                .iter()
                .filter_map(|at| fields.get(*at)?.parse::<f64>().ok())
                .sum::<f64>()
                / 100.0
        })
        .sum()
}

/// The app's processes and their descendants (WebKit's web and network processes).
fn tree(app: &Path) -> Vec<u32> {
    let mut parents: HashMap<u32, u32> = HashMap::new();
    let mut roots = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // The parent is the second field after the command, which is in parentheses.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|parent| parent.parse().ok())
            .unwrap_or(0);
        parents.insert(pid, parent);
        if std::fs::read_link(entry.path().join("exe")).ok() == Some(PathBuf::from(app)) {
            roots.push(pid);
        }
    }
    let in_tree = |mut pid: u32| {
        while pid > 1 {
            if roots.contains(&pid) {
                return true;
            }
            pid = parents.get(&pid).copied().unwrap_or(0);
        }
        false
    };
    parents
        .keys()
        .copied()
        .filter(|pid| in_tree(*pid))
        .collect()
}

/// The PSS of the app's processes and their descendants (WebKit's web and network processes).
fn tree_pss_kib(app: &Path) -> Vec<(String, u64)> {
    tree(app)
        .iter()
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .unwrap_or_default()
                .trim()
                .to_owned();
            let pss = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                .unwrap_or_default()
                .lines()
                .find_map(|line| line.strip_prefix("Pss:"))
                .and_then(|value| {
                    value
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
                .unwrap_or(0);
            (name, pss)
        })
        .collect()
}
