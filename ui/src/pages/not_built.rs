//! The page of an area this version does not have yet: says so plainly, and what it will do.

use leptos::prelude::*;

use crate::components::empty_state::EmptyState;
use crate::components::icon::IconName;
use crate::i18n::{Msg, use_i18n};
use crate::route::Area;

/// Says that `area` is not built yet, and what it will do.
#[component]
pub fn NotBuilt(area: Area, plan: Msg) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" data-page=area.slug() data-built="false">
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(area.title())}</h1>
            </header>
            <div class="card">
                <EmptyState
                    icon=IconName::Construction
                    title=Signal::derive(move || i18n.tf(Msg::AreaNotBuiltTitle, &[("area", i18n.t(area.title()))]))
                    body=Signal::derive(move || i18n.t(Msg::AreaNotBuiltBody).to_owned())
                >
                    <p class="empty-state__plan">
                        <strong>{move || i18n.t(Msg::AreaPlan)}</strong>
                        " "
                        {move || i18n.t(plan)}
                    </p>
                </EmptyState>
            </div>
        </section>
    }
}
