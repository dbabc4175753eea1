//! `kubedesk gpu report` headless: a recorded trace reported as text and JSON, and this machine
//! without NVML (as CI is) said plainly with a failing exit code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/cli.rs"]
mod cli;

use cli::kubedesk;

const TRACE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/gpu/tests/fixtures/two-a100s-warming.jsonl"
);

#[test]
fn a_trace_is_reported_as_text_and_json() {
    let (code, text, _) = kubedesk(&["gpu", "report", "--trace", TRACE]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with("KubeDesk GPU report\nDriver 550.54.15 · CUDA 12.4"),
        "{text}"
    );
    assert!(
        text.contains("WARNING: GPU 0 is at 82 °C, near its slowdown temperature of 87 °C"),
        "{text}"
    );
    assert!(text.contains("CRITICAL: GPU 1 reported Xid 48"), "{text}");
    let (code, json, _) = kubedesk(&["gpu", "report", "--json", "--trace", TRACE]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["gpus"][1]["findings"][0]["check"], "xid");
    assert_eq!(report["gpus"][0]["sample"]["temperature_celsius"]["Ok"], 82);
}

#[test]
fn without_nvml_the_report_says_why_and_fails() {
    if std::path::Path::new("/proc/driver/nvidia/version").exists() {
        // A machine with the NVIDIA driver reports its GPUs instead.
        let (code, text, _) = kubedesk(&["gpu", "report"]);
        assert_eq!(code, 0, "{text}");
        return;
    }
    let (code, out, err) = kubedesk(&["gpu", "report"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.starts_with("kubedesk gpu: the NVIDIA driver"), "{err}");
    let (code, _, err) = kubedesk(&["gpu", "report", "--trace", "/nowhere/trace.jsonl"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the GPU trace /nowhere/trace.jsonl cannot be read"),
        "{err}"
    );
    let (code, _, err) = kubedesk(&["gpu", "record"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("gpu record needs the trace file to write"),
        "{err}"
    );
}
