//! `cargo xtask measure`: the figures the closing notes report, each measured here, now.
//!
//! Build times use a separate target folder so the clean build is really clean and the usual
//! `target/` is kept. Launch to first paint and memory use the release app under Xvfb.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::build::{self, target_dir};
use crate::shell::{self, Failure, Result};
use crate::{setup, xvfb};

/// Runs every measurement and prints a table.
pub fn run() -> Result {
    setup::run()?;
    let mut report = Vec::new();

    let scratch = target_dir().join("measure");
    let _ = std::fs::remove_dir_all(&scratch);
    let timed = |what: &str, report: &mut Vec<(String, String)>| -> Result {
        let start = Instant::now();
        shell::run(
            shell::cargo()
                .args(["xtask", "build"])
                .env("CARGO_TARGET_DIR", &scratch),
        )?;
        report.push((
            what.to_owned(),
            format!("{:.1} s", start.elapsed().as_secs_f64()),
        ));
        Ok(())
    };
    timed(
        "clean build, whole app (UI wasm-release + app debug)",
        &mut report,
    )?;
    touch(&shell::root().join("ui/src/pages/settings.rs"))?;
    timed("rebuild after touching one UI file", &mut report)?;
    touch(&shell::root().join("crates/api/src/settings/get.rs"))?;
    timed("rebuild after touching one backend file", &mut report)?;
    let _ = std::fs::remove_dir_all(&scratch);

    build::run(true)?;
    let wasm = shell::root().join("ui/dist/kubedesk_ui_bg.wasm");
    let bytes = std::fs::read(&wasm)
        .map_err(|error| Failure(format!("cannot read {}: {error}", wasm.display())))?;
    report.push((
        "wasm after wasm-opt".into(),
        format!("{} bytes", bytes.len()),
    ));
    report.push((
        "wasm after wasm-opt, gzip -9".into(),
        format!("{} bytes", gzip_size(&wasm)?),
    ));

    let screen = xvfb::Xvfb::start()?;
    let shot = target_dir().join("measure-first-paint.png");
    let start = Instant::now();
    let mut app = Command::new(build::app_path(true))
        .env("DISPLAY", screen.display())
        .env("KUBEDESK_CONFIG_DIR", target_dir().join("measure-config"))
        .spawn()
        .map_err(|error| Failure(format!("could not start the app: {error}")))?;
    let painted = screen.wait_until_painted(&shot, Duration::from_secs(60));
    let paint = start.elapsed();
    if let Err(error) = painted {
        let _ = app.kill();
        return Err(error);
    }
    report.push((
        "launch to first paint (release, Xvfb; screenshot polling)".into(),
        format!("{} ms", paint.as_millis()),
    ));
    // Let start-up work settle before reading memory.
    std::thread::sleep(Duration::from_secs(5));
    let (pss, processes) = pss_of_tree(app.id());
    report.push((
        format!("memory, summed PSS over {processes} processes (app + WebKit)"),
        format!("{:.1} MiB", pss as f64 / 1024.0),
    ));
    let _ = app.kill();
    let _ = app.wait();

    println!("\nfigure | value");
    println!("--- | ---");
    for (what, value) in report {
        println!("{what} | {value}");
    }
    Ok(())
}

fn touch(path: &Path) -> Result {
    let text = std::fs::read(path)
        .map_err(|error| Failure(format!("cannot read {}: {error}", path.display())))?;
    std::fs::write(path, text)
        .map_err(|error| Failure(format!("cannot touch {}: {error}", path.display())))
}

fn gzip_size(path: &Path) -> Result<usize> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|error| Failure(format!("cannot run gzip: {error}")))?;
    Ok(output.stdout.len())
}

/// PSS in KiB summed over a process and all its descendants, and how many processes that was.
fn pss_of_tree(root: u32) -> (u64, usize) {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // The parent pid is the second field after the parenthesised command name.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|ppid| ppid.parse().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    let pss = tree
        .iter()
        .map(|pid| pss_kib(&PathBuf::from(format!("/proc/{pid}/smaps_rollup"))))
        .sum();
    (pss, tree.len())
}

fn pss_kib(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
