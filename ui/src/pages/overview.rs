//! The Overview page: the selected cluster at a glance — its nodes and what they offer, how many
//! namespaces, workloads and pods it has, and its latest warnings. What the user may not list says
//! so instead of failing the page.

use kubedesk_ipc::{
    ClusterHealth, ClusterOverview, GetClusterOverview, NodeInfo, OfflineSince, WarningEvent,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

mod access;
mod control_plane;

use access::AccessCard;
use control_plane::ControlPlaneCard;

use crate::components::table::TableHead;
use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::state::{Healths, Loadable, Selection, for_selection};

/// The selected context's overview, read again when the context changes.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let overview = for_selection(selection, |context, namespace| GetClusterOverview {
        context,
        namespace,
    });
    live_again(selection, overview);
    let title = move || {
        let context = selection.context.get().unwrap_or_default();
        i18n.tf(Msg::OverviewTitle, &[("context", &context)])
    };
    view! {
        <section class="page" data-page="overview">
            <header class="page__header">
                <h1 class="page__title">{title}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::OverviewSubtitle)}</p>
            </header>
            {move || match overview.get() {
                Loadable::Loading => view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any(),
                Loadable::Failed(error) => view! {
                    <div class="banner banner--error" role="alert" id="overview-error">{error.to_string()}</div>
                }.into_any(),
                Loadable::Ready(overview) => view! { <OverviewView overview /> }.into_any(),
            }}
        </section>
    }
}

/// An overview shown as last seen (its cluster slow to answer, or not answering) is asked again
/// once the Clusters page finds its cluster ready: it turns live. Once per overview asked, so
/// that a cluster that stays slow is not asked in a loop.
fn live_again(selection: Selection, overview: RwSignal<Loadable<ClusterOverview>>) {
    let healths: Healths = expect_context();
    let asked_again = StoredValue::new(None::<String>);
    Effect::new(move || {
        let Some(context) = selection.context.get() else {
            return;
        };
        // A new overview asked (another context or namespace) may be asked again in turn.
        if overview.with(|overview| matches!(overview, Loadable::Loading)) {
            asked_again.set_value(None);
            return;
        }
        let ready = healths.states.with(|states| {
            matches!(
                states.get(&context),
                Some(Loadable::Ready(ClusterHealth::Ready { .. }))
            )
        });
        let last_seen = overview.with(|overview| {
            matches!(
                overview,
                Loadable::Ready(ClusterOverview {
                    offline: Some(OfflineSince {
                        read_only: None,
                        ..
                    }),
                    ..
                })
            )
        });
        if !ready || !last_seen || asked_again.get_value().as_deref() == Some(context.as_str()) {
            return;
        }
        asked_again.set_value(Some(context.clone()));
        let namespace = selection.namespace.get_untracked();
        spawn_local(async move {
            let answer = ipc::call(&GetClusterOverview {
                context: context.clone(),
                namespace,
            })
            .await;
            if let Ok(answer) = answer
                && selection.context.get_untracked().as_deref() == Some(context.as_str())
            {
                overview.set(Loadable::Ready(answer));
            }
        });
    });
}

#[component]
fn OverviewView(overview: ClusterOverview) -> impl IntoView {
    let i18n = use_i18n();
    let hidden = move || i18n.t(Msg::OverviewHidden).to_owned();
    let nodes = overview.nodes.clone();
    let node_figure = {
        let nodes = nodes.clone();
        move || match &nodes {
            Some(nodes) => i18n.tf(
                Msg::HealthNodesReady,
                &[
                    (
                        "ready",
                        &nodes.iter().filter(|node| node.ready).count().to_string(),
                    ),
                    ("count", &nodes.len().to_string()),
                ],
            ),
            None => hidden(),
        }
    };
    let sum = |pick: fn(&NodeInfo) -> f64| {
        overview
            .nodes
            .as_ref()
            .map(|nodes| nodes.iter().map(pick).sum::<f64>())
    };
    let (cpu, memory, gpus) = (
        sum(|node| node.allocatable.cpu_cores),
        sum(|node| node.allocatable.memory_bytes),
        sum(|node| node.allocatable.gpus),
    );
    let capacity = move || match (cpu, memory, gpus) {
        (Some(cpu), Some(memory), Some(gpus)) => i18n.tf(
            Msg::OverviewCapacityFigure,
            &[
                ("cpu", &format::cores(cpu)),
                ("memory", &format::bytes(memory)),
                ("gpus", &format::count(gpus)),
            ],
        ),
        _ => hidden(),
    };
    let namespaces = overview.namespaces;
    let pods = overview.pods;
    let pods_figure = move || match pods {
        Some(pods) => i18n.tf(
            Msg::OverviewPodsFigure,
            &[
                ("total", &pods.total.to_string()),
                ("pending", &pods.pending.to_string()),
                ("failed", &pods.failed.to_string()),
            ],
        ),
        None => hidden(),
    };
    let workloads = overview
        .workloads
        .iter()
        .map(|workload| {
            let label = kind_label(&workload.kind);
            let count = workload.count;
            view! {
                <li class="figure-list__item" data-kind=workload.kind.clone()>
                    <span class="figure-list__name">{move || i18n.t(label)}</span>
                    <span class="figure-list__value">{move || count.map_or_else(hidden, |count| count.to_string())}</span>
                </li>
            }
        })
        .collect_view();
    let scoped = overview.scoped_to.clone().map(|namespace| {
        view! {
            <div class="banner banner--info" id="overview-scoped">
                {move || i18n.tf(Msg::OverviewScoped, &[("namespace", &namespace)])}
            </div>
        }
    });
    let forbidden = overview.namespace_forbidden.clone().map(|detail| {
        view! {
            <div class="banner banner--warning" role="status" id="overview-namespace-forbidden">
                {move || i18n.tf(Msg::OverviewNamespaceForbidden, &[("detail", &detail)])}
            </div>
        }
    });
    let offline = overview.offline.clone().map(|offline| {
        let line = move || match &offline.read_only {
            Some(source) => crate::components::read_only::as_of(
                i18n,
                Msg::ReadOnlyOverview,
                &offline.as_of,
                source,
                &[],
            ),
            None => {
                let now = (js_sys::Date::now() / 1000.0) as i64;
                let (time, age) = crate::format::last_seen(&offline.as_of, now);
                i18n.tf(
                    Msg::OverviewOffline,
                    &[
                        ("time", &time),
                        ("age", &age),
                        ("message", &offline.message),
                    ],
                )
            }
        };
        view! {
            <div class="banner banner--warning" role="status" id="overview-offline">{line}</div>
        }
    });
    view! {
        {offline}
        {scoped}
        {forbidden}
        <div class="figures">
            <div class="card figure" id="figure-nodes">
                <div class="figure__label">{move || i18n.t(Msg::OverviewNodes)}</div>
                <div class="figure__value">{node_figure}</div>
            </div>
            <div class="card figure" id="figure-capacity">
                <div class="figure__label">{move || i18n.t(Msg::OverviewCapacity)}</div>
                <div class="figure__value">{capacity}</div>
            </div>
            <div class="card figure" id="figure-namespaces">
                <div class="figure__label">{move || i18n.t(Msg::OverviewNamespaces)}</div>
                <div class="figure__value">{move || namespaces.map_or_else(hidden, |count| count.to_string())}</div>
            </div>
            <div class="card figure" id="figure-pods">
                <div class="figure__label">{move || i18n.t(Msg::OverviewPods)}</div>
                <div class="figure__value">{pods_figure}</div>
            </div>
        </div>
        <div class="card" id="overview-workloads">
            <h2 class="card__title">{move || i18n.t(Msg::OverviewWorkloads)}</h2>
            <ul class="figure-list">{workloads}</ul>
        </div>
        <AccessCard />
        <NodesCard nodes=overview.nodes.clone() />
        <ControlPlaneCard plane=overview.control_plane.clone() />
        <WarningsCard warnings=overview.warnings.clone() />
    }
}

fn kind_label(kind: &str) -> Msg {
    match kind {
        "Deployment" => Msg::OverviewDeployments,
        "StatefulSet" => Msg::OverviewStatefulSets,
        "DaemonSet" => Msg::OverviewDaemonSets,
        "Job" => Msg::OverviewJobs,
        _ => Msg::OverviewCronJobs,
    }
}

#[component]
fn NodesCard(nodes: Option<Vec<NodeInfo>>) -> impl IntoView {
    let i18n = use_i18n();
    let body = match nodes {
        None => view! { <p class="card__intro">{move || i18n.t(Msg::OverviewNodesHidden)}</p> }
            .into_any(),
        Some(nodes) => {
            let rows = nodes
                .into_iter()
                .map(|node| {
                    // Words follow the language: worked out in the view, not once.
                    let state = {
                        let node = node.clone();
                        move || node_state(i18n, &node)
                    };
                    view! {
                        <tr data-node=node.name.clone()>
                            <td class="cell--strong">{node.name.clone()}</td>
                            <td>{state}</td>
                            <td>{node.roles.join(", ")}</td>
                            <td class="cell--mono">{node.version.clone()}</td>
                            <td class="cell--number">{format::cores(node.allocatable.cpu_cores)}</td>
                            <td class="cell--number">{format::bytes(node.allocatable.memory_bytes)}</td>
                            <td class="cell--number">{format::count(node.allocatable.gpus)}</td>
                            <td class="cell--mono">{node.gpu_model.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table" id="nodes-table">
                    <TableHead columns=&[Msg::OverviewColNode, Msg::ClustersColStatus, Msg::OverviewColRoles, Msg::ClustersColVersion, Msg::ClustersColCpu, Msg::ClustersColMemory, Msg::ClustersColGpus, Msg::OverviewColGpuModel] />
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <div class="card card--table" id="overview-nodes">
            <h2 class="card__title card__title--padded">{move || i18n.t(Msg::OverviewNodes)}</h2>
            {body}
        </div>
    }
}

/// `3m ago`, or the time itself when it does not parse.
fn ago(i18n: I18n, time: &str) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    format::age(time, now).map_or_else(
        || time.to_owned(),
        |age| i18n.tf(Msg::OverviewAgo, &[("age", &age)]),
    )
}

fn node_state(i18n: I18n, node: &NodeInfo) -> String {
    let mut state = i18n
        .t(if node.ready {
            Msg::OverviewNodeReady
        } else {
            Msg::OverviewNodeNotReady
        })
        .to_owned();
    if node.unschedulable {
        state.push_str(", ");
        state.push_str(i18n.t(Msg::OverviewNodeCordoned));
    }
    state
}

#[component]
fn WarningsCard(warnings: Option<Vec<WarningEvent>>) -> impl IntoView {
    let i18n = use_i18n();
    let body = match warnings {
        None => view! { <p class="card__intro">{move || i18n.t(Msg::OverviewWarningsHidden)}</p> }
            .into_any(),
        Some(warnings) if warnings.is_empty() => {
            view! { <p class="card__intro">{move || i18n.t(Msg::OverviewNoWarnings)}</p> }
                .into_any()
        }
        Some(warnings) => {
            let rows = warnings
                .into_iter()
                .map(|warning| {
                    view! {
                        <tr class="warning-row">
                            <td class="cell--muted" title=warning.last_seen.clone()>{
                                let last_seen = warning.last_seen.clone();
                                move || ago(i18n, &last_seen)
                            }</td>
                            <td>{warning.object.clone()}</td>
                            <td class="cell--strong">{warning.reason.clone()}</td>
                            <td class="cell--wrap">{warning.message.clone()}</td>
                            <td class="cell--number">{warning.count}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table" id="warnings-table">
                    <TableHead columns=&[Msg::OverviewColLastSeen, Msg::OverviewColObject, Msg::OverviewColReason, Msg::OverviewColMessage, Msg::OverviewColCount] />
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <div class="card card--table" id="overview-warnings">
            <h2 class="card__title card__title--padded">{move || i18n.t(Msg::OverviewWarnings)}</h2>
            {body}
        </div>
    }
}
