//! The `kubedesk` binary: opens the window on the user's kubeconfig, or runs a subcommand.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;

use kubedesk_api::{App, AppConfig};

fn main() {
    let code = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Invocation::Window) => window(),
        Ok(cli::Invocation::Sim {
            kubeconfig,
            options,
        }) => cli::sim(&kubeconfig, &options),
        Ok(cli::Invocation::Gpu(command)) => {
            kubedesk_api::gpu::run(&command, &mut std::io::stdout(), &mut std::io::stderr())
        }
        Ok(cli::Invocation::Dashboard(command)) => {
            kubedesk_api::dashboards::run(&command, &mut std::io::stdout(), &mut std::io::stderr())
        }
        Ok(cli::Invocation::Help) => {
            print!("{}", cli::USAGE);
            0
        }
        Err(message) => {
            eprintln!("kubedesk: {message}\n\n{}", cli::USAGE);
            2
        }
    };
    std::process::exit(code);
}

fn window() -> i32 {
    let app = App::new(AppConfig::from_env());
    let result = kubedesk::builder(tauri::Builder::default(), app)
        .run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("kubedesk: the window could not be opened: {error}");
            1
        }
    }
}
