//! One container of the workload form: its image (searched in the registries kept in Settings,
//! with the tags of the one chosen), command and arguments, CPU and memory, its GPUs (a type
//! from the cluster's GPU resources or typed, and a count), environment, ports, volume mounts and
//! probes.

use kubedesk_ipc::{
    ContainerDraft, EnvDraft, EnvFrom, GetImageTags, ImageSearch, MountDraft, PortDraft,
    ProbeDraft, ProbeKind, SearchImages, WorkloadDraft,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Form, element_id};
use crate::i18n::Msg;
use crate::ipc;
use crate::pages::gpus::gpu_types;

/// The container at `index` among the containers, or the init containers when `init`.
fn of(draft: &WorkloadDraft, init: bool, index: usize) -> Option<&ContainerDraft> {
    if init {
        draft.init_containers.get(index)
    } else {
        draft.containers.get(index)
    }
}

fn of_mut(draft: &mut WorkloadDraft, init: bool, index: usize) -> Option<&mut ContainerDraft> {
    if init {
        draft.init_containers.get_mut(index)
    } else {
        draft.containers.get_mut(index)
    }
}

/// The editor.
#[component]
pub(super) fn ContainerEditor(form: Form, init: bool, index: usize) -> impl IntoView {
    let Form {
        draft,
        choices,
        i18n,
        ..
    } = form;
    let place = if init {
        format!("init_containers.{index}")
    } else {
        format!("containers.{index}")
    };
    // A text input of this container.
    let input_place = place.clone();
    let input = move |label: Msg,
                      key: &str,
                      get: fn(&ContainerDraft) -> &String,
                      set: fn(&mut ContainerDraft, String)| {
        form.input(
            label,
            format!("{input_place}.{key}"),
            move |draft| {
                of(draft, init, index)
                    .map(|container| get(container).clone())
                    .unwrap_or_default()
            },
            move |draft, value| {
                if let Some(container) = of_mut(draft, init, index) {
                    set(container, value);
                }
            },
        )
    };
    let place_for = place.clone();
    let image_search = ImageSearchBox(form, init, index, place.clone());
    let gpu_type_options = move || {
        choices
            .with(|choices| gpu_types(&choices.gpu_resources))
            .into_iter()
            .map(|name| view! { <option value=name></option> })
            .collect_view()
    };
    let remove = move |_| {
        draft.update(|draft| {
            let list = if init {
                &mut draft.init_containers
            } else {
                &mut draft.containers
            };
            if index < list.len() {
                list.remove(index);
            }
        })
    };
    let title = move || {
        let name = draft.with(|draft| {
            of(draft, init, index)
                .map(|container| container.name.clone())
                .unwrap_or_default()
        });
        i18n.tf(
            if init {
                Msg::WorkloadFormInitTitle
            } else {
                Msg::WorkloadFormContainerTitle
            },
            &[("name", &name)],
        )
    };
    view! {
        <fieldset class="fieldset wf-section wf-container" data-container=place.clone()>
            <legend class="field__label">{title}</legend>
            <div class="form-grid">
                {input(Msg::WorkloadFormContainerName, "name", |container| &container.name, |container, value| container.name = value)}
                {image_search}
                {input(Msg::WorkloadFormCommand, "command", |container| &container.command, |container, value| container.command = value)}
                {input(Msg::WorkloadFormArgs, "args", |container| &container.args, |container, value| container.args = value)}
                {input(Msg::WorkloadFormCpuRequest, "cpu_request", |container| &container.cpu_request, |container, value| container.cpu_request = value)}
                {input(Msg::WorkloadFormCpuLimit, "cpu_limit", |container| &container.cpu_limit, |container, value| container.cpu_limit = value)}
                {input(Msg::WorkloadFormMemoryRequest, "memory_request", |container| &container.memory_request, |container, value| container.memory_request = value)}
                {input(Msg::WorkloadFormMemoryLimit, "memory_limit", |container| &container.memory_limit, |container, value| container.memory_limit = value)}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormGpuType)}</span>
                    <input class="input" type="text" id=element_id(&format!("{place_for}.gpu_type")) list="wf-gpu-types"
                        class:input--invalid=form.wrong(format!("{place_for}.gpu_type"))
                        prop:value=move || draft.with(|draft| of(draft, init, index).map(|container| container.gpu_type.clone()).unwrap_or_default())
                        on:input=move |event| { let value = event_target_value(&event); draft.update(|draft| if let Some(container) = of_mut(draft, init, index) { container.gpu_type = value }); } />
                    <datalist id="wf-gpu-types">{gpu_type_options}</datalist>
                </label>
                {input(Msg::WorkloadFormGpuCount, "gpu_count", |container| &container.gpu_count, |container, value| container.gpu_count = value)}
            </div>
            <p class="help">{i18n.t(Msg::WorkloadFormGpuHelp)}</p>
            {env_rows(form, init, index, place.clone())}
            {port_rows(form, init, index, place.clone())}
            {mount_rows(form, init, index, place.clone())}
            {probe(form, init, index, place.clone(), false)}
            {probe(form, init, index, place.clone(), true)}
            <button type="button" class="button button--small" on:click=remove>{i18n.t(Msg::WorkloadFormRemoveContainer)}</button>
        </fieldset>
    }
}

/// The image input with a search of the registries kept and the tags of the image found.
#[allow(
    non_snake_case,
    reason = "a view helper named as the part of the form it draws"
)]
fn ImageSearchBox(form: Form, init: bool, index: usize, place: String) -> impl IntoView {
    let Form { draft, i18n, .. } = form;
    let found = RwSignal::new(None::<ImageSearch>);
    let tags = RwSignal::new(Vec::<(String, String)>::new());
    let failed = RwSignal::new(None::<String>);
    let image = move || {
        draft.with(|draft| {
            of(draft, init, index)
                .map(|container| container.image.clone())
                .unwrap_or_default()
        })
    };
    let set_image = move |value: String| {
        draft.update(|draft| {
            if let Some(container) = of_mut(draft, init, index) {
                container.image = value
            }
        })
    };
    let search = move |_| {
        let query = image();
        let query = query
            .split(':')
            .next()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        failed.set(None);
        spawn_local(async move {
            match ipc::call(&SearchImages { query }).await {
                Ok(answer) => found.set(Some(answer)),
                Err(error) => failed.set(Some(error.to_string())),
            }
        });
    };
    let pick = move |picked: String| {
        set_image(picked.clone());
        found.set(None);
        spawn_local(async move {
            match ipc::call(&GetImageTags {
                image: picked.clone(),
            })
            .await
            {
                Ok(list) => tags.set(list.into_iter().map(|tag| (picked.clone(), tag)).collect()),
                Err(error) => failed.set(Some(error.to_string())),
            }
        });
    };
    let id = element_id(&place);
    let hits_id = format!("{id}-hits");
    let results = move || {
        found.get().map(|answer| {
            let hits = answer
                .hits
                .into_iter()
                .map(|hit| {
                    let chosen = hit.image.clone();
                    view! { <li><button type="button" class="button button--small" data-image-hit=hit.image.clone() on:click=move |_| pick(chosen.clone())>{hit.image.clone()}</button></li> }
                })
                .collect_view();
            let failures = answer.failures.into_iter().map(|failure| view! { <li class="field__problem">{failure}</li> }).collect_view();
            view! { <ul class="wf-hits" id=hits_id.clone()>{hits}{failures}</ul> }
        })
    };
    let tag_list = move || {
        let shown = tags.get();
        (!shown.is_empty()).then(|| {
            let buttons = shown
                .into_iter()
                .map(|(image, tag)| {
                    let full = format!("{image}:{tag}");
                    view! { <button type="button" class="button button--small" data-image-tag=tag.clone() on:click=move |_| { set_image(full.clone()); tags.set(Vec::new()); }>{tag.clone()}</button> }
                })
                .collect_view();
            view! { <div class="wf-tags"><span class="help">{i18n.t(Msg::WorkloadFormTags)}</span>{buttons}</div> }
        })
    };
    let path = format!("{place}.image");
    view! {
        <div class="field">
            <span class="field__label">{i18n.t(Msg::WorkloadFormImage)}</span>
            <div class="wf-image">
                <input id=format!("{id}-image") class="input" type="text" data-field=path.clone()
                    class:input--invalid=form.wrong(path)
                    prop:value=image
                    on:input=move |event| set_image(event_target_value(&event)) />
                <button type="button" class="button button--small" id=format!("{id}-search") on:click=search>{i18n.t(Msg::WorkloadFormSearch)}</button>
            </div>
            {results}
            {tag_list}
            {move || failed.get().map(|message| view! { <span class="field__problem">{message}</span> })}
        </div>
    }
}

/// The environment variables.
fn env_rows(form: Form, init: bool, index: usize, place: String) -> impl IntoView {
    let Form {
        draft,
        choices,
        i18n,
        ..
    } = form;
    let count = Memo::new(move |_| {
        draft.with(|draft| of(draft, init, index).map_or(0, |container| container.env.len()))
    });
    let add_id = element_id(&format!("{place}.add_env"));
    let row = move |row: usize| {
        let base = format!("{place}.env.{row}");
        let get = move |pick: fn(&EnvDraft) -> String| {
            move |draft: &WorkloadDraft| {
                of(draft, init, index)
                    .and_then(|container| container.env.get(row))
                    .map(pick)
                    .unwrap_or_default()
            }
        };
        let set = move |put: fn(&mut EnvDraft, String)| {
            move |draft: &mut WorkloadDraft, value: String| {
                if let Some(variable) =
                    of_mut(draft, init, index).and_then(|container| container.env.get_mut(row))
                {
                    put(variable, value);
                }
            }
        };
        let froms = [
            (EnvFrom::Value, Msg::WorkloadFormEnvValue),
            (EnvFrom::ConfigMap, Msg::WorkloadFormConfigMap),
            (EnvFrom::Secret, Msg::WorkloadFormSecret),
        ];
        let keys = move || {
            let (from, object) = draft.with(|draft| {
                of(draft, init, index)
                    .and_then(|container| container.env.get(row))
                    .map(|variable| (variable.from, variable.value.clone()))
                    .unwrap_or_default()
            });
            choices.with(|choices| {
                let list = match from {
                    EnvFrom::ConfigMap => &choices.config_maps,
                    EnvFrom::Secret => &choices.secrets,
                    EnvFrom::Value => return Vec::new(),
                };
                list.iter()
                    .find(|(name, _)| *name == object)
                    .map(|(_, keys)| keys.clone())
                    .unwrap_or_default()
            })
        };
        let keys_id = element_id(&format!("{base}.keys"));
        view! {
            <div class="wf-row">
                {form.input(Msg::WorkloadFormEnvName, format!("{base}.name"), get(|variable| variable.name.clone()), set(|variable, value| variable.name = value))}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormEnvFrom)}</span>
                    <select class="select" on:change=move |event| {
                        let picked = event_target_value(&event);
                        let from = froms.iter().map(|(from, _)| *from).find(|from| format!("{from:?}") == picked).unwrap_or_default();
                        draft.update(|draft| if let Some(variable) = of_mut(draft, init, index).and_then(|container| container.env.get_mut(row)) { variable.from = from });
                    }>
                        {froms.map(|(from, label)| view! { <option value=format!("{from:?}") selected=move || draft.with(|draft| of(draft, init, index).and_then(|container| container.env.get(row)).is_some_and(|variable| variable.from == from))>{i18n.t(label)}</option> })}
                    </select>
                </label>
                {form.input(Msg::WorkloadFormEnvValueOrObject, format!("{base}.value"), get(|variable| variable.value.clone()), set(|variable, value| variable.value = value))}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormEnvKey)}</span>
                    <input class="input" type="text" list=keys_id.clone()
                        prop:value=move || draft.with(get(|variable| variable.key.clone()))
                        on:input=move |event| { let value = event_target_value(&event); draft.update(|draft| set(|variable, value| variable.key = value)(draft, value)); } />
                    <datalist id=keys_id>{move || keys().into_iter().map(|key| view! { <option value=key></option> }).collect_view()}</datalist>
                </label>
            </div>
        }
    };
    view! {
        <div class="wf-rows">
            <span class="field__label">{i18n.t(Msg::WorkloadFormEnv)}</span>
            <For each=move || 0..count.get() key=|at| *at let:at>{row(at)}</For>
            <button type="button" class="button button--small" id=add_id on:click=move |_| draft.update(|draft| if let Some(container) = of_mut(draft, init, index) { container.env.push(EnvDraft::default()) })>
                {i18n.t(Msg::WorkloadFormAddEnv)}
            </button>
        </div>
    }
}

/// The ports.
fn port_rows(form: Form, init: bool, index: usize, place: String) -> impl IntoView {
    let Form { draft, i18n, .. } = form;
    let count = Memo::new(move |_| {
        draft.with(|draft| of(draft, init, index).map_or(0, |container| container.ports.len()))
    });
    let add_id = element_id(&format!("{place}.add_port"));
    let row = move |row: usize| {
        let base = format!("{place}.ports.{row}");
        view! {
            <div class="wf-row">
                {form.input(Msg::WorkloadFormPort, base.clone(),
                    move |draft| of(draft, init, index).and_then(|container| container.ports.get(row)).map(|port| port.port.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(port) = of_mut(draft, init, index).and_then(|container| container.ports.get_mut(row)) { port.port = value })}
                {form.input(Msg::WorkloadFormProtocol, format!("{base}.protocol"),
                    move |draft| of(draft, init, index).and_then(|container| container.ports.get(row)).map(|port| port.protocol.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(port) = of_mut(draft, init, index).and_then(|container| container.ports.get_mut(row)) { port.protocol = value })}
            </div>
        }
    };
    view! {
        <div class="wf-rows">
            <span class="field__label">{i18n.t(Msg::WorkloadFormPorts)}</span>
            <For each=move || 0..count.get() key=|at| *at let:at>{row(at)}</For>
            <button type="button" class="button button--small" id=add_id on:click=move |_| draft.update(|draft| if let Some(container) = of_mut(draft, init, index) { container.ports.push(PortDraft { port: String::new(), protocol: "TCP".to_owned() }) })>
                {i18n.t(Msg::WorkloadFormAddPort)}
            </button>
        </div>
    }
}

/// The volume mounts.
fn mount_rows(form: Form, init: bool, index: usize, place: String) -> impl IntoView {
    let Form { draft, i18n, .. } = form;
    let count = Memo::new(move |_| {
        draft.with(|draft| of(draft, init, index).map_or(0, |container| container.mounts.len()))
    });
    let add_id = element_id(&format!("{place}.add_mount"));
    let row = move |row: usize| {
        let base = format!("{place}.mounts.{row}");
        let volumes = Memo::new(move |_| {
            draft.with(|draft| {
                draft
                    .volumes
                    .iter()
                    .map(|volume| volume.name.clone())
                    .collect::<Vec<_>>()
            })
        });
        let chosen = move || {
            draft.with(|draft| {
                of(draft, init, index)
                    .and_then(|container| container.mounts.get(row))
                    .map(|mount| mount.volume.clone())
                    .unwrap_or_default()
            })
        };
        view! {
            <div class="wf-row">
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormMountVolume)}</span>
                    <select class="select" id=element_id(&format!("{base}.volume"))
                        class:input--invalid=form.wrong(format!("{base}.volume"))
                        on:change=move |event| { let value = event_target_value(&event); draft.update(|draft| if let Some(mount) = of_mut(draft, init, index).and_then(|container| container.mounts.get_mut(row)) { mount.volume = value }); }>
                        <option value="" selected=move || chosen().is_empty()>"—"</option>
                        {move || volumes.get().into_iter().map(|name| { let shown = name.clone(); view! { <option value=name.clone() selected=move || chosen() == shown>{name.clone()}</option> } }).collect_view()}
                    </select>
                </label>
                {form.input(Msg::WorkloadFormMountPath, format!("{base}.path"),
                    move |draft| of(draft, init, index).and_then(|container| container.mounts.get(row)).map(|mount| mount.path.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(mount) = of_mut(draft, init, index).and_then(|container| container.mounts.get_mut(row)) { mount.path = value })}
                <label class="choice">
                    <input type="checkbox" prop:checked=move || draft.with(|draft| of(draft, init, index).and_then(|container| container.mounts.get(row)).is_some_and(|mount| mount.read_only))
                        on:change=move |event| { let on = event_target_checked(&event); draft.update(|draft| if let Some(mount) = of_mut(draft, init, index).and_then(|container| container.mounts.get_mut(row)) { mount.read_only = on }); } />
                    {i18n.t(Msg::WorkloadFormReadOnly)}
                </label>
            </div>
        }
    };
    view! {
        <div class="wf-rows">
            <span class="field__label">{i18n.t(Msg::WorkloadFormMounts)}</span>
            <For each=move || 0..count.get() key=|at| *at let:at>{row(at)}</For>
            <button type="button" class="button button--small" id=add_id on:click=move |_| draft.update(|draft| if let Some(container) = of_mut(draft, init, index) { container.mounts.push(MountDraft::default()) })>
                {i18n.t(Msg::WorkloadFormAddMount)}
            </button>
        </div>
    }
}

/// A readiness (or, with `liveness`, a liveness) probe.
fn probe(form: Form, init: bool, index: usize, place: String, liveness: bool) -> impl IntoView {
    let Form { draft, i18n, .. } = form;
    let pick = move |container: &ContainerDraft| {
        if liveness {
            container.liveness.clone()
        } else {
            container.readiness.clone()
        }
    };
    let put = move |draft: &mut WorkloadDraft, change: &dyn Fn(&mut ProbeDraft)| {
        if let Some(container) = of_mut(draft, init, index) {
            change(if liveness {
                &mut container.liveness
            } else {
                &mut container.readiness
            });
        }
    };
    // The details are drawn anew only when the kind changes, so typing keeps its field.
    let kind = Memo::new(move |_| {
        draft.with(|draft| {
            of(draft, init, index)
                .map(|container| pick(container).kind)
                .unwrap_or_default()
        })
    });
    let base = format!(
        "{place}.{}",
        if liveness { "liveness" } else { "readiness" }
    );
    let kinds = [
        (ProbeKind::None, Msg::WorkloadFormProbeNone),
        (ProbeKind::Http, Msg::WorkloadFormProbeHttp),
        (ProbeKind::Tcp, Msg::WorkloadFormProbeTcp),
        (ProbeKind::Exec, Msg::WorkloadFormProbeExec),
    ];
    let field = move |label: Msg,
                      key: &str,
                      get: fn(&ProbeDraft) -> String,
                      set: fn(&mut ProbeDraft, String)| {
        form.input(
            label,
            format!("{base}.{key}"),
            move |draft| {
                of(draft, init, index)
                    .map(|container| get(&pick(container)))
                    .unwrap_or_default()
            },
            move |draft, value| put(draft, &|probe| set(probe, value.clone())),
        )
    };
    let details = move || {
        match kind.get() {
        ProbeKind::None => ().into_any(),
        ProbeKind::Http => view! { {field(Msg::WorkloadFormProbePath, "path", |probe| probe.path.clone(), |probe, value| probe.path = value)} {field(Msg::WorkloadFormPort, "port", |probe| probe.port.clone(), |probe, value| probe.port = value)} }.into_any(),
        ProbeKind::Tcp => field(Msg::WorkloadFormPort, "port", |probe| probe.port.clone(), |probe, value| probe.port = value).into_any(),
        ProbeKind::Exec => field(Msg::WorkloadFormCommand, "command", |probe| probe.command.clone(), |probe, value| probe.command = value).into_any(),
    }
    };
    view! {
        <div class="wf-row">
            <label class="field">
                <span class="field__label">{i18n.t(if liveness { Msg::WorkloadFormLiveness } else { Msg::WorkloadFormReadiness })}</span>
                <select class="select" on:change=move |event| {
                    let picked = event_target_value(&event);
                    let chosen = kinds.iter().map(|(kind, _)| *kind).find(|kind| format!("{kind:?}") == picked).unwrap_or_default();
                    draft.update(|draft| put(draft, &|probe| probe.kind = chosen));
                }>
                    {kinds.map(|(value, label)| view! { <option value=format!("{value:?}") selected=move || kind.get() == value>{i18n.t(label)}</option> })}
                </select>
            </label>
            {details}
        </div>
    }
}
