//! Monitoring: where a cluster's Prometheus was found, the dashboards (built-in and imported),
//! a dashboard run for a time range with its panels' series, and a Grafana dashboard imported.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Asks where the cluster's Prometheus stands and which dashboards there are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetMonitoring {
    /// The context.
    pub context: String,
}

impl Command for GetMonitoring {
    const NAME: &'static str = "get_monitoring";
    type Output = Monitoring;
}

/// A cluster's Prometheus and the dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitoring {
    /// Where its Prometheus stands.
    pub prometheus: PrometheusState,
    /// The dashboards, built-in first.
    pub dashboards: Vec<DashboardEntry>,
    /// The Prometheus the user gave for this cluster, when it is not found in the cluster.
    pub given: Option<PrometheusGiven>,
    /// The etcd members Prometheus scrapes, the leader tagged; empty when it scrapes none.
    pub etcd: Vec<EtcdMemberView>,
}

/// An etcd member, as its metrics in Prometheus report it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtcdMemberView {
    /// Where Prometheus scrapes it (`10.0.0.5:2381`).
    pub instance: String,
    /// Whether it leads (`etcd_server_is_leader` is 1).
    pub leader: bool,
    /// Whether it sees a leader (`etcd_server_has_leader`), when it says.
    pub has_leader: Option<bool>,
    /// Whether Prometheus's last scrape of it succeeded (`up`), when known.
    pub up: Option<bool>,
}

/// A Prometheus given by URL for a cluster, as it is kept (its token or password are in the
/// keyring, never here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrometheusGiven {
    /// Its URL (`https://prometheus.example.com`, with a path prefix when it is served under one).
    pub url: String,
    /// How it is signed in to.
    #[serde(default)]
    pub auth: PrometheusAuth,
    /// A CA file (PEM) to trust besides the system's, for a Prometheus with a certificate of its
    /// own.
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// How a Prometheus given by URL is signed in to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrometheusAuth {
    /// Not at all.
    #[default]
    None,
    /// A bearer token (kept in the keyring).
    Bearer,
    /// A user name and a password (kept in the keyring).
    Basic {
        /// The user name.
        username: String,
    },
}

/// Sets where a cluster's Prometheus is: given by URL, checked before it is kept; or, with
/// `given` empty, found in the cluster again. Its `Debug` form does not show the secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPrometheus {
    /// The context.
    pub context: String,
    /// The Prometheus, or `None` to look for it in the cluster.
    pub given: Option<PrometheusGiven>,
    /// The token or password, for the keyring; `None` keeps the one kept before.
    pub secret: Option<String>,
}

impl std::fmt::Debug for SetPrometheus {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SetPrometheus")
            .field("context", &self.context)
            .field("given", &self.given)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Command for SetPrometheus {
    const NAME: &'static str = "set_prometheus";
    type Output = Monitoring;
}

/// Where a cluster's Prometheus stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PrometheusState {
    /// Found, through the API server's service proxy, or at the URL given.
    Found {
        /// `namespace/service:port`, or the URL.
        place: String,
        /// Its version.
        version: String,
    },
    /// Not found, and why.
    NotFound {
        /// Why (what was looked for, or what the services found answered).
        reason: String,
    },
    /// The cluster could not be asked.
    #[default]
    Unknown,
}

/// A dashboard in the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardEntry {
    /// Its id (`gpu` for a built-in one, `imported-…` for an imported one).
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: Option<String>,
    /// Whether KubeDesk ships it.
    pub built_in: bool,
    /// The file it was imported from.
    pub source: Option<String>,
}

/// Runs a dashboard for a time range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowDashboard {
    /// The context whose Prometheus it runs on.
    pub context: String,
    /// The dashboard.
    pub id: String,
    /// The range's start in Grafana's notation (`now-6h`, an RFC 3339 time, epoch ms); the
    /// dashboard's own when empty.
    pub from: String,
    /// Its end (`now`).
    pub to: String,
    /// The values chosen per variable (`$__all` for All); a variable not named keeps the
    /// dashboard's.
    pub variables: Vec<VariableChoice>,
}

impl Command for ShowDashboard {
    const NAME: &'static str = "show_dashboard";
    type Output = DashboardView;
}

/// The values chosen for a variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableChoice {
    /// The variable.
    pub name: String,
    /// Its values.
    pub values: Vec<String>,
}

/// A dashboard run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: Option<String>,
    /// The range asked (`now-1h` to `now`).
    pub from: String,
    /// Its end.
    pub to: String,
    /// The range, ms since the epoch.
    pub start_ms: i64,
    /// Its end.
    pub end_ms: i64,
    /// Seconds between points.
    pub step: u64,
    /// How often it refreshes by itself (`30s`), when it does.
    pub refresh: Option<String>,
    /// Its variables.
    pub variables: Vec<VariableView>,
    /// Its rows.
    pub rows: Vec<RowView>,
    /// Whether its panels may be edited here (an imported or a created dashboard; a built-in
    /// one is copied first).
    pub editable: bool,
    /// What its import could not convert, one line each.
    pub report: Vec<String>,
}

/// A variable on the dashboard's bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableView {
    /// Its name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// The values to choose from.
    pub options: Vec<String>,
    /// The values chosen (`$__all` for All).
    pub chosen: Vec<String>,
    /// Whether several may be chosen.
    pub multi: bool,
    /// Whether All is offered.
    pub all: bool,
    /// Whether the value is typed.
    pub typed: bool,
    /// Why it has no values.
    pub error: Option<String>,
}

/// A row of panels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowView {
    /// Its title.
    pub title: Option<String>,
    /// Whether it opens folded.
    pub collapsed: bool,
    /// Its panels.
    pub panels: Vec<PanelView>,
}

/// What a panel draws.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum PanelShape {
    /// Lines over time.
    #[default]
    TimeSeries,
    /// Filled areas over time, stacked when `stacked`.
    Area {
        /// Whether the series stack.
        stacked: bool,
    },
    /// Bars over time.
    Bars,
    /// One big number per series.
    Stat,
    /// A gauge per series.
    Gauge,
    /// A bar per series.
    BarGauge,
    /// A row per series with its value.
    Table,
    /// Text.
    Text {
        /// The text, as written.
        content: String,
    },
    /// A heatmap (not drawn yet).
    Heatmap,
}

/// A panel with its series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelView {
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: Option<String>,
    /// What it draws.
    pub shape: PanelShape,
    /// Its width in columns of 24.
    pub width: u32,
    /// Its height in grid units (30 px).
    pub height: u32,
    /// Grafana's unit id (`bytes`, `percent`, `celsius`).
    pub unit: Option<String>,
    /// Decimals shown.
    pub decimals: Option<u32>,
    /// The value axis's or gauge's lowest value.
    pub min: Option<f64>,
    /// Its highest.
    pub max: Option<f64>,
    /// Colour steps: from each value up (`None`: from the lowest), its colour.
    pub thresholds: Vec<(Option<f64>, String)>,
    /// The times of its points, ms since the epoch.
    pub times: Vec<i64>,
    /// Its series.
    pub series: Vec<SeriesView>,
    /// What its queries could not show (the query and Prometheus's words).
    pub errors: Vec<String>,
    /// Where it is in its dashboard, to edit it.
    pub place: crate::PanelPlace,
}

/// A series of a panel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesView {
    /// Its name.
    pub name: String,
    /// Its values at the panel's times.
    pub values: Vec<Option<f64>>,
    /// The one value a stat, gauge or table shows.
    pub value: Option<f64>,
}

/// Imports a Grafana dashboard's JSON file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDashboard {
    /// The file.
    pub path: String,
}

impl Command for ImportDashboard {
    const NAME: &'static str = "import_dashboard";
    type Output = ImportedDashboard;
}

/// A dashboard imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedDashboard {
    /// Its entry in the list.
    pub entry: DashboardEntry,
    /// What could not be converted, one line each.
    pub report: Vec<String>,
}

/// Deletes an imported dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteDashboard {
    /// Its id.
    pub id: String,
}

impl Command for DeleteDashboard {
    const NAME: &'static str = "delete_dashboard";
    type Output = ();
}
