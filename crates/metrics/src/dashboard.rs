//! The native dashboard: rows of panels on a 24-column grid, each panel a kind of chart over
//! PromQL queries, with variables, a time range and a refresh interval. It is what KubeDesk keeps,
//! edits and draws; a Grafana dashboard is imported into it (`crate::grafana`).

use serde::{Deserialize, Serialize};

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Its title.
    pub title: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The time range shown when it opens.
    pub time: TimeRange,
    /// How often it refreshes by itself (`30s`, `1m`), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
    /// Its variables, in the order they are shown (and resolved, each after those it uses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    /// Its rows of panels, top to bottom.
    pub rows: Vec<Row>,
}

/// A time range in Grafana's notation: `now-1h` to `now`, or absolute times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Its start.
    pub from: String,
    /// Its end.
    pub to: String,
}

impl Default for TimeRange {
    fn default() -> Self {
        Self {
            from: "now-1h".to_owned(),
            to: "now".to_owned(),
        }
    }
}

/// A row of panels, with a title when it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Its title (`None` for the panels above the first titled row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Whether it opens folded.
    #[serde(default)]
    pub collapsed: bool,
    /// The variable it is repeated for, one row per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<String>,
    /// Its panels.
    pub panels: Vec<Panel>,
}

/// Where a panel sits on the 24-column grid, in grid units (a unit of height is 30 px).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Its column, 0 to 23.
    pub x: u32,
    /// Its row within the dashboard.
    pub y: u32,
    /// Its width in columns, 1 to 24.
    pub w: u32,
    /// Its height.
    pub h: u32,
}

/// A panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// Its title.
    pub title: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What it draws.
    pub kind: PanelKind,
    /// Where it sits.
    pub grid: Grid,
    /// Its queries, drawn in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<Query>,
    /// The unit of its values (Grafana's unit ids: `bytes`, `percentunit`, `celsius`, `watt`,
    /// `Bps`, `s`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Decimals shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// The value axis's or the gauge's lowest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The value axis's or the gauge's highest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Colour steps: from each value up, its colour (the first step starts at the lowest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// The variable it is repeated for, one panel per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    /// The data source, when not the dashboard's (a variable such as `$datasource`, or a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource: Option<String>,
}

/// What a panel draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PanelKind {
    /// Lines or bars over time.
    TimeSeries {
        /// Lines, bars or points.
        draw: Draw,
        /// Whether the series are stacked.
        #[serde(default)]
        stacked: bool,
        /// Whether the area under the lines is filled.
        #[serde(default)]
        filled: bool,
        /// Whether the legend is hidden.
        #[serde(default)]
        legend_hidden: bool,
    },
    /// One big number per series, with what it is reduced from the series by.
    Stat {
        /// How a series becomes one value.
        reduce: Reduce,
        /// Whether a sparkline is drawn behind the number.
        #[serde(default)]
        sparkline: bool,
    },
    /// A round gauge per series.
    Gauge {
        /// How a series becomes one value.
        reduce: Reduce,
    },
    /// A bar per series.
    BarGauge {
        /// How a series becomes one value.
        reduce: Reduce,
        /// Whether the bars lie across.
        #[serde(default)]
        horizontal: bool,
    },
    /// The series' latest values, one row each.
    Table,
    /// Text (Markdown or HTML as text).
    Text {
        /// `markdown` or `html`.
        mode: String,
        /// The text.
        content: String,
    },
    /// A heatmap of buckets over time.
    Heatmap,
}

/// How a time series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Draw {
    /// Lines.
    Lines,
    /// Bars.
    Bars,
    /// Points.
    Points,
}

/// How a series is reduced to one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduce {
    /// The last value.
    Last,
    /// The lowest.
    Min,
    /// The highest.
    Max,
    /// The mean.
    Mean,
    /// The sum.
    Sum,
    /// The first value.
    First,
    /// The number of values.
    Count,
}

/// A PromQL query of a panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Its reference (`A`).
    pub ref_id: String,
    /// The expression, with the dashboard's variables (`$cluster`, `${gpu:regex}`) and Grafana's
    /// macros (`$__rate_interval`, `$__interval`, `$__range`) as written, expanded at query time.
    pub expr: String,
    /// How each series is named in the legend (`GPU {{gpu}}`), when not by its labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend: Option<String>,
    /// Whether it asks for the latest value only.
    #[serde(default)]
    pub instant: bool,
    /// The least step (`30s`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_step: Option<String>,
    /// Whether it is hidden (run only for others that refer to it).
    #[serde(default)]
    pub hidden: bool,
}

/// A colour step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Where it starts (`None`: from the lowest value).
    pub value: Option<f64>,
    /// Its colour, a name (`green`, `red`) or `#rrggbb`.
    pub color: String,
}

/// A panel repeated for each value of a variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    /// The variable.
    pub variable: String,
    /// Whether the copies go across (else down).
    pub across: bool,
}

/// A variable of a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// Its name, as queries refer to it (`cluster` for `$cluster`).
    pub name: String,
    /// Its label on the dashboard, when not its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What its values are.
    pub kind: VariableKind,
    /// Whether several values may be chosen.
    #[serde(default)]
    pub multi: bool,
    /// Whether "All" is offered, and the value it stands for when not every value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<AllValue>,
    /// The values chosen when the dashboard opens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub current: Vec<String>,
    /// Whether it is hidden from the dashboard's bar.
    #[serde(default)]
    pub hidden: bool,
}

/// The "All" choice of a variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllValue {
    /// What "All" stands for in queries (`.*`), when not every value joined.
    pub custom: Option<String>,
}

/// Where a variable's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VariableKind {
    /// A Prometheus query.
    Query {
        /// Which query.
        query: VariableQuery,
        /// A regular expression that filters (and with a group, extracts) the values.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regex: Option<String>,
        /// When the values are asked for again.
        refresh: Refresh,
        /// How the values are sorted (Grafana's numbers: 0 none, 1 alphabetical, 3 numerical,
        /// 5 alphabetical case-insensitive; even ones descending).
        #[serde(default)]
        sort: u32,
    },
    /// Values written out.
    Custom {
        /// The values.
        options: Vec<String>,
    },
    /// Time intervals (`1m`, `5m`), with `auto` when offered.
    Interval {
        /// The intervals.
        options: Vec<String>,
        /// Whether `auto` is offered: the range divided into `auto_count` steps, at least
        /// `auto_min`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto: Option<AutoInterval>,
    },
    /// One fixed value.
    Constant {
        /// The value.
        value: String,
    },
    /// The data sources of a kind (`prometheus`).
    Datasource {
        /// The kind.
        plugin: String,
        /// A regular expression their names must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regex: Option<String>,
    },
    /// A value the user types.
    Textbox {
        /// Its value until the user types another.
        default: String,
    },
}

/// An interval variable's `auto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoInterval {
    /// Into how many steps the time range is divided.
    pub count: u32,
    /// The shortest interval.
    pub min: String,
}

/// What a query variable asks Prometheus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "function", rename_all = "snake_case")]
pub enum VariableQuery {
    /// `label_values([metric or selector,] label)`: the values of a label.
    LabelValues {
        /// The series whose label values are wanted (`kube_node_info`, `up{job="x"}`), when
        /// not all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<String>,
        /// The label.
        label: String,
    },
    /// `label_names([selector])`: the label names.
    LabelNames {
        /// The series whose label names are wanted, when not all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<String>,
    },
    /// `metrics(regex)`: the metric names matching a regular expression.
    Metrics {
        /// The regular expression.
        regex: String,
    },
    /// `query_result(query)`: each series of an instant query, as text, for the regex to pick
    /// from.
    QueryResult {
        /// The query.
        query: String,
    },
}

impl std::fmt::Display for VariableQuery {
    /// As Grafana writes it, and [`crate::grafana::variable_query`] reads it.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VariableQuery::LabelValues {
                series: Some(series),
                label,
            } => write!(formatter, "label_values({series}, {label})"),
            VariableQuery::LabelValues {
                series: None,
                label,
            } => write!(formatter, "label_values({label})"),
            VariableQuery::LabelNames { series } => {
                write!(
                    formatter,
                    "label_names({})",
                    series.as_deref().unwrap_or("")
                )
            }
            VariableQuery::Metrics { regex } => write!(formatter, "metrics({regex})"),
            VariableQuery::QueryResult { query } => write!(formatter, "query_result({query})"),
        }
    }
}

/// When a query variable's values are asked for again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refresh {
    /// Never (the values saved with the dashboard).
    Never,
    /// When the dashboard opens.
    OnLoad,
    /// When the time range changes.
    OnTimeChange,
}
