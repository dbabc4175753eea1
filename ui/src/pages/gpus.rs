//! The GPUs page, This machine: each of this machine's GPUs with its readings against its limits,
//! the processes using it and what is wrong with it (each with what to do), as the sampler reads
//! it; why there are none when NVML cannot be used. The cluster's GPUs are not built yet.

use kubedesk_ipc::{
    ExportGpuReport, GpuFinding, GpuMissing, GpuProcessOwner, GpuReading, GpuReadingKind,
    GpuReportFormat, LocalGpu, LocalGpus, LocalGpusSubscription, StopLocalGpus, WatchLocalGpus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;

/// The page.
#[component]
pub fn GpusPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(None::<LocalGpus>);
    let failure = RwSignal::new(None::<String>);
    let held = ipc::Held::default();
    spawn_local(async move {
        match ipc::subscribe(&WatchLocalGpus {}, move |update: LocalGpus| {
            state.set(Some(update))
        })
        .await
        {
            Ok((LocalGpusSubscription { id }, receiving)) => held.keep(id, receiving),
            Err(error) => failure.set(Some(error.to_string())),
        }
    });
    on_cleanup(move || held.stop(|id| StopLocalGpus { id }));
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
    let body = move || {
        if let Some(failure) = failure.get() {
            return view! { <div class="banner banner--error" role="alert">{failure}</div> }
                .into_any();
        }
        match state.get() {
            None => {
                view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
            }
            Some(LocalGpus::Unavailable { reason }) => view! {
                <div class="card" id="gpus-unavailable">
                    <h2 class="card__title">{i18n.t(Msg::GpuUnavailableTitle)}</h2>
                    <p>{reason}</p>
                    <p class="help">{i18n.t(Msg::GpuUnavailableHelp)}</p>
                </div>
            }
            .into_any(),
            Some(LocalGpus::Ready {
                driver,
                cuda,
                gpus,
                ended,
            }) => {
                let driver = i18n.tf(
                    Msg::GpuDriver,
                    &[
                        ("driver", driver.as_deref().unwrap_or("?")),
                        ("cuda", cuda.as_deref().unwrap_or("?")),
                    ],
                );
                let cards = gpus
                    .into_iter()
                    .map(|gpu| view! { <GpuCard gpu /> })
                    .collect_view();
                view! {
                    <p class="page__footnote" id="gpus-driver">{driver}</p>
                    {ended.then(|| view! { <div class="banner banner--info" role="status" id="gpus-ended">{i18n.t(Msg::GpuEnded)}</div> })}
                    <div class="gpu-cards">{cards}</div>
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
            <p class="help" id="gpus-cluster-not-built">{move || i18n.t(Msg::GpuClusterNotBuilt)}</p>
        </section>
    }
}

#[component]
fn GpuCard(gpu: LocalGpu) -> impl IntoView {
    let i18n = use_i18n();
    let title = format!(
        "GPU {} · {}",
        gpu.index,
        gpu.name.clone().unwrap_or_else(|| "?".to_owned())
    );
    let identity = [gpu.uuid.clone(), gpu.pci_bus_id.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let readings = gpu
        .readings
        .iter()
        .map(|reading| {
            let (label, value) = (label(reading.kind), shown(i18n, reading));
            view! {
                <div class="figure" data-reading=format!("{:?}", reading.kind)>
                    <span class="figure__label">{i18n.t(label)}</span>
                    <span class="figure__value">{value}</span>
                </div>
            }
        })
        .collect_view();
    let findings = if gpu.findings.is_empty() && gpu.lost.is_none() {
        view! { <p class="gpu-card__healthy" data-healthy>{i18n.t(Msg::GpuHealthy)}</p> }.into_any()
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
    };
    let processes = (!gpu.processes.is_empty()).then(|| {
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
                    GpuProcessOwner::Pod { uid } => i18n.tf(Msg::GpuOwnerPod, &[("uid", uid)]),
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
    });
    view! {
        <div class="card gpu-card" data-gpu=gpu.index.to_string()>
            <h3 class="card__title">{title}</h3>
            <p class="cell--mono cell--muted">{identity}</p>
            <div class="figures">{readings}</div>
            {processes}
            {findings}
        </div>
    }
}

fn label(kind: GpuReadingKind) -> Msg {
    match kind {
        GpuReadingKind::Utilization => Msg::GpuUtilization,
        GpuReadingKind::Memory => Msg::GpuMemory,
        GpuReadingKind::Temperature => Msg::GpuTemperature,
        GpuReadingKind::Power => Msg::GpuPower,
        GpuReadingKind::SmClock => Msg::GpuSmClock,
        GpuReadingKind::PcieGeneration => Msg::GpuPcieGeneration,
        GpuReadingKind::PcieWidth => Msg::GpuPcieWidth,
        GpuReadingKind::EccUncorrected => Msg::GpuEccUncorrected,
    }
}

/// A reading with its unit, against what it is measured by; or why it is missing.
fn shown(i18n: I18n, reading: &GpuReading) -> String {
    let Some(value) = reading.value else {
        return match &reading.missing {
            Some(GpuMissing::NotSupported) => i18n.t(Msg::GpuNotSupported).to_owned(),
            Some(GpuMissing::NoPermission) => i18n.t(Msg::GpuNoPermission).to_owned(),
            Some(GpuMissing::DriverTooOld) => i18n.t(Msg::GpuDriverTooOld).to_owned(),
            Some(GpuMissing::Failed { message }) => message.clone(),
            None => "—".to_owned(),
        };
    };
    let with = |unit: &dyn Fn(f64) -> String| match reading.of {
        Some(of) => i18n.tf(Msg::GpuOf, &[("value", &unit(value)), ("of", &unit(of))]),
        None => unit(value),
    };
    match reading.kind {
        GpuReadingKind::Utilization => with(&|value| format!("{value:.0} %")),
        GpuReadingKind::Memory => with(&format::bytes),
        GpuReadingKind::Temperature => with(&|value| format!("{value:.0} °C")),
        GpuReadingKind::Power => with(&|value| format!("{value:.0} W")),
        GpuReadingKind::SmClock => with(&|value| format!("{value:.0} MHz")),
        GpuReadingKind::PcieGeneration => with(&|value| format!("{value:.0}")),
        GpuReadingKind::PcieWidth => with(&|value| format!("x{value:.0}")),
        GpuReadingKind::EccUncorrected => with(&|value| format!("{value:.0}")),
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
    (i18n.tf(summary, &args), i18n.t(action).to_owned())
}
