//! The demo's Prometheus: Debian's `prometheus` started in a folder of its own, scraping
//! `gpu-prod`'s metrics endpoint (its dcgm-exporter, kube-state-metrics and etcd series) every
//! 5 s, evaluating GPU alerting rules ([`RULES`]) and sending the firing alerts to Debian's
//! `prometheus-alertmanager` ([`ALERTMANAGER`]: one receiver, a critical alert inhibiting the
//! lesser ones of its GPU); both placed in the cluster where KubeSphere installs them, so that
//! the Monitoring page finds them through the API server's service proxy as it would in a real
//! cluster. Stopped when dropped.

use std::net::SocketAddr;
use std::time::Duration;

use kubedesk_sim::{SimServer, demo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::serve::DemoError;

/// The demo's alerting rules: what a GPU cluster's operators commonly alert on.
pub const RULES: &str = r#"groups:
  - name: gpus
    rules:
      - alert: GpuTemperatureHigh
        expr: DCGM_FI_DEV_GPU_TEMP > 80
        for: 1m
        labels: {severity: warning}
        annotations:
          summary: "GPU {{ $labels.gpu }} of {{ $labels.Hostname }} is at {{ $value }} °C"
          description: "Above 80 °C for a minute: data-centre GPUs slow down near 85 to 90 °C. Check the node's cooling and the GPU's fans."
      - alert: GpuXidError
        expr: DCGM_FI_DEV_XID_ERRORS > 0
        labels: {severity: critical}
        annotations:
          summary: "GPU {{ $labels.gpu }} of {{ $labels.Hostname }} reported Xid {{ $value }}"
          description: "Look the code up in NVIDIA's Xid catalogue; drain the node if it is a fault of the GPU or its memory."
      - alert: GpuMemoryNearlyFull
        expr: DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: "GPU {{ $labels.gpu }} of {{ $labels.Hostname }} has used over 95 % of its memory for 5 minutes"
      - alert: GpuHeldButIdle
        expr: DCGM_FI_DEV_GPU_UTIL{pod!=""} < 10
        for: 30s
        labels: {severity: info}
        annotations:
          summary: "{{ $labels.namespace }}/{{ $labels.pod }} holds GPU {{ $labels.gpu }} of {{ $labels.Hostname }} and uses under 10 % of it"
          description: "A GPU held but idle is a GPU no one else can use: scale the workload down, or share the GPU."
"#;

/// The demo's Alertmanager configuration: every alert to the operators (a receiver that sends
/// nothing), grouped by alert and node; a critical alert of a GPU inhibits its warnings and
/// notices.
pub const ALERTMANAGER: &str = r#"route:
  receiver: gpu-operators
  group_by: [alertname, Hostname]
  group_wait: 5s
receivers:
  - name: gpu-operators
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity=~"warning|info"]
    equal: [Hostname, gpu]
"#;

/// A running Prometheus and Alertmanager, stopped when dropped.
#[derive(Debug)]
pub struct DemoPrometheus {
    _prometheus: tokio::process::Child,
    _alertmanager: tokio::process::Child,
    _dir: tempfile::TempDir,
    address: SocketAddr,
}

/// A free loopback address: the OS picks a port, and the server takes it over.
fn free_address() -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr())
}

/// Starts `program` with `args`, its output discarded, killed when dropped.
fn spawn(program: &str, args: &[String]) -> Result<tokio::process::Child, DemoError> {
    tokio::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            DemoError::Prometheus(format!(
                "{program} could not be started ({error}); install Debian's {program} package (cargo xtask setup does)"
            ))
        })
}

impl DemoPrometheus {
    /// Starts Prometheus scraping `server`, waits until it is ready, and seeds the cluster's
    /// monitoring stack in front of it.
    pub async fn start(server: &SimServer) -> Result<Self, DemoError> {
        let failed = |detail: String| DemoError::Prometheus(detail);
        let dir = tempfile::tempdir().map_err(|error| failed(error.to_string()))?;
        let target = server
            .url()
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_owned();
        let tls = match server.authority() {
            Some(authority) => {
                let ca = dir.path().join("ca.crt");
                std::fs::write(&ca, authority.certificate_pem())
                    .map_err(|error| failed(error.to_string()))?;
                format!(
                    "    scheme: https\n    tls_config: {{ca_file: \"{}\"}}\n",
                    ca.display()
                )
            }
            None => String::new(),
        };
        let name = server.cluster().name().to_owned();
        let rules = dir.path().join("rules.yml");
        std::fs::write(&rules, RULES).map_err(|error| failed(error.to_string()))?;
        let alertmanager_config = dir.path().join("alertmanager.yml");
        std::fs::write(&alertmanager_config, ALERTMANAGER)
            .map_err(|error| failed(error.to_string()))?;
        let alertmanager = free_address().map_err(|error| failed(error.to_string()))?;
        let alertmanager_child = spawn(
            "prometheus-alertmanager",
            &[
                format!("--config.file={}", alertmanager_config.display()),
                format!("--storage.path={}", dir.path().join("alerts").display()),
                format!("--web.listen-address={alertmanager}"),
                // One Alertmanager: no gossip with peers.
                "--cluster.listen-address=".to_owned(),
            ],
        )?;
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 5s, evaluation_interval: 5s}}\nrule_files: [\"{}\"]\nalerting:\n  alertmanagers: [{{static_configs: [{{targets: [\"{alertmanager}\"]}}]}}]\nscrape_configs:\n  - job_name: {name}\n    metrics_path: /_kubedesk/metrics\n{tls}    static_configs: [{{targets: [\"{target}\"]}}]\n",
                rules.display()
            ),
        )
        .map_err(|error| failed(error.to_string()))?;
        let address = free_address().map_err(|error| failed(error.to_string()))?;
        let child = spawn(
            "prometheus",
            &[
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", dir.path().join("data").display()),
                format!("--web.listen-address={address}"),
            ],
        )?;
        let started = Self {
            _prometheus: child,
            _alertmanager: alertmanager_child,
            _dir: dir,
            address,
        };
        // Ready, and the cluster scraped twice, so that dashboards have data from the start (a
        // rate needs two samples).
        tokio::time::timeout(Duration::from_secs(30), async {
            while !scraped(address).await {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .map_err(|_| {
            failed(format!(
                "prometheus at {address} had not scraped {name} twice in 30 s"
            ))
        })?;
        demo::monitoring::prometheus(server.cluster(), address, "cpu-01")
            .and_then(|()| demo::monitoring::alertmanager(server.cluster(), alertmanager, "cpu-01"))
            .map_err(|status| DemoError::Seed(status.to_string()))?;
        Ok(started)
    }

    /// Where Prometheus listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

/// Whether Prometheus at `address` answers and has scraped its target twice.
async fn scraped(address: SocketAddr) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else {
        return false;
    };
    let asked = stream
        .write_all(b"GET /api/v1/query?query=count_over_time(up%5B1m%5D)%3E%3D2 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let mut answer = String::new();
    asked.is_ok()
        && stream.read_to_string(&mut answer).await.is_ok()
        && answer.starts_with("HTTP/1.0 200")
        && answer.contains("\"value\"")
}
