//! Alerts: the active alerts of a cluster's Prometheus (pending and firing) and its alerting
//! rules with where each stands; and the alerts its Alertmanager holds, active, silenced or
//! inhibited.

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
    /// The cluster's Alertmanager and what it holds.
    pub alertmanager: AlertmanagerView,
}

/// A cluster's Alertmanager.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AlertmanagerView {
    /// Found through the API server's service proxy.
    Found {
        /// `namespace/service:port`.
        place: String,
        /// Its version.
        version: String,
        /// The alerts it holds: active first, then silenced, inhibited, unprocessed.
        alerts: Vec<ManagedAlertView>,
    },
    /// Not found or not answering, and why.
    NotFound {
        /// Where it was looked for, or what the services found answered.
        reason: String,
    },
    /// Not asked.
    #[default]
    Unknown,
}

/// Where an alert stands in Alertmanager.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertHandling {
    /// Sent to its receivers.
    #[default]
    Active,
    /// Held by a silence.
    Silenced,
    /// Held because another alert inhibits it.
    Inhibited,
    /// Received, not routed yet.
    Unprocessed,
}

/// An alert Alertmanager holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedAlertView {
    /// `alertname`.
    pub name: String,
    /// Where it stands.
    pub handling: AlertHandling,
    /// Its `severity` label.
    pub severity: Option<String>,
    /// Its `summary` annotation (or `message`, `description`).
    pub summary: Option<String>,
    /// Its other labels.
    pub labels: Vec<(String, String)>,
    /// The receivers it is sent to.
    pub receivers: Vec<String>,
    /// The silences holding it: their matchers, who made them, why and until when.
    pub silences: Vec<SilenceView>,
    /// The alerts inhibiting it, by name (their fingerprint where Alertmanager no longer holds
    /// them).
    pub inhibited_by: Vec<String>,
    /// Since when it is active (RFC 3339, to the second).
    pub since: String,
}

/// A silence holding an alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceView {
    /// Its matchers (`alertname="GpuHeldButIdle"`).
    pub matchers: Vec<String>,
    /// Who made it.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Until when (RFC 3339, to the second).
    pub ends_at: String,
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
