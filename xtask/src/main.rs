//! The task runner behind the README's commands.
//!
//! `cargo xtask demo` opens the app; `cargo xtask test` runs every test. Both first install what is
//! missing (Debian packages, the wasm32 target, pinned tools), so they work on a fresh machine.

mod build;
mod measure;
mod setup;
mod shell;
mod xvfb;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup              install what is missing: Debian packages, the wasm32 target, pinned tools
  build [--release]  build the UI (always size-optimised) and the app
  demo               set up, build and open KubeDesk (under Xvfb with a screenshot when there is no display)
  test               set up, build, and run every test (formatting, lints, unit, contract, end-to-end)
  measure            report build times, wasm size, launch to first paint and memory (PSS)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(),
        Some("build") => build::run(args.iter().any(|arg| arg == "--release")),
        Some("demo") => build::demo(),
        Some("test") => build::test(),
        Some("measure") => measure::run(),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(shell::Failure(format!(
            "unknown command {:?}\n\n{USAGE}",
            args.first().map(String::as_str).unwrap_or("")
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(shell::Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
