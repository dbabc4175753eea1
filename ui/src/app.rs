//! The root component: loads settings and contexts, provides the shared state, lays out the shell.

use kubedesk_ipc::{ContextList, GetSettings, KubeconfigChanged, SaveSettings, Settings};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::palette::Palette;
use crate::components::side_nav::SideNav;
use crate::components::top_bar::TopBar;
use crate::i18n::{Msg, provide_i18n, resolve_language};
use crate::ipc;
use crate::pages::clusters::ClustersPage;
use crate::pages::gpus::GpusPage;
use crate::pages::monitoring::MonitoringPage;
use crate::pages::not_built::NotBuilt;
use crate::pages::overview::OverviewPage;
use crate::pages::resources::ResourcesPage;
use crate::pages::settings::SettingsPage;
use crate::pages::storage::StoragePage;
use crate::pages::workloads::WorkloadsPage;
use crate::pages::workspaces::WorkspacesPage;
use crate::route::{Area, Hash};
use crate::state::{
    ChangeSettings, Contexts, Healths, Loadable, Selection, SettingsState, load_contexts,
};
use crate::theme;

/// The whole window.
#[component]
pub fn App() -> impl IntoView {
    let system_language =
        StoredValue::new(web_sys::window().and_then(|window| window.navigator().language()));
    let i18n = provide_i18n(resolve_language(
        None,
        system_language.get_value().as_deref(),
    ));
    let settings = RwSignal::new(Settings::default());
    let contexts = RwSignal::new(Loadable::<ContextList>::Loading);
    let notices = RwSignal::new(Vec::<String>::new());
    let selection = Selection {
        context: RwSignal::new(None),
        namespace: RwSignal::new(None),
        all_clusters: RwSignal::new(false),
    };
    provide_context(SettingsState(settings));
    provide_context(Contexts(contexts));
    provide_context(selection);
    let healths = Healths::new();
    provide_context(healths);

    let system_dark = theme::system_prefers_dark();
    Effect::new(move || theme::apply(theme::effective(settings.get().theme, system_dark.get())));
    Effect::new(move || {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", i18n.language().tag());
        }
    });

    let apply_settings = move |stored: Settings| {
        i18n.set_language(resolve_language(
            stored.language,
            system_language.get_value().as_deref(),
        ));
        settings.set(stored);
    };
    spawn_local(async move {
        match ipc::call(&GetSettings {}).await {
            Ok(stored) => apply_settings(stored),
            Err(error) => notices.update(|notices| {
                notices.push(i18n.tf(
                    Msg::ErrorSettingsNotLoaded,
                    &[("message", &error.to_string())],
                ))
            }),
        }
    });
    spawn_local(load_contexts(Contexts(contexts), selection, healths));
    // An edit to the kubeconfig files shows at once, without a restart.
    spawn_local(async move {
        let listening = ipc::listen(move |_: KubeconfigChanged| {
            spawn_local(load_contexts(Contexts(contexts), selection, healths));
        })
        .await;
        if let Err(error) = listening {
            notices.update(|notices| notices.push(error.to_string()));
        }
    });

    // A change is shown at once and then stored; a failure to store is said, the choice stays.
    let on_settings = Callback::new(move |next: Settings| {
        apply_settings(next.clone());
        spawn_local(async move {
            if let Err(error) = ipc::call(&SaveSettings { settings: next }).await {
                notices.update(|notices| {
                    notices.push(i18n.tf(
                        Msg::ErrorSettingsNotSaved,
                        &[("message", &error.to_string())],
                    ))
                });
            }
        });
    });

    let hash = current_hash();
    provide_context(Hash(hash));
    let area = Memo::new(move |_| Area::from_hash(&hash.get()));
    provide_context(ChangeSettings(on_settings));
    view! {
        <div class="shell">
            <TopBar on_settings />
            <SideNav current=Signal::from(area) />
            <Palette />
            <main class="content" id="content">
                <For each=move || notices.get().into_iter().enumerate() key=|(index, _)| *index let:notice>
                    <div class="banner banner--error" role="alert">
                        {notice.1}
                    </div>
                </For>
                {move || match area.get() {
                    Area::Overview => view! { <OverviewPage /> }.into_any(),
                    Area::Clusters => view! { <ClustersPage /> }.into_any(),
                    Area::Settings => view! { <SettingsPage on_settings /> }.into_any(),
                    Area::Workloads => view! { <WorkloadsPage /> }.into_any(),
                    Area::Resources => view! { <ResourcesPage /> }.into_any(),
                    Area::Storage => view! { <StoragePage /> }.into_any(),
                    Area::Gpus => view! { <GpusPage /> }.into_any(),
                    Area::Monitoring => view! { <MonitoringPage /> }.into_any(),
                    Area::Workspaces => view! { <WorkspacesPage /> }.into_any(),
                    other => match other.plan() {
                        Some(plan) => view! { <NotBuilt area=other plan /> }.into_any(),
                        None => view! { <ClustersPage /> }.into_any(),
                    },
                }}
            </main>
        </div>
    }
}

/// The URL fragment, following navigation.
fn current_hash() -> RwSignal<String> {
    let read = move || window().location().hash().unwrap_or_default();
    let hash = RwSignal::new(read());
    // The shell lives as long as the window, so the listener is never removed.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| hash.set(read()));
    hash
}
