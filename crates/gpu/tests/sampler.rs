//! The sampler over recorded traces: a bounded history per GPU, oldest dropped first; a GPU lost
//! keeps what was read of it while the others go on; the end of a trace is said.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::path::PathBuf;
use std::time::Duration;

use kubedesk_gpu::sampler::Sampler;
use kubedesk_gpu::trace::TraceSource;

fn fixture(name: &str) -> Box<TraceSource> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Box::new(TraceSource::open(&path).unwrap())
}

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn the_history_keeps_the_latest_samples_of_each_gpu() {
    let sampler = Sampler::start(
        fixture("two-a100s-warming.jsonl"),
        Duration::from_millis(1),
        3,
    );
    assert!(sampler.wait_until(|state| state.ended, LIMIT));
    sampler.read(|state| {
        assert_eq!(state.taken, 5);
        assert_eq!(state.devices.len(), 2);
        for history in &state.histories {
            let times: Vec<i64> = history
                .samples()
                .iter()
                .map(|sample| sample.at_ms)
                .collect();
            assert_eq!(
                times,
                [1_795_000_002_000, 1_795_000_003_000, 1_795_000_004_000]
            );
            assert_eq!(history.lost, None);
        }
        assert_eq!(
            state.histories[0].latest().unwrap().temperature_celsius,
            Ok(82)
        );
    });
}

#[test]
fn a_gpu_lost_keeps_its_history_while_the_others_go_on() {
    let sampler = Sampler::start(fixture("gpu-1-lost.jsonl"), Duration::from_millis(1), 10);
    assert!(sampler.wait_until(|state| state.ended, LIMIT));
    sampler.read(|state| {
        assert_eq!(state.histories[0].samples().len(), 3);
        assert_eq!(state.histories[0].lost, None);
        assert_eq!(state.histories[1].samples().len(), 2);
        assert_eq!(
            state.histories[1].lost.as_deref(),
            Some("the GPU has fallen off the bus (GPU lost, Xid 79)")
        );
    });
}

#[test]
fn a_sampler_dropped_stops_sampling() {
    // An hour apart: the first sample is taken at once, the second never before the drop.
    let sampler = Sampler::start(
        fixture("two-a100s-warming.jsonl"),
        Duration::from_secs(3600),
        10,
    );
    assert!(sampler.wait_until(|state| state.taken == 1, LIMIT));
    assert!(!sampler.read(|state| state.ended));
    drop(sampler);
}
