//! A Prometheus HTTP API client: instant and range queries, label names and values, the active
//! alerts and the alerting rules with where they stand, the etcd members with the leader tagged,
//! each answer typed,
//! a PromQL error returned with the query that caused it. How requests travel is a
//! [`Transport`]: plain HTTP to a URL here ([`Http`]); the API server's service proxy and
//! authenticated HTTPS come with the cluster's Prometheus.

use std::future::Future;

use http_body_util::{BodyExt, Empty};
use serde::{Deserialize, Serialize};

/// Carries a GET of a path and query to Prometheus and brings back the status and body.
pub trait Transport {
    /// GETs `path_and_query` (`/api/v1/query?query=…`).
    fn get(
        &self,
        path_and_query: &str,
    ) -> impl Future<Output = Result<(u16, Vec<u8>), QueryError>> + Send;
}

/// Why a query has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Prometheus could not be reached.
    #[error("Prometheus at {url} cannot be reached: {detail}")]
    Unreachable {
        /// Where it was asked.
        url: String,
        /// Why.
        detail: String,
    },
    /// Prometheus refused the query (bad PromQL, a timeout, too many points).
    #[error("Prometheus refused the query {query}: {message} ({kind})")]
    Promql {
        /// The query, as sent.
        query: String,
        /// Prometheus's `errorType` (`bad_data`, `timeout`, `execution`).
        kind: String,
        /// Its `error`.
        message: String,
    },
    /// The answer is not Alertmanager's API (another server, a proxy's error page).
    #[error("the answer to {path} is not Alertmanager's (HTTP {status}): {detail}")]
    NotAlertmanager {
        /// What was asked.
        path: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        detail: String,
    },
    /// The answer is not Prometheus's API (another server, a proxy's error page).
    #[error("the answer to {query} is not Prometheus's (HTTP {status}): {detail}")]
    NotPrometheus {
        /// The query.
        query: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        detail: String,
    },
}

/// One series of a range query: its labels and its points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Its labels (`__name__` included when Prometheus keeps it).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Its points: seconds since the epoch, and the value (`NaN` and infinities as Prometheus
    /// sends them).
    pub points: Vec<(f64, f64)>,
}

/// Where an alert, or an alerting rule, stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Its condition holds, for less than the rule's `for`.
    Pending,
    /// Its condition has held for the rule's `for`.
    Firing,
    /// Its condition does not hold.
    Inactive,
}

/// An active alert: pending or firing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Its rule's name (`alertname`).
    pub name: String,
    /// Pending or firing.
    pub state: AlertState,
    /// Its labels (`alertname` and the rule's and the series' labels).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Its annotations (`summary`, `description`), their templates filled in.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// Since when its condition holds (RFC 3339).
    pub active_since: Option<String>,
    /// The value that made it active.
    pub value: Option<String>,
}

/// An alerting rule and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRule {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// Its condition.
    pub query: String,
    /// How long the condition must hold before it fires, seconds.
    pub for_seconds: f64,
    /// Firing when any of its alerts fires, else pending when any is pending, else inactive.
    pub state: AlertState,
    /// `ok`, `err` or `unknown`: whether its last evaluation succeeded.
    pub health: String,
    /// Why its last evaluation failed, when it did.
    pub last_error: Option<String>,
    /// Its active alerts.
    pub alerts: Vec<Alert>,
}

/// An etcd member, as its own metrics report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EtcdMember {
    /// Where Prometheus scrapes it (`10.0.0.5:2381`).
    pub instance: String,
    /// Its host (`10.0.0.5`), to match it to its node.
    pub host: String,
    /// Whether it is the leader (`etcd_server_is_leader` is 1).
    pub leader: bool,
    /// Whether it sees a leader (`etcd_server_has_leader`), when it reports it.
    pub has_leader: Option<bool>,
    /// Whether Prometheus's last scrape of it succeeded (`up`), when known.
    pub up: Option<bool>,
}

/// An alert as `/api/v1/alerts` and `/api/v1/rules` write it.
fn alert(value: &serde_json::Value) -> Option<Alert> {
    let strings = |value: &serde_json::Value| labels(value);
    let labels = strings(&value["labels"]);
    Some(Alert {
        name: labels.get("alertname").cloned().unwrap_or_default(),
        state: serde_json::from_value(value["state"].clone()).ok()?,
        annotations: strings(&value["annotations"]),
        labels,
        active_since: value["activeAt"].as_str().map(str::to_owned),
        value: value["value"].as_str().map(str::to_owned),
    })
}

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus<T> {
    transport: T,
}

/// Percent-encodes `text` for a URL's query.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default, rename = "errorType")]
    error_type: String,
    #[serde(default)]
    error: String,
}

/// A sample value as Prometheus writes it: a string (`"1.5"`, `"NaN"`, `"+Inf"`).
fn value(text: &serde_json::Value) -> f64 {
    match text.as_str() {
        Some("+Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        Some(text) => text.parse().unwrap_or(f64::NAN),
        None => f64::NAN,
    }
}

/// `15s`, `1m`, `1m30s` in seconds, as Prometheus writes a duration.
fn seconds(text: &str) -> Option<u64> {
    let mut total = 0;
    let mut number = String::new();
    for character in text.chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        let count: u64 = number.parse().ok()?;
        number.clear();
        total += count
            * match character {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => return None,
            };
    }
    (number.is_empty() && total > 0).then_some(total)
}

/// A `[time, "value"]` pair as Prometheus writes it.
fn point(pair: &serde_json::Value) -> (f64, f64) {
    (pair[0].as_f64().unwrap_or(0.0), value(&pair[1]))
}

fn labels(metric: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    metric
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

impl<T: Transport> Prometheus<T> {
    /// Prometheus reached through `transport`.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// GETs `path_and_query` and reads Prometheus's answer, or its error for `query`.
    async fn ask(
        &self,
        query: &str,
        path_and_query: &str,
    ) -> Result<serde_json::Value, QueryError> {
        let (status, body) = self.transport.get(path_and_query).await?;
        let answer: Answer =
            serde_json::from_slice(&body).map_err(|error| QueryError::NotPrometheus {
                query: query.to_owned(),
                status,
                detail: format!(
                    "{error}; it begins {:?}",
                    String::from_utf8_lossy(&body[..body.len().min(80)])
                ),
            })?;
        if answer.status == "success" {
            Ok(answer.data)
        } else {
            Err(QueryError::Promql {
                query: query.to_owned(),
                kind: answer.error_type,
                message: answer.error,
            })
        }
    }

    /// The series of `query` from `start` to `end` (seconds since the epoch) every `step`
    /// seconds.
    pub async fn query_range(
        &self,
        query: &str,
        start: i64,
        end: i64,
        step: u64,
    ) -> Result<Vec<Series>, QueryError> {
        let data = self
            .ask(
                query,
                &format!(
                    "/api/v1/query_range?query={}&start={start}&end={end}&step={}",
                    encode(query),
                    step.max(1)
                ),
            )
            .await?;
        Ok(data["result"]
            .as_array()
            .map(|result| {
                result
                    .iter()
                    .map(|series| Series {
                        labels: labels(&series["metric"]),
                        points: series["values"]
                            .as_array()
                            .map(|values| values.iter().map(point).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Each series of `query` at `time` (seconds since the epoch), with its one value.
    pub async fn query(&self, query: &str, time: i64) -> Result<Vec<Series>, QueryError> {
        let data = self
            .ask(
                query,
                &format!("/api/v1/query?query={}&time={time}", encode(query)),
            )
            .await?;
        let result = &data["result"];
        Ok(match data["resultType"].as_str() {
            Some("scalar" | "string") => vec![Series {
                labels: Default::default(),
                points: vec![point(result)],
            }],
            _ => result
                .as_array()
                .map(|result| {
                    result
                        .iter()
                        .map(|series| Series {
                            labels: labels(&series["metric"]),
                            points: vec![point(&series["value"])],
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Its version (`2.42.0`), which also proves it is Prometheus.
    pub async fn version(&self) -> Result<String, QueryError> {
        let data = self.ask("build info", "/api/v1/status/buildinfo").await?;
        Ok(data["version"].as_str().unwrap_or_default().to_owned())
    }

    /// Its global scrape interval in seconds, from its configuration; `None` when it does not
    /// say (Grafana then assumes 15 s).
    pub async fn scrape_interval(&self) -> Option<u64> {
        let data = self
            .ask("configuration", "/api/v1/status/config")
            .await
            .ok()?;
        data["yaml"]
            .as_str()?
            .lines()
            .find_map(|line| line.trim().strip_prefix("scrape_interval:"))
            .and_then(|interval| seconds(interval.trim()))
    }

    /// The alerts active now, pending and firing.
    pub async fn alerts(&self) -> Result<Vec<Alert>, QueryError> {
        let data = self.ask("alerts", "/api/v1/alerts").await?;
        Ok(data["alerts"]
            .as_array()
            .map(|alerts| alerts.iter().filter_map(alert).collect())
            .unwrap_or_default())
    }

    /// Every alerting rule, by group, with where it stands and its active alerts.
    pub async fn alert_rules(&self) -> Result<Vec<AlertRule>, QueryError> {
        let data = self
            .ask("alerting rules", "/api/v1/rules?type=alert")
            .await?;
        let mut rules = Vec::new();
        for group in data["groups"].as_array().into_iter().flatten() {
            for rule in group["rules"].as_array().into_iter().flatten() {
                let Ok(state) = serde_json::from_value::<AlertState>(rule["state"].clone()) else {
                    continue;
                };
                rules.push(AlertRule {
                    group: group["name"].as_str().unwrap_or_default().to_owned(),
                    name: rule["name"].as_str().unwrap_or_default().to_owned(),
                    query: rule["query"].as_str().unwrap_or_default().to_owned(),
                    for_seconds: rule["duration"].as_f64().unwrap_or(0.0),
                    state,
                    health: rule["health"].as_str().unwrap_or("unknown").to_owned(),
                    last_error: rule["lastError"]
                        .as_str()
                        .filter(|error| !error.is_empty())
                        .map(str::to_owned),
                    alerts: rule["alerts"]
                        .as_array()
                        .map(|alerts| alerts.iter().filter_map(alert).collect())
                        .unwrap_or_default(),
                });
            }
        }
        Ok(rules)
    }

    /// The etcd members that report `etcd_server_is_leader` at `time`, the leader tagged, as
    /// KubeSphere's console tags it (each member exports the gauge; 1 on the leader), with whether
    /// each sees a leader and is up.
    pub async fn etcd_members(&self, time: i64) -> Result<Vec<EtcdMember>, QueryError> {
        let by_instance = |series: Vec<Series>| -> std::collections::BTreeMap<String, f64> {
            series
                .into_iter()
                .filter_map(|series| {
                    let instance = series.labels.get("instance")?.clone();
                    Some((instance, series.points.first()?.1))
                })
                .collect()
        };
        let leaders = by_instance(self.query("etcd_server_is_leader", time).await?);
        let has_leader = by_instance(self.query("etcd_server_has_leader", time).await?);
        let up = by_instance(self.query("up", time).await?);
        Ok(leaders
            .into_iter()
            .map(|(instance, leader)| EtcdMember {
                host: instance
                    .rsplit_once(':')
                    .map_or(instance.as_str(), |(host, _)| host)
                    .trim_matches(|c| c == '[' || c == ']')
                    .to_owned(),
                leader: leader == 1.0,
                has_leader: has_leader.get(&instance).map(|value| *value == 1.0),
                up: up.get(&instance).map(|value| *value == 1.0),
                instance,
            })
            .collect())
    }

    /// The label names of the series `series` selects (all when `None`), between `start` and
    /// `end`.
    pub async fn label_names(
        &self,
        series: Option<&str>,
        start: i64,
        end: i64,
    ) -> Result<Vec<String>, QueryError> {
        self.labels("/api/v1/labels", "label_names()", series, start, end)
            .await
    }

    /// The values label `label` takes, in the series `series` selects when given, between
    /// `start` and `end`.
    pub async fn label_values(
        &self,
        label: &str,
        series: Option<&str>,
        start: i64,
        end: i64,
    ) -> Result<Vec<String>, QueryError> {
        let path = format!("/api/v1/label/{}/values", encode(label));
        self.labels(&path, label, series, start, end).await
    }

    /// The strings a label endpoint at `path` answers for the series `series` selects; `what`
    /// names the question in an error when no series is given.
    async fn labels(
        &self,
        path: &str,
        what: &str,
        series: Option<&str>,
        start: i64,
        end: i64,
    ) -> Result<Vec<String>, QueryError> {
        let matching =
            series.map_or_else(String::new, |series| format!("&match[]={}", encode(series)));
        let data = self
            .ask(
                series.unwrap_or(what),
                &format!("{path}?start={start}&end={end}{matching}"),
            )
            .await?;
        Ok(strings(&data))
    }
}

/// A JSON array of strings.
fn strings(data: &serde_json::Value) -> Vec<String> {
    data.as_array()
        .map(|values| {
            values
                .iter()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Plain HTTP to a Prometheus at a URL (`http://127.0.0.1:9090`, with a path prefix when it is
/// served under one).
#[derive(Debug, Clone)]
pub struct Http {
    authority: String,
    prefix: String,
}

impl Http {
    /// Prometheus at `url`; `None` when it is not an `http://` URL.
    pub fn new(url: &str) -> Option<Self> {
        let rest = url.trim().strip_prefix("http://")?;
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!authority.is_empty()).then(|| Self {
            authority: authority.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{}", prefix.trim_end_matches('/'))
            },
        })
    }
}

impl Transport for Http {
    async fn get(&self, path_and_query: &str) -> Result<(u16, Vec<u8>), QueryError> {
        let url = format!("http://{}{}", self.authority, self.prefix);
        let unreachable = |detail: String| QueryError::Unreachable {
            url: url.clone(),
            detail,
        };
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|error| unreachable(error.to_string()))?;
        tokio::spawn(connection);
        let request = hyper::Request::get(format!("{}{path_and_query}", self.prefix))
            .header(hyper::header::HOST, &self.authority)
            .body(Empty::<bytes::Bytes>::new())
            .map_err(|error| unreachable(error.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| unreachable(error.to_string()))?
            .to_bytes();
        Ok((status, body.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers each query from a table, as a three-member etcd cluster's Prometheus would.
    struct Answers(Vec<(&'static str, String)>);

    impl Transport for Answers {
        async fn get(&self, path_and_query: &str) -> Result<(u16, Vec<u8>), QueryError> {
            let body = self
                .0
                .iter()
                .find(|(query, _)| path_and_query.contains(&format!("query={query}&")))
                .map_or(
                    r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                    |(_, body)| body.as_str(),
                );
            Ok((200, body.as_bytes().to_vec()))
        }
    }

    #[tokio::test]
    async fn the_etcd_leader_is_tagged_among_its_members() {
        let vector = |values: &[(&str, &str)]| -> String {
            let result: Vec<String> = values
                .iter()
                .map(|(instance, value)| {
                    format!(r#"{{"metric":{{"instance":"{instance}","job":"etcd"}},"value":[1795000000,"{value}"]}}"#)
                })
                .collect();
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
                result.join(",")
            )
        };
        let leaders = vector(&[
            ("10.0.0.1:2381", "0"),
            ("10.0.0.2:2381", "1"),
            ("10.0.0.3:2381", "0"),
        ]);
        let has_leader = vector(&[("10.0.0.1:2381", "1"), ("10.0.0.2:2381", "1")]);
        let up = vector(&[
            ("10.0.0.1:2381", "1"),
            ("10.0.0.2:2381", "1"),
            ("10.0.0.3:2381", "0"),
        ]);
        let answers = Answers(vec![
            ("etcd_server_is_leader", leaders),
            ("etcd_server_has_leader", has_leader),
            ("up", up),
        ]);
        let members = Prometheus::new(answers)
            .etcd_members(1_795_000_000)
            .await
            .unwrap();
        let shown: Vec<(&str, bool, Option<bool>, Option<bool>)> = members
            .iter()
            .map(|member| {
                (
                    member.host.as_str(),
                    member.leader,
                    member.has_leader,
                    member.up,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("10.0.0.1", false, Some(true), Some(true)),
                ("10.0.0.2", true, Some(true), Some(true)),
                ("10.0.0.3", false, None, Some(false)),
            ]
        );
    }

    #[test]
    fn a_url_gives_its_authority_and_path_prefix() {
        let http = Http::new("http://127.0.0.1:9090/prometheus/").unwrap();
        assert_eq!(
            (http.authority.as_str(), http.prefix.as_str()),
            ("127.0.0.1:9090", "/prometheus")
        );
        assert!(Http::new("https://example.com").is_none());
        assert!(Http::new("http://").is_none());
        assert_eq!(encode("up{job=\"a b\"}"), "up%7Bjob%3D%22a%20b%22%7D");
    }

    #[test]
    fn scrape_intervals_are_read_as_prometheus_writes_them() {
        assert_eq!(seconds("15s"), Some(15));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("15"), None);
        assert_eq!(seconds("fast"), None);
    }
}
