//! The YAML editor of an object's page and of the create page: the text, a dry run that shows
//! each document's diff, the apply, and the conflicts with other field managers with the choice
//! to take them over. A document that cannot be applied is named with its line, which is
//! selected in the text; the text is never lost.

use kubedesk_ipc::{AppliedDocument, ApplyOutcome, ApplyYaml, Change, DiffLine, DocumentResult};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;

/// The editor.
#[component]
pub fn YamlEditor(
    /// The context applied to.
    context: String,
    /// Where namespaced objects without a namespace go (the context's namespace when `None`).
    namespace: Option<String>,
    /// The text it starts with.
    initial: String,
    /// The apply button's words.
    apply_label: Msg,
    /// Told what was applied, once every document was.
    on_done: Callback<String>,
    /// Offers Cancel when given.
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(initial);
    // The last answer, and whether it was a dry run.
    let answer = RwSignal::new(None::<(bool, ApplyOutcome)>);
    let failure = RwSignal::new(None::<String>);
    let working = RwSignal::new(false);
    let area = NodeRef::<leptos::html::Textarea>::new();
    let send = move |dry_run: bool, force: bool| {
        let request = ApplyYaml {
            context: context.clone(),
            namespace: namespace.clone(),
            yaml: text.get_untracked(),
            force,
            dry_run,
        };
        working.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = ipc::call(&request).await;
            working.set(false);
            match result {
                Ok(ApplyOutcome::Invalid { line, .. }) => {
                    if let Some(area) = area.get_untracked() {
                        select_line(&area, &request.yaml, line);
                    }
                    answer.set(result.ok().map(|outcome| (dry_run, outcome)));
                }
                Ok(ApplyOutcome::Applied { documents }) => {
                    let all_done = documents
                        .iter()
                        .all(|document| matches!(document.result, DocumentResult::Done { .. }));
                    if all_done && !dry_run {
                        let summary: Vec<String> = documents
                            .iter()
                            .map(|document| headline(i18n, document, false))
                            .collect();
                        on_done.run(summary.join(" · "));
                    }
                    answer.set(Some((dry_run, ApplyOutcome::Applied { documents })));
                }
                Err(error) => failure.set(Some(error.to_string())),
            }
        });
    };
    let send = StoredValue::new(send);
    let conflicts = move || {
        answer.get().is_some_and(|(_, outcome)| match outcome {
            ApplyOutcome::Applied { documents } => documents
                .iter()
                .any(|document| matches!(document.result, DocumentResult::Conflicts { .. })),
            ApplyOutcome::Invalid { .. } => false,
        })
    };
    let results = move || {
        let (dry_run, outcome) = answer.get()?;
        Some(match outcome {
            ApplyOutcome::Invalid {
                document,
                line,
                reason,
            } => view! {
                <div class="banner banner--error" id="yaml-invalid" role="alert">
                    {i18n.tf(Msg::YamlInvalid, &[("document", &document.to_string()), ("line", &line.to_string()), ("reason", &reason)])}
                </div>
            }
            .into_any(),
            ApplyOutcome::Applied { documents } => {
                let items = documents
                    .into_iter()
                    .map(|document| view! { <DocumentOutcome document dry_run /> })
                    .collect_view();
                view! {
                    <div class="yaml-results" id="yaml-results">
                        {dry_run.then(|| view! { <p class="card__intro">{move || i18n.t(Msg::YamlPreviewNote)}</p> })}
                        {items}
                    </div>
                }
                .into_any()
            }
        })
    };
    // The buttons and what the last review or apply said come first, where they are seen.
    view! {
        <div class="yaml-editor">
            <div class="dialog__buttons">
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="button" id="yaml-cancel" on:click=move |_| cancel.run(())>
                        {move || i18n.t(Msg::YamlCancel)}
                    </button>
                })}
                <button type="button" class="button" id="yaml-review" disabled=working
                    on:click=move |_| send.with_value(|send| send(true, false))>
                    {move || i18n.t(Msg::YamlReview)}
                </button>
                {move || conflicts().then(|| view! {
                    <button type="button" class="button button--danger" id="yaml-force" disabled=working
                        on:click=move |_| send.with_value(|send| send(false, true))>
                        {move || i18n.t(Msg::YamlForce)}
                    </button>
                })}
                <button type="button" class="button button--primary" id="yaml-apply" disabled=working
                    on:click=move |_| send.with_value(|send| send(false, false))>
                    {move || i18n.t(if working.get() { Msg::YamlWorking } else { apply_label })}
                </button>
            </div>
            {move || failure.get().map(|failure| view! { <div class="banner banner--error" role="alert">{failure}</div> })}
            {results}
            <label class="field">
                <span class="field__label">{move || i18n.t(Msg::YamlEditorLabel)}</span>
                <textarea id="yaml-text" class="input yaml-text" spellcheck="false" node_ref=area
                    prop:value=move || text.get() on:input=move |event| text.set(event_target_value(&event))></textarea>
            </label>
        </div>
    }
}

/// "Deployment api configured", or what a dry run would do.
fn headline(i18n: I18n, document: &AppliedDocument, dry_run: bool) -> String {
    let change = match &document.result {
        DocumentResult::Done { change, .. } => *change,
        _ => Change::Unchanged,
    };
    let message = match (change, dry_run) {
        (Change::Created, false) => Msg::YamlDoneCreated,
        (Change::Configured, false) => Msg::YamlDoneConfigured,
        (Change::Unchanged, false) => Msg::YamlDoneUnchanged,
        (Change::Created, true) => Msg::YamlPreviewCreated,
        (Change::Configured, true) => Msg::YamlPreviewConfigured,
        (Change::Unchanged, true) => Msg::YamlPreviewUnchanged,
    };
    i18n.tf(
        message,
        &[("kind", &document.kind), ("name", &document.name)],
    )
}

/// One document's outcome: what it did with its diff, its conflicts, or why it was refused.
#[component]
fn DocumentOutcome(document: AppliedDocument, dry_run: bool) -> impl IntoView {
    let i18n = use_i18n();
    let place = i18n.tf(
        Msg::YamlDocument,
        &[
            ("document", &document.document.to_string()),
            ("line", &document.line.to_string()),
        ],
    );
    let body = match &document.result {
        DocumentResult::Done { diff, .. } => {
            let lines = diff
                .iter()
                .map(|line| match line {
                    DiffLine::Same(text) => view! { <div class="diff__line">{format!("  {text}")}</div> }.into_any(),
                    DiffLine::Added(text) => view! { <div class="diff__line diff__line--added">{format!("+ {text}")}</div> }.into_any(),
                    DiffLine::Removed(text) => view! { <div class="diff__line diff__line--removed">{format!("- {text}")}</div> }.into_any(),
                    DiffLine::Gap => view! { <div class="diff__line diff__line--gap">"⋯"</div> }.into_any(),
                })
                .collect_view();
            view! {
                <p class="cell--strong">{headline(i18n, &document, dry_run)}</p>
                {(!diff.is_empty()).then(|| view! { <pre class="diff">{lines}</pre> })}
            }
            .into_any()
        }
        DocumentResult::Conflicts { fields, .. } => {
            let items = fields
                .iter()
                .map(|field| {
                    view! {
                        <li class="cell--mono">{i18n.tf(Msg::YamlConflictField, &[("field", &field.field), ("manager", &field.manager)])}</li>
                    }
                })
                .collect_view();
            view! {
                <div class="banner banner--warning yaml-conflicts" role="alert">
                    <div>
                        <p>{format!("{} {}: {}", document.kind, document.name, i18n.t(Msg::YamlConflicts))}</p>
                        <ul>{items}</ul>
                    </div>
                </div>
            }
            .into_any()
        }
        DocumentResult::Refused { message } => view! {
            <div class="banner banner--error" role="alert">
                {i18n.tf(Msg::YamlRefused, &[("kind", &document.kind), ("name", &document.name), ("message", message)])}
            </div>
        }
        .into_any(),
    };
    view! {
        <div class="card yaml-document" data-document=document.document>
            <p class="card__intro">{place}</p>
            {body}
        </div>
    }
}

/// Selects line `line` (from 1) of the text, so the user sees where the problem is.
fn select_line(area: &web_sys::HtmlTextAreaElement, text: &str, line: usize) {
    let mut start = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let end = start + content.trim_end_matches('\n').encode_utf16().count();
            let _ = area.focus();
            let _ = area.set_selection_range(
                u32::try_from(start).unwrap_or(0),
                u32::try_from(end).unwrap_or(0),
            );
            return;
        }
        start += content.encode_utf16().count();
    }
}
