//! Health checks: what is wrong with a GPU, from its limits and one sample, each with what it
//! means and what to do. They follow the level-1 checks DCGM makes through NVML (persistence
//! mode, page retirement, ECC) and what nvidia-smi's clock-event reasons and Xid errors say.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Device, Owner, Sample, System, Throttle};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Notice,
    /// Costs performance, or will fail without action.
    Warning,
    /// The GPU is failing, or its results may be wrong.
    Critical,
}

/// Which check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The GPU could not be read at all.
    Lost,
    /// Its temperature is near or past its slowdown threshold.
    Temperature,
    /// It is held under its power limit.
    PowerCapped,
    /// The hardware or the driver slows it down.
    Slowdown,
    /// Uncorrectable ECC errors.
    UncorrectableEcc,
    /// Pages wait to be retired.
    PageRetirement,
    /// A memory row remapping waits for a reset, or failed.
    RowRemap,
    /// NVLink links are down or report errors.
    Nvlink,
    /// The driver is older than the CUDA version a program or the toolkit needs.
    CudaDriver,
    /// Its PCIe link runs below what it can reach.
    PcieLink,
    /// It reported an Xid error.
    Xid,
    /// Persistence mode is off on a data-centre GPU.
    Persistence,
    /// On a Kubernetes node, a process of no pod holds GPU memory.
    OutsidePods,
}

/// Something wrong with one GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The GPU's index.
    pub gpu: u32,
    /// Which check.
    pub check: Check,
    /// How bad.
    pub severity: Severity,
    /// What was found, with the figures.
    pub summary: String,
    /// What to do.
    pub action: String,
    /// The figures in the summary, by name (`gpu`, `temperature`, `slowdown`, …), for a reader
    /// that words the finding in its own language.
    pub values: BTreeMap<String, String>,
}

/// How close to its slowdown temperature a GPU may run before it is said.
const NEAR_SLOWDOWN_CELSIUS: u32 = 5;

/// Xid errors caused by the program running, not the GPU (NVIDIA's Xid catalogue).
const APPLICATION_XIDS: &[u64] = &[13, 31, 43, 45, 68, 69];
/// Xid errors of the GPU, its memory or its link.
const HARDWARE_XIDS: &[u64] = &[
    48, 61, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120, 121, 140, 160, 171, 172,
];

/// What a GPU that could not be read at all (`why`) means.
pub fn lost(gpu: u32, why: &str) -> Finding {
    Finding {
        gpu,
        check: Check::Lost,
        severity: Severity::Critical,
        summary: format!("GPU {gpu} could not be read: {why}"),
        action: "Stop its workloads, then reset it (nvidia-smi -r) or reboot; if it falls off the bus again, check its seating and power cables and have it replaced.".to_owned(),
        values: values(gpu, &[("why", why.to_owned())]),
    }
}

/// Everything wrong with `device` in `sample` on a machine whose driver is `system`, worst
/// first.
pub fn check(system: &System, device: &Device, sample: &Sample) -> Vec<Finding> {
    let gpu = device.index;
    let mut findings = Vec::new();
    let mut found = |check, severity, summary: String, action: &str, named: &[(&str, String)]| {
        findings.push(Finding {
            gpu,
            check,
            severity,
            summary,
            action: action.to_owned(),
            values: values(gpu, named),
        });
    };
    if let (Ok(temperature), Ok(slowdown)) = (&sample.temperature_celsius, &device.slowdown_celsius)
        && temperature + NEAR_SLOWDOWN_CELSIUS >= *slowdown
    {
        let past = temperature >= slowdown;
        found(
            Check::Temperature,
            if past {
                Severity::Critical
            } else {
                Severity::Warning
            },
            format!(
                "GPU {gpu} is at {temperature} °C, {} its slowdown temperature of {slowdown} °C",
                if past { "at or past" } else { "near" }
            ),
            "Improve its cooling: check the fans and the airflow through the chassis, clean the heat sink, and the room's temperature.",
            &[
                ("temperature", temperature.to_string()),
                ("slowdown", slowdown.to_string()),
            ],
        );
    }
    let throttle = sample.throttle.as_deref().unwrap_or_default();
    if throttle.contains(&Throttle::SwPowerCap) {
        let watts = |milliwatts: &crate::Reading<u32>| {
            milliwatts
                .as_ref()
                .map(|milliwatts| format!("{:.0}", f64::from(*milliwatts) / 1000.0))
                .ok()
        };
        let (power, limit) = (
            watts(&sample.power_milliwatts),
            watts(&device.power_limit_milliwatts),
        );
        let drawing = match (&power, &limit) {
            (Some(power), Some(limit)) => format!(" (drawing {power} W of {limit} W)"),
            _ => String::new(),
        };
        let named: Vec<(&str, String)> = [("power", power), ("limit", limit)]
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect();
        found(
            Check::PowerCapped,
            Severity::Notice,
            format!("GPU {gpu} is held under its power limit{drawing}: its clocks are lowered"),
            "Expected under full load. If it costs too much speed, raise the limit (nvidia-smi -pl) where the board and the power supply allow it.",
            &named,
        );
    }
    let (slowdowns, reasons): (Vec<&str>, Vec<&str>) = throttle
        .iter()
        .filter_map(|reason| match reason {
            Throttle::HwSlowdown => Some(("hardware slowdown", "hw_slowdown")),
            Throttle::HwThermalSlowdown => {
                Some(("hardware thermal slowdown", "hw_thermal_slowdown"))
            }
            Throttle::HwPowerBrakeSlowdown => {
                Some(("hardware power brake", "hw_power_brake_slowdown"))
            }
            Throttle::SwThermalSlowdown => Some(("driver thermal slowdown", "sw_thermal_slowdown")),
            _ => None,
        })
        .unzip();
    if !slowdowns.is_empty() {
        let hardware = throttle.iter().any(|reason| {
            matches!(
                reason,
                Throttle::HwSlowdown | Throttle::HwThermalSlowdown | Throttle::HwPowerBrakeSlowdown
            )
        });
        found(
            Check::Slowdown,
            if hardware {
                Severity::Critical
            } else {
                Severity::Warning
            },
            format!("GPU {gpu} is slowed down: {}", slowdowns.join(", ")),
            if hardware {
                "The GPU protects itself from heat or a failing power supply: check its cooling, its power cables and the supply's capacity."
            } else {
                "The driver lowers the clocks to keep the GPU under its temperature target: improve its cooling."
            },
            &[("reasons", reasons.join(","))],
        );
    }
    if let Ok(errors @ 1..) = sample.ecc_uncorrected_volatile {
        found(
            Check::UncorrectableEcc,
            Severity::Critical,
            format!(
                "GPU {gpu} had {errors} uncorrectable ECC error(s) since the driver loaded: results computed on it may be wrong"
            ),
            "Drain its workloads and reset it (nvidia-smi -r) or reboot, so the bad memory is retired; if the errors come back, have the GPU replaced.",
            &[("errors", errors.to_string())],
        );
    }
    if sample.pages_pending_retirement == Ok(true) {
        found(
            Check::PageRetirement,
            Severity::Warning,
            format!("GPU {gpu} has memory pages waiting to be retired"),
            "Reset the GPU (nvidia-smi -r) or reboot when its workloads allow: the pages are retired then.",
            &[],
        );
    }
    if let Ok(rows) = &sample.remapped_rows {
        let counts = [
            ("correctable", rows.correctable.to_string()),
            ("uncorrectable", rows.uncorrectable.to_string()),
        ];
        if rows.failed {
            found(
                Check::RowRemap,
                Severity::Critical,
                format!(
                    "GPU {gpu} failed to remap a memory row: no spare row was left ({} rows remapped after uncorrectable errors, {} after correctable ones)",
                    rows.uncorrectable, rows.correctable
                ),
                "Drain its workloads and have the GPU replaced: memory errors on it can no longer be repaired.",
                &counts,
            );
        } else if rows.pending {
            found(
                Check::RowRemap,
                Severity::Warning,
                format!("GPU {gpu} has a memory row remapping waiting for its next reset"),
                "Reset the GPU (nvidia-smi -r) or reboot when its workloads allow: the row is remapped then.",
                &counts,
            );
        }
    }
    nvlink(&mut found, gpu, sample);
    // An idle link steps down to save power: only a busy one should run at full speed.
    let busy = !throttle.contains(&Throttle::Idle)
        && sample.gpu_percent.as_ref().is_ok_and(|busy| *busy > 0);
    if busy {
        let link = |now: &crate::Reading<u32>, most: &crate::Reading<u32>| match (now, most) {
            (Ok(now), Ok(most)) if now < most => Some((*now, *most)),
            _ => None,
        };
        let generation = link(&sample.pcie_generation, &device.max_pcie_generation);
        let width = link(&sample.pcie_width, &device.max_pcie_width);
        let mut below = Vec::new();
        if let Some((now, most)) = generation {
            below.push(format!("generation {now} of {most}"));
        }
        if let Some((now, most)) = width {
            below.push(format!("x{now} of x{most}"));
        }
        if !below.is_empty() {
            found(
                Check::PcieLink,
                Severity::Warning,
                format!(
                    "GPU {gpu}'s PCIe link runs below what it can reach while busy: {}",
                    below.join(", ")
                ),
                "Reseat the card in a slot wired for its full width, check the BIOS's PCIe settings and any riser cable.",
                &[
                    ("generation", shown(&sample.pcie_generation)),
                    ("max_generation", shown(&device.max_pcie_generation)),
                    ("width", shown(&sample.pcie_width)),
                    ("max_width", shown(&device.max_pcie_width)),
                ],
            );
        }
    }
    for xid in &sample.xids {
        let (severity, kind, action, class) = if APPLICATION_XIDS.contains(xid) {
            (
                Severity::Warning,
                "an application fault (a bad memory access or an exception in a kernel)",
                "Check the program that ran on it: its logs, and the CUDA and framework versions it was built for.",
                "application",
            )
        } else if HARDWARE_XIDS.contains(xid) {
            (
                Severity::Critical,
                "a fault of the GPU, its memory or its link",
                "Drain its workloads, reset it or reboot, and look up the Xid in NVIDIA's catalogue; if it recurs, have the GPU replaced.",
                "hardware",
            )
        } else {
            (
                Severity::Warning,
                "a driver event",
                "Look up the Xid in NVIDIA's Xid catalogue, and the lines around it in the kernel log (dmesg).",
                "driver",
            )
        };
        found(
            Check::Xid,
            severity,
            format!("GPU {gpu} reported Xid {xid}: {kind}"),
            action,
            &[("xid", xid.to_string()), ("kind", class.to_owned())],
        );
    }
    // On a node, GPU memory held outside pods is memory the scheduler hands out again.
    if system.kubernetes_node {
        for process in sample.processes.as_deref().unwrap_or_default() {
            if matches!(process.owner(), Some(Owner::Host | Owner::Container { .. })) {
                let memory = process.used_bytes.map_or_else(
                    || "?".to_owned(),
                    |bytes| format!("{:.1}", bytes as f64 / 1024.0 / 1024.0 / 1024.0),
                );
                found(
                    Check::OutsidePods,
                    Severity::Warning,
                    format!(
                        "Process {} holds {memory} GiB of GPU {gpu}'s memory and belongs to no pod: the scheduler does not count it",
                        process.pid
                    ),
                    "Stop it, or run it in a pod that requests the GPU: the device plugin hands out only what pods request, so pods placed here may find the memory taken.",
                    &[("pid", process.pid.to_string()), ("memory", memory)],
                );
            }
        }
    }
    cuda_driver(&mut found, gpu, system, sample);
    if device.persistence == Ok(false) && data_centre(device) {
        found(
            Check::Persistence,
            Severity::Notice,
            format!(
                "GPU {gpu} is a data-centre GPU with persistence mode off: the driver unloads when no program uses it, and each start waits for it"
            ),
            "Turn persistence on (nvidia-smi -pm 1, or the nvidia-persistenced service).",
            &[],
        );
    }
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    findings
}

/// What records a finding: its check, severity, summary, action and figures.
type Found<'a> = dyn FnMut(Check, Severity, String, &str, &[(&str, String)]) + 'a;

/// NVLink links down while others are up, and links that needed recovery or saw errors.
fn nvlink(found: &mut Found<'_>, gpu: u32, sample: &Sample) {
    let Ok(links) = &sample.nvlinks else { return };
    let listed = |links: Vec<u32>| {
        links
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let down: Vec<u32> = links
        .iter()
        .filter(|link| !link.active)
        .map(|link| link.link)
        .collect();
    if !down.is_empty() && links.iter().any(|link| link.active) {
        found(
            Check::Nvlink,
            Severity::Warning,
            format!(
                "GPU {gpu}'s NVLink link(s) {} are down while its others are up: traffic between GPUs is slower",
                listed(down.clone())
            ),
            "Check the NVLink bridge or the NVSwitch fabric (nvidia-smi nvlink -s, and the fabric manager's log); reset the GPU or reboot.",
            &[("links", listed(down))],
        );
    }
    let count = |reading: &crate::Reading<u64>| *reading.as_ref().unwrap_or(&0);
    let recovered: u64 = links.iter().map(|link| count(&link.recovery_errors)).sum();
    let errors: u64 = links
        .iter()
        .map(|link| count(&link.crc_errors) + count(&link.replay_errors))
        .sum();
    if recovered > 0 || errors > 0 {
        found(
            Check::Nvlink,
            if recovered > 0 {
                Severity::Warning
            } else {
                Severity::Notice
            },
            format!(
                "GPU {gpu}'s NVLink links had {recovered} recoveries and {errors} CRC or replay errors since the driver loaded"
            ),
            "A few errors are corrected without loss; if they keep growing, reseat the NVLink bridge or have the link checked (nvidia-smi nvlink -e).",
            &[
                ("recoveries", recovered.to_string()),
                ("errors", errors.to_string()),
            ],
        );
    }
}

/// Where the CUDA toolkit is installed.
pub const CUDA_TOOLKIT: &str = "/usr/local/cuda";

/// The minimum Linux driver of each CUDA major version since minor version compatibility began
/// (NVIDIA's CUDA compatibility guide): 11.x needs ≥ 450, 12.x ≥ 525, 13.x ≥ 580.
const MINIMUM_DRIVER: &[(u32, &str)] = &[(11, "450.80.02"), (12, "525.60.13"), (13, "580.65.06")];

/// A CUDA version's major and minor (`12.4.131` → (12, 4)).
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |minor| minor.parse().ok())?;
    Some((major, minor))
}

/// Programs on the GPU (by their image's CUDA version) and the toolkit installed, against the
/// newest CUDA version the driver supports. A newer major version does not run at all; a newer
/// minor runs through minor version compatibility, without code compiled for it at run time (PTX).
fn cuda_driver(found: &mut Found<'_>, gpu: u32, system: &System, sample: &Sample) {
    let Ok(driver) = system.cuda_driver_version else {
        return;
    };
    let supported = (
        u32::try_from(driver / 1000).unwrap_or(0),
        u32::try_from(driver % 1000 / 10).unwrap_or(0),
    );
    // Who uses it, in words and as a figure: a process by its PID, or the toolkit.
    let mut users: Vec<(String, (&str, String), String)> = sample
        .processes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|process| {
            let version = process.cuda_version.clone()?;
            Some((
                format!("Process {}", process.pid),
                ("pid", process.pid.to_string()),
                version,
            ))
        })
        .collect();
    // The toolkit is the machine's, not this GPU's: said once, with GPU 0.
    if gpu == 0
        && let Some(toolkit) = &system.cuda_toolkit
    {
        users.push((
            format!("The CUDA toolkit in {CUDA_TOOLKIT}"),
            ("toolkit", CUDA_TOOLKIT.to_owned()),
            toolkit.clone(),
        ));
    }
    if users.is_empty() {
        return;
    }
    let driver_version = system.driver_version.as_deref().unwrap_or("?").to_owned();
    let shown = format!("{}.{}", supported.0, supported.1);
    for (user, who, version) in users {
        let Some(needed) = major_minor(&version) else {
            continue;
        };
        if needed.0 > supported.0 {
            let minimum = MINIMUM_DRIVER
                .iter()
                .find(|(major, _)| *major == needed.0)
                .map(|(_, minimum)| *minimum);
            let newer = minimum.map_or_else(
                || format!("one that supports CUDA {}.{}", needed.0, needed.1),
                |minimum| format!("{minimum} or later"),
            );
            let mut named = vec![
                who,
                ("cuda", version.clone()),
                ("driver", driver_version.clone()),
                ("supported", shown.clone()),
                ("major", needed.0.to_string()),
            ];
            named.extend(minimum.map(|minimum| ("minimum", minimum.to_owned())));
            found(
                Check::CudaDriver,
                Severity::Critical,
                format!(
                    "{user} uses CUDA {version}, but driver {driver_version} supports CUDA up to {shown}: it fails with \"CUDA driver version is insufficient\""
                ),
                &format!(
                    "Install a newer NVIDIA driver ({newer}), or on a data-centre GPU the CUDA forward compatibility package (cuda-compat) for CUDA {}.",
                    needed.0
                ),
                &named,
            );
        } else if needed > supported {
            found(
                Check::CudaDriver,
                Severity::Notice,
                format!(
                    "{user} uses CUDA {version}, newer than the CUDA {shown} that driver {driver_version} supports: it runs through minor version compatibility, but code compiled at run time (PTX) for the newer version fails"
                ),
                "Update the driver to one that supports that CUDA version, or build the program for the GPU's architecture ahead of time.",
                &[
                    who,
                    ("cuda", version),
                    ("driver", driver_version.clone()),
                    ("supported", shown.clone()),
                ],
            );
        }
    }
}

/// A finding's figures: the GPU's index and `named`.
fn values(gpu: u32, named: &[(&str, String)]) -> BTreeMap<String, String> {
    std::iter::once(("gpu".to_owned(), gpu.to_string()))
        .chain(
            named
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone())),
        )
        .collect()
}

/// A reading as a figure, or `?`.
fn shown(reading: &crate::Reading<u32>) -> String {
    reading
        .as_ref()
        .map_or_else(|_| "?".to_owned(), ToString::to_string)
}

/// Whether `device` is a data-centre GPU (where persistence mode is expected), by its name.
fn data_centre(device: &Device) -> bool {
    let Ok(name) = &device.name else { return false };
    let model = name.trim_start_matches("NVIDIA ");
    name.starts_with("Tesla")
        || [
            "A10", "A16", "A30", "A40", "A100", "H100", "H200", "H800", "L4", "L40", "B100",
            "B200", "GB200",
        ]
        .iter()
        .any(|prefix| model.starts_with(prefix))
}
