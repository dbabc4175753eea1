//! The Workspaces page (`#/workspaces`): the selected cluster's workspaces with their quotas, and
//! every project (namespace) with its quotas and default container limits; each limit's use as a
//! bar, GPUs included. Quotas and defaults are made, changed and deleted from forms
//! (`workspaces/forms.rs`); deleting asks twice.

use kubedesk_ipc::{
    DeleteLimitRange, DeleteProjectQuota, DeleteWorkspaceQuota, GetTenancy, LimitRangeView,
    ProjectView, QuotaLine, TenancyView, WorkspaceView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::state::{Loadable, Selection, for_selection, ticking};

mod forms;

use forms::{DefaultsForm, Editing, QuotaForm};

/// One limit as a bar: what is used of it, or why it is not counted.
fn quota_line(i18n: I18n, line: &QuotaLine) -> impl IntoView + use<> {
    let share = f64::from(line.percent.unwrap_or(0)).min(100.0);
    let full = line.percent.is_some_and(|percent| percent >= 100);
    let text = match (&line.used, line.counted) {
        (_, false) => i18n.tf(Msg::WorkspacesNotCounted, &[("hard", &line.hard)]),
        (Some(used), true) => i18n.tf(
            Msg::WorkspacesUsedOf,
            &[("used", used), ("hard", &line.hard)],
        ),
        (None, true) => i18n.tf(Msg::WorkspacesNotCountedYet, &[("hard", &line.hard)]),
    };
    view! {
        <div class="quota-line" class:quota-line--full=full class:quota-line--uncounted=!line.counted
            data-key=line.key.clone()>
            <code class="quota-line__key">{line.key.clone()}</code>
            <span class="gpu-use__track"><span class="gpu-use__fill" style:width=format!("{share:.1}%")></span></span>
            <span class="gpu-use__text">{text}</span>
        </div>
    }
}

fn quota_lines(i18n: I18n, lines: &[QuotaLine]) -> impl IntoView + use<> {
    lines
        .iter()
        .map(|line| quota_line(i18n, line))
        .collect_view()
}

/// A button that sends `request` (a delete) on a second click, then asks again.
fn delete_button<C>(
    i18n: I18n,
    id: String,
    request: C,
    failed: RwSignal<Option<String>>,
    refresh: RwSignal<u64>,
) -> impl IntoView
where
    C: kubedesk_ipc::Command<Output = ()> + Clone + 'static,
{
    let confirming = RwSignal::new(false);
    view! {
        <button type="button" class="button button--small button--danger" id=id
            on:click=move |_| {
                if !confirming.get_untracked() {
                    confirming.set(true);
                    return;
                }
                let request = request.clone();
                spawn_local(async move {
                    match ipc::call(&request).await {
                        Ok(()) => {
                            failed.set(None);
                            refresh.update(|count| *count += 1);
                        }
                        Err(error) => failed.set(Some(error.to_string())),
                    }
                });
            }>
            {move || i18n.t(if confirming.get() { Msg::WorkspacesDeleteConfirm } else { Msg::WorkspacesDelete })}
        </button>
    }
}

fn pairs_text(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, amount)| format!("{key}: {amount}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A workspace's card.
fn workspace_card(
    i18n: I18n,
    context: String,
    workspace: WorkspaceView,
    editing: RwSignal<Option<Editing>>,
    failed: RwSignal<Option<String>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let projects = if workspace.projects.is_empty() {
        i18n.t(Msg::WorkspacesNoProjects).to_owned()
    } else {
        i18n.tf(
            Msg::WorkspacesProjectsOf,
            &[("projects", &workspace.projects.join(", "))],
        )
    };
    let name = workspace.name.clone();
    let lines = workspace.quota.clone().unwrap_or_default();
    let edit = {
        let (name, lines) = (name.clone(), lines.clone());
        move |_| {
            editing.set(Some(Editing::Workspace {
                workspace: name.clone(),
                lines: lines.clone(),
            }))
        }
    };
    let quota = match &workspace.quota {
        Some(lines) => {
            let delete = DeleteWorkspaceQuota {
                context: context.clone(),
                workspace: name.clone(),
            };
            view! {
                {workspace.spread.then(|| view! { <p class="help">{i18n.t(Msg::WorkspacesSpreadNote)}</p> })}
                <div class="quota-lines">{quota_lines(i18n, lines)}</div>
                <div class="quota-actions">
                    <button type="button" class="button button--small" data-edit-workspace-quota=name.clone() on:click=edit>
                        {i18n.t(Msg::WorkspacesEditQuota)}
                    </button>
                    {delete_button(i18n, format!("delete-workspace-quota-{name}"), delete, failed, refresh)}
                </div>
            }
            .into_any()
        }
        None => view! {
            <p class="help">{i18n.t(Msg::WorkspacesNoQuota)}</p>
            <div class="quota-actions">
                <button type="button" class="button button--small" data-edit-workspace-quota=name.clone() on:click=edit>
                    {i18n.t(Msg::WorkspacesSetQuota)}
                </button>
            </div>
        }
        .into_any(),
    };
    view! {
        <li class="card quota-card" data-workspace=workspace.name.clone()>
            <h3 class="card__title">{workspace.name.clone()}</h3>
            <p class="help">{projects}</p>
            {quota}
        </li>
    }
}

/// A LimitRange's defaults in words.
fn defaults_view(
    i18n: I18n,
    context: String,
    namespace: String,
    range: LimitRangeView,
    editing: RwSignal<Option<Editing>>,
    failed: RwSignal<Option<String>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let row = |label: Msg, pairs: &[(String, String)]| {
        (!pairs.is_empty()).then(|| {
            view! { <div class="defaults__row"><span class="defaults__label">{i18n.t(label)}</span> " " <span>{pairs_text(pairs)}</span></div> }
        })
    };
    let delete = DeleteLimitRange {
        context,
        namespace: namespace.clone(),
        name: range.name.clone(),
    };
    let edit = {
        let (namespace, range) = (namespace.clone(), range.clone());
        move |_| {
            editing.set(Some(Editing::Defaults {
                namespace: namespace.clone(),
                range: Some(range.clone()),
            }))
        }
    };
    view! {
        <div class="defaults" data-limit-range=format!("{namespace}/{}", range.name)>
            <h4 class="defaults__title">{i18n.tf(Msg::WorkspacesDefaultsNamed, &[("name", &range.name)])}</h4>
            {row(Msg::WorkspacesDefaultLimit, &range.default)}
            {row(Msg::WorkspacesDefaultRequest, &range.default_request)}
            {row(Msg::WorkspacesMax, &range.max)}
            {row(Msg::WorkspacesMin, &range.min)}
            <div class="quota-actions">
                <button type="button" class="button button--small" data-edit-defaults=format!("{namespace}/{}", range.name) on:click=edit>
                    {i18n.t(Msg::WorkspacesEditDefaults)}
                </button>
                {delete_button(i18n, format!("delete-defaults-{namespace}-{}", range.name), delete, failed, refresh)}
            </div>
        </div>
    }
}

/// A project's card: its quotas and its default container limits.
fn project_card(
    i18n: I18n,
    context: String,
    project: ProjectView,
    editing: RwSignal<Option<Editing>>,
    failed: RwSignal<Option<String>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let namespace = project.name.clone();
    let quotas = project
        .quotas
        .clone()
        .into_iter()
        .map(|quota| {
            let edit = {
                let (namespace, quota) = (namespace.clone(), quota.clone());
                move |_| {
                    editing.set(Some(Editing::ProjectQuota {
                        namespace: namespace.clone(),
                        name: Some(quota.name.clone()),
                        lines: quota.lines.clone(),
                    }))
                }
            };
            let delete = DeleteProjectQuota {
                context: context.clone(),
                namespace: namespace.clone(),
                name: quota.name.clone(),
            };
            let key = format!("{namespace}/{}", quota.name);
            view! {
                <div class="quota" data-quota=key.clone()>
                    <h4 class="defaults__title">
                        {i18n.tf(Msg::WorkspacesQuotaNamed, &[("name", &quota.name)])}
                        {quota.share_of.clone().map(|workspace| view! {
                            " " <span class="pill pill--quiet">{i18n.tf(Msg::WorkspacesShareOf, &[("workspace", &workspace)])}</span>
                        })}
                    </h4>
                    <div class="quota-lines">{quota_lines(i18n, &quota.lines)}</div>
                    <div class="quota-actions">
                        <button type="button" class="button button--small" data-edit-quota=key.clone() on:click=edit>
                            {i18n.t(Msg::WorkspacesEditQuota)}
                        </button>
                        {delete_button(i18n, format!("delete-quota-{namespace}-{}", quota.name), delete, failed, refresh)}
                    </div>
                </div>
            }
        })
        .collect_view();
    let ranges = project
        .limit_ranges
        .iter()
        .map(|range| {
            defaults_view(
                i18n,
                context.clone(),
                namespace.clone(),
                range.clone(),
                editing,
                failed,
                refresh,
            )
        })
        .collect_view();
    let add_quota = {
        let namespace = namespace.clone();
        move |_| {
            editing.set(Some(Editing::ProjectQuota {
                namespace: namespace.clone(),
                name: None,
                lines: Vec::new(),
            }))
        }
    };
    let add_defaults = {
        let namespace = namespace.clone();
        move |_| {
            editing.set(Some(Editing::Defaults {
                namespace: namespace.clone(),
                range: None,
            }))
        }
    };
    let empty = project.quotas.is_empty() && project.limit_ranges.is_empty();
    view! {
        <li class="card quota-card" data-project=namespace.clone()>
            <h3 class="card__title">
                {namespace.clone()}
                {project.workspace.clone().map(|workspace| view! { <span class="pill pill--quiet">{workspace}</span> })}
            </h3>
            {empty.then(|| view! { <p class="help">{i18n.t(Msg::WorkspacesNoLimits)}</p> })}
            {quotas}
            {ranges}
            <div class="quota-actions">
                <button type="button" class="button button--small" data-add-quota=namespace.clone() on:click=add_quota>
                    {i18n.t(Msg::WorkspacesAddQuota)}
                </button>
                {project.limit_ranges.is_empty().then(|| view! {
                    <button type="button" class="button button--small" data-add-defaults=namespace.clone() on:click=add_defaults>
                        {i18n.t(Msg::WorkspacesSetDefaults)}
                    </button>
                })}
            </div>
        </li>
    }
}

fn body(
    i18n: I18n,
    context: String,
    tenancy: TenancyView,
    editing: RwSignal<Option<Editing>>,
    failed: RwSignal<Option<String>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let workspaces = tenancy
        .workspaces
        .into_iter()
        .map(|workspace| workspace_card(i18n, context.clone(), workspace, editing, failed, refresh))
        .collect_view();
    let projects = tenancy
        .projects
        .into_iter()
        .map(|project| project_card(i18n, context.clone(), project, editing, failed, refresh))
        .collect_view();
    view! {
        {(!tenancy.kubesphere_quotas).then(|| view! {
            <div class="banner banner--info" id="no-kubesphere-quotas">{i18n.t(Msg::WorkspacesNoKubesphere)}</div>
        })}
        <h2 class="section__title">{i18n.t(Msg::WorkspacesWorkspaces)}</h2>
        <ul class="quota-cards" id="workspaces">{workspaces}</ul>
        <h2 class="section__title">{i18n.t(Msg::WorkspacesProjects)}</h2>
        <ul class="quota-cards" id="projects">{projects}</ul>
    }
}

/// How often the limits and their use are read again while the page is shown.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The page.
#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    // Asked again after each change, and every few seconds: usage is counted as pods come and go.
    let refresh = RwSignal::new(0_u64);
    let tick = ticking(REFRESH_EVERY);
    let tenancy = for_selection(selection, move |context, _| {
        refresh.track();
        tick.track();
        GetTenancy { context }
    });
    let editing = RwSignal::new(None::<Editing>);
    let failed = RwSignal::new(None::<String>);
    let gpu_resources = Memo::new(move |_| match tenancy.get() {
        Loadable::Ready(view) => view.gpu_resources,
        _ => Vec::new(),
    });
    let form = move || {
        let context = selection.context.get()?;
        Some(match editing.get()? {
            Editing::Defaults { namespace, range } => view! {
                <DefaultsForm context namespace range gpu_resources open=editing refresh />
            }
            .into_any(),
            quota => view! {
                <QuotaForm context editing=quota gpu_resources open=editing refresh />
            }
            .into_any(),
        })
    };
    let shown = move || {
        let context = selection.context.get()?;
        Some(match tenancy.get() {
            Loadable::Loading => {
                view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
            }
            Loadable::Failed(error) => {
                view! { <div class="banner banner--error" role="alert">{error.to_string()}</div> }
                    .into_any()
            }
            Loadable::Ready(view) => body(i18n, context, view, editing, failed, refresh).into_any(),
        })
    };
    view! {
        <section class="page" data-page="workspaces">
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::WorkspacesTitle)}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::WorkspacesSubtitle)}</p>
            </header>
            {move || failed.get().map(|message| view! { <div class="banner banner--error" id="workspaces-failed" role="alert">{message}</div> })}
            <Show when=move || selection.context.get().is_some()
                fallback=move || view! { <p class="help">{i18n.t(Msg::WorkspacesNoCluster)}</p> }>
                {shown}
            </Show>
            {form}
        </section>
    }
}
