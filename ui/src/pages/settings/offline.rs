//! Offline data: where the offline store is and how much it holds per cluster, forgetting a
//! cluster's data and exporting it to a snapshot file.

use kubedesk_ipc::{
    ExportOfflineData, ForgetOfflineData, GetOfflineData, OfflineCluster, OfflineData,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::format;
use crate::i18n::{Msg, use_i18n};
use crate::ipc;

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
                Ok(written) => outcome.set(Some(Notice::Done(i18n.tf(
                    Msg::OfflineExported,
                    &[("context", &context), ("path", &written.path)],
                )))),
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
        view! {
            {problem}
            <p class="help" id="offline-summary">{summary}</p>
            {table}
        }
        .into_any()
    };
    view! {
        <div class="card" id="offline-data">
            <h2 class="card__title">{move || i18n.t(Msg::OfflineTitle)}</h2>
            <p class="help">{move || i18n.t(Msg::OfflineHelp)}</p>
            {body}
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="offline-outcome" /> })}
        </div>
    }
}
