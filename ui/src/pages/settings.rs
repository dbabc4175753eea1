//! The Settings page: language and theme, sign-in settings for contexts, the offline data, and
//! the image registries the workload form searches.

mod offline;
mod registries;
mod sign_in;

use kubedesk_ipc::{Language, Settings};
use leptos::prelude::*;

use crate::components::top_bar::language_name;
use crate::i18n::{Msg, use_i18n};
use crate::state::SettingsState;
use crate::theme;
use offline::OfflineDataCard;
use registries::RegistriesCard;
use sign_in::SignInSettingsCard;

/// Language and theme, stored for the next start.
#[component]
pub fn SettingsPage(on_settings: Callback<Settings>) -> impl IntoView {
    let i18n = use_i18n();
    let SettingsState(settings) = expect_context();
    let languages = move || {
        let stored = settings.get().language;
        let system = (None, i18n.t(Msg::LanguageSystem).to_owned(), "system");
        std::iter::once(system)
            .chain(Language::ALL.into_iter().map(|language| (Some(language), language_name(language).to_owned(), language.tag())))
            .map(|(language, label, key)| {
                view! {
                    <label class="choice">
                        <input
                            type="radio"
                            name="language"
                            value=key
                            checked=stored == language
                            on:change=move |_| on_settings.run(Settings { language, ..settings.get_untracked() })
                        />
                        <span>{label}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let themes = move || {
        let stored = settings.get().theme;
        theme::CHOICES
            .into_iter()
            .map(|(theme, label, key)| {
                view! {
                    <label class="choice">
                        <input
                            type="radio"
                            name="theme"
                            value=key
                            checked=stored == theme
                            on:change=move |_| on_settings.run(Settings { theme, ..settings.get_untracked() })
                        />
                        <span>{i18n.t(label)}</span>
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <section class="page" data-page="settings">
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::SettingsTitle)}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::SettingsSubtitle)}</p>
            </header>
            <div class="card">
                <h2 class="card__title">{move || i18n.t(Msg::SettingsAppearance)}</h2>
                <fieldset class="fieldset" id="settings-language">
                    <legend>{move || i18n.t(Msg::SettingsLanguage)}</legend>
                    {languages}
                </fieldset>
                <fieldset class="fieldset" id="settings-theme">
                    <legend>{move || i18n.t(Msg::SettingsTheme)}</legend>
                    {themes}
                    <p class="help">{move || i18n.t(Msg::SettingsThemeHelp)}</p>
                </fieldset>
            </div>
            <SignInSettingsCard />
            <OfflineDataCard />
            <RegistriesCard />
        </section>
    }
}
