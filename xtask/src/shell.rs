//! Running commands, with failures that say which command failed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A task that could not be done, with what to do about it.
#[derive(Debug)]
pub struct Failure(pub String);

pub type Result<T = ()> = std::result::Result<T, Failure>;

/// The repository root (the folder above `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the repository root and fails when it fails.
pub fn run(command: &mut Command) -> Result {
    let shown = format!("{command:?}");
    println!("$ {shown}");
    let status = command
        .current_dir(root())
        .status()
        .map_err(|error| Failure(format!("could not start {shown}: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure(format!("{shown} failed ({status})")))
    }
}

/// Runs a command quietly and returns its standard output when it succeeds.
pub fn output(command: &mut Command) -> Option<String> {
    let output = command.current_dir(root()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether a program is on `PATH`.
pub fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// Where a program is on `PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// The cargo that runs this xtask. On CI (`CI` set) a clean clone is built once, so incremental
/// caches would only take disk space: they are turned off (a clean `CI=true cargo xtask test`
/// then leaves 5.8 GB in `target/`; a CI run without this ran out of disk).
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    if std::env::var_os("CI").is_some() {
        cargo.env("CARGO_INCREMENTAL", "0");
    }
    cargo
}
