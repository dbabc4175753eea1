//! A live table: subscribes to one kind's rows in the selected cluster and namespace, asks the
//! backend for the rows in view as the user scrolls, filters and sorts, and keeps only those rows
//! in the DOM (rows have a fixed height, so the scroll area's height stands for all of them).

use kubedesk_ipc::{
    ObjectKind, QueryTable, StopTable, TableCell, TableQuery, TableStatus, TableUpdate, WatchTable,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::format;
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::route::{columns_key, object_href};
use crate::state::{ChangeSettings, Contexts, Selection, SettingsState};

/// Each row's height in pixels (kept in step with `.live-table__row` in app.css).
const ROW: f64 = 32.0;
/// Rows asked for beyond the visible ones, above and below.
const OVERSCAN: usize = 10;

/// The choice between the selected cluster and all of them, and the live table of `kind` in the
/// cluster or clusters chosen and the selected namespace; when no cluster is selected, a card
/// that says so.
#[component]
pub fn ClusterTable(kind: Signal<ObjectKind>) -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let known: Contexts = expect_context();
    // Every known context when the user chose all clusters, else the selected one.
    let contexts = Signal::derive(move || {
        if selection.all_clusters.get() {
            known.names()
        } else {
            selection.context.get().into_iter().collect()
        }
    });
    view! {
        <label class="choice all-clusters">
            <input id="all-clusters" type="checkbox" prop:checked=move || selection.all_clusters.get()
                on:change=move |event| selection.all_clusters.set(event_target_checked(&event)) />
            {move || i18n.t(Msg::WorkloadsAllClusters)}
        </label>
        {move || match selection.context.get() {
            None => view! { <div class="card">{i18n.t(Msg::TableNoCluster)}</div> }.into_any(),
            Some(_) => view! {
                <LiveTable contexts kind namespace=Signal::derive(move || selection.namespace.get()) />
            }.into_any(),
        }}
    }
}

/// The live table of `kind` in `namespace` of one cluster, or of several with a cluster column
/// (`contexts`).
#[component]
pub fn LiveTable(
    contexts: Signal<Vec<String>>,
    kind: Signal<ObjectKind>,
    namespace: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let columns = RwSignal::new(Vec::<String>::new());
    let update = RwSignal::new(None::<TableUpdate>);
    let error = RwSignal::new(None::<String>);
    let query = RwSignal::new(TableQuery {
        limit: 60,
        ..TableQuery::default()
    });
    let held = ipc::Held::new(|id| StopTable { id });
    // A row of another cluster opens in that cluster: it becomes the selected one.
    let selection: Selection = expect_context();
    let known: Contexts = expect_context();
    let open_row = move |row: &kubedesk_ipc::TableRow| {
        if let Some(cluster) = row.cluster.clone()
            && selection.context.get_untracked().as_ref() != Some(&cluster)
        {
            selection.choose_context(known, cluster);
        }
    };
    // The selected row, by its place in the sorted rows; moved with the keyboard or a click.
    let selected = RwSignal::new(None::<usize>);
    let body = NodeRef::<leptos::html::Div>::new();
    // A new subscription whenever the cluster, the kind or the namespace changes; the same ones
    // set again (a cluster chosen anew) keep the subscription and the selected row.
    let watched = Memo::new(move |_| (contexts.get(), kind.get(), namespace.get()));
    Effect::new(move || {
        let (contexts, kind, namespace) = watched.get();
        held.stop();
        update.set(None);
        error.set(None);
        selected.set(None);
        if contexts.is_empty() {
            return;
        }
        let first = TableQuery {
            offset: 0,
            ..query.get_untracked()
        };
        query.set(first.clone());
        let request = WatchTable {
            contexts,
            kind,
            namespace,
            query: first,
        };
        let answer = held.subscribe(
            request,
            |answer| answer.id,
            move |next: TableUpdate| update.set(Some(next)),
        );
        spawn_local(async move {
            match answer.await {
                Ok(Some(answer)) => columns.set(answer.columns),
                Ok(None) => {}
                Err(failure) => error.set(Some(failure.to_string())),
            }
        });
    });
    on_cleanup(move || held.stop());
    // The window, filter and sort go to the backend as they change.
    Effect::new(move || {
        let query = query.get();
        if let Some(id) = held.id() {
            spawn_local(async move {
                let _ = ipc::call(&QueryTable { id, query }).await;
            });
        }
    });
    // ↑ ↓, Page Up / Page Down, Home / End move the selection; the view follows it.
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let Some(element) = body.get() else { return };
        let total = update.get_untracked().map_or(0, |update| update.total);
        if total == 0 {
            return;
        }
        let page = ((f64::from(element.client_height()) / ROW) as usize).max(1);
        let current = selected.get_untracked();
        // As in k9s: Enter opens the selected row's page, l its logs, y its YAML, e its editor,
        // Ctrl+D its delete dialog.
        let open = match (event.key().as_str(), event.ctrl_key()) {
            ("Enter", false) => Some(""),
            ("l", false) => Some("?tab=logs"),
            ("y", false) => Some("?tab=yaml"),
            ("e", false) => Some("?tab=yaml&edit"),
            ("d", true) => Some("?action=delete"),
            _ => None,
        };
        if let Some(suffix) = open {
            let shown = update.get_untracked();
            let row = current.zip(shown).and_then(|(at, shown)| {
                at.checked_sub(shown.offset)
                    .and_then(|index| shown.rows.get(index).cloned())
            });
            if let Some(row) = row {
                event.prevent_default();
                open_row(&row);
                let href = object_href(kind.get_untracked(), row.namespace.as_deref(), &row.name);
                let _ = window().location().set_hash(&format!("{href}{suffix}"));
            }
            return;
        }
        let next = match (event.key().as_str(), current) {
            ("ArrowDown", None) | ("Home", _) => 0,
            ("ArrowDown", Some(at)) => at + 1,
            ("ArrowUp", at) => at.unwrap_or(0).saturating_sub(1),
            ("PageDown", at) => at.unwrap_or(0) + page,
            ("PageUp", at) => at.unwrap_or(0).saturating_sub(page),
            ("End", _) => total - 1,
            _ => return,
        }
        .min(total - 1);
        event.prevent_default();
        selected.set(Some(next));
        let top = next as f64 * ROW;
        let scroll = f64::from(element.scroll_top());
        let height = f64::from(element.client_height());
        if top < scroll {
            element.set_scroll_top(top as i32);
        } else if top + ROW > scroll + height {
            element.set_scroll_top((top + ROW - height).ceil() as i32);
        }
    };
    let on_scroll = move |event: leptos::ev::Event| {
        let Some(target) = event
            .target()
            .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
        else {
            return;
        };
        let first = (f64::from(target.scroll_top()) / ROW) as usize;
        let visible = (f64::from(target.client_height()) / ROW).ceil() as usize;
        let offset = first.saturating_sub(OVERSCAN);
        let limit = visible + 2 * OVERSCAN;
        let current = query.get_untracked();
        if current.offset != offset || current.limit != limit {
            query.set(TableQuery {
                offset,
                limit,
                ..current
            });
        }
    };
    let sort_by = move |column: usize| {
        let current = query.get_untracked();
        let descending = current.sort == Some(column) && !current.descending;
        query.set(TableQuery {
            sort: Some(column),
            descending,
            ..current
        });
    };
    let several = Memo::new(move |_| contexts.get().len() > 1);
    // The kind's columns the user keeps, remembered in the settings; hidden ones are not drawn.
    let SettingsState(settings) = expect_context();
    let ChangeSettings(change_settings) = expect_context();
    let hidden = Memo::new(move |_| {
        settings.with(|settings| {
            settings
                .hidden_columns
                .get(&columns_key(&kind.get()))
                .cloned()
                .unwrap_or_default()
        })
    });
    let shown_columns = Memo::new(move |_| {
        let hidden = hidden.get();
        columns
            .get()
            .iter()
            .enumerate()
            .filter(|(_, column)| !hidden.contains(column))
            .map(|(index, _)| index)
            .collect::<Vec<usize>>()
    });
    let choose_column = move |column: String, show: bool| {
        let mut next = settings.get_untracked();
        let slug = columns_key(&kind.get_untracked());
        let entry = next.hidden_columns.entry(slug.clone()).or_default();
        entry.retain(|hidden| *hidden != column);
        if !show {
            entry.push(column);
        }
        if entry.is_empty() {
            next.hidden_columns.remove(&slug);
        }
        change_settings.run(next);
    };
    let picking = RwSignal::new(false);
    let picker = move || {
        picking.get().then(|| {
            let hidden = hidden.get();
            columns
                .get()
                .into_iter()
                .map(|column| {
                    let shown = !hidden.contains(&column);
                    let label = column_label(i18n, &column);
                    let name = column.clone();
                    view! {
                        <label class="choice" data-column-choice=name>
                            <input type="checkbox" checked=shown
                                on:change=move |event| choose_column(column.clone(), event_target_checked(&event)) />
                            {label}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    let headers = move || {
        let cluster = several.get().then(|| {
            view! {
                <div class="live-table__cell live-table__head" role="columnheader" data-column="cluster">
                    {move || i18n.t(Msg::TableCluster)}
                </div>
            }
        });
        let mut names = vec![
            i18n.t(Msg::TableNamespace).to_owned(),
            i18n.t(Msg::TableName).to_owned(),
        ];
        let columns = columns.get();
        let mut places = vec![0, 1];
        for index in shown_columns.get() {
            names.push(column_label(i18n, &columns[index]));
            places.push(index + 2);
        }
        let current = query.get();
        let names = names
            .into_iter()
            .zip(places)
            .map(|(name, index)| {
                let mark = match (current.sort == Some(index), current.descending) {
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                    _ => "",
                };
                view! {
                    <div class="live-table__cell live-table__head" role="columnheader" data-column=index on:click=move |_| sort_by(index)>
                        {name}{mark}
                    </div>
                }
            })
            .collect_view();
        view! { {cluster}{names} }
    };
    let rows = move || {
        let Some(update) = update.get() else {
            return Vec::new();
        };
        let now = (js_sys::Date::now() / 1000.0) as i64;
        let shown = shown_columns.get();
        update
            .rows
            .into_iter()
            .enumerate()
            .map(|(index, row)| {
                let place = update.offset + index;
                let top = place as f64 * ROW;
                let cells = shown
                    .iter()
                    .filter_map(|index| row.cells.get(*index))
                    .map(|cell| view! { <div class="live-table__cell">{cell_text(cell, now)}</div> })
                    .collect_view();
                view! {
                    <div class="live-table__row" role="row" data-row=row.key.clone() style:top=format!("{top}px")
                        class:is-selected=move || selected.get() == Some(place) aria-selected=move || (selected.get() == Some(place)).to_string()
                        on:click=move |_| selected.set(Some(place))>
                        {row.cluster.clone().map(|cluster| view! { <div class="live-table__cell cell--muted">{cluster}</div> })}
                        <div class="live-table__cell cell--muted">{row.namespace.clone().unwrap_or_default()}</div>
                        <div class="live-table__cell cell--strong">
                            <a class="live-table__link" href=object_href(kind.get_untracked(), row.namespace.as_deref(), &row.name)
                                on:click={
                                    let row = row.clone();
                                    move |_| open_row(&row)
                                }>{row.name.clone()}</a>
                        </div>
                        {cells}
                    </div>
                }
            })
            .collect::<Vec<_>>()
    };
    let height = move || {
        let total = update.get().map_or(0, |update| update.total);
        format!("{}px", total as f64 * ROW)
    };
    let status = move || {
        let Some(update) = update.get() else {
            return error
                .get()
                .unwrap_or_else(|| i18n.t(Msg::AppLoading).to_owned());
        };
        let count = update.total.to_string();
        let mut line = match &update.status {
            TableStatus::Listing => i18n.tf(Msg::TableListing, &[("count", &count)]),
            TableStatus::Live if update.total == 0 => i18n.t(Msg::TableNoRows).to_owned(),
            TableStatus::Live if update.total == 1 => i18n.t(Msg::TableOneRow).to_owned(),
            TableStatus::Live => i18n.tf(Msg::TableRows, &[("count", &count)]),
            TableStatus::Forbidden { message } => {
                i18n.tf(Msg::TableForbidden, &[("message", message)])
            }
            TableStatus::Retrying { message } => {
                i18n.tf(Msg::TableRetrying, &[("message", message)])
            }
            TableStatus::Offline { as_of, message } => {
                let now = (js_sys::Date::now() / 1000.0) as i64;
                let (time, age) = crate::format::last_seen(as_of, now);
                match message {
                    Some(message) => i18n.tf(
                        Msg::TableOffline,
                        &[("time", &time), ("age", &age), ("message", message)],
                    ),
                    None => i18n.tf(Msg::TableStored, &[("time", &time), ("age", &age)]),
                }
            }
            TableStatus::ReadOnly {
                as_of: Some(as_of),
                source,
            } => crate::components::read_only::as_of(i18n, Msg::ReadOnlyTable, as_of, source, &[]),
            TableStatus::ReadOnly {
                as_of: None,
                source,
            } => i18n.tf(
                Msg::ReadOnlyTableNotKept,
                &[(
                    "source",
                    &crate::components::read_only::source(i18n, source),
                )],
            ),
        };
        for problem in update.filter_error.iter().chain(&update.problems) {
            line = format!("{line} · {problem}");
        }
        line
    };
    view! {
        <div class="live-table-tools">
            <label class="field field--inline">
                <span class="field__label">{move || i18n.t(Msg::TableFilter)}</span>
                <input id="table-filter" class="input" type="search" placeholder=move || i18n.t(Msg::TableFilterPlaceholder)
                    on:input=move |event| query.set(TableQuery { text: event_target_value(&event), offset: 0, ..query.get_untracked() }) />
            </label>
            <label class="field field--inline">
                <span class="field__label">{move || i18n.t(Msg::TableLabels)}</span>
                <input id="table-labels" class="input" type="search" placeholder=move || i18n.t(Msg::TableLabelsPlaceholder)
                    on:input=move |event| query.set(TableQuery { labels: event_target_value(&event), offset: 0, ..query.get_untracked() }) />
            </label>
            <span class="live-table__status" id="table-status" role="status"
                class:live-table__status--offline=move || update.with(|update| matches!(update, Some(TableUpdate { status: TableStatus::Offline { message: Some(_), .. } | TableStatus::ReadOnly { .. }, .. })))>{status}</span>
            <span class="spacer"></span>
            <button type="button" class="button button--small" id="table-columns" aria-expanded=move || picking.get().to_string()
                on:click=move |_| picking.update(|open| *open = !*open)>
                {move || i18n.t(Msg::TableColumns)}
            </button>
        </div>
        {move || picking.get().then(|| view! { <div class="column-picker card" id="column-picker">{picker}</div> })}
        // The grid's columns come from app.css by their count: the CSP bars inline styles.
        <div class="card card--table live-table" role="table" data-columns=move || shown_columns.get().len() data-cluster=move || several.get().then_some("true")>
            <div class="live-table__header" role="row">{headers}</div>
            <div class="live-table__body" id="live-table-body" tabindex="0" node_ref=body on:scroll=on_scroll on:keydown=on_key>
                <div class="live-table__spacer" style:height=height>
                    <div class="live-table__rows">{rows}</div>
                </div>
            </div>
        </div>
    }
}

/// A cell as text: numbers without needless decimals, times as ages.
pub(crate) fn cell_text(cell: &TableCell, now: i64) -> String {
    match cell {
        TableCell::Text(text) => text.clone(),
        TableCell::Number(number) => format::count(*number),
        TableCell::Time(Some(time)) => format::age(time, now).unwrap_or_else(|| time.clone()),
        TableCell::Time(None) => "<none>".to_owned(),
        TableCell::Duration(seconds) => format::duration(*seconds as i64),
    }
}

/// A column's (or a detail page's fact's) heading in the current language; an unknown one as the
/// backend names it.
pub(crate) fn column_label(i18n: I18n, column: &str) -> String {
    let message = match column {
        "Ready" => Msg::TableReady,
        "Status" => Msg::TableStatus,
        "Restarts" => Msg::TableRestarts,
        "Age" => Msg::TableAge,
        "IP" => Msg::TableIp,
        "Node" => Msg::TableNode,
        "GPUs" => Msg::TableGpus,
        "Up-to-date" => Msg::TableUpToDate,
        "Available" => Msg::TableAvailable,
        "Images" => Msg::TableImages,
        "Desired" => Msg::TableDesired,
        "Current" => Msg::TableCurrent,
        "Node selector" => Msg::TableNodeSelector,
        "Completions" => Msg::TableCompletions,
        "Duration" => Msg::TableDuration,
        "Schedule" => Msg::TableSchedule,
        "Suspend" => Msg::TableSuspend,
        "Active" => Msg::TableActive,
        "Last schedule" => Msg::TableLastSchedule,
        "Roles" => Msg::TableRoles,
        "Version" => Msg::TableVersion,
        "QoS class" => Msg::TableQosClass,
        "Service account" => Msg::TableServiceAccount,
        "Priority class" => Msg::TablePriorityClass,
        "Started" => Msg::TableStarted,
        "Strategy" => Msg::TableStrategy,
        "Selector" => Msg::TableSelector,
        "Revision" => Msg::TableRevision,
        "Service" => Msg::TableService,
        "Parallelism" => Msg::TableParallelism,
        "Backoff limit" => Msg::TableBackoffLimit,
        "Concurrency" => Msg::TableConcurrency,
        "Time zone" => Msg::TableTimeZone,
        "Internal IP" => Msg::TableInternalIp,
        "Unschedulable" => Msg::TableUnschedulable,
        "Taints" => Msg::TableTaints,
        "CPU" => Msg::TableCpu,
        "Memory" => Msg::TableMemory,
        "GPU" => Msg::TableGpu,
        "Pods" => Msg::TablePods,
        "OS image" => Msg::TableOsImage,
        "Kernel" => Msg::TableKernel,
        "Container runtime" => Msg::TableContainerRuntime,
        "Architecture" => Msg::TableArchitecture,
        "Created" => Msg::TableCreated,
        "Default" => Msg::TableDefault,
        "Parameters" => Msg::TableParameters,
        "Source" => Msg::TableSource,
        other => return other.to_owned(),
    };
    i18n.t(message).to_owned()
}
