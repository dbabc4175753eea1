//! The `kubedesk` binary: opens the window on the user's kubeconfig.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use kubedesk_api::{App, AppConfig};

fn main() {
    let app = App::new(AppConfig::from_env());
    let result = kubedesk::builder(tauri::Builder::default(), app)
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        eprintln!("kubedesk: the window could not be opened: {error}");
        std::process::exit(1);
    }
}
