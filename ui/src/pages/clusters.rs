//! The Clusters page: the kubeconfig's contexts and what is wrong with it.

use kubedesk_ipc::{
    CloseSnapshot, ClusterHealth, ContextList, KubeconfigProblem, ProblemKind, ReadOnlyCluster,
    ReadOnlySource,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::empty_state::EmptyState;
use crate::components::health::HealthBadge;
use crate::components::icon::{Icon, IconName};
use crate::components::read_only;
use crate::components::sign_in::SignInControl;
use crate::components::table::TableHead;
use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::route::Area;
use crate::state::{Contexts, Healths, Loadable, Selection, load_contexts};

/// The contexts of the kubeconfig as a table, with its problems above.
#[component]
pub fn ClustersPage() -> impl IntoView {
    let i18n = use_i18n();
    let Contexts(contexts) = expect_context();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let reload = move |_| {
        contexts.set(Loadable::Loading);
        spawn_local(load_contexts(Contexts(contexts), selection, healths));
    };
    view! {
        <section class="page" data-page="clusters">
            <header class="page__header page__header--actions">
                <div>
                    <h1 class="page__title">{move || i18n.t(Msg::ClustersTitle)}</h1>
                    <p class="page__subtitle">{move || i18n.t(Msg::ClustersSubtitle)}</p>
                </div>
                <button type="button" class="button" id="reload-contexts" on:click=reload>
                    <Icon name=IconName::RefreshCw />
                    {move || i18n.t(Msg::AppReload)}
                </button>
            </header>
            {move || match contexts.get() {
                Loadable::Loading => view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any(),
                Loadable::Failed(error) => {
                    view! {
                        <div class="banner banner--error" role="alert">
                            {i18n.tf(Msg::ErrorContextsNotLoaded, &[("message", &error.to_string())])}
                        </div>
                    }
                        .into_any()
                }
                Loadable::Ready(list) => view! { <ContextsView list /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ContextsView(list: ContextList) -> impl IntoView {
    let i18n = use_i18n();
    let problems = (!list.problems.is_empty())
        .then(|| view! { <ProblemsCard problems=list.problems.clone() /> });
    let files = (!list.files.is_empty()).then(|| {
        let files = list.files.join(", ");
        view! {
            <p class="page__footnote" id="kubeconfig-files">
                {move || i18n.tf(Msg::ClustersFiles, &[("files", &files)])}
            </p>
        }
    });
    let table = if list.contexts.is_empty() {
        view! {
            <div class="card">
                <EmptyState
                    icon=IconName::FileText
                    title=Signal::derive(move || i18n.t(Msg::ClustersEmptyTitle).to_owned())
                    body=Signal::derive(move || i18n.t(Msg::ClustersEmptyBody).to_owned())
                />
            </div>
        }
        .into_any()
    } else {
        view! { <ContextsTable list=list.clone() /> }.into_any()
    };
    let keyring = list.keyring_unavailable.clone().map(|detail| {
        view! { <KeyringBanner detail /> }
    });
    let read_only = (!list.read_only.is_empty()).then(|| {
        view! { <ReadOnlyCard clusters=list.read_only.clone() /> }
    });
    view! {
        {problems}
        {keyring}
        {table}
        {read_only}
        {files}
    }
}

/// Says that a context's cluster is kept, and since when: its pages open at once as then.
#[component]
fn KeptTag(as_of: String) -> impl IntoView {
    let i18n = use_i18n();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let (time, age) = format::last_seen(&as_of, now);
    let help = {
        let time = time.clone();
        move || i18n.tf(Msg::ClustersKeptHelp, &[("time", &time), ("age", &age)])
    };
    view! {
        <span class="tag tag--muted" data-kept title=help>
            {move || i18n.tf(Msg::ClustersKept, &[("time", &time)])}
        </span>
    }
}

/// The read-only clusters: each browsed at a click, a snapshot closed at another.
#[component]
fn ReadOnlyCard(clusters: Vec<ReadOnlyCluster>) -> impl IntoView {
    let i18n = use_i18n();
    let contexts: Contexts = expect_context();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let failure = RwSignal::new(None::<String>);
    let rows = clusters
        .into_iter()
        .map(|cluster| {
            let name = cluster.name.clone();
            let selected = {
                let name = name.clone();
                move || selection.context.get().as_deref() == Some(name.as_str())
            };
            // Selects it and opens its overview.
            let browse = {
                let name = name.clone();
                move |_| selection.choose_context(contexts, name.clone())
            };
            let close = matches!(cluster.source, ReadOnlySource::Snapshot { .. }).then(|| {
                let name = name.clone();
                view! {
                    <button type="button" class="button button--small" data-close=name.clone()
                        on:click=move |_| {
                            let name = name.clone();
                            spawn_local(async move {
                                match ipc::call(&CloseSnapshot { name }).await {
                                    Ok(()) => load_contexts(contexts, selection, healths).await,
                                    Err(error) => failure.set(Some(error.to_string())),
                                }
                            });
                        }>
                        {move || i18n.t(Msg::ClustersReadOnlyClose)}
                    </button>
                }
            });
            let source = cluster.source.clone();
            let file = match &cluster.source {
                ReadOnlySource::Snapshot { file, .. } => Some(file.clone()),
                ReadOnlySource::Removed { .. } => None,
            };
            let as_of = cluster.as_of.clone();
            view! {
                <tr class:is-selected=selected data-read-only=name.clone()>
                    <td class="cell--strong">{name.clone()}</td>
                    <td class="cell--wrap" title=file>{move || read_only::source(i18n, &source)}</td>
                    <td>{move || match &as_of {
                        Some(as_of) => i18n.tf(Msg::ClustersReadOnlyAsOf, &[("time", &format::last_seen(as_of, 0).0)]),
                        None => i18n.t(Msg::ClustersReadOnlyNothingKept).to_owned(),
                    }}</td>
                    <td class="offline-data__buttons">
                        <a class="button button--small" data-browse=name.clone() href=Area::Overview.href() on:click=browse>
                            {move || i18n.t(Msg::ClustersReadOnlyOpen)}
                        </a>
                        {close}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card card--table" id="read-only-clusters">
            <h2 class="card__title card__title--padded">
                <Icon name=IconName::HardDrive />
                {move || i18n.t(Msg::ClustersReadOnlyTitle)}
            </h2>
            <p class="card__intro">{move || i18n.t(Msg::ClustersReadOnlyIntro)}</p>
            {move || failure.get().map(|failure| view! { <div class="banner banner--error" role="alert">{failure}</div> })}
            <table class="table">
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Says that sign-ins will not survive a restart, once a context that signs in is on the page.
#[component]
fn KeyringBanner(detail: String) -> impl IntoView {
    let i18n = use_i18n();
    let healths: Healths = expect_context();
    let signs_in = move || {
        healths.states.with(|states| {
            states.values().any(|state| {
                matches!(
                    state,
                    Loadable::Ready(
                        ClusterHealth::SignInRequired { .. }
                            | ClusterHealth::Ready {
                                signed_in: Some(_),
                                ..
                            }
                    )
                )
            })
        })
    };
    move || {
        signs_in().then(|| {
            let detail = detail.clone();
            view! {
                <div class="banner banner--warning" role="status" id="keyring-unavailable">
                    <Icon name=IconName::TriangleAlert />
                    {move || i18n.tf(Msg::SignInKeyringUnavailable, &[("detail", &detail)])}
                </div>
            }
        })
    }
}

#[component]
fn ContextsTable(list: ContextList) -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let current = list.current.clone();
    let rows = list
        .contexts
        .into_iter()
        .map(|row| {
            let is_current = current.as_deref() == Some(row.name.as_str());
            let name = row.name.clone();
            let selected = move || selection.context.get().as_deref() == Some(name.as_str());
            let health = {
                let name = row.name.clone();
                Signal::derive(move || healths.states.with(|map| map.get(&name).cloned()))
            };
            let (user, cluster) = (row.user.clone(), row.cluster.clone());
            let context = row.name.clone();
            view! {
                <tr class:is-selected=selected data-context=row.name.clone()>
                    <td class="cell--strong">
                        {row.name.clone()}
                        {is_current.then(|| view! { <span class="tag tag--accent">{move || i18n.t(Msg::ClustersCurrent)}</span> })}
                        <div class="cell__secondary">
                            {move || i18n.tf(Msg::ClustersUserAtCluster, &[("user", &user), ("cluster", &cluster)])}
                        </div>
                    </td>
                    <td class="cell--status">
                        <HealthBadge health />
                        {row.kept_as_of.clone().map(|as_of| view! { <KeptTag as_of /> })}
                        <SignInControl context=context.clone() issuer=row.sign_in_issuer.clone() health />
                    </td>
                    <td class="cell--mono">{move || ready(health.get()).map(|(version, _)| version).unwrap_or_default()}</td>
                    <td>{move || nodes_cell(i18n, health.get())}</td>
                    <td class="cell--number">{move || capacity(health.get(), |capacity| i18n.tf(Msg::HealthCores, &[("cores", &format::cores(capacity.cpu_cores))]))}</td>
                    <td class="cell--number">{move || capacity(health.get(), |capacity| format::bytes(capacity.memory_bytes))}</td>
                    <td class="cell--number">{move || capacity(health.get(), |capacity| format::count(capacity.gpus))}</td>
                    <td class="cell--mono">{row.server}</td>
                    <td>{row.namespace.unwrap_or_default()}</td>
                    <td class="cell--mono cell--muted cell--file" title=row.file.clone()>{row.file.clone()}</td>
                </tr>
                <HealthReason context health />
            }
        })
        .collect_view();
    view! {
        <div class="card card--table">
            <table class="table" id="contexts-table">
                <TableHead columns=&[Msg::ClustersColContext, Msg::ClustersColStatus, Msg::ClustersColVersion, Msg::ClustersColNodes, Msg::ClustersColCpu, Msg::ClustersColMemory, Msg::ClustersColGpus, Msg::ClustersColServer, Msg::ClustersColNamespace, Msg::ClustersColFile] />
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The version and nodes of a ready cluster.
fn ready(
    health: Option<Loadable<ClusterHealth>>,
) -> Option<(String, Option<kubedesk_ipc::NodeSummary>)> {
    match health {
        Some(Loadable::Ready(ClusterHealth::Ready { version, nodes, .. })) => {
            Some((version, nodes))
        }
        _ => None,
    }
}

fn nodes_cell(i18n: I18n, health: Option<Loadable<ClusterHealth>>) -> String {
    match ready(health) {
        Some((_, Some(nodes))) => i18n.tf(
            Msg::HealthNodesReady,
            &[
                ("ready", &nodes.ready.to_string()),
                ("count", &nodes.count.to_string()),
            ],
        ),
        Some((_, None)) => i18n.t(Msg::HealthNodesHidden).to_owned(),
        None => String::new(),
    }
}

/// One figure of what the nodes offer to pods, when the cluster is ready and its nodes visible.
fn capacity(
    health: Option<Loadable<ClusterHealth>>,
    show: impl Fn(&kubedesk_ipc::Capacity) -> String,
) -> String {
    ready(health)
        .and_then(|(_, nodes)| nodes)
        .map(|nodes| show(&nodes.allocatable))
        .unwrap_or_default()
}

/// Why a cluster cannot be used and what to do, naming the context, as a row under the
/// context's own; nothing when it is ready.
#[component]
fn HealthReason(context: String, health: Signal<Option<Loadable<ClusterHealth>>>) -> impl IntoView {
    let i18n = use_i18n();
    let row_of = context.clone();
    let reason = move || {
        let mut issuer = String::new();
        let (message, detail) = match health.get()? {
            Loadable::Ready(ClusterHealth::SignInRequired {
                issuer: provider,
                detail,
            }) => {
                issuer = provider;
                (Msg::HealthSignInRequiredFix, detail)
            }
            Loadable::Ready(ClusterHealth::Unauthorized { detail }) => {
                (Msg::HealthUnauthorizedFix, detail)
            }
            Loadable::Ready(ClusterHealth::Forbidden { detail }) => {
                (Msg::HealthForbiddenFix, detail)
            }
            Loadable::Ready(ClusterHealth::Unreachable { detail }) => {
                (Msg::HealthUnreachableFix, detail)
            }
            Loadable::Ready(ClusterHealth::Misconfigured { detail }) => {
                (Msg::HealthMisconfiguredFix, detail)
            }
            Loadable::Failed(error) => (Msg::HealthFailedFix, error.to_string()),
            Loadable::Loading | Loadable::Ready(ClusterHealth::Ready { .. }) => return None,
        };
        Some(i18n.tf(
            message,
            &[
                ("context", &context),
                ("detail", &detail),
                ("issuer", &issuer),
            ],
        ))
    };
    move || {
        reason().map(|reason| {
            view! {
                <tr class="row--reason" data-reason-for=row_of.clone()>
                    <td colspan="10">{reason}</td>
                </tr>
            }
        })
    }
}

#[component]
fn ProblemsCard(problems: Vec<KubeconfigProblem>) -> impl IntoView {
    let i18n = use_i18n();
    let items = problems
        .into_iter()
        .map(|problem| {
            let entry = problem.entry.clone();
            let kind = problem.kind.clone();
            view! {
                <li class="problem">
                    <div class="problem__where">
                        <code class="problem__file">{problem.file.clone()}</code>
                        {entry.map(|entry| view! { <code class="problem__entry">{entry}</code> })}
                    </div>
                    <div class="problem__what">{move || describe(i18n, &problem.kind).0}</div>
                    <div class="problem__fix">{move || describe(i18n, &kind).1}</div>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="card card--warning" id="kubeconfig-problems" role="alert">
            <h2 class="card__title">
                <Icon name=IconName::TriangleAlert />
                {move || i18n.t(Msg::ProblemsTitle)}
            </h2>
            <p class="card__intro">{move || i18n.t(Msg::ProblemsIntro)}</p>
            <ul class="problems">{items}</ul>
        </div>
    }
}

/// What is wrong and what to do, in the current language.
fn describe(i18n: I18n, kind: &ProblemKind) -> (String, &'static str) {
    let (what, args, fix): (Msg, Vec<(&str, &str)>, Msg) = match kind {
        ProblemKind::MissingFile => (
            Msg::ProblemsMissingFile,
            vec![],
            Msg::ProblemsMissingFileFix,
        ),
        ProblemKind::Unreadable { detail } => (
            Msg::ProblemsUnreadable,
            vec![("detail", detail)],
            Msg::ProblemsUnreadableFix,
        ),
        ProblemKind::NotYaml { detail } => (
            Msg::ProblemsNotYaml,
            vec![("detail", detail)],
            Msg::ProblemsNotYamlFix,
        ),
        ProblemKind::InvalidEntry { detail } => (
            Msg::ProblemsInvalidEntry,
            vec![("detail", detail)],
            Msg::ProblemsInvalidEntryFix,
        ),
        ProblemKind::MissingCluster { name } => (
            Msg::ProblemsMissingCluster,
            vec![("name", name)],
            Msg::ProblemsMissingClusterFix,
        ),
        ProblemKind::MissingUser { name } => (
            Msg::ProblemsMissingUser,
            vec![("name", name)],
            Msg::ProblemsMissingUserFix,
        ),
        ProblemKind::MissingCurrentContext { name } => (
            Msg::ProblemsMissingCurrent,
            vec![("name", name)],
            Msg::ProblemsMissingCurrentFix,
        ),
    };
    (i18n.tf(what, &args), i18n.t(fix))
}
