//! The Grafana importer on real dashboards (`tests/fixtures/grafana`, byte-for-byte copies of the
//! project's shared fixtures, with their sources) and on the layouts and panel kinds of older and newer Grafana versions, written
//! here; and on input that is not a dashboard at all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use kubedesk_metrics::dashboard::{
    Draw, PanelKind, Reduce, Refresh, Threshold, VariableKind, VariableQuery,
};
use kubedesk_metrics::grafana::{ImportError, Imported, import};
use serde_json::json;

fn fixture(name: &str) -> Imported {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grafana")
        .join(name);
    let text = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    import(name, &text).unwrap()
}

fn report(imported: &Imported) -> Vec<String> {
    imported.report.iter().map(ToString::to_string).collect()
}

#[test]
fn nvidia_s_dcgm_dashboard_imports_whole() {
    let imported = fixture("dcgm-exporter-dashboard.json");
    let dashboard = &imported.dashboard;
    assert_eq!(dashboard.title, "NVIDIA DCGM Exporter Dashboard");
    assert_eq!(dashboard.time.from, "now-15m");
    assert_eq!(dashboard.refresh, None, "refresh: false is no refresh");
    // Three variables: the data source and two label_values queries, each multi with All.
    let names: Vec<&str> = dashboard
        .variables
        .iter()
        .map(|variable| variable.name.as_str())
        .collect();
    assert_eq!(names, ["datasource", "instance", "gpu"]);
    assert!(matches!(
        &dashboard.variables[0].kind,
        VariableKind::Datasource { plugin, .. } if plugin == "prometheus"
    ));
    let gpu = &dashboard.variables[2];
    assert_eq!(
        gpu.kind,
        VariableKind::Query {
            query: VariableQuery::LabelValues {
                series: Some("DCGM_FI_DEV_GPU_TEMP".into()),
                label: "gpu".into()
            },
            regex: None,
            refresh: Refresh::OnLoad,
            sort: 1,
        }
    );
    assert!(gpu.multi && gpu.all.is_some());
    // One row of eight panels, none left out, each query as written.
    assert_eq!(dashboard.rows.len(), 1);
    let panels = &dashboard.rows[0].panels;
    let kinds: Vec<(&str, Option<&str>)> = panels
        .iter()
        .map(|panel| (panel.title.as_str(), panel.unit.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("GPU Temperature", Some("celsius")),
            ("GPU Avg. Temp", Some("celsius")),
            ("GPU Power Usage", Some("watt")),
            ("GPU Power Total", Some("watt")),
            ("GPU SM Clocks", Some("hertz")),
            ("GPU Utilization", Some("percent")),
            ("GPU Framebuffer Mem Used", Some("decmbytes")),
            ("Tensor Core Utilization", Some("percentunit")),
        ]
    );
    assert!(matches!(
        panels[0].kind,
        PanelKind::TimeSeries {
            draw: Draw::Lines,
            ..
        }
    ));
    assert_eq!(
        panels[0].queries[0].expr, "DCGM_FI_DEV_GPU_TEMP{instance=~\"$instance\", gpu=~\"$gpu\"}",
        "label matchers are kept"
    );
    assert_eq!(panels[0].queries[0].legend.as_deref(), Some("GPU {{gpu}}"));
    assert_eq!(panels[0].datasource.as_deref(), Some("$datasource"));
    // The gauges' pre-7 field options: reducer, range and colour steps.
    assert_eq!(
        panels[1].kind,
        PanelKind::Gauge {
            reduce: Reduce::Mean
        }
    );
    assert_eq!((panels[1].min, panels[1].max), (Some(0.0), Some(100.0)));
    assert_eq!(
        panels[1].thresholds,
        [
            Threshold {
                value: None,
                color: "green".into()
            },
            Threshold {
                value: Some(83.0),
                color: "#EAB839".into()
            },
            Threshold {
                value: Some(87.0),
                color: "red".into()
            },
        ]
    );
    assert_eq!(
        panels[3].kind,
        PanelKind::Gauge {
            reduce: Reduce::Sum
        }
    );
    assert_eq!(report(&imported), Vec::<String>::new());
}

#[test]
fn a_modern_kubernetes_dashboard_imports_with_its_rows_stats_and_variables() {
    let imported = fixture("k8s-views-global.json");
    let dashboard = &imported.dashboard;
    assert_eq!(dashboard.title, "Kubernetes / Views / Global");
    assert_eq!(dashboard.refresh.as_deref(), Some("30s"));
    let rows: Vec<(Option<&str>, usize)> = dashboard
        .rows
        .iter()
        .map(|row| (row.title.as_deref(), row.panels.len()))
        .collect();
    assert_eq!(
        rows,
        [
            (Some("Overview"), 8),
            (Some("Resources"), 8),
            (Some("Kubernetes"), 4),
            (Some("Network"), 6)
        ]
    );
    let cluster = &dashboard.variables[1];
    assert_eq!(
        cluster.kind,
        VariableKind::Query {
            query: VariableQuery::LabelValues {
                series: Some("kube_node_info".into()),
                label: "cluster".into()
            },
            regex: None,
            refresh: Refresh::OnLoad,
            sort: 1,
        }
    );
    let resolution = &dashboard.variables[2];
    assert_eq!(
        resolution.kind,
        VariableKind::Custom {
            options: ["1s", "15s", "30s", "1m", "3m", "5m"]
                .map(String::from)
                .to_vec()
        }
    );
    assert_eq!(resolution.current, ["30s"]);
    let overview = &dashboard.rows[0].panels;
    let nodes = overview
        .iter()
        .find(|panel| panel.title == "Nodes")
        .unwrap();
    assert!(
        matches!(
            nodes.kind,
            PanelKind::Stat {
                reduce: Reduce::Last,
                ..
            }
        ),
        "{nodes:?}"
    );
    let cpu = overview
        .iter()
        .find(|panel| panel.title == "Global CPU  Usage")
        .unwrap();
    assert!(matches!(cpu.kind, PanelKind::BarGauge { .. }));
    assert_eq!(cpu.unit.as_deref(), Some("percentunit"));
    let names: Vec<&str> = cpu
        .queries
        .iter()
        .map(|query| query.ref_id.as_str())
        .collect();
    assert_eq!(names, ["Real", "Requests", "Limits"]);
    assert!(
        cpu.queries[0].expr.contains("[$__rate_interval]"),
        "Grafana's macros are kept for query time: {}",
        cpu.queries[0].expr
    );
    assert_eq!(cpu.datasource.as_deref(), Some("$datasource"));
    // Everything else is converted; what is not, each said with where it is.
    assert_eq!(
        report(&imported),
        [
            "panel \"Cluster CPU Utilization\" (id 72): its transformations are not converted: the queries' results are shown as they come",
            "panel \"Cluster Memory Utilization\" (id 55): its transformations are not converted: the queries' results are shown as they come",
            "annotation \"terraform\": annotations are not converted: the events it marks are not drawn on the charts",
            "annotation \"oncall\": annotations are not converted: the events it marks are not drawn on the charts",
        ]
    );
}

fn imported(model: serde_json::Value) -> Imported {
    import("test.json", model.to_string().as_bytes()).unwrap()
}

#[test]
fn a_grafana_5_dashboard_of_rows_converts_with_what_it_loses_listed() {
    let imported = imported(json!({
        "schemaVersion": 14,
        "title": "Old GPUs",
        "rows": [
            {"title": "Cards", "height": "300px", "panels": [
                {"id": 1, "type": "singlestat", "title": "Hot", "span": 4, "valueName": "max",
                 "format": "celsius", "thresholds": "80,90", "colors": ["#299c46", "#e5ac0e", "#d44a3a"],
                 "targets": [{"refId": "A", "expr": "max(DCGM_FI_DEV_GPU_TEMP)"}]},
                {"id": 2, "type": "graph", "title": "Power", "span": 8, "bars": true, "stack": true,
                 "seriesOverrides": [{"alias": "limit", "yaxis": 2}], "yaxes": [{"format": "watt", "min": 0}],
                 "targets": [{"refId": "A", "expr": "DCGM_FI_DEV_POWER_USAGE", "legendFormat": "{{gpu}}"}]}
            ]},
            {"title": "More", "panels": [
                {"id": 3, "type": "table-old", "title": "Pods", "span": 12,
                 "styles": [{"pattern": "Value", "type": "number"}],
                 "targets": [{"refId": "A", "expr": "kube_pod_info", "instant": true}]},
                {"id": 4, "type": "grafana-piechart-panel", "title": "Share", "span": 6},
                {"id": 5, "type": "text", "title": "Read me", "span": 6, "mode": "markdown", "content": "# GPUs"}
            ]}
        ]
    }));
    let rows = &imported.dashboard.rows;
    assert_eq!(rows.len(), 2);
    let hot = &rows[0].panels[0];
    assert_eq!(
        hot.kind,
        PanelKind::Stat {
            reduce: Reduce::Max,
            sparkline: false
        }
    );
    assert_eq!(
        (hot.grid.x, hot.grid.w, hot.grid.h),
        (0, 8, 10),
        "span 4 of 12, 300 px"
    );
    assert_eq!(hot.unit.as_deref(), Some("celsius"));
    assert_eq!(
        hot.thresholds,
        [
            Threshold {
                value: None,
                color: "#299c46".into()
            },
            Threshold {
                value: Some(80.0),
                color: "#e5ac0e".into()
            },
            Threshold {
                value: Some(90.0),
                color: "#d44a3a".into()
            },
        ]
    );
    let power = &rows[0].panels[1];
    assert_eq!(
        power.kind,
        PanelKind::TimeSeries {
            draw: Draw::Bars,
            stacked: true,
            filled: false,
            legend_hidden: false
        }
    );
    assert_eq!((power.grid.x, power.grid.w), (8, 16));
    assert_eq!(power.min, Some(0.0));
    assert!(rows[1].panels[0].queries[0].instant);
    assert_eq!(
        rows[1].panels[0].grid.y, 10,
        "the second row starts under the first"
    );
    assert!(
        matches!(&rows[1].panels[1].kind, PanelKind::Text { content, .. } if content == "# GPUs")
    );
    assert_eq!(
        report(&imported),
        [
            "panel \"Power\" (id 2): its series overrides (per-series styles, a second y-axis) are not converted: every series is drawn alike",
            "panel \"Pods\" (id 3): its column styles (renamed and formatted columns) are not converted",
            "panel \"Share\" (id 4): its type \"grafana-piechart-panel\" is not one KubeDesk draws (time series, stat, gauge, bar gauge, table, text, heatmap), so it is left out",
        ]
    );
}

#[test]
fn collapsed_rows_repeats_and_every_variable_kind_convert() {
    let imported = imported(json!({
        "schemaVersion": 41,
        "title": "Nodes",
        "templating": {"list": [
            {"name": "node", "type": "query", "query": {"query": "label_values(up{job=\"node\"}, instance)", "qryType": 1}, "refresh": 2, "regex": "/(.*):.*/", "multi": true, "includeAll": true, "allValue": ".*"},
            {"name": "top", "type": "query", "query": "query_result(topk(3, up))"},
            {"name": "step", "type": "interval", "query": "1m,5m,1h", "auto": true, "auto_count": 20, "auto_min": "30s"},
            {"name": "env", "type": "constant", "query": "prod", "hide": 2},
            {"name": "who", "type": "textbox", "query": "me"},
            {"name": "filters", "type": "adhoc"}
        ]},
        "panels": [
            {"type": "row", "title": "Per node", "collapsed": true, "repeat": "node", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
             "panels": [
                {"id": 7, "type": "timeseries", "title": "Load", "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
                 "repeat": "node", "repeatDirection": "v",
                 "fieldConfig": {"defaults": {"unit": "short", "custom": {"drawStyle": "line", "fillOpacity": 10, "stacking": {"mode": "normal"}}}},
                 "targets": [{"refId": "A", "expr": "node_load1{instance=~\"$node\"} * $missing", "legendFormat": "__auto"},
                             {"refId": "B", "datasource": {"type": "loki"}, "expr": "{job=\"x\"}"}]},
                {"id": 8, "type": "heatmap", "title": "Latency", "gridPos": {"x": 12, "y": 1, "w": 12, "h": 8},
                 "transformations": [{"id": "organize"}],
                 "targets": [{"refId": "A", "expr": "sum(rate(x_bucket[$__rate_interval])) by (le)"}]}
             ]}
        ]
    }));
    let dashboard = &imported.dashboard;
    let row = &dashboard.rows[0];
    assert_eq!(
        (row.title.as_deref(), row.collapsed, row.repeat.as_deref()),
        (Some("Per node"), true, Some("node"))
    );
    let load = &row.panels[0];
    assert_eq!(
        load.kind,
        PanelKind::TimeSeries {
            draw: Draw::Lines,
            stacked: true,
            filled: true,
            legend_hidden: false
        }
    );
    assert_eq!(load.unit, None, "short is the default");
    assert_eq!(load.queries.len(), 1, "the Loki query is left out");
    assert_eq!(load.queries[0].legend, None);
    assert_eq!(
        load.repeat
            .as_ref()
            .map(|repeat| (repeat.variable.as_str(), repeat.across)),
        Some(("node", false))
    );
    assert_eq!(row.panels[1].kind, PanelKind::Heatmap);
    let node = &dashboard.variables[0];
    assert_eq!(
        node.kind,
        VariableKind::Query {
            query: VariableQuery::LabelValues {
                series: Some("up{job=\"node\"}".into()),
                label: "instance".into()
            },
            regex: Some("/(.*):.*/".into()),
            refresh: Refresh::OnTimeChange,
            sort: 0,
        }
    );
    assert_eq!(
        node.all.as_ref().and_then(|all| all.custom.as_deref()),
        Some(".*")
    );
    assert!(
        matches!(&dashboard.variables[1].kind, VariableKind::Query { query: VariableQuery::QueryResult { query }, .. } if query == "topk(3, up)")
    );
    assert!(
        matches!(&dashboard.variables[2].kind, VariableKind::Interval { options, auto: Some(auto) } if options.len() == 3 && auto.count == 20 && auto.min == "30s")
    );
    assert!(
        matches!(&dashboard.variables[3].kind, VariableKind::Constant { value } if value == "prod")
    );
    assert!(dashboard.variables[3].hidden);
    assert!(
        matches!(&dashboard.variables[4].kind, VariableKind::Textbox { default } if default == "me")
    );
    assert_eq!(dashboard.variables.len(), 5);
    assert_eq!(
        report(&imported),
        [
            "variable \"filters\": ad hoc filters are not supported",
            "panel \"Load\" (id 7): its query B reads a loki data source and is left out",
            "panel \"Latency\" (id 8): its transformations are not converted: the queries' results are shown as they come",
            "panel \"Load\": its queries use $missing, which the dashboard does not define: they fail until it is added as a variable",
        ]
    );
}

#[test]
fn what_is_not_a_dashboard_is_refused_with_its_name_and_what_to_do() {
    let truncated = &br#"{"title": "GPUs", "panels": [{"type": "graph""#[..];
    let error = import("gpus.json", truncated).unwrap_err();
    assert!(
        matches!(error, ImportError::Json { line: 1, .. }),
        "{error:?}"
    );
    let said = error.to_string();
    assert!(
        said.starts_with("gpus.json is not valid JSON at line 1, column "),
        "{said}"
    );
    assert!(
        said.contains("export the dashboard again from Grafana"),
        "{said}"
    );

    let error = import("list.json", br#"[1, 2, 3]"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "list.json is not a Grafana dashboard: it has no panels or rows; export the dashboard's JSON model from Grafana (Share, Export) and import that file"
    );
    assert!(matches!(
        import("empty.json", b"").unwrap_err(),
        ImportError::Json { .. }
    ));

    // The API's wrapping is taken off; a schema from the future is read as far as it goes.
    let wrapped = imported(
        json!({"meta": {}, "dashboard": {"schemaVersion": 99, "title": "Next", "panels": [
            {"id": 1, "type": "stat", "title": "Up", "options": {"reduceOptions": {"calcs": ["delta"]}}, "targets": [{"expr": "up"}]}
        ]}}),
    );
    assert_eq!(wrapped.dashboard.title, "Next");
    assert_eq!(wrapped.dashboard.rows[0].panels[0].queries[0].ref_id, "A");
    assert_eq!(
        report(&wrapped),
        [
            "the dashboard: its schemaVersion 99 is newer than the newest KubeDesk knows (41): what it recognises is converted; check the result",
            "panel \"Up\" (id 1): its reduction \"delta\" is shown as the last value",
        ]
    );
}

#[test]
fn no_damage_to_a_dashboard_makes_the_importer_panic() {
    // A deterministic run of what the fuzz target (`fuzz/fuzz_targets/grafana_import.rs`) does
    // at random: both fixtures cut short at many points, and with bytes overwritten.
    for name in ["dcgm-exporter-dashboard.json", "k8s-views-global.json"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/grafana")
            .join(name);
        let text = std::fs::read(path).unwrap();
        for cut in (0..text.len()).step_by(97) {
            assert!(import(name, &text[..cut]).is_err(), "cut at {cut}");
        }
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let replacements = b"{}[]\",:0-9.eE truefalsenull\\u";
        for _ in 0..500 {
            let mut damaged = text.clone();
            for _ in 0..4 {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] = replacements[(next() % replacements.len() as u64) as usize];
            }
            // Parsed or refused; never a panic.
            let _ = import(name, &damaged);
        }
    }
    // Every value in the places the importer reads, of every JSON type.
    for odd in [
        json!(null),
        json!(-1),
        json!(1e300),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
    ] {
        let model = json!({
            "schemaVersion": odd, "title": odd, "time": {"from": odd, "to": odd}, "refresh": odd,
            "templating": {"list": [{"name": "v", "type": odd, "query": odd, "current": {"value": odd}, "refresh": odd, "sort": odd}]},
            "rows": [{"height": odd, "panels": [{"span": odd, "type": "graph", "yaxes": odd, "targets": odd}]}],
            "panels": [{"type": "row", "panels": odd}, {"type": "stat", "gridPos": {"x": odd, "y": odd, "w": odd, "h": odd},
                        "fieldConfig": {"defaults": odd}, "options": odd, "targets": [{"expr": odd, "refId": odd, "datasource": odd}],
                        "thresholds": odd, "datasource": odd}]
        });
        let _ = import("odd.json", model.to_string().as_bytes());
    }
}
