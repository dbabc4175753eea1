//! The variables editor, over a dashboard: each variable's name, label, where its values come
//! from (a query written as Grafana writes it, values, intervals, a constant, a textbox), whether
//! several values and All may be chosen, in the order they are resolved. What the backend refuses
//! is named, and what was typed stays.

use kubedesk_ipc::{SaveVariables, VariableSpec, VariableSpecKind};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::i18n::{Msg, use_i18n};
use crate::ipc;

/// The kinds offered, by the `<select>`'s values, with their labels.
const KINDS: [(&str, Msg); 6] = [
    ("query", Msg::VariablesEditorKindQuery),
    ("custom", Msg::VariablesEditorKindCustom),
    ("interval", Msg::VariablesEditorKindInterval),
    ("constant", Msg::VariablesEditorKindConstant),
    ("textbox", Msg::VariablesEditorKindTextbox),
    ("datasource", Msg::VariablesEditorKindDatasource),
];

/// The `<select>` value of `kind`, its definition and its regex.
fn parts(kind: &VariableSpecKind) -> (&'static str, String, String) {
    match kind {
        VariableSpecKind::Query { query, regex } => ("query", query.clone(), regex.clone()),
        VariableSpecKind::Custom { values } => ("custom", values.clone(), String::new()),
        VariableSpecKind::Interval { values } => ("interval", values.clone(), String::new()),
        VariableSpecKind::Constant { value } => ("constant", value.clone(), String::new()),
        VariableSpecKind::Textbox { default } => ("textbox", default.clone(), String::new()),
        VariableSpecKind::Datasource => ("datasource", String::new(), String::new()),
    }
}

/// The kind of a `<select>` value with its definition and regex.
fn kind_of(value: &str, definition: String, regex: String) -> VariableSpecKind {
    match value {
        "custom" => VariableSpecKind::Custom { values: definition },
        "interval" => VariableSpecKind::Interval { values: definition },
        "constant" => VariableSpecKind::Constant { value: definition },
        "textbox" => VariableSpecKind::Textbox {
            default: definition,
        },
        "datasource" => VariableSpecKind::Datasource,
        _ => VariableSpecKind::Query {
            query: definition,
            regex,
        },
    }
}

/// The editor of dashboard `id`'s variables; `done` is called with whether they were saved.
#[component]
pub fn VariablesEditor(
    id: String,
    variables: Vec<VariableSpec>,
    done: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let variables = RwSignal::new(variables);
    let outcome = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    let edit = move |index: usize, change: &dyn Fn(&mut VariableSpec)| {
        variables.update(|variables| {
            if let Some(variable) = variables.get_mut(index) {
                change(variable);
            }
        });
    };
    let read = move |index: usize| {
        variables.with(|variables| variables.get(index).cloned().unwrap_or_default())
    };
    let save = move |_| {
        let request = SaveVariables {
            id: id.clone(),
            variables: variables.get_untracked(),
        };
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            match ipc::call(&request).await {
                Ok(()) => done.run(true),
                // What was typed stays, to be corrected.
                Err(error) => {
                    outcome.set(Some(Notice::Failed(error.to_string())));
                    busy.set(false);
                }
            }
        });
    };
    // Rows made again only when one is added or removed: typing keeps its field.
    let count = Memo::new(move |_| variables.with(Vec::len));
    let rows = move || {
        (0..count.get())
            .map(|index| {
                let kind = move || parts(&read(index).kind).0;
                let kinds = KINDS
                    .iter()
                    .map(|(value, label)| {
                        let value = *value;
                        view! { <option value=value selected=move || kind() == value>{i18n.t(*label)}</option> }
                    })
                    .collect_view();
                view! {
                    <div class="variables-editor__row" data-variable-row=index>
                        <input type="text" class="input" data-field="name" placeholder="node" aria-label=i18n.t(Msg::VariablesEditorName)
                            prop:value=move || read(index).name
                            on:input=move |event| {
                                let text = event_target_value(&event);
                                edit(index, &|variable| variable.name.clone_from(&text));
                            } />
                        <input type="text" class="input" data-field="label" placeholder=i18n.t(Msg::VariablesEditorLabel) aria-label=i18n.t(Msg::VariablesEditorLabel)
                            prop:value=move || read(index).label
                            on:input=move |event| {
                                let text = event_target_value(&event);
                                edit(index, &|variable| variable.label.clone_from(&text));
                            } />
                        <select class="select" data-field="kind" aria-label=i18n.t(Msg::VariablesEditorKind)
                            on:change=move |event| {
                                let value = event_target_value(&event);
                                edit(index, &|variable| {
                                    let (_, definition, regex) = parts(&variable.kind);
                                    variable.kind = kind_of(&value, definition, regex);
                                });
                            }>
                            {kinds}
                        </select>
                        <input type="text" class="input promql" data-field="definition" aria-label=i18n.t(Msg::VariablesEditorDefinition)
                            placeholder="label_values(kube_node_info, node)"
                            disabled=move || kind() == "datasource"
                            prop:value=move || parts(&read(index).kind).1
                            on:input=move |event| {
                                let text = event_target_value(&event);
                                edit(index, &|variable| {
                                    let (value, _, regex) = parts(&variable.kind);
                                    variable.kind = kind_of(value, text.clone(), regex);
                                });
                            } />
                        <input type="text" class="input" data-field="regex" aria-label=i18n.t(Msg::VariablesEditorRegex)
                            placeholder=i18n.t(Msg::VariablesEditorRegex)
                            disabled=move || kind() != "query"
                            prop:value=move || parts(&read(index).kind).2
                            on:input=move |event| {
                                let text = event_target_value(&event);
                                edit(index, &|variable| {
                                    let (value, definition, _) = parts(&variable.kind);
                                    variable.kind = kind_of(value, definition, text.clone());
                                });
                            } />
                        <label class="choice">
                            <input type="checkbox" data-field="multi" prop:checked=move || read(index).multi
                                on:change=move |event| {
                                    let checked = event_target_checked(&event);
                                    edit(index, &|variable| variable.multi = checked);
                                } />
                            {i18n.t(Msg::VariablesEditorMulti)}
                        </label>
                        <label class="choice">
                            <input type="checkbox" data-field="all" prop:checked=move || read(index).include_all
                                on:change=move |event| {
                                    let checked = event_target_checked(&event);
                                    edit(index, &|variable| variable.include_all = checked);
                                } />
                            {i18n.t(Msg::VariablesEditorAll)}
                        </label>
                        <button type="button" class="button button--small" disabled=index == 0
                            on:click=move |_| variables.update(|variables| variables.swap(index - 1, index))>
                            {i18n.t(Msg::VariablesEditorUp)}
                        </button>
                        <button type="button" class="button button--small" data-remove-variable=index
                            on:click=move |_| variables.update(|variables| { variables.remove(index); })>
                            {i18n.t(Msg::VariablesEditorRemove)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form variables-editor" role="dialog" aria-modal="true" id="variables-editor">
                <h2 class="dialog__title">{i18n.t(Msg::VariablesEditorTitle)}</h2>
                <p class="help">{i18n.t(Msg::VariablesEditorHelp)}</p>
                <Show when=move || variables.with(Vec::is_empty)>
                    <p class="help">{i18n.t(Msg::VariablesEditorNone)}</p>
                </Show>
                <div class="variables-editor__rows" id="variables-rows">{rows}</div>
                <div>
                    <button type="button" class="button button--small" id="variables-add"
                        on:click=move |_| variables.update(|variables| variables.push(VariableSpec::default()))>
                        {i18n.t(Msg::VariablesEditorAdd)}
                    </button>
                </div>
                {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="variables-outcome" /> })}
                <div class="dialog__buttons">
                    <button type="button" class="button" id="variables-cancel" on:click=move |_| done.run(false)>
                        {i18n.t(Msg::PanelEditorCancel)}
                    </button>
                    <button type="button" class="button button--primary" id="variables-save" disabled=move || busy.get() on:click=save>
                        {i18n.t(Msg::PanelEditorSave)}
                    </button>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_changed_keeps_what_was_typed() {
        let query = VariableSpecKind::Query {
            query: "label_values(node)".into(),
            regex: "gpu-.*".into(),
        };
        let (value, definition, regex) = parts(&query);
        assert_eq!(kind_of(value, definition.clone(), regex.clone()), query);
        assert_eq!(
            kind_of("custom", definition, regex),
            VariableSpecKind::Custom {
                values: "label_values(node)".into()
            }
        );
        assert_eq!(KINDS.len(), 6);
    }
}
