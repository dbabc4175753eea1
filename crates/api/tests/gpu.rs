//! This machine's GPUs through the use-cases the window calls, replayed from a recorded trace:
//! each GPU's readings against its limits and what is wrong with it, as the sampler reads the
//! trace to its end; and without NVML, why there are none.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/updates.rs"]
mod updates;

use std::ffi::OsString;

use kubedesk_api::gpu::{export_gpu_report, stop_local_gpus, watch_local_gpus};
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;

fn app(trace: Option<&str>) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(dir.path().join("none"))), None),
    );
    config.gpu_trace = trace.map(|name| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../gpu/tests/fixtures")
            .join(name)
    });
    (dir, App::new(config))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_trace_shows_each_gpu_with_what_is_wrong() {
    let (_dir, app) = app(Some("two-a100s-warming.jsonl"));
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let subscription = watch_local_gpus(&app, ipc::WatchLocalGpus {}, move |update| {
        sender.send(update).is_ok()
    });
    // Every update's samples of GPU 0, gathered as the page gathers them for its charts.
    let charted = std::sync::Mutex::new(Vec::<(i64, Option<f64>)>::new());
    let last = updates::next(&mut updates, |update: &ipc::LocalGpus| {
        let ipc::LocalGpus::Ready { gpus, ended, .. } = update else {
            return false;
        };
        let history = &gpus[0].history;
        let mut charted = charted.lock().unwrap();
        if !history.continues {
            charted.clear();
        }
        charted.extend(
            history
                .at_ms
                .iter()
                .copied()
                .zip(history.temperature.iter().copied()),
        );
        *ended
    })
    .await;
    // The trace is read whole at once: the charts have its five samples, in order, once each.
    assert_eq!(
        charted.into_inner().unwrap(),
        [70.0, 73.0, 76.0, 79.0, 82.0]
            .iter()
            .enumerate()
            .map(|(second, celsius)| (1_795_000_000_000 + second as i64 * 1000, Some(*celsius)))
            .collect::<Vec<_>>()
    );
    let ipc::LocalGpus::Ready {
        driver, cuda, gpus, ..
    } = last
    else {
        unreachable!("matched above")
    };
    assert_eq!(driver.as_deref(), Some("550.54.15"));
    assert_eq!(cuda.as_deref(), Some("12.4"));
    assert_eq!(gpus.len(), 2);
    let temperature = gpus[0]
        .readings
        .iter()
        .find(|reading| reading.kind == ipc::GpuReadingKind::Temperature)
        .unwrap();
    assert_eq!(
        (temperature.value, temperature.of),
        (Some(82.0), Some(87.0))
    );
    let power = gpus[0]
        .readings
        .iter()
        .find(|reading| reading.kind == ipc::GpuReadingKind::Power)
        .unwrap();
    assert_eq!((power.value, power.of), (Some(398.0), Some(400.0)));
    let checks: Vec<(&str, &str)> = gpus[0]
        .findings
        .iter()
        .map(|finding| (finding.check.as_str(), finding.severity.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("temperature", "warning"), ("power_capped", "notice")]
    );
    assert_eq!(gpus[0].findings[0].values["temperature"], "82");
    assert_eq!(gpus[0].findings[0].values["slowdown"], "87");
    // The Xid of the third sample is still said at the end.
    assert_eq!(gpus[1].findings[0].check, "xid");
    assert_eq!(gpus[1].findings[0].values["xid"], "48");
    assert_eq!(gpus[1].findings[0].values["kind"], "hardware");
    assert_eq!(gpus[1].processes[0].pid, 4242);
    stop_local_gpus(
        &app,
        ipc::StopLocalGpus {
            id: subscription.id,
        },
    )
    .unwrap();

    // The report as it stands, exported to the downloads folder.
    let markdown = export_gpu_report(
        &app,
        ipc::ExportGpuReport {
            format: ipc::GpuReportFormat::Markdown,
        },
    )
    .unwrap();
    assert!(markdown.path.ends_with(".md"), "{}", markdown.path);
    let text = std::fs::read_to_string(&markdown.path).unwrap();
    for expected in [
        "# KubeDesk GPU report",
        "## GPU 0: NVIDIA A100-SXM4-80GB",
        "| Temperature | 82 °C | slowdown 87 °C, shutdown 92 °C |",
        "- **Warning**: GPU 0 is at 82 °C, near its slowdown temperature of 87 °C. What to do: Improve its cooling",
        "- **Critical**: GPU 1 reported Xid 48: a fault of the GPU, its memory or its link.",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
    let json = export_gpu_report(
        &app,
        ipc::ExportGpuReport {
            format: ipc::GpuReportFormat::Json,
        },
    )
    .unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json.path).unwrap()).unwrap();
    assert_eq!(report["gpus"][1]["findings"][0]["check"], "xid");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_nvml_the_page_says_why() {
    if std::path::Path::new("/proc/driver/nvidia/version").exists() {
        return;
    }
    let (_dir, app) = app(None);
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    watch_local_gpus(&app, ipc::WatchLocalGpus {}, move |update| {
        sender.send(update).is_ok()
    });
    let ipc::LocalGpus::Unavailable { reason } = updates.recv().await.unwrap() else {
        panic!("NVML is usable here")
    };
    assert!(
        reason.starts_with("the NVIDIA driver's NVML library is not installed here"),
        "{reason}"
    );
    let refused = export_gpu_report(&app, ipc::ExportGpuReport::default()).unwrap_err();
    assert_eq!(refused.message, reason);
}
