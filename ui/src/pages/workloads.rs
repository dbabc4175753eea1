//! The Workloads page: a live table of each workload kind (and nodes) in the selected cluster and
//! namespace.

use kubedesk_ipc::TableKind;
use leptos::prelude::*;

use crate::components::live_table::LiveTable;
use crate::i18n::{Msg, use_i18n};
use crate::state::Selection;

/// The kinds as tabs, and the live table of the one chosen.
#[component]
pub fn WorkloadsPage() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let kind = RwSignal::new(TableKind::Pods);
    let tabs = TableKind::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <button type="button" class="tab" class:is-active=move || kind.get() == choice
                    data-kind=format!("{choice:?}") on:click=move |_| kind.set(choice)>
                    {move || i18n.t(label(choice))}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="page page--fill" data-page="workloads">
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::WorkloadsTitle)}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::WorkloadsSubtitle)}</p>
            </header>
            <nav class="tabs" role="tablist">{tabs}</nav>
            {move || match selection.context.get() {
                None => view! { <div class="card">{i18n.t(Msg::TableNoCluster)}</div> }.into_any(),
                Some(_) => view! {
                    <LiveTable
                        context=Signal::derive(move || selection.context.get())
                        kind=kind.into()
                        namespace=Signal::derive(move || selection.namespace.get())
                    />
                }.into_any(),
            }}
        </section>
    }
}

fn label(kind: TableKind) -> Msg {
    match kind {
        TableKind::Pods => Msg::WorkloadsPods,
        TableKind::Deployments => Msg::WorkloadsDeployments,
        TableKind::StatefulSets => Msg::WorkloadsStatefulSets,
        TableKind::DaemonSets => Msg::WorkloadsDaemonSets,
        TableKind::ReplicaSets => Msg::WorkloadsReplicaSets,
        TableKind::Jobs => Msg::WorkloadsJobs,
        TableKind::CronJobs => Msg::WorkloadsCronJobs,
        TableKind::Nodes => Msg::WorkloadsNodes,
    }
}
