//! The selected cluster's GPUs on the GPUs page: each GPU resource its nodes advertise, with
//! what is allocated and free across the cluster; its GPU models; each GPU node with its model,
//! how its GPUs are split or shared, and each resource's use; and the pods that hold or ask for
//! GPUs.

use kubedesk_ipc::{GetGpuInventory, GpuNodeView, GpuResourceUse, TableKind};
use leptos::prelude::*;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::route::object_href;
use crate::state::{Loadable, Selection, for_selection, ticking};

/// A resource's use as a bar: allocated of allocatable, and what is free.
fn use_bar(i18n: I18n, used: &GpuResourceUse) -> impl IntoView {
    let share = if used.allocatable == 0 {
        0.0
    } else {
        used.allocated as f64 / used.allocatable as f64
    };
    let text = i18n.tf(
        Msg::ClusterGpusUse,
        &[
            ("allocated", &used.allocated.to_string()),
            ("allocatable", &used.allocatable.to_string()),
            ("free", &used.free.to_string()),
        ],
    );
    view! {
        <div class="gpu-use" data-resource=used.resource.clone()>
            <span class="gpu-use__track">
                <span class="gpu-use__fill" style:width=format!("{:.1}%", share.clamp(0.0, 1.0) * 100.0)></span>
            </span>
            <span class="gpu-use__text">{text}</span>
        </div>
    }
}

/// How a node's GPUs are split or shared, in words.
fn partitioning(i18n: I18n, node: &GpuNodeView) -> String {
    match (node.mig_strategy.as_deref(), node.sharing.as_deref()) {
        (Some(strategy @ ("single" | "mixed")), _) => {
            i18n.tf(Msg::ClusterGpusMig, &[("strategy", strategy)])
        }
        (_, Some(sharing)) if sharing != "none" => i18n.tf(
            Msg::ClusterGpusShared,
            &[
                ("sharing", sharing),
                ("replicas", &node.replicas.unwrap_or(1).to_string()),
            ],
        ),
        _ => i18n.t(Msg::ClusterGpusWhole).to_owned(),
    }
}

/// How often the cluster's GPUs are read again while the page is shown.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The section.
#[component]
pub fn ClusterGpus() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    // Asked again every few seconds while shown: pods come, land and go.
    let refresh = ticking(REFRESH_EVERY);
    let inventory = for_selection(selection, move |context, _| {
        refresh.track();
        GetGpuInventory { context }
    });
    let body = move || match inventory.get() {
        Loadable::Loading => {
            view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
        }
        Loadable::Failed(error) => {
            view! { <div class="banner banner--error" role="alert">{error.to_string()}</div> }
                .into_any()
        }
        Loadable::Ready(inventory) if inventory.nodes.is_empty() => {
            view! { <p class="help" id="cluster-gpus-none">{i18n.t(Msg::ClusterGpusNone)}</p> }
                .into_any()
        }
        Loadable::Ready(inventory) => {
            let devices_line = match (&inventory.devices_from, &inventory.devices_missing) {
                (Some(source), _) => i18n.tf(Msg::ClusterGpusDevicesFrom, &[("source", source)]),
                (None, Some(reason)) => {
                    i18n.tf(Msg::ClusterGpusDevicesMissing, &[("reason", reason)])
                }
                (None, None) => String::new(),
            };
            let totals = inventory
                .totals
                .iter()
                .map(|total| {
                    view! {
                        <li class="card cluster-gpus__total" data-total=total.resource.clone()>
                            <h3 class="card__title">{total.resource.clone()}</h3>
                            {use_bar(i18n, total)}
                        </li>
                    }
                })
                .collect_view();
            let models = inventory
                .models
                .iter()
                .map(|model| {
                    view! {
                        <tr data-model=model.product.clone()>
                            <td>{model.product.clone()}</td>
                            <td class="is-numeric">{model.memory_mib.map(|mib| format!("{} GiB", mib / 1024)).unwrap_or_default()}</td>
                            <td class="is-numeric">{model.nodes}</td>
                            <td class="is-numeric">{model.gpus}</td>
                        </tr>
                    }
                })
                .collect_view();
            let nodes = inventory
                .nodes
                .iter()
                .map(|node| {
                    let uses = node
                        .resources
                        .iter()
                        .map(|used| {
                            view! {
                                <div class="cluster-gpus__use">
                                    <code>{used.resource.clone()}</code>
                                    {use_bar(i18n, used)}
                                </div>
                            }
                        })
                        .collect_view();
                    let ready = if node.ready {
                        view! { <span class="pill pill--ok">{i18n.t(Msg::ClusterGpusReady)}</span> }.into_any()
                    } else {
                        view! { <span class="pill pill--danger">{i18n.t(Msg::ClusterGpusNotReady)}</span> }.into_any()
                    };
                    view! {
                        <tr data-gpu-node=node.name.clone()>
                            <td><a href=object_href(TableKind::Nodes, None, &node.name)>{node.name.clone()}</a> " " {ready}</td>
                            <td>{node.product.clone().unwrap_or_default()}</td>
                            <td class="is-numeric">{node.count.map(|count| count.to_string()).unwrap_or_default()}</td>
                            <td>{partitioning(i18n, node)}</td>
                            <td>{uses}</td>
                        </tr>
                    }
                })
                .collect_view();
            let holders = inventory
                .holders
                .iter()
                .map(|holder| {
                    let asked = holder
                        .resources
                        .iter()
                        .map(|(resource, amount)| format!("{resource}: {amount}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let key = format!("{}/{}", holder.namespace, holder.name);
                    let shown = key.clone();
                    let devices = holder
                        .devices
                        .iter()
                        .map(|device| {
                            let name = match &device.instance {
                                Some(instance) => i18n.tf(
                                    Msg::ClusterGpusDeviceInstance,
                                    &[("gpu", &device.gpu), ("instance", instance)],
                                ),
                                None => i18n.tf(Msg::ClusterGpusDevice, &[("gpu", &device.gpu)]),
                            };
                            let busy = device.utilisation.map(|percent| {
                                i18n.tf(Msg::ClusterGpusBusy, &[("percent", &percent.to_string())])
                            });
                            view! {
                                <li title=device.uuid.clone()>{name} " " <span class="help">{busy}</span></li>
                            }
                        })
                        .collect_view();
                    view! {
                        <tr data-holder=key>
                            <td><a href=object_href(TableKind::Pods, Some(&holder.namespace), &holder.name)>{shown}</a></td>
                            <td>{holder.phase.clone()}</td>
                            <td>{holder.node.clone().unwrap_or_default()}</td>
                            <td>{asked}</td>
                            <td><ul class="cluster-gpus__devices">{devices}</ul></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <ul class="cluster-gpus__totals" id="cluster-gpus-totals">{totals}</ul>
                {super::waits::waiting(i18n, &inventory.waiting)}
                <h3 class="section__title">{i18n.t(Msg::ClusterGpusModels)}</h3>
                <div class="card card--table">
                    <table class="table" id="cluster-gpus-models">
                        <thead><tr>
                            <th>{i18n.t(Msg::ClusterGpusModel)}</th>
                            <th>{i18n.t(Msg::ClusterGpusMemory)}</th>
                            <th>{i18n.t(Msg::ClusterGpusNodes)}</th>
                            <th>{i18n.t(Msg::ClusterGpusGpus)}</th>
                        </tr></thead>
                        <tbody>{models}</tbody>
                    </table>
                </div>
                <h3 class="section__title">{i18n.t(Msg::ClusterGpusNodes)}</h3>
                <div class="card card--table">
                    <table class="table" id="cluster-gpus-nodes">
                        <thead><tr>
                            <th>{i18n.t(Msg::ClusterGpusNode)}</th>
                            <th>{i18n.t(Msg::ClusterGpusModel)}</th>
                            <th>{i18n.t(Msg::ClusterGpusGpus)}</th>
                            <th>{i18n.t(Msg::ClusterGpusPartitioning)}</th>
                            <th>{i18n.t(Msg::ClusterGpusResources)}</th>
                        </tr></thead>
                        <tbody>{nodes}</tbody>
                    </table>
                </div>
                <h3 class="section__title">{i18n.t(Msg::ClusterGpusHolders)}</h3>
                <p class="help" id="cluster-gpus-devices">{devices_line}</p>
                <div class="card card--table">
                    <table class="table" id="cluster-gpus-holders">
                        <thead><tr>
                            <th>{i18n.t(Msg::ClusterGpusPod)}</th>
                            <th>{i18n.t(Msg::ClusterGpusPhase)}</th>
                            <th>{i18n.t(Msg::ClusterGpusNode)}</th>
                            <th>{i18n.t(Msg::ClusterGpusAsks)}</th>
                            <th>{i18n.t(Msg::ClusterGpusHeld)}</th>
                        </tr></thead>
                        <tbody>{holders}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="cluster-gpus" id="cluster-gpus">
            <h2 class="section__title">{move || i18n.t(Msg::ClusterGpusTitle)}</h2>
            <Show when=move || selection.context.get().is_some()
                fallback=move || view! { <p class="help">{i18n.t(Msg::ClusterGpusNoCluster)}</p> }>
                {body}
            </Show>
        </section>
    }
}
