//! The left navigation, grouped by area.

use leptos::prelude::*;

use crate::components::icon::Icon;
use crate::i18n::{Msg, use_i18n};
use crate::route::{Area, NAV_GROUPS};

/// The navigation down the left side; `current` is the area on screen.
#[component]
pub fn SideNav(current: Signal<Area>) -> impl IntoView {
    let i18n = use_i18n();
    let link = move |area: Area| {
        view! {
            <a
                class="nav__link"
                class:is-active=move || current.get() == area
                aria-current=move || (current.get() == area).then_some("page")
                href=area.href()
                data-area=area.slug()
            >
                <Icon name=area.icon() />
                <span>{move || i18n.t(area.title())}</span>
            </a>
        }
    };
    view! {
        <nav class="side-nav" aria-label=move || i18n.t(Msg::NavLabel)>
            {NAV_GROUPS
                .iter()
                .map(|group| {
                    view! {
                        <div class="nav__group">
                            <div class="nav__heading">{move || i18n.t(group.title)}</div>
                            {group.areas.iter().map(|area| link(*area)).collect_view()}
                        </div>
                    }
                })
                .collect_view()}
            <div class="nav__bottom">{link(Area::Settings)}</div>
        </nav>
    }
}
