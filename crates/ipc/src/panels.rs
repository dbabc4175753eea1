//! Editing dashboards: a new dashboard (empty, or a copy of another), a panel as the editor shows
//! it, saved, deleted or previewed on the cluster's Prometheus, the metric names the PromQL
//! editor offers, and the dashboard's variables.

use serde::{Deserialize, Serialize};

use crate::{Command, DashboardEntry, PanelShape, PanelView, VariableChoice};

/// Where a panel is in its dashboard: its row, and its place in the row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelPlace {
    /// The row, from the top.
    pub row: usize,
    /// The panel, in the row.
    pub panel: usize,
}

/// A panel as the editor shows and sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelSpec {
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: Option<String>,
    /// What it draws (a text panel's text with it).
    pub shape: PanelShape,
    /// Grafana's unit id (`bytes`, `percent`, `celsius`), when it has one.
    pub unit: Option<String>,
    /// Decimals shown.
    pub decimals: Option<u32>,
    /// The value axis's or gauge's lowest value.
    pub min: Option<f64>,
    /// Its highest.
    pub max: Option<f64>,
    /// Its width in columns of 24.
    pub width: u32,
    /// Its height in grid units (30 px).
    pub height: u32,
    /// Colour steps: from each value up (`None`: from the lowest), its colour (a name such as
    /// `green`, `orange`, `red`, or `#rrggbb`).
    pub thresholds: Vec<(Option<f64>, String)>,
    /// Its queries, in order.
    pub queries: Vec<QuerySpec>,
}

/// A PromQL query of a panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySpec {
    /// The expression, with the dashboard's variables (`$node`) and Grafana's macros
    /// (`$__rate_interval`).
    pub expr: String,
    /// How each series is named (`GPU {{gpu}}`); empty: by its labels.
    pub legend: String,
    /// Whether the latest value alone is asked.
    pub instant: bool,
}

/// Makes a dashboard: empty, or a copy of another (a built-in one, to edit it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDashboard {
    /// Its title.
    pub title: String,
    /// The dashboard copied, by id.
    pub copy_of: Option<String>,
}

impl Command for CreateDashboard {
    const NAME: &'static str = "create_dashboard";
    type Output = DashboardEntry;
}

/// Reads a panel of a dashboard, to edit it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetPanel {
    /// The dashboard.
    pub id: String,
    /// The panel.
    pub place: PanelPlace,
}

impl Command for GetPanel {
    const NAME: &'static str = "get_panel";
    type Output = PanelSpec;
}

/// Keeps a panel in a dashboard: in its place, or, without one, added below the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavePanel {
    /// The dashboard.
    pub id: String,
    /// The panel replaced, or `None` to add one.
    pub place: Option<PanelPlace>,
    /// The panel.
    pub panel: PanelSpec,
}

impl Command for SavePanel {
    const NAME: &'static str = "save_panel";
    type Output = ();
}

/// Removes a panel from a dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePanel {
    /// The dashboard.
    pub id: String,
    /// The panel.
    pub place: PanelPlace,
}

impl Command for DeletePanel {
    const NAME: &'static str = "delete_panel";
    type Output = ();
}

/// Runs a panel being edited on the cluster's Prometheus, with the dashboard's variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviewPanel {
    /// The context.
    pub context: String,
    /// The dashboard whose variables it uses.
    pub id: String,
    /// The panel.
    pub panel: PanelSpec,
    /// The range's start (the dashboard's own when empty).
    pub from: String,
    /// Its end.
    pub to: String,
    /// The variables' values chosen.
    pub variables: Vec<VariableChoice>,
}

impl Command for PreviewPanel {
    const NAME: &'static str = "preview_panel";
    type Output = PanelView;
}

/// The metric names the cluster's Prometheus has, for the PromQL editor to offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetMetricNames {
    /// The context.
    pub context: String,
}

impl Command for GetMetricNames {
    const NAME: &'static str = "get_metric_names";
    type Output = Vec<String>;
}

/// A dashboard variable as the editor shows and sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableSpec {
    /// Its name, as queries use it (`node` for `$node`).
    pub name: String,
    /// Its label on the dashboard; empty: its name.
    pub label: String,
    /// Where its values come from.
    pub kind: VariableSpecKind,
    /// Whether several values may be chosen.
    pub multi: bool,
    /// Whether All is offered.
    pub include_all: bool,
}

/// Where a variable's values come from, as the editor writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VariableSpecKind {
    /// A query to Prometheus, as Grafana writes it (`label_values(kube_node_info, node)`,
    /// `label_names()`, `metrics(regex)`, `query_result(query)`), and a regular expression that
    /// filters its values (empty: none).
    Query {
        /// The query.
        query: String,
        /// The filter.
        regex: String,
    },
    /// Values separated by commas (`\,` inside one).
    Custom {
        /// The values.
        values: String,
    },
    /// Intervals separated by commas (`1m, 5m, 1h`).
    Interval {
        /// The intervals.
        values: String,
    },
    /// One fixed value.
    Constant {
        /// The value.
        value: String,
    },
    /// A value typed on the dashboard.
    Textbox {
        /// Its value until one is typed.
        default: String,
    },
    /// The data source (Grafana's; KubeDesk has the cluster's Prometheus): kept as it is.
    Datasource,
}

impl Default for VariableSpecKind {
    fn default() -> Self {
        Self::Query {
            query: String::new(),
            regex: String::new(),
        }
    }
}

/// Reads a dashboard's variables, to edit them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetVariables {
    /// The dashboard.
    pub id: String,
}

impl Command for GetVariables {
    const NAME: &'static str = "get_variables";
    type Output = Vec<VariableSpec>;
}

/// Keeps a dashboard's variables, in the order given (each may use those before it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveVariables {
    /// The dashboard.
    pub id: String,
    /// Its variables.
    pub variables: Vec<VariableSpec>,
}

impl Command for SaveVariables {
    const NAME: &'static str = "save_variables";
    type Output = ();
}
