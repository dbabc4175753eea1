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
                // A recording is read whole at once, its charts drawn at the times it was
                // taken: nobody waits an hour to see an hour's trace.
                let every = if self.trace.is_some() {
                    std::time::Duration::ZERO
                } else {
                    sampler::EVERY
                };
                Ok(Arc::new(Sampler::start(
                    opened.source,
                    every,
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
            // The time of the last sample sent of each GPU: the next update sends those after it.
            let mut sent_until: Vec<Option<i64>> = Vec::new();
            loop {
                let (update, sent) =
                    sampler.read(|state| (ready(state, &mut sent_until), progress(state)));
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

/// A GPU's samples after `sent_until` (all of them when `None`), as its charts draw them.
fn history(history: &sampler::History, sent_until: Option<i64>) -> ipc::GpuHistory {
    let samples = history.samples();
    // A clock set back replaces what was sent rather than follow it.
    let continues =
        sent_until.is_some_and(|until| samples.back().is_none_or(|latest| latest.at_ms >= until));
    let start = match sent_until {
        Some(until) if continues => samples.partition_point(|sample| sample.at_ms <= until),
        _ => 0,
    };
    let new: Vec<&kubedesk_gpu::Sample> = samples.range(start..).collect();
    let series = |read: &dyn Fn(&kubedesk_gpu::Sample) -> Option<f64>| {
        new.iter().map(|sample| read(sample)).collect()
    };
    ipc::GpuHistory {
        continues,
        keep: u32::try_from(sampler::KEEP).unwrap_or(u32::MAX),
        at_ms: new.iter().map(|sample| sample.at_ms).collect(),
        utilization: series(&|sample| sample.gpu_percent.clone().ok().map(f64::from)),
        memory_activity: series(&|sample| sample.memory_percent.clone().ok().map(f64::from)),
        memory_used: series(&|sample| {
            sample
                .memory_used_bytes
                .clone()
                .ok()
                .map(|bytes| bytes as f64)
        }),
        temperature: series(&|sample| sample.temperature_celsius.clone().ok().map(f64::from)),
        power: series(&|sample| {
            sample
                .power_milliwatts
                .clone()
                .ok()
                .map(|milliwatts| f64::from(milliwatts) / 1000.0)
        }),
        sm_clock: series(&|sample| sample.sm_clock_mhz.clone().ok().map(f64::from)),
        memory_clock: series(&|sample| sample.memory_clock_mhz.clone().ok().map(f64::from)),
    }
}

/// What the sampler has, as the page shows it, with each GPU's samples after those `sent_until`
/// says were sent (which it then moves on).
fn ready(state: &State, sent_until: &mut Vec<Option<i64>>) -> ipc::LocalGpus {
    sent_until.resize(state.histories.len(), None);
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
            .zip(sent_until.iter_mut())
            .map(|((gpu, samples), sent_until)| {
                let device = &gpu.device;
                let sample = gpu.sample.as_ref();
                let history_update = history(samples, *sent_until);
                if let Some(latest) = history_update.at_ms.last() {
                    *sent_until = Some(*latest);
                }
                let list = |read: &dyn Fn(&kubedesk_gpu::Sample) -> Option<Vec<String>>| {
                    sample.and_then(read).unwrap_or_default()
                };
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
                                            ipc::GpuProcessOwner::Pod {
                                                uid,
                                                name: process.pod.clone(),
                                            }
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
                    throttle: list(&|sample| {
                        let reasons = sample.throttle.as_ref().ok()?;
                        Some(
                            reasons
                                .iter()
                                .map(|reason| name(serde_json::to_value(reason)))
                                .collect(),
                        )
                    }),
                    pstate: sample.and_then(|sample| sample.pstate.clone().ok()),
                    fans: sample
                        .and_then(|sample| sample.fans_percent.clone().ok())
                        .unwrap_or_default(),
                    compute_mode: device
                        .compute_mode
                        .as_ref()
                        .ok()
                        .map(|mode| name(serde_json::to_value(mode))),
                    nvlinks: sample
                        .and_then(|sample| sample.nvlinks.as_ref().ok())
                        .map(|links| {
                            links
                                .iter()
                                .map(|link| {
                                    let count = |reading: &Reading<u64>| {
                                        reading.as_ref().copied().unwrap_or(0)
                                    };
                                    ipc::GpuNvLink {
                                        link: link.link,
                                        active: link.active,
                                        errors: count(&link.crc_errors)
                                            + count(&link.replay_errors),
                                        recoveries: count(&link.recovery_errors),
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    mig_instances: sample
                        .and_then(|sample| sample.mig_instances.as_ref().ok())
                        .map(|instances| {
                            instances
                                .iter()
                                .map(|instance| ipc::GpuMigInstance {
                                    index: instance.index,
                                    name: text(&instance.name),
                                    uuid: text(&instance.uuid),
                                    memory_used_bytes: instance.memory_used_bytes.clone().ok(),
                                    memory_total_bytes: instance.memory_total_bytes.clone().ok(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    lost: samples.lost.clone(),
                    findings: gpu.findings.into_iter().map(finding).collect(),
                    history: history_update,
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
        Missing::NotRecorded => ipc::GpuMissing::NotRecorded,
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
    let none = None::<&Reading<u32>>;
    vec![
        reading(Kind::Utilization, &sample.gpu_percent, none, 1.0),
        reading(Kind::MemoryActivity, &sample.memory_percent, none, 1.0),
        reading(Kind::Encoder, &sample.encoder_percent, none, 1.0),
        reading(Kind::Decoder, &sample.decoder_percent, none, 1.0),
        reading::<f64, f64>(
            Kind::Memory,
            &float(&sample.memory_used_bytes),
            Some(&float(&device.memory_total_bytes)),
            1.0,
        ),
        reading::<f64, f64>(
            Kind::MemoryReserved,
            &float(&sample.memory_reserved_bytes),
            None,
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
        reading::<f64, f64>(
            Kind::Energy,
            &float(&sample.energy_millijoules),
            None,
            1.0 / 3_600_000.0,
        ),
        reading(
            Kind::SmClock,
            &sample.sm_clock_mhz,
            Some(&device.max_sm_clock_mhz),
            1.0,
        ),
        reading(
            Kind::MemoryClock,
            &sample.memory_clock_mhz,
            Some(&device.max_memory_clock_mhz),
            1.0,
        ),
        reading(
            Kind::GraphicsClock,
            &sample.graphics_clock_mhz,
            Some(&device.max_graphics_clock_mhz),
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
        reading(
            Kind::PcieTx,
            &sample.pcie_tx_kilobytes_per_second,
            none,
            1.0,
        ),
        reading(
            Kind::PcieRx,
            &sample.pcie_rx_kilobytes_per_second,
            none,
            1.0,
        ),
        reading::<f64, f64>(Kind::PcieReplays, &float(&sample.pcie_replays), None, 1.0),
        reading::<f64, f64>(
            Kind::EccUncorrected,
            &float(&sample.ecc_uncorrected_volatile),
            None,
            1.0,
        ),
        reading::<f64, f64>(
            Kind::EccCorrected,
            &float(&sample.ecc_corrected_volatile),
            None,
            1.0,
        ),
        reading::<f64, f64>(
            Kind::EccLifetime,
            &float(&sample.ecc_uncorrected_aggregate),
            None,
            1.0,
        ),
        reading::<f64, f64>(
            Kind::RemappedRows,
            &sample
                .remapped_rows
                .clone()
                .map(|rows| (rows.correctable + rows.uncorrectable) as f64),
            None,
            1.0,
        ),
    ]
}

/// The name a unit variant serializes as (`sw_power_cap`).
fn name(value: serde_json::Result<serde_json::Value>) -> String {
    value
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn finding(finding: health::Finding) -> ipc::GpuFinding {
    ipc::GpuFinding {
        check: name(serde_json::to_value(finding.check)),
        severity: name(serde_json::to_value(finding.severity)),
        values: finding.values,
    }
}
