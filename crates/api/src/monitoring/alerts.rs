//! `get_alerts`: the active alerts (pending and firing) and the alerting rules of the cluster's
//! Prometheus; and the alerts the cluster's Alertmanager holds (active, silenced, inhibited),
//! with the silences holding them; each asked through the API server's service proxy.

use kubedesk_cluster::prometheus::{self as finder, ALERTMANAGER};
use kubedesk_ipc as ipc;
use kubedesk_metrics::alertmanager::{Alertmanager, Handling, ManagedAlert, Silence};
use kubedesk_metrics::prometheus::{Alert, AlertState};

use super::reach::{Reach, prometheus_of};
use super::unreachable;
use crate::App;
use crate::clusters::client;

/// An RFC 3339 time to the second; as it came when it is not one.
fn to_second(time: String) -> String {
    time.parse::<jiff::Timestamp>()
        .and_then(|at| at.round(jiff::Unit::Second))
        .map_or(time, |at| at.to_string())
}

/// The `summary` of an alert's annotations (or its `message`, or `description`).
fn summary(annotations: &mut std::collections::BTreeMap<String, String>) -> Option<String> {
    ["summary", "message", "description"]
        .into_iter()
        .find_map(|key| annotations.remove(key))
}

/// Its labels but `alertname` and `severity`.
fn other_labels(labels: std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    labels
        .into_iter()
        .filter(|(name, _)| name != "alertname" && name != "severity")
        .collect()
}

fn standing(state: AlertState) -> ipc::AlertStanding {
    match state {
        AlertState::Pending => ipc::AlertStanding::Pending,
        AlertState::Firing => ipc::AlertStanding::Firing,
        AlertState::Inactive => ipc::AlertStanding::Inactive,
    }
}

fn alert_view(alert: Alert) -> ipc::AlertView {
    let mut annotations = alert.annotations;
    let summary = summary(&mut annotations);
    ipc::AlertView {
        severity: alert.labels.get("severity").cloned(),
        labels: other_labels(alert.labels),
        description: annotations.remove("description"),
        summary,
        name: alert.name,
        state: standing(alert.state),
        // To the second, and the value as a number is written (Prometheus sends `4e+00`).
        since: alert.active_since.map(to_second),
        value: alert.value.map(|value| {
            value
                .parse::<f64>()
                .map_or(value, |number| ipc::units::format(None, number, None))
        }),
    }
}

/// The cluster's alerts and alerting rules.
pub async fn get_alerts(app: &App, request: ipc::GetAlerts) -> Result<ipc::Alerts, ipc::Error> {
    let (located, prometheus) = prometheus_of(app, &request.context).await?;
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
        place: located.label(),
        alerts,
        rules,
        alertmanager: alertmanager(app, &request.context).await,
    })
}

/// The cluster's Alertmanager and the alerts it holds, or why they cannot be shown.
async fn alertmanager(app: &App, context: &str) -> ipc::AlertmanagerView {
    let not_found = |reason: String| ipc::AlertmanagerView::NotFound { reason };
    let client = match client::client(app, context).await {
        Ok(client) => client,
        Err(error) => return not_found(error.message),
    };
    let found = match finder::find(&client, &ALERTMANAGER).await {
        Ok(found) => found,
        Err(error) => return not_found(format!("No Alertmanager: {error}.")),
    };
    let place = found.service.label();
    let alertmanager = Alertmanager::new(Reach::Service {
        client,
        service: found.service,
    });
    let (alerts, silences) = futures_util::join!(alertmanager.alerts(), alertmanager.silences());
    match (alerts, silences) {
        (Ok(alerts), Ok(silences)) => ipc::AlertmanagerView::Found {
            place,
            version: found.version,
            alerts: managed_views(alerts, &silences),
        },
        (Err(error), _) | (_, Err(error)) => not_found(format!("{error}.")),
    }
}

/// Alertmanager's alerts in the contract's terms: active first, then silenced, inhibited and
/// unprocessed, each by name; silences and inhibiting alerts named.
fn managed_views(alerts: Vec<ManagedAlert>, silences: &[Silence]) -> Vec<ipc::ManagedAlertView> {
    let names: std::collections::HashMap<String, String> = alerts
        .iter()
        .map(|alert| (alert.fingerprint.clone(), alert.name.clone()))
        .collect();
    let mut views: Vec<ipc::ManagedAlertView> = alerts
        .into_iter()
        .map(|alert| {
            let mut annotations = alert.annotations;
            ipc::ManagedAlertView {
                name: alert.name,
                handling: match alert.handling {
                    Handling::Active => ipc::AlertHandling::Active,
                    Handling::Silenced => ipc::AlertHandling::Silenced,
                    Handling::Inhibited => ipc::AlertHandling::Inhibited,
                    Handling::Unprocessed => ipc::AlertHandling::Unprocessed,
                },
                severity: alert.labels.get("severity").cloned(),
                summary: summary(&mut annotations),
                labels: other_labels(alert.labels),
                receivers: alert.receivers,
                silences: alert
                    .silenced_by
                    .iter()
                    .filter_map(|id| silences.iter().find(|silence| &silence.id == id))
                    .map(|silence| ipc::SilenceView {
                        matchers: silence.matchers.clone(),
                        created_by: silence.created_by.clone(),
                        comment: silence.comment.clone(),
                        ends_at: to_second(silence.ends_at.clone()),
                    })
                    .collect(),
                inhibited_by: alert
                    .inhibited_by
                    .into_iter()
                    .map(|fingerprint| names.get(&fingerprint).cloned().unwrap_or(fingerprint))
                    .collect(),
                since: to_second(alert.starts_at),
            }
        })
        .collect();
    views.sort_by(|a, b| {
        (a.handling as u8, &a.name, &a.labels).cmp(&(b.handling as u8, &b.name, &b.labels))
    });
    views
}
