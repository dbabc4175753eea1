//! Where the cluster's Prometheus is: found in the cluster, or given by URL with a bearer token
//! or a user name and password (kept in the keyring by the backend). The form is checked by
//! asking the Prometheus before anything is kept; what was typed stays when it is refused.

use kubedesk_ipc::{PrometheusAuth, PrometheusGiven, SetPrometheus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::i18n::{Msg, use_i18n};
use crate::ipc;

/// The authentication choices, by the `<select>`'s values.
const NONE: &str = "none";
const BEARER: &str = "bearer";
const BASIC: &str = "basic";

/// The form, filled from what is given now; `saved` is called once a change is kept.
#[component]
pub fn PrometheusSettings(
    context: String,
    given: Option<PrometheusGiven>,
    found: bool,
    saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kept = given.clone();
    let given = given.unwrap_or_default();
    let url = RwSignal::new(given.url.clone());
    let (auth, username) = match &given.auth {
        PrometheusAuth::None => (NONE, String::new()),
        PrometheusAuth::Bearer => (BEARER, String::new()),
        PrometheusAuth::Basic { username } => (BASIC, username.clone()),
    };
    let auth = RwSignal::new(auth.to_owned());
    let username = RwSignal::new(username);
    let secret = RwSignal::new(String::new());
    let ca_file = RwSignal::new(given.ca_file.clone().unwrap_or_default());
    let outcome = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    let send = move |request: SetPrometheus| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            match ipc::call(&request).await {
                Ok(_) => saved.run(()),
                // What was typed stays, to be corrected.
                Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
            }
            busy.set(false);
        });
    };
    let save = {
        let context = context.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let typed = secret.get_untracked();
            let ca = ca_file.get_untracked();
            send(SetPrometheus {
                context: context.clone(),
                given: Some(PrometheusGiven {
                    url: url.get_untracked(),
                    auth: match auth.get_untracked().as_str() {
                        BEARER => PrometheusAuth::Bearer,
                        BASIC => PrometheusAuth::Basic {
                            username: username.get_untracked().trim().to_owned(),
                        },
                        _ => PrometheusAuth::None,
                    },
                    ca_file: (!ca.trim().is_empty()).then(|| ca.trim().to_owned()),
                }),
                secret: (!typed.is_empty()).then_some(typed),
            });
        }
    };
    let find = move |_| {
        send(SetPrometheus {
            context: context.clone(),
            given: None,
            secret: None,
        })
    };
    let is_given = kept.is_some();
    // A secret kept for the same kind of sign-in need not be typed again.
    let kept_auth = kept.map(|kept| match kept.auth {
        PrometheusAuth::None => NONE,
        PrometheusAuth::Bearer => BEARER,
        PrometheusAuth::Basic { .. } => BASIC,
    });
    let secret_kept = move || kept_auth.is_some_and(|kept| kept != NONE && auth.get() == kept);
    let secret_label = move || {
        if auth.get() == BEARER {
            i18n.t(Msg::MonitoringGivenToken)
        } else {
            i18n.t(Msg::MonitoringGivenPassword)
        }
    };
    view! {
        <details class="card prometheus-settings" id="prometheus-settings" open=!found>
            <summary>{move || i18n.t(Msg::MonitoringGivenTitle)}</summary>
            <form on:submit=save>
                <p class="help">{move || i18n.t(Msg::MonitoringGivenHelp)}</p>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringGivenUrl)}</span>
                    <input type="text" class="input" id="prometheus-url" placeholder="https://prometheus.example.com"
                        prop:value=move || url.get() on:input=move |event| url.set(event_target_value(&event)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringGivenAuth)}</span>
                    <select class="select" id="prometheus-auth" on:change=move |event| auth.set(event_target_value(&event))>
                        <option value=NONE selected=move || auth.get() == NONE>{move || i18n.t(Msg::MonitoringGivenAuthNone)}</option>
                        <option value=BEARER selected=move || auth.get() == BEARER>{move || i18n.t(Msg::MonitoringGivenAuthBearer)}</option>
                        <option value=BASIC selected=move || auth.get() == BASIC>{move || i18n.t(Msg::MonitoringGivenAuthBasic)}</option>
                    </select>
                </label>
                <Show when=move || auth.get() == BASIC>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Msg::MonitoringGivenUsername)}</span>
                        <input type="text" class="input" id="prometheus-username" autocomplete="off"
                            prop:value=move || username.get() on:input=move |event| username.set(event_target_value(&event)) />
                    </label>
                </Show>
                <Show when=move || auth.get() != NONE>
                    <label class="field">
                        <span class="field__label">{secret_label}</span>
                        <input type="password" class="input" id="prometheus-secret" autocomplete="off"
                            placeholder=move || if secret_kept() { i18n.t(Msg::MonitoringGivenSecretKept) } else { "" }
                            prop:value=move || secret.get() on:input=move |event| secret.set(event_target_value(&event)) />
                    </label>
                </Show>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Msg::MonitoringGivenCa)}</span>
                    <input type="text" class="input" id="prometheus-ca" placeholder="/etc/ssl/prometheus-ca.pem"
                        prop:value=move || ca_file.get() on:input=move |event| ca_file.set(event_target_value(&event)) />
                </label>
                <div class="prometheus-settings__actions">
                    <button type="submit" class="button button--primary" id="prometheus-save"
                        disabled=move || busy.get() || url.get().trim().is_empty()>
                        {move || i18n.t(Msg::MonitoringGivenSave)}
                    </button>
                    <Show when=move || is_given>
                        <button type="button" class="button" id="prometheus-find" disabled=move || busy.get() on:click=find.clone()>
                            {move || i18n.t(Msg::MonitoringGivenFind)}
                        </button>
                    </Show>
                </div>
            </form>
            {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="prometheus-outcome" /> })}
        </details>
    }
}
