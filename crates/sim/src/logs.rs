//! `pods/log`: synthetic, deterministic container logs, one line a second since the container
//! started, with `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes` and `follow`.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::objects;
use crate::status::Failure;
use crate::store::Store;

/// Lines served at most without `tailLines`, so a pod running for weeks does not send weeks of log.
const MOST_LINES: i64 = 5000;

/// What the client asked for.
#[derive(Debug, Clone)]
pub struct LogRequest {
    /// The container.
    pub container: String,
    /// Keep the stream open and add a line a second.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<i64>,
    /// Only lines newer than this.
    pub since: Option<DateTime<Utc>>,
    /// Prefix each line with its RFC 3339 time, nanoseconds included.
    pub timestamps: bool,
    /// Stop after this many bytes.
    pub limit_bytes: Option<usize>,
}

/// Picks the container the request names, or the pod's only one; errors as the API server words them.
pub fn container(pod: &Value, asked: Option<&str>, previous: bool) -> Result<String, Failure> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let containers: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|container| container["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let chosen = match asked {
        Some(asked) if containers.contains(&asked) => asked.to_owned(),
        Some(asked) => {
            return Err(Failure::bad_request(format!(
                "container {asked} is not valid for pod {name}"
            )));
        }
        None if containers.len() == 1 => containers[0].to_owned(),
        None => {
            return Err(Failure::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    if previous {
        return Err(Failure::bad_request(format!(
            "previous terminated container \"{chosen}\" in pod \"{name}\" not found"
        )));
    }
    if pod.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
        let reason = objects::waiting_reason(pod).unwrap_or("ContainerCreating");
        return Err(Failure::bad_request(format!(
            "container \"{chosen}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    }
    Ok(chosen)
}

/// When the container started: its `startedAt`, else the pod's start, else its creation.
fn started(pod: &Value) -> DateTime<Utc> {
    [
        "/status/containerStatuses/0/state/running/startedAt",
        "/status/startTime",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .find_map(|pointer| {
        pod.pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|stamp| DateTime::parse_from_rfc3339(stamp).ok())
    })
    .map_or_else(Utc::now, |stamp| stamp.with_timezone(&Utc))
}

/// Line `n` of a container's log: the same text every time it is asked for.
fn line(container: &str, n: i64, at: DateTime<Utc>, timestamps: bool) -> String {
    const PATHS: [&str; 4] = ["/healthz", "/v1/models", "/v1/infer", "/metrics"];
    let path = PATHS[usize::try_from(n).unwrap_or(0) % PATHS.len()];
    let millis = (n * 37) % 250 + 3;
    let text = format!(
        "{} INFO {container}: GET {path} 200 {millis}ms request={n}",
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    if timestamps {
        format!(
            "{} {text}\n",
            at.to_rfc3339_opts(SecondsFormat::Nanos, true)
        )
    } else {
        format!("{text}\n")
    }
}

/// The log so far, then (with `follow`) a line a second while the pod exists and its container
/// runs: a container that restarts ends the stream, as the kubelet's does.
#[derive(Debug)]
pub struct LogStream {
    request: LogRequest,
    start: DateTime<Utc>,
    next: i64,
    until: i64,
    sent: usize,
    key: (String, String),
}

impl LogStream {
    /// Starts reading the log of a running pod.
    pub fn new(pod: &Value, request: LogRequest, now: DateTime<Utc>) -> Self {
        let start = started(pod);
        let until = (now - start).num_seconds().max(0);
        let mut first = (until - MOST_LINES).max(0);
        if let Some(since) = request.since {
            first = first.max((since - start).num_seconds());
        }
        if let Some(tail) = request.tail {
            first = first.max(until - tail.max(0));
        }
        let namespace = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Self {
            request,
            start,
            next: first,
            until,
            sent: 0,
            key: (namespace, name),
        }
    }

    /// The next chunk, or `None` at the end.
    pub async fn next(&mut self, store: &Store) -> Option<Bytes> {
        if self
            .request
            .limit_bytes
            .is_some_and(|limit| self.sent >= limit)
        {
            return None;
        }
        if self.next >= self.until {
            if !self.request.follow {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let pod = store.get("/pods", &self.key.0, &self.key.1)?;
            if started(&pod) != self.start {
                return None;
            }
            self.until += 1;
        }
        // Send what is due in batches, so a long history is a few large chunks.
        let mut chunk = String::new();
        while self.next < self.until && chunk.len() < 64 * 1024 {
            chunk.push_str(&line(
                &self.request.container,
                self.next,
                self.start + chrono::Duration::seconds(self.next),
                self.request.timestamps,
            ));
            self.next += 1;
        }
        if let Some(limit) = self.request.limit_bytes {
            chunk.truncate(limit.saturating_sub(self.sent));
        }
        self.sent += chunk.len();
        Some(Bytes::from(chunk))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(containers: &[&str], phase: &str) -> Value {
        let containers: Vec<Value> = containers
            .iter()
            .map(|name| json!({"name": name, "image": "x"}))
            .collect();
        json!({"metadata": {"name": "web-1", "namespace": "default"}, "spec": {"containers": containers},
               "status": {"phase": phase, "startTime": "2026-01-01T00:00:00Z"}})
    }

    #[test]
    fn the_container_must_be_named_when_there_are_several() {
        assert_eq!(
            container(&pod(&["nginx"], "Running"), None, false).unwrap(),
            "nginx"
        );
        let error = container(&pod(&["a", "b"], "Running"), None, false).unwrap_err();
        assert_eq!(
            error.body["message"],
            "a container name must be specified for pod web-1, choose one of: [a b]"
        );
        let error = container(&pod(&["nginx"], "Pending"), None, false).unwrap_err();
        assert_eq!(
            error.body["message"],
            "container \"nginx\" in pod \"web-1\" is waiting to start: ContainerCreating"
        );
    }

    #[tokio::test]
    async fn tail_and_timestamps_shape_the_lines() {
        let store = Store::new(10);
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:01:40Z")
            .unwrap()
            .with_timezone(&Utc);
        let request = LogRequest {
            container: "nginx".into(),
            follow: false,
            tail: Some(2),
            since: None,
            timestamps: true,
            limit_bytes: None,
        };
        let mut stream = LogStream::new(&pod(&["nginx"], "Running"), request, now);
        let text = String::from_utf8(stream.next(&store).await.unwrap().to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[1]
                .starts_with("2026-01-01T00:01:39.000000000Z 2026-01-01T00:01:39Z INFO nginx: GET"),
            "{}",
            lines[1]
        );
        assert!(stream.next(&store).await.is_none());
    }
}
