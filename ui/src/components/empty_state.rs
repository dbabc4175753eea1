//! The designed empty state: an icon, what is (not) here, and what to do.

use leptos::prelude::*;

use crate::components::icon::{Icon, IconName};

/// A centred message for a page or card with nothing to show.
#[component]
pub fn EmptyState(
    icon: IconName,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] body: Signal<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <div class="empty-state__icon">
                <Icon name=icon />
            </div>
            <h2 class="empty-state__title">{title}</h2>
            <p class="empty-state__body">{body}</p>
            {children.map(|children| children())}
        </div>
    }
}
