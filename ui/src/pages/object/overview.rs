//! An object's overview: its facts and owners, its conditions, its containers, what it owns or
//! runs (as rows linking to their pages), and its labels and annotations.

use std::collections::BTreeMap;

use kubedesk_ipc::{ObjectContainer, ObjectDescription, RelatedRows, TableKind};
use leptos::prelude::*;

use crate::components::live_table::{cell_text, column_label};
use crate::components::table::TableHead;
use crate::i18n::{Msg, use_i18n};
use crate::pages::workloads::kind_label;
use crate::route::object_href;

/// The overview of `description` (an object in `namespace`), with the `related` objects.
#[component]
pub fn Overview(
    description: ObjectDescription,
    namespace: Option<String>,
    related: Vec<RelatedRows>,
) -> impl IntoView {
    let i18n = use_i18n();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let facts = description
        .facts
        .iter()
        .map(|fact| {
            let name = fact.name.clone();
            let value = cell_text(&fact.value, now);
            view! {
                <div class="figure-list__item" data-fact=fact.name.clone()>
                    <span class="figure-list__name">{move || column_label(i18n, &name)}</span>
                    <span class="figure-list__value">{value}</span>
                </div>
            }
        })
        .collect_view();
    let owners = (!description.owners.is_empty()).then(|| {
        let links = description
            .owners
            .iter()
            .map(|owner| {
                let label = format!("{} {}", owner.kind, owner.name);
                match owner.table {
                    // Owners live in the object's namespace, or are cluster-scoped as nodes are.
                    Some(kind) => view! {
                        <a class="tag" href=object_href(kind, namespace.as_deref().filter(|_| kind != TableKind::Nodes), &owner.name)>{label}</a>
                    }
                    .into_any(),
                    None => view! { <span class="tag">{label}</span> }.into_any(),
                }
            })
            .collect_view();
        view! {
            <div class="figure-list__item" id="object-owners">
                <span class="figure-list__name">{move || i18n.t(Msg::ObjectOwners)}</span>
                <span class="figure-list__value">{links}</span>
            </div>
        }
    });
    let conditions = (!description.conditions.is_empty()).then(|| {
        let rows = description
            .conditions
            .iter()
            .map(|condition| {
                let good = healthy(&condition.kind, &condition.status);
                let changed = match &condition.last_transition {
                    Some(_) => cell_text(
                        &kubedesk_ipc::TableCell::Time(condition.last_transition.clone()),
                        now,
                    ),
                    None => "—".to_owned(),
                };
                view! {
                    <tr>
                        <td class="cell--strong">{condition.kind.clone()}</td>
                        <td><span class="status" class:status--success=good class:status--warning=!good>{condition.status.clone()}</span></td>
                        <td>{condition.reason.clone()}</td>
                        <td>{condition.message.clone()}</td>
                        <td class="cell--muted">{changed}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="card card--table">
                <h2 class="card__title card__title--padded">{move || i18n.t(Msg::ObjectConditions)}</h2>
                <table class="table" id="object-conditions">
                    <TableHead columns=&[
                        Msg::ObjectConditionType, Msg::ObjectConditionStatus, Msg::ObjectConditionReason,
                        Msg::ObjectConditionMessage, Msg::ObjectConditionChanged,
                    ] />
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let containers = (!description.containers.is_empty()).then(|| {
        let cards = description
            .containers
            .iter()
            .cloned()
            .map(|container| view! { <ContainerCard container /> })
            .collect_view();
        view! {
            <h2 class="section-title">{move || i18n.t(Msg::ObjectContainers)}</h2>
            <div class="containers" id="object-containers">{cards}</div>
        }
    });
    let related = related
        .into_iter()
        .map(|group| view! { <RelatedCard group /> })
        .collect_view();
    view! {
        <div class="card">
            <h2 class="card__title">{move || i18n.t(Msg::ObjectFacts)}</h2>
            <div class="figure-list" id="object-facts">{facts}{owners}</div>
        </div>
        {conditions}
        {containers}
        {related}
        <div class="card">
            <h2 class="card__title">{move || i18n.t(Msg::ObjectLabels)}</h2>
            <Pairs pairs=description.labels id="object-labels" />
            <h2 class="card__title">{move || i18n.t(Msg::ObjectAnnotations)}</h2>
            <Pairs pairs=description.annotations id="object-annotations" />
        </div>
    }
}

/// Whether a condition's status is the healthy one: `True` for most, `False` for those that
/// report a problem (a node's pressures, a ReplicaSet's failure, a failed Job).
fn healthy(kind: &str, status: &str) -> bool {
    let problem = matches!(
        kind,
        "MemoryPressure"
            | "DiskPressure"
            | "PIDPressure"
            | "NetworkUnavailable"
            | "ReplicaFailure"
            | "Failed"
    );
    status == if problem { "False" } else { "True" }
}

/// Key-value pairs as tags; "None" when there are none.
#[component]
fn Pairs(pairs: BTreeMap<String, String>, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    if pairs.is_empty() {
        return view! { <p class="card__intro" id=id>{move || i18n.t(Msg::ObjectNone)}</p> }
            .into_any();
    }
    let tags = pairs
        .into_iter()
        .map(|(key, value)| view! { <span class="tag tag--pair">{format!("{key}={value}")}</span> })
        .collect_view();
    view! { <div class="pairs" id=id>{tags}</div> }.into_any()
}

/// One container: image, state, ports, resources, probes.
#[component]
fn ContainerCard(container: ObjectContainer) -> impl IntoView {
    let i18n = use_i18n();
    let resources = |amounts: &BTreeMap<String, String>| {
        if amounts.is_empty() {
            return "—".to_owned();
        }
        amounts
            .iter()
            .map(|(resource, amount)| format!("{resource}: {amount}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let line = |label: Msg, value: String| {
        view! {
            <div class="figure-list__item">
                <span class="figure-list__name">{move || i18n.t(label)}</span>
                <span class="figure-list__value cell--mono">{value}</span>
            </div>
        }
    };
    let state = container.state.clone().map(|state| {
        let ready = container.ready == Some(true);
        let restarts = container.restarts.unwrap_or(0);
        view! {
            <div class="figure-list__item">
                <span class="figure-list__name">{move || i18n.t(Msg::ObjectState)}</span>
                <span class="figure-list__value">
                    <span class="status" class:status--success=ready class:status--warning=!ready>{state}</span>
                    " · "{move || column_label(i18n, "Restarts")}": "{restarts}
                </span>
            </div>
        }
    });
    let probes = container
        .probes
        .iter()
        .map(|(kind, how)| format!("{kind}: {how}"))
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <div class="card container-card" data-container=container.name.clone()>
            <h3 class="card__title">
                {container.name.clone()}
                {container.init.then(|| view! { <span class="tag">{move || i18n.t(Msg::ObjectInit)}</span> })}
            </h3>
            <div class="figure-list">
                {line(Msg::ObjectImage, container.image.clone())}
                {state}
                {(!container.ports.is_empty()).then(|| line(Msg::ObjectPorts, container.ports.join(", ")))}
                {line(Msg::ObjectRequests, resources(&container.requests))}
                {line(Msg::ObjectLimits, resources(&container.limits))}
                {(!probes.is_empty()).then(|| line(Msg::ObjectProbes, probes))}
            </div>
        </div>
    }
}

/// The objects of one kind the object owns or runs, as rows that link to their pages.
#[component]
fn RelatedCard(group: RelatedRows) -> impl IntoView {
    let i18n = use_i18n();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let kind = group.kind;
    let count = group.rows.len().to_string();
    let heading = move || format!("{} ({count})", i18n.t(kind_label(kind)));
    if group.rows.is_empty() {
        return view! {
            <div class="card" data-related=format!("{kind:?}")>
                <h2 class="card__title">{heading}</h2>
                <p class="card__intro">{move || i18n.t(Msg::ObjectRelatedNone)}</p>
            </div>
        }
        .into_any();
    }
    let columns = group.columns.clone();
    let head = std::iter::once(i18n.t(Msg::TableName).to_owned())
        .chain(columns.iter().map(|column| column_label(i18n, column)))
        .map(|name| view! { <th>{name}</th> })
        .collect_view();
    let rows = group
        .rows
        .into_iter()
        .map(|row| {
            let href = object_href(kind, row.namespace.as_deref(), &row.name);
            let cells = row
                .cells
                .iter()
                .map(|cell| view! { <td>{cell_text(cell, now)}</td> })
                .collect_view();
            view! {
                <tr data-row=row.key.clone()>
                    <td class="cell--strong"><a href=href>{row.name.clone()}</a></td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card card--table" data-related=format!("{kind:?}")>
            <h2 class="card__title card__title--padded">{heading}</h2>
            <table class="table">
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
