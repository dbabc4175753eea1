//! A table's header row, its column names from the message catalogue.

use leptos::prelude::*;

use crate::i18n::{Msg, use_i18n};

/// `<thead>` with one `<th>` per column, in the current language.
#[component]
pub fn TableHead(columns: &'static [Msg]) -> impl IntoView {
    let i18n = use_i18n();
    let cells = columns
        .iter()
        .map(|column| view! { <th>{move || i18n.t(*column)}</th> })
        .collect_view();
    view! {
        <thead>
            <tr>{cells}</tr>
        </thead>
    }
}
