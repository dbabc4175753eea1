//! An Alertmanager API v2 client: the alerts it holds, each active, silenced or inhibited, with
//! the receivers it is routed to and the silences that hold it. Requests travel through the same
//! [`Transport`] as Prometheus's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::prometheus::{QueryError, Transport};

/// Where an alert stands in Alertmanager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// Routed to its receivers.
    Active,
    /// Held by one or more silences.
    Silenced,
    /// Held because another alert inhibits it.
    Inhibited,
    /// Received, not yet routed.
    Unprocessed,
}

/// An alert Alertmanager holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagedAlert {
    /// `alertname`.
    pub name: String,
    /// Where it stands.
    pub handling: Handling,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// The receivers its route sends it to.
    pub receivers: Vec<String>,
    /// The silences holding it, by id.
    pub silenced_by: Vec<String>,
    /// The alerts inhibiting it, by fingerprint.
    pub inhibited_by: Vec<String>,
    /// Since when it is active (RFC 3339).
    pub starts_at: String,
    /// Its fingerprint.
    pub fingerprint: String,
}

/// A silence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Silence {
    /// Its id.
    pub id: String,
    /// `active`, `pending` or `expired`.
    pub state: String,
    /// Its matchers, written as in PromQL (`alertname="X"`, `node=~"gpu-.*"`).
    pub matchers: Vec<String>,
    /// Who made it.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Until when (RFC 3339).
    pub ends_at: String,
}

/// An Alertmanager server.
#[derive(Debug, Clone)]
pub struct Alertmanager<T> {
    transport: T,
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn map(value: &serde_json::Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn managed(alert: &serde_json::Value) -> ManagedAlert {
    let status = &alert["status"];
    let silenced_by = strings(&status["silencedBy"]);
    let inhibited_by = strings(&status["inhibitedBy"]);
    let handling = match status["state"].as_str() {
        Some("active") => Handling::Active,
        // Suppressed: by a silence or by an inhibition (a silence named first).
        Some("suppressed") if !silenced_by.is_empty() => Handling::Silenced,
        Some("suppressed") => Handling::Inhibited,
        _ => Handling::Unprocessed,
    };
    let labels = map(&alert["labels"]);
    ManagedAlert {
        name: labels.get("alertname").cloned().unwrap_or_default(),
        handling,
        annotations: map(&alert["annotations"]),
        receivers: alert["receivers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|receiver| receiver["name"].as_str().map(str::to_owned))
            .collect(),
        silenced_by,
        inhibited_by,
        starts_at: alert["startsAt"].as_str().unwrap_or_default().to_owned(),
        fingerprint: alert["fingerprint"].as_str().unwrap_or_default().to_owned(),
        labels,
    }
}

fn matcher(matcher: &serde_json::Value) -> String {
    let equal = matcher["isEqual"].as_bool().unwrap_or(true);
    let operator = match (matcher["isRegex"].as_bool().unwrap_or(false), equal) {
        (false, true) => "=",
        (false, false) => "!=",
        (true, true) => "=~",
        (true, false) => "!~",
    };
    format!(
        "{}{operator}{:?}",
        matcher["name"].as_str().unwrap_or_default(),
        matcher["value"].as_str().unwrap_or_default()
    )
}

impl<T: Transport> Alertmanager<T> {
    /// Alertmanager reached through `transport`.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// GETs `path` and reads the JSON answer.
    async fn ask(&self, path: &str) -> Result<serde_json::Value, QueryError> {
        let (status, body) = self.transport.get(path).await?;
        let not_alertmanager = |detail: String| QueryError::NotAlertmanager {
            path: path.to_owned(),
            status,
            detail,
        };
        if status != 200 {
            return Err(not_alertmanager(
                String::from_utf8_lossy(&body[..body.len().min(200)])
                    .trim()
                    .to_owned(),
            ));
        }
        serde_json::from_slice(&body).map_err(|error| not_alertmanager(error.to_string()))
    }

    /// Its version (`0.25.0`), which also proves it is Alertmanager.
    pub async fn version(&self) -> Result<String, QueryError> {
        let status = self.ask("/api/v2/status").await?;
        status["versionInfo"]["version"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| QueryError::NotAlertmanager {
                path: "/api/v2/status".to_owned(),
                status: 200,
                detail: "no versionInfo in its status".to_owned(),
            })
    }

    /// Every alert it holds: active, silenced, inhibited.
    pub async fn alerts(&self) -> Result<Vec<ManagedAlert>, QueryError> {
        let alerts = self.ask("/api/v2/alerts").await?;
        Ok(alerts
            .as_array()
            .into_iter()
            .flatten()
            .map(managed)
            .collect())
    }

    /// Its silences, active, pending and expired.
    pub async fn silences(&self) -> Result<Vec<Silence>, QueryError> {
        let silences = self.ask("/api/v2/silences").await?;
        Ok(silences
            .as_array()
            .into_iter()
            .flatten()
            .map(|silence| Silence {
                id: silence["id"].as_str().unwrap_or_default().to_owned(),
                state: silence["status"]["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                matchers: silence["matchers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(matcher)
                    .collect(),
                created_by: silence["createdBy"].as_str().unwrap_or_default().to_owned(),
                comment: silence["comment"].as_str().unwrap_or_default().to_owned(),
                ends_at: silence["endsAt"].as_str().unwrap_or_default().to_owned(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_is_silenced_inhibited_or_active_as_its_status_says() {
        let alert = |state: &str, silenced: &[&str], inhibited: &[&str]| {
            managed(&serde_json::json!({
                "labels": {"alertname": "GpuHot", "node": "n1"},
                "annotations": {"summary": "hot"},
                "receivers": [{"name": "oncall"}],
                "status": {"state": state, "silencedBy": silenced, "inhibitedBy": inhibited},
                "startsAt": "2026-11-27T09:44:42.344Z",
                "fingerprint": "0f6c6734153eaee2",
            }))
        };
        let active = alert("active", &[], &[]);
        assert_eq!(active.handling, Handling::Active);
        assert_eq!(active.name, "GpuHot");
        assert_eq!(active.receivers, ["oncall"]);
        assert_eq!(
            alert("suppressed", &["s1"], &["f1"]).handling,
            Handling::Silenced
        );
        assert_eq!(
            alert("suppressed", &[], &["f1"]).handling,
            Handling::Inhibited
        );
        assert_eq!(
            alert("unprocessed", &[], &[]).handling,
            Handling::Unprocessed
        );
    }

    #[test]
    fn matchers_are_written_as_in_promql() {
        let written: Vec<String> = [
            (false, true),
            (false, false),
            (true, true),
            (true, false),
        ]
        .into_iter()
        .map(|(regex, equal)| {
            matcher(&serde_json::json!({"name": "node", "value": "gpu-.*", "isRegex": regex, "isEqual": equal}))
        })
        .collect();
        assert_eq!(
            written,
            [
                r#"node="gpu-.*""#,
                r#"node!="gpu-.*""#,
                r#"node=~"gpu-.*""#,
                r#"node!~"gpu-.*""#
            ]
        );
    }
}
