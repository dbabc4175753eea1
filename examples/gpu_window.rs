//! The GPUs page measured in the real window with an hour of history on eight GPUs (a trace of
//! 3,600 one-second samples, read whole at once): how long each chart takes to draw in the
//! window's WebAssembly (each chart's `data-draw-ms`, what every update costs it), and how soon
//! after opening the page all forty charts are on screen. As the baseline in the same run, the
//! WebView inserting the same charts' SVG, already drawn, into the page and laying it out.
//!
//! ```sh
//! cargo xtask build --release
//! KUBEDESK_APP=$PWD/target/release/kubedesk cargo run --release --example gpu_window
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::io::Write;
use std::time::Duration;

use kubedesk_tests::{Launch, Window, app_path};

const GPUS: usize = 8;
const SAMPLES: i64 = 3600;
const CHARTS: usize = GPUS * 5;

/// Opens the GPUs page and notes when every chart has its line on screen.
const OPEN_GPUS: &str = "(() => {
    window.__shown = null;
    const start = performance.now();
    const observer = new MutationObserver(() => {
        if (document.querySelectorAll('[data-chart] svg polyline').length >= CHARTS) {
            observer.disconnect();
            requestAnimationFrame(() => { window.__shown = performance.now() - start; });
        }
    });
    observer.observe(document.body, { childList: true, subtree: true });
    location.hash = '#/gpus';
    return true;
})()";

/// Switches the language, which redraws every chart (their lines' names change), and notes when
/// all of them are drawn again and on screen.
const REDRAW: &str = "(() => {
    window.__redrawn = null;
    const wanted = 'LANGUAGE' === 'zh-CN';
    const done = () => [...document.querySelectorAll('[data-chart] .chart__svg')]
        .every((chart) => /[\\u4e00-\\u9fff]/.test(chart.innerHTML) === wanted);
    const start = performance.now();
    const observer = new MutationObserver(() => {
        if (done()) {
            observer.disconnect();
            requestAnimationFrame(() => { window.__redrawn = performance.now() - start; });
        }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    const picker = document.querySelector('#language-picker');
    picker.value = 'LANGUAGE';
    picker.dispatchEvent(new Event('change'));
    return true;
})()";

/// The baseline: every chart's SVG, as drawn, inserted again into a new element and laid out.
const INSERT_AGAIN: &str = "(() => {
    const svgs = [...document.querySelectorAll('[data-chart] .chart__svg')].map((chart) => chart.innerHTML);
    const times = svgs.map((svg) => {
        const start = performance.now();
        const host = document.createElement('div');
        host.className = 'chart__svg';
        document.body.appendChild(host);
        host.innerHTML = svg;
        host.getBoundingClientRect();
        const took = performance.now() - start;
        host.remove();
        return took;
    });
    return times;
})()";

fn median_and_worst(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[values.len() - 1])
}

#[tokio::main]
async fn main() {
    println!("app: {}", app_path().display());
    let dir = tempfile::tempdir().unwrap();
    // An hour of eight GPUs, from the fixture's first sample under a load that comes and goes.
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/gpu/tests/fixtures/two-a100s-warming.jsonl"
    ))
    .unwrap();
    let mut lines = fixture.lines();
    let mut header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let device = header["devices"][0].clone();
    header["devices"] = (0..GPUS)
        .map(|index| {
            let mut device = device.clone();
            device["index"] = index.into();
            device
        })
        .collect();
    let trace = dir.path().join("hour.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&trace).unwrap());
    writeln!(file, "{header}").unwrap();
    for second in 0..SAMPLES {
        let load = (second as f64 / 90.0).sin() * 0.5 + 0.5;
        let samples: Vec<serde_json::Value> = (0..GPUS)
            .map(|gpu| {
                let mut sample = first["samples"][0].clone();
                let ok = &mut sample["Ok"];
                ok["at_ms"] = (1_795_000_000_000_i64 + second * 1000).into();
                ok["gpu_percent"] = serde_json::json!({"Ok": (load * 100.0) as u32});
                ok["memory_percent"] = serde_json::json!({"Ok": (load * 60.0) as u32});
                ok["temperature_celsius"] =
                    serde_json::json!({"Ok": 40 + (load * 35.0) as u32 + gpu as u32});
                ok["power_milliwatts"] =
                    serde_json::json!({"Ok": 60_000 + (load * 320_000.0) as u32});
                sample
            })
            .collect();
        writeln!(file, "{}", serde_json::json!({ "samples": samples })).unwrap();
    }
    drop(file);

    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let launch = Launch {
        kubeconfig: None,
        config_dir: dir.path().join("config"),
        home,
        env: vec![("KUBEDESK_GPU_TRACE".to_owned(), trace.display().to_string())],
    };
    let mut window = Window::open("bench-gpu-window", &launch).await;
    window
        .eval(&OPEN_GPUS.replace("CHARTS", &CHARTS.to_string()))
        .await;
    let shown = window
        .wait_for_value("window.__shown", Duration::from_secs(120))
        .await
        .as_f64()
        .unwrap();
    // The trace is read whole while the page opens: wait for its end, when the charts hold the
    // whole hour, before reading what each took to draw.
    window
        .wait_for_text("#gpus-ended", "The recorded trace has ended")
        .await;
    let points = window
        .eval("Math.max(...[...document.querySelectorAll(\"[data-chart='gpu-0-utilization'] svg polyline\")].map((line) => line.getAttribute('points').trim().split(' ').length))")
        .await;
    let numbers = |value: serde_json::Value| -> Vec<f64> {
        value
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect()
    };
    let draws = numbers(
        window
            .eval("[...document.querySelectorAll('[data-chart]')].map((chart) => parseFloat(chart.dataset.drawMs))")
            .await,
    );
    assert_eq!(draws.len(), CHARTS);
    let inserts = numbers(window.eval(INSERT_AGAIN).await);
    window.screenshot("gpus").await;
    // Every chart redrawn at once, six times over.
    let mut redraws = Vec::new();
    for language in ["zh-CN", "en", "zh-CN", "en", "zh-CN", "en"] {
        window.eval(&REDRAW.replace("LANGUAGE", language)).await;
        let took = window
            .wait_for_value("window.__redrawn", Duration::from_secs(60))
            .await;
        redraws.push(took.as_f64().unwrap());
    }
    let (redraw, worst_redraw) = median_and_worst(redraws);
    let (draw, worst_draw) = median_and_worst(draws);
    let (insert, worst_insert) = median_and_worst(inserts);
    println!(
        "{GPUS} GPUs, an hour of 1 Hz samples each: all {CHARTS} charts had their lines on screen {shown:.0} ms after opening the page"
    );
    println!(
        "each chart's drawing in the window (an hour, two lines, {points} points after reduction): median {draw:.2} ms, worst {worst_draw:.2} ms"
    );
    println!(
        "all {CHARTS} charts redrawn and on screen (the language switched): median {redraw:.0} ms, worst {worst_redraw:.0} ms; {:.2} ms a chart",
        redraw / CHARTS as f64
    );
    println!(
        "baseline, the WebView inserting a chart's SVG already drawn and laying it out: median {insert:.2} ms, worst {worst_insert:.2} ms; drawing is {:.2}× that",
        draw / insert
    );
    window.close().await;
}
