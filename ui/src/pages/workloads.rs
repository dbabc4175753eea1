//! The Workloads page: a live table of each workload kind (and nodes) in the selected cluster and
//! namespace, and each object's detail page (`pages/object.rs`), as the URL says.

use kubedesk_ipc::TableKind;
use leptos::prelude::*;

use crate::components::live_table::LiveTable;
use crate::i18n::{Msg, use_i18n};
use crate::pages::object::ObjectPage;
use crate::route::{Hash, WorkloadsView, table_href, workloads_view};
use crate::state::Selection;

/// The kinds as tabs and the live table of the one chosen, or one object's page.
#[component]
pub fn WorkloadsPage() -> impl IntoView {
    let Hash(hash) = expect_context();
    let view = Memo::new(move |_| workloads_view(&hash.get()));
    // The tables stay while only their kind changes, so the filter stays with them.
    let kind = Memo::new(move |_| match view.get() {
        WorkloadsView::Table(kind) => Some(kind),
        WorkloadsView::Object { .. } => None,
    });
    let tables = Memo::new(move |_| kind.get().is_some());
    let object = Memo::new(move |_| match view.get() {
        WorkloadsView::Object {
            kind,
            namespace,
            name,
        } => Some((kind, namespace, name)),
        WorkloadsView::Table(_) => None,
    });
    move || {
        if tables.get() {
            let kind = Signal::derive(move || kind.get().unwrap_or_default());
            view! { <KindTables kind /> }.into_any()
        } else {
            object
                .get()
                .map(|(kind, namespace, name)| view! { <ObjectPage kind namespace name /> })
                .into_any()
        }
    }
}

#[component]
fn KindTables(kind: Signal<TableKind>) -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let tabs = TableKind::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <a class="tab" class:is-active=move || choice == kind.get() href=table_href(choice)
                    data-kind=format!("{choice:?}") role="tab" aria-selected=move || (choice == kind.get()).to_string()>
                    {move || i18n.t(kind_label(choice))}
                </a>
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
                        kind
                        namespace=Signal::derive(move || selection.namespace.get())
                    />
                }.into_any(),
            }}
        </section>
    }
}

/// A kind's name, plural, as the tabs show it.
pub fn kind_label(kind: TableKind) -> Msg {
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
