//! `kubedesk dashboard import` headless: NVIDIA's DCGM dashboard printed as a native dashboard,
//! a dashboard with parts KubeDesk cannot draw listed on stderr, and a truncated file refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/cli.rs"]
mod cli;

use cli::kubedesk;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/metrics/tests/fixtures/grafana"
);

#[test]
fn a_grafana_dashboard_is_printed_as_a_native_one_with_what_was_not_converted() {
    let dcgm = format!("{FIXTURES}/dcgm-exporter-dashboard.json");
    let (code, out, err) = kubedesk(&["dashboard", "import", &dcgm]);
    assert_eq!(code, 0, "{err}");
    let dashboard: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(dashboard["title"], "NVIDIA DCGM Exporter Dashboard");
    assert_eq!(
        dashboard["rows"][0]["panels"][0]["kind"]["type"],
        "time_series"
    );
    assert_eq!(
        dashboard["rows"][0]["panels"][0]["queries"][0]["expr"],
        "DCGM_FI_DEV_GPU_TEMP{instance=~\"$instance\", gpu=~\"$gpu\"}"
    );
    assert_eq!(
        err,
        format!("kubedesk dashboard: {dcgm} was converted whole\n")
    );

    let global = format!("{FIXTURES}/k8s-views-global.json");
    let (code, out, err) = kubedesk(&["dashboard", "import", &global]);
    assert_eq!(code, 0, "{err}");
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    assert!(
        err.starts_with(&format!(
            "kubedesk dashboard: 4 part(s) of {global} could not be converted:\n  - panel \"Cluster CPU Utilization\" (id 72): its transformations are not converted"
        )),
        "{err}"
    );
}

#[test]
fn a_truncated_or_missing_file_is_refused_with_why() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("cut.json");
    let text = std::fs::read(format!("{FIXTURES}/k8s-views-global.json")).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let (code, out, err) = kubedesk(&["dashboard", "import", truncated.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.starts_with(&format!(
            "kubedesk dashboard: {} is not valid JSON at line ",
            truncated.display()
        )),
        "{err}"
    );
    let (code, _, err) = kubedesk(&["dashboard", "import", "/nowhere/dashboard.json"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("kubedesk dashboard: /nowhere/dashboard.json cannot be read:"),
        "{err}"
    );
    let (code, _, err) = kubedesk(&["dashboard", "import"]);
    assert_eq!(code, 2);
    assert!(err.contains("dashboard import takes one file"), "{err}");
}
