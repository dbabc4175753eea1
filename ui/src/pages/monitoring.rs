//! Monitoring: the selected cluster's Prometheus (found through the API server's service proxy)
//! and the dashboards, built-in and imported from Grafana files (`#/monitoring`); a dashboard
//! run on that Prometheus (`#/monitoring/<id>`), with its variables, a time range (relative or
//! typed), a refresh interval and its panels drawn: time series with plotters, stats, gauges,
//! bar gauges, tables and text, each value in its Grafana unit. The Alerts tab
//! (`#/monitoring/alerts`) is `alerts.rs`.

pub mod alerts;
mod editor;
mod prometheus;
mod variables;

use std::time::Duration;

use kubedesk_ipc::{
    CreateDashboard, DashboardView, DeleteDashboard, DeletePanel, EtcdMemberView, GetMonitoring,
    GetPanel, GetVariables, ImportDashboard, PanelPlace, PanelShape, PanelSpec, PanelView,
    PrometheusState, ShowDashboard, VariableChoice, VariableSpec, units,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charts::{self, Shape, Unit};
use crate::components::notice::{Notice, NoticeBanner};
use crate::components::time_chart::{ChartData, TimeSeries, clock};
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::route::Hash;
use crate::state::{Loadable, Selection, for_selection};

/// The dashboard a `#/monitoring/<id>` fragment opens, if any.
fn opened(hash: &str) -> Option<String> {
    let path = hash.trim_start_matches('#').trim_start_matches('/');
    let path = path.split('?').next().unwrap_or_default();
    path.strip_prefix("monitoring/")
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// The page: the dashboards, or the one opened.
#[component]
pub fn MonitoringPage() -> impl IntoView {
    let Hash(hash) = expect_context();
    let dashboard = Memo::new(move |_| opened(&hash.get()));
    move || match dashboard.get() {
        Some(id) if id == ALERTS => {
            let i18n = use_i18n();
            view! {
                <section class="page" data-page="monitoring" data-tab="alerts">
                    <Header />
                    {tabs(i18n, true)}
                    <alerts::AlertsTab />
                </section>
            }
            .into_any()
        }
        Some(id) => view! { <DashboardPage id /> }.into_any(),
        None => view! { <DashboardList /> }.into_any(),
    }
}

/// The fragment of the Alerts tab (no dashboard has this id: built-in ones are named, imported
/// ones start with `imported-`).
const ALERTS: &str = "alerts";

/// The page's title.
#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="page__header">
            <h1 class="page__title">{move || i18n.t(Msg::MonitoringTitle)}</h1>
            <p class="page__subtitle">{move || i18n.t(Msg::MonitoringSubtitle)}</p>
        </header>
    }
}

/// The Dashboards and Alerts tabs.
fn tabs(i18n: I18n, alerts: bool) -> impl IntoView {
    view! {
        <nav class="tabs" role="tablist">
            <a class="tab" class:is-active=!alerts href="#/monitoring" data-tab="dashboards" role="tab" aria-selected=(!alerts).to_string()>
                {move || i18n.t(Msg::MonitoringTabDashboards)}
            </a>
            <a class="tab" class:is-active=alerts href="#/monitoring/alerts" data-tab="alerts" role="tab" aria-selected=alerts.to_string()>
                {move || i18n.t(Msg::MonitoringTabAlerts)}
            </a>
        </nav>
    }
}

/// Where the cluster's Prometheus stands, in a line: found in the cluster, or at the URL given.
fn prometheus_line(i18n: I18n, state: &PrometheusState, given: bool) -> (bool, String) {
    match state {
        PrometheusState::Found { place, version } => (
            true,
            i18n.tf(
                if given {
                    Msg::MonitoringPrometheusGiven
                } else {
                    Msg::MonitoringPrometheusFound
                },
                &[("version", version), ("place", place)],
            ),
        ),
        // The backend's sentence: where it looked, or why the URL given does not do.
        PrometheusState::NotFound { reason } => (false, reason.clone()),
        PrometheusState::Unknown => (false, i18n.t(Msg::MonitoringPrometheusChecking).to_owned()),
    }
}

/// The etcd members Prometheus scrapes, the leader tagged; nothing when it scrapes none.
fn etcd_members(i18n: I18n, members: Vec<EtcdMemberView>) -> Option<impl IntoView> {
    let yes_no = move |value: Option<bool>| match value {
        Some(true) => i18n.t(Msg::MonitoringYes),
        Some(false) => i18n.t(Msg::MonitoringNo),
        None => "",
    };
    (!members.is_empty()).then(|| {
        let rows = members
            .into_iter()
            .map(|member| {
                let role = if member.leader {
                    view! { <span class="pill pill--ok">{i18n.t(Msg::MonitoringEtcdLeader)}</span> }
                        .into_any()
                } else {
                    view! { <span class="pill pill--quiet">{i18n.t(Msg::MonitoringEtcdFollower)}</span> }
                        .into_any()
                };
                let key = member.instance.clone();
                view! {
                    <tr data-member=key>
                        <td>{member.instance}</td>
                        <td>{role}</td>
                        <td>{yes_no(member.has_leader)}</td>
                        <td>{yes_no(member.up)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h2 class="section__title">{i18n.t(Msg::MonitoringEtcd)}</h2>
            <div class="card card--table etcd-members">
                <table class="table" id="etcd-members">
                    <thead><tr>
                        <th>{i18n.t(Msg::MonitoringEtcdMember)}</th>
                        <th>{i18n.t(Msg::MonitoringEtcdRole)}</th>
                        <th>{i18n.t(Msg::MonitoringEtcdHasLeader)}</th>
                        <th>{i18n.t(Msg::MonitoringEtcdUp)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    })
}

/// Makes a dashboard and opens it; `failed` is told why not.
fn create_and_open(request: CreateDashboard, failed: impl Fn(String) + 'static) {
    spawn_local(async move {
        match ipc::call(&request).await {
            Ok(entry) => {
                let _ = window()
                    .location()
                    .set_hash(&format!("/monitoring/{}", entry.id));
            }
            Err(error) => failed(error.to_string()),
        }
    });
}

/// The dashboards and the import form.
#[component]
fn DashboardList() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let reload = RwSignal::new(0_u32);
    let monitoring = for_selection(selection, move |context, _| {
        reload.track();
        GetMonitoring { context }
    });
    let outcome = RwSignal::new(None::<Notice>);
    let report = RwSignal::new(Vec::<String>::new());
    let path = RwSignal::new(String::new());
    let new_title = RwSignal::new(String::new());
    let create = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = CreateDashboard {
            title: new_title.get_untracked(),
            copy_of: None,
        };
        // What was typed stays, to be corrected.
        create_and_open(request, move |why| {
            report.set(Vec::new());
            outcome.set(Some(Notice::Failed(why)));
        });
    };
    let import = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let asked = path.get_untracked();
        spawn_local(async move {
            match ipc::call(&ImportDashboard { path: asked }).await {
                Ok(imported) => {
                    let title = imported.entry.title.clone();
                    outcome.set(Some(Notice::Done(if imported.report.is_empty() {
                        i18n.tf(Msg::MonitoringImportedWhole, &[("title", &title)])
                    } else {
                        i18n.tf(
                            Msg::MonitoringImportedReport,
                            &[
                                ("title", &title),
                                ("count", &imported.report.len().to_string()),
                            ],
                        )
                    })));
                    report.set(imported.report);
                    path.set(String::new());
                    reload.update(|count| *count += 1);
                }
                // What was typed stays, to be corrected.
                Err(error) => {
                    report.set(Vec::new());
                    outcome.set(Some(Notice::Failed(error.to_string())));
                }
            }
        });
    };
    let delete = move |id: String| {
        spawn_local(async move {
            match ipc::call(&DeleteDashboard { id }).await {
                Ok(()) => reload.update(|count| *count += 1),
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    let body = move || match monitoring.get() {
        Loadable::Loading => {
            view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
        }
        Loadable::Failed(error) => {
            view! { <div class="banner banner--error" role="alert">{error.to_string()}</div> }
                .into_any()
        }
        Loadable::Ready(monitoring) => {
            let (found, line) =
                prometheus_line(i18n, &monitoring.prometheus, monitoring.given.is_some());
            let context = selection.context.get_untracked().unwrap_or_default();
            let saved = Callback::new(move |()| reload.update(|count| *count += 1));
            let cards = monitoring
                .dashboards
                .into_iter()
                .map(|entry| {
                    let href = format!("#/monitoring/{}", entry.id);
                    let id = entry.id.clone();
                    let origin = match &entry.source {
                        Some(source) => i18n.tf(Msg::MonitoringImportedFrom, &[("source", source)]),
                        None if entry.built_in => i18n.t(Msg::MonitoringBuiltIn).to_owned(),
                        None => i18n.t(Msg::MonitoringMadeHere).to_owned(),
                    };
                    let removable = !entry.built_in;
                    view! {
                        <li class="card dashboard-card" data-dashboard=entry.id.clone()>
                            <a class="dashboard-card__title" href=href>{entry.title}</a>
                            <p class="dashboard-card__description">{entry.description.unwrap_or_default()}</p>
                            <p class="help">{origin}</p>
                            <Show when=move || removable>
                                <button type="button" class="button button--danger" data-delete=id.clone()
                                    on:click={
                                        let id = id.clone();
                                        move |_| delete(id.clone())
                                    }>
                                    {i18n.t(Msg::MonitoringDelete)}
                                </button>
                            </Show>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="banner" class:banner--info=found class:banner--warning=!found id="monitoring-prometheus" role="status">{line}</p>
                <prometheus::PrometheusSettings context given=monitoring.given found saved />
                <h2 class="section__title">{i18n.t(Msg::MonitoringDashboards)}</h2>
                <ul class="dashboard-cards" id="dashboards">{cards}</ul>
                {etcd_members(i18n, monitoring.etcd)}
            }
            .into_any()
        }
    };
    let reported = move || {
        let lines = report.get();
        (!lines.is_empty()).then(|| {
            view! {
                <ul class="import-report" id="import-report">
                    {lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            }
        })
    };
    view! {
        <section class="page" data-page="monitoring" data-tab="dashboards">
            <Header />
            {tabs(i18n, false)}
            <Show when=move || selection.context.get().is_some()
                fallback=move || view! { <p class="help">{i18n.t(Msg::MonitoringNoCluster)}</p> }>
                {body}
            </Show>
            <form class="card import-form" id="new-dashboard" on:submit=create>
                <h2 class="card__title">{move || i18n.t(Msg::MonitoringNewTitle)}</h2>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringNewName)}</span>
                    <input type="text" class="input" id="new-dashboard-title"
                        prop:value=move || new_title.get() on:input=move |event| new_title.set(event_target_value(&event)) />
                </label>
                <button type="submit" class="button button--primary" id="new-dashboard-create">
                    {move || i18n.t(Msg::MonitoringNewCreate)}
                </button>
            </form>
            <form class="card import-form" id="import-form" on:submit=import>
                <h2 class="card__title">{move || i18n.t(Msg::MonitoringImportTitle)}</h2>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringImportPath)}</span>
                    <input type="text" class="input" id="import-path" placeholder="/home/me/Downloads/dashboard.json, https://grafana.com/grafana/dashboards/12239"
                        prop:value=move || path.get() on:input=move |event| path.set(event_target_value(&event)) />
                </label>
                <p class="help">{move || i18n.t(Msg::MonitoringImportHelp)}</p>
                <button type="submit" class="button button--primary" id="import-submit"
                    disabled=move || path.get().trim().is_empty()>
                    {move || i18n.t(Msg::MonitoringImport)}
                </button>
            </form>
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="import-outcome" /> })}
            {reported}
        </section>
    }
}

/// The values chosen in the `<select>` an event came from: one, or several in a multiple one.
fn selected_values(event: &leptos::ev::Event) -> Vec<String> {
    use wasm_bindgen::JsCast as _;
    let Some(select) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
    else {
        return Vec::new();
    };
    let options = select.selected_options();
    (0..options.length())
        .filter_map(|index| options.item(index))
        .filter_map(|option| option.dyn_into::<web_sys::HtmlOptionElement>().ok())
        .map(|option| option.value())
        .collect()
}

/// The relative ranges offered: Grafana's notation and their label.
const RANGES: [(&str, Msg); 6] = [
    ("now-5m", Msg::MonitoringRange5m),
    ("now-15m", Msg::MonitoringRange15m),
    ("now-1h", Msg::MonitoringRange1h),
    ("now-6h", Msg::MonitoringRange6h),
    ("now-24h", Msg::MonitoringRange24h),
    ("now-7d", Msg::MonitoringRange7d),
];

/// The refresh intervals offered, seconds (0: off).
const REFRESHES: [u32; 5] = [0, 10, 30, 60, 300];

/// `30s`, `1m`, `5m` in seconds.
fn refresh_seconds(text: &str) -> Option<u32> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let number: u32 = number.parse().ok()?;
    Some(match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return None,
    })
}

/// A dashboard run on the cluster's Prometheus.
#[component]
fn DashboardPage(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    // The range: the dashboard's own until one is chosen.
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let typed_from = RwSignal::new(String::new());
    let typed_to = RwSignal::new(String::new());
    let choices = RwSignal::new(Vec::<VariableChoice>::new());
    // Seconds between refreshes (`None`: the dashboard's own until one is chosen).
    let every = RwSignal::new(None::<u32>);
    let tick = RwSignal::new(0_u32);
    let shown = RwSignal::new(None::<DashboardView>);
    let failure = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let asked = StoredValue::new(id.clone());
    Effect::new(move || {
        tick.track();
        let Some(context) = selection.context.get() else {
            return;
        };
        let request = ShowDashboard {
            context: context.clone(),
            id: asked.get_value(),
            from: from.get(),
            to: to.get(),
            variables: choices.get(),
        };
        loading.set(true);
        spawn_local(async move {
            let answer = ipc::call(&request).await;
            if selection.context.get_untracked().as_deref() != Some(context.as_str()) {
                return;
            }
            loading.set(false);
            match answer {
                Ok(view) => {
                    if every.get_untracked().is_none() {
                        every.set(Some(
                            view.refresh
                                .as_deref()
                                .and_then(refresh_seconds)
                                .unwrap_or(0),
                        ));
                    }
                    if typed_from.get_untracked().is_empty() {
                        typed_from.set(view.from.clone());
                        typed_to.set(view.to.clone());
                    }
                    failure.set(None);
                    shown.set(Some(view));
                }
                // The last dashboard shown stays, under what went wrong.
                Err(error) => failure.set(Some(error.to_string())),
            }
        });
    });
    // Auto refresh, at the interval chosen; stopped when another is chosen or the page closes.
    let interval = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(handle) = interval.try_get_value().flatten() {
            handle.clear();
        }
    };
    Effect::new(move || {
        let seconds = every.get().unwrap_or(0);
        stop();
        let started = (seconds > 0)
            .then(|| {
                set_interval_with_handle(
                    move || tick.update(|count| *count += 1),
                    Duration::from_secs(u64::from(seconds)),
                )
                .ok()
            })
            .flatten();
        interval.set_value(started);
    });
    on_cleanup(stop);
    let choose = move |name: String, values: Vec<String>| {
        choices.update(|choices| {
            choices.retain(|choice| choice.name != name);
            choices.push(VariableChoice { name, values });
        });
    };
    let apply_typed = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        from.set(typed_from.get_untracked().trim().to_owned());
        to.set(typed_to.get_untracked().trim().to_owned());
    };
    let title = move || shown.with(|view| view.as_ref().map(|view| view.title.clone()));
    let span = move || {
        shown.with(|view| {
            view.as_ref().map(|view| {
                i18n.tf(
                    Msg::MonitoringSpan,
                    &[
                        ("from", &clock(view.start_ms)),
                        ("to", &clock(view.end_ms)),
                        ("step", &view.step.to_string()),
                    ],
                )
            })
        })
    };
    let variables = move || {
        shown.with(|view| {
            view.iter()
                .flat_map(|view| view.variables.clone())
                .map(|variable| {
                    let name = variable.name.clone();
                    let chosen = variable.chosen.clone();
                    let options = variable
                        .all
                        .then(|| ("$__all".to_owned(), i18n.t(Msg::MonitoringAll).to_owned()))
                        .into_iter()
                        .chain(variable.options.iter().map(|value| (value.clone(), value.clone())))
                        .map(|(value, label)| {
                            let selected = chosen.contains(&value);
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view();
                    let typed_value = chosen.first().cloned().unwrap_or_default();
                    let multi = variable.multi;
                    let error = variable.error.clone();
                    let key = name.clone();
                    // A textbox's value is typed, and taken when the field is left or Enter pressed.
                    let input = if variable.typed {
                        view! {
                            <input type="text" class="input" prop:value=typed_value
                                on:change=move |event| choose(name.clone(), vec![event_target_value(&event)]) />
                        }
                        .into_any()
                    } else {
                        // Several values may be chosen where the variable allows it; All alone
                        // stands for every value.
                        view! {
                            <select class="select" class:select--multiple=multi multiple=multi size=if multi { "4" } else { "1" }
                                on:change=move |event| {
                                    let mut values = selected_values(&event);
                                    if values.iter().any(|value| value == "$__all") {
                                        values = vec!["$__all".to_owned()];
                                    }
                                    choose(name.clone(), values);
                                }>
                                {options}
                            </select>
                        }
                        .into_any()
                    };
                    view! {
                        <label class="field field--inline" data-variable=key>
                            <span class="field__label">{variable.label.clone()}</span>
                            {input}
                            {error.map(|error| view! { <span class="field__error">{error}</span> })}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    // The range shown: the one asked, or the dashboard's own.
    let shown_from = Memo::new(move |_| {
        shown.with(|view| {
            view.as_ref()
                .map(|view| (view.from.clone(), view.to.clone()))
        })
    });
    let is_range = move |value: &str| {
        shown_from.with(|range| {
            range
                .as_ref()
                .is_some_and(|(from, to)| from == value && to == "now")
        })
    };
    let ranges = RANGES
        .iter()
        .map(|(value, label)| {
            view! {
                <option value=*value selected=move || is_range(value)>{move || i18n.t(*label)}</option>
            }
        })
        .collect_view();
    let refreshes = REFRESHES
        .iter()
        .map(|seconds| {
            let label = move || match seconds {
                0 => i18n.t(Msg::MonitoringRefreshOff).to_owned(),
                seconds if seconds % 60 == 0 => i18n.tf(
                    Msg::MonitoringRefreshMinutes,
                    &[("count", &(seconds / 60).to_string())],
                ),
                seconds => i18n.tf(
                    Msg::MonitoringRefreshSeconds,
                    &[("count", &seconds.to_string())],
                ),
            };
            view! {
                <option value=seconds.to_string() selected=move || every.get() == Some(*seconds)>{label}</option>
            }
        })
        .collect_view();
    let report = move || {
        shown.with(|view| {
            let lines = view.as_ref().map(|view| view.report.clone()).unwrap_or_default();
            (!lines.is_empty()).then(|| {
                let count = lines.len().to_string();
                view! {
                    <details class="banner banner--warning import-report" id="dashboard-report">
                        <summary>{i18n.tf(Msg::MonitoringReportTitle, &[("count", &count)])}</summary>
                        <ul>{lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                    </details>
                }
            })
        })
    };
    let row_count =
        Memo::new(move |_| shown.with(|view| view.as_ref().map_or(0, |view| view.rows.len())));
    // Editing: the panel open in the editor, and what a change to the dashboard did not do.
    let editing = RwSignal::new(None::<editor::Editing>);
    let edit_failure = RwSignal::new(None::<String>);
    let open_editor = move |place: Option<PanelPlace>, panel: PanelSpec| {
        let Some(context) = selection.context.get_untracked() else {
            return;
        };
        editing.set(Some(editor::Editing {
            context,
            id: asked.get_value(),
            place,
            panel,
            from: from.get_untracked(),
            to: to.get_untracked(),
            variables: choices.get_untracked(),
        }));
    };
    let changed = move |answer: Result<(), kubedesk_ipc::Error>| match answer {
        Ok(()) => {
            edit_failure.set(None);
            tick.update(|count| *count += 1);
        }
        Err(error) => edit_failure.set(Some(error.to_string())),
    };
    let actions = PanelActions {
        edit: Callback::new(move |place: PanelPlace| {
            spawn_local(async move {
                match ipc::call(&GetPanel {
                    id: asked.get_value(),
                    place,
                })
                .await
                {
                    Ok(panel) => open_editor(Some(place), panel),
                    Err(error) => edit_failure.set(Some(error.to_string())),
                }
            });
        }),
        delete: Callback::new(move |place: PanelPlace| {
            spawn_local(async move {
                changed(
                    ipc::call(&DeletePanel {
                        id: asked.get_value(),
                        place,
                    })
                    .await,
                );
            });
        }),
    };
    let add_panel = move |_| {
        open_editor(
            None,
            PanelSpec {
                width: 12,
                height: 8,
                ..PanelSpec::default()
            },
        );
    };
    let copy = move |_| {
        let Some(title) = shown.with_untracked(|view| view.as_ref().map(|view| view.title.clone()))
        else {
            return;
        };
        let request = CreateDashboard {
            title: i18n.tf(Msg::MonitoringCopyTitle, &[("title", &title)]),
            copy_of: Some(asked.get_value()),
        };
        create_and_open(request, move |why| edit_failure.set(Some(why)));
    };
    let editing_variables = RwSignal::new(None::<Vec<VariableSpec>>);
    let open_variables = move |_| {
        spawn_local(async move {
            match ipc::call(&GetVariables {
                id: asked.get_value(),
            })
            .await
            {
                Ok(variables) => editing_variables.set(Some(variables)),
                Err(error) => edit_failure.set(Some(error.to_string())),
            }
        });
    };
    let editable = Memo::new(move |_| shown.with(|view| view.as_ref().map(|view| view.editable)));
    let edit_bar = move || {
        editable.get().map(|editable| {
            if editable {
                view! {
                    <button type="button" class="button" id="edit-variables" on:click=open_variables>
                        {move || i18n.t(Msg::MonitoringVariables)}
                    </button>
                    <button type="button" class="button" id="add-panel" on:click=add_panel>
                        {move || i18n.t(Msg::MonitoringAddPanel)}
                    </button>
                }
                .into_any()
            } else {
                view! {
                    <button type="button" class="button" id="copy-dashboard" on:click=copy>
                        {move || i18n.t(Msg::MonitoringCopy)}
                    </button>
                }
                .into_any()
            }
        })
    };
    let editor = move || {
        editing.get().map(|editing_now| {
            let done = Callback::new(move |saved: bool| {
                editing.set(None);
                if saved {
                    tick.update(|count| *count += 1);
                }
            });
            view! { <editor::PanelEditor editing=editing_now done /> }
        })
    };
    let variables_editor = move || {
        editing_variables.get().map(|variables| {
            let done = Callback::new(move |saved: bool| {
                editing_variables.set(None);
                if saved {
                    tick.update(|count| *count += 1);
                }
            });
            view! { <variables::VariablesEditor id=asked.get_value() variables done /> }
        })
    };
    view! {
        <section class="page" data-page="monitoring" data-dashboard=id.clone() data-loading=move || loading.get().to_string()>
            <header class="page__header page__header--actions">
                <div>
                    <a class="back-link" href="#/monitoring">{move || i18n.t(Msg::MonitoringBack)}</a>
                    <h1 class="page__title">{title}</h1>
                    <p class="page__subtitle" id="dashboard-span">{span}</p>
                </div>
                <div class="dashboard-bar">
                    <label class="field field--inline">
                        <span class="field__label">{move || i18n.t(Msg::MonitoringRange)}</span>
                        <select class="select" id="dashboard-range" on:change=move |event| {
                            let value = event_target_value(&event);
                            typed_from.set(value.clone());
                            typed_to.set("now".to_owned());
                            from.set(value);
                            to.set("now".to_owned());
                        }>
                            <option value="" selected=move || !RANGES.iter().any(|(value, _)| is_range(value))>{move || i18n.t(Msg::MonitoringRangeCustom)}</option>
                            {ranges}
                        </select>
                    </label>
                    <label class="field field--inline">
                        <span class="field__label">{move || i18n.t(Msg::MonitoringAutoRefresh)}</span>
                        <select class="select" id="dashboard-refresh" on:change=move |event| every.set(event_target_value(&event).parse().ok())>
                            {refreshes}
                        </select>
                    </label>
                    <button type="button" class="button" id="dashboard-refresh-now" on:click=move |_| tick.update(|count| *count += 1)>
                        {move || i18n.t(Msg::MonitoringRefresh)}
                    </button>
                    {edit_bar}
                </div>
            </header>
            <form class="dashboard-bar dashboard-bar--typed" id="dashboard-typed-range" on:submit=apply_typed>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringFrom)}</span>
                    <input type="text" class="input" id="dashboard-from" prop:value=move || typed_from.get()
                        on:input=move |event| typed_from.set(event_target_value(&event)) />
                </label>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringTo)}</span>
                    <input type="text" class="input" id="dashboard-to" prop:value=move || typed_to.get()
                        on:input=move |event| typed_to.set(event_target_value(&event)) />
                </label>
                <button type="submit" class="button">{move || i18n.t(Msg::MonitoringApply)}</button>
                <div class="dashboard-variables" id="dashboard-variables">{variables}</div>
            </form>
            {move || failure.get().map(|failure| view! { <div class="banner banner--error" role="alert" id="dashboard-error">{failure}</div> })}
            {report}
            <Show when=move || shown.with(Option::is_none) && failure.with(Option::is_none)>
                <div class="card card--loading">{move || i18n.t(Msg::AppLoading)}</div>
            </Show>
            {move || edit_failure.get().map(|failure| view! { <div class="banner banner--error" role="alert" id="dashboard-edit-error">{failure}</div> })}
            <Show when=move || editable.get() == Some(true) && shown.with(|view| view.as_ref().is_some_and(|view| view.rows.iter().all(|row| row.panels.is_empty())))>
                <p class="help" id="dashboard-empty">{move || i18n.t(Msg::MonitoringNoPanels)}</p>
            </Show>
            <For each=move || 0..row_count.get() key=|row| *row let:row>
                <DashboardRow shown row actions=editable.get_untracked().unwrap_or(false).then_some(actions) />
            </For>
            {editor}
            {variables_editor}
        </section>
    }
}

/// What a panel of an editable dashboard offers: to edit it, and to delete it.
#[derive(Clone, Copy)]
struct PanelActions {
    edit: Callback<PanelPlace>,
    delete: Callback<PanelPlace>,
}

/// A row of the dashboard shown: its title (folding it) and its panels on the 24-column grid.
#[component]
fn DashboardRow(
    shown: RwSignal<Option<DashboardView>>,
    row: usize,
    actions: Option<PanelActions>,
) -> impl IntoView {
    let title = move || {
        shown.with(|view| {
            view.as_ref()
                .and_then(|view| view.rows.get(row))
                .and_then(|row| row.title.clone())
        })
    };
    let collapsed = shown.with_untracked(|view| {
        view.as_ref()
            .and_then(|view| view.rows.get(row))
            .is_some_and(|row| row.collapsed)
    });
    // Panels keyed by place, title and what they draw, so a refresh redraws them in place and an
    // edited one is made anew.
    let panels = move || {
        shown.with(|view| {
            view.as_ref()
                .and_then(|view| view.rows.get(row))
                .map(|row| {
                    row.panels
                        .iter()
                        .enumerate()
                        .map(|(index, panel)| {
                            let drawn =
                                format!("{:?} {} {:?}", panel.shape, panel.width, panel.unit);
                            (index, panel.title.clone(), drawn)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let grid = view! {
        <div class="dashboard-grid">
            <For each=panels key=|key| key.clone() let:key>
                <Panel panel=Signal::derive(move || shown.with(|view| {
                    view.as_ref()
                        .and_then(|view| view.rows.get(row))
                        .and_then(|row| row.panels.get(key.0))
                        .cloned()
                        .unwrap_or_default()
                })) actions />
            </For>
        </div>
    };
    view! {
        <details class="dashboard-row" open=!collapsed data-row=row>
            <summary class="dashboard-row__title" class:is-untitled=move || title().is_none()>
                {move || title().unwrap_or_default()}
            </summary>
            {grid}
        </details>
    }
}

/// A bucket's bound from its name (`0.5`, `+Inf`); names that are not numbers keep their order.
fn bound(name: &str) -> f64 {
    match name.trim() {
        "+Inf" | "Inf" => f64::INFINITY,
        other => other.parse().unwrap_or(f64::NAN),
    }
}

/// Grafana's named colours, as the threshold steps name them.
fn threshold_color(name: &str) -> String {
    let base = name
        .trim_start_matches("dark-")
        .trim_start_matches("semi-dark-")
        .trim_start_matches("light-")
        .trim_start_matches("super-light-");
    match base {
        "green" => "#73bf69",
        "red" => "#f2495c",
        "orange" => "#ff9830",
        "yellow" => "#fade2a",
        "blue" => "#5794f2",
        "purple" => "#b877d9",
        "text" | "transparent" => "",
        _ => name,
    }
    .to_owned()
}

/// The colour of `value` by the panel's threshold steps: that of the highest step it reaches.
fn color_of(panel: &PanelView, value: f64) -> Option<String> {
    panel
        .thresholds
        .iter()
        .rfind(|(from, _)| from.is_none_or(|from| value >= from))
        .map(|(_, color)| threshold_color(color))
        .filter(|color| !color.is_empty())
}

/// A value in the panel's unit and decimals.
fn written(panel: &PanelView, value: Option<f64>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |value| units::format(panel.unit.as_deref(), value, panel.decimals),
    )
}

/// A gauge's arc, from `min` to `max`, filled to `value` in `color`.
fn gauge_svg(fraction: f64, color: &str) -> String {
    let fraction = fraction.clamp(0.0, 1.0);
    let angle = std::f64::consts::PI * (1.0 - fraction);
    let (x, y) = (50.0 + 40.0 * angle.cos(), 50.0 - 40.0 * angle.sin());
    format!(
        "<svg viewBox=\"0 0 100 56\" class=\"gauge__arc\"><path d=\"M10 50 A40 40 0 0 1 90 50\" fill=\"none\" stroke=\"#8a96a8\" stroke-opacity=\"0.25\" stroke-width=\"8\"/><path d=\"M10 50 A40 40 0 0 1 {x:.2} {y:.2}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"8\"/></svg>"
    )
}

/// One panel.
#[component]
fn Panel(panel: Signal<PanelView>, actions: Option<PanelActions>) -> impl IntoView {
    let i18n = use_i18n();
    // Deleting asks once more on the same button.
    let confirming = RwSignal::new(false);
    let tools = actions.map(|actions| {
        let place = move || panel.with_untracked(|panel| panel.place);
        view! {
            <span class="panel__tools">
                <button type="button" class="button button--small" data-edit-panel=""
                    on:click=move |_| actions.edit.run(place())>
                    {move || i18n.t(Msg::MonitoringEditPanel)}
                </button>
                <button type="button" class="button button--small button--danger" data-delete-panel=""
                    on:click=move |_| if confirming.get_untracked() { actions.delete.run(place()) } else { confirming.set(true) }>
                    {move || if confirming.get() { i18n.t(Msg::MonitoringDeleteConfirm) } else { i18n.t(Msg::MonitoringDeletePanel) }}
                </button>
            </span>
        }
    });
    let width = panel.with_untracked(|panel| panel.width);
    let title = panel.with_untracked(|panel| panel.title.clone());
    let description = panel.with_untracked(|panel| panel.description.clone());
    let shape = panel.with_untracked(|panel| panel.shape.clone());
    let chart = match shape {
        PanelShape::TimeSeries | PanelShape::Area { .. } | PanelShape::Bars => {
            let unit = panel.with_untracked(|panel| Unit::grafana(panel.unit.as_deref()));
            // Values in a multiple of a unit (MiB) are drawn in the unit itself.
            let factor = panel.with_untracked(|panel| {
                panel
                    .unit
                    .as_deref()
                    .map_or(1.0, |unit| units::base(unit).1)
            });
            let data = Signal::derive(move || {
                panel.with(|panel| ChartData {
                    times: panel.times.clone(),
                    lines: panel
                        .series
                        .iter()
                        .map(|series| {
                            let values = series
                                .values
                                .iter()
                                .map(|value| value.map(|value| value * factor))
                                .collect();
                            (series.name.clone(), values)
                        })
                        .collect(),
                    thresholds: Vec::new(),
                    top: panel.max.map(|max| max * factor),
                    bottom: panel.min.map(|min| min * factor),
                    shape: match panel.shape {
                        PanelShape::Area { stacked } => Shape::Area { stacked },
                        PanelShape::Bars => Shape::Bars,
                        _ => Shape::Lines,
                    },
                    legend_below: panel.series.len() > 3,
                })
            });
            Some(view! { <TimeSeries title=String::new() unit data id=title.clone() /> }.into_any())
        }
        _ => None,
    };
    let values = move || {
        panel.with(|panel| {
            let many = panel.series.len() > 1;
            match &panel.shape {
                PanelShape::Stat => panel
                    .series
                    .iter()
                    .map(|series| {
                        let color = series.value.and_then(|value| color_of(panel, value));
                        view! {
                            <div class="stat">
                                <span class="stat__value" style:color=color>{written(panel, series.value)}</span>
                                {many.then(|| view! { <span class="stat__name">{series.name.clone()}</span> })}
                            </div>
                        }
                    })
                    .collect_view()
                    .into_any(),
                PanelShape::Gauge | PanelShape::BarGauge => {
                    let gauge = panel.shape == PanelShape::Gauge;
                    let top = panel.max.unwrap_or_else(|| {
                        match panel.unit.as_deref() {
                            Some("percent") => 100.0,
                            Some("percentunit") => 1.0,
                            _ => panel
                                .series
                                .iter()
                                .filter_map(|series| series.value)
                                .fold(0.0, f64::max),
                        }
                    });
                    let bottom = panel.min.unwrap_or(0.0);
                    panel
                        .series
                        .iter()
                        .map(|series| {
                            let value = series.value.unwrap_or(bottom);
                            let fraction = if top > bottom { (value - bottom) / (top - bottom) } else { 0.0 };
                            let color = series
                                .value
                                .and_then(|value| color_of(panel, value))
                                .unwrap_or_else(|| "#3b82f6".to_owned());
                            let shown = written(panel, series.value);
                            if gauge {
                                view! {
                                    <div class="gauge">
                                        <div class="gauge__svg" inner_html=gauge_svg(fraction, &color)></div>
                                        <span class="gauge__value">{shown}</span>
                                        {many.then(|| view! { <span class="stat__name">{series.name.clone()}</span> })}
                                    </div>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <div class="bar-gauge">
                                        <span class="bar-gauge__name">{series.name.clone()}</span>
                                        <span class="bar-gauge__track">
                                            <span class="bar-gauge__fill" style:width=format!("{:.1}%", fraction.clamp(0.0, 1.0) * 100.0) style:background=color></span>
                                        </span>
                                        <span class="bar-gauge__value">{shown}</span>
                                    </div>
                                }
                                .into_any()
                            }
                        })
                        .collect_view()
                        .into_any()
                }
                PanelShape::Table => view! {
                    <table class="table panel__table">
                        <tbody>
                            {panel.series.iter().map(|series| view! {
                                <tr><td>{series.name.clone()}</td><td class="is-numeric">{written(panel, series.value)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
                PanelShape::Text { content } => {
                    view! { <div class="panel__text">{content.clone()}</div> }.into_any()
                }
                PanelShape::Heatmap => {
                    // Buckets bottom to top: by their bound when their names are numbers (`le`).
                    let mut rows: Vec<(&str, &[Option<f64>])> = panel
                        .series
                        .iter()
                        .map(|series| (series.name.as_str(), series.values.as_slice()))
                        .collect();
                    rows.sort_by(|a, b| bound(a.0).total_cmp(&bound(b.0)));
                    let heatmap = charts::Heatmap {
                        times: &panel.times,
                        rows,
                    };
                    let svg = charts::draw_heatmap(&heatmap, (480, 170), &clock)
                        .map(|drawn| drawn.svg)
                        .unwrap_or_default();
                    view! { <div class="chart__svg heatmap" inner_html=svg></div> }.into_any()
                }
                _ => ().into_any(),
            }
        })
    };
    let empty = move || {
        panel.with(|panel| {
            panel.series.is_empty()
                && panel.errors.is_empty()
                && !matches!(panel.shape, PanelShape::Text { .. })
        })
    };
    let errors = move || {
        panel.with(|panel| {
            panel
                .errors
                .iter()
                .map(|error| view! { <p class="panel__error" role="alert">{error.clone()}</p> })
                .collect_view()
        })
    };
    view! {
        <article class="card panel" data-panel=title.clone() style:grid-column=format!("span {width}")>
            <h3 class="panel__title" title=description.unwrap_or_default()>{title.clone()}{tools}</h3>
            {errors}
            <Show when=empty>
                <p class="panel__empty">{move || i18n.t(Msg::MonitoringNoData)}</p>
            </Show>
            {chart}
            <div class="panel__values">{values}</div>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_is_opened_by_its_fragment() {
        assert_eq!(opened("#/monitoring/gpu"), Some("gpu".to_owned()));
        assert_eq!(
            opened("#/monitoring/imported-x?tab=1"),
            Some("imported-x".to_owned())
        );
        assert_eq!(opened("#/monitoring"), None);
        assert_eq!(opened("#/monitoring/"), None);
    }

    #[test]
    fn thresholds_colour_a_value_by_the_highest_step_it_reaches() {
        let panel = PanelView {
            thresholds: vec![
                (None, "green".into()),
                (Some(80.0), "orange".into()),
                (Some(95.0), "#ff0000".into()),
            ],
            ..PanelView::default()
        };
        assert_eq!(color_of(&panel, 10.0).as_deref(), Some("#73bf69"));
        assert_eq!(color_of(&panel, 80.0).as_deref(), Some("#ff9830"));
        assert_eq!(color_of(&panel, 99.0).as_deref(), Some("#ff0000"));
        assert_eq!(color_of(&PanelView::default(), 1.0), None);
        assert_eq!(refresh_seconds("30s"), Some(30));
        assert_eq!(refresh_seconds("1m"), Some(60));
        assert_eq!(refresh_seconds("soon"), None);
    }
}
