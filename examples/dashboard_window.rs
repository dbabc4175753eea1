//! A 12-panel dashboard over 6 hours at a 15 s step, measured in the real window from the
//! moment it is opened to every panel drawn: its queries asked of the cluster's Prometheus
//! through the API server's service proxy (the simulator's, passing them to Debian's
//! Prometheus), the series carried to the WebAssembly UI and drawn there with plotters. The
//! Prometheus holds six hours of `gpu-prod`'s 67 GPUs, backfilled by promtool before it starts.
//! As the baseline in the same run, the same twelve range queries asked of Prometheus directly,
//! all at once.
//!
//! ```sh
//! cargo xtask build --release
//! KUBEDESK_APP=$PWD/target/release/kubedesk cargo run --release --example dashboard_window
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubedesk_metrics::prometheus::{Http, Prometheus as Client};
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::Prometheus;
use kubedesk_tests::{Launch, Window, app_path};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOURS: i64 = 6;
/// The history's resolution: a sample every 30 s (a 15 s step finds one in every lookback).
const EVERY: i64 = 30;
const PANELS: usize = 12;
const RUNS: usize = 5;

/// The metrics drawn, their unit, and how a per-GPU value moves around the scraped one.
const METRICS: [(&str, &str, &str); 6] = [
    ("DCGM_FI_DEV_GPU_UTIL", "percent", "GPU utilisation"),
    ("DCGM_FI_DEV_FB_USED", "mbytes", "Memory used"),
    ("DCGM_FI_DEV_GPU_TEMP", "celsius", "Temperature"),
    ("DCGM_FI_DEV_POWER_USAGE", "watt", "Power"),
    ("DCGM_FI_DEV_SM_CLOCK", "none", "SM clock"),
    (
        "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
        "percentunit",
        "Tensor activity",
    ),
];

/// Opens the dashboard and notes when every panel has its lines on screen and the page is no
/// longer loading.
const OPEN: &str = "(() => {
    window.__shown = null;
    const start = performance.now();
    const done = () => document.querySelector('[data-page=monitoring][data-loading=false][data-dashboard]')
        && [...document.querySelectorAll('[data-panel]')].filter((panel) => panel.querySelector(\"svg [stroke='#3B82F6']\")).length >= PANELS;
    const observer = new MutationObserver(() => {
        if (done()) {
            observer.disconnect();
            requestAnimationFrame(() => { window.__shown = performance.now() - start; });
        }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    location.hash = '#/monitoring/ID';
    return true;
})()";

/// A plain HTTP/1.0 GET on loopback.
async fn get(address: &str, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.split_once("\r\n\r\n").unwrap().1.to_owned()
}

/// Six hours of the scraped series of [`METRICS`], as OpenMetrics, ending `end`.
fn history(scrape: &str, target: &str, end: i64) -> (String, usize) {
    let mut out = String::new();
    let mut series = 0;
    for (metric, _, _) in METRICS {
        writeln!(out, "# TYPE {metric} gauge").unwrap();
        let lines: Vec<(&str, f64)> = scrape
            .lines()
            .filter(|line| line.starts_with(&format!("{metric}{{")))
            .filter_map(|line| {
                let (labels, value) = line.rsplit_once("} ")?;
                Some((labels, value.trim().parse().ok()?))
            })
            .collect();
        series += lines.len();
        for (index, (labels, value)) in lines.iter().enumerate() {
            for step in 0..=(HOURS * 3600 / EVERY) {
                let time = end - HOURS * 3600 + step * EVERY;
                let wave = ((time as f64) / 900.0 + index as f64).sin() * 0.2 + 1.0;
                writeln!(
                    out,
                    "{labels},instance=\"{target}\",job=\"gpu-prod\"}} {} {time}",
                    value * wave
                )
                .unwrap();
            }
        }
    }
    out.push_str("# EOF\n");
    (out, series)
}

/// The dashboard, as Grafana exports one: each metric per GPU and per node, over six hours.
fn dashboard() -> serde_json::Value {
    let mut panels = Vec::new();
    for (index, (metric, unit, title)) in METRICS.iter().enumerate() {
        for (column, (expr, legend, suffix)) in [
            (metric.to_string(), "{{Hostname}} GPU {{gpu}}", "per GPU"),
            (
                format!("avg by (Hostname) ({metric})"),
                "{{Hostname}}",
                "per node",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            panels.push(serde_json::json!({
                "id": panels.len() + 1,
                "type": "timeseries",
                "title": format!("{title} {suffix}"),
                "gridPos": {"x": column * 12, "y": index * 8, "w": 12, "h": 8},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [{"refId": "A", "expr": expr, "legendFormat": legend}],
            }));
        }
    }
    serde_json::json!({
        "title": "Twelve panels",
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": panels,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    println!("app: {}", app_path().display());
    let dir = tempfile::tempdir().unwrap();
    let server = SimServer::start(
        Arc::new(demo::gpu_prod().unwrap()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let target = server.url().trim_start_matches("http://").to_owned();
    let scrape = get(&target, "/_kubedesk/metrics").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (history, series) = history(&scrape, &target, now - 60);
    let backfill = Instant::now();
    let prometheus = Prometheus::with_history(&target, &history).await;
    prometheus
        .wait_for(&format!(
            "count_over_time(DCGM_FI_DEV_GPU_UTIL[{HOURS}h]) > 100"
        ))
        .await;
    println!(
        "Prometheus with {HOURS} h of {series} series (a sample every {EVERY} s, {:.1} MB of OpenMetrics) backfilled and ready in {:.1} s",
        history.len() as f64 / 1e6,
        backfill.elapsed().as_secs_f64()
    );
    demo::monitoring::prometheus(server.cluster(), prometheus.address(), "cpu-01").unwrap();

    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&[&server])).unwrap();
    let file = dir.path().join("twelve-panels.json");
    std::fs::write(&file, dashboard().to_string()).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let launch = Launch {
        kubeconfig: Some(kubeconfig.clone().into_os_string()),
        config_dir: dir.path().join("config"),
        home,
        env: Vec::new(),
    };
    let mut window = Window::open("bench-dashboard-window", &launch).await;
    window.wait_for_text("#connection-state", "Connected").await;
    window.eval("location.hash = '#/monitoring'").await;
    window
        .wait_for_text("#monitoring-prometheus", "Prometheus")
        .await;
    window
        .eval(&format!(
            "(() => {{ const input = document.querySelector('#import-path'); input.value = {:?}; input.dispatchEvent(new Event('input')); document.querySelector('#import-submit').click(); }})()",
            file.display().to_string()
        ))
        .await;
    window
        .wait_for_text("#import-outcome", "Twelve panels was imported")
        .await;

    let mut opened = Vec::new();
    for _ in 0..RUNS {
        window.eval("location.hash = '#/monitoring'").await;
        window.wait_for_text("#dashboards", "Twelve panels").await;
        window
            .eval(
                &OPEN
                    .replace("PANELS", &PANELS.to_string())
                    .replace("ID", "imported-twelve-panels"),
            )
            .await;
        let shown = window
            .wait_for_value("window.__shown", Duration::from_secs(120))
            .await;
        opened.push(shown.as_f64().unwrap());
    }
    let draws: Vec<f64> = window
        .eval("[...document.querySelectorAll('[data-panel] [data-chart]')].map((chart) => parseFloat(chart.dataset.drawMs))")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    assert_eq!(draws.len(), PANELS);
    let lines = window
        .eval("[...document.querySelectorAll('[data-panel] .chart__legend-entry')].length")
        .await;
    window.screenshot("dashboard").await;
    window.close().await;

    // The baseline: the same queries, asked of Prometheus directly, all at once.
    let direct = Client::new(Http::new(&prometheus.url()).unwrap());
    let end = now;
    let start = end - HOURS * 3600;
    let mut asked = Vec::new();
    for _ in 0..RUNS {
        let begun = Instant::now();
        let answers = futures_util::future::join_all(METRICS.iter().flat_map(|(metric, _, _)| {
            [metric.to_string(), format!("avg by (Hostname) ({metric})")].map(|expr| {
                let direct = &direct;
                async move { direct.query_range(&expr, start, end, 15).await.unwrap() }
            })
        }))
        .await;
        asked.push(begun.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(answers.len(), PANELS);
        assert!(
            answers
                .iter()
                .all(|series| series.iter().all(|series| series.points.len() == 1441))
        );
    }
    let (opened, asked) = (median(opened), median(asked));
    println!(
        "{PANELS} panels, {HOURS} h at a 15 s step (1,441 points a series, {lines} series in all): opened to every panel drawn in the window in {opened:.0} ms (median of {RUNS})"
    );
    println!(
        "each panel's drawing in the window's WebAssembly: median {:.2} ms, worst {:.2} ms",
        median(draws.clone()),
        draws.iter().copied().fold(0.0, f64::max)
    );
    println!(
        "baseline, the same {PANELS} range queries asked of Prometheus directly, all at once: {asked:.0} ms (median of {RUNS}); the window took {:.2}× that",
        opened / asked
    );
}
