//! The imported Grafana dashboards run against the real Prometheus (Debian's package) scraping a
//! simulated GPU cluster: their variables take the cluster's values, and every panel's query,
//! expanded as Grafana expands it, runs without a PromQL error; the GPU dashboard's panels have
//! data. A query Prometheus refuses comes back with the query and Prometheus's words; a
//! Prometheus that does not answer is said with its address.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_metrics::dashboard::TimeRange;
use kubedesk_metrics::format;
use kubedesk_metrics::grafana::import;
use kubedesk_metrics::prometheus::{AlertState, Http, Prometheus, QueryError};
use kubedesk_metrics::promql::Chosen;
use kubedesk_metrics::run::run;
use kubedesk_metrics::templates;
use kubedesk_metrics::variables::{Resolution, Window, resolve};
use kubedesk_sim::{SimServer, demo};

fn fixture(name: &str) -> kubedesk_metrics::dashboard::Dashboard {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grafana")
        .join(name);
    import(name, &std::fs::read(path).unwrap())
        .unwrap()
        .dashboard
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// `gpu-prod` served, Debian's Prometheus scraping it every second (evaluating `rules`, when
/// given) until it has scraped it three times (so that rates have points), and a client of it.
async fn scraped_gpu_prod(
    rules: Option<&str>,
) -> (SimServer, kubedesk_testkit::Prometheus, Prometheus<Http>) {
    let server = SimServer::start(
        Arc::new(demo::gpu_prod().unwrap()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let scraper =
        kubedesk_testkit::Prometheus::with_rules(server.url().trim_start_matches("http://"), rules)
            .await;
    scraper
        .wait_for("count_over_time(kube_node_info[1m]) > 2")
        .await;
    let prometheus = Prometheus::new(Http::new(&scraper.url()).unwrap());
    (server, scraper, prometheus)
}

#[tokio::test(flavor = "multi_thread")]
async fn imported_dashboards_run_against_the_real_prometheus() {
    let (_server, scraper, prometheus) = scraped_gpu_prod(None).await;
    let end = now();
    let window = Window {
        start: end - 300,
        end,
        step: 15,
        scrape: 1,
    };

    // NVIDIA's dashboard: its variables take the cluster's instances and GPUs, all of them.
    let dcgm = fixture("dcgm-exporter-dashboard.json");
    let Resolution {
        expansion, errors, ..
    } = resolve(&dcgm, &prometheus, window).await;
    assert!(errors.is_empty(), "{errors:?}");
    let Some(Chosen::All { values: gpus, .. }) = expansion.variables.get("gpu") else {
        panic!("gpu is All: {:?}", expansion.variables)
    };
    assert!(gpus.len() >= 8, "{gpus:?}");
    for panel in dcgm.rows.iter().flat_map(|row| &row.panels) {
        for query in &panel.queries {
            let expr = expansion.expand(&query.expr);
            let series = prometheus
                .query_range(&expr, window.start, window.end, window.step)
                .await
                .unwrap_or_else(|error| panic!("{}: {error}", panel.title));
            assert!(!series.is_empty(), "{}: {expr} has no data", panel.title);
            if panel.title == "GPU Temperature" {
                // Each series named by its legend format, its values in the panel's unit.
                for series in &series {
                    assert_eq!(
                        format::legend(query.legend.as_deref(), &series.labels),
                        format!("GPU {}", series.labels["gpu"])
                    );
                }
                let (_, latest) = *series[0].points.last().unwrap();
                let shown =
                    kubedesk_ipc::units::format(panel.unit.as_deref(), latest, panel.decimals);
                assert!(shown.ends_with(" °C"), "{shown}");
            }
        }
    }

    // A modern dashboard over kube-state-metrics and node-exporter: every query runs.
    let global = fixture("k8s-views-global.json");
    let Resolution {
        expansion, errors, ..
    } = resolve(&global, &prometheus, window).await;
    assert!(errors.is_empty(), "{errors:?}");
    let mut with_data = Vec::new();
    for panel in global.rows.iter().flat_map(|row| &row.panels) {
        for query in &panel.queries {
            let expr = expansion.expand(&query.expr);
            assert!(!expr.contains('$'), "{expr} is expanded");
            let series = prometheus
                .query_range(&expr, window.start, window.end, window.step)
                .await
                .unwrap_or_else(|error| panic!("{}: {error}", panel.title));
            if !series.is_empty() {
                with_data.push(panel.title.as_str());
            }
        }
    }
    // The simulator serves kube-state-metrics' kube_pod_info (not node-exporter's series): the
    // panel that counts pods with it has data, its $cluster (no such label here) written empty.
    assert!(
        with_data.contains(&"Kubernetes Pods QoS classes"),
        "{with_data:?}"
    );

    // What Prometheus refuses comes back with the query and its words.
    let refused = prometheus
        .query_range(
            "sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])",
            window.start,
            window.end,
            15,
        )
        .await
        .unwrap_err();
    let QueryError::Promql {
        query,
        kind,
        message,
    } = &refused
    else {
        panic!("{refused:?}")
    };
    assert_eq!(query, "sum(rate(DCGM_FI_DEV_GPU_TEMP[5m])");
    assert_eq!(kind, "bad_data");
    assert!(message.contains("parse error"), "{message}");
    assert!(
        refused
            .to_string()
            .starts_with("Prometheus refused the query sum(rate(DCGM_FI_DEV_GPU_TEMP[5m]): "),
        "{refused}"
    );

    // Prometheus gone: said with its address.
    let url = scraper.url();
    drop(scraper);
    let gone = kubedesk_testkit::eventually("Prometheus to stop answering", || {
        let prometheus = Prometheus::new(Http::new(&url).unwrap());
        let answer = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(prometheus.query("up", end))
        });
        answer.err()
    })
    .await;
    assert!(
        gone.to_string()
            .starts_with(&format!("Prometheus at {url} cannot be reached: ")),
        "{gone}"
    );
}

/// Rules of three kinds: one that fires at once, one that must hold for an hour (pending), one
/// whose condition never holds (inactive).
const RULES: &str = r#"groups:
  - name: gpus
    rules:
      - alert: GpuWarm
        expr: DCGM_FI_DEV_GPU_TEMP > 0
        labels: {severity: warning}
        annotations: {summary: "GPU {{ $labels.gpu }} of {{ $labels.Hostname }} is at {{ $value }} °C"}
      - alert: GpuWarmForAnHour
        expr: DCGM_FI_DEV_GPU_TEMP > 0
        for: 1h
      - alert: GpuMelting
        expr: DCGM_FI_DEV_GPU_TEMP > 1000
"#;

#[tokio::test(flavor = "multi_thread")]
async fn alerts_rules_and_the_etcd_leader_as_prometheus_reports_them() {
    let (server, scraper, prometheus) = scraped_gpu_prod(Some(RULES)).await;
    scraper
        .wait_for("ALERTS{alertname=\"GpuWarm\", alertstate=\"firing\"}")
        .await;

    let alerts = prometheus.alerts().await.unwrap();
    let warm: Vec<_> = alerts
        .iter()
        .filter(|alert| alert.name == "GpuWarm")
        .collect();
    assert!(!warm.is_empty());
    assert!(warm.iter().all(|alert| alert.state == AlertState::Firing));
    assert_eq!(warm[0].labels["severity"], "warning");
    let summary = &warm[0].annotations["summary"];
    assert!(
        summary.starts_with(&format!("GPU {} of ", warm[0].labels["gpu"]))
            && summary.ends_with(" °C"),
        "{summary}"
    );
    assert!(warm[0].active_since.is_some() && warm[0].value.is_some());
    assert!(
        alerts
            .iter()
            .filter(|alert| alert.name == "GpuWarmForAnHour")
            .all(|alert| alert.state == AlertState::Pending)
    );

    let rules = prometheus.alert_rules().await.unwrap();
    let states: Vec<(&str, AlertState, f64, &str)> = rules
        .iter()
        .map(|rule| {
            (
                rule.name.as_str(),
                rule.state,
                rule.for_seconds,
                rule.health.as_str(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("GpuWarm", AlertState::Firing, 0.0, "ok"),
            ("GpuWarmForAnHour", AlertState::Pending, 3600.0, "ok"),
            ("GpuMelting", AlertState::Inactive, 0.0, "ok"),
        ]
    );
    // The simulator's etcd, one member, the leader, scraped as the simulator's target (two
    // scrapes in: the query's time, whole seconds, may fall before the first).
    scraper
        .wait_for("count_over_time(etcd_server_is_leader[1m]) > 1")
        .await;
    let members = prometheus.etcd_members(now()).await.unwrap();
    assert_eq!(members.len(), 1, "{members:?}");
    assert!(members[0].leader);
    assert_eq!(members[0].up, Some(true));
    assert_eq!(
        members[0].instance,
        server.url().trim_start_matches("http://")
    );
    assert_eq!(rules[0].group, "gpus");
    assert_eq!(rules[0].query, "DCGM_FI_DEV_GPU_TEMP > 0");
    assert_eq!(rules[0].alerts.len(), warm.len());
    assert!(rules[2].alerts.is_empty() && rules[2].last_error.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_gpu_dashboard_shows_every_simulated_gpu() {
    let (server, scraper, prometheus) = scraped_gpu_prod(None).await;
    let gpus = scraper.query("count(DCGM_FI_DEV_GPU_UTIL)").await;
    let gpus: f64 = gpus[0]["value"][1].as_str().unwrap().parse().unwrap();
    let (_, dashboard) = templates::built_in()
        .into_iter()
        .find(|(id, _)| *id == "gpu")
        .unwrap();
    let range = TimeRange {
        from: "now-5m".into(),
        to: "now".into(),
    };
    let ran = run(&dashboard, &prometheus, &range, &HashMap::new(), now(), 1)
        .await
        .unwrap();
    assert_eq!(ran.span.step, 1, "five minutes at the scrape interval");
    let node = &ran.variables[0];
    assert_eq!(
        (node.name.as_str(), node.chosen.as_slice()),
        ("node", ["$__all".to_owned()].as_slice())
    );
    assert!(node.options.contains(&"gpu-h100-01".to_owned()), "{node:?}");
    let panels: Vec<_> = ran.rows.iter().flat_map(|row| &row.panels).collect();
    for panel in &panels {
        assert!(
            panel.errors.is_empty(),
            "{}: {:?}",
            panel.panel.title,
            panel.errors
        );
        assert!(
            !panel.series.is_empty() || panel.panel.title == "Xid errors",
            "{} has no data",
            panel.panel.title
        );
    }
    let stat = |title: &str| {
        panels
            .iter()
            .find(|panel| panel.panel.title == title)
            .and_then(|panel| panel.series[0].reduced)
            .unwrap()
    };
    assert_eq!(stat("GPUs"), gpus);
    assert!((0.0..=100.0).contains(&stat("Utilisation")));
    assert!(stat("Hottest GPU") > 20.0);
    // Per pod: each series named namespace/pod, a pod of the cluster.
    let per_pod = panels
        .iter()
        .find(|panel| panel.panel.title == "GPU utilisation per pod")
        .unwrap();
    assert_eq!(per_pod.times.len(), per_pod.series[0].values.len());
    for series in &per_pod.series {
        let (namespace, pod) = series.name.split_once('/').unwrap();
        assert!(
            server
                .cluster()
                .store
                .get("/pods", namespace, pod)
                .is_some(),
            "{} is a pod of the cluster",
            series.name
        );
    }
    // Choosing one node narrows every panel to its GPUs.
    let choices = HashMap::from([("node".to_owned(), vec!["gpu-h100-01".to_owned()])]);
    let narrowed = run(&dashboard, &prometheus, &range, &choices, now(), 1)
        .await
        .unwrap();
    let utilisation = narrowed
        .rows
        .iter()
        .flat_map(|row| &row.panels)
        .find(|panel| panel.panel.title == "GPU utilisation")
        .unwrap();
    assert_eq!(utilisation.series.len(), 8, "the H100 node's eight GPUs");
    assert!(
        utilisation
            .series
            .iter()
            .all(|series| series.name.starts_with("gpu-h100-01 GPU "))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_cluster_node_namespace_and_workload_dashboards_have_data() {
    let (server, _scraper, prometheus) = scraped_gpu_prod(None).await;
    let range = TimeRange {
        from: "now-5m".into(),
        to: "now".into(),
    };
    let dashboards = templates::built_in();
    let ids: Vec<&str> = dashboards.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["cluster", "node", "namespace", "workload", "gpu"]);
    for (id, dashboard) in &dashboards {
        let ran = run(dashboard, &prometheus, &range, &HashMap::new(), now(), 1)
            .await
            .unwrap();
        for variable in &ran.variables {
            assert!(
                variable.error.is_none() && !variable.chosen.is_empty(),
                "{id}: {variable:?}"
            );
        }
        for panel in ran.rows.iter().flat_map(|row| &row.panels) {
            assert!(
                panel.errors.is_empty(),
                "{id}: {}: {:?}",
                panel.panel.title,
                panel.errors
            );
            if panel.panel.title != "Xid errors" {
                assert!(
                    !panel.series.is_empty(),
                    "{id}: {} has no data",
                    panel.panel.title
                );
            }
        }
    }
    // The cluster's figures agree with the simulator's objects.
    let (_, cluster) = &dashboards[0];
    let ran = run(cluster, &prometheus, &range, &HashMap::new(), now(), 1)
        .await
        .unwrap();
    let stat = |title: &str| {
        ran.rows
            .iter()
            .flat_map(|row| &row.panels)
            .find(|panel| panel.panel.title == title)
            .and_then(|panel| panel.series[0].reduced)
            .unwrap()
    };
    let (_, nodes) = server.cluster().store.list("/nodes", None);
    assert_eq!(stat("Nodes"), nodes.len() as f64);
    let (_, pods) = server.cluster().store.list("/pods", None);
    let running = pods
        .iter()
        .filter(|pod| pod["status"]["phase"] == "Running")
        .count();
    assert_eq!(stat("Pods running"), running as f64);
    assert!((0.0..=1.0).contains(&stat("CPU requested")));
}
