//! The top bar: brand, cluster switcher, namespace picker, connection state, theme and language.

use kubedesk_ipc::{ClusterHealth, Language, ListNamespaces, NamespaceList, Settings, Theme};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::health::HealthBadge;
use crate::components::icon::{Icon, IconName};
use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::route::Area;
use crate::state::{Contexts, Healths, Loadable, Selection, SettingsState, default_namespace};
use crate::theme;

/// The value of the namespace picker's "all namespaces" option.
const ALL_NAMESPACES: &str = "";
/// The value of the namespace picker's "type another" option.
const OTHER_NAMESPACE: &str = "\u{0}other";

/// The bar across the top of the window.
#[component]
pub fn TopBar(on_settings: Callback<Settings>) -> impl IntoView {
    view! {
        <header class="top-bar">
            <a class="brand" href=Area::Clusters.href()>
                <img class="brand__logo" src="icon.png" alt="" />
                <span class="brand__name">{move || use_i18n().t(Msg::AppName)}</span>
            </a>
            <ClusterSwitcher />
            <NamespacePicker />
            <ProblemsBadge />
            <span class="spacer"></span>
            <ConnectionState />
            <ThemeSwitch on_settings />
            <LanguagePicker on_settings />
        </header>
    }
}

#[component]
fn ClusterSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let known: Contexts = expect_context();
    let selection: Selection = expect_context();
    let names = move || known.names();
    let read_only = move || {
        known
            .read_only()
            .into_iter()
            .map(|cluster| cluster.name)
            .collect::<Vec<_>>()
    };
    let on_change = move |event| selection.choose_context(known, event_target_value(&event));
    view! {
        <label class="field field--inline">
            <span class="field__label">{move || i18n.t(Msg::TopbarCluster)}</span>
            <select id="cluster-switcher" class="select" on:change=on_change disabled=move || names().is_empty() && read_only().is_empty()>
                <Show when=move || names().is_empty() && read_only().is_empty()>
                    <option value="">{move || i18n.t(Msg::TopbarNoContexts)}</option>
                </Show>
                <NameOptions names=Signal::derive(names) selected=selection.context />
                <Show when=move || !read_only().is_empty()>
                    <optgroup label=move || i18n.t(Msg::TopbarReadOnlyGroup)>
                        <NameOptions names=Signal::derive(read_only) selected=selection.context />
                    </optgroup>
                </Show>
            </select>
        </label>
    }
}

#[component]
fn NamespacePicker() -> impl IntoView {
    let i18n = use_i18n();
    let Contexts(contexts) = expect_context();
    let selection: Selection = expect_context();
    let typing = RwSignal::new(false);
    // The cluster's namespaces, when the user may list them; else the server's reason.
    let listed = RwSignal::new(None::<NamespaceList>);
    Effect::new(move || {
        let context = selection.context.get();
        listed.set(None);
        if let Some(context) = context {
            spawn_local(async move {
                let answer = ipc::call(&ListNamespaces {
                    context: context.clone(),
                })
                .await;
                // Only the answer for the context still selected counts.
                if selection.context.get_untracked().as_deref() == Some(context.as_str()) {
                    listed.set(answer.ok());
                }
            });
        }
    });
    let hidden = move || listed.get().and_then(|list| list.forbidden.or(list.failed));
    // The namespaces offered: the context's default, the cluster's, and any the user typed, once.
    let typed = RwSignal::new(Vec::<String>::new());
    let offered = move || {
        let mut names = Vec::new();
        if let Loadable::Ready(list) = contexts.get()
            && let Some(namespace) = default_namespace(&list, selection.context.get().as_deref())
        {
            names.push(namespace);
        }
        for name in listed.get().map(|list| list.names).unwrap_or_default() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for name in typed.get() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if let Some(current) = selection.namespace.get()
            && !names.contains(&current)
        {
            names.push(current);
        }
        names
    };
    let on_change = move |event| {
        let value = event_target_value(&event);
        if value == OTHER_NAMESPACE {
            typing.set(true);
        } else {
            selection
                .namespace
                .set((value != ALL_NAMESPACES).then_some(value));
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Enter" {
            let name = event_target_value(&event).trim().to_owned();
            if !name.is_empty() {
                typed.update(|typed| typed.push(name.clone()));
                selection.namespace.set(Some(name));
            }
            typing.set(false);
        } else if event.key() == "Escape" {
            typing.set(false);
        }
    };
    view! {
        <label class="field field--inline">
            <span class="field__label">{move || i18n.t(Msg::TopbarNamespace)}</span>
            <Show
                when=move || typing.get()
                fallback=move || {
                    view! {
                        <select id="namespace-picker" class="select" on:change=on_change title=hidden>
                            <option value=ALL_NAMESPACES selected=move || selection.namespace.get().is_none()>
                                {move || i18n.t(Msg::TopbarAllNamespaces)}
                            </option>
                            <NameOptions names=Signal::derive(offered) selected=selection.namespace />
                            <option value=OTHER_NAMESPACE>{move || i18n.t(Msg::TopbarOtherNamespace)}</option>
                            {move || hidden().map(|_| view! { <option disabled=true id="namespaces-hidden">{i18n.t(Msg::TopbarNamespacesHidden)}</option> })}
                        </select>
                    }
                }
            >
                <input
                    id="namespace-input"
                    class="input"
                    type="text"
                    autofocus=true
                    placeholder=move || i18n.t(Msg::TopbarNamespacePlaceholder)
                    on:keydown=on_key
                    on:blur=move |_| typing.set(false)
                />
            </Show>
        </label>
    }
}

/// One `<option>` per name, selected when `selected` names it.
#[component]
fn NameOptions(names: Signal<Vec<String>>, selected: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <For each=move || names.get() key=|name| name.clone() let:name>
            {
                let value = name.clone();
                let is_selected = move || selected.get().as_deref() == Some(value.as_str());
                view! {
                    <option value=name.clone() selected=is_selected>
                        {name.clone()}
                    </option>
                }
            }
        </For>
    }
}

#[component]
fn ProblemsBadge() -> impl IntoView {
    let i18n = use_i18n();
    let Contexts(contexts) = expect_context();
    let count = move || match contexts.get() {
        Loadable::Ready(list) => list.problems.len(),
        _ => 0,
    };
    view! {
        <Show when=move || { count() > 0 }>
            <a id="kubeconfig-problems-badge" class="pill pill--warning" href=Area::Clusters.href()>
                <Icon name=IconName::TriangleAlert />
                {move || i18n.tf(Msg::TopbarProblems, &[("count", &count().to_string())])}
            </a>
        </Show>
    }
}

#[component]
fn ThemeSwitch(on_settings: Callback<Settings>) -> impl IntoView {
    let i18n = use_i18n();
    let SettingsState(settings) = expect_context();
    view! {
        <div class="segmented" id="theme-switch" role="radiogroup" aria-label=move || i18n.t(Msg::TopbarTheme)>
            {theme::CHOICES
                .into_iter()
                .map(|(theme, label, key)| {
                    let icon = match theme {
                        Theme::System => IconName::Monitor,
                        Theme::Light => IconName::Sun,
                        Theme::Dark => IconName::Moon,
                    };
                    let checked = move || settings.get().theme == theme;
                    view! {
                        <button
                            type="button"
                            class="segmented__item"
                            class:is-active=checked
                            role="radio"
                            aria-checked=move || checked().to_string()
                            data-theme-choice=key
                            title=move || i18n.t(label)
                            on:click=move |_| on_settings.run(Settings { theme, ..settings.get_untracked() })
                        >
                            <Icon name=icon />
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn LanguagePicker(on_settings: Callback<Settings>) -> impl IntoView {
    let i18n = use_i18n();
    let SettingsState(settings) = expect_context();
    let on_change = move |event| {
        let language = Language::from_tag(&event_target_value(&event));
        on_settings.run(Settings {
            language,
            ..settings.get_untracked()
        });
    };
    view! {
        <label class="field field--inline" title=move || i18n.t(Msg::TopbarLanguage)>
            <Icon name=IconName::Languages />
            <select id="language-picker" class="select" on:change=on_change aria-label=move || i18n.t(Msg::TopbarLanguage)>
                {Language::ALL
                    .into_iter()
                    .map(|language| {
                        view! {
                            <option value=language.tag() selected=move || i18n.language() == language>
                                {language_name(language)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A language's name in itself, the same in every catalogue, so a reader can always find theirs.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => Msg::AppLanguageNameEn.text(Language::En),
        Language::ZhCn => Msg::AppLanguageNameZhCn.text(Language::ZhCn),
    }
}

/// The selected context's state: connected with the server's version, or what is wrong.
#[component]
fn ConnectionState() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let healths: Healths = expect_context();
    let known: Contexts = expect_context();
    let health = Signal::derive(move || {
        let context = selection.context.get()?;
        healths.states.with(|map| map.get(&context).cloned())
    });
    let read_only = move || {
        selection
            .context
            .get()
            .and_then(|name| known.read_only_named(&name))
    };
    let version = move || match health.get() {
        Some(Loadable::Ready(ClusterHealth::Ready { version, .. })) => Some(version),
        _ => None,
    };
    view! {
        <span class="pill pill--muted" id="connection-state">
            {move || match (selection.context.get(), version()) {
                (Some(_), _) if read_only().is_some() => view! {
                    <span class="status status--warning"><span class="dot"></span></span>
                    {i18n.t(Msg::TopbarConnectionReadOnly)}
                }.into_any(),
                (None, _) => view! { <span class="dot"></span>{i18n.t(Msg::TopbarConnectionUnknown)}<span></span> }.into_any(),
                (Some(_), Some(version)) => view! {
                    <span class="status status--success"><span class="dot"></span></span>
                    {i18n.tf(Msg::TopbarConnectionReady, &[("version", &version)])}
                }.into_any(),
                (Some(_), None) => view! { <HealthBadge health /> }.into_any(),
            }}
        </span>
    }
}
