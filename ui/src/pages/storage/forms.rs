//! The storage forms: a new volume (empty, from a snapshot, or a copy of a volume) and a new
//! storage class. The backend checks every input; the one it names is marked with its reason, and
//! everything typed stays until the user changes it. Once made, the object's page opens.

use kubedesk_ipc::{
    CreateStorageClass, CreateVolume, FormField, FormOutcome, GetVolumeChoices, ListNamespaces,
    NewStorageClass, NewVolume, ObjectKind, ResourceName, VolumeChoices, VolumeSource,
    VolumeSourceChoice,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::route::object_href;

/// The access modes a volume may have.
pub const ACCESS_MODES: [&str; 4] = [
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];

/// KubeSphere's annotation listing the access modes a class's volumes may have.
pub const ACCESS_MODES_ANNOTATION: &str = "storageclass.kubesphere.io/supported-access-modes";

/// A checkbox per access mode.
#[component]
pub fn AccessModeChoices(modes: [(&'static str, RwSignal<bool>); 4]) -> impl IntoView {
    let i18n = use_i18n();
    let boxes = modes
        .into_iter()
        .map(|(mode, checked)| {
            view! {
                <label class="choice">
                    <input type="checkbox" data-access-mode=mode prop:checked=checked
                        on:change=move |event| checked.set(event_target_checked(&event)) />
                    {mode}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="fieldset" id="access-modes">
            <legend class="field__label">{move || i18n.t(Msg::StorageAccessModes)}</legend>
            {boxes}
        </fieldset>
    }
}

/// What the backend said about the last try: the input it named, or the server's refusal.
#[derive(Clone, Copy, Default)]
struct Problems {
    field: RwSignal<Option<(FormField, String)>>,
    refused: RwSignal<Option<String>>,
}

impl Problems {
    fn clear(&self) {
        self.field.set(None);
        self.refused.set(None);
    }

    fn is(&self, field: FormField) -> Signal<bool> {
        let named = self.field;
        Signal::derive(move || named.get().is_some_and(|(named, _)| named == field))
    }

    /// The reason under the input the backend named.
    fn under(&self, field: FormField) -> impl IntoView + use<> {
        let named = self.field;
        move || {
            named
                .get()
                .filter(|(named, _)| *named == field)
                .map(|(_, message)| {
                    view! { <span class="field__problem" id="form-problem" role="alert">{message}</span> }
                })
        }
    }
}

/// Sends a form's command and opens what it made, or marks what is wrong.
fn submit<C>(
    request: C,
    working: RwSignal<bool>,
    problems: Problems,
    made: impl Fn(String) + 'static,
) where
    C: kubedesk_ipc::Command<Output = FormOutcome> + 'static,
{
    problems.clear();
    working.set(true);
    spawn_local(async move {
        let answer = ipc::call(&request).await;
        working.set(false);
        match answer {
            Ok(FormOutcome::Done { made: names }) => {
                if let Some(name) = names.into_iter().next() {
                    made(name);
                }
            }
            Ok(FormOutcome::Invalid { field, message }) => {
                problems.field.set(Some((field, message)))
            }
            Err(error) => problems.refused.set(Some(error.to_string())),
        }
    });
}

fn open_page(group: &str, plural: &str, namespace: Option<&str>, name: &str) {
    let kind = ObjectKind::Resource(ResourceName {
        group: group.to_owned(),
        version: "v1".to_owned(),
        plural: plural.to_owned(),
    });
    let _ = window()
        .location()
        .set_hash(&object_href(kind, namespace, name));
}

/// The buttons that end a form.
#[component]
fn FormButtons(
    working: RwSignal<bool>,
    open: RwSignal<bool>,
    confirm: impl Fn() + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="dialog__buttons">
            <button type="button" class="button" id="form-cancel" on:click=move |_| open.set(false)>
                {move || i18n.t(Msg::ObjectCancel)}
            </button>
            <button type="button" class="button button--primary" id="form-create" disabled=working
                on:click=move |_| confirm()>
                {move || i18n.t(if working.get() { Msg::StorageCreating } else { Msg::StorageCreate })}
            </button>
        </div>
    }
}

/// Where a new volume's data comes from, as the form's radio buttons say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum From {
    Empty,
    Snapshot,
    Clone,
}

/// The form of a new volume in `context`, starting in `namespace`.
#[component]
pub fn VolumeForm(context: String, namespace: String, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let namespace = RwSignal::new(namespace);
    let namespaces = RwSignal::new(Vec::<String>::new());
    let name = RwSignal::new(String::new());
    let size = RwSignal::new("10Gi".to_owned());
    let class = RwSignal::new(String::new());
    let access_mode = RwSignal::new("ReadWriteOnce".to_owned());
    let from = RwSignal::new(From::Empty);
    let source = RwSignal::new(String::new());
    let choices = RwSignal::new(VolumeChoices::default());
    let choices_failed = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(());
    let working = RwSignal::new(false);
    let problems = Problems::default();
    {
        let context = context.clone();
        spawn_local(async move {
            if let Ok(list) = ipc::call(&ListNamespaces { context }).await {
                namespaces.set(list.names);
            }
        });
    }
    let sources = move || match from.get() {
        From::Empty => Vec::new(),
        From::Snapshot => choices.get().snapshots,
        From::Clone => choices.get().volumes,
    };
    // A source chosen brings its class and size: a copy is at least as large.
    let take = move |choice: Option<VolumeSourceChoice>| {
        let Some(choice) = choice else {
            source.set(String::new());
            return;
        };
        if !choice.class.is_empty() {
            class.set(choice.class);
        }
        if !choice.size.is_empty() {
            size.set(choice.size);
        }
        source.set(choice.name);
    };
    // What the volume may be made from, read again for each namespace typed or chosen, and each
    // time the user picks where its data comes from (a snapshot may have become ready).
    {
        let context = context.clone();
        Effect::new(move || {
            let asked = namespace.get();
            refresh.track();
            let context = context.clone();
            spawn_local(async move {
                let answer = ipc::call(&GetVolumeChoices {
                    context,
                    namespace: asked.clone(),
                })
                .await;
                if namespace.get_untracked() != asked {
                    return;
                }
                match answer {
                    Ok(found) => {
                        // The default class first chosen, unless the user chose one.
                        if class.get_untracked().is_empty()
                            && let Some(first) = found
                                .classes
                                .iter()
                                .find(|class| class.default)
                                .or(found.classes.first())
                        {
                            class.set(first.name.clone());
                        }
                        choices_failed.set(None);
                        choices.set(found);
                        // The source chosen stays while it is offered; else the first is.
                        let offered = sources();
                        if !offered
                            .iter()
                            .any(|choice| choice.name == source.get_untracked())
                        {
                            take(offered.into_iter().next());
                        }
                    }
                    Err(error) => choices_failed.set(Some(error.to_string())),
                }
            });
        });
    }
    let choose_from = move |chosen: From| {
        from.set(chosen);
        take(sources().into_iter().next());
        refresh.set(());
    };
    let modes = move || {
        choices
            .get()
            .classes
            .into_iter()
            .find(|choice| choice.name == class.get())
            .map(|choice| choice.access_modes)
            .unwrap_or_else(|| ACCESS_MODES.map(str::to_owned).to_vec())
    };
    // The mode stays what the user chose while the class supports it.
    Effect::new(move || {
        let modes = modes();
        if !modes.contains(&access_mode.get_untracked())
            && let Some(first) = modes.first()
        {
            access_mode.set(first.clone());
        }
    });
    let confirm = move || {
        let chosen = source.get_untracked();
        let request = CreateVolume {
            context: context.clone(),
            namespace: namespace.get_untracked().trim().to_owned(),
            volume: NewVolume {
                name: name.get_untracked(),
                size: size.get_untracked(),
                class: Some(class.get_untracked()).filter(|class| !class.is_empty()),
                access_mode: access_mode.get_untracked(),
                source: match from.get_untracked() {
                    From::Empty => VolumeSource::Empty,
                    From::Snapshot => VolumeSource::Snapshot(chosen),
                    From::Clone => VolumeSource::Clone(chosen),
                },
            },
        };
        let namespace = request.namespace.clone();
        submit(request, working, problems, move |made| {
            open.set(false);
            open_page("", "persistentvolumeclaims", Some(&namespace), &made);
        });
    };
    let radio = move |value: From, id: &'static str, label: Msg| {
        view! {
            <label class="choice">
                <input type="radio" name="volume-source" id=id prop:checked=move || from.get() == value
                    on:change=move |_| choose_from(value) />
                {move || i18n.t(label)}
            </label>
        }
    };
    let source_select = move || {
        let shown = sources();
        match from.get() {
            From::Empty => ().into_any(),
            _ if shown.is_empty() => view! {
                <p class="dialog__body" id="volume-no-source">
                    {move || i18n.t(if from.get() == From::Snapshot { Msg::StorageNoSnapshots } else { Msg::StorageNoVolumes })}
                </p>
            }
            .into_any(),
            _ => {
                let options = shown
                    .iter()
                    .map(|choice| {
                        let label = format!("{} ({})", choice.name, choice.size);
                        view! { <option value=choice.name.clone()>{label}</option> }
                    })
                    .collect_view();
                view! {
                    <select id="volume-source" class="select" prop:value=source
                        class:input--invalid=problems.is(FormField::Source)
                        on:change=move |event| {
                            let picked = event_target_value(&event);
                            take(sources().into_iter().find(|choice| choice.name == picked));
                        }>{options}</select>
                }
                .into_any()
            }
        }
    };
    let class_options = move || {
        choices
            .get()
            .classes
            .into_iter()
            .map(|choice| {
                let label = if choice.default {
                    i18n.tf(Msg::StorageClassDefault, &[("name", &choice.name)])
                } else {
                    choice.name.clone()
                };
                view! { <option value=choice.name.clone() selected=move || class.get() == choice.name>{label}</option> }
            })
            .collect_view()
    };
    let mode_options = move || {
        modes()
            .into_iter()
            .map(|mode| view! { <option value=mode.clone() selected=move || access_mode.get() == mode>{mode.clone()}</option> })
            .collect_view()
    };
    let namespace_options = move || {
        namespaces
            .get()
            .into_iter()
            .map(|name| view! { <option value=name></option> })
            .collect_view()
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form" role="dialog" aria-modal="true" id="volume-form">
                <h2 class="dialog__title">{move || i18n.t(Msg::StorageVolumeTitle)}</h2>
                {move || choices_failed.get().map(|message| view! {
                    <div class="banner banner--error" role="alert">{move || i18n.tf(Msg::StorageChoicesFailed, &[("message", &message)])}</div>
                })}
                <div class="form-grid">
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageNamespace)}</span>
                        <input id="volume-namespace" class="input" type="text" list="volume-namespaces" prop:value=namespace
                            on:change=move |event| namespace.set(event_target_value(&event)) />
                        <datalist id="volume-namespaces">{namespace_options}</datalist>
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageName)}</span>
                        <input id="volume-name" class="input" type="text" prop:value=name
                            class:input--invalid=problems.is(FormField::Name)
                            on:input=move |event| name.set(event_target_value(&event)) />
                        {problems.under(FormField::Name)}
                    </label>
                </div>
                <fieldset class="fieldset">
                    <legend class="field__label">{move || i18n.t(Msg::StorageSource)}</legend>
                    {radio(From::Empty, "volume-from-empty", Msg::StorageSourceEmpty)}
                    {radio(From::Snapshot, "volume-from-snapshot", Msg::StorageSourceSnapshot)}
                    {radio(From::Clone, "volume-from-clone", Msg::StorageSourceClone)}
                    <div class="field">{source_select}{problems.under(FormField::Source)}</div>
                </fieldset>
                <div class="form-grid">
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageClass)}</span>
                        <select id="volume-class" class="select" class:input--invalid=problems.is(FormField::Class)
                            on:change=move |event| class.set(event_target_value(&event))>{class_options}</select>
                        {problems.under(FormField::Class)}
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageAccessMode)}</span>
                        <select id="volume-access-mode" class="select" class:input--invalid=problems.is(FormField::AccessMode)
                            on:change=move |event| access_mode.set(event_target_value(&event))>{mode_options}</select>
                        {problems.under(FormField::AccessMode)}
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageSize)}</span>
                        <input id="volume-size" class="input" type="text" prop:value=size
                            class:input--invalid=problems.is(FormField::Size)
                            on:input=move |event| size.set(event_target_value(&event)) />
                        {problems.under(FormField::Size)}
                    </label>
                </div>
                {move || problems.refused.get().map(|message| view! { <div class="banner banner--error" id="form-refused" role="alert">{message}</div> })}
                <FormButtons working open confirm />
            </div>
        </div>
    }
}

/// The form of a new storage class in `context`.
#[component]
pub fn ClassForm(context: String, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let provisioner = RwSignal::new(String::new());
    let reclaim_policy = RwSignal::new("Delete".to_owned());
    let binding_mode = RwSignal::new("WaitForFirstConsumer".to_owned());
    let parameters = RwSignal::new(String::new());
    let modes = ACCESS_MODES.map(|mode| (mode, RwSignal::new(mode == "ReadWriteOnce")));
    let clone = RwSignal::new(true);
    let snapshot = RwSignal::new(true);
    let expansion = RwSignal::new(true);
    let default = RwSignal::new(false);
    let working = RwSignal::new(false);
    let problems = Problems::default();
    let confirm = move || {
        let request = CreateStorageClass {
            context: context.clone(),
            class: NewStorageClass {
                name: name.get_untracked(),
                provisioner: provisioner.get_untracked(),
                reclaim_policy: reclaim_policy.get_untracked(),
                binding_mode: binding_mode.get_untracked(),
                parameters: parameters.get_untracked(),
                access_modes: modes
                    .iter()
                    .filter(|(_, checked)| checked.get_untracked())
                    .map(|(mode, _)| (*mode).to_owned())
                    .collect(),
                clone: clone.get_untracked(),
                snapshot: snapshot.get_untracked(),
                expansion: expansion.get_untracked(),
                default: default.get_untracked(),
            },
        };
        submit(request, working, problems, move |made| {
            open.set(false);
            open_page("storage.k8s.io", "storageclasses", None, &made);
        });
    };
    let switch = move |id: &'static str, checked: RwSignal<bool>, label: Msg| {
        view! {
            <label class="choice">
                <input type="checkbox" id=id prop:checked=checked
                    on:change=move |event| checked.set(event_target_checked(&event)) />
                {move || i18n.t(label)}
            </label>
        }
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form" role="dialog" aria-modal="true" id="class-form">
                <h2 class="dialog__title">{move || i18n.t(Msg::StorageClassTitle)}</h2>
                <div class="form-grid">
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageName)}</span>
                        <input id="class-name" class="input" type="text" prop:value=name
                            class:input--invalid=problems.is(FormField::Name)
                            on:input=move |event| name.set(event_target_value(&event)) />
                        {problems.under(FormField::Name)}
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageProvisioner)}</span>
                        <input id="class-provisioner" class="input" type="text" prop:value=provisioner
                            placeholder="csi.example.com"
                            class:input--invalid=problems.is(FormField::Provisioner)
                            on:input=move |event| provisioner.set(event_target_value(&event)) />
                        {problems.under(FormField::Provisioner)}
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageReclaimPolicy)}</span>
                        <select id="class-reclaim-policy" class="select" prop:value=reclaim_policy
                            on:change=move |event| reclaim_policy.set(event_target_value(&event))>
                            <option value="Delete">{move || i18n.t(Msg::StorageReclaimDelete)}</option>
                            <option value="Retain">{move || i18n.t(Msg::StorageReclaimRetain)}</option>
                        </select>
                        {problems.under(FormField::ReclaimPolicy)}
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::StorageBindingMode)}</span>
                        <select id="class-binding-mode" class="select" prop:value=binding_mode
                            on:change=move |event| binding_mode.set(event_target_value(&event))>
                            <option value="Immediate">{move || i18n.t(Msg::StorageBindingImmediate)}</option>
                            <option value="WaitForFirstConsumer">{move || i18n.t(Msg::StorageBindingWait)}</option>
                        </select>
                        {problems.under(FormField::BindingMode)}
                    </label>
                </div>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::StorageParameters)}</span>
                    <textarea id="class-parameters" class="input" rows="3" prop:value=parameters
                        class:input--invalid=problems.is(FormField::Parameters)
                        on:input=move |event| parameters.set(event_target_value(&event))></textarea>
                    {problems.under(FormField::Parameters)}
                </label>
                <AccessModeChoices modes />
                {problems.under(FormField::AccessMode)}
                <fieldset class="fieldset">
                    <legend class="field__label">{move || i18n.t(Msg::ObjectActionSwitches)}</legend>
                    {switch("class-clone", clone, Msg::ObjectSwitchClone)}
                    {switch("class-snapshot", snapshot, Msg::ObjectSwitchSnapshot)}
                    {switch("class-expansion", expansion, Msg::ObjectSwitchExpansion)}
                </fieldset>
                {switch("class-default", default, Msg::StorageMakeDefault)}
                {move || problems.refused.get().map(|message| view! { <div class="banner banner--error" id="form-refused" role="alert">{message}</div> })}
                <FormButtons working open confirm />
            </div>
        </div>
    }
}
