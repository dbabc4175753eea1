//! What sampling costs on KubeDesk's side, per GPU per sample: an hour of 1 Hz samples of eight
//! GPUs replayed through the sampler into its history, and the health checks of every sample;
//! as the baseline in the same run, serde_json alone parsing the same trace lines. NVML's own
//! calls are not in these figures (they need a GPU: `kubedesk gpu record` on one gives a trace).
//!
//! ```sh
//! cargo run --release -p kubedesk-gpu --example sampler
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::io::Write;
use std::time::{Duration, Instant};

use kubedesk_gpu::sampler::Sampler;
use kubedesk_gpu::trace::TraceSource;

const GPUS: usize = 8;
const SAMPLES: usize = 3600;

fn main() {
    // An eight-GPU trace of an hour, from the two-GPU fixture's first sample.
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/two-a100s-warming.jsonl"
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
    let sample = first["samples"][0].clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "{header}").unwrap();
    let mut text_lines = Vec::with_capacity(SAMPLES);
    for second in 0..SAMPLES {
        let mut sample = sample.clone();
        sample["Ok"]["at_ms"] = (1_795_000_000_000_i64 + second as i64 * 1000).into();
        let line = serde_json::json!({"samples": vec![sample; GPUS]}).to_string();
        writeln!(file, "{line}").unwrap();
        text_lines.push(line);
    }
    drop(file);

    // The baseline: parsing the trace's lines, nothing else.
    let started = Instant::now();
    let parsed: usize = text_lines
        .iter()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["samples"].as_array().map_or(0, Vec::len)
        })
        .sum();
    let baseline = started.elapsed();
    assert_eq!(parsed, GPUS * SAMPLES);

    // The sampler, as fast as it goes, into an hour's history.
    let started = Instant::now();
    let source = TraceSource::open(&path).unwrap();
    let opened = started.elapsed();
    let sampler = Sampler::start(Box::new(source), Duration::ZERO, SAMPLES);
    assert!(sampler.wait_until(|state| state.ended, Duration::from_secs(120)));
    let sampled = started.elapsed();
    let per = |total: Duration| total.as_secs_f64() * 1e6 / (GPUS * SAMPLES) as f64;
    println!(
        "{GPUS} GPUs × {SAMPLES} samples: baseline (serde_json parses the trace lines) {:.2} µs per GPU per sample",
        per(baseline)
    );
    println!(
        "trace read and sampled into the history: {:.2} µs per GPU per sample ({:.2}× the baseline; of which reading the file {:.0} ms)",
        per(sampled),
        sampled.as_secs_f64() / baseline.as_secs_f64(),
        opened.as_secs_f64() * 1000.0
    );

    // The health checks of every sample kept.
    let started = Instant::now();
    let findings: usize = sampler.read(|state| {
        state
            .devices
            .iter()
            .zip(&state.histories)
            .map(|(device, history)| {
                history
                    .samples()
                    .iter()
                    .map(|sample| kubedesk_gpu::health::check(&state.system, device, sample).len())
                    .sum::<usize>()
            })
            .sum()
    });
    let checked = started.elapsed();
    println!(
        "health checks: {:.3} µs per GPU per sample ({findings} findings)",
        per(checked)
    );
}
