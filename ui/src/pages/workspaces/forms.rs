//! The quota and default-limit forms. A quota's usual limits have their own inputs, the GPU its
//! type and count (written as `requests.<type>`, the only way Kubernetes counts GPUs in a quota),
//! and any other key a line of its own. The backend checks every key and amount; the one it
//! names is marked with its reason, and everything typed stays.

use kubedesk_ipc::{
    LimitRangeView, QuotaLine, QuotaOutcome, SaveLimitRange, SaveProjectQuota, SaveWorkspaceQuota,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::pages::gpus::gpu_types;

/// What a form edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editing {
    /// A project's quota: its name when it exists, and its lines.
    ProjectQuota {
        /// The project.
        namespace: String,
        /// The quota's name; `None` for a new one.
        name: Option<String>,
        /// Its lines now.
        lines: Vec<QuotaLine>,
    },
    /// A workspace's quota.
    Workspace {
        /// The workspace.
        workspace: String,
        /// Its lines now.
        lines: Vec<QuotaLine>,
    },
    /// A project's default container limits: the LimitRange when it exists.
    Defaults {
        /// The project.
        namespace: String,
        /// The LimitRange; `None` for a new one.
        range: Option<LimitRangeView>,
    },
}

/// The quota keys with inputs of their own.
const QUOTA_FIELDS: [(&str, Msg); 7] = [
    ("requests.cpu", Msg::WorkspacesCpuRequest),
    ("limits.cpu", Msg::WorkspacesCpuLimit),
    ("requests.memory", Msg::WorkspacesMemoryRequest),
    ("limits.memory", Msg::WorkspacesMemoryLimit),
    ("pods", Msg::WorkspacesPods),
    ("requests.storage", Msg::WorkspacesStorage),
    ("persistentvolumeclaims", Msg::WorkspacesClaims),
];

/// What the backend or the form said about the last try.
#[derive(Clone, Copy)]
struct Problem {
    /// The key (or `name`, or `other`) it is about, and why.
    named: RwSignal<Option<(String, String)>>,
    /// What the server refused.
    refused: RwSignal<Option<String>>,
}

impl Problem {
    fn new() -> Self {
        Self {
            named: RwSignal::new(None),
            refused: RwSignal::new(None),
        }
    }

    fn is(self, key: impl Fn() -> String + Send + Sync + 'static) -> Signal<bool> {
        let named = self.named;
        Signal::derive(move || named.get().is_some_and(|(named, _)| named == key()))
    }

    fn shown(self) -> impl IntoView {
        move || {
            let named = self.named.get().map(|(_, message)| message);
            let refused = self.refused.get();
            named.or(refused).map(|message| {
                view! { <div class="banner banner--error" id="quota-problem" role="alert">{message}</div> }
            })
        }
    }
}

/// `key=amount` lines into pairs; a line that is not one is named with its number.
fn other_lines(i18n: I18n, text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, amount)) = line.split_once('=') else {
            return Err(i18n.tf(
                Msg::WorkspacesLineNotPair,
                &[("line", &(number + 1).to_string()), ("text", line)],
            ));
        };
        pairs.push((key.trim().to_owned(), amount.trim().to_owned()));
    }
    Ok(pairs)
}

/// An input of the form, bound to `value`, marked when `invalid`.
fn amount_input(
    i18n: I18n,
    id: String,
    label: Msg,
    value: RwSignal<String>,
    invalid: Signal<bool>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field__label">{i18n.t(label)}</span>
            <input id=id class="input" type="text" placeholder=i18n.t(Msg::WorkspacesNoLimit)
                class:input--invalid=invalid prop:value=value
                on:input=move |event| value.set(event_target_value(&event)) />
        </label>
    }
}

/// The object's name: typed for a new one, shown for one that exists.
fn name_input(
    i18n: I18n,
    id: &'static str,
    name: RwSignal<String>,
    existing: bool,
    problem: Problem,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field__label">{i18n.t(Msg::WorkspacesName)}</span>
            <input id=id class="input" type="text" prop:value=name disabled=existing
                class:input--invalid=problem.is(|| "name".to_owned())
                on:input=move |event| name.set(event_target_value(&event)) />
        </label>
    }
}

/// Sends a save and closes the form, or marks what is wrong.
fn save<C>(request: C, problem: Problem, working: RwSignal<bool>, done: impl Fn() + 'static)
where
    C: kubedesk_ipc::Command<Output = QuotaOutcome> + 'static,
{
    problem.named.set(None);
    problem.refused.set(None);
    working.set(true);
    spawn_local(async move {
        let answer = ipc::call(&request).await;
        working.set(false);
        match answer {
            Ok(QuotaOutcome::Saved) => done(),
            Ok(QuotaOutcome::Invalid { key, message }) => problem.named.set(Some((key, message))),
            Err(error) => problem.refused.set(Some(error.to_string())),
        }
    });
}

fn buttons(
    i18n: I18n,
    working: RwSignal<bool>,
    open: RwSignal<Option<Editing>>,
    confirm: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="dialog__buttons">
            <button type="button" class="button" id="form-cancel" on:click=move |_| open.set(None)>
                {i18n.t(Msg::ObjectCancel)}
            </button>
            <button type="button" class="button button--primary" id="form-save" disabled=working
                on:click=move |_| confirm()>
                {move || i18n.t(if working.get() { Msg::WorkspacesSaving } else { Msg::WorkspacesSave })}
            </button>
        </div>
    }
}

/// The GPU type (from `types`) and a count, with the hint of how a quota counts GPUs.
fn gpu_inputs(
    i18n: I18n,
    types: Vec<String>,
    gpu_type: RwSignal<String>,
    gpu_count: RwSignal<String>,
    count_label: Msg,
    invalid: Signal<bool>,
) -> impl IntoView {
    let options = types
        .into_iter()
        .map(|name| view! { <option value=name.clone()></option> })
        .collect_view();
    view! {
        <label class="field">
            <span class="field__label">{i18n.t(Msg::WorkspacesGpuType)}</span>
            <input id="quota-gpu-type" class="input" type="text" list="quota-gpu-types" prop:value=gpu_type
                on:input=move |event| gpu_type.set(event_target_value(&event)) />
            <datalist id="quota-gpu-types">{options}</datalist>
        </label>
        <label class="field">
            <span class="field__label">{i18n.t(count_label)}</span>
            <input id="quota-gpu-count" class="input" type="text" placeholder=i18n.t(Msg::WorkspacesNoLimit)
                class:input--invalid=invalid prop:value=gpu_count
                on:input=move |event| gpu_count.set(event_target_value(&event)) />
        </label>
    }
}

/// The form of a project's or a workspace's quota.
#[component]
pub fn QuotaForm(
    context: String,
    editing: Editing,
    gpu_resources: Memo<Vec<String>>,
    open: RwSignal<Option<Editing>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (title, lines, project) = match &editing {
        Editing::ProjectQuota {
            namespace,
            name: Some(name),
            lines,
        } => (
            i18n.tf(
                Msg::WorkspacesQuotaTitle,
                &[("name", name), ("namespace", namespace)],
            ),
            lines.clone(),
            Some((namespace.clone(), Some(name.clone()))),
        ),
        Editing::ProjectQuota {
            namespace, lines, ..
        } => (
            i18n.tf(Msg::WorkspacesNewQuotaTitle, &[("namespace", namespace)]),
            lines.clone(),
            Some((namespace.clone(), None)),
        ),
        Editing::Workspace { workspace, lines } => (
            i18n.tf(
                Msg::WorkspacesWorkspaceQuotaTitle,
                &[("workspace", workspace)],
            ),
            lines.clone(),
            None,
        ),
        Editing::Defaults { .. } => (String::new(), Vec::new(), None),
    };
    let name = RwSignal::new(
        project
            .as_ref()
            .map(|(namespace, name)| name.clone().unwrap_or_else(|| namespace.clone()))
            .unwrap_or_default(),
    );
    let fields = QUOTA_FIELDS.map(|(key, label)| (key, label, RwSignal::new(String::new())));
    let types = gpu_types(&gpu_resources.get_untracked());
    let gpu_type = RwSignal::new(types.first().cloned().unwrap_or_default());
    let gpu_count = RwSignal::new(String::new());
    let mut others = Vec::new();
    let mut gpu_found = false;
    for line in &lines {
        if let Some((_, _, value)) = fields.iter().find(|(key, _, _)| *key == line.key) {
            value.set(line.hard.clone());
        } else if let Some(resource) = line
            .key
            .strip_prefix("requests.")
            .filter(|resource| resource.contains('/') && !gpu_found)
        {
            gpu_found = true;
            gpu_type.set(resource.to_owned());
            gpu_count.set(line.hard.clone());
        } else {
            others.push(format!("{}={}", line.key, line.hard));
        }
    }
    let other = RwSignal::new(others.join("\n"));
    let problem = Problem::new();
    let working = RwSignal::new(false);
    let gpu_key = move || format!("requests.{}", gpu_type.get().trim());
    let other_invalid = Signal::derive(move || {
        problem.named.get().is_some_and(|(key, _)| {
            key == "other"
                || !key.is_empty()
                    && key != "name"
                    && key != gpu_key()
                    && !QUOTA_FIELDS.iter().any(|(field, _)| *field == key)
        })
    });
    let confirm = {
        let (context, editing) = (context.clone(), editing.clone());
        move || {
            let mut hard: Vec<(String, String)> = fields
                .iter()
                .map(|(key, _, value)| ((*key).to_owned(), value.get_untracked()))
                .collect();
            if !gpu_count.get_untracked().trim().is_empty() {
                hard.push((gpu_key(), gpu_count.get_untracked()));
            }
            match other_lines(i18n, &other.get_untracked()) {
                Ok(more) => hard.extend(more),
                Err(message) => {
                    problem.named.set(Some(("other".to_owned(), message)));
                    return;
                }
            }
            let done = move || {
                open.set(None);
                refresh.update(|count| *count += 1);
            };
            match &editing {
                Editing::ProjectQuota { namespace, .. } => save(
                    SaveProjectQuota {
                        context: context.clone(),
                        namespace: namespace.clone(),
                        name: name.get_untracked(),
                        hard,
                    },
                    problem,
                    working,
                    done,
                ),
                Editing::Workspace { workspace, .. } => save(
                    SaveWorkspaceQuota {
                        context: context.clone(),
                        workspace: workspace.clone(),
                        hard,
                    },
                    problem,
                    working,
                    done,
                ),
                Editing::Defaults { .. } => {}
            }
        }
    };
    let inputs = fields
        .iter()
        .map(|(key, label, value)| {
            let key = (*key).to_owned();
            let id = format!("quota-{}", key.replace('.', "-"));
            amount_input(i18n, id, *label, *value, problem.is(move || key.clone()))
        })
        .collect_view();
    let existing = project.as_ref().is_some_and(|(_, name)| name.is_some());
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form" role="dialog" aria-modal="true" id="quota-form">
                <h2 class="dialog__title">{title}</h2>
                {project.is_some().then(|| name_input(i18n, "quota-name", name, existing, problem))}
                <div class="form-grid">{inputs}</div>
                <fieldset class="fieldset">
                    <legend class="field__label">{i18n.t(Msg::WorkspacesGpu)}</legend>
                    <div class="form-grid">
                        {gpu_inputs(i18n, types, gpu_type, gpu_count, Msg::WorkspacesGpuCount, problem.is(gpu_key))}
                    </div>
                    <p class="help">{i18n.t(Msg::WorkspacesGpuHint)}</p>
                </fieldset>
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkspacesOther)}</span>
                    <textarea id="quota-other" class="input" rows="3" prop:value=other
                        class:input--invalid=other_invalid
                        on:input=move |event| other.set(event_target_value(&event))></textarea>
                </label>
                {problem.shown()}
                {buttons(i18n, working, open, confirm)}
            </div>
        </div>
    }
}

/// The default-limit keys with inputs of their own: the LimitRange key and whether it is a
/// request.
const DEFAULT_FIELDS: [(&str, bool, Msg); 4] = [
    ("cpu", true, Msg::WorkspacesCpuRequest),
    ("cpu", false, Msg::WorkspacesCpuLimit),
    ("memory", true, Msg::WorkspacesMemoryRequest),
    ("memory", false, Msg::WorkspacesMemoryLimit),
];

/// The form of a project's default container limits.
#[component]
pub fn DefaultsForm(
    context: String,
    namespace: String,
    range: Option<LimitRangeView>,
    gpu_resources: Memo<Vec<String>>,
    open: RwSignal<Option<Editing>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let existing = range.is_some();
    let range = range.unwrap_or_default();
    let name = RwSignal::new(if existing {
        range.name.clone()
    } else {
        namespace.clone()
    });
    let fields = DEFAULT_FIELDS.map(|(key, request, label)| {
        let from = if request {
            &range.default_request
        } else {
            &range.default
        };
        let value = from
            .iter()
            .find(|(found, _)| found == key)
            .map(|(_, amount)| amount.clone())
            .unwrap_or_default();
        (key, request, label, RwSignal::new(value))
    });
    let types = gpu_types(&gpu_resources.get_untracked());
    let gpu = range
        .default
        .iter()
        .find(|(key, _)| key.contains('/'))
        .cloned();
    let gpu_type = RwSignal::new(
        gpu.as_ref()
            .map(|(key, _)| key.clone())
            .or_else(|| types.first().cloned())
            .unwrap_or_default(),
    );
    let gpu_count = RwSignal::new(
        gpu.as_ref()
            .map(|(_, amount)| amount.clone())
            .unwrap_or_default(),
    );
    let other = RwSignal::new(
        range
            .default
            .iter()
            .filter(|(key, _)| {
                key != "cpu" && key != "memory" && Some(key) != gpu.as_ref().map(|(key, _)| key)
            })
            .map(|(key, amount)| format!("{key}={amount}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let problem = Problem::new();
    let working = RwSignal::new(false);
    let title = i18n.tf(
        Msg::WorkspacesDefaultsTitle,
        &[("namespace", &range_title(&namespace, existing, &range.name))],
    );
    let confirm = move || {
        let mut default = Vec::new();
        let mut default_request = Vec::new();
        for (key, request, _, value) in &fields {
            let pair = ((*key).to_owned(), value.get_untracked());
            if *request {
                default_request.push(pair);
            } else {
                default.push(pair);
            }
        }
        if !gpu_count.get_untracked().trim().is_empty() {
            default.push((
                gpu_type.get_untracked().trim().to_owned(),
                gpu_count.get_untracked(),
            ));
        }
        match other_lines(i18n, &other.get_untracked()) {
            Ok(more) => default.extend(more),
            Err(message) => {
                problem.named.set(Some(("other".to_owned(), message)));
                return;
            }
        }
        save(
            SaveLimitRange {
                context: context.clone(),
                namespace: namespace.clone(),
                name: name.get_untracked(),
                default,
                default_request,
            },
            problem,
            working,
            move || {
                open.set(None);
                refresh.update(|count| *count += 1);
            },
        );
    };
    let inputs = fields
        .iter()
        .map(|(key, request, label, value)| {
            let id = format!(
                "defaults-{key}-{}",
                if *request { "request" } else { "limit" }
            );
            let key = (*key).to_owned();
            amount_input(i18n, id, *label, *value, problem.is(move || key.clone()))
        })
        .collect_view();
    let gpu_invalid = problem.is(move || gpu_type.get().trim().to_owned());
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form" role="dialog" aria-modal="true" id="defaults-form">
                <h2 class="dialog__title">{title}</h2>
                {name_input(i18n, "defaults-name", name, existing, problem)}
                <div class="form-grid">{inputs}</div>
                <fieldset class="fieldset">
                    <legend class="field__label">{i18n.t(Msg::WorkspacesGpu)}</legend>
                    <div class="form-grid">
                        {gpu_inputs(i18n, types, gpu_type, gpu_count, Msg::WorkspacesGpuDefault, gpu_invalid)}
                    </div>
                    <p class="help">{i18n.t(Msg::WorkspacesGpuDefaultHint)}</p>
                </fieldset>
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::WorkspacesOtherDefaults)}</span>
                    <textarea id="defaults-other" class="input" rows="2" prop:value=other
                        class:input--invalid=problem.is(|| "other".to_owned())
                        on:input=move |event| other.set(event_target_value(&event))></textarea>
                </label>
                {problem.shown()}
                {buttons(i18n, working, open, confirm)}
            </div>
        </div>
    }
}

/// The project, and the LimitRange's name when it exists.
fn range_title(namespace: &str, existing: bool, name: &str) -> String {
    if existing {
        format!("{namespace}/{name}")
    } else {
        namespace.to_owned()
    }
}
