//! Image registries the workload form searches: each with its user name, added once it answers
//! as a registry with the credentials typed (the password goes to the keyring), and removed.

use kubedesk_ipc::{GetRegistries, RegistryView, RemoveRegistry, SaveRegistry};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Msg, use_i18n};
use crate::ipc;

/// The card in Settings.
#[component]
pub fn RegistriesCard() -> impl IntoView {
    let i18n = use_i18n();
    let kept = RwSignal::new(Vec::<RegistryView>::new());
    let failed = RwSignal::new(None::<String>);
    let (url, username, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let working = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            match ipc::call(&GetRegistries {}).await {
                Ok(list) => kept.set(list),
                Err(error) => failed.set(Some(error.to_string())),
            }
        });
    };
    reload();
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = SaveRegistry {
            url: url.get_untracked(),
            username: Some(username.get_untracked()).filter(|name| !name.trim().is_empty()),
            password: Some(password.get_untracked()).filter(|typed| !typed.is_empty()),
        };
        failed.set(None);
        working.set(true);
        spawn_local(async move {
            let answer = ipc::call(&request).await;
            working.set(false);
            match answer {
                Ok(()) => {
                    url.set(String::new());
                    username.set(String::new());
                    password.set(String::new());
                    reload();
                }
                Err(error) => failed.set(Some(error.to_string())),
            }
        });
    };
    let remove = move |url: String| {
        spawn_local(async move {
            match ipc::call(&RemoveRegistry { url }).await {
                Ok(()) => reload(),
                Err(error) => failed.set(Some(error.to_string())),
            }
        });
    };
    let rows = move || {
        kept.get()
            .into_iter()
            .map(|registry| {
                let target = registry.url.clone();
                view! {
                    <li class="registry" data-registry=registry.url.clone()>
                        <code>{registry.url.clone()}</code>
                        " " <span class="help">{registry.username.clone().map(|name| i18n.tf(Msg::SettingsRegistryUser, &[("name", &name)]))}</span>
                        " " <button type="button" class="button button--small" on:click=move |_| remove(target.clone())>{i18n.t(Msg::SettingsRegistryRemove)}</button>
                    </li>
                }
            })
            .collect_view()
    };
    let field = |id: &'static str, label: Msg, kind: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                <span class="field__label">{i18n.t(label)}</span>
                <input id=id class="input" type=kind prop:value=value on:input=move |event| value.set(event_target_value(&event)) />
            </label>
        }
    };
    view! {
        <div class="card" id="registries">
            <h2 class="card__title">{i18n.t(Msg::SettingsRegistries)}</h2>
            <p class="help">{i18n.t(Msg::SettingsRegistriesHelp)}</p>
            <ul class="registries">{rows}</ul>
            <form class="form-grid" on:submit=add>
                {field("registry-url", Msg::SettingsRegistryUrl, "text", url)}
                {field("registry-user", Msg::SettingsRegistryUserName, "text", username)}
                {field("registry-password", Msg::SettingsRegistryPassword, "password", password)}
                <div class="field field--end">
                    <button type="submit" class="button button--primary" id="registry-add" disabled=working>{i18n.t(Msg::SettingsRegistryAdd)}</button>
                </div>
            </form>
            {move || failed.get().map(|message| view! { <div class="banner banner--error" id="registry-problem" role="alert">{message}</div> })}
        </div>
    }
}
