//! Sign-in settings set in the app: for a context whose kubeconfig does not say how to sign in
//! with OpenID Connect, the provider's issuer, the client ID, scopes and extra parameters.

use kubedesk_ipc::{SaveSettings, SignInSettings};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::state::{Contexts, Healths, Selection, SettingsState, load_contexts};

/// The contexts with sign-in settings, and a form to add or change one.
#[component]
pub fn SignInSettingsCard() -> impl IntoView {
    let i18n = use_i18n();
    let SettingsState(settings) = expect_context();
    let contexts: Contexts = expect_context();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let context = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let scopes = RwSignal::new("email groups".to_owned());
    let parameters = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Stores the settings; on success the contexts are read again, so that their sign-in shows.
    let store = move |next: kubedesk_ipc::Settings| {
        spawn_local(async move {
            match ipc::call(&SaveSettings { settings: next }).await {
                Ok(stored) => {
                    error.set(None);
                    settings.set(stored);
                    load_contexts(contexts, selection, healths).await;
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
        });
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut next = settings.get_untracked();
        let extra_parameters = parameters
            .get_untracked()
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        next.sign_in.insert(
            context.get_untracked(),
            SignInSettings {
                issuer: issuer.get_untracked(),
                client_id: client_id.get_untracked(),
                scopes: scopes
                    .get_untracked()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                extra_parameters,
            },
        );
        store(next);
    };
    let names = move || contexts.names();
    // The form starts on the first context, and shows what is stored for the one chosen.
    Effect::new(move || {
        let names = names();
        if context.get_untracked().is_empty()
            && let Some(first) = names.first()
        {
            context.set(first.clone());
        }
    });
    let choose = move |name: String| {
        let stored = settings.get_untracked().sign_in.get(&name).cloned();
        if let Some(stored) = stored {
            issuer.set(stored.issuer);
            client_id.set(stored.client_id);
            scopes.set(stored.scopes.join(" "));
            parameters.set(
                stored
                    .extra_parameters
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        context.set(name);
    };
    let stored = move || {
        settings
            .get()
            .sign_in
            .into_iter()
            .map(|(name, sign_in)| {
                let removed = name.clone();
                view! {
                    <li class="sign-in-setting" data-sign-in-setting=name.clone()>
                        <span class="cell--strong">{name.clone()}</span>
                        <span class="cell--mono">{sign_in.issuer}</span>
                        <span class="cell--mono">{sign_in.client_id}</span>
                        <button type="button" class="link-button" on:click=move |_| {
                            let mut next = settings.get_untracked();
                            next.sign_in.remove(&removed);
                            store(next);
                        }>{move || i18n.t(Msg::SignInSettingsRemove)}</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="card" id="settings-sign-in">
            <h2 class="card__title">{move || i18n.t(Msg::SignInSettingsTitle)}</h2>
            <p class="help">{move || i18n.t(Msg::SignInSettingsHelp)}</p>
            <ul class="sign-in-settings">{stored}</ul>
            <form class="form" novalidate=true on:submit=save>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::SignInSettingsContext)}</span>
                    <select id="sign-in-context" class="select" on:change=move |event| choose(event_target_value(&event))>
                        {move || names().into_iter().map(|name| {
                            let selected = context.get() == name;
                            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::SignInSettingsIssuer)}</span>
                    <input id="sign-in-issuer" class="input" type="url" placeholder="https://accounts.example.com" prop:value=issuer on:input=move |event| issuer.set(event_target_value(&event)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::SignInSettingsClientId)}</span>
                    <input id="sign-in-client-id" class="input" type="text" prop:value=client_id on:input=move |event| client_id.set(event_target_value(&event)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::SignInSettingsScopes)}</span>
                    <input id="sign-in-scopes" class="input" type="text" prop:value=scopes on:input=move |event| scopes.set(event_target_value(&event)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::SignInSettingsParameters)}</span>
                    <textarea id="sign-in-parameters" class="input" rows="2" placeholder="audience=kubernetes" prop:value=parameters on:input=move |event| parameters.set(event_target_value(&event))></textarea>
                </label>
                {move || error.get().map(|message| view! { <p class="cell__error" role="alert" id="sign-in-settings-error">{message}</p> })}
                <div>
                    <button type="submit" class="button button--primary" id="sign-in-save">{move || i18n.t(Msg::SignInSettingsSave)}</button>
                </div>
            </form>
        </div>
    }
}
