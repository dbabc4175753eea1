//! One object's page: followed live, with its overview (facts, conditions, containers, what it
//! owns or runs, labels), its events and its YAML, and the actions the user's access allows.

mod actions;
mod overview;

use kubedesk_ipc::{
    ActionName, ObjectKey, ObjectKind, ObjectSubscription, ObjectUpdate, OfferedAction, Presence,
    StopObject, TableKind, WatchObject,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::live_table::cell_text;
use crate::components::log_viewer::LogViewer;
use crate::components::yaml_editor::YamlEditor;
use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::pages::workloads::kind_label;
use crate::route::{Hash, columns_key, hash_param, table_href};
use crate::state::Selection;

use actions::ActionBar;
use overview::Overview;

/// Which part of the page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Events,
    Yaml,
    Logs,
}

/// The page of the object `kind` `namespace`/`name` in the selected cluster.
#[component]
pub fn ObjectPage(kind: ObjectKind, namespace: Option<String>, name: String) -> impl IntoView {
    let i18n = use_i18n();
    let table_kind = kind.table_kind();
    let back = table_href(kind.clone());
    let back_link = back.clone();
    // A served resource's kind as the server names it (`TaskRun`), once the page is followed.
    let served_kind = RwSignal::new(String::new());
    let data_kind = table_kind.map_or_else(|| columns_key(&kind), |kind| format!("{kind:?}"));
    let plural = match &kind {
        ObjectKind::Kind(_) => String::new(),
        ObjectKind::Resource(resource) => resource.plural.clone(),
    };
    let selection: Selection = expect_context();
    let update = RwSignal::new(None::<ObjectUpdate>);
    let offered = RwSignal::new(Vec::<OfferedAction>::new());
    let error = RwSignal::new(None::<String>);
    let held = ipc::Held::new(|id| StopObject { id });
    let tab = RwSignal::new(Tab::Overview);
    // The text the editor started from while the user edits; what the last apply did.
    let editing = RwSignal::new(None::<String>);
    let edited = RwSignal::new(None::<String>);
    let editor_namespace = namespace.clone();
    // What a key or a link asked for before the detail arrived: the editor, an action's dialog.
    let pending_edit = RwSignal::new(false);
    let requested = RwSignal::new(None::<ActionName>);
    let ask = move |tab_name: Option<&str>, edit: bool, action: Option<&str>| {
        match tab_name {
            Some("logs") => tab.set(Tab::Logs),
            Some("yaml") => tab.set(Tab::Yaml),
            Some("events") => tab.set(Tab::Events),
            Some("overview") => tab.set(Tab::Overview),
            _ => {}
        }
        if edit {
            tab.set(Tab::Yaml);
            pending_edit.set(true);
        }
        if action == Some("delete") {
            requested.set(Some(ActionName::Delete));
        }
    };
    let Hash(hash) = expect_context();
    Effect::new(move || {
        let hash = hash.get();
        ask(
            hash_param(&hash, "tab").as_deref(),
            hash_param(&hash, "edit").is_some(),
            hash_param(&hash, "action").as_deref(),
        );
    });
    // The keys of the table work on the page too; Esc goes back to the table.
    let keys = window_event_listener(leptos::ev::keydown, move |event| {
        let typing = event
            .target()
            .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
        let dialog = document()
            .query_selector(".dialog-backdrop")
            .ok()
            .flatten()
            .is_some();
        if typing || dialog || event.meta_key() || event.alt_key() {
            return;
        }
        match (event.key().as_str(), event.ctrl_key()) {
            ("l", false) => ask(Some("logs"), false, None),
            ("y", false) => ask(Some("yaml"), false, None),
            ("e", false) => ask(None, true, None),
            ("d", true) => ask(None, false, Some("delete")),
            ("Escape", false) => {
                let _ = window().location().set_hash(&back);
            }
            _ => return,
        }
        event.prevent_default();
    });
    on_cleanup(move || keys.remove());
    let key = {
        let (namespace, name) = (namespace.clone(), name.clone());
        move |context: String| ObjectKey {
            context,
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
        }
    };
    let object_key = Signal::derive({
        let key = key.clone();
        move || selection.context.get().map(&key)
    });
    Effect::new(move || {
        let object = object_key.get();
        held.stop();
        update.set(None);
        error.set(None);
        offered.set(Vec::new());
        let Some(object) = object else { return };
        let receive = move |next: ObjectUpdate| {
            if let Some(actions) = next.actions.clone() {
                offered.set(actions);
            }
            update.set(Some(next));
        };
        let answer = held.subscribe(
            WatchObject { object },
            |answer: &ObjectSubscription| answer.id,
            receive,
        );
        spawn_local(async move {
            match answer.await {
                Ok(Some(ObjectSubscription { kind, actions, .. })) => {
                    served_kind.set(kind);
                    offered.set(actions);
                }
                Ok(None) => {}
                Err(failure) => error.set(Some(failure.to_string())),
            }
        });
    });
    on_cleanup(move || held.stop());

    let title = name.clone();
    let subtitle = {
        let namespace = namespace.clone();
        move || {
            let kind = match table_kind {
                Some(kind) => i18n.t(singular(kind)).to_owned(),
                None => served_kind.get(),
            };
            match &namespace {
                Some(namespace) => format!("{kind} · {namespace}"),
                None => kind,
            }
        }
    };
    let state_line = {
        let name = name.clone();
        move || {
            if let Some(failure) = error.get() {
                return Some(failure);
            }
            match update.get().map(|update| update.presence) {
                None | Some(Presence::Loading) => {
                    Some(i18n.tf(Msg::ObjectLoading, &[("name", &name)]))
                }
                Some(Presence::Found) => None,
                Some(Presence::Gone) => Some(i18n.tf(Msg::ObjectGone, &[("name", &name)])),
                Some(Presence::Failed { message }) => {
                    Some(i18n.tf(Msg::ObjectFailed, &[("name", &name), ("message", &message)]))
                }
                Some(Presence::Offline { as_of, message }) => {
                    let now = (js_sys::Date::now() / 1000.0) as i64;
                    let (time, age) = crate::format::last_seen(&as_of, now);
                    Some(match message {
                        Some(message) => i18n.tf(
                            Msg::ObjectOffline,
                            &[
                                ("name", &name),
                                ("time", &time),
                                ("age", &age),
                                ("message", &message),
                            ],
                        ),
                        None => i18n.tf(
                            Msg::ObjectStored,
                            &[("name", &name), ("time", &time), ("age", &age)],
                        ),
                    })
                }
                Some(Presence::ReadOnly { as_of, source }) => {
                    Some(crate::components::read_only::as_of(
                        i18n,
                        Msg::ReadOnlyObject,
                        &as_of,
                        &source,
                        &[("name", &name)],
                    ))
                }
            }
        }
    };
    let events_count = move || {
        update
            .get()
            .map_or(0, |update| update.events.len())
            .to_string()
    };
    let tab_button = move |which: Tab, id: &'static str| {
        view! {
            <button type="button" class="tab" id=id role="tab" class:is-active=move || tab.get() == which
                aria-selected=move || (tab.get() == which).to_string() on:click=move |_| tab.set(which)>
                {move || match which {
                    Tab::Overview => i18n.t(Msg::ObjectTabOverview).to_owned(),
                    Tab::Events => i18n.tf(Msg::ObjectTabEvents, &[("count", &events_count())]),
                    Tab::Yaml => i18n.t(Msg::ObjectTabYaml).to_owned(),
                    Tab::Logs => i18n.t(Msg::LogsTab).to_owned(),
                }}
            </button>
        }
    };
    let body = move || {
        let Some(update) = update.get() else {
            return ().into_any();
        };
        let Some(description) = update.description.clone() else {
            return ().into_any();
        };
        match tab.get() {
            Tab::Overview => {
                view! { <Overview description namespace=namespace.clone() related=update.related /> }
                    .into_any()
            }
            Tab::Events => view! { <Events events=update.events /> }.into_any(),
            // While editing, the editor below stands for the YAML; the logs are apart too.
            Tab::Yaml if editing.get().is_some() => ().into_any(),
            Tab::Logs => ().into_any(),
            Tab::Yaml => {
                // Only what is live is edited: never a stale copy.
                let edit = offered
                    .get()
                    .into_iter()
                    .find(|offer| offer.action == ActionName::Edit)
                    .filter(|_| update.presence == Presence::Found);
                let editable = description.editable_yaml.clone();
                view! {
                    <div class="card">
                        <div class="card__header">
                            <p class="card__intro">{move || i18n.t(Msg::ObjectYamlNote)}</p>
                            {edit.map(|edit| {
                                let why = edit.missing.map(|missing| i18n.tf(Msg::ObjectNotAllowed, &[("missing", &missing)]));
                                view! {
                                    <button type="button" class="button" id="yaml-edit" disabled=!edit.allowed title=why
                                        on:click=move |_| { edited.set(None); editing.set(Some(editable.clone())); }>
                                        {move || i18n.t(Msg::YamlEdit)}
                                    </button>
                                }
                            })}
                        </div>
                        <pre class="yaml" id="object-yaml">{description.yaml}</pre>
                    </div>
                }
                .into_any()
            }
        }
    };
    // The editor lives apart from the live detail, so updates never touch what the user types.
    let editor = move || {
        let initial = editing.get()?;
        let context = selection.context.get_untracked()?;
        (tab.get() == Tab::Yaml).then(|| {
            view! {
                <div class="card">
                    <p class="card__intro">{move || i18n.t(Msg::YamlEditingNote)}</p>
                    <YamlEditor context namespace=editor_namespace.clone() initial apply_label=Msg::YamlApply
                        on_done=Callback::new(move |summary| { edited.set(Some(summary)); editing.set(None); })
                        on_cancel=Callback::new(move |()| editing.set(None)) />
                </div>
            }
        })
    };
    // An edit asked for opens the editor once the object is here, if the user may edit it.
    Effect::new(move || {
        if !pending_edit.get() {
            return;
        }
        let Some(description) = update.get().and_then(|update| update.description) else {
            return;
        };
        pending_edit.set(false);
        let allowed = offered
            .get_untracked()
            .iter()
            .any(|offer| offer.action == ActionName::Edit && offer.allowed);
        if allowed && editing.get_untracked().is_none() {
            edited.set(None);
            editing.set(Some(description.editable_yaml));
        }
    });
    // The log viewer, too, lives apart from the live detail: it is made once per visit to the tab.
    let logs_offer = move || {
        offered
            .get()
            .into_iter()
            .find(|offer| offer.action == ActionName::Logs)
    };
    // Whether logs are offered, and what is missing when they are not allowed: a memo, so that
    // the offers sent again with a live update do not make the log viewer anew (and lose the
    // user's choices in it).
    let logs_allowed =
        Memo::new(move |_| logs_offer().map(|offer| offer.missing.filter(|_| !offer.allowed)));
    let log_viewer = move || {
        if tab.get() != Tab::Logs {
            return None;
        }
        if let Some(missing) = logs_allowed.get()? {
            return Some(view! { <div class="banner banner--warning">{i18n.tf(Msg::ObjectNotAllowed, &[("missing", &missing)])}</div> }.into_any());
        }
        let object = object_key.get_untracked()?;
        let mut containers: Vec<(bool, String)> = update
            .get_untracked()
            .and_then(|update| update.description)
            .map(|description| {
                description
                    .containers
                    .into_iter()
                    .map(|container| (container.init, container.name))
                    .collect()
            })
            .unwrap_or_default();
        // The main containers first: the first is the one shown.
        containers.sort_by_key(|(init, _)| *init);
        let containers = containers.into_iter().map(|(_, name)| name).collect();
        Some(
            view! { <LogViewer object containers several_pods=table_kind != Some(TableKind::Pods) /> }
                .into_any(),
        )
    };
    // The action bar is made once the object is here, and follows it through signals: a live
    // update never closes a dialog the user has open.
    let description = Memo::new(move |_| update.get().and_then(|update| update.description));
    let bar_actions = Signal::derive(move || {
        // A node offers the one of cordon and uncordon that changes something.
        let cordoned = description.get().is_some_and(|description| {
            description
                .facts
                .iter()
                .any(|fact| fact.name == "Unschedulable")
        });
        // A storage class that is the default already offers no Make default.
        let default_class = description.get().is_some_and(|description| {
            [
                "storageclass.kubernetes.io/is-default-class",
                "storageclass.beta.kubernetes.io/is-default-class",
            ]
            .iter()
            .any(|key| description.annotations.get(*key).map(String::as_str) == Some("true"))
        });
        offered
            .get()
            .into_iter()
            .filter(|offer| match offer.action {
                ActionName::Cordon => !cordoned,
                ActionName::Uncordon => cordoned,
                ActionName::MakeDefault => !default_class,
                // Editing is on the YAML tab, logs on theirs.
                ActionName::Edit | ActionName::Logs => false,
                _ => true,
            })
            .collect::<Vec<_>>()
    });
    let has_actions = Memo::new(move |_| {
        // Shown as last seen while the cluster is asked, the page has no buttons yet; once it
        // failed to answer, they show, disabled with the reason.
        update.get().is_some_and(|update| {
            matches!(
                update.presence,
                Presence::Found
                    | Presence::Offline {
                        message: Some(_),
                        ..
                    }
                    | Presence::ReadOnly { .. }
            )
        }) && !offered.get().is_empty()
    });
    view! {
        <section class="page" data-page="object" data-kind=data_kind>
            <a class="back-link" id="object-back" href=back_link>
                {move || {
                    let label = table_kind.map_or(plural.as_str(), |kind| i18n.t(kind_label(kind)));
                    i18n.tf(Msg::ObjectBack, &[("kind", label)])
                }}
            </a>
            <header class="page__header page__header--actions">
                <div>
                    <h1 class="page__title" id="object-name">{title}</h1>
                    <p class="page__subtitle">{subtitle}</p>
                </div>
                {move || (has_actions.get()).then(|| object_key.get_untracked().map(|object| {
                    let live = Signal::derive(move || update.with(|update| update.as_ref().is_some_and(|update| update.presence == Presence::Found)));
                    view! { <ActionBar object offered=bar_actions description=description.into() requested live /> }
                }))}
            </header>
            {move || state_line().map(|line| {
                let offline = update.with(|update| matches!(update, Some(ObjectUpdate { presence: Presence::Offline { message: Some(_), .. } | Presence::ReadOnly { .. }, .. })));
                view! { <div class="banner" class:banner--info=!offline class:banner--warning=offline id="object-state" role="status">{line}</div> }
            })}
            <nav class="tabs" role="tablist">
                {tab_button(Tab::Overview, "tab-overview")}
                {tab_button(Tab::Events, "tab-events")}
                {tab_button(Tab::Yaml, "tab-yaml")}
                {move || logs_offer().map(|_| tab_button(Tab::Logs, "tab-logs"))}
            </nav>
            {move || edited.get().map(|summary| view! { <div class="banner banner--info" id="yaml-outcome" role="status">{summary}</div> })}
            {body}
            {editor}
            {log_viewer}
        </section>
    }
}

/// A kind's name, singular.
pub fn singular(kind: TableKind) -> Msg {
    match kind {
        TableKind::Pods => Msg::ObjectKindPod,
        TableKind::Deployments => Msg::ObjectKindDeployment,
        TableKind::StatefulSets => Msg::ObjectKindStatefulSet,
        TableKind::DaemonSets => Msg::ObjectKindDaemonSet,
        TableKind::ReplicaSets => Msg::ObjectKindReplicaSet,
        TableKind::Jobs => Msg::ObjectKindJob,
        TableKind::CronJobs => Msg::ObjectKindCronJob,
        TableKind::Nodes => Msg::ObjectKindNode,
    }
}

/// The object's events, latest first.
#[component]
fn Events(events: Vec<kubedesk_ipc::ObjectEvent>) -> impl IntoView {
    let i18n = use_i18n();
    if events.is_empty() {
        return view! { <div class="card"><p class="card__intro" id="object-events">{move || i18n.t(Msg::ObjectEventsNone)}</p></div> }
            .into_any();
    }
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let rows = events
        .into_iter()
        .map(|event| {
            let warning = event.kind == "Warning";
            let last = cell_text(&kubedesk_ipc::TableCell::Time(event.last_seen), now);
            view! {
                <tr class:row--reason=warning>
                    <td><span class="status" class:status--warning=warning class:status--muted=!warning>{event.kind}</span></td>
                    <td class="cell--strong">{event.reason}</td>
                    <td>{event.message}</td>
                    <td class="cell--number">{event.count}</td>
                    <td class="cell--muted">{last}</td>
                    <td class="cell--muted">{event.source}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card card--table">
            <table class="table" id="object-events">
                <crate::components::table::TableHead columns=&[
                    Msg::ObjectEventType, Msg::ObjectEventReason, Msg::ObjectEventMessage,
                    Msg::ObjectEventCount, Msg::ObjectEventLast, Msg::ObjectEventSource,
                ] />
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
