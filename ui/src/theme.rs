//! The colour theme: the user's choice, or the system's preference, applied to the document.

use kubedesk_ipc::Theme;
use leptos::prelude::*;

use crate::i18n::Msg;

/// The choices every theme picker offers, in order: the theme, its label, its key in the DOM.
pub const CHOICES: [(Theme, Msg, &str); 3] = [
    (Theme::System, Msg::ThemeSystem, "system"),
    (Theme::Light, Msg::ThemeLight, "light"),
    (Theme::Dark, Msg::ThemeDark, "dark"),
];

/// The theme a page is drawn in, given the choice and whether the system prefers dark.
pub fn effective(choice: Theme, system_prefers_dark: bool) -> &'static str {
    match choice {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::System if system_prefers_dark => "dark",
        Theme::System => "light",
    }
}

/// Whether the system prefers dark colours, updated when the preference changes.
pub fn system_prefers_dark() -> ReadSignal<bool> {
    let (dark, set_dark) = signal(false);
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let query = web_sys::window().and_then(|window| {
            window
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
        });
        if let Some(query) = query {
            set_dark.set(query.matches());
            let on_change = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(
                move |event: web_sys::MediaQueryListEvent| set_dark.set(event.matches()),
            );
            let _ = query
                .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            // The listener lives as long as the page.
            on_change.forget();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = set_dark;
    dark
}

/// Sets `data-theme` on the document root, which the design tokens in `assets/styles` key on.
pub fn apply(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_choice_wins_over_the_system() {
        assert_eq!(effective(Theme::Light, true), "light");
        assert_eq!(effective(Theme::Dark, false), "dark");
    }

    #[test]
    fn system_follows_the_preference() {
        assert_eq!(effective(Theme::System, true), "dark");
        assert_eq!(effective(Theme::System, false), "light");
    }
}
