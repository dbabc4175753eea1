//! The live table measured in the real window, at 100,014 pods: how soon the first rows are on
//! screen after opening Pods, how long a keystroke in the filter takes to repaint (p50 and p95),
//! how smooth the frames stay while the cluster changes 1,000 pods a second (against the same
//! window idle, measured in the same run), and the memory (PSS) of the app's process tree.
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

/// Pods added to the demo's gpu-prod cluster.
const PODS: usize = 100_000;
/// Keystrokes typed into the filter.
const KEYSTROKES: usize = 40;
/// Pod changes a second while frames are counted.
const CHURN: u32 = 1_000;
/// How long frames are counted, idle and under churn.
const FRAMES_FOR: Duration = Duration::from_secs(5);

/// Installs an observer that notes when the first row is painted, then opens the Pods table.
const OPEN_PODS: &str = "(() => {
    window.__first = null;
    const start = performance.now();
    const observer = new MutationObserver(() => {
        if (document.querySelector('#live-table-body .live-table__row')) {
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
    let cluster = demo::gpu_prod().unwrap();
    demo::add_pods(&cluster, PODS).unwrap();
    let cluster = Arc::new(cluster);
    let server = SimServer::start(cluster.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    println!(
        "simulator with {} pods ready in {:.1} s",
        cluster.store.list("/pods", None).1.len(),
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&[&server])).unwrap();
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
    window
        .eval("(() => { const s = document.querySelector('#namespace-picker'); s.value = ''; s.dispatchEvent(new Event('change')); return true; })()")
        .await;

    // First rows on screen, then the whole list live.
    window.eval(OPEN_PODS).await;
    let first = number(&wait_for(&window, "window.__first", Duration::from_secs(60)).await);
    let listed = Instant::now();
    window
        .wait_for_eval(
            &format!(
                "document.querySelector('#table-status').textContent.includes('rows') && parseInt(document.querySelector('#table-status').textContent.replace(/,/g, '')) > {PODS}"
            ),
            serde_json::json!(true),
        )
        .await;
    println!(
        "first rows on screen: {first:.0} ms after opening Pods; all listed and live {:.1} s later",
        listed.elapsed().as_secs_f64()
    );
    window.screenshot("pods").await;

    // Keystroke to repaint: each text selects other rows, so every one repaints.
    let mut latencies = Vec::new();
    for index in 0..KEYSTROKES {
        let text = format!("load-{:06}", (index * 2_477) % PODS);
        window
            .eval(&KEYSTROKE.replace("TEXT", &format!("{text:?}")))
            .await;
        latencies.push(number(
            &wait_for(&window, "window.__latency", Duration::from_secs(10)).await,
        ));
    }
    window.eval(&KEYSTROKE.replace("TEXT", "''")).await;
    wait_for(&window, "window.__latency", Duration::from_secs(10)).await;
    println!(
        "keystroke to repaint ({KEYSTROKES} keystrokes): p50 {:.0} ms, p95 {:.0} ms",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.95)
    );

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
    wait_for(
        &window,
        "performance.now() - window.__lastChange > 500 ? true : null",
        Duration::from_secs(30),
    )
    .await;
    let idle = frames(&window).await;
    cluster.churn.set(CHURN);
    wait_for(
        &window,
        "[...document.querySelectorAll('#live-table-body .live-table__row')].some(row => row.children[4].textContent !== '0') ? true : null",
        Duration::from_secs(30),
    )
    .await;
    let busy = frames(&window).await;
    cluster.churn.set(0);
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
    let busy_p95 = report(&format!("under {CHURN} pod changes/s"), busy);
    println!(
        "frame time p95 under churn / idle: {:.2}×",
        busy_p95 / idle_p95
    );

    let (pss, processes) = tree_pss_kib(&app);
    println!(
        "process tree PSS (app and WebKit): {:.1} MiB in {processes} processes",
        pss as f64 / 1024.0
    );
    window.close().await;
}

/// Waits until a JavaScript expression is not null; answers with its value.
async fn wait_for(window: &Window, expression: &str, limit: Duration) -> serde_json::Value {
    let deadline = Instant::now() + limit;
    loop {
        let value = window.eval(expression).await;
        if !value.is_null() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{expression} stayed null for {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn frames(window: &Window) -> Vec<f64> {
    window
        .eval(&COUNT_FRAMES.replace("MILLIS", &FRAMES_FOR.as_millis().to_string()))
        .await;
    wait_for(
        window,
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

/// The PSS of the app's processes and their descendants (WebKit's web and network processes).
fn tree_pss_kib(app: &Path) -> (u64, usize) {
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
    let tree: Vec<u32> = parents
        .keys()
        .copied()
        .filter(|pid| in_tree(*pid))
        .collect();
    let pss = tree
        .iter()
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
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
                .unwrap_or(0)
        })
        .sum();
    (pss, tree.len())
}
