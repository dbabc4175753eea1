//! The actions on an object: a button for each its kind offers, disabled with the missing
//! permission when the user's access does not allow it, each confirmed in a dialog that says what
//! will happen, and its outcome said after.

use kubedesk_ipc::{
    ActionDone, ActionName, ActionWarning, ObjectAction, ObjectDescription, ObjectKey,
    OfferedAction, Propagation, RunAction, TableCell,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::pages::storage::forms::{ACCESS_MODES, ACCESS_MODES_ANNOTATION, AccessModeChoices};

/// The buttons, the open dialog, and the last outcome.
#[component]
pub fn ActionBar(
    object: ObjectKey,
    /// The actions offered now.
    offered: Signal<Vec<OfferedAction>>,
    /// The object as it is now: dialogs start from it (the replicas to scale, a storage class's
    /// switches).
    description: Signal<Option<ObjectDescription>>,
    /// An action a key or a link asked for: its dialog opens if the user may take it.
    requested: RwSignal<Option<ActionName>>,
    /// Whether the object is live: until then (shown as last seen) the offers may still change,
    /// and a request waits for them.
    live: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(None::<ActionName>);
    let outcome = RwSignal::new(None::<Notice>);
    Effect::new(move || {
        if let Some(action) = requested.get() {
            let allowed = offered
                .get()
                .iter()
                .any(|offer| offer.action == action && offer.allowed);
            if allowed {
                requested.set(None);
                outcome.set(None);
                open.set(Some(action));
            } else if live.get() {
                requested.set(None);
            }
        }
    });
    let buttons = move || {
        offered
        .get()
        .into_iter()
        .map(|offer| {
            let action = offer.action;
            // What the object allows comes first: access would not help.
            let why = offer.blocked.or_else(|| {
                offer
                    .missing
                    .map(|missing| i18n.tf(Msg::ObjectNotAllowed, &[("missing", &missing)]))
            });
            let danger = matches!(action, ActionName::Delete | ActionName::Drain);
            view! {
                <button type="button" class="button" class:button--danger=danger data-action=format!("{action:?}")
                    disabled=!offer.allowed title=why
                    on:click=move |_| { outcome.set(None); open.set(Some(action)); }>
                    {move || i18n.t(label(action))}
                </button>
            }
        })
        .collect_view()
    };
    let dialog = move || {
        open.get().map(|action| {
            let description = description.get_untracked();
            let (choices, warning) = offered
                .get_untracked()
                .into_iter()
                .find(|offer| offer.action == action)
                .map(|offer| (offer.choices, offer.warning))
                .unwrap_or_default();
            view! { <ActionDialog object=object.clone() action description choices warning open outcome /> }
        })
    };
    // What the object itself stops, said under the buttons (missing access is on their tooltips).
    let reasons = move || {
        let reasons: Vec<_> = offered
            .get()
            .into_iter()
            .filter_map(|offer| {
                offer.blocked.map(|blocked| {
                    view! { <li data-blocked=format!("{:?}", offer.action)>{move || i18n.t(label(offer.action))}": "{blocked}</li> }
                })
            })
            .collect();
        (!reasons.is_empty())
            .then(|| view! { <ul class="action-reasons" id="action-reasons">{reasons}</ul> })
    };
    // One block in the page header: the buttons, and what the last action came to under them.
    view! {
        <div class="action-area">
            <div class="action-bar" id="object-actions">{buttons}</div>
            {reasons}
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="action-outcome" /> })}
            {dialog}
        </div>
    }
}

fn label(action: ActionName) -> Msg {
    match action {
        ActionName::Scale => Msg::ObjectActionScale,
        ActionName::Restart => Msg::ObjectActionRestart,
        ActionName::Delete => Msg::ObjectActionDelete,
        ActionName::Trigger => Msg::ObjectActionTrigger,
        ActionName::Cordon => Msg::ObjectActionCordon,
        ActionName::Uncordon => Msg::ObjectActionUncordon,
        ActionName::Drain => Msg::ObjectActionDrain,
        ActionName::Edit => Msg::YamlEdit,
        ActionName::Logs => Msg::LogsTab,
        ActionName::Expand => Msg::ObjectActionExpand,
        ActionName::Clone => Msg::ObjectActionClone,
        ActionName::Snapshot => Msg::ObjectActionSnapshot,
        ActionName::Restore => Msg::ObjectActionRestore,
        ActionName::MakeDefault => Msg::ObjectActionMakeDefault,
        ActionName::Switches => Msg::ObjectActionSwitches,
        ActionName::VolumeSettings => Msg::ObjectActionVolumeSettings,
    }
}

/// The dialog's title and what it says will happen.
fn wording(action: ActionName) -> (Msg, Option<Msg>) {
    match action {
        ActionName::Scale => (Msg::ObjectScaleTitle, None),
        ActionName::Restart => (Msg::ObjectRestartTitle, Some(Msg::ObjectRestartBody)),
        ActionName::Delete => (Msg::ObjectDeleteTitle, Some(Msg::ObjectDeleteBody)),
        ActionName::Trigger => (Msg::ObjectTriggerTitle, Some(Msg::ObjectTriggerBody)),
        ActionName::Cordon => (Msg::ObjectCordonTitle, Some(Msg::ObjectCordonBody)),
        ActionName::Uncordon => (Msg::ObjectUncordonTitle, Some(Msg::ObjectUncordonBody)),
        ActionName::Drain => (Msg::ObjectDrainTitle, Some(Msg::ObjectDrainBody)),
        ActionName::Edit => (Msg::YamlEdit, None),
        ActionName::Logs => (Msg::LogsTab, None),
        ActionName::Expand => (Msg::ObjectExpandTitle, Some(Msg::ObjectExpandBody)),
        ActionName::Clone => (Msg::ObjectCloneTitle, Some(Msg::ObjectCloneBody)),
        ActionName::Snapshot => (Msg::ObjectSnapshotTitle, None),
        ActionName::Restore => (Msg::ObjectRestoreTitle, Some(Msg::ObjectRestoreBody)),
        ActionName::MakeDefault => (
            Msg::ObjectMakeDefaultTitle,
            Some(Msg::ObjectMakeDefaultBody),
        ),
        ActionName::Switches => (Msg::ObjectSwitchesTitle, Some(Msg::ObjectSwitchesBody)),
        ActionName::VolumeSettings => (
            Msg::ObjectVolumeSettingsTitle,
            Some(Msg::ObjectVolumeSettingsBody),
        ),
    }
}

/// What the user is told once the action is done.
fn done_text(i18n: I18n, name: &str, action: &ObjectAction, done: &ActionDone) -> String {
    match action {
        ObjectAction::Scale { replicas } => i18n.tf(
            Msg::ObjectDoneScale,
            &[("name", name), ("replicas", &replicas.to_string())],
        ),
        ObjectAction::Restart => i18n.tf(Msg::ObjectDoneRestart, &[("name", name)]),
        ObjectAction::Delete { .. } => i18n.tf(Msg::ObjectDoneDelete, &[("name", name)]),
        ObjectAction::Trigger => i18n.tf(
            Msg::ObjectDoneTrigger,
            &[("job", done.affected.first().map_or("", String::as_str))],
        ),
        ObjectAction::Cordon => i18n.tf(Msg::ObjectDoneCordon, &[("name", name)]),
        ObjectAction::Uncordon => i18n.tf(Msg::ObjectDoneUncordon, &[("name", name)]),
        ObjectAction::Drain { .. } => i18n.tf(
            Msg::ObjectDoneDrain,
            &[
                ("name", name),
                ("evicted", &done.affected.len().to_string()),
                ("skipped", &done.skipped.len().to_string()),
            ],
        ),
        ObjectAction::Expand { size } => {
            i18n.tf(Msg::ObjectDoneExpand, &[("name", name), ("size", size)])
        }
        ObjectAction::Clone { name: made } => {
            i18n.tf(Msg::ObjectDoneClone, &[("name", name), ("made", made)])
        }
        ObjectAction::Snapshot { name: made, .. } => {
            i18n.tf(Msg::ObjectDoneSnapshot, &[("name", name), ("made", made)])
        }
        ObjectAction::Restore { name: made } => {
            i18n.tf(Msg::ObjectDoneRestore, &[("name", name), ("made", made)])
        }
        ObjectAction::MakeDefault => i18n.tf(Msg::ObjectDoneMakeDefault, &[("name", name)]),
        ObjectAction::Switches { .. } => match done.affected.first() {
            Some(made) => i18n.tf(
                Msg::ObjectDoneSwitchesSnapshotClass,
                &[("name", name), ("made", made)],
            ),
            None => i18n.tf(Msg::ObjectDoneSwitches, &[("name", name)]),
        },
        ObjectAction::VolumeSettings { .. } => {
            i18n.tf(Msg::ObjectDoneVolumeSettings, &[("name", name)])
        }
    }
}

/// The confirmation of one action, with its choices; the action runs on Confirm.
#[component]
fn ActionDialog(
    object: ObjectKey,
    action: ActionName,
    description: Option<ObjectDescription>,
    /// The choices it takes from a list (a snapshot's classes), the first chosen at first.
    choices: Vec<String>,
    /// What the user should know before confirming.
    warning: Option<ActionWarning>,
    open: RwSignal<Option<ActionName>>,
    outcome: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let replicas = description
        .as_ref()
        .and_then(|description| description.replicas);
    let count = RwSignal::new(replicas.unwrap_or(1).to_string());
    // A storage class's switches as they are: its annotations and its printed expansion column.
    let switched = |key: &str| {
        description
            .as_ref()
            .and_then(|description| description.annotations.get(key))
            .is_some_and(|value| value == "true")
    };
    let allow_clone = RwSignal::new(switched("storageclass.kubesphere.io/allow-clone"));
    let allow_snapshot = RwSignal::new(switched("storageclass.kubesphere.io/allow-snapshot"));
    let fact = |name: &str| {
        description.as_ref().and_then(|description| {
            description
                .facts
                .iter()
                .find(|fact| fact.name == name)
                .and_then(|fact| match &fact.value {
                    TableCell::Text(text) => Some(text.clone()),
                    _ => None,
                })
        })
    };
    let allow_expansion = RwSignal::new(fact("AllowVolumeExpansion").as_deref() == Some("true"));
    // The access modes the class lists (all when it lists none), each a checkbox.
    let listed_modes = description.as_ref().and_then(|description| {
        description
            .annotations
            .get(ACCESS_MODES_ANNOTATION)
            .cloned()
    });
    let access_modes = ACCESS_MODES.map(|mode| {
        let listed = listed_modes
            .as_ref()
            .is_none_or(|listed| listed.contains(&format!("\"{mode}\"")));
        (mode, RwSignal::new(listed))
    });
    // A persistent volume's settings as they are.
    let reclaim_policy =
        RwSignal::new(fact("Reclaim Policy").unwrap_or_else(|| "Delete".to_owned()));
    let labels = RwSignal::new(
        description
            .as_ref()
            .map(|description| {
                description
                    .labels
                    .iter()
                    .map(|(key, value)| format!("{key}={value}\n"))
                    .collect::<String>()
            })
            .unwrap_or_default(),
    );
    let propagation = RwSignal::new(Propagation::Background);
    let force = RwSignal::new(false);
    let local_data = RwSignal::new(false);
    let working = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let name = object.name.clone();
    let object_name = object.name.clone();
    // What a volume action makes, named after what it comes from; and the choice from the list.
    let made = RwSignal::new(match action {
        ActionName::Clone => format!("{name}-clone"),
        ActionName::Snapshot => format!("{name}-snapshot"),
        ActionName::Restore => format!("{name}-restored"),
        _ => String::new(),
    });
    let size = RwSignal::new(String::new());
    let chosen = RwSignal::new(choices.first().cloned().unwrap_or_default());
    let named = move || {
        let made = made.get_untracked().trim().to_owned();
        if made.is_empty() {
            problem.set(Some(i18n.t(Msg::ObjectNameMissing).to_owned()));
            None
        } else {
            Some(made)
        }
    };
    let (title, body) = wording(action);
    let confirm = move |_| {
        let request = match action {
            ActionName::Scale => match count.get_untracked().trim().parse::<i32>() {
                Ok(replicas) if replicas >= 0 => ObjectAction::Scale { replicas },
                _ => {
                    problem.set(Some(i18n.t(Msg::ObjectScaleBad).to_owned()));
                    return;
                }
            },
            ActionName::Restart => ObjectAction::Restart,
            ActionName::Delete => ObjectAction::Delete {
                propagation: propagation.get_untracked(),
            },
            ActionName::Trigger => ObjectAction::Trigger,
            ActionName::Cordon => ObjectAction::Cordon,
            ActionName::Uncordon => ObjectAction::Uncordon,
            ActionName::Drain => ObjectAction::Drain {
                force: force.get_untracked(),
                delete_local_data: local_data.get_untracked(),
            },
            ActionName::Expand => ObjectAction::Expand {
                size: size.get_untracked(),
            },
            ActionName::Clone => match named() {
                Some(name) => ObjectAction::Clone { name },
                None => return,
            },
            ActionName::Snapshot => match named() {
                Some(name) => ObjectAction::Snapshot {
                    name,
                    class: chosen.get_untracked(),
                },
                None => return,
            },
            ActionName::Restore => match named() {
                Some(name) => ObjectAction::Restore { name },
                None => return,
            },
            ActionName::MakeDefault => ObjectAction::MakeDefault,
            ActionName::Switches => ObjectAction::Switches {
                clone: allow_clone.get_untracked(),
                snapshot: allow_snapshot.get_untracked(),
                expansion: allow_expansion.get_untracked(),
                access_modes: access_modes
                    .iter()
                    .filter(|(_, checked)| checked.get_untracked())
                    .map(|(mode, _)| (*mode).to_owned())
                    .collect(),
            },
            ActionName::VolumeSettings => ObjectAction::VolumeSettings {
                reclaim_policy: reclaim_policy.get_untracked(),
                labels: labels.get_untracked(),
            },
            // Edited and read on their tabs, never from the action bar.
            ActionName::Edit | ActionName::Logs => return,
        };
        problem.set(None);
        working.set(true);
        let object = object.clone();
        spawn_local(async move {
            let name = object.name.clone();
            let answer = ipc::call(&RunAction {
                object,
                action: request.clone(),
            })
            .await;
            working.set(false);
            match answer {
                Ok(done) => {
                    outcome.set(Some(Notice::Done(done_text(i18n, &name, &request, &done))));
                    open.set(None);
                }
                // The dialog stays, with what the user chose, and says why.
                Err(error) => problem.set(Some(error.to_string())),
            }
        });
    };
    let choices = match action {
        ActionName::Scale => Some(view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::ObjectScaleReplicas)}</span>
                <input id="scale-replicas" class="input" type="number" min="0" step="1" prop:value=count
                    on:input=move |event| count.set(event_target_value(&event)) />
            </label>
        }.into_any()),
        ActionName::Delete => Some(view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::ObjectPropagation)}</span>
                <select id="delete-propagation" class="select" on:change=move |event| propagation.set(match event_target_value(&event).as_str() {
                    "foreground" => Propagation::Foreground,
                    "orphan" => Propagation::Orphan,
                    _ => Propagation::Background,
                })>
                    <option value="background" selected>{move || i18n.t(Msg::ObjectPropagationBackground)}</option>
                    <option value="foreground">{move || i18n.t(Msg::ObjectPropagationForeground)}</option>
                    <option value="orphan">{move || i18n.t(Msg::ObjectPropagationOrphan)}</option>
                </select>
            </label>
        }.into_any()),
        ActionName::Drain => Some(view! {
            <label class="choice">
                <input id="drain-force" type="checkbox" on:change=move |event| force.set(event_target_checked(&event)) />
                {move || i18n.t(Msg::ObjectDrainForce)}
            </label>
            <label class="choice">
                <input id="drain-local-data" type="checkbox" on:change=move |event| local_data.set(event_target_checked(&event)) />
                {move || i18n.t(Msg::ObjectDrainLocal)}
            </label>
        }.into_any()),
        ActionName::Switches => Some(view! {
            <label class="choice">
                <input id="switch-clone" type="checkbox" prop:checked=allow_clone
                    on:change=move |event| allow_clone.set(event_target_checked(&event)) />
                {move || i18n.t(Msg::ObjectSwitchClone)}
            </label>
            <label class="choice">
                <input id="switch-snapshot" type="checkbox" prop:checked=allow_snapshot
                    on:change=move |event| allow_snapshot.set(event_target_checked(&event)) />
                {move || i18n.t(Msg::ObjectSwitchSnapshot)}
            </label>
            <label class="choice">
                <input id="switch-expansion" type="checkbox" prop:checked=allow_expansion
                    on:change=move |event| allow_expansion.set(event_target_checked(&event)) />
                {move || i18n.t(Msg::ObjectSwitchExpansion)}
            </label>
            <AccessModeChoices modes=access_modes />
        }.into_any()),
        ActionName::VolumeSettings => Some(view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::StorageReclaimPolicy)}</span>
                <select id="volume-reclaim-policy" class="select" prop:value=reclaim_policy
                    on:change=move |event| reclaim_policy.set(event_target_value(&event))>
                    <option value="Delete">{move || i18n.t(Msg::StorageReclaimDelete)}</option>
                    <option value="Retain">{move || i18n.t(Msg::StorageReclaimRetain)}</option>
                </select>
            </label>
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::StorageLabels)}</span>
                <textarea id="volume-labels" class="input" rows="4" prop:value=labels
                    on:input=move |event| labels.set(event_target_value(&event))></textarea>
            </label>
        }.into_any()),
        ActionName::Expand => Some(view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::ObjectExpandSize)}</span>
                <input id="expand-size" class="input" type="text" prop:value=size
                    on:input=move |event| size.set(event_target_value(&event)) />
            </label>
        }.into_any()),
        ActionName::Clone | ActionName::Restore => Some(view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::ObjectNewVolume)}</span>
                <input id="action-name" class="input" type="text" prop:value=made
                    on:input=move |event| made.set(event_target_value(&event)) />
            </label>
        }.into_any()),
        ActionName::Snapshot => {
            let options = choices
                .iter()
                .map(|choice| view! { <option value=choice.clone()>{choice.clone()}</option> })
                .collect_view();
            Some(view! {
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::ObjectSnapshotName)}</span>
                    <input id="action-name" class="input" type="text" prop:value=made
                        on:input=move |event| made.set(event_target_value(&event)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::ObjectSnapshotClass)}</span>
                    <select id="snapshot-class" class="select" prop:value=chosen
                        on:change=move |event| chosen.set(event_target_value(&event))>{options}</select>
                </label>
            }.into_any())
        }
        _ => None,
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" id="action-dialog" data-action=format!("{action:?}")>
                <h2 class="dialog__title">{move || i18n.tf(title, &[("name", &name)])}</h2>
                {body.map(|body| view! { <p class="dialog__body">{move || i18n.t(body)}</p> })}
                {warning.map(|warning| {
                    let name = object_name.clone();
                    view! {
                        <div class="banner banner--warning" id="action-warning">
                            {move || match &warning {
                                ActionWarning::MountedBy(pods) => i18n.tf(Msg::ObjectWarningMounted, &[("name", &name), ("pods", &pods.join(", "))]),
                                ActionWarning::BoundTo(claim) => i18n.tf(Msg::ObjectWarningBound, &[("name", &name), ("claim", claim)]),
                            }}
                        </div>
                    }
                })}
                {choices}
                {move || problem.get().map(|problem| view! { <div class="banner banner--error" id="action-problem" role="alert">{problem}</div> })}
                <div class="dialog__buttons">
                    <button type="button" class="button" id="action-cancel" on:click=move |_| open.set(None)>
                        {move || i18n.t(Msg::ObjectCancel)}
                    </button>
                    <button type="button" class="button button--primary" id="action-confirm" disabled=working on:click=confirm>
                        {move || i18n.t(if working.get() { Msg::ObjectWorking } else { Msg::ObjectConfirm })}
                    </button>
                </div>
            </div>
        </div>
    }
}
