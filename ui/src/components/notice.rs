//! What an action the user took came to: a line that says it was done, or why it failed.

use leptos::prelude::*;

/// The outcome of something the user did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Done: what was done.
    Done(String),
    /// Not done: why.
    Failed(String),
}

/// The notice as a banner with the given `id`.
#[component]
pub fn NoticeBanner(notice: Notice, id: &'static str) -> impl IntoView {
    match notice {
        Notice::Done(text) => {
            view! { <div class="banner banner--info toast" id=id role="status">{text}</div> }
                .into_any()
        }
        Notice::Failed(text) => {
            view! { <div class="banner banner--error toast" id=id role="alert">{text}</div> }
                .into_any()
        }
    }
}
