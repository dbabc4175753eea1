//! The "your access" card of the overview: what the user may do in the selected namespace, as the
//! cluster's API server says (SelfSubjectAccessReview per action, SelfSubjectRulesReview for the
//! rules).

use kubedesk_ipc::{Access, GetAccess};
use leptos::prelude::*;

use crate::components::table::TableHead;
use crate::i18n::{Msg, use_i18n};
use crate::state::{Loadable, Selection, for_selection};

/// The access card for the selected context and namespace.
#[component]
pub fn AccessCard() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let access = for_selection(selection, |context, namespace| GetAccess {
        context,
        namespace,
    });
    let title = move || match access.get() {
        Loadable::Ready(access) => i18n.tf(Msg::AccessTitle, &[("namespace", &access.namespace)]),
        _ => i18n.t(Msg::AccessTitlePlain).to_owned(),
    };
    let body = move || match access.get() {
        Loadable::Loading => {
            view! { <p class="card__intro">{i18n.t(Msg::AppLoading)}</p> }.into_any()
        }
        Loadable::Failed(error) => {
            view! { <p class="card__intro cell__error">{error.to_string()}</p> }.into_any()
        }
        Loadable::Ready(access) => view! { <AccessView access /> }.into_any(),
    };
    view! {
        <div class="card card--table" id="overview-access">
            <h2 class="card__title card__title--padded">{title}</h2>
            {body}
        </div>
    }
}

#[component]
fn AccessView(access: Access) -> impl IntoView {
    let i18n = use_i18n();
    let actions = access
        .actions
        .into_iter()
        .map(|action| {
            let label = label(&action.action);
            let allowed = action.allowed;
            view! {
                <li class="access__item" class:is-allowed=allowed data-action=action.action.clone() data-allowed=allowed.to_string() title=action.reason.unwrap_or_default()>
                    <span class="access__mark">{if allowed { "✓" } else { "✕" }}</span>
                    {move || i18n.t(label)}
                </li>
            }
        })
        .collect_view();
    let rules = access
        .rules
        .into_iter()
        .map(|rule| {
            view! {
                <tr>
                    <td class="cell--mono cell--wrap">{rule.resources.join(", ")}</td>
                    <td class="cell--mono">{rule.names.join(", ")}</td>
                    <td class="cell--mono cell--wrap">{rule.verbs.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    let incomplete = access
        .incomplete
        .then(|| view! { <p class="card__intro">{move || i18n.t(Msg::AccessIncomplete)}</p> });
    view! {
        <ul class="access">{actions}</ul>
        <details class="access__rules">
            <summary>{move || i18n.t(Msg::AccessRules)}</summary>
            <table class="table" id="access-rules">
                <TableHead columns=&[Msg::AccessColResources, Msg::AccessColNames, Msg::AccessColVerbs] />
                <tbody>{rules}</tbody>
            </table>
        </details>
        {incomplete}
    }
}

fn label(action: &str) -> Msg {
    match action {
        "list-pods" => Msg::AccessListPods,
        "read-logs" => Msg::AccessReadLogs,
        "exec" => Msg::AccessExec,
        "create-deployments" => Msg::AccessCreateDeployments,
        "scale-deployments" => Msg::AccessScaleDeployments,
        "delete-pods" => Msg::AccessDeletePods,
        "read-secrets" => Msg::AccessReadSecrets,
        "list-nodes" => Msg::AccessListNodes,
        _ => Msg::AccessCordonNodes,
    }
}
