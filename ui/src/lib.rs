//! The KubeDesk UI: a Leptos client-side app compiled to WebAssembly.
//!
//! It knows the backend only through the contract in `kubedesk-ipc`, called from [`ipc`]. Pure
//! logic (routes, theme choice, message formatting) lives in plain modules tested natively; the
//! components bind it.

mod app;
pub mod charts;
mod components;
pub mod format;
pub mod i18n;
pub mod ipc;
mod pages;
pub mod route;
mod state;
pub mod theme;

/// Mounts the app; in the browser it runs when the WebAssembly module is loaded.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen(start))]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
