//! A cluster's state as a coloured dot and a word.

use kubedesk_ipc::ClusterHealth;
use leptos::prelude::*;

use crate::i18n::{Msg, use_i18n};
use crate::state::Loadable;

/// A cluster's state as a coloured pill: checking, ready, or what is wrong.
#[component]
pub fn HealthBadge(health: Signal<Option<Loadable<ClusterHealth>>>) -> impl IntoView {
    let i18n = use_i18n();
    let look = move || {
        let (tone, label) = match health.get() {
            None | Some(Loadable::Loading) => ("muted", Msg::HealthChecking),
            Some(Loadable::Failed(_)) => ("danger", Msg::HealthFailed),
            Some(Loadable::Ready(state)) => match state {
                ClusterHealth::Ready { .. } => ("success", Msg::HealthReady),
                ClusterHealth::Unauthorized { .. } => ("danger", Msg::HealthUnauthorized),
                ClusterHealth::Forbidden { .. } => ("warning", Msg::HealthForbidden),
                ClusterHealth::Unreachable { .. } => ("danger", Msg::HealthUnreachable),
                ClusterHealth::Misconfigured { .. } => ("warning", Msg::HealthMisconfigured),
                ClusterHealth::SignInRequired { .. } => ("warning", Msg::HealthSignInRequired),
            },
        };
        (tone, i18n.t(label))
    };
    view! {
        <span class=move || format!("status status--{}", look().0)>
            <span class="dot"></span>
            {move || look().1}
        </span>
    }
}
