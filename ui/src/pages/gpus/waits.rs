//! Why GPU pods wait, on the GPUs page: each pending GPU pod, and each workload whose GPU pods a
//! quota refuses, with its reasons in plain words, what would fix each, and what Kubernetes said.

use kubedesk_ipc::{GpuWaitReason, GpuWaitView, TableKind};
use leptos::prelude::*;

use crate::i18n::{I18n, Msg};
use crate::route::object_href;

/// A list of names as one phrase, or "—" when there is none.
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

/// A reason's sentence and what would fix it.
fn words(i18n: I18n, reason: &GpuWaitReason) -> (String, Option<String>) {
    match reason {
        GpuWaitReason::NoNodeHas { resource, offered } => (
            i18n.tf(Msg::ClusterGpusWhyNoNodeHas, &[("resource", resource)]),
            Some(i18n.tf(
                Msg::ClusterGpusFixNoNodeHas,
                &[("offered", &listed(offered)), ("resource", resource)],
            )),
        ),
        GpuWaitReason::NoSuchProduct { asked, products } => (
            i18n.tf(
                Msg::ClusterGpusWhyNoSuchProduct,
                &[("asked", &listed(asked))],
            ),
            Some(i18n.tf(
                Msg::ClusterGpusFixNoSuchProduct,
                &[("products", &listed(products))],
            )),
        ),
        GpuWaitReason::SelectorMatchesNothing { selector, resource } => (
            i18n.tf(
                Msg::ClusterGpusWhySelector,
                &[("selector", selector), ("resource", resource)],
            ),
            Some(i18n.t(Msg::ClusterGpusFixSelector).to_owned()),
        ),
        GpuWaitReason::Unavailable { nodes } => (
            i18n.tf(Msg::ClusterGpusWhyUnavailable, &[("nodes", &listed(nodes))]),
            Some(i18n.t(Msg::ClusterGpusFixUnavailable).to_owned()),
        ),
        GpuWaitReason::TaintNotTolerated { taint, nodes } => (
            i18n.tf(
                Msg::ClusterGpusWhyTaint,
                &[("taint", taint), ("nodes", &listed(nodes))],
            ),
            Some(i18n.tf(Msg::ClusterGpusFixTaint, &[("taint", taint)])),
        ),
        GpuWaitReason::MoreThanAnyNode {
            resource,
            asked,
            most,
        } => (
            i18n.tf(
                Msg::ClusterGpusWhyMoreThanAny,
                &[
                    ("asked", &asked.to_string()),
                    ("resource", resource),
                    ("most", &most.to_string()),
                ],
            ),
            Some(i18n.tf(
                Msg::ClusterGpusFixMoreThanAny,
                &[("most", &most.to_string())],
            )),
        ),
        GpuWaitReason::NotEnoughFree {
            resource,
            asked,
            free,
            holders,
        } => (
            i18n.tf(
                Msg::ClusterGpusWhyNotEnoughFree,
                &[
                    ("resource", resource),
                    ("asked", &asked.to_string()),
                    ("free", &free.to_string()),
                ],
            ),
            Some(if holders.is_empty() {
                i18n.t(Msg::ClusterGpusFixNotEnoughFreeNobody).to_owned()
            } else {
                i18n.tf(
                    Msg::ClusterGpusFixNotEnoughFree,
                    &[("holders", &listed(holders))],
                )
            }),
        ),
        GpuWaitReason::QuotaExceeded {
            quota,
            key,
            requested,
            used,
            limited,
        } => (
            i18n.tf(
                Msg::ClusterGpusWhyQuota,
                &[
                    ("quota", quota),
                    ("key", key),
                    ("used", used),
                    ("limited", limited),
                    ("requested", requested),
                ],
            ),
            Some(i18n.tf(Msg::ClusterGpusFixQuota, &[("key", key)])),
        ),
        GpuWaitReason::NotScheduledYet => (i18n.t(Msg::ClusterGpusWhyNotYet).to_owned(), None),
    }
}

/// The kind's table, where the window has one, for the link to the object.
fn table_kind(kind: &str) -> Option<TableKind> {
    match kind {
        "Pod" => Some(TableKind::Pods),
        "ReplicaSet" => Some(TableKind::ReplicaSets),
        "StatefulSet" => Some(TableKind::StatefulSets),
        "Job" => Some(TableKind::Jobs),
        "DaemonSet" => Some(TableKind::DaemonSets),
        "Deployment" => Some(TableKind::Deployments),
        "CronJob" => Some(TableKind::CronJobs),
        _ => None,
    }
}

/// A link to `kind` `name` in `namespace`, or its name where the window has no page for it.
fn object_link(kind: &str, namespace: &str, name: &str) -> AnyView {
    match table_kind(kind) {
        Some(table) => {
            view! { <a href=object_href(table, Some(namespace), name)>{name.to_owned()}</a> }
                .into_any()
        }
        None => name.to_owned().into_any(),
    }
}

/// One waiting pod or workload.
fn wait_card(i18n: I18n, wait: &GpuWaitView) -> impl IntoView {
    let asked = wait
        .asked
        .iter()
        .map(|(resource, amount)| format!("{resource}: {amount}"))
        .collect::<Vec<_>>()
        .join(", ");
    let title = if wait.kind == "Pod" {
        view! {
            <span>{wait.namespace.clone()} "/" {object_link("Pod", &wait.namespace, &wait.name)}</span>
        }
        .into_any()
    } else {
        let owner = wait
            .owner
            .clone()
            .unwrap_or_else(|| (wait.kind.clone(), wait.name.clone()));
        view! {
            <span>
                {wait.namespace.clone()} "/" {object_link(&owner.0, &wait.namespace, &owner.1)}
                " " <span class="pill pill--quiet">{owner.0.clone()}</span>
            </span>
        }
        .into_any()
    };
    let context = match (&wait.owner, wait.kind.as_str()) {
        (Some((kind, name)), "Pod") => {
            Some(i18n.tf(Msg::ClusterGpusWaitOwner, &[("kind", kind), ("name", name)]))
        }
        (_, "Pod") => None,
        _ => Some(i18n.tf(
            Msg::ClusterGpusWaitRefused,
            &[("kind", &wait.kind), ("name", &wait.name)],
        )),
    };
    let reasons = if wait.reasons.is_empty() {
        view! { <li class="gpu-wait__reason">{i18n.t(Msg::ClusterGpusWaitGpusFit)}</li> }.into_any()
    } else {
        wait.reasons
            .iter()
            .map(|reason| {
                let (why, fix) = words(i18n, reason);
                view! {
                    <li class="gpu-wait__reason">
                        <span class="gpu-wait__why">{why}</span>
                        {fix.map(|fix| view! { <span class="gpu-wait__fix">{fix}</span> })}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let said = wait
        .said
        .clone()
        .map(|said| view! { <p class="help gpu-wait__said">{i18n.tf(Msg::ClusterGpusWaitSaid, &[("said", &said)])}</p> });
    view! {
        <li class="card gpu-wait" data-wait=format!("{}/{}", wait.namespace, wait.name)>
            <h3 class="card__title">{title} " " <span class="help">{asked}</span></h3>
            {context.map(|context| view! { <p class="help">{context}</p> })}
            <ul class="gpu-wait__reasons">{reasons}</ul>
            {said}
        </li>
    }
}

/// The section's body: every wait, or that nothing waits.
pub fn waiting(i18n: I18n, waits: &[GpuWaitView]) -> impl IntoView {
    let body = if waits.is_empty() {
        view! { <p class="help" id="gpu-waits-none">{i18n.t(Msg::ClusterGpusWaitingNone)}</p> }
            .into_any()
    } else {
        let cards = waits
            .iter()
            .map(|wait| wait_card(i18n, wait))
            .collect_view();
        view! { <ul class="gpu-waits" id="gpu-waits">{cards}</ul> }.into_any()
    };
    view! {
        <h3 class="section__title">{i18n.t(Msg::ClusterGpusWaiting)}</h3>
        {body}
    }
}
