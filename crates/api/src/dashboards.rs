//! Dashboards headless: `kubedesk dashboard import FILE` turns a Grafana dashboard into a native
//! one and prints it, with what could not be converted.

use std::path::PathBuf;

/// What `kubedesk dashboard …` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Import a Grafana dashboard's JSON file and print the native dashboard.
    Import {
        /// The file.
        file: PathBuf,
    },
}

/// Runs `command`: the native dashboard as JSON on `out`, what could not be converted on `err`;
/// answers the exit code (1 when the file cannot be read or is not a dashboard, with why).
pub fn run(command: &Command, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let Command::Import { file } = command;
    let name = file.display().to_string();
    let text = match std::fs::read(file) {
        Ok(text) => text,
        Err(error) => {
            let _ = writeln!(err, "kubedesk dashboard: {name} cannot be read: {error}");
            return 1;
        }
    };
    let imported = match kubedesk_metrics::grafana::import(&name, &text) {
        Ok(imported) => imported,
        Err(error) => {
            let _ = writeln!(err, "kubedesk dashboard: {error}");
            return 1;
        }
    };
    let printed = serde_json::to_writer_pretty(&mut *out, &imported.dashboard)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    if printed.is_err() {
        return 1;
    }
    let _ = match imported.report.len() {
        0 => writeln!(err, "kubedesk dashboard: {name} was converted whole"),
        count => writeln!(
            err,
            "kubedesk dashboard: {count} part(s) of {name} could not be converted:"
        ),
    };
    for unconverted in &imported.report {
        let _ = writeln!(err, "  - {unconverted}");
    }
    0
}
