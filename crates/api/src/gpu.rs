//! This machine's GPUs: `watch_local_gpus` and `stop_local_gpus` for the GPUs page (the sampler
//! starts the first time they are watched and runs from then on), and `kubedesk gpu report` and
//! `kubedesk gpu record` headless.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use kubedesk_gpu::health;
use kubedesk_gpu::sampler::{self, Sampler, State};
use kubedesk_gpu::{Missing, Reading};
use kubedesk_ipc as ipc;

pub use kubedesk_gpu::report::{Command, run};

use crate::App;
use crate::subscriptions::Subscriptions;

/// How long a subscription waits for the next sample before it looks again (a sampler that has
/// stopped sending is then noticed, and a page gone is noticed at its next update).
const WAIT_AT_MOST: std::time::Duration = std::time::Duration::from_secs(60);

/// The sampler of this machine's GPUs (or of a trace in their place), once started, or why
/// there are none to sample; and the page's subscriptions to it.
#[derive(Debug)]
pub struct LocalGpus {
    trace: Option<PathBuf>,
    sampler: OnceLock<Result<Arc<Sampler>, Arc<kubedesk_gpu::OpenError>>>,
    watches: Subscriptions<()>,
}

impl LocalGpus {
    pub(crate) fn new(trace: Option<PathBuf>) -> Self {
        Self {
            trace,
            sampler: OnceLock::new(),
            watches: Subscriptions::default(),
        }
    }

    fn sampler(&self) -> Result<Arc<Sampler>, Arc<kubedesk_gpu::OpenError>> {
        self.sampler
            .get_or_init(|| {
                let opened = kubedesk_gpu::open(self.trace.as_deref()).map_err(Arc::new)?;
                Ok(Arc::new(Sampler::start(
                    opened.source,
                    sampler::EVERY,
                    sampler::KEEP,
                )))
            })
            .clone()
    }
}

/// Follows this machine's GPUs: `send` gets their state now and after each sample, and answers
/// `false` once nobody listens.
pub fn watch_local_gpus(
    app: &App,
    _request: ipc::WatchLocalGpus,
    send: impl Fn(ipc::LocalGpus) -> bool + Send + Sync + 'static,
) -> ipc::LocalGpusSubscription {
    let task = match app.local_gpus.sampler() {
        Err(error) => tokio::spawn(async move {
            send(ipc::LocalGpus::Unavailable {
                reason: error.to_string(),
            });
        }),
        Ok(sampler) => tokio::spawn(async move {
            let progress = |state: &State| (state.taken, state.ended);
            loop {
                let (update, sent) = sampler.read(|state| (ready(state), progress(state)));
                if !send(update) || sent.1 {
                    return;
                }
                // The sampler's next sample (or its end), waited for off the async threads.
                let waiting = sampler.clone();
                let next = tokio::task::spawn_blocking(move || {
                    waiting.wait_until(|state| progress(state) != sent, WAIT_AT_MOST);
                });
                if next.await.is_err() {
                    return;
                }
            }
        }),
    };
    let id = app.local_gpus.watches.add((), task);
    ipc::LocalGpusSubscription { id }
}

/// Ends a subscription to this machine's GPUs.
pub fn stop_local_gpus(app: &App, request: ipc::StopLocalGpus) -> Result<(), ipc::Error> {
    app.local_gpus.watches.stop(request.id)
}

/// What the sampler has, as the page shows it.
fn ready(state: &State) -> ipc::LocalGpus {
    let report = kubedesk_gpu::report::of_state(state);
    let text = |reading: &Reading<String>| reading.as_ref().ok().cloned();
    ipc::LocalGpus::Ready {
        driver: text(&report.system.driver_version),
        cuda: report
            .system
            .cuda_driver_version
            .as_ref()
            .ok()
            .map(|version| kubedesk_gpu::report::cuda_version(*version)),
        gpus: report
            .gpus
            .into_iter()
            .zip(&state.histories)
            .map(|(gpu, history)| {
                let device = &gpu.device;
                ipc::LocalGpu {
                    index: device.index,
                    name: text(&device.name),
                    uuid: text(&device.uuid),
                    pci_bus_id: text(&device.pci_bus_id),
                    readings: gpu
                        .sample
                        .as_ref()
                        .map(|sample| readings(device, sample))
                        .unwrap_or_default(),
                    processes: gpu
                        .sample
                        .as_ref()
                        .and_then(|sample| sample.processes.as_ref().ok())
                        .map(|processes| {
                            processes
                                .iter()
                                .map(|process| ipc::GpuProcess {
                                    pid: process.pid,
                                    used_bytes: process.used_bytes,
                                    owner: process.owner().map(|owner| match owner {
                                        kubedesk_gpu::Owner::Pod { uid, .. } => {
                                            ipc::GpuProcessOwner::Pod { uid }
                                        }
                                        kubedesk_gpu::Owner::Container { id } => {
                                            ipc::GpuProcessOwner::Container { id }
                                        }
                                        kubedesk_gpu::Owner::Host => ipc::GpuProcessOwner::Host,
                                    }),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    lost: history.lost.clone(),
                    findings: gpu.findings.into_iter().map(finding).collect(),
                }
            })
            .collect(),
        ended: state.ended,
    }
}

/// Writes the report of this machine's GPUs as they are now to the downloads folder, as Markdown
/// or JSON.
pub fn export_gpu_report(
    app: &App,
    request: ipc::ExportGpuReport,
) -> Result<ipc::ExportedGpuReport, ipc::Error> {
    let sampler = app.local_gpus.sampler().map_err(|error| ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: error.to_string(),
        hint: None,
    })?;
    let report = sampler.read(kubedesk_gpu::report::of_state);
    let (text, extension) = match request.format {
        ipc::GpuReportFormat::Markdown => (report.markdown(), "md"),
        ipc::GpuReportFormat::Json => (
            serde_json::to_string_pretty(&report).unwrap_or_default(),
            "json",
        ),
    };
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let path = app
        .downloads
        .join(format!("kubedesk-gpu-report-{stamp}.{extension}"));
    let written =
        std::fs::create_dir_all(&app.downloads).and_then(|()| std::fs::write(&path, text));
    written.map_err(|error| ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: format!(
            "The GPU report could not be written to {}: {error}",
            path.display()
        ),
        hint: Some("Check that the downloads folder exists and may be written to.".into()),
    })?;
    Ok(ipc::ExportedGpuReport {
        path: path.display().to_string(),
    })
}

fn missing(missing: &Missing) -> ipc::GpuMissing {
    match missing {
        Missing::NotSupported => ipc::GpuMissing::NotSupported,
        Missing::NoPermission => ipc::GpuMissing::NoPermission,
        Missing::DriverTooOld => ipc::GpuMissing::DriverTooOld,
        Missing::Failed(message) => ipc::GpuMissing::Failed {
            message: message.clone(),
        },
    }
}

/// A reading of `value` against `of`.
fn reading<T: Copy + Into<f64>, U: Copy + Into<f64>>(
    kind: ipc::GpuReadingKind,
    value: &Reading<T>,
    of: Option<&Reading<U>>,
    scale: f64,
) -> ipc::GpuReading {
    ipc::GpuReading {
        kind,
        value: value.as_ref().ok().map(|value| (*value).into() * scale),
        of: of.and_then(|of| of.as_ref().ok().map(|of| (*of).into() * scale)),
        missing: value.as_ref().err().map(missing),
    }
}

fn readings(device: &kubedesk_gpu::Device, sample: &kubedesk_gpu::Sample) -> Vec<ipc::GpuReading> {
    use ipc::GpuReadingKind as Kind;
    let float = |reading: &Reading<u64>| reading.clone().map(|value| value as f64);
    vec![
        reading::<u32, u32>(Kind::Utilization, &sample.gpu_percent, None, 1.0),
        reading::<f64, f64>(
            Kind::Memory,
            &float(&sample.memory_used_bytes),
            Some(&float(&device.memory_total_bytes)),
            1.0,
        ),
        reading(
            Kind::Temperature,
            &sample.temperature_celsius,
            Some(&device.slowdown_celsius),
            1.0,
        ),
        reading(
            Kind::Power,
            &sample.power_milliwatts,
            Some(&device.power_limit_milliwatts),
            0.001,
        ),
        reading(
            Kind::SmClock,
            &sample.sm_clock_mhz,
            Some(&device.max_sm_clock_mhz),
            1.0,
        ),
        reading(
            Kind::PcieGeneration,
            &sample.pcie_generation,
            Some(&device.max_pcie_generation),
            1.0,
        ),
        reading(
            Kind::PcieWidth,
            &sample.pcie_width,
            Some(&device.max_pcie_width),
            1.0,
        ),
        reading::<f64, f64>(
            Kind::EccUncorrected,
            &float(&sample.ecc_uncorrected_volatile),
            None,
            1.0,
        ),
    ]
}

fn finding(finding: health::Finding) -> ipc::GpuFinding {
    let name = |value: serde_json::Result<serde_json::Value>| {
        value
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    ipc::GpuFinding {
        check: name(serde_json::to_value(finding.check)),
        severity: name(serde_json::to_value(finding.severity)),
        values: finding.values,
    }
}
