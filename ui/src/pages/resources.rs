//! API resources: every resource the selected cluster serves, custom resources included; each one's
//! live table with the columns the server prints for it, and each object's page, as the URL says.

use kubedesk_ipc::{ListResources, ObjectKind, ResourceName, ServedResource};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::live_table::ClusterTable;
use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::pages::object::ObjectPage;
use crate::route::{Area, Hash, ResourcesView, resources_view, table_href};
use crate::state::Selection;

/// The list, a resource's table or an object's page.
#[component]
pub fn ResourcesPage() -> impl IntoView {
    let Hash(hash) = expect_context();
    let view = Memo::new(move |_| resources_view(&hash.get()));
    move || match view.get() {
        ResourcesView::List => view! { <ResourceList /> }.into_any(),
        ResourcesView::Table(resource) => view! { <ResourceTable resource /> }.into_any(),
        ResourcesView::Object {
            resource,
            namespace,
            name,
        } => view! { <ObjectPage kind=ObjectKind::Resource(resource) namespace name /> }.into_any(),
    }
}

/// What the cluster serves, as rows that open each resource's table.
#[component]
fn ResourceList() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let served = RwSignal::new(None::<Result<Vec<ServedResource>, String>>);
    let filter = RwSignal::new(String::new());
    Effect::new(move || {
        let Some(context) = selection.context.get() else {
            return;
        };
        served.set(None);
        spawn_local(async move {
            let answer = ipc::call(&ListResources { context }).await;
            served.set(Some(answer.map_err(|error| error.to_string())));
        });
    });
    let rows = move || {
        let words: Vec<String> = filter
            .get()
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let Some(Ok(served)) = served.get() else {
            return ().into_any();
        };
        let shown: Vec<ServedResource> = served
            .into_iter()
            .filter(|resource| {
                let text = format!(
                    "{} {} {}",
                    resource.kind, resource.name.plural, resource.name.group
                )
                .to_lowercase();
                words.iter().all(|word| text.contains(word.as_str()))
            })
            .collect();
        if shown.is_empty() {
            return view! { <tr><td colspan="5" class="cell--muted">{move || i18n.t(Msg::ResourcesNone)}</td></tr> }
                .into_any();
        }
        shown
            .into_iter()
            .map(|resource| {
                // A kind with pages of its own opens them.
                let href = match resource.table {
                    Some(kind) => table_href(kind),
                    None => table_href(ObjectKind::Resource(resource.name.clone())),
                };
                let group = resource.name.group.clone();
                let namespaced = resource.namespaced;
                let key = format!("{}.{}", resource.name.plural, resource.name.group);
                view! {
                    <tr data-resource=key>
                        <td class="cell--strong"><a href=href>{resource.kind}</a></td>
                        <td>{resource.name.plural}</td>
                        <td class="cell--muted">{move || if group.is_empty() { i18n.t(Msg::ResourcesCore).to_owned() } else { group.clone() }}</td>
                        <td class="cell--muted">{resource.name.version}</td>
                        <td class="cell--muted">{move || i18n.t(if namespaced { Msg::ResourcesNamespaced } else { Msg::ResourcesClusterScoped })}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    let status = move || match served.get() {
        None => i18n.t(Msg::ResourcesLoading).to_owned(),
        Some(Err(error)) => error,
        Some(Ok(served)) => i18n.tf(Msg::ResourcesCount, &[("count", &served.len().to_string())]),
    };
    view! {
        <section class="page" data-page="resources">
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::ResourcesTitle)}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::ResourcesSubtitle)}</p>
            </header>
            {move || match selection.context.get() {
                None => view! { <div class="card">{i18n.t(Msg::TableNoCluster)}</div> }.into_any(),
                Some(_) => view! {
                    <div class="live-table-tools">
                        <label class="field field--inline">
                            <span class="field__label">{move || i18n.t(Msg::TableFilter)}</span>
                            <input id="resources-filter" class="input" type="search" placeholder=move || i18n.t(Msg::ResourcesFilter)
                                on:input=move |event| filter.set(event_target_value(&event)) />
                        </label>
                        <span class="live-table__status" id="resources-status" role="status">{status}</span>
                    </div>
                    <div class="card card--table">
                        <table class="table" id="resources">
                            <crate::components::table::TableHead columns=&[
                                Msg::ResourcesKind, Msg::ResourcesName, Msg::ResourcesGroup,
                                Msg::ResourcesVersion, Msg::ResourcesScope,
                            ] />
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// One resource's live table, in the selected cluster and namespace or in all clusters.
#[component]
fn ResourceTable(resource: ResourceName) -> impl IntoView {
    let i18n = use_i18n();
    let title = match resource.group.as_str() {
        "" => resource.plural.clone(),
        group => format!("{}.{group}", resource.plural),
    };
    let (group, version) = (resource.group.clone(), resource.version.clone());
    let subtitle = move || {
        let group = if group.is_empty() {
            i18n.t(Msg::ResourcesCore).to_owned()
        } else {
            group.clone()
        };
        i18n.tf(
            Msg::ResourcesTableSubtitle,
            &[("group", &group), ("version", &version)],
        )
    };
    let kind = Signal::stored(ObjectKind::Resource(resource));
    view! {
        <section class="page page--fill" data-page="resource-table">
            <a class="back-link" id="resources-back" href=Area::Resources.href()>{move || i18n.t(Msg::ResourcesBack)}</a>
            <header class="page__header">
                <h1 class="page__title" id="resource-title">{title}</h1>
                <p class="page__subtitle">{subtitle}</p>
            </header>
            <ClusterTable kind />
        </section>
    }
}
