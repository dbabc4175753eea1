//! The GPUs page, This machine: each of this machine's GPUs with its readings against its limits,
//! its history charts (utilisation, memory, temperature, power, clocks), its links, MIG instances
//! and processes, and what is wrong with it (each with what to do), as the sampler reads it; why
//! there are none when NVML cannot be used. Below, the selected cluster's GPUs (`cluster.rs`).

mod cluster;
mod waits;

/// The GPU types offered besides the cluster's own: the whole GPU, and HAMi's memory and cores.
const MORE_GPU_TYPES: [&str; 3] = ["nvidia.com/gpu", "nvidia.com/gpumem", "nvidia.com/gpucores"];

/// The GPU types a form offers: the cluster's GPU resources, then the usual ones.
pub(crate) fn gpu_types(resources: &[String]) -> Vec<String> {
    let mut types = resources.to_vec();
    for more in MORE_GPU_TYPES {
        if !types.iter().any(|known| known == more) {
            types.push(more.to_owned());
        }
    }
    types
}

use std::collections::BTreeMap;

use kubedesk_ipc::{
    ExportGpuReport, GpuFinding, GpuHistory, GpuMissing, GpuProcessOwner, GpuReading,
    GpuReadingKind, GpuReportFormat, LocalGpu, LocalGpus, LocalGpusSubscription, StopLocalGpus,
    WatchLocalGpus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charts::Unit;
use crate::components::notice::{Notice, NoticeBanner};
use crate::components::time_chart::{ChartData, TimeSeries};
use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;

/// Adds `update` (a GPU's samples since the last update) to the history kept for its charts.
fn merge(kept: &mut GpuHistory, update: &GpuHistory) {
    if !update.continues {
        kept.at_ms.clear();
        for series in series_mut(kept) {
            series.clear();
        }
    }
    kept.keep = update.keep;
    kept.at_ms.extend_from_slice(&update.at_ms);
    for (series, new) in series_mut(kept).into_iter().zip(series(update)) {
        series.extend_from_slice(new);
    }
    let over = kept.at_ms.len().saturating_sub(kept.keep as usize);
    if over > 0 {
        kept.at_ms.drain(..over);
        for series in series_mut(kept) {
            series.drain(..over.min(series.len()));
        }
    }
}

/// A history's series, in one order.
fn series(history: &GpuHistory) -> [&Vec<Option<f64>>; 7] {
    [
        &history.utilization,
        &history.memory_activity,
        &history.memory_used,
        &history.temperature,
        &history.power,
        &history.sm_clock,
        &history.memory_clock,
    ]
}

/// A history's series, in the order of [`series`].
fn series_mut(history: &mut GpuHistory) -> [&mut Vec<Option<f64>>; 7] {
    [
        &mut history.utilization,
        &mut history.memory_activity,
        &mut history.memory_used,
        &mut history.temperature,
        &mut history.power,
        &mut history.sm_clock,
        &mut history.memory_clock,
    ]
}

/// The page.
#[component]
pub fn GpusPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(None::<LocalGpus>);
    // Each GPU's history, by index, gathered from the updates' samples.
    let histories = RwSignal::new(BTreeMap::<u32, GpuHistory>::new());
    let failure = RwSignal::new(None::<String>);
    let held = ipc::Held::new(|id| StopLocalGpus { id });
    let answer = held.subscribe(
        WatchLocalGpus {},
        |answer: &LocalGpusSubscription| answer.id,
        move |update: LocalGpus| {
            if let LocalGpus::Ready { gpus, .. } = &update {
                histories.update(|histories| {
                    for gpu in gpus {
                        merge(histories.entry(gpu.index).or_default(), &gpu.history);
                    }
                });
            }
            state.set(Some(update))
        },
    );
    spawn_local(async move {
        if let Err(error) = answer.await {
            failure.set(Some(error.to_string()));
        }
    });
    on_cleanup(move || held.stop());
    let outcome = RwSignal::new(None::<Notice>);
    let export = move |format: GpuReportFormat| {
        spawn_local(async move {
            outcome.set(Some(match ipc::call(&ExportGpuReport { format }).await {
                Ok(written) => Notice::Done(i18n.tf(Msg::GpuExported, &[("path", &written.path)])),
                Err(error) => Notice::Failed(error.to_string()),
            }));
        });
    };
    let ready = move || matches!(state.get(), Some(LocalGpus::Ready { .. }));
    // The GPUs now, for the cards, which follow them without being drawn again.
    let gpus = Memo::new(move |_| match state.get() {
        Some(LocalGpus::Ready { gpus, .. }) => gpus,
        _ => Vec::new(),
    });
    let header = Memo::new(move |_| match state.get() {
        Some(LocalGpus::Ready {
            driver,
            cuda,
            ended,
            ..
        }) => Some((driver, cuda, ended)),
        _ => None,
    });
    let kind = Memo::new(move |_| match state.get() {
        None => 0,
        Some(LocalGpus::Unavailable { .. }) => 1,
        Some(LocalGpus::Ready { .. }) => 2,
    });
    let body = move || {
        if let Some(failure) = failure.get() {
            return view! { <div class="banner banner--error" role="alert">{failure}</div> }
                .into_any();
        }
        match kind.get() {
            0 => {
                view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
            }
            1 => {
                let reason = move || match state.get() {
                    Some(LocalGpus::Unavailable { reason }) => reason,
                    _ => String::new(),
                };
                view! {
                    <div class="card" id="gpus-unavailable">
                        <h2 class="card__title">{i18n.t(Msg::GpuUnavailableTitle)}</h2>
                        <p>{reason}</p>
                        <p class="help">{i18n.t(Msg::GpuUnavailableHelp)}</p>
                    </div>
                }
                .into_any()
            }
            _ => {
                let driver = move || {
                    let (driver, cuda, _) = header.get().unwrap_or_default();
                    i18n.tf(
                        Msg::GpuDriver,
                        &[
                            ("driver", driver.as_deref().unwrap_or("?")),
                            ("cuda", cuda.as_deref().unwrap_or("?")),
                        ],
                    )
                };
                let ended = move || header.get().is_some_and(|(_, _, ended)| ended);
                let indexes = Memo::new(move |_| {
                    gpus.with(|gpus| gpus.iter().map(|gpu| gpu.index).collect::<Vec<_>>())
                });
                view! {
                    <p class="page__footnote" id="gpus-driver">{driver}</p>
                    <Show when=ended>
                        <div class="banner banner--info" role="status" id="gpus-ended">{i18n.t(Msg::GpuEnded)}</div>
                    </Show>
                    <div class="gpu-cards">
                        <For each=move || indexes.get() key=|index| *index let:index>
                            <GpuCard
                                gpu=Signal::derive(move || gpus.with(|gpus| gpus.iter().find(|gpu| gpu.index == index).cloned()))
                                history=Signal::derive(move || histories.with(|histories| histories.get(&index).cloned().unwrap_or_default()))
                            />
                        </For>
                    </div>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="page" data-page="gpus">
            <header class="page__header page__header--actions">
                <div>
                    <h1 class="page__title">{move || i18n.t(Msg::GpuTitle)}</h1>
                    <p class="page__subtitle">{move || i18n.t(Msg::GpuSubtitle)}</p>
                </div>
                <Show when=ready>
                    <div class="offline-data__buttons">
                        <button type="button" class="button" id="gpu-export-markdown" on:click=move |_| export(GpuReportFormat::Markdown)>
                            {move || i18n.t(Msg::GpuExportMarkdown)}
                        </button>
                        <button type="button" class="button" id="gpu-export-json" on:click=move |_| export(GpuReportFormat::Json)>
                            {move || i18n.t(Msg::GpuExportJson)}
                        </button>
                    </div>
                </Show>
            </header>
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="gpu-export-outcome" /> })}
            <h2 class="section__title">{move || i18n.t(Msg::GpuThisMachine)}</h2>
            {body}
            <cluster::ClusterGpus />
        </section>
    }
}

#[component]
fn GpuCard(gpu: Signal<Option<LocalGpu>>, history: Signal<GpuHistory>) -> impl IntoView {
    let i18n = use_i18n();
    let index = gpu.with_untracked(|gpu| gpu.as_ref().map_or(0, |gpu| gpu.index));
    let title = move || {
        gpu.with(|gpu| {
            let name = gpu.as_ref().and_then(|gpu| gpu.name.clone());
            format!("GPU {index} · {}", name.unwrap_or_else(|| "?".to_owned()))
        })
    };
    let identity = move || {
        gpu.with(|gpu| {
            gpu.iter()
                .flat_map(|gpu| [gpu.uuid.clone(), gpu.pci_bus_id.clone()])
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    let readings = move || {
        let Some(gpu) = gpu.get() else {
            return Vec::new();
        };
        let mut figures: Vec<(String, String, String)> = gpu
            .readings
            .iter()
            .map(|reading| {
                (
                    format!("{:?}", reading.kind),
                    i18n.t(label(reading.kind)).to_owned(),
                    shown(i18n, reading),
                )
            })
            .collect();
        let mut add = |key: &str, label: Msg, value: String| {
            figures.push((key.to_owned(), i18n.t(label).to_owned(), value));
        };
        add(
            "PState",
            Msg::GpuPstate,
            gpu.pstate
                .map_or_else(|| "—".to_owned(), |state| format!("P{state}")),
        );
        add(
            "Throttle",
            Msg::GpuThrottle,
            if gpu.throttle.is_empty() {
                i18n.t(Msg::GpuThrottleNone).to_owned()
            } else {
                gpu.throttle
                    .iter()
                    .map(|reason| throttle_reason(i18n, reason))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        add(
            "Fans",
            Msg::GpuFans,
            if gpu.fans.is_empty() {
                i18n.t(Msg::GpuFansNone).to_owned()
            } else {
                gpu.fans
                    .iter()
                    .map(|fan| format!("{fan} %"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        if let Some(mode) = &gpu.compute_mode {
            add("ComputeMode", Msg::GpuComputeMode, compute_mode(i18n, mode));
        }
        if !gpu.nvlinks.is_empty() {
            let up = gpu.nvlinks.iter().filter(|link| link.active).count();
            let errors: u64 = gpu.nvlinks.iter().map(|link| link.errors).sum();
            let recoveries: u64 = gpu.nvlinks.iter().map(|link| link.recoveries).sum();
            add(
                "NvLink",
                Msg::GpuNvlink,
                i18n.tf(
                    Msg::GpuNvlinkValue,
                    &[
                        ("up", &up.to_string()),
                        ("links", &gpu.nvlinks.len().to_string()),
                        ("errors", &errors.to_string()),
                        ("recoveries", &recoveries.to_string()),
                    ],
                ),
            );
        }
        figures
    };
    let figures = move || {
        readings()
            .into_iter()
            .map(|(key, label, value)| {
                view! {
                    <div class="figure" data-reading=key>
                        <span class="figure__label">{label}</span>
                        <span class="figure__value">{value}</span>
                    </div>
                }
            })
            .collect_view()
    };
    let mig = move || {
        let instances = gpu.with(|gpu| gpu.as_ref().map(|gpu| gpu.mig_instances.clone()))?;
        (!instances.is_empty()).then(|| {
            let rows = instances
                .into_iter()
                .map(|instance| {
                    let memory = match (instance.memory_used_bytes, instance.memory_total_bytes) {
                        (Some(used), Some(total)) => i18n.tf(
                            Msg::GpuOf,
                            &[
                                ("value", &format::bytes(used as f64)),
                                ("of", &format::bytes(total as f64)),
                            ],
                        ),
                        _ => "—".to_owned(),
                    };
                    view! {
                        <tr>
                            <td>{instance.index}</td>
                            <td>{instance.name.unwrap_or_default()}</td>
                            <td class="cell--mono">{instance.uuid.unwrap_or_default()}</td>
                            <td>{memory}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h4 class="gpu-card__heading">{i18n.t(Msg::GpuMigInstances)}</h4>
                <table class="table table--compact" data-mig>
                    <thead><tr>
                        <th>{i18n.t(Msg::GpuMigIndex)}</th>
                        <th>{i18n.t(Msg::GpuMigProfile)}</th>
                        <th>"UUID"</th>
                        <th>{i18n.t(Msg::GpuMemory)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    };
    let findings = move || {
        let gpu = gpu.get()?;
        Some(if gpu.findings.is_empty() && gpu.lost.is_none() {
            view! { <p class="gpu-card__healthy" data-healthy>{i18n.t(Msg::GpuHealthy)}</p> }
                .into_any()
        } else {
            gpu.findings
                .iter()
                .map(|finding| {
                    let (summary, action) = worded(i18n, finding);
                    let class = match finding.severity.as_str() {
                        "critical" => "banner banner--error",
                        "warning" => "banner banner--warning",
                        _ => "banner banner--info",
                    };
                    view! {
                        <div class=class data-check=finding.check.clone() role="status">
                            <strong>{summary}</strong>
                            <div class="gpu-card__action">{i18n.tf(Msg::GpuWhatToDo, &[("action", &action)])}</div>
                        </div>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    let processes = move || {
        let gpu = gpu.get()?;
        (!gpu.processes.is_empty()).then(|| {
            let listed = gpu
                .processes
                .iter()
                .map(|process| {
                    let mut about: Vec<String> = process
                        .used_bytes
                        .map(|bytes| format::bytes(bytes as f64))
                        .into_iter()
                        .collect();
                    about.extend(process.owner.as_ref().map(|owner| match owner {
                        GpuProcessOwner::Pod { uid, name } => {
                            i18n.tf(Msg::GpuOwnerPod, &[("pod", name.as_deref().unwrap_or(uid))])
                        }
                        GpuProcessOwner::Container { id } => i18n.tf(
                            Msg::GpuOwnerContainer,
                            &[("id", id.get(..12).unwrap_or(id))],
                        ),
                        GpuProcessOwner::Host => i18n.t(Msg::GpuOwnerHost).to_owned(),
                    }));
                    if about.is_empty() {
                        process.pid.to_string()
                    } else {
                        format!("{} ({})", process.pid, about.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            view! { <p class="help" data-processes>{i18n.tf(Msg::GpuProcesses, &[("processes", &listed)])}</p> }
        })
    };
    view! {
        <div class="card gpu-card" data-gpu=index.to_string()>
            <h3 class="card__title">{title}</h3>
            <p class="cell--mono cell--muted">{identity}</p>
            {findings}
            <GpuCharts gpu history index />
            <div class="figures">{figures}</div>
            {mig}
            {processes}
        </div>
    }
}

/// A reading's limit (`of`), when the GPU has it.
fn limit(gpu: &Option<LocalGpu>, kind: GpuReadingKind) -> Option<f64> {
    gpu.as_ref()?
        .readings
        .iter()
        .find(|reading| reading.kind == kind)?
        .of
}

/// Reads one series of a history.
type Series = fn(&GpuHistory) -> &Vec<Option<f64>>;

/// A GPU's history charts: utilisation, memory, temperature (with its slowdown temperature),
/// power (with its limit) and clocks.
#[component]
fn GpuCharts(
    gpu: Signal<Option<LocalGpu>>,
    history: Signal<GpuHistory>,
    index: u32,
) -> impl IntoView {
    let i18n = use_i18n();
    let chart = move |lines: Vec<(Msg, Series)>,
                      threshold: Option<(Msg, GpuReadingKind)>,
                      top: fn(&Option<LocalGpu>) -> Option<f64>| {
        Signal::derive(move || {
            let (times, lines) = history.with(|history| {
                (
                    history.at_ms.clone(),
                    lines
                        .iter()
                        .map(|(name, read)| (i18n.t(*name).to_owned(), read(history).clone()))
                        .collect(),
                )
            });
            gpu.with(|gpu| ChartData {
                times,
                lines,
                thresholds: threshold
                    .and_then(|(name, kind)| Some((i18n.t(name).to_owned(), limit(gpu, kind)?)))
                    .into_iter()
                    .collect(),
                top: top(gpu),
                ..ChartData::default()
            })
        })
    };
    let utilization = chart(
        vec![
            (Msg::GpuUtilization, |history| &history.utilization),
            (Msg::GpuMemoryActivity, |history| &history.memory_activity),
        ],
        None,
        |_| Some(100.0),
    );
    let memory = chart(
        vec![(Msg::GpuChartMemoryUsed, |history| &history.memory_used)],
        None,
        |gpu| limit(gpu, GpuReadingKind::Memory),
    );
    let temperature = chart(
        vec![(Msg::GpuChartTemperature, |history| &history.temperature)],
        Some((Msg::GpuChartSlowdown, GpuReadingKind::Temperature)),
        |_| None,
    );
    let power = chart(
        vec![(Msg::GpuChartPower, |history| &history.power)],
        Some((Msg::GpuChartPowerLimit, GpuReadingKind::Power)),
        |_| None,
    );
    let clocks = chart(
        vec![
            (Msg::GpuChartSmClock, |history| &history.sm_clock),
            (Msg::GpuChartMemoryClock, |history| &history.memory_clock),
        ],
        None,
        |gpu| {
            let sm = limit(gpu, GpuReadingKind::SmClock);
            let memory = limit(gpu, GpuReadingKind::MemoryClock);
            sm.into_iter().chain(memory).reduce(f64::max)
        },
    );
    view! {
        <div class="gpu-card__charts">
            <TimeSeries title=i18n.t(Msg::GpuChartUtilizationTitle).to_owned() unit=Unit::Percent data=utilization id=format!("gpu-{index}-utilization") />
            <TimeSeries title=i18n.t(Msg::GpuChartMemoryTitle).to_owned() unit=Unit::Bytes data=memory id=format!("gpu-{index}-memory") />
            <TimeSeries title=i18n.t(Msg::GpuChartTemperatureTitle).to_owned() unit=Unit::Celsius data=temperature id=format!("gpu-{index}-temperature") />
            <TimeSeries title=i18n.t(Msg::GpuChartPowerTitle).to_owned() unit=Unit::Watts data=power id=format!("gpu-{index}-power") />
            <TimeSeries title=i18n.t(Msg::GpuChartClocksTitle).to_owned() unit=Unit::Megahertz data=clocks id=format!("gpu-{index}-clocks") />
        </div>
    }
}

/// A clock-event reason (`sw_power_cap`) in words.
fn throttle_reason(i18n: I18n, reason: &str) -> String {
    i18n.t(match reason {
        "idle" => Msg::GpuThrottleIdle,
        "applications_clocks" => Msg::GpuThrottleApplicationsClocks,
        "sw_power_cap" => Msg::GpuThrottleSwPowerCap,
        "hw_slowdown" => Msg::GpuThrottleHwSlowdown,
        "hw_thermal_slowdown" => Msg::GpuThrottleHwThermalSlowdown,
        "hw_power_brake_slowdown" => Msg::GpuThrottleHwPowerBrakeSlowdown,
        "sw_thermal_slowdown" => Msg::GpuThrottleSwThermalSlowdown,
        "sync_boost" => Msg::GpuThrottleSyncBoost,
        _ => Msg::GpuThrottleDisplayClock,
    })
    .to_owned()
}

fn compute_mode(i18n: I18n, mode: &str) -> String {
    i18n.t(match mode {
        "exclusive_process" => Msg::GpuComputeExclusiveProcess,
        "exclusive_thread" => Msg::GpuComputeExclusiveThread,
        "prohibited" => Msg::GpuComputeProhibited,
        _ => Msg::GpuComputeDefault,
    })
    .to_owned()
}

fn label(kind: GpuReadingKind) -> Msg {
    match kind {
        GpuReadingKind::Utilization => Msg::GpuUtilization,
        GpuReadingKind::MemoryActivity => Msg::GpuMemoryActivity,
        GpuReadingKind::Encoder => Msg::GpuEncoder,
        GpuReadingKind::Decoder => Msg::GpuDecoder,
        GpuReadingKind::Memory => Msg::GpuMemory,
        GpuReadingKind::MemoryReserved => Msg::GpuMemoryReserved,
        GpuReadingKind::Temperature => Msg::GpuTemperature,
        GpuReadingKind::Power => Msg::GpuPower,
        GpuReadingKind::Energy => Msg::GpuEnergy,
        GpuReadingKind::SmClock => Msg::GpuSmClock,
        GpuReadingKind::MemoryClock => Msg::GpuMemoryClock,
        GpuReadingKind::GraphicsClock => Msg::GpuGraphicsClock,
        GpuReadingKind::PcieGeneration => Msg::GpuPcieGeneration,
        GpuReadingKind::PcieWidth => Msg::GpuPcieWidth,
        GpuReadingKind::PcieTx => Msg::GpuPcieTx,
        GpuReadingKind::PcieRx => Msg::GpuPcieRx,
        GpuReadingKind::PcieReplays => Msg::GpuPcieReplays,
        GpuReadingKind::EccUncorrected => Msg::GpuEccUncorrected,
        GpuReadingKind::EccCorrected => Msg::GpuEccCorrected,
        GpuReadingKind::EccLifetime => Msg::GpuEccLifetime,
        GpuReadingKind::RemappedRows => Msg::GpuRemappedRows,
    }
}

/// A reading with its unit, against what it is measured by; or why it is missing.
fn shown(i18n: I18n, reading: &GpuReading) -> String {
    let Some(value) = reading.value else {
        return match &reading.missing {
            Some(GpuMissing::NotSupported) => i18n.t(Msg::GpuNotSupported).to_owned(),
            Some(GpuMissing::NoPermission) => i18n.t(Msg::GpuNoPermission).to_owned(),
            Some(GpuMissing::DriverTooOld) => i18n.t(Msg::GpuDriverTooOld).to_owned(),
            Some(GpuMissing::NotRecorded) => i18n.t(Msg::GpuNotRecorded).to_owned(),
            Some(GpuMissing::Failed { message }) => message.clone(),
            None => "—".to_owned(),
        };
    };
    let with = |unit: &dyn Fn(f64) -> String| match reading.of {
        Some(of) => i18n.tf(Msg::GpuOf, &[("value", &unit(value)), ("of", &unit(of))]),
        None => unit(value),
    };
    match reading.kind {
        GpuReadingKind::Utilization
        | GpuReadingKind::MemoryActivity
        | GpuReadingKind::Encoder
        | GpuReadingKind::Decoder => with(&|value| format!("{value:.0} %")),
        GpuReadingKind::Memory | GpuReadingKind::MemoryReserved => with(&format::bytes),
        GpuReadingKind::Temperature => with(&|value| format!("{value:.0} °C")),
        GpuReadingKind::Power => with(&|value| format!("{value:.0} W")),
        GpuReadingKind::Energy if value >= 1000.0 => {
            with(&|value| format!("{:.1} kWh", value / 1000.0))
        }
        GpuReadingKind::Energy => with(&|value| format!("{value:.0} Wh")),
        GpuReadingKind::SmClock | GpuReadingKind::MemoryClock | GpuReadingKind::GraphicsClock => {
            with(&|value| format!("{value:.0} MHz"))
        }
        GpuReadingKind::PcieGeneration => with(&|value| format!("{value:.0}")),
        GpuReadingKind::PcieWidth => with(&|value| format!("x{value:.0}")),
        GpuReadingKind::PcieTx | GpuReadingKind::PcieRx => {
            with(&|value| format!("{:.1} MB/s", value / 1000.0))
        }
        GpuReadingKind::PcieReplays
        | GpuReadingKind::EccUncorrected
        | GpuReadingKind::EccCorrected
        | GpuReadingKind::EccLifetime
        | GpuReadingKind::RemappedRows => with(&|value| format!("{value:.0}")),
    }
}

/// A finding and what to do, worded from the catalogue with its figures.
fn worded(i18n: I18n, finding: &GpuFinding) -> (String, String) {
    let value = |name: &str| finding.values.get(name).cloned().unwrap_or_default();
    let args: Vec<(&str, String)> = finding
        .values
        .iter()
        .filter(|(name, _)| name.as_str() != "reasons")
        .map(|(name, value)| (name.as_str(), value.clone()))
        .collect();
    let critical = finding.severity == "critical";
    let (summary, action) = match finding.check.as_str() {
        "lost" => (Msg::GpuFindingLost, Msg::GpuActionLost),
        "temperature" if critical => (Msg::GpuFindingTemperaturePast, Msg::GpuActionTemperature),
        "temperature" => (Msg::GpuFindingTemperatureNear, Msg::GpuActionTemperature),
        "power_capped" if finding.values.contains_key("power") => {
            (Msg::GpuFindingPowerCapped, Msg::GpuActionPowerCapped)
        }
        "power_capped" => (Msg::GpuFindingPowerCappedUnknown, Msg::GpuActionPowerCapped),
        "slowdown" if critical => (
            Msg::GpuFindingSlowdownHardware,
            Msg::GpuActionSlowdownHardware,
        ),
        "slowdown" => (Msg::GpuFindingSlowdownDriver, Msg::GpuActionSlowdownDriver),
        "uncorrectable_ecc" => (
            Msg::GpuFindingUncorrectableEcc,
            Msg::GpuActionUncorrectableEcc,
        ),
        "page_retirement" => (Msg::GpuFindingPageRetirement, Msg::GpuActionPageRetirement),
        "pcie_link" => (Msg::GpuFindingPcieLink, Msg::GpuActionPcieLink),
        "xid" => match value("kind").as_str() {
            "application" => (Msg::GpuFindingXidApplication, Msg::GpuActionXidApplication),
            "hardware" => (Msg::GpuFindingXidHardware, Msg::GpuActionXidHardware),
            _ => (Msg::GpuFindingXidDriver, Msg::GpuActionXidDriver),
        },
        "outside_pods" => (Msg::GpuFindingOutsidePods, Msg::GpuActionOutsidePods),
        "row_remap" if critical => (Msg::GpuFindingRowRemapFailed, Msg::GpuActionRowRemapFailed),
        "row_remap" => (
            Msg::GpuFindingRowRemapPending,
            Msg::GpuActionRowRemapPending,
        ),
        "nvlink" if finding.values.contains_key("links") => {
            (Msg::GpuFindingNvlinkDown, Msg::GpuActionNvlinkDown)
        }
        "nvlink" => (Msg::GpuFindingNvlinkErrors, Msg::GpuActionNvlinkErrors),
        "cuda_driver" if critical && finding.values.contains_key("minimum") => {
            (Msg::GpuFindingCudaTooNew, Msg::GpuActionCudaTooNew)
        }
        "cuda_driver" if critical => (Msg::GpuFindingCudaTooNew, Msg::GpuActionCudaTooNewUnknown),
        "cuda_driver" => (Msg::GpuFindingCudaMinor, Msg::GpuActionCudaMinor),
        _ => (Msg::GpuFindingPersistence, Msg::GpuActionPersistence),
    };
    let reasons = value("reasons")
        .split(',')
        .filter(|reason| !reason.is_empty())
        .map(|reason| {
            i18n.t(match reason {
                "hw_slowdown" => Msg::GpuThrottleHwSlowdown,
                "hw_thermal_slowdown" => Msg::GpuThrottleHwThermalSlowdown,
                "hw_power_brake_slowdown" => Msg::GpuThrottleHwPowerBrakeSlowdown,
                _ => Msg::GpuThrottleSwThermalSlowdown,
            })
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut args: Vec<(&str, &str)> = args
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    args.push(("reasons", &reasons));
    // Who uses a CUDA version: a process, or the toolkit.
    let user = match finding.values.get("pid") {
        Some(pid) => i18n.tf(Msg::GpuCudaUserProcess, &[("pid", pid)]),
        None => i18n.tf(Msg::GpuCudaUserToolkit, &[("path", &value("toolkit"))]),
    };
    args.push(("user", &user));
    (i18n.tf(summary, &args), i18n.tf(action, &args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(continues: bool, from: i64, count: i64) -> GpuHistory {
        GpuHistory {
            continues,
            keep: 5,
            at_ms: (from..from + count).collect(),
            utilization: (from..from + count).map(|at| Some(at as f64)).collect(),
            memory_activity: vec![None; count as usize],
            memory_used: vec![Some(1.0); count as usize],
            temperature: vec![Some(60.0); count as usize],
            power: vec![Some(300.0); count as usize],
            sm_clock: vec![Some(1410.0); count as usize],
            memory_clock: vec![Some(1593.0); count as usize],
        }
    }

    #[test]
    fn updates_extend_the_history_up_to_what_it_keeps_and_a_new_start_replaces_it() {
        let mut kept = GpuHistory::default();
        merge(&mut kept, &samples(false, 0, 3));
        merge(&mut kept, &samples(true, 3, 4));
        assert_eq!(kept.at_ms, [2, 3, 4, 5, 6], "the oldest dropped first");
        assert_eq!(
            kept.utilization,
            [2, 3, 4, 5, 6].map(|at| Some(f64::from(at)))
        );
        assert!(series(&kept).iter().all(|series| series.len() == 5));
        merge(&mut kept, &samples(false, 100, 2));
        assert_eq!(kept.at_ms, [100, 101]);
        assert!(series(&kept).iter().all(|series| series.len() == 2));
    }
}
