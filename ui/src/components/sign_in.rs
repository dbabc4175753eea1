//! Signing in to and out of a context whose cluster takes OpenID Connect ID tokens.

use kubedesk_ipc::{ClusterHealth, SignIn, SignOut};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Msg, use_i18n};
use crate::ipc;
use crate::state::{Healths, Loadable, check_health};

/// Where a sign-in or sign-out stands.
#[derive(Debug, Clone, PartialEq)]
enum Progress {
    Idle,
    /// The browser is open at the provider.
    Waiting,
    /// It failed; the message says why.
    Failed(String),
}

/// Under a context's state: "Sign in" for a context that signs in with OpenID Connect and is not
/// signed in by the app, "Signed in as … · Sign out" when it is, and what went wrong.
#[component]
pub fn SignInControl(
    context: String,
    /// The provider the context signs in at, if it signs in with OpenID Connect.
    issuer: Option<String>,
    health: Signal<Option<Loadable<ClusterHealth>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let healths: Healths = expect_context();
    let progress = RwSignal::new(Progress::Idle);
    let sign_in = {
        let context = context.clone();
        move |_| {
            let context = context.clone();
            progress.set(Progress::Waiting);
            spawn_local(async move {
                match ipc::call(&SignIn {
                    context: context.clone(),
                })
                .await
                {
                    Ok(_) => {
                        progress.set(Progress::Idle);
                        check_health(healths, context).await;
                    }
                    Err(error) => progress.set(Progress::Failed(i18n.tf(
                        Msg::SignInFailed,
                        &[("context", &context), ("detail", &error.to_string())],
                    ))),
                }
            });
        }
    };
    let sign_out = {
        let context = context.clone();
        move |_| {
            let context = context.clone();
            spawn_local(async move {
                match ipc::call(&SignOut {
                    context: context.clone(),
                })
                .await
                {
                    Ok(()) => {
                        progress.set(Progress::Idle);
                        check_health(healths, context).await;
                    }
                    Err(error) => progress.set(Progress::Failed(i18n.tf(
                        Msg::SignInSignOutFailed,
                        &[("context", &context), ("detail", &error.to_string())],
                    ))),
                }
            });
        }
    };
    let signs_in = issuer.is_some();
    let sign_in_button = {
        let context = context.clone();
        move || {
            let waiting = progress.get() == Progress::Waiting;
            view! {
                <button type="button" class="button button--small button--primary" data-sign-in=context.clone() disabled=waiting on:click=sign_in.clone()>
                    {move || i18n.t(if waiting { Msg::SignInWaiting } else { Msg::SignInButton })}
                </button>
            }
            .into_any()
        }
    };
    let control = move || match health.get() {
        Some(Loadable::Ready(ClusterHealth::SignInRequired { .. })) => Some(sign_in_button()),

        Some(Loadable::Ready(ClusterHealth::Ready {
            signed_in: Some(who),
            ..
        })) => {
            let who = who.email.unwrap_or(who.subject);
            Some(
                view! {
                    <div class="cell__secondary sign-in" data-signed-in=context.clone()>
                        {move || i18n.tf(Msg::SignInSignedInAs, &[("who", &who)])}
                        " · "
                        <button type="button" class="link-button" data-sign-out=context.clone() on:click=sign_out.clone()>
                            {move || i18n.t(Msg::SignInSignOut)}
                        </button>
                    </div>
                }
                .into_any(),
            )
        }
        // A cluster that refuses the context's own credentials, or does not answer, may take a
        // sign-in all the same.
        Some(Loadable::Ready(ClusterHealth::Ready {
            signed_in: None, ..
        }))
        | None
        | Some(Loadable::Loading) => None,
        Some(_) if signs_in => Some(sign_in_button()),
        _ => None,
    };
    let failure = move || match progress.get() {
        Progress::Failed(message) => {
            Some(view! { <div class="cell__secondary cell__error" role="alert">{message}</div> })
        }
        Progress::Idle | Progress::Waiting => None,
    };
    view! {
        {control}
        {failure}
    }
}
