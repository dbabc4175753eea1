//! Debian's Alertmanager (`prometheus-alertmanager`), started on a free loopback port in a folder
//! of its own with one receiver and an inhibition (a critical alert holds the warnings of its
//! node); alerts and silences are posted to it as Prometheus and a user would. Stopped when
//! dropped.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Its configuration: every alert to `operators`; a critical alert inhibits the warnings of its
/// node.
const CONFIG: &str = r#"route:
  receiver: operators
  group_by: [alertname]
receivers:
  - name: operators
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [node]
"#;

/// An Alertmanager process, stopped when dropped.
#[derive(Debug)]
pub struct Alertmanager {
    child: tokio::process::Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts it and waits until it answers.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, CONFIG).unwrap();
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = tokio::process::Command::new("prometheus-alertmanager")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--cluster.listen-address=")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "prometheus-alertmanager runs (Debian's package, installed by `cargo xtask setup`)",
            );
        let started = Self {
            child,
            address,
            _dir: dir,
        };
        crate::eventually_async("Alertmanager to be ready", || {
            started.request("GET", "/-/ready", None)
        })
        .await;
        started
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Posts alerts, each `(labels, annotations)`, as Prometheus sends them.
    pub async fn post_alerts(&self, alerts: &[(Value, Value)]) {
        let alerts: Vec<Value> = alerts
            .iter()
            .map(|(labels, annotations)| json!({"labels": labels, "annotations": annotations}))
            .collect();
        self.request("POST", "/api/v2/alerts", Some(&json!(alerts)))
            .await
            .expect("Alertmanager takes the alerts");
    }

    /// Silences the alerts named `alertname` from now until `ends_at` (RFC 3339), by
    /// `created_by` for `comment`.
    pub async fn silence(&self, alertname: &str, ends_at: &str, created_by: &str, comment: &str) {
        // From when it started: a time of its own clock, in the past.
        let status: Value = self
            .request("GET", "/api/v2/status", None)
            .await
            .and_then(|body| serde_json::from_str(&body).ok())
            .unwrap_or_default();
        let silence = json!({
            "matchers": [{"name": "alertname", "value": alertname, "isRegex": false, "isEqual": true}],
            "startsAt": status["uptime"],
            "endsAt": ends_at,
            "createdBy": created_by,
            "comment": comment,
        });
        self.request("POST", "/api/v2/silences", Some(&silence))
            .await
            .expect("Alertmanager takes the silence");
    }

    /// The alerts it holds, as its API answers.
    pub async fn alerts(&self) -> Vec<Value> {
        self.request("GET", "/api/v2/alerts", None)
            .await
            .and_then(|body| serde_json::from_str(&body).ok())
            .unwrap_or_default()
    }

    /// Polls the alerts it holds until `holds` says they are as expected (an alert's status is
    /// worked out some moments after it is posted), for 30 s at most.
    pub async fn wait_for(&self, what: &str, holds: impl Fn(&[Value]) -> bool) {
        crate::eventually_async(&format!("Alertmanager to hold {what}"), || async {
            holds(&self.alerts().await).then_some(())
        })
        .await;
    }

    /// An HTTP/1.0 request with a JSON body; the body of a 200 answer.
    async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Option<String> {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.ok()?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.address,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.ok()?;
        stream.write_all(body.as_bytes()).await.ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await.ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        head.starts_with("HTTP/1.0 200").then(|| body.to_owned())
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
