//! The Workloads page: a live table of each workload kind (and nodes) in the selected cluster and
//! namespace, and each object's detail page (`pages/object.rs`), as the URL says.

use kubedesk_ipc::TableKind;
use leptos::prelude::*;

use crate::components::live_table::ClusterTable;
use crate::components::yaml_editor::YamlEditor;
use crate::i18n::{Msg, use_i18n};
use crate::pages::object::ObjectPage;
use crate::pages::workload_form::WorkloadFormPage;
use crate::route::{
    CREATE_HREF, Hash, NEW_WORKLOAD_HREF, WorkloadsView, table_href, workloads_view,
};
use crate::state::Selection;

/// The kinds as tabs and the live table of the one chosen, or one object's page.
#[component]
pub fn WorkloadsPage() -> impl IntoView {
    let Hash(hash) = expect_context();
    let view = Memo::new(move |_| workloads_view(&hash.get()));
    // The tables stay while only their kind changes, so the filter stays with them.
    let kind = Memo::new(move |_| match view.get() {
        WorkloadsView::Table(kind) => Some(kind),
        WorkloadsView::Object { .. } | WorkloadsView::Create | WorkloadsView::New => None,
    });
    let tables = Memo::new(move |_| kind.get().is_some());
    let other = Memo::new(move |_| match view.get() {
        WorkloadsView::Table(_) => None,
        other => Some(other),
    });
    move || {
        if tables.get() {
            let kind = Signal::derive(move || kind.get().unwrap_or_default());
            return view! { <KindTables kind /> }.into_any();
        }
        match other.get() {
            Some(WorkloadsView::Object {
                kind,
                namespace,
                name,
            }) => view! { <ObjectPage kind=kind.into() namespace name /> }.into_any(),
            Some(WorkloadsView::Create) => view! { <CreatePage /> }.into_any(),
            Some(WorkloadsView::New) => view! { <WorkloadFormPage /> }.into_any(),
            _ => ().into_any(),
        }
    }
}

/// Objects created from YAML, in the selected cluster.
#[component]
fn CreatePage() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let done = RwSignal::new(None::<String>);
    let namespace_shown = move || {
        selection
            .namespace
            .get()
            .unwrap_or_else(|| "default".to_owned())
    };
    view! {
        <section class="page" data-page="create">
            <a class="back-link" href=table_href(TableKind::Pods)>{move || i18n.t(Msg::WorkloadsTitle)}</a>
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::YamlCreateTitle)}</h1>
                <p class="page__subtitle">{move || i18n.tf(Msg::YamlCreateSubtitle, &[("namespace", &namespace_shown())])}</p>
            </header>
            {move || done.get().map(|done| view! { <div class="banner banner--info" id="create-outcome" role="status">{done}</div> })}
            {move || selection.context.get().map(|context| view! {
                <div class="card">
                    <YamlEditor context namespace=selection.namespace.get() initial=TEMPLATE.to_owned()
                        apply_label=Msg::YamlCreate on_done=Callback::new(move |summary| done.set(Some(summary))) />
                </div>
            })}
        </section>
    }
}

/// What the create page starts with.
const TEMPLATE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example\ndata:\n  key: value\n";

#[component]
fn KindTables(kind: Signal<TableKind>) -> impl IntoView {
    let i18n = use_i18n();
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
            <header class="page__header page__header--actions">
                <div>
                    <h1 class="page__title">{move || i18n.t(Msg::WorkloadsTitle)}</h1>
                    <p class="page__subtitle">{move || i18n.t(Msg::WorkloadsSubtitle)}</p>
                </div>
                <div class="page__actions">
                    <a class="button button--primary" id="new-workload" href=NEW_WORKLOAD_HREF>{move || i18n.t(Msg::WorkloadFormOpen)}</a>
                    <a class="button" id="create-from-yaml" href=CREATE_HREF>{move || i18n.t(Msg::YamlCreateOpen)}</a>
                </div>
            </header>
            <nav class="tabs" role="tablist">{tabs}</nav>
            <ClusterTable kind=Signal::derive(move || kind.get().into()) />
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
