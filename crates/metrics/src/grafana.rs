//! The Grafana importer: a dashboard exported from Grafana (schema versions 14 to 41, Grafana 5
//! to 11, and newer read as far as they are understood) becomes a native [`Dashboard`]. Panels of
//! the legacy `rows` layout and of the grid, collapsed rows and repeats; graph and timeseries,
//! singlestat and stat, gauge (before and after Grafana 7's field options), bar gauge, table and
//! table-old, text, heatmap; every kind of variable Prometheus dashboards use; data sources named in
//! any of their forms. Expressions are kept as written, label matchers, `$__rate_interval` and
//! `${var:regex}` included, to be expanded when they run (KubeSphere's converter strips matchers
//! and drops stat and heatmap panels). Whatever cannot be converted is listed in the report, each
//! with where it was; nothing is dropped silently.

use serde::Serialize;
use serde_json::Value;

use crate::dashboard::{
    AllValue, AutoInterval, Dashboard, Draw, Grid, Panel, PanelKind, Query, Reduce, Refresh,
    Repeat, Row, Threshold, TimeRange, Variable, VariableKind, VariableQuery,
};

/// The newest dashboard schema version this importer was written against (Grafana 11.6).
pub const NEWEST_SCHEMA: u64 = 41;
/// The oldest it was written against (Grafana 5.0).
pub const OLDEST_SCHEMA: u64 = 14;

/// A dashboard imported, with what could not be converted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    /// The dashboard.
    pub dashboard: Dashboard,
    /// What could not be converted, in the order it was met.
    pub report: Vec<Unconverted>,
}

/// Something of the Grafana dashboard that the native one does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unconverted {
    /// Where it was (`panel "GPU Temperature" (id 12)`, `variable "node"`, `the dashboard`).
    pub place: String,
    /// What it is and why it is not converted.
    pub what: String,
}

impl std::fmt::Display for Unconverted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.what)
    }
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// It is not JSON (a truncated download, another format).
    #[error(
        "{name} is not valid JSON at line {line}, column {column} ({detail}); export the dashboard again from Grafana (Share, Export, Save to file) and import that file"
    )]
    Json {
        /// The file.
        name: String,
        /// Where.
        line: usize,
        /// Where.
        column: usize,
        /// What the parser said.
        detail: String,
    },
    /// It is JSON, but not a dashboard.
    #[error(
        "{name} is not a Grafana dashboard: it has no panels or rows; export the dashboard's JSON model from Grafana (Share, Export) and import that file"
    )]
    NotDashboard {
        /// The file.
        name: String,
    },
}

/// Imports the Grafana dashboard `text`, read from `name` (a file's name or a URL, for messages).
pub fn import(name: &str, text: &[u8]) -> Result<Imported, ImportError> {
    let value: Value = serde_json::from_slice(text).map_err(|error| ImportError::Json {
        name: name.to_owned(),
        line: error.line(),
        column: error.column(),
        detail: error.to_string(),
    })?;
    // The HTTP API's and some exports' wrapping: `{"dashboard": {…}, "meta": {…}}`.
    let model = match value.get("dashboard") {
        Some(inner) if inner.is_object() => inner,
        _ => &value,
    };
    if !model.is_object() || (model.get("panels").is_none() && model.get("rows").is_none()) {
        return Err(ImportError::NotDashboard {
            name: name.to_owned(),
        });
    }
    let mut importer = Importer::default();
    let dashboard = importer.dashboard(model);
    Ok(Imported {
        dashboard,
        report: importer.report,
    })
}

/// Walks a dashboard, noting what it cannot convert.
#[derive(Debug, Default)]
struct Importer {
    report: Vec<Unconverted>,
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        // Grafana writes some numbers as strings ("80", "").
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn whole(value: &Value) -> Option<u32> {
    number(value)
        .filter(|number| number.is_finite() && *number >= 0.0)
        .map(|number| number.min(f64::from(u32::MAX)) as u32)
}

fn flag(value: &Value) -> bool {
    value.as_bool().unwrap_or(false)
}

/// A panel's name in the report.
fn panel_place(panel: &Value) -> String {
    let title = panel["title"].as_str().unwrap_or("").trim();
    match (title.is_empty(), panel["id"].as_u64()) {
        (false, Some(id)) => format!("panel \"{title}\" (id {id})"),
        (false, None) => format!("panel \"{title}\""),
        (true, Some(id)) => format!("the untitled panel {id}"),
        (true, None) => "an untitled panel".to_owned(),
    }
}

/// A data source reference in any of Grafana's forms: a name, `$variable`, `${DS_INPUT}` (an
/// export's input, meaning the Prometheus chosen at import), `{type, uid}`, or none (the
/// default). Answers what the native panel keeps (`None` for the default Prometheus) and the kind
/// when it is known not to be Prometheus.
fn datasource(value: &Value) -> (Option<String>, Option<String>) {
    let reference = match value {
        Value::String(name) => Some(name.clone()),
        Value::Object(object) => {
            let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
            if !kind.is_empty() && kind != "prometheus" && kind != "datasource" {
                return (None, Some(kind.to_owned()));
            }
            object.get("uid").and_then(Value::as_str).map(str::to_owned)
        }
        _ => None,
    };
    let Some(reference) = reference.filter(|reference| !reference.trim().is_empty()) else {
        return (None, None);
    };
    let reference = reference.trim();
    // An export's input (`${DS_PROMETHEUS}`) and Grafana's own names for "no one in particular".
    if (reference.starts_with("${DS_") && reference.ends_with('}'))
        || reference == "-- Mixed --"
        || reference == "default"
    {
        return (None, None);
    }
    if reference == "-- Grafana --" || reference == "grafana" {
        return (None, Some("grafana".to_owned()));
    }
    // `${datasource}` and `$datasource` are the same variable.
    let reference = match reference
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
    {
        Some(variable) => format!("${variable}"),
        None => reference.to_owned(),
    };
    (Some(reference), None)
}

/// A reducer's name (stat's `calcs`, singlestat's `valueName`) as a native reducer.
fn reduce(name: &str) -> Option<Reduce> {
    Some(match name {
        "lastNotNull" | "last" | "current" => Reduce::Last,
        "firstNotNull" | "first" => Reduce::First,
        "mean" | "avg" => Reduce::Mean,
        "min" => Reduce::Min,
        "max" => Reduce::Max,
        "sum" | "total" => Reduce::Sum,
        "count" => Reduce::Count,
        _ => return None,
    })
}

/// The arguments of `function(…)` in `query`, split at the commas outside brackets and quotes.
fn arguments<'a>(query: &'a str, function: &str) -> Option<Vec<&'a str>> {
    let rest = query.trim().strip_prefix(function)?.trim_start();
    let inner = rest.strip_prefix('(')?.trim_end().strip_suffix(')')?;
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0_i32, None::<char>, 0);
    let mut escaped = false;
    for (at, character) in inner.char_indices() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        match character {
            '"' | '\'' | '`' => quote = Some(character),
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(inner[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(inner[start..].trim());
    Some(parts)
}

/// A query variable's query, written as Grafana writes it (`label_values(kube_node_info, node)`,
/// `label_names()`, `metrics(regex)`, `query_result(query)`), as a native one; `None` for any
/// other.
pub fn variable_query(query: &str) -> Option<VariableQuery> {
    let query = query.trim();
    if let Some(arguments) = arguments(query, "label_values") {
        return match arguments.as_slice() {
            [label] if !label.is_empty() => Some(VariableQuery::LabelValues {
                series: None,
                label: (*label).to_owned(),
            }),
            [series, label] if !label.is_empty() => Some(VariableQuery::LabelValues {
                series: Some((*series).to_owned()).filter(|series| !series.is_empty()),
                label: (*label).to_owned(),
            }),
            _ => None,
        };
    }
    if let Some(arguments) = arguments(query, "label_names") {
        return Some(VariableQuery::LabelNames {
            series: arguments
                .first()
                .filter(|series| !series.is_empty())
                .map(|series| (*series).to_owned()),
        });
    }
    if let Some(arguments) = arguments(query, "metrics") {
        return Some(VariableQuery::Metrics {
            regex: arguments.join(","),
        });
    }
    if let Some(rest) = query.strip_prefix("query_result") {
        let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
        return Some(VariableQuery::QueryResult {
            query: inner.trim().to_owned(),
        });
    }
    None
}

/// Splits a custom or interval variable's values (`1s, 15s, 30s`), where `\,` is a comma inside
/// a value.
pub fn values(query: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut characters = query.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' if characters.peek() == Some(&',') => {
                current.push(',');
                characters.next();
            }
            ',' => values.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    values.push(current);
    values
        .into_iter()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .collect()
}

/// Grafana's macros, which queries may use without the dashboard defining them.
const MACROS: &[&str] = &[
    "__interval",
    "__interval_ms",
    "__rate_interval",
    "__range",
    "__range_s",
    "__range_ms",
    "__from",
    "__to",
    "__dashboard",
    "__name",
    "__org",
    "__user",
    "__all",
    "timeFilter",
    "__timeFilter",
];

/// The variables an expression refers to: `$name`, `${name}`, `${name:format}` and `[[name]]`.
fn references(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = expr.as_bytes();
    let name_end = |from: usize| {
        expr[from..]
            .find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
            .map_or(expr.len(), |end| from + end)
    };
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'$' {
            if bytes.get(at + 1) == Some(&b'{') {
                let end = name_end(at + 2);
                found.push(expr[at + 2..end].to_owned());
                at = end;
                continue;
            }
            let end = name_end(at + 1);
            if end > at + 1 {
                found.push(expr[at + 1..end].to_owned());
            }
            at = end.max(at + 1);
        } else if bytes[at] == b'[' && bytes.get(at + 1) == Some(&b'[') {
            let end = name_end(at + 2);
            if expr[end..].starts_with("]]") && end > at + 2 {
                found.push(expr[at + 2..end].to_owned());
            }
            at = end.max(at + 2);
        } else {
            at += 1;
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

impl Importer {
    fn lost(&mut self, place: impl Into<String>, what: impl Into<String>) {
        self.report.push(Unconverted {
            place: place.into(),
            what: what.into(),
        });
    }

    fn dashboard(&mut self, model: &Value) -> Dashboard {
        match model["schemaVersion"].as_u64() {
            None => self.lost(
                "the dashboard",
                "it has no schemaVersion: it was read as the newest layout it resembles; check the result",
            ),
            Some(version) if version > NEWEST_SCHEMA => self.lost(
                "the dashboard",
                format!(
                    "its schemaVersion {version} is newer than the newest KubeDesk knows ({NEWEST_SCHEMA}): what it recognises is converted; check the result"
                ),
            ),
            Some(version) if version < OLDEST_SCHEMA => self.lost(
                "the dashboard",
                format!(
                    "its schemaVersion {version} is older than Grafana 5 ({OLDEST_SCHEMA}): what it recognises is converted; check the result"
                ),
            ),
            Some(_) => {}
        }
        let title = text(&model["title"]).unwrap_or_else(|| {
            self.lost(
                "the dashboard",
                "it has no title: it is called \"Imported dashboard\"",
            );
            "Imported dashboard".to_owned()
        });
        let variables = model["templating"]["list"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|variable| self.variable(variable))
                    .collect()
            })
            .unwrap_or_default();
        let rows = match model["panels"].as_array() {
            Some(panels) if !panels.is_empty() || model["rows"].as_array().is_none() => {
                self.grid_rows(panels)
            }
            _ => self.legacy_rows(model["rows"].as_array().map_or(&[][..], Vec::as_slice)),
        };
        for annotation in model["annotations"]["list"]
            .as_array()
            .into_iter()
            .flatten()
        {
            // Grafana's own "Annotations & Alerts" is in every dashboard.
            if annotation["builtIn"].as_u64() == Some(1) || flag(&annotation["builtIn"]) {
                continue;
            }
            let name = annotation["name"].as_str().unwrap_or("unnamed");
            self.lost(
                format!("annotation \"{name}\""),
                "annotations are not converted: the events it marks are not drawn on the charts",
            );
        }
        if model["links"]
            .as_array()
            .is_some_and(|links| !links.is_empty())
        {
            self.lost(
                "the dashboard",
                "its links to other dashboards and pages are not converted",
            );
        }
        let dashboard = Dashboard {
            title,
            description: text(&model["description"]),
            tags: model["tags"]
                .as_array()
                .map(|tags| tags.iter().filter_map(text).collect())
                .unwrap_or_default(),
            time: TimeRange {
                from: text(&model["time"]["from"]).unwrap_or_else(|| TimeRange::default().from),
                to: text(&model["time"]["to"]).unwrap_or_else(|| TimeRange::default().to),
            },
            refresh: text(&model["refresh"]),
            variables,
            rows,
        };
        self.undefined_references(&dashboard);
        dashboard
    }

    /// Notes every query that refers to a variable the dashboard does not define.
    fn undefined_references(&mut self, dashboard: &Dashboard) {
        let defined: Vec<&str> = dashboard
            .variables
            .iter()
            .map(|variable| variable.name.as_str())
            .collect();
        let mut missing = Vec::new();
        for panel in dashboard.rows.iter().flat_map(|row| &row.panels) {
            for query in &panel.queries {
                for name in references(&query.expr) {
                    if !defined.contains(&name.as_str())
                        && !MACROS.contains(&name.as_str())
                        && !missing
                            .iter()
                            .any(|(_, known): &(String, String)| *known == name)
                    {
                        missing.push((panel.title.clone(), name));
                    }
                }
            }
        }
        for (title, name) in missing {
            self.lost(
                format!("panel \"{title}\""),
                format!(
                    "its queries use ${name}, which the dashboard does not define: they fail until it is added as a variable"
                ),
            );
        }
    }

    fn variable(&mut self, variable: &Value) -> Option<Variable> {
        let name = text(&variable["name"])?;
        let place = format!("variable \"{name}\"");
        let kind_name = variable["type"].as_str().unwrap_or("query");
        let query_text = match &variable["query"] {
            Value::String(query) => query.clone(),
            // Grafana 7 and later: `{"query": "label_values(…)", "qryType": 1, "refId": …}`.
            Value::Object(object) => object
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            _ => String::new(),
        };
        let kind = match kind_name {
            "query" => {
                let query = if query_text.trim().is_empty() {
                    text(&variable["definition"]).unwrap_or_default()
                } else {
                    query_text.clone()
                };
                let (_, other) = datasource(&variable["datasource"]);
                if let Some(other) = other {
                    self.lost(
                        place,
                        format!("it asks a {other} data source; only Prometheus is read"),
                    );
                    return None;
                }
                let Some(parsed) = variable_query(&query) else {
                    self.lost(
                        place,
                        format!(
                            "its query {query:?} is none of label_values, label_names, metrics and query_result, which KubeDesk runs"
                        ),
                    );
                    return None;
                };
                VariableKind::Query {
                    query: parsed,
                    regex: text(&variable["regex"]),
                    refresh: match variable["refresh"].as_u64() {
                        Some(2) => Refresh::OnTimeChange,
                        Some(0) => Refresh::Never,
                        _ => Refresh::OnLoad,
                    },
                    sort: whole(&variable["sort"]).unwrap_or(0),
                }
            }
            "custom" => VariableKind::Custom {
                options: match values(&query_text) {
                    written if !written.is_empty() => written,
                    _ => self.option_values(variable),
                },
            },
            "interval" => VariableKind::Interval {
                options: match values(&query_text) {
                    written if !written.is_empty() => written,
                    _ => self.option_values(variable),
                },
                auto: flag(&variable["auto"]).then(|| AutoInterval {
                    count: whole(&variable["auto_count"]).unwrap_or(30),
                    min: text(&variable["auto_min"]).unwrap_or_else(|| "10s".to_owned()),
                }),
            },
            "constant" => VariableKind::Constant { value: query_text },
            "datasource" => VariableKind::Datasource {
                plugin: if query_text.is_empty() {
                    "prometheus".to_owned()
                } else {
                    query_text
                },
                regex: text(&variable["regex"]),
            },
            "textbox" => VariableKind::Textbox {
                default: query_text,
            },
            other => {
                let why = match other {
                    "adhoc" => "ad hoc filters are not supported".to_owned(),
                    "groupby" => "group-by variables are not supported".to_owned(),
                    other => format!("its type {other:?} is not one KubeDesk has"),
                };
                self.lost(place, why);
                return None;
            }
        };
        let current = match &variable["current"]["value"] {
            Value::String(value) if !value.is_empty() => vec![value.clone()],
            Value::Array(values) => values.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        Some(Variable {
            label: text(&variable["label"]).filter(|label| *label != name),
            name,
            kind,
            multi: flag(&variable["multi"]),
            all: flag(&variable["includeAll"]).then(|| AllValue {
                custom: text(&variable["allValue"]),
            }),
            current,
            hidden: variable["hide"].as_u64() == Some(2),
        })
    }

    /// The values saved in a variable's `options`.
    fn option_values(&self, variable: &Value) -> Vec<String> {
        variable["options"]
            .as_array()
            .map(|options| {
                options
                    .iter()
                    .filter_map(|option| text(&option["value"]).or_else(|| text(&option["text"])))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The grid layout (schema 16 and later): row panels open rows, a collapsed one holding its
    /// panels inside it.
    fn grid_rows(&mut self, panels: &[Value]) -> Vec<Row> {
        let mut rows = vec![Row {
            title: None,
            collapsed: false,
            repeat: None,
            panels: Vec::new(),
        }];
        for panel in panels {
            if panel["type"].as_str() == Some("row") {
                let mut row = Row {
                    title: Some(text(&panel["title"]).unwrap_or_default()),
                    collapsed: flag(&panel["collapsed"]),
                    repeat: text(&panel["repeat"]),
                    panels: Vec::new(),
                };
                for inner in panel["panels"].as_array().into_iter().flatten() {
                    if let Some(converted) = self.panel(inner, None) {
                        row.panels.push(converted);
                    }
                }
                rows.push(row);
            } else if let Some(converted) = self.panel(panel, None)
                && let Some(row) = rows.last_mut()
            {
                row.panels.push(converted);
            }
        }
        // The untitled row exists only when panels come before the first titled one.
        if rows.first().is_some_and(|row| row.panels.is_empty()) && rows.len() > 1 {
            rows.remove(0);
        }
        rows
    }

    /// The layout before schema 16: rows of panels with a span of 1 to 12 and a height in px.
    fn legacy_rows(&mut self, rows: &[Value]) -> Vec<Row> {
        let mut top = 0_u32;
        rows.iter()
            .map(|row| {
                let height = match &row["height"] {
                    Value::String(height) => height.trim_end_matches("px").parse::<f64>().ok(),
                    other => number(other),
                }
                .map_or(7, |pixels| {
                    ((pixels / 30.0).round().clamp(1.0, 100.0)) as u32
                });
                let mut left = 0_u32;
                let panels = row["panels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|panel| {
                        let span = number(&panel["span"]).unwrap_or(12.0).clamp(1.0, 12.0);
                        let width = (span * 2.0).round() as u32;
                        if left + width > 24 {
                            left = 0;
                            top = top.saturating_add(height);
                        }
                        let grid = Grid {
                            x: left,
                            y: top,
                            w: width,
                            h: height,
                        };
                        left += width;
                        self.panel(panel, Some(grid))
                    })
                    .collect();
                top = top.saturating_add(height);
                Row {
                    title: text(&row["title"])
                        .filter(|_| row["showTitle"].as_bool() != Some(false)),
                    collapsed: flag(&row["collapse"]),
                    repeat: text(&row["repeat"]),
                    panels,
                }
            })
            .collect()
    }

    /// One panel, or `None` (with the reason in the report) when it cannot be converted.
    fn panel(&mut self, panel: &Value, legacy_grid: Option<Grid>) -> Option<Panel> {
        let place = panel_place(panel);
        let kind_name = panel["type"].as_str().unwrap_or("");
        let defaults = &panel["fieldConfig"]["defaults"];
        let custom = &defaults["custom"];
        let options = &panel["options"];
        // Gauges before Grafana 7 kept their field options under `options.fieldOptions`.
        let legacy_fields = &options["fieldOptions"];
        let calcs = |reducer: &Value| {
            reducer["calcs"]
                .as_array()
                .and_then(|calcs| calcs.first())
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let reducer = calcs(&options["reduceOptions"]).or_else(|| calcs(legacy_fields));
        let reduce_of = |importer: &mut Self, name: Option<String>| match name.as_deref() {
            None => Reduce::Last,
            Some(name) => reduce(name).unwrap_or_else(|| {
                importer.lost(
                    place.clone(),
                    format!("its reduction {name:?} is shown as the last value"),
                );
                Reduce::Last
            }),
        };
        let kind = match kind_name {
            "graph" => {
                if panel["seriesOverrides"]
                    .as_array()
                    .is_some_and(|overrides| !overrides.is_empty())
                {
                    self.lost(
                        place.clone(),
                        "its series overrides (per-series styles, a second y-axis) are not converted: every series is drawn alike",
                    );
                }
                if panel.get("alert").is_some() {
                    self.lost(
                        place.clone(),
                        "its alert rule (Grafana's legacy alerting) is not converted",
                    );
                }
                PanelKind::TimeSeries {
                    draw: if flag(&panel["bars"]) {
                        Draw::Bars
                    } else if flag(&panel["points"]) && panel["lines"].as_bool() == Some(false) {
                        Draw::Points
                    } else {
                        Draw::Lines
                    },
                    stacked: flag(&panel["stack"]),
                    filled: number(&panel["fill"]).is_some_and(|fill| fill > 0.0),
                    legend_hidden: panel["legend"]["show"].as_bool() == Some(false),
                }
            }
            "timeseries" => PanelKind::TimeSeries {
                draw: match custom["drawStyle"].as_str() {
                    Some("bars") => Draw::Bars,
                    Some("points") => Draw::Points,
                    _ => Draw::Lines,
                },
                stacked: custom["stacking"]["mode"]
                    .as_str()
                    .is_some_and(|mode| mode != "none"),
                filled: number(&custom["fillOpacity"]).is_some_and(|opacity| opacity > 0.0),
                legend_hidden: options["legend"]["showLegend"].as_bool() == Some(false)
                    || options["legend"]["displayMode"].as_str() == Some("hidden"),
            },
            "singlestat" | "grafana-singlestat-panel" => {
                let reduce = reduce_of(self, text(&panel["valueName"]));
                if flag(&panel["gauge"]["show"]) {
                    PanelKind::Gauge { reduce }
                } else {
                    PanelKind::Stat {
                        reduce,
                        sparkline: flag(&panel["sparkline"]["show"]),
                    }
                }
            }
            "stat" => PanelKind::Stat {
                reduce: reduce_of(self, reducer),
                sparkline: options["graphMode"].as_str() == Some("area"),
            },
            "gauge" => PanelKind::Gauge {
                reduce: reduce_of(self, reducer),
            },
            "bargauge" => PanelKind::BarGauge {
                reduce: reduce_of(self, reducer),
                horizontal: options["orientation"].as_str() == Some("horizontal"),
            },
            "table" | "table-old" => {
                if panel["styles"]
                    .as_array()
                    .is_some_and(|styles| !styles.is_empty())
                {
                    self.lost(
                        place.clone(),
                        "its column styles (renamed and formatted columns) are not converted",
                    );
                }
                PanelKind::Table
            }
            "text" => PanelKind::Text {
                mode: text(&options["mode"])
                    .or_else(|| text(&panel["mode"]))
                    .unwrap_or_else(|| "markdown".to_owned()),
                content: options["content"]
                    .as_str()
                    .or_else(|| panel["content"].as_str())
                    .unwrap_or("")
                    .to_owned(),
            },
            "heatmap" => PanelKind::Heatmap,
            "" => {
                self.lost(place, "it has no type and is not converted");
                return None;
            }
            other => {
                self.lost(
                    place,
                    format!(
                        "its type {other:?} is not one KubeDesk draws (time series, stat, gauge, bar gauge, table, text, heatmap), so it is left out"
                    ),
                );
                return None;
            }
        };
        if panel["transformations"]
            .as_array()
            .is_some_and(|steps| !steps.is_empty())
        {
            self.lost(
                place.clone(),
                "its transformations are not converted: the queries' results are shown as they come",
            );
        }
        if panel["fieldConfig"]["overrides"]
            .as_array()
            .is_some_and(|overrides| !overrides.is_empty())
        {
            self.lost(
                place.clone(),
                "its field overrides (per-series units, colours and names) are not converted",
            );
        }
        let mappings = defaults["mappings"]
            .as_array()
            .or_else(|| panel["valueMaps"].as_array())
            .or_else(|| legacy_fields["defaults"]["mappings"].as_array());
        if mappings.is_some_and(|mappings| !mappings.is_empty()) {
            self.lost(
                place.clone(),
                "its value mappings (values shown as words) are not converted",
            );
        }
        if panel["links"]
            .as_array()
            .is_some_and(|links| !links.is_empty())
        {
            self.lost(place.clone(), "its links are not converted");
        }
        let legacy = &legacy_fields["defaults"];
        let first_axis = &panel["yaxes"][0];
        let unit = text(&defaults["unit"])
            .or_else(|| text(&legacy["unit"]))
            .or_else(|| text(&first_axis["format"]))
            .or_else(|| text(&panel["format"]))
            .filter(|unit| unit != "none" && unit != "short");
        let (panel_source, other) = datasource(&panel["datasource"]);
        if let Some(other) = other {
            self.lost(
                place.clone(),
                format!(
                    "it reads a {other} data source; only Prometheus is read, so it is left out"
                ),
            );
            return None;
        }
        let queries = self.queries(&place, panel);
        let grid = legacy_grid.unwrap_or_else(|| Grid {
            x: whole(&panel["gridPos"]["x"]).unwrap_or(0).min(23),
            y: whole(&panel["gridPos"]["y"]).unwrap_or(0),
            w: whole(&panel["gridPos"]["w"]).unwrap_or(12).clamp(1, 24),
            h: whole(&panel["gridPos"]["h"]).unwrap_or(8).max(1),
        });
        Some(Panel {
            title: text(&panel["title"]).unwrap_or_default(),
            description: text(&panel["description"]),
            kind,
            grid,
            queries,
            unit,
            decimals: whole(&defaults["decimals"])
                .or_else(|| whole(&legacy["decimals"]))
                .or_else(|| whole(&panel["decimals"])),
            min: number(&defaults["min"])
                .or_else(|| number(&legacy["min"]))
                .or_else(|| number(&first_axis["min"]))
                .or_else(|| number(&panel["gauge"]["minValue"])),
            max: number(&defaults["max"])
                .or_else(|| number(&legacy["max"]))
                .or_else(|| number(&first_axis["max"]))
                .or_else(|| number(&panel["gauge"]["maxValue"])),
            thresholds: thresholds(panel),
            repeat: text(&panel["repeat"]).map(|variable| Repeat {
                variable,
                across: panel["repeatDirection"].as_str() != Some("v"),
            }),
            datasource: panel_source,
        })
    }

    fn queries(&mut self, place: &str, panel: &Value) -> Vec<Query> {
        let mut queries = Vec::new();
        for (index, target) in panel["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ref_id = text(&target["refId"]).unwrap_or_else(|| {
                char::from_u32(u32::from(b'A') + (index as u32 % 26))
                    .unwrap_or('A')
                    .to_string()
            });
            let (_, other) = datasource(&target["datasource"]);
            if let Some(other) = other {
                self.lost(
                    place,
                    format!("its query {ref_id} reads a {other} data source and is left out"),
                );
                continue;
            }
            let Some(expr) = text(&target["expr"]).or_else(|| text(&target["expression"])) else {
                if !flag(&target["hide"]) {
                    self.lost(
                        place,
                        format!("its query {ref_id} has no PromQL expression and is left out"),
                    );
                }
                continue;
            };
            queries.push(Query {
                ref_id,
                expr,
                legend: text(&target["legendFormat"]).filter(|legend| legend != "__auto"),
                instant: flag(&target["instant"]) && !flag(&target["range"]),
                min_step: text(&target["interval"]),
                hidden: flag(&target["hide"]),
            });
        }
        queries
    }
}

/// A panel's colour steps: the field options' steps (Grafana 7 and later, or a pre-7 gauge's),
/// singlestat's `thresholds` string with its three colours, or a graph's threshold lines.
fn thresholds(panel: &Value) -> Vec<Threshold> {
    let steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        .as_array()
        .or_else(|| panel["options"]["fieldOptions"]["defaults"]["thresholds"]["steps"].as_array())
        .or_else(|| panel["options"]["fieldOptions"]["defaults"]["thresholds"].as_array())
        .or_else(|| panel["options"]["fieldOptions"]["thresholds"].as_array());
    if let Some(steps) = steps {
        return steps
            .iter()
            .map(|step| Threshold {
                value: number(&step["value"]),
                color: text(&step["color"]).unwrap_or_else(|| "green".to_owned()),
            })
            .collect();
    }
    if let Some(limits) = panel["thresholds"]
        .as_str()
        .filter(|limits| !limits.trim().is_empty())
    {
        let colors: Vec<String> = panel["colors"]
            .as_array()
            .map(|colors| colors.iter().filter_map(text).collect())
            .unwrap_or_default();
        let color = |index: usize, fallback: &str| {
            colors
                .get(index)
                .cloned()
                .unwrap_or_else(|| fallback.to_owned())
        };
        let mut steps = vec![Threshold {
            value: None,
            color: color(0, "green"),
        }];
        for (index, limit) in limits
            .split(',')
            .filter_map(|limit| limit.trim().parse().ok())
            .enumerate()
        {
            steps.push(Threshold {
                value: Some(limit),
                color: color(index + 1, if index == 0 { "orange" } else { "red" }),
            });
        }
        return steps;
    }
    panel["thresholds"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(|line| {
                    Some(Threshold {
                        value: Some(number(&line["value"])?),
                        color: match line["colorMode"].as_str() {
                            Some("critical") => "red".to_owned(),
                            Some("warning") => "orange".to_owned(),
                            Some("ok") => "green".to_owned(),
                            _ => text(&line["lineColor"]).unwrap_or_else(|| "red".to_owned()),
                        },
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_queries_are_read_with_selectors_that_hold_commas() {
        assert_eq!(
            variable_query(
                "label_values(node_cpu_seconds_total{cluster=\"$cluster\", mode=\"idle\"}, job)"
            ),
            Some(VariableQuery::LabelValues {
                series: Some("node_cpu_seconds_total{cluster=\"$cluster\", mode=\"idle\"}".into()),
                label: "job".into()
            })
        );
        assert_eq!(
            variable_query("label_values(instance)"),
            Some(VariableQuery::LabelValues {
                series: None,
                label: "instance".into()
            })
        );
        assert_eq!(
            variable_query("query_result(topk(5, sum by (pod) (rate(x[5m]))))"),
            Some(VariableQuery::QueryResult {
                query: "topk(5, sum by (pod) (rate(x[5m])))".into()
            })
        );
        assert_eq!(
            variable_query("metrics(DCGM_.*)"),
            Some(VariableQuery::Metrics {
                regex: "DCGM_.*".into()
            })
        );
        assert_eq!(variable_query("up"), None);
        assert_eq!(variable_query("label_values("), None);
    }

    #[test]
    fn references_are_found_in_every_form_grafana_writes() {
        assert_eq!(
            references(
                "rate(x{a=~\"$gpu\", b=\"${node:regex}\", c=\"[[pod]]\"}[$__rate_interval]) $"
            ),
            ["gpu", "node", "pod", "__rate_interval"]
        );
    }

    #[test]
    fn custom_values_split_at_unescaped_commas() {
        assert_eq!(values("1s, 15s,30s , a\\,b,"), ["1s", "15s", "30s", "a,b"]);
    }

    #[test]
    fn data_sources_in_every_form() {
        assert_eq!(datasource(&Value::Null), (None, None));
        assert_eq!(
            datasource(&serde_json::json!("${DS_PROMETHEUS}")),
            (None, None)
        );
        assert_eq!(
            datasource(&serde_json::json!({"type": "prometheus", "uid": "${datasource}"})),
            (Some("$datasource".into()), None)
        );
        assert_eq!(
            datasource(&serde_json::json!("$datasource")),
            (Some("$datasource".into()), None)
        );
        assert_eq!(
            datasource(&serde_json::json!({"type": "loki", "uid": "abc"})),
            (None, Some("loki".into()))
        );
        assert_eq!(
            datasource(&serde_json::json!("-- Grafana --")),
            (None, Some("grafana".into()))
        );
    }
}
