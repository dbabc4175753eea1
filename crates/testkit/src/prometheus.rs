//! Debian's Prometheus, started on a free loopback port in a folder of its own, scraping a
//! simulated cluster's metrics endpoint; stopped when dropped.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The user name and password [`Prometheus::with_basic_auth`] takes.
pub const BASIC_AUTH: (&str, &str) = ("kubedesk", "kubedesk-metrics-reader");

/// The bcrypt hash (cost 4) of [`BASIC_AUTH`]'s password, as Prometheus's web configuration
/// keeps it.
const BASIC_AUTH_HASH: &str = "$2b$04$kubedeskkubedeskkubedeTwFPoRyBHUhZBwU2x6Z6hUwQUCMdpSW";

/// `Authorization` for [`BASIC_AUTH`]: Basic, then `kubedesk:kubedesk-metrics-reader` in base64.
const BASIC_AUTHORIZATION: &str = "Basic a3ViZWRlc2s6a3ViZWRlc2stbWV0cmljcy1yZWFkZXI=";

/// A Prometheus process in its own folder, stopped when dropped.
#[derive(Debug)]
pub struct Prometheus {
    child: tokio::process::Child,
    port: u16,
    /// The `Authorization` its API asks for, when it asks.
    authorization: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// Prometheus scraping `target` (`host:port`) at `/_kubedesk/metrics` every second, as the
    /// job `gpu-prod`.
    pub async fn scraping(target: &str) -> Self {
        Self::with_rules(target, None).await
    }

    /// The same, evaluating the rule file `rules` (YAML, Prometheus's rule groups) every second.
    pub async fn with_rules(target: &str, rules: Option<&str>) -> Self {
        Self::start(target, rules, None, false).await
    }

    /// The same, its API and pages asking for [`BASIC_AUTH`] (Prometheus's own
    /// `basic_auth_users` in a `--web.config.file`).
    pub async fn with_basic_auth(target: &str) -> Self {
        Self::start(target, None, None, true).await
    }

    /// The same, with `history` (OpenMetrics text, each sample with its time) written into its
    /// storage by `promtool tsdb create-blocks-from openmetrics` before it starts: hours of
    /// samples that a scrape every second could not gather in a test.
    pub async fn with_history(target: &str, history: &str) -> Self {
        Self::start(target, None, Some(history), false).await
    }

    async fn start(
        target: &str,
        rules: Option<&str>,
        history: Option<&str>,
        basic_auth: bool,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        if let Some(history) = history {
            let input = dir.path().join("history.om");
            std::fs::write(&input, history).unwrap();
            let backfilled = tokio::process::Command::new("promtool")
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&input)
                .arg(dir.path().join("data"))
                .output()
                .await
                .expect(
                    "promtool runs (Debian's prometheus package, installed by `cargo xtask setup`)",
                );
            assert!(
                backfilled.status.success(),
                "promtool could not backfill: {}",
                String::from_utf8_lossy(&backfilled.stderr)
            );
        }
        let config = dir.path().join("prometheus.yml");
        let rule_files = match rules {
            Some(rules) => {
                let path = dir.path().join("rules.yml");
                std::fs::write(&path, rules).unwrap();
                format!("rule_files: [\"{}\"]\n", path.display())
            }
            None => String::new(),
        };
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n{rule_files}scrape_configs:\n  - job_name: gpu-prod\n    metrics_path: /_kubedesk/metrics\n    static_configs: [{{targets: [\"{target}\"]}}]\n"
            ),
        )
        .unwrap();
        // A free port: the OS picks one, and Prometheus takes it over.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = tokio::process::Command::new("prometheus");
        if basic_auth {
            let web = dir.path().join("web.yml");
            std::fs::write(
                &web,
                format!(
                    "basic_auth_users:\n  {}: '{BASIC_AUTH_HASH}'\n",
                    BASIC_AUTH.0
                ),
            )
            .unwrap();
            command.arg(format!("--web.config.file={}", web.display()));
        }
        let child = command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("prometheus runs (Debian's package, installed by `cargo xtask setup`)");
        Self {
            child,
            port,
            authorization: basic_auth.then_some(BASIC_AUTHORIZATION),
            _dir: dir,
        }
    }

    /// Its URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Where it listens, for a simulated cluster's Prometheus pod to stand for it.
    pub fn address(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// An instant query's result vector, or an empty one while Prometheus is not ready.
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        let encoded: String = promql
            .bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => {
                    char::from(byte).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect();
        let path = format!("/api/v1/query?query={encoded}");
        let Some(body) = get(self.port, &path, self.authorization).await else {
            return Vec::new();
        };
        let answer: Value = serde_json::from_str(&body).unwrap_or_default();
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls `promql` until it has results: the first scrape lands some seconds after start.
    pub async fn wait_for(&self, promql: &str) -> Vec<Value> {
        tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                let result = self.query(promql).await;
                if !result.is_empty() {
                    return result;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("Prometheus never answered {promql}"))
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A plain HTTP/1.0 GET on loopback, with `authorization` when given; `None` while nothing
/// listens.
async fn get(port: u16, path: &str, authorization: Option<&str>) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    stream
        .write_all(
            format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{authorization}\r\n").as_bytes(),
        )
        .await
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200").then(|| body.to_owned())
}
