//! The report of this machine's GPUs: what they are, their latest readings and what is wrong,
//! as text for a terminal or JSON for a program (`kubedesk gpu report [--json]`).

use std::fmt::Write as _;

use serde::Serialize;

use crate::health::{self, Finding};
use crate::model::{Device, Reading, Sample, Sampled, System};

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The driver.
    pub system: System,
    /// Each GPU.
    pub gpus: Vec<GpuReport>,
}

/// One GPU in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GpuReport {
    /// What it is.
    pub device: Device,
    /// Its latest readings, when it could be read.
    pub sample: Option<Sample>,
    /// What is wrong, worst first.
    pub findings: Vec<Finding>,
}

/// Reads `samples` samples from `source` (all a trace has when `None`) and reports the latest
/// readings of each GPU, with what its latest sample shows wrong and every Xid error seen.
pub fn collect(source: &mut dyn crate::GpuSource, samples: Option<usize>) -> Report {
    let devices = source.devices().to_vec();
    let mut latest: Vec<Option<Sampled>> = vec![None; devices.len()];
    let mut xids: Vec<Vec<u64>> = vec![Vec::new(); devices.len()];
    let mut taken = 0;
    while samples.is_none_or(|most| taken < most) {
        let Some(sampled) = source.sample() else {
            break;
        };
        taken += 1;
        for (index, sample) in sampled.into_iter().enumerate().take(devices.len()) {
            if let Ok(sample) = &sample {
                xids[index].extend(&sample.xids);
            }
            latest[index] = Some(sample);
        }
    }
    let gpus = devices
        .into_iter()
        .zip(latest)
        .zip(xids)
        .map(|((device, sample), xids)| match sample {
            Some(Ok(mut sample)) => {
                sample.xids = xids;
                GpuReport {
                    findings: health::check(source.system(), &device, &sample),
                    device,
                    sample: Some(sample),
                }
            }
            Some(Err(why)) => GpuReport {
                findings: vec![health::lost(device.index, &why.0)],
                device,
                sample: None,
            },
            None => GpuReport {
                device,
                sample: None,
                findings: Vec::new(),
            },
        })
        .collect();
    Report {
        system: source.system().clone(),
        gpus,
    }
}

/// The report of what `state` (a sampler's) has: each GPU's latest readings, with every Xid
/// error of its history.
pub fn of_state(state: &crate::sampler::State) -> Report {
    let gpus = state
        .devices
        .iter()
        .zip(&state.histories)
        .map(|(device, history)| {
            let sample = history.latest_with_events();
            let mut findings = sample
                .as_ref()
                .map(|sample| health::check(&state.system, device, sample))
                .unwrap_or_default();
            if let Some(why) = &history.lost {
                findings.insert(0, health::lost(device.index, why));
            }
            GpuReport {
                device: device.clone(),
                sample,
                findings,
            }
        })
        .collect();
    Report {
        system: state.system.clone(),
        gpus,
    }
}

fn shown<T>(reading: &Reading<T>, show: impl Fn(&T) -> String) -> String {
    match reading {
        Ok(value) => show(value),
        Err(missing) => format!("n/a ({missing})"),
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / 1024.0 / 1024.0 / 1024.0)
}

fn watts(milliwatts: u32) -> String {
    format!("{:.0} W", f64::from(milliwatts) / 1000.0)
}

/// The CUDA version NVML encodes as `version` (12040), as people write it (`12.4`).
pub fn cuda_version(version: i32) -> String {
    format!("{}.{}", version / 1000, (version % 1000) / 10)
}

impl Report {
    /// The driver's versions, in a line.
    fn driver_line(&self) -> String {
        format!(
            "Driver {} · CUDA {} · NVML {}",
            shown(&self.system.driver_version, Clone::clone),
            shown(&self.system.cuda_driver_version, |version| cuda_version(
                *version
            )),
            shown(&self.system.nvml_version, Clone::clone),
        )
    }

    /// The report as text for a terminal.
    pub fn text(&self) -> String {
        let mut out = format!("KubeDesk GPU report\n{}\n", self.driver_line());
        for gpu in &self.gpus {
            let device = &gpu.device;
            let _ = writeln!(
                out,
                "\nGPU {}  {}  {}  {}",
                device.index,
                shown(&device.name, Clone::clone),
                shown(&device.uuid, Clone::clone),
                shown(&device.pci_bus_id, Clone::clone),
            );
            if let Some(sample) = &gpu.sample {
                for row in rows(device, sample) {
                    let _ = write!(out, "  {:<26}{}", row.name, row.now);
                    if !row.of.is_empty() {
                        let _ = write!(out, "  ({})", row.of);
                    }
                    out.push('\n');
                }
                if let Ok(processes) = &sample.processes
                    && !processes.is_empty()
                {
                    let listed: Vec<String> = processes
                        .iter()
                        .map(|process| {
                            let mut about: Vec<String> =
                                process.used_bytes.map(gib).into_iter().collect();
                            match process.owner() {
                                Some(crate::Owner::Pod { uid, .. }) => about
                                    .push(format!("pod {}", process.pod.clone().unwrap_or(uid))),
                                Some(crate::Owner::Container { id }) => {
                                    about.push(format!("container {}", &id[..12]))
                                }
                                Some(crate::Owner::Host) => about.push("no pod".to_owned()),
                                None => {}
                            }
                            if about.is_empty() {
                                process.pid.to_string()
                            } else {
                                format!("{} ({})", process.pid, about.join(", "))
                            }
                        })
                        .collect();
                    let _ = writeln!(out, "  processes: {}", listed.join(", "));
                }
            }
            if gpu.findings.is_empty() && gpu.sample.is_some() {
                let _ = writeln!(out, "  healthy: no problem found");
            }
            for finding in &gpu.findings {
                let severity = match finding.severity {
                    health::Severity::Critical => "CRITICAL",
                    health::Severity::Warning => "WARNING",
                    health::Severity::Notice => "NOTICE",
                };
                let _ = writeln!(out, "  {severity}: {}", finding.summary);
                let _ = writeln!(out, "    what to do: {}", finding.action);
            }
        }
        out
    }

    /// The report as Markdown, for a support case or an issue: a section per GPU with its
    /// readings as a table and its findings as a list.
    pub fn markdown(&self) -> String {
        let mut out = format!("# KubeDesk GPU report\n\n{}\n", self.driver_line());
        for gpu in &self.gpus {
            let device = &gpu.device;
            let _ = writeln!(
                out,
                "\n## GPU {}: {}\n\n{} · {}\n",
                device.index,
                shown(&device.name, Clone::clone),
                shown(&device.uuid, Clone::clone),
                shown(&device.pci_bus_id, Clone::clone),
            );
            if let Some(sample) = &gpu.sample {
                out.push_str("| Reading | Now | Against |\n|---|---|---|\n");
                for row in rows(device, sample) {
                    let _ = writeln!(out, "| {} | {} | {} |", row.name, row.now, row.of);
                }
                out.push('\n');
            }
            if gpu.findings.is_empty() && gpu.sample.is_some() {
                out.push_str("Healthy: no problem found.\n");
            }
            for finding in &gpu.findings {
                let severity = match finding.severity {
                    health::Severity::Critical => "Critical",
                    health::Severity::Warning => "Warning",
                    health::Severity::Notice => "Notice",
                };
                let _ = writeln!(
                    out,
                    "- **{severity}**: {}. What to do: {}",
                    finding.summary, finding.action
                );
            }
        }
        out
    }
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.to_owned()
}

/// One line of a GPU's readings: what, its value now, and what it is measured against.
struct Row {
    name: &'static str,
    now: String,
    of: String,
}

fn mhz(mhz: u32) -> String {
    format!("{mhz} MHz")
}

fn percent(percent: u32) -> String {
    format!("{percent} %")
}

fn rate(kilobytes_per_second: u32) -> String {
    format!("{:.1} MB/s", f64::from(kilobytes_per_second) / 1000.0)
}

/// A GPU's readings in the order the text and the Markdown show them.
fn rows(device: &Device, sample: &Sample) -> Vec<Row> {
    let row = |name, now: String, of: String| Row { name, now, of };
    let max = |reading: &Reading<u32>| shown(reading, |value| format!("max {}", mhz(*value)));
    let throttle = shown(&sample.throttle, |reasons| {
        if reasons.is_empty() {
            "none".to_owned()
        } else {
            reasons
                .iter()
                .filter_map(|reason| serde_json::to_value(reason).ok())
                .filter_map(|reason| reason.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
                .join(", ")
        }
    });
    vec![
        row(
            "Utilisation",
            shown(&sample.gpu_percent, |value| percent(*value)),
            String::new(),
        ),
        row(
            "Memory activity",
            shown(&sample.memory_percent, |value| percent(*value)),
            String::new(),
        ),
        row(
            "Encoder / decoder",
            format!(
                "{} / {}",
                shown(&sample.encoder_percent, |value| percent(*value)),
                shown(&sample.decoder_percent, |value| percent(*value))
            ),
            String::new(),
        ),
        row(
            "Memory used",
            shown(&sample.memory_used_bytes, |bytes| gib(*bytes)),
            shown(&device.memory_total_bytes, |bytes| {
                format!("of {}", gib(*bytes))
            }),
        ),
        row(
            "Memory free / reserved",
            format!(
                "{} / {}",
                shown(&sample.memory_free_bytes, |bytes| gib(*bytes)),
                shown(&sample.memory_reserved_bytes, |bytes| gib(*bytes))
            ),
            String::new(),
        ),
        row(
            "Temperature",
            shown(&sample.temperature_celsius, |celsius| {
                format!("{celsius} °C")
            }),
            format!(
                "slowdown {}, shutdown {}",
                shown(&device.slowdown_celsius, |celsius| format!("{celsius} °C")),
                shown(&device.shutdown_celsius, |celsius| format!("{celsius} °C"))
            ),
        ),
        row(
            "Power",
            shown(&sample.power_milliwatts, |power| watts(*power)),
            format!(
                "limit {}, default {}",
                shown(&device.power_limit_milliwatts, |power| watts(*power)),
                shown(&device.default_power_limit_milliwatts, |power| watts(
                    *power
                ))
            ),
        ),
        row(
            "Energy since driver load",
            shown(&sample.energy_millijoules, |energy| {
                format!("{:.3} kWh", *energy as f64 / 3.6e9)
            }),
            String::new(),
        ),
        row(
            "SM clock",
            shown(&sample.sm_clock_mhz, |value| mhz(*value)),
            max(&device.max_sm_clock_mhz),
        ),
        row(
            "Memory clock",
            shown(&sample.memory_clock_mhz, |value| mhz(*value)),
            max(&device.max_memory_clock_mhz),
        ),
        row(
            "Graphics clock",
            shown(&sample.graphics_clock_mhz, |value| mhz(*value)),
            max(&device.max_graphics_clock_mhz),
        ),
        row(
            "Performance state",
            shown(&sample.pstate, |state| format!("P{state}")),
            String::new(),
        ),
        row("Clocks held by", throttle, String::new()),
        row(
            "Fans",
            shown(&sample.fans_percent, |fans| {
                if fans.is_empty() {
                    "none".to_owned()
                } else {
                    fans.iter()
                        .map(|fan| percent(*fan))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }),
            String::new(),
        ),
        row(
            "PCIe link",
            format!(
                "gen {} x{}",
                shown(&sample.pcie_generation, ToString::to_string),
                shown(&sample.pcie_width, ToString::to_string)
            ),
            format!(
                "max gen {} x{}",
                shown(&device.max_pcie_generation, ToString::to_string),
                shown(&device.max_pcie_width, ToString::to_string)
            ),
        ),
        row(
            "PCIe TX / RX",
            format!(
                "{} / {}",
                shown(&sample.pcie_tx_kilobytes_per_second, |value| rate(*value)),
                shown(&sample.pcie_rx_kilobytes_per_second, |value| rate(*value))
            ),
            format!(
                "{} replays",
                shown(&sample.pcie_replays, ToString::to_string)
            ),
        ),
        row(
            "ECC errors, uncorrectable",
            shown(&sample.ecc_uncorrected_volatile, ToString::to_string),
            format!(
                "{} over its life; corrected {}",
                shown(&sample.ecc_uncorrected_aggregate, ToString::to_string),
                shown(&sample.ecc_corrected_volatile, ToString::to_string)
            ),
        ),
        row(
            "Pages pending retirement",
            shown(&sample.pages_pending_retirement, |pending| {
                if *pending { "yes" } else { "no" }.to_owned()
            }),
            String::new(),
        ),
        row(
            "Remapped rows",
            shown(&sample.remapped_rows, |rows| {
                format!(
                    "{} correctable, {} uncorrectable",
                    rows.correctable, rows.uncorrectable
                )
            }),
            shown(&sample.remapped_rows, |rows| {
                match (rows.failed, rows.pending) {
                    (true, _) => "a remapping failed",
                    (false, true) => "one pending",
                    (false, false) => "none pending",
                }
                .to_owned()
            }),
        ),
        row(
            "NVLink",
            shown(&sample.nvlinks, |links| {
                if links.is_empty() {
                    "none".to_owned()
                } else {
                    let up = links.iter().filter(|link| link.active).count();
                    format!("{up} of {} links up", links.len())
                }
            }),
            String::new(),
        ),
        row(
            "Persistence mode",
            shown(&device.persistence, |on| on_off(*on)),
            String::new(),
        ),
        row(
            "Compute mode",
            shown(&device.compute_mode, |mode| {
                serde_json::to_value(mode)
                    .ok()
                    .and_then(|mode| mode.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            String::new(),
        ),
        row(
            "MIG",
            shown(&device.mig, |on| on_off(*on)),
            shown(&sample.mig_instances, |instances| {
                instances
                    .iter()
                    .map(|instance| shown(&instance.name, Clone::clone))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
    ]
}

/// What `kubedesk gpu …` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print the report: of a trace when given, else of this machine's GPUs.
    Report {
        /// A trace to replay instead of NVML.
        trace: Option<std::path::PathBuf>,
        /// JSON instead of text.
        json: bool,
        /// Print it again at every sample, until interrupted (or the trace ends).
        watch: bool,
    },
    /// Record this machine's GPUs to a trace.
    Record {
        /// The new trace file.
        path: std::path::PathBuf,
        /// How many samples.
        samples: usize,
        /// The time between them.
        interval: std::time::Duration,
    },
}

/// Runs `command`, printing to `out`; answers the exit code (1 when the GPUs cannot be read,
/// with the reason on `err`).
pub fn run(command: &Command, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let trace = match command {
        Command::Report { trace, .. } => trace.as_deref(),
        Command::Record { .. } => None,
    };
    let mut source = match crate::open(trace) {
        Ok(opened) => {
            if let (Some(line), Some(path)) = (opened.cut_short_at, trace) {
                let _ = writeln!(
                    err,
                    "kubedesk gpu: the trace {} was cut short at line {line}; what came before is replayed",
                    path.display()
                );
            }
            opened.source
        }
        Err(error) => {
            let _ = writeln!(err, "kubedesk gpu: {error}");
            return 1;
        }
    };
    match command {
        Command::Report {
            json, watch, trace, ..
        } => {
            let print = |report: &Report, out: &mut dyn std::io::Write| {
                if *json {
                    serde_json::to_writer_pretty(&mut *out, report)
                        .map_err(std::io::Error::from)
                        .and_then(|()| writeln!(out))
                } else {
                    write!(out, "{}", report.text())
                }
            };
            if !*watch {
                let report = collect(&mut *source, if trace.is_some() { None } else { Some(1) });
                return i32::from(print(&report, out).is_err());
            }
            loop {
                let report = collect(&mut *source, Some(1));
                if report
                    .gpus
                    .iter()
                    .all(|gpu| gpu.sample.is_none() && gpu.findings.is_empty())
                {
                    return 0;
                }
                if print(&report, out).is_err() {
                    return 1;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        Command::Record {
            path,
            samples,
            interval,
        } => {
            let mut recorder = match crate::trace::Recorder::create(path, &*source) {
                Ok(recorder) => recorder,
                Err(error) => {
                    let _ = writeln!(
                        err,
                        "kubedesk gpu: {} cannot be written: {error}",
                        path.display()
                    );
                    return 1;
                }
            };
            for taken in 0..*samples {
                if taken > 0 {
                    std::thread::sleep(*interval);
                }
                let Some(sample) = source.sample() else { break };
                if let Err(error) = recorder.record(&sample) {
                    let _ = writeln!(
                        err,
                        "kubedesk gpu: {} cannot be written: {error}",
                        path.display()
                    );
                    return 1;
                }
            }
            let _ = writeln!(
                out,
                "{} samples of {} GPU(s) recorded to {}",
                samples,
                source.devices().len(),
                path.display()
            );
            0
        }
    }
}
