//! Monitoring through the use-cases the window calls: the cluster's Prometheus found through the
//! API server's service proxy where KubeSphere installs it (a real Prometheus behind the
//! simulated pod), the built-in GPU dashboard run on it with a variable chosen, a Grafana
//! dashboard imported (from a file and from a URL), shown and deleted, a Prometheus given by URL
//! behind basic auth, and what a user is told when the file is damaged, the time range is wrong,
//! the credentials are refused or the cluster has no Prometheus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_api::monitoring::{
    create_dashboard, delete_dashboard, delete_panel, get_alerts, get_metric_names, get_monitoring,
    get_panel, get_variables, import_dashboard, preview_panel, save_panel, save_variables,
    set_prometheus, show_dashboard,
};
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::{Alertmanager, BASIC_AUTH, Prometheus};

struct Setup {
    _servers: Vec<SimServer>,
    prometheus: Prometheus,
    dir: tempfile::TempDir,
    app: App,
}

/// `gpu-prod` with KubeSphere's Prometheus (a real one scraping it), and `dev` with none.
async fn setup() -> Setup {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let gpu_prod = SimServer::start(Arc::new(demo::gpu_prod().unwrap()), local)
        .await
        .unwrap();
    let dev = SimServer::start(Arc::new(demo::dev().unwrap()), local)
        .await
        .unwrap();
    let prometheus = Prometheus::with_rules(
        gpu_prod.url().trim_start_matches("http://"),
        Some(kubedesk_api::demo::RULES),
    )
    .await;
    demo::monitoring::prometheus(gpu_prod.cluster(), prometheus.address(), "cpu-01").unwrap();
    prometheus
        .wait_for("count_over_time(DCGM_FI_DEV_GPU_TEMP[1m]) > 2")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&[&gpu_prod, &dev])).unwrap();
    let app = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    Setup {
        _servers: vec![gpu_prod, dev],
        prometheus,
        dir,
        app,
    }
}

fn show(id: &str, from: &str, variables: Vec<ipc::VariableChoice>) -> ipc::ShowDashboard {
    ipc::ShowDashboard {
        context: "gpu-prod".into(),
        id: id.into(),
        from: from.into(),
        to: "now".into(),
        variables,
    }
}

async fn monitoring(app: &App, context: &str) -> ipc::Monitoring {
    get_monitoring(
        app,
        ipc::GetMonitoring {
            context: context.into(),
        },
    )
    .await
    .unwrap()
}

fn panel<'a>(view: &'a ipc::DashboardView, title: &str) -> &'a ipc::PanelView {
    view.rows
        .iter()
        .flat_map(|row| &row.panels)
        .find(|panel| panel.title == title)
        .unwrap_or_else(|| panic!("no panel {title}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gpu_dashboard_runs_on_the_prometheus_found_through_the_service_proxy() {
    let setup = setup().await;
    let monitoring = monitoring(&setup.app, "gpu-prod").await;
    let ipc::PrometheusState::Found { place, version } = &monitoring.prometheus else {
        panic!("{:?}", monitoring.prometheus)
    };
    assert_eq!(place, "kubesphere-monitoring-system/prometheus-k8s:9090");
    assert!(version.starts_with("2."), "{version}");
    let ids: Vec<&str> = monitoring
        .dashboards
        .iter()
        .map(|entry| entry.id.as_str())
        .collect();
    assert_eq!(ids, ["cluster", "node", "namespace", "workload", "gpu"]);
    assert!(monitoring.dashboards.iter().all(|entry| entry.built_in));
    // The simulated control plane's one etcd member, leading, as Prometheus scrapes it.
    assert_eq!(
        monitoring.etcd,
        [ipc::EtcdMemberView {
            instance: setup._servers[0]
                .url()
                .trim_start_matches("http://")
                .to_owned(),
            leader: true,
            has_leader: Some(true),
            up: Some(true),
        }]
    );

    let view = show_dashboard(&setup.app, show("gpu", "now-5m", Vec::new()))
        .await
        .unwrap();
    assert_eq!(view.title, "GPUs");
    assert_eq!(
        view.step, 1,
        "Prometheus's own scrape interval, read from its configuration"
    );
    assert_eq!(view.end_ms - view.start_ms, 300_000);
    let gpus = panel(&view, "GPUs");
    assert_eq!(gpus.shape, ipc::PanelShape::Stat);
    assert!(gpus.series[0].value.unwrap() >= 16.0, "{:?}", gpus.series);
    let utilisation = panel(&view, "GPU utilisation");
    assert_eq!(utilisation.unit.as_deref(), Some("percent"));
    assert_eq!(utilisation.times.len(), 301);
    assert!(
        utilisation
            .series
            .iter()
            .all(|series| series.values.len() == 301)
    );
    assert!(utilisation.errors.is_empty(), "{:?}", utilisation.errors);

    // One node chosen: its eight GPUs alone, and the choice comes back.
    let view = show_dashboard(
        &setup.app,
        show(
            "gpu",
            "now-5m",
            vec![ipc::VariableChoice {
                name: "node".into(),
                values: vec!["gpu-a100-01".into()],
            }],
        ),
    )
    .await
    .unwrap();
    assert_eq!(view.variables[0].chosen, ["gpu-a100-01"]);
    assert!(
        view.variables[0]
            .options
            .contains(&"gpu-h100-01".to_owned())
    );
    let utilisation = panel(&view, "GPU utilisation");
    assert_eq!(utilisation.series.len(), 8);
    assert!(
        utilisation
            .series
            .iter()
            .all(|series| series.name.starts_with("gpu-a100-01 GPU "))
    );

    // A time range that cannot be read is named.
    let wrong = show_dashboard(&setup.app, show("gpu", "yesterday", Vec::new()))
        .await
        .unwrap_err();
    assert!(wrong.message.contains("\"yesterday\""), "{}", wrong.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grafana_dashboard_is_imported_shown_and_deleted() {
    let setup = setup().await;
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../metrics/tests/fixtures/grafana");
    let file = fixtures.join("dcgm-exporter-dashboard.json");
    let imported = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: file.display().to_string(),
        },
    )
    .await
    .unwrap();
    assert_eq!(imported.entry.id, "imported-nvidia-dcgm-exporter-dashboard");
    assert_eq!(
        imported.entry.source.as_deref(),
        Some(file.display().to_string().as_str())
    );
    let listed = monitoring(&setup.app, "gpu-prod").await;
    assert!(listed.dashboards.contains(&imported.entry));

    let view = show_dashboard(&setup.app, show(&imported.entry.id, "", Vec::new()))
        .await
        .unwrap();
    assert_eq!(view.from, "now-15m", "the dashboard's own range");
    let temperature = panel(&view, "GPU Temperature");
    assert!(!temperature.series.is_empty());
    assert!(
        temperature
            .series
            .iter()
            .all(|series| series.name.starts_with("GPU "))
    );
    assert_eq!(temperature.unit.as_deref(), Some("celsius"));
    for row in &view.rows {
        for panel in &row.panels {
            assert!(
                panel.errors.is_empty(),
                "{}: {:?}",
                panel.title,
                panel.errors
            );
        }
    }

    // A damaged file is named, and nothing is kept.
    let damaged = setup.dir.path().join("damaged.json");
    std::fs::write(&damaged, "{\"title\": \"cut\", \"panels\": [").unwrap();
    let refused = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: damaged.display().to_string(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused.message.contains("damaged.json is not valid JSON"),
        "{}",
        refused.message
    );
    let missing = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: "/nowhere/dash.json".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        missing
            .message
            .starts_with("/nowhere/dash.json cannot be read"),
        "{}",
        missing.message
    );

    delete_dashboard(
        &setup.app,
        ipc::DeleteDashboard {
            id: imported.entry.id.clone(),
        },
    )
    .unwrap();
    let listed = monitoring(&setup.app, "gpu-prod").await;
    assert!(
        listed.dashboards.iter().all(|entry| entry.built_in),
        "the built-in ones alone"
    );
    let built_in =
        delete_dashboard(&setup.app, ipc::DeleteDashboard { id: "gpu".into() }).unwrap_err();
    assert!(
        built_in.message.contains("only imported dashboards"),
        "{}",
        built_in.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_without_prometheus_says_where_it_was_looked_for() {
    let setup = setup().await;
    let monitoring = monitoring(&setup.app, "dev").await;
    let ipc::PrometheusState::NotFound { reason } = &monitoring.prometheus else {
        panic!("{:?}", monitoring.prometheus)
    };
    assert!(
        reason.contains("kubesphere-monitoring-system/prometheus-k8s"),
        "{reason}"
    );
    let refused = show_dashboard(
        &setup.app,
        ipc::ShowDashboard {
            context: "dev".into(),
            ..show("gpu", "now-1h", Vec::new())
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, ipc::ErrorCode::Unavailable);
    assert!(
        refused
            .message
            .starts_with("No Prometheus was found in this cluster"),
        "{}",
        refused.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_and_alerting_rules_come_from_the_clusters_prometheus() {
    let setup = setup().await;
    setup
        .prometheus
        .wait_for("ALERTS{alertname=\"GpuHeldButIdle\", alertstate=\"firing\"}")
        .await;
    let answer = get_alerts(
        &setup.app,
        ipc::GetAlerts {
            context: "gpu-prod".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        answer.place,
        "kubesphere-monitoring-system/prometheus-k8s:9090"
    );
    let names: Vec<&str> = answer.rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "GpuTemperatureHigh",
            "GpuXidError",
            "GpuMemoryNearlyFull",
            "GpuHeldButIdle"
        ]
    );
    assert!(
        answer
            .rules
            .iter()
            .all(|rule| rule.health == "ok" && rule.last_error.is_none()),
        "{:?}",
        answer.rules
    );
    let idle = answer
        .rules
        .iter()
        .find(|rule| rule.name == "GpuHeldButIdle")
        .unwrap();
    assert_eq!(
        (idle.state, idle.for_seconds),
        (ipc::AlertStanding::Firing, 30)
    );
    assert!(idle.active > 0);
    // Firing alerts come first, each with its severity, summary and labels.
    assert_eq!(answer.alerts[0].state, ipc::AlertStanding::Firing);
    let held = answer
        .alerts
        .iter()
        .find(|alert| alert.name == "GpuHeldButIdle")
        .unwrap();
    assert_eq!(held.severity.as_deref(), Some("info"));
    let pod = held
        .labels
        .iter()
        .find(|(name, _)| name == "pod")
        .unwrap()
        .1
        .clone();
    assert!(held.summary.as_deref().unwrap().contains(&pod), "{held:?}");
    assert!(
        held.description
            .as_deref()
            .unwrap()
            .starts_with("A GPU held but idle")
    );
    let since = held.since.as_deref().unwrap();
    assert!(
        since.ends_with('Z') && !since.contains('.'),
        "to the second: {since}"
    );
    let value: f64 = held.value.as_deref().unwrap().parse().unwrap();
    assert!(value < 10.0, "{value}");
    let ipc::AlertmanagerView::NotFound { reason } = &answer.alertmanager else {
        panic!("{:?}", answer.alertmanager)
    };
    assert!(
        reason.starts_with("No Alertmanager: no Alertmanager service was found; looked for kubesphere-monitoring-system/alertmanager-main"),
        "{reason}"
    );

    // KubeSphere's Alertmanager, holding alerts active, inhibited and silenced.
    let alertmanager = Alertmanager::start().await;
    demo::monitoring::alertmanager(
        setup._servers[0].cluster(),
        alertmanager.address(),
        "cpu-01",
    )
    .unwrap();
    let alert = |name: &str, severity: &str, node: &str| {
        (
            serde_json::json!({"alertname": name, "severity": severity, "node": node}),
            serde_json::json!({"summary": format!("{name} on {node}")}),
        )
    };
    alertmanager
        .post_alerts(&[
            alert("NodeDown", "critical", "gpu-a100-01"),
            alert("GpuTemperatureHigh", "warning", "gpu-a100-01"),
            alert("GpuTemperatureHigh", "warning", "gpu-h100-01"),
            alert("GpuHeldButIdle", "info", "gpu-h100-02"),
        ])
        .await;
    alertmanager
        .silence(
            "GpuHeldButIdle",
            "2099-01-01T00:00:00Z",
            "jane",
            "embeddings scales down tonight",
        )
        .await;
    alertmanager
        .wait_for("the four alerts, two suppressed", |held| {
            let suppressed = held
                .iter()
                .filter(|alert| alert["status"]["state"] == "suppressed")
                .count();
            held.len() == 4 && suppressed == 2
        })
        .await;
    let answer = get_alerts(
        &setup.app,
        ipc::GetAlerts {
            context: "gpu-prod".into(),
        },
    )
    .await
    .unwrap();
    let ipc::AlertmanagerView::Found {
        place,
        version,
        alerts,
    } = answer.alertmanager
    else {
        panic!("{:?}", answer.alertmanager)
    };
    assert_eq!(place, "kubesphere-monitoring-system/alertmanager-main:9093");
    assert!(version.starts_with("0."), "{version}");
    let shown: Vec<(&str, ipc::AlertHandling, &str)> = alerts
        .iter()
        .map(|alert| {
            (
                alert.name.as_str(),
                alert.handling,
                alert.labels[0].1.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "GpuTemperatureHigh",
                ipc::AlertHandling::Active,
                "gpu-h100-01"
            ),
            ("NodeDown", ipc::AlertHandling::Active, "gpu-a100-01"),
            (
                "GpuHeldButIdle",
                ipc::AlertHandling::Silenced,
                "gpu-h100-02"
            ),
            (
                "GpuTemperatureHigh",
                ipc::AlertHandling::Inhibited,
                "gpu-a100-01"
            ),
        ],
        "active first, then silenced, then inhibited"
    );
    assert!(alerts.iter().all(|alert| alert.receivers == ["operators"]));
    assert_eq!(
        alerts[1].summary.as_deref(),
        Some("NodeDown on gpu-a100-01")
    );
    assert_eq!(alerts[1].severity.as_deref(), Some("critical"));
    assert_eq!(
        alerts[2].silences,
        [ipc::SilenceView {
            matchers: vec!["alertname=\"GpuHeldButIdle\"".into()],
            created_by: "jane".into(),
            comment: "embeddings scales down tonight".into(),
            ends_at: "2099-01-01T00:00:00Z".into(),
        }]
    );
    assert_eq!(alerts[3].inhibited_by, ["NodeDown"]);

    // A cluster without Prometheus says so.
    let refused = get_alerts(
        &setup.app,
        ipc::GetAlerts {
            context: "dev".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused.message.starts_with("No Prometheus was found"),
        "{}",
        refused.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_query_is_shown_on_its_panel_and_a_prometheus_gone_on_every_panel() {
    let setup = setup().await;
    let file = setup.dir.path().join("mistakes.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "title": "Mistakes",
            "schemaVersion": 39,
            "panels": [
                {"id": 1, "type": "timeseries", "title": "Unclosed", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                 "targets": [{"refId": "A", "expr": "sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])"}]},
                {"id": 2, "type": "piechart", "title": "A pie", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                 "targets": [{"refId": "A", "expr": "DCGM_FI_DEV_GPU_TEMP"}]},
            ],
        })
        .to_string(),
    )
    .unwrap();
    let imported = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: file.display().to_string(),
        },
    )
    .await
    .unwrap();
    assert!(
        imported
            .report
            .iter()
            .any(|line| line.contains("A pie") && line.contains("piechart")),
        "{:?}",
        imported.report
    );
    let view = show_dashboard(&setup.app, show(&imported.entry.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    assert_eq!(
        view.report, imported.report,
        "the report is shown with the dashboard"
    );
    let unclosed = panel(&view, "Unclosed");
    assert!(unclosed.series.is_empty());
    assert_eq!(unclosed.errors.len(), 1);
    assert!(
        unclosed.errors[0].contains("sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])")
            && unclosed.errors[0].contains("bad_data"),
        "{}",
        unclosed.errors[0]
    );

    // Prometheus stops: every panel says it cannot be reached, and where it was asked.
    let Setup {
        prometheus, app, ..
    } = setup;
    drop(prometheus);
    let view = show_dashboard(&app, show("gpu", "now-5m", Vec::new()))
        .await
        .unwrap();
    for panel in view.rows.iter().flat_map(|row| &row.panels) {
        assert!(
            panel.errors.iter().any(|error| error.contains(
                "the service kubesphere-monitoring-system/prometheus-k8s:9090 cannot be reached"
            )),
            "{}: {:?}",
            panel.title,
            panel.errors
        );
    }
}

/// Serves `dashboard` at `/dashboards/dcgm.json`, a redirect to it at `/latest`, and 404
/// elsewhere, to as many requests as come.
async fn serve_dashboard(dashboard: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0];
                if stream.read_exact(&mut byte).await.is_err() {
                    break;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
            let (status, extra, body): (&str, &str, &[u8]) = match path.as_str() {
                "/dashboards/dcgm.json" => {
                    ("200 OK", "content-type: application/json\r\n", &dashboard)
                }
                "/latest" => ("302 Found", "location: /dashboards/dcgm.json\r\n", b""),
                _ => ("404 Not Found", "", b"not found"),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body).await;
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grafana_dashboard_is_imported_from_its_url() {
    let setup = setup().await;
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../metrics/tests/fixtures/grafana/dcgm-exporter-dashboard.json");
    let server = serve_dashboard(std::fs::read(fixture).unwrap()).await;
    let url = format!("{server}/latest");
    let imported = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: format!(" {url} "),
        },
    )
    .await
    .unwrap();
    assert_eq!(imported.entry.title, "NVIDIA DCGM Exporter Dashboard");
    assert_eq!(imported.entry.source.as_deref(), Some(url.as_str()));
    let view = show_dashboard(&setup.app, show(&imported.entry.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    assert!(!panel(&view, "GPU Temperature").series.is_empty());

    let missing = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: format!("{server}/nothing.json"),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        missing.message,
        format!("{server}/nothing.json cannot be downloaded: it answered HTTP 404.")
    );
    let nobody = import_dashboard(
        &setup.app,
        ipc::ImportDashboard {
            path: "http://127.0.0.1:9/dashboard.json".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        nobody
            .message
            .starts_with("http://127.0.0.1:9/dashboard.json cannot be downloaded: "),
        "{}",
        nobody.message
    );
}

fn given(url: &str, auth: ipc::PrometheusAuth, secret: Option<&str>) -> ipc::SetPrometheus {
    ipc::SetPrometheus {
        context: "dev".into(),
        given: Some(ipc::PrometheusGiven {
            url: url.into(),
            auth,
            ca_file: None,
        }),
        secret: secret.map(str::to_owned),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prometheus_given_by_url_is_checked_then_kept_and_used_its_password_never_in_a_file() {
    let setup = setup().await;
    let guarded =
        Prometheus::with_basic_auth(setup._servers[0].url().trim_start_matches("http://")).await;
    guarded
        .wait_for("count_over_time(DCGM_FI_DEV_GPU_TEMP[1m]) > 2")
        .await;
    let basic = ipc::PrometheusAuth::Basic {
        username: BASIC_AUTH.0.into(),
    };

    // A wrong password is refused, and nothing is kept.
    let refused = set_prometheus(
        &setup.app,
        given(&guarded.url(), basic.clone(), Some("guess")),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, ipc::ErrorCode::Unavailable);
    assert!(
        refused.message.contains(&format!(
            "Prometheus at {} cannot be reached: the credentials were refused (HTTP 401)",
            guarded.url()
        )),
        "{}",
        refused.message
    );
    assert_eq!(monitoring(&setup.app, "dev").await.given, None);
    let not_url = set_prometheus(
        &setup.app,
        given("prometheus:9090", ipc::PrometheusAuth::None, None),
    )
    .await
    .unwrap_err();
    assert!(
        not_url
            .message
            .contains("\"prometheus:9090\" is not an http:// or https:// URL"),
        "{}",
        not_url.message
    );
    let no_password = set_prometheus(&setup.app, given(&guarded.url(), basic.clone(), None))
        .await
        .unwrap_err();
    assert!(
        no_password.message.starts_with("No password is kept"),
        "{}",
        no_password.message
    );

    // The right one: used for the cluster, kept without its password.
    let set = set_prometheus(
        &setup.app,
        given(
            &format!("{}/", guarded.url()),
            basic.clone(),
            Some(BASIC_AUTH.1),
        ),
    )
    .await
    .unwrap();
    let ipc::PrometheusState::Found { place, version } = &set.prometheus else {
        panic!("{:?}", set.prometheus)
    };
    assert_eq!(place, &guarded.url(), "the URL, without its last slash");
    assert!(version.starts_with("2."), "{version}");
    assert_eq!(set.given.as_ref().unwrap().auth, basic);
    let kept = std::fs::read_to_string(setup.dir.path().join("config/prometheus.json")).unwrap();
    assert!(
        kept.contains(&guarded.url()) && !kept.contains(BASIC_AUTH.1),
        "{kept}"
    );
    let view = show_dashboard(
        &setup.app,
        ipc::ShowDashboard {
            context: "dev".into(),
            ..show("gpu", "now-5m", Vec::new())
        },
    )
    .await
    .unwrap();
    assert!(panel(&view, "GPUs").series[0].value.unwrap() >= 16.0);

    // Set again without the password: the one in the keyring is used.
    set_prometheus(&setup.app, given(&guarded.url(), basic.clone(), None))
        .await
        .unwrap();

    // Forgotten: the cluster is looked in again, and the password is gone.
    let forgotten = set_prometheus(
        &setup.app,
        ipc::SetPrometheus {
            context: "dev".into(),
            given: None,
            secret: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(forgotten.given, None);
    assert!(matches!(
        forgotten.prometheus,
        ipc::PrometheusState::NotFound { .. }
    ));
    let no_password = set_prometheus(&setup.app, given(&guarded.url(), basic, None))
        .await
        .unwrap_err();
    assert!(
        no_password.message.starts_with("No password is kept"),
        "{}",
        no_password.message
    );
}

fn spec(title: &str, shape: ipc::PanelShape, expr: &str, legend: &str) -> ipc::PanelSpec {
    ipc::PanelSpec {
        title: title.into(),
        shape,
        unit: Some("celsius".into()),
        width: 24,
        height: 8,
        queries: vec![ipc::QuerySpec {
            expr: expr.into(),
            legend: legend.into(),
            instant: false,
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dashboard_is_made_and_its_panels_previewed_added_edited_and_deleted() {
    let setup = setup().await;
    let app = &setup.app;
    let entry = create_dashboard(
        app,
        ipc::CreateDashboard {
            title: " GPU health ".into(),
            copy_of: None,
        },
    )
    .unwrap();
    assert_eq!(
        (
            entry.id.as_str(),
            entry.title.as_str(),
            entry.built_in,
            entry.source.as_deref()
        ),
        ("custom-gpu-health", "GPU health", false, None)
    );
    assert!(
        monitoring(app, "gpu-prod")
            .await
            .dashboards
            .contains(&entry)
    );
    let untitled = create_dashboard(app, ipc::CreateDashboard::default()).unwrap_err();
    assert_eq!(untitled.message, "A dashboard needs a title.");

    // The PromQL is tried before it is kept: its series named by the legend, or Prometheus's
    // words with the query.
    let hottest = spec(
        "Hottest GPU per node",
        ipc::PanelShape::TimeSeries,
        "max by (Hostname) (DCGM_FI_DEV_GPU_TEMP)",
        "{{Hostname}}",
    );
    let preview = |panel: ipc::PanelSpec| ipc::PreviewPanel {
        context: "gpu-prod".into(),
        id: entry.id.clone(),
        panel,
        from: "now-5m".into(),
        to: "now".into(),
        variables: Vec::new(),
    };
    let previewed = preview_panel(app, preview(hottest.clone())).await.unwrap();
    assert!(previewed.errors.is_empty(), "{:?}", previewed.errors);
    assert!(
        previewed
            .series
            .iter()
            .any(|series| series.name == "gpu-h100-01"),
        "{:?}",
        previewed
            .series
            .iter()
            .map(|series| &series.name)
            .collect::<Vec<_>>()
    );
    let unclosed = spec(
        "Unclosed",
        ipc::PanelShape::TimeSeries,
        "sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])",
        "",
    );
    let refused = preview_panel(app, preview(unclosed)).await.unwrap();
    assert!(
        refused.errors[0].contains("sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])")
            && refused.errors[0].contains("bad_data"),
        "{:?}",
        refused.errors
    );

    // Added, then another beside nothing (the first is full width): below it.
    save_panel(
        app,
        ipc::SavePanel {
            id: entry.id.clone(),
            place: None,
            panel: hottest.clone(),
        },
    )
    .unwrap();
    let gpus = ipc::PanelSpec {
        width: 12,
        height: 4,
        unit: None,
        ..spec(
            "GPUs",
            ipc::PanelShape::Stat,
            "count(DCGM_FI_DEV_GPU_TEMP)",
            "",
        )
    };
    save_panel(
        app,
        ipc::SavePanel {
            id: entry.id.clone(),
            place: None,
            panel: gpus,
        },
    )
    .unwrap();
    let view = show_dashboard(app, show(&entry.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    assert!(view.editable);
    let titles: Vec<(&str, ipc::PanelPlace)> = view.rows[0]
        .panels
        .iter()
        .map(|panel| (panel.title.as_str(), panel.place))
        .collect();
    assert_eq!(
        titles,
        [
            ("Hottest GPU per node", ipc::PanelPlace { row: 0, panel: 0 }),
            ("GPUs", ipc::PanelPlace { row: 0, panel: 1 }),
        ]
    );
    assert!(panel(&view, "GPUs").series[0].value.unwrap() >= 16.0);

    // Read back as it was written, then changed into a gauge in its place.
    let place = ipc::PanelPlace { row: 0, panel: 0 };
    let read = get_panel(
        app,
        ipc::GetPanel {
            id: entry.id.clone(),
            place,
        },
    )
    .unwrap();
    assert_eq!(read, hottest);
    save_panel(
        app,
        ipc::SavePanel {
            id: entry.id.clone(),
            place: Some(place),
            panel: ipc::PanelSpec {
                shape: ipc::PanelShape::Gauge,
                title: "Hottest GPU".into(),
                ..read
            },
        },
    )
    .unwrap();
    let view = show_dashboard(app, show(&entry.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    assert_eq!(panel(&view, "Hottest GPU").shape, ipc::PanelShape::Gauge);

    // What cannot be kept is named, and the dashboard is left as it was.
    let wrong = |panel: ipc::PanelSpec| {
        save_panel(
            app,
            ipc::SavePanel {
                id: entry.id.clone(),
                place: None,
                panel,
            },
        )
        .unwrap_err()
        .message
    };
    assert_eq!(
        wrong(spec("", ipc::PanelShape::Stat, "up", "")),
        "A panel needs a title."
    );
    assert_eq!(
        wrong(spec("Empty", ipc::PanelShape::Stat, " ", "")),
        "Query 1 is empty."
    );
    assert_eq!(
        wrong(ipc::PanelSpec {
            width: 30,
            ..spec("Wide", ipc::PanelShape::Stat, "up", "")
        }),
        "A panel 30 columns wide and 8 units high does not fit."
    );
    let built_in = save_panel(
        app,
        ipc::SavePanel {
            id: "gpu".into(),
            place: None,
            panel: spec("Mine", ipc::PanelShape::Stat, "up", ""),
        },
    )
    .unwrap_err();
    assert!(
        built_in.message.contains("is built in"),
        "{}",
        built_in.message
    );

    delete_panel(
        app,
        ipc::DeletePanel {
            id: entry.id.clone(),
            place,
        },
    )
    .unwrap();
    let view = show_dashboard(app, show(&entry.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    assert_eq!(view.rows[0].panels.len(), 1);
    assert_eq!(view.rows[0].panels[0].title, "GPUs");

    // A built-in dashboard is edited as a copy, every panel and variable with it.
    let copy = create_dashboard(
        app,
        ipc::CreateDashboard {
            title: "My GPUs".into(),
            copy_of: Some("gpu".into()),
        },
    )
    .unwrap();
    let copied = show_dashboard(app, show(&copy.id, "now-5m", Vec::new()))
        .await
        .unwrap();
    let original = show_dashboard(app, show("gpu", "now-5m", Vec::new()))
        .await
        .unwrap();
    assert_eq!(copied.title, "My GPUs");
    assert!(copied.editable && !original.editable);
    assert_eq!(copied.variables.len(), original.variables.len());
    assert_eq!(
        copied
            .rows
            .iter()
            .map(|row| row.panels.len())
            .sum::<usize>(),
        original
            .rows
            .iter()
            .map(|row| row.panels.len())
            .sum::<usize>()
    );

    // Variables: written as Grafana writes them, used by the panels, read back.
    let node = ipc::VariableSpec {
        name: "node".into(),
        label: "Node".into(),
        kind: ipc::VariableSpecKind::Query {
            query: "label_values(DCGM_FI_DEV_GPU_TEMP, Hostname)".into(),
            regex: String::new(),
        },
        multi: true,
        include_all: true,
    };
    let variables = |variables: Vec<ipc::VariableSpec>| ipc::SaveVariables {
        id: entry.id.clone(),
        variables,
    };
    save_variables(app, variables(vec![node.clone()])).unwrap();
    assert_eq!(
        get_variables(
            app,
            ipc::GetVariables {
                id: entry.id.clone()
            }
        )
        .unwrap(),
        std::slice::from_ref(&node)
    );
    save_panel(
        app,
        ipc::SavePanel {
            id: entry.id.clone(),
            place: None,
            panel: spec(
                "Per node",
                ipc::PanelShape::TimeSeries,
                "max by (Hostname) (DCGM_FI_DEV_GPU_TEMP{Hostname=~\"$node\"})",
                "{{Hostname}}",
            ),
        },
    )
    .unwrap();
    let view = show_dashboard(
        app,
        show(
            &entry.id,
            "now-5m",
            vec![ipc::VariableChoice {
                name: "node".into(),
                values: vec!["gpu-h100-01".into()],
            }],
        ),
    )
    .await
    .unwrap();
    assert_eq!(view.variables[0].label, "Node");
    assert!(
        view.variables[0]
            .options
            .contains(&"gpu-a100-01".to_owned())
    );
    let names: Vec<&str> = panel(&view, "Per node")
        .series
        .iter()
        .map(|series| series.name.as_str())
        .collect();
    assert_eq!(names, ["gpu-h100-01"]);
    let refused =
        |specs: Vec<ipc::VariableSpec>| save_variables(app, variables(specs)).unwrap_err().message;
    assert_eq!(
        refused(vec![ipc::VariableSpec {
            name: "2nd".into(),
            ..node.clone()
        }]),
        "\"2nd\" cannot be a variable's name."
    );
    assert_eq!(
        refused(vec![node.clone(), node.clone()]),
        "Two variables are named node."
    );
    assert_eq!(
        get_variables(
            app,
            ipc::GetVariables {
                id: entry.id.clone()
            }
        )
        .unwrap(),
        [node],
        "nothing is kept from a refused change"
    );

    // The PromQL editor's metric names.
    let names = get_metric_names(
        app,
        ipc::GetMetricNames {
            context: "gpu-prod".into(),
        },
    )
    .await
    .unwrap();
    assert!(names.iter().any(|name| name == "DCGM_FI_DEV_GPU_TEMP"));
    assert!(names.iter().any(|name| name == "kube_pod_info"));
}
