//! Offline data: where the offline store is and how much it holds per cluster, forgetting a
//! cluster's data and exporting it to a snapshot file, opening snapshot files as read-only
//! clusters, and the store's limits.

use kubedesk_ipc::{
    ExportOfflineData, ForgetOfflineData, GetOfflineData, OfflineCluster, OfflineData,
    OfflineLimits, OpenSnapshot, SaveSettings, Settings, SnapshotFile,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::format;
use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::route::Area;
use crate::state::{Contexts, Healths, Selection, SettingsState, load_contexts};

/// The card in Settings.
#[component]
pub fn OfflineDataCard() -> impl IntoView {
    let i18n = use_i18n();
    let data = RwSignal::new(None::<OfflineData>);
    let outcome = RwSignal::new(None::<Notice>);
    // The cluster whose Forget was pressed once: a second press forgets.
    let forgetting = RwSignal::new(None::<String>);
    spawn_local(async move {
        match ipc::call(&GetOfflineData {}).await {
            Ok(read) => data.set(Some(read)),
            Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
        }
    });
    let forget = move |context: String| {
        if forgetting.get_untracked().as_deref() != Some(context.as_str()) {
            forgetting.set(Some(context));
            return;
        }
        forgetting.set(None);
        spawn_local(async move {
            match ipc::call(&ForgetOfflineData {
                context: context.clone(),
            })
            .await
            {
                Ok(read) => {
                    data.set(Some(read));
                    outcome.set(Some(Notice::Done(
                        i18n.tf(Msg::OfflineForgotten, &[("context", &context)]),
                    )));
                }
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    let export = move |context: String| {
        spawn_local(async move {
            match ipc::call(&ExportOfflineData {
                context: context.clone(),
            })
            .await
            {
                Ok(written) => {
                    outcome.set(Some(Notice::Done(i18n.tf(
                        Msg::OfflineExported,
                        &[("context", &context), ("path", &written.path)],
                    ))));
                    // The new file shows among the snapshots.
                    if let Ok(read) = ipc::call(&GetOfflineData {}).await {
                        data.set(Some(read));
                    }
                }
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    let row = move |cluster: OfflineCluster| {
        let (for_forget, for_export) = (cluster.context.clone(), cluster.context.clone());
        let asking = {
            let context = cluster.context.clone();
            move || forgetting.get().as_deref() == Some(context.as_str())
        };
        view! {
            <tr data-context=cluster.context.clone()>
                <td>{cluster.context.clone()}</td>
                <td>{format::bytes(cluster.bytes as f64)}</td>
                <td>{cluster.objects.to_string()}</td>
                <td class="offline-data__buttons">
                    <button type="button" class="button" data-export=cluster.context.clone()
                        on:click=move |_| export(for_export.clone())>
                        {move || i18n.t(Msg::OfflineExport)}
                    </button>
                    <button type="button" class="button button--danger" data-forget=cluster.context.clone()
                        on:click=move |_| forget(for_forget.clone())>
                        {move || i18n.t(if asking() { Msg::OfflineForgetConfirm } else { Msg::OfflineForget })}
                    </button>
                </td>
            </tr>
        }
    };
    let body = move || {
        let Some(read) = data.get() else {
            return view! { <p class="help">{i18n.t(Msg::AppLoading)}</p> }.into_any();
        };
        let problem = read.problem.clone().map(|problem| {
            view! { <div class="banner banner--error" id="offline-problem" role="alert">{problem}</div> }
        });
        let summary = i18n.tf(
            Msg::OfflineSummary,
            &[
                ("path", &read.path),
                ("kept", &format::bytes(read.total_bytes as f64)),
                ("file", &format::bytes(read.file_bytes as f64)),
            ],
        );
        let table = if read.clusters.is_empty() {
            view! { <p class="help" id="offline-empty">{i18n.t(Msg::OfflineEmpty)}</p> }.into_any()
        } else {
            let rows = read.clusters.into_iter().map(row).collect_view();
            view! {
                <table class="table" id="offline-clusters">
                    <thead><tr>
                        <th>{i18n.t(Msg::OfflineCluster)}</th>
                        <th>{i18n.t(Msg::OfflineSize)}</th>
                        <th>{i18n.t(Msg::OfflineObjects)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        };
        let snapshots = read.snapshots.clone();
        view! {
            {problem}
            <p class="help" id="offline-summary">{summary}</p>
            {table}
            <Snapshots snapshots outcome data />
        }
        .into_any()
    };
    view! {
        <div class="card" id="offline-data">
            <h2 class="card__title">{move || i18n.t(Msg::OfflineTitle)}</h2>
            <p class="help">{move || i18n.t(Msg::OfflineHelp)}</p>
            {body}
            <LimitsForm outcome />
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="offline-outcome" /> })}
        </div>
    }
}

/// The snapshot files found, each opened as a read-only cluster at a click, and a file from
/// elsewhere opened by its path.
#[component]
fn Snapshots(
    snapshots: Vec<SnapshotFile>,
    outcome: RwSignal<Option<Notice>>,
    data: RwSignal<Option<OfflineData>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let contexts: Contexts = expect_context();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let path = RwSignal::new(String::new());
    let open = move |file: String| {
        spawn_local(async move {
            match ipc::call(&OpenSnapshot { path: file.clone() }).await {
                Ok(opened) => {
                    outcome.set(Some(Notice::Done(i18n.tf(
                        Msg::OfflineSnapshotOpened,
                        &[("file", &file), ("name", &opened.name)],
                    ))));
                    path.set(String::new());
                    load_contexts(contexts, selection, healths).await;
                    selection.choose_context(contexts, opened.name);
                    if let Ok(read) = ipc::call(&GetOfflineData {}).await {
                        data.set(Some(read));
                    }
                }
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    let rows = snapshots
        .iter()
        .map(|file| {
            let button = match (&file.problem, &file.open_as) {
                (Some(problem), _) => view! { <span class="field__problem">{problem.clone()}</span> }.into_any(),
                (None, Some(name)) => {
                    let name = name.clone();
                    view! {
                        <a class="button button--small" data-browse=name.clone() href=Area::Overview.href()
                            on:click=move |_| selection.choose_context(contexts, name.clone())>
                            {move || i18n.t(Msg::OfflineSnapshotBrowse)}
                        </a>
                    }
                    .into_any()
                }
                (None, None) => {
                    let file = file.path.clone();
                    view! {
                        <button type="button" class="button button--small" data-open=file.clone()
                            on:click=move |_| open(file.clone())>
                            {move || i18n.t(Msg::OfflineSnapshotOpen)}
                        </button>
                    }
                    .into_any()
                }
            };
            let name = std::path::Path::new(&file.path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.path.clone());
            let exported = file
                .exported_at
                .as_deref()
                .map(|at| format::last_seen(at, 0).0)
                .unwrap_or_default();
            view! {
                <tr data-snapshot=file.path.clone()>
                    <td class="cell--mono" title=file.path.clone()>{name}</td>
                    <td>{file.context.clone().unwrap_or_default()}</td>
                    <td>{exported}</td>
                    <td class="offline-data__buttons">{button}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if snapshots.is_empty() {
        view! { <p class="help">{move || i18n.t(Msg::OfflineSnapshotsEmpty)}</p> }.into_any()
    } else {
        view! {
            <table class="table" id="offline-snapshots">
                <thead><tr>
                    <th>{move || i18n.t(Msg::OfflineSnapshotFile)}</th>
                    <th>{move || i18n.t(Msg::OfflineSnapshotOf)}</th>
                    <th>{move || i18n.t(Msg::OfflineSnapshotExported)}</th>
                    <th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h3 class="card__subtitle">{move || i18n.t(Msg::OfflineSnapshotsTitle)}</h3>
        <p class="help">{move || i18n.t(Msg::OfflineSnapshotsHelp)}</p>
        {table}
        <form class="form-inline" id="snapshot-open" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let file = path.get_untracked().trim().to_owned();
            if !file.is_empty() {
                open(file);
            }
        }>
            <label class="field field--inline field--grow">
                <span class="field__label">{move || i18n.t(Msg::OfflineSnapshotPath)}</span>
                <input id="snapshot-path" class="input" type="text" prop:value=path
                    placeholder=move || i18n.t(Msg::OfflineSnapshotPathPlaceholder)
                    on:input=move |event| path.set(event_target_value(&event)) />
            </label>
            <button type="submit" class="button">{move || i18n.t(Msg::OfflineSnapshotOpen)}</button>
        </form>
    }
}

/// The store's limits: what is typed is checked here (a whole number) and by the backend (at
/// least 16 MiB, the total at least the limit per cluster), and kept when refused.
#[component]
fn LimitsForm(outcome: RwSignal<Option<Notice>>) -> impl IntoView {
    let i18n = use_i18n();
    let SettingsState(settings) = expect_context();
    let limits = move || settings.get().offline_limits;
    let per_cluster = RwSignal::new(String::new());
    let total = RwSignal::new(String::new());
    // The fields follow the settings until the user types.
    Effect::new(move || {
        let limits = limits();
        per_cluster.set(limits.per_cluster_mib.to_string());
        total.set(limits.total_mib.to_string());
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let number = |field: Msg, value: String| {
            value.trim().parse::<u64>().map_err(|_| {
                i18n.tf(
                    Msg::OfflineLimitNotNumber,
                    &[("field", i18n.t(field)), ("value", &value)],
                )
            })
        };
        let parsed = number(Msg::OfflineLimitPerCluster, per_cluster.get_untracked()).and_then(
            |per_cluster_mib| {
                Ok(OfflineLimits {
                    per_cluster_mib,
                    total_mib: number(Msg::OfflineLimitTotal, total.get_untracked())?,
                })
            },
        );
        let offline_limits = match parsed {
            Ok(limits) => limits,
            Err(problem) => {
                outcome.set(Some(Notice::Failed(problem)));
                return;
            }
        };
        let next = Settings {
            offline_limits,
            ..settings.get_untracked()
        };
        spawn_local(async move {
            match ipc::call(&SaveSettings { settings: next }).await {
                Ok(stored) => {
                    settings.set(stored);
                    outcome.set(Some(Notice::Done(
                        i18n.t(Msg::OfflineLimitsSaved).to_owned(),
                    )));
                }
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };
    view! {
        <h3 class="card__subtitle">{move || i18n.t(Msg::OfflineLimitsTitle)}</h3>
        <p class="help">{move || i18n.t(Msg::OfflineLimitsHelp)}</p>
        <form class="form-inline" id="offline-limits" on:submit=save>
            <label class="field field--inline">
                <span class="field__label">{move || i18n.t(Msg::OfflineLimitPerCluster)}</span>
                <input id="limit-per-cluster" class="input input--narrow" type="text" inputmode="numeric" prop:value=per_cluster
                    on:input=move |event| per_cluster.set(event_target_value(&event)) />
            </label>
            <label class="field field--inline">
                <span class="field__label">{move || i18n.t(Msg::OfflineLimitTotal)}</span>
                <input id="limit-total" class="input input--narrow" type="text" inputmode="numeric" prop:value=total
                    on:input=move |event| total.set(event_target_value(&event)) />
            </label>
            <button type="submit" class="button">{move || i18n.t(Msg::OfflineLimitsSave)}</button>
        </form>
    }
}
