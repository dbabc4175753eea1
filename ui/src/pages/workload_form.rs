//! The workload form (`#/workloads/new`): a Deployment, StatefulSet or Job with its containers
//! and init containers (`workload_form/container.rs`), volumes, the GPU products it must run on
//! and the GPU nodes' taints it tolerates; beside it, the manifest it makes and the quota it
//! would use, asked again as it changes. The backend checks every input; the one it names is
//! marked, and everything typed stays. Created, its page opens.

mod container;

use kubedesk_ipc::{
    ContainerDraft, CreateWorkload, FieldProblem, GetWorkloadChoices, PreviewWorkload, TableKind,
    TolerationDraft, VolumeDraft, VolumeFrom, WorkloadChoices, WorkloadDraft, WorkloadKind,
    WorkloadOutcome, WorkloadPreview,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::route::{object_href, table_href};
use crate::state::Selection;
use container::ContainerEditor;

/// The draft, what the cluster offers it, and what the backend last said.
#[derive(Clone, Copy)]
pub(crate) struct Form {
    pub(crate) draft: RwSignal<WorkloadDraft>,
    pub(crate) choices: RwSignal<WorkloadChoices>,
    pub(crate) problem: RwSignal<Option<FieldProblem>>,
    pub(crate) i18n: I18n,
}

impl Form {
    /// Whether the backend named the input at `path`.
    pub(crate) fn wrong(self, path: String) -> Signal<bool> {
        let problem = self.problem;
        Signal::derive(move || {
            problem.with(|problem| {
                problem
                    .as_ref()
                    .is_some_and(|problem| problem.field == path)
            })
        })
    }

    /// A labelled text input bound to the draft: `get` reads it, `set` writes it; `path` is its
    /// place, as the backend names it.
    pub(crate) fn input(
        self,
        label: Msg,
        path: String,
        get: impl Fn(&WorkloadDraft) -> String + Send + Sync + 'static,
        set: impl Fn(&mut WorkloadDraft, String) + Copy + 'static,
    ) -> impl IntoView {
        let draft = self.draft;
        let id = element_id(&path);
        view! {
            <label class="field">
                <span class="field__label">{self.i18n.t(label)}</span>
                <input id=id class="input" type="text" data-field=path.clone()
                    class:input--invalid=self.wrong(path)
                    prop:value=move || draft.with(|draft| get(draft))
                    on:input=move |event| {
                        let value = event_target_value(&event);
                        draft.update(|draft| set(draft, value));
                    } />
            </label>
        }
    }
}

/// The id of the input at `path` (`containers.0.cpu_request` is `wf-containers-0-cpu-request`).
pub(crate) fn element_id(path: &str) -> String {
    format!("wf-{}", path.replace(['.', '_'], "-"))
}

/// A new container with what most need.
fn new_container(name: &str) -> ContainerDraft {
    ContainerDraft {
        name: name.to_owned(),
        ..ContainerDraft::default()
    }
}

/// The volumes section.
fn volumes(form: Form) -> impl IntoView {
    let Form {
        draft,
        choices,
        i18n,
        ..
    } = form;
    let count = Memo::new(move |_| draft.with(|draft| draft.volumes.len()));
    let row = move |index: usize| {
        let objects = move || {
            let from = draft.with(|draft| {
                draft
                    .volumes
                    .get(index)
                    .map(|volume| volume.from)
                    .unwrap_or_default()
            });
            choices.with(|choices| match from {
                VolumeFrom::Claim => choices.claims.clone(),
                VolumeFrom::ConfigMap => choices
                    .config_maps
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect(),
                VolumeFrom::Secret => choices
                    .secrets
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect(),
                VolumeFrom::EmptyDir => Vec::new(),
            })
        };
        let list = format!("wf-volume-objects-{index}");
        let from_options = [
            (VolumeFrom::EmptyDir, Msg::WorkloadFormEmptyDir),
            (VolumeFrom::Claim, Msg::WorkloadFormClaim),
            (VolumeFrom::ConfigMap, Msg::WorkloadFormConfigMap),
            (VolumeFrom::Secret, Msg::WorkloadFormSecret),
        ];
        view! {
            <div class="wf-row" data-volume=index>
                {form.input(Msg::WorkloadFormVolumeName, format!("volumes.{index}.name"),
                    move |draft| draft.volumes.get(index).map(|volume| volume.name.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(volume) = draft.volumes.get_mut(index) { volume.name = value })}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormVolumeFrom)}</span>
                    <select class="select" id=format!("wf-volumes-{index}-from")
                        on:change=move |event| {
                            let picked = event_target_value(&event);
                            let from = from_options.iter().map(|(from, _)| *from).find(|from| format!("{from:?}") == picked).unwrap_or_default();
                            draft.update(|draft| if let Some(volume) = draft.volumes.get_mut(index) { volume.from = from });
                        }>
                        {from_options.map(|(from, label)| view! {
                            <option value=format!("{from:?}") selected=move || draft.with(|draft| draft.volumes.get(index).is_some_and(|volume| volume.from == from))>{i18n.t(label)}</option>
                        })}
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormVolumeObject)}</span>
                    <input class="input" type="text" id=format!("wf-volumes-{index}-object") list=list.clone()
                        class:input--invalid=form.wrong(format!("volumes.{index}.object"))
                        disabled=move || draft.with(|draft| draft.volumes.get(index).is_none_or(|volume| volume.from == VolumeFrom::EmptyDir))
                        prop:value=move || draft.with(|draft| draft.volumes.get(index).map(|volume| volume.object.clone()).unwrap_or_default())
                        on:input=move |event| {
                            let value = event_target_value(&event);
                            draft.update(|draft| if let Some(volume) = draft.volumes.get_mut(index) { volume.object = value });
                        } />
                    <datalist id=list>{move || objects().into_iter().map(|name| view! { <option value=name></option> }).collect_view()}</datalist>
                </label>
                <button type="button" class="button button--small" on:click=move |_| draft.update(|draft| { if index < draft.volumes.len() { draft.volumes.remove(index); } })>
                    {i18n.t(Msg::WorkloadFormRemove)}
                </button>
            </div>
        }
    };
    view! {
        <fieldset class="fieldset wf-section" id="wf-volumes">
            <legend class="field__label">{i18n.t(Msg::WorkloadFormVolumes)}</legend>
            <For each=move || 0..count.get() key=|index| *index let:index>{row(index)}</For>
            <button type="button" class="button button--small" id="wf-add-volume"
                on:click=move |_| draft.update(|draft| {
                    let name = format!("volume-{}", draft.volumes.len() + 1);
                    draft.volumes.push(VolumeDraft { name, ..VolumeDraft::default() });
                })>
                {i18n.t(Msg::WorkloadFormAddVolume)}
            </button>
        </fieldset>
    }
}

/// Where its pods may run: the GPU products they need, and the GPU nodes' taints they tolerate.
fn scheduling(form: Form) -> impl IntoView {
    let Form {
        draft,
        choices,
        i18n,
        ..
    } = form;
    let products = move || {
        choices.with(|choices| choices.gpu_products.clone()).into_iter().map(|product| {
            let checked = {
                let product = product.clone();
                move || draft.with(|draft| draft.gpu_products.contains(&product))
            };
            let toggle = {
                let product = product.clone();
                move |event| {
                    let on = event_target_checked(&event);
                    draft.update(|draft| {
                        draft.gpu_products.retain(|chosen| chosen != &product);
                        if on {
                            draft.gpu_products.push(product.clone());
                        }
                    });
                }
            };
            view! {
                <label class="choice"><input type="checkbox" data-gpu-product=product.clone() prop:checked=checked on:change=toggle />{product.clone()}</label>
            }
        }).collect_view()
    };
    let taints = move || {
        choices.with(|choices| choices.gpu_taints.clone()).into_iter().map(|taint: TolerationDraft| {
            let label = if taint.value.is_empty() { format!("{}:{}", taint.key, taint.effect) } else { format!("{}={}:{}", taint.key, taint.value, taint.effect) };
            let same = |a: &TolerationDraft, b: &TolerationDraft| a.key == b.key && a.effect == b.effect;
            let checked = {
                let taint = taint.clone();
                move || draft.with(|draft| draft.tolerations.iter().any(|held| same(held, &taint)))
            };
            let toggle = {
                let taint = taint.clone();
                move |event| {
                    let on = event_target_checked(&event);
                    draft.update(|draft| {
                        draft.tolerations.retain(|held| !same(held, &taint));
                        if on {
                            // Exists matches any value: none is written.
                            draft.tolerations.push(TolerationDraft {
                                value: String::new(),
                                ..taint.clone()
                            });
                        }
                    });
                }
            };
            view! {
                <label class="choice"><input type="checkbox" data-toleration=taint.key.clone() prop:checked=checked on:change=toggle />{i18n.tf(Msg::WorkloadFormTolerate, &[("taint", &label)])}</label>
            }
        }).collect_view()
    };
    view! {
        <fieldset class="fieldset wf-section" id="wf-scheduling">
            <legend class="field__label">{i18n.t(Msg::WorkloadFormScheduling)}</legend>
            <p class="help">{i18n.t(Msg::WorkloadFormProductsHelp)}</p>
            <div class="wf-choices" id="wf-products">{products}</div>
            <p class="help">{i18n.t(Msg::WorkloadFormTaintsHelp)}</p>
            <div class="wf-choices" id="wf-tolerations">{taints}</div>
            {toleration_rows(form)}
        </fieldset>
    }
}

/// Every toleration, those of the GPU nodes' taints included, each editable; more added by hand.
fn toleration_rows(form: Form) -> impl IntoView {
    let Form { draft, i18n, .. } = form;
    let count = Memo::new(move |_| draft.with(|draft| draft.tolerations.len()));
    let select = move |row: usize, path: &'static str, options: &'static [&'static str]| {
        let get = move |draft: &WorkloadDraft| {
            draft
                .tolerations
                .get(row)
                .map(|toleration| {
                    if path == "operator" {
                        toleration.operator.clone()
                    } else {
                        toleration.effect.clone()
                    }
                })
                .unwrap_or_default()
        };
        view! {
            <select class="select" id=element_id(&format!("tolerations.{row}.{path}"))
                class:input--invalid=form.wrong(format!("tolerations.{row}.{path}"))
                on:change=move |event| {
                    let value = event_target_value(&event);
                    draft.update(|draft| {
                        if let Some(toleration) = draft.tolerations.get_mut(row) {
                            if path == "operator" {
                                toleration.operator = value;
                            } else {
                                toleration.effect = value;
                            }
                        }
                    });
                }>
                {options.iter().map(|option| {
                    let option = *option;
                    view! { <option value=option selected=move || draft.with(|draft| get(draft) == option)>{option}</option> }
                }).collect_view()}
            </select>
        }
    };
    let row = move |row: usize| {
        view! {
            <div class="wf-row" data-toleration-row=row>
                {form.input(Msg::WorkloadFormTaintKey, format!("tolerations.{row}.key"),
                    move |draft| draft.tolerations.get(row).map(|toleration| toleration.key.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(toleration) = draft.tolerations.get_mut(row) { toleration.key = value })}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormTaintOperator)}</span>
                    {select(row, "operator", &["Exists", "Equal"])}
                </label>
                {form.input(Msg::WorkloadFormTaintValue, format!("tolerations.{row}.value"),
                    move |draft| draft.tolerations.get(row).map(|toleration| toleration.value.clone()).unwrap_or_default(),
                    move |draft, value| if let Some(toleration) = draft.tolerations.get_mut(row) { toleration.value = value })}
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkloadFormTaintEffect)}</span>
                    {select(row, "effect", &["", "NoSchedule", "PreferNoSchedule", "NoExecute"])}
                </label>
                <button type="button" class="button button--small" on:click=move |_| draft.update(|draft| { if row < draft.tolerations.len() { draft.tolerations.remove(row); } })>
                    {i18n.t(Msg::WorkloadFormRemove)}
                </button>
            </div>
        }
    };
    view! {
        <div class="wf-rows">
            <For each=move || 0..count.get() key=|at| *at let:at>{row(at)}</For>
            <button type="button" class="button button--small" id="wf-add-toleration"
                on:click=move |_| draft.update(|draft| draft.tolerations.push(TolerationDraft { operator: "Exists".to_owned(), ..TolerationDraft::default() }))>
                {i18n.t(Msg::WorkloadFormAddToleration)}
            </button>
        </div>
    }
}

/// The manifest and the quota it would use.
fn preview(i18n: I18n, preview: RwSignal<Option<WorkloadPreview>>) -> impl IntoView {
    let quota = move || {
        let fits = preview.with(|preview| {
            preview
                .as_ref()
                .map(|preview| preview.quota.clone())
                .unwrap_or_default()
        });
        if fits.is_empty() {
            return view! { <p class="help" id="wf-quota-none">{i18n.t(Msg::WorkloadFormNoQuota)}</p> }.into_any();
        }
        let over = fits.iter().any(|fit| fit.over);
        let rows = fits
            .into_iter()
            .map(|fit| view! {
                <tr class:is-over=fit.over data-quota-key=format!("{}|{}", fit.quota, fit.key)>
                    <td>{fit.quota.clone()}</td>
                    <td><code>{fit.key.clone()}</code></td>
                    <td class="is-numeric">{i18n.tf(Msg::WorkloadFormQuotaLine, &[("used", &fit.used), ("adds", &fit.adds), ("hard", &fit.hard)])}</td>
                </tr>
            })
            .collect_view();
        view! {
            {over.then(|| view! { <div class="banner banner--warning" id="wf-quota-over" role="alert">{i18n.t(Msg::WorkloadFormQuotaOver)}</div> })}
            <table class="table" id="wf-quota"><tbody>{rows}</tbody></table>
        }
        .into_any()
    };
    view! {
        <aside class="wf-preview">
            <h2 class="section__title">{i18n.t(Msg::WorkloadFormQuota)}</h2>
            {quota}
            <h2 class="section__title">{i18n.t(Msg::WorkloadFormYaml)}</h2>
            <pre class="yaml-view" id="wf-yaml">{move || preview.with(|preview| preview.as_ref().and_then(|preview| preview.yaml.clone()).unwrap_or_default())}</pre>
        </aside>
    }
}

fn kind_slug(kind: WorkloadKind) -> TableKind {
    match kind {
        WorkloadKind::Deployment => TableKind::Deployments,
        WorkloadKind::StatefulSet => TableKind::StatefulSets,
        WorkloadKind::Job => TableKind::Jobs,
    }
}

/// The page.
#[component]
pub fn WorkloadFormPage() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let namespace = selection
        .namespace
        .get_untracked()
        .unwrap_or_else(|| "default".to_owned());
    let form = Form {
        draft: RwSignal::new(WorkloadDraft {
            namespace,
            replicas: "1".to_owned(),
            containers: vec![new_container("main")],
            ..WorkloadDraft::default()
        }),
        choices: RwSignal::new(WorkloadChoices::default()),
        problem: RwSignal::new(None),
        i18n,
    };
    let Form {
        draft,
        choices,
        problem,
        ..
    } = form;
    let refused = RwSignal::new(None::<String>);
    let working = RwSignal::new(false);
    let shown = RwSignal::new(None::<WorkloadPreview>);
    // What the cluster offers the namespace chosen.
    let chosen_namespace =
        Memo::new(move |_| draft.with(|draft| draft.namespace.trim().to_owned()));
    Effect::new(move || {
        let (Some(context), namespace) = (selection.context.get(), chosen_namespace.get()) else {
            return;
        };
        spawn_local(async move {
            match ipc::call(&GetWorkloadChoices { context, namespace }).await {
                Ok(found) => choices.set(found),
                Err(error) => refused.set(Some(error.to_string())),
            }
        });
    });
    // The preview follows the draft; only the latest answer is shown.
    let asked = StoredValue::new(0_u64);
    Effect::new(move || {
        let draft = draft.get();
        let Some(context) = selection.context.get() else {
            return;
        };
        let question = asked.get_value() + 1;
        asked.set_value(question);
        spawn_local(async move {
            let answer = ipc::call(&PreviewWorkload { context, draft }).await;
            if asked.try_get_value() != Some(question) {
                return;
            }
            match answer {
                Ok(answer) => {
                    problem.set(answer.problem.clone());
                    shown.set(Some(answer));
                }
                Err(error) => refused.set(Some(error.to_string())),
            }
        });
    });
    let create = move |_| {
        let Some(context) = selection.context.get_untracked() else {
            return;
        };
        let request = CreateWorkload {
            context,
            draft: draft.get_untracked(),
        };
        refused.set(None);
        working.set(true);
        spawn_local(async move {
            let kind = request.draft.kind;
            let namespace = request.draft.namespace.trim().to_owned();
            let answer = ipc::call(&request).await;
            working.set(false);
            match answer {
                Ok(WorkloadOutcome::Created { name }) => {
                    let _ = window().location().set_hash(&object_href(
                        kind_slug(kind),
                        Some(&namespace),
                        &name,
                    ));
                }
                Ok(WorkloadOutcome::Invalid(named)) => problem.set(Some(named)),
                Err(error) => refused.set(Some(error.to_string())),
            }
        });
    };
    let kinds = [
        (WorkloadKind::Deployment, Msg::WorkloadFormDeployment),
        (WorkloadKind::StatefulSet, Msg::WorkloadFormStatefulSet),
        (WorkloadKind::Job, Msg::WorkloadFormJob),
    ];
    let namespaces = move || {
        choices
            .with(|choices| choices.namespaces.clone())
            .into_iter()
            .map(|name| view! { <option value=name></option> })
            .collect_view()
    };
    let containers = Memo::new(move |_| draft.with(|draft| draft.containers.len()));
    let inits = Memo::new(move |_| draft.with(|draft| draft.init_containers.len()));
    view! {
        <section class="page" data-page="workload-form">
            <a class="back-link" href=table_href(TableKind::Deployments)>{i18n.t(Msg::WorkloadsTitle)}</a>
            <header class="page__header">
                <h1 class="page__title">{i18n.t(Msg::WorkloadFormTitle)}</h1>
                <p class="page__subtitle">{i18n.t(Msg::WorkloadFormSubtitle)}</p>
            </header>
            <div class="wf-layout">
                <div class="wf-main">
                    <fieldset class="fieldset wf-section">
                        <legend class="field__label">{i18n.t(Msg::WorkloadFormBasics)}</legend>
                        <div class="form-grid">
                            <label class="field">
                                <span class="field__label">{i18n.t(Msg::WorkloadFormKind)}</span>
                                <select class="select" id="wf-kind" on:change=move |event| {
                                    let picked = event_target_value(&event);
                                    let kind = kinds.iter().map(|(kind, _)| *kind).find(|kind| format!("{kind:?}") == picked).unwrap_or_default();
                                    draft.update(|draft| draft.kind = kind);
                                }>
                                    {kinds.map(|(kind, label)| view! { <option value=format!("{kind:?}") selected=move || draft.with(|draft| draft.kind == kind)>{i18n.t(label)}</option> })}
                                </select>
                            </label>
                            {form.input(Msg::WorkloadFormName, "name".to_owned(), |draft| draft.name.clone(), |draft, value| draft.name = value)}
                            <label class="field">
                                <span class="field__label">{i18n.t(Msg::WorkloadFormNamespace)}</span>
                                <input id="wf-namespace" class="input" type="text" list="wf-namespaces"
                                    class:input--invalid=form.wrong("namespace".to_owned())
                                    prop:value=move || draft.with(|draft| draft.namespace.clone())
                                    on:change=move |event| { let value = event_target_value(&event); draft.update(|draft| draft.namespace = value); } />
                                <datalist id="wf-namespaces">{namespaces}</datalist>
                            </label>
                            {form.input(Msg::WorkloadFormReplicas, "replicas".to_owned(), |draft| draft.replicas.clone(), |draft, value| draft.replicas = value)}
                        </div>
                    </fieldset>
                    <For each=move || 0..containers.get() key=|index| *index let:index>
                        <ContainerEditor form init=false index />
                    </For>
                    <button type="button" class="button" id="wf-add-container"
                        on:click=move |_| draft.update(|draft| { let name = format!("container-{}", draft.containers.len() + 1); draft.containers.push(new_container(&name)); })>
                        {i18n.t(Msg::WorkloadFormAddContainer)}
                    </button>
                    <For each=move || 0..inits.get() key=|index| *index let:index>
                        <ContainerEditor form init=true index />
                    </For>
                    <button type="button" class="button" id="wf-add-init"
                        on:click=move |_| draft.update(|draft| { let name = format!("init-{}", draft.init_containers.len() + 1); draft.init_containers.push(new_container(&name)); })>
                        {i18n.t(Msg::WorkloadFormAddInit)}
                    </button>
                    {volumes(form)}
                    {scheduling(form)}
                    {move || problem.get().map(|named| view! { <div class="banner banner--error" id="wf-problem" role="alert">{named.message}</div> })}
                    {move || refused.get().map(|message| view! { <div class="banner banner--error" id="wf-refused" role="alert">{message}</div> })}
                    <div class="dialog__buttons">
                        <button type="button" class="button button--primary" id="wf-create" disabled=working on:click=create>
                            {move || i18n.t(if working.get() { Msg::WorkloadFormCreating } else { Msg::WorkloadFormCreate })}
                        </button>
                    </div>
                </div>
                {preview(i18n, shown)}
            </div>
        </section>
    }
}
