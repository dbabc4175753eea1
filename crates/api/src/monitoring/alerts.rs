//! `get_alerts`: the active alerts (pending and firing) and the alerting rules of the cluster's
//! Prometheus, asked through the API server's service proxy.

use kubedesk_ipc as ipc;
use kubedesk_metrics::prometheus::{Alert, AlertState};

use super::{prometheus_of, unreachable};
use crate::App;

fn standing(state: AlertState) -> ipc::AlertStanding {
    match state {
        AlertState::Pending => ipc::AlertStanding::Pending,
        AlertState::Firing => ipc::AlertStanding::Firing,
        AlertState::Inactive => ipc::AlertStanding::Inactive,
    }
}

fn alert_view(alert: Alert) -> ipc::AlertView {
    let mut annotations = alert.annotations;
    let summary = ["summary", "message", "description"]
        .into_iter()
        .find_map(|key| annotations.remove(key));
    ipc::AlertView {
        severity: alert.labels.get("severity").cloned(),
        labels: alert
            .labels
            .into_iter()
            .filter(|(name, _)| name != "alertname" && name != "severity")
            .collect(),
        description: annotations.remove("description"),
        summary,
        name: alert.name,
        state: standing(alert.state),
        // To the second, and the value as a number is written (Prometheus sends `4e+00`).
        since: alert.active_since.map(|since| {
            since
                .parse::<jiff::Timestamp>()
                .and_then(|at| at.round(jiff::Unit::Second))
                .map_or(since, |at| at.to_string())
        }),
        value: alert.value.map(|value| {
            value
                .parse::<f64>()
                .map_or(value, |number| ipc::units::format(None, number, None))
        }),
    }
}

/// The cluster's alerts and alerting rules.
pub async fn get_alerts(app: &App, request: ipc::GetAlerts) -> Result<ipc::Alerts, ipc::Error> {
    let (place, _, prometheus) = prometheus_of(app, &request.context).await?;
    let (alerts, rules) = futures_util::join!(prometheus.alerts(), prometheus.alert_rules());
    let mut alerts: Vec<ipc::AlertView> = alerts
        .map_err(|error| unreachable(&error))?
        .into_iter()
        .map(alert_view)
        .collect();
    // Firing first, then by name.
    alerts.sort_by(|a, b| {
        (a.state != ipc::AlertStanding::Firing, &a.name)
            .cmp(&(b.state != ipc::AlertStanding::Firing, &b.name))
    });
    let rules = rules
        .map_err(|error| unreachable(&error))?
        .into_iter()
        .map(|rule| ipc::AlertRuleView {
            group: rule.group,
            name: rule.name,
            query: rule.query,
            for_seconds: rule.for_seconds.max(0.0).round() as u64,
            state: standing(rule.state),
            health: rule.health,
            last_error: rule.last_error,
            active: rule.alerts.len(),
        })
        .collect();
    Ok(ipc::Alerts {
        place,
        alerts,
        rules,
    })
}
