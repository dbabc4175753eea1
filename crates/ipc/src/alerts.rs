//! Alerts: the active alerts of a cluster's Prometheus (pending and firing) and its alerting
//! rules with where each stands.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Asks the cluster's Prometheus for its alerts and alerting rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAlerts {
    /// The context.
    pub context: String,
}

impl Command for GetAlerts {
    const NAME: &'static str = "get_alerts";
    type Output = Alerts;
}

/// A cluster's alerts and alerting rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerts {
    /// Where the Prometheus asked is (`namespace/service:port`).
    pub place: String,
    /// The active alerts, firing first.
    pub alerts: Vec<AlertView>,
    /// The alerting rules, by group, as Prometheus lists them.
    pub rules: Vec<AlertRuleView>,
}

/// Where an alert or a rule stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStanding {
    /// Its condition holds, for less than the rule's `for`.
    Pending,
    /// Its condition has held for the rule's `for`.
    Firing,
    /// Its condition does not hold.
    #[default]
    Inactive,
}

/// An active alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    /// Its rule's name.
    pub name: String,
    /// Pending or firing.
    pub state: AlertStanding,
    /// Its `severity` label, when it has one.
    pub severity: Option<String>,
    /// Its `summary` annotation (or `message`, `description`), when it has one.
    pub summary: Option<String>,
    /// Its `description` annotation, when it has one besides the summary.
    pub description: Option<String>,
    /// Its other labels (`alertname` and `severity` left out).
    pub labels: Vec<(String, String)>,
    /// Since when its condition holds (RFC 3339).
    pub since: Option<String>,
    /// The value that made it active.
    pub value: Option<String>,
}

/// An alerting rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleView {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// Its condition.
    pub query: String,
    /// How long the condition must hold, seconds.
    pub for_seconds: u64,
    /// Firing, pending or inactive.
    pub state: AlertStanding,
    /// Whether its last evaluation succeeded (`ok`, `err`, `unknown`).
    pub health: String,
    /// Why its last evaluation failed.
    pub last_error: Option<String>,
    /// How many alerts it has active.
    pub active: usize,
}
