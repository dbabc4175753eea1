//! `kubedesk sim`: serves the three demo clusters over TLS on loopback ports and writes their
//! kubeconfig, with each cluster's CA and its administrator's client certificate.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubedesk_sim::auth::OidcConfig;
use kubedesk_sim::{Cluster, SimServer, demo};

/// The demo clusters being served; they stop when this is dropped.
#[derive(Debug)]
pub struct DemoClusters {
    servers: Vec<SimServer>,
    kubeconfig: PathBuf,
    prometheus: Option<super::prometheus::DemoPrometheus>,
}

impl DemoClusters {
    /// The kubeconfig written for them.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The simulated cluster named `name`: its faults and watches, for tests that make it
    /// misbehave.
    pub fn cluster(&self, name: &str) -> Option<&std::sync::Arc<kubedesk_sim::Cluster>> {
        self.servers
            .iter()
            .map(SimServer::cluster)
            .find(|cluster| cluster.name() == name)
    }

    /// Where `gpu-prod`'s Prometheus listens, when it was started.
    pub fn prometheus(&self) -> Option<SocketAddr> {
        self.prometheus
            .as_ref()
            .map(super::prometheus::DemoPrometheus::address)
    }

    /// Each cluster's name and URL.
    pub fn endpoints(&self) -> Vec<(String, String)> {
        self.servers
            .iter()
            .map(|server| (server.cluster().name().to_owned(), server.url()))
            .collect()
    }
}

/// Why the demo clusters could not be served.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A demo object was refused by the simulator: a bug in the demo data.
    #[error("the demo data is inconsistent: the simulator refused an object with {0}")]
    Seed(String),
    /// The fault settings make no sense.
    #[error("{0}")]
    Faults(String),
    /// No loopback port could be opened, or TLS could not be set up.
    #[error("could not serve on a loopback port: {0}")]
    Listen(std::io::Error),
    /// Prometheus or its Alertmanager could not be started.
    #[error("could not start the demo's Prometheus: {0}")]
    Prometheus(String),
    /// The OIDC issuer's CA file could not be read.
    #[error("could not read the OIDC issuer's CA file {path}: {source}")]
    OidcCa {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The kubeconfig could not be written.
    #[error(
        "could not write the kubeconfig {path}: {source}; choose a folder you may write to with --kubeconfig"
    )]
    Kubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How the demo clusters are served.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// Pods added to `gpu-prod`, for scale work.
    pub extra_pods: usize,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    /// The share of requests of each verb answered with an injected error.
    pub error_rates: Vec<(String, f64)>,
    /// The ports of gpu-prod, edge and dev; empty lets the OS pick.
    pub ports: Vec<u16>,
    /// Serve plain HTTP instead of TLS.
    pub plain_http: bool,
    /// OpenID Connect ID tokens to accept, as kube-apiserver's `--oidc-*` flags configure it.
    pub oidc: Option<OidcConfig>,
    /// The CA of an `https` issuer (`--oidc-ca-file`).
    pub oidc_ca_file: Option<PathBuf>,
    /// Start Debian's Prometheus scraping `gpu-prod`, where KubeSphere installs it.
    pub prometheus: bool,
}

/// Builds the demo clusters, serves each on its own loopback port with the faults asked for, and
/// writes one kubeconfig with a context per cluster once they answer.
pub async fn serve(kubeconfig: &Path, options: &SimOptions) -> Result<DemoClusters, DemoError> {
    let faults = kubedesk_sim::faults::FaultConfig {
        latency_ms: options.latency_ms,
        error_rate: options.error_rates.iter().cloned().collect(),
    };
    faults
        .validate()
        .map_err(|error| DemoError::Faults(error.0))?;
    let seed = |result: Result<Cluster, serde_json::Value>| {
        result.map_err(|status| DemoError::Seed(status.to_string()))
    };
    let gpu_prod = seed(demo::gpu_prod())?;
    demo::add_pods(&gpu_prod, options.extra_pods)
        .map_err(|status| DemoError::Seed(status.to_string()))?;
    let clusters = [gpu_prod, seed(demo::edge())?, seed(demo::dev())?];
    let oidc = match (&options.oidc, &options.oidc_ca_file) {
        (Some(config), Some(file)) => {
            let mut config = config.clone();
            config.ca_pem = Some(tokio::fs::read_to_string(file).await.map_err(|source| {
                DemoError::OidcCa {
                    path: file.clone(),
                    source,
                }
            })?);
            Some(config)
        }
        (config, _) => config.clone(),
    };
    let mut servers = Vec::new();
    for (index, cluster) in clusters.into_iter().enumerate() {
        cluster.faults.set(faults.clone());
        if let Some(config) = &oidc {
            cluster.auth.set_oidc(config.clone());
        }
        let port = options.ports.get(index).copied().unwrap_or(0);
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let cluster = Arc::new(cluster);
        let server = if options.plain_http {
            SimServer::start(cluster, address).await
        } else {
            SimServer::start_tls(cluster, address).await
        }
        .map_err(DemoError::Listen)?;
        servers.push(server);
    }
    let prometheus = match (options.prometheus, servers.first()) {
        (true, Some(gpu_prod)) => Some(super::prometheus::DemoPrometheus::start(gpu_prod).await?),
        _ => None,
    };
    // The servers answer as soon as they listen; only then is the kubeconfig written, so a client
    // that waits for the file finds them up.
    let text = kubedesk_sim::kubeconfig(&servers.iter().collect::<Vec<_>>());
    if let Some(parent) = kubeconfig
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|source| DemoError::Kubeconfig {
                path: kubeconfig.to_owned(),
                source,
            })?;
    }
    tokio::fs::write(kubeconfig, text)
        .await
        .map_err(|source| DemoError::Kubeconfig {
            path: kubeconfig.to_owned(),
            source,
        })?;
    Ok(DemoClusters {
        servers,
        kubeconfig: kubeconfig.to_owned(),
        prometheus,
    })
}

/// Waits for Ctrl-C, or (on Unix) a request to terminate, so that what was started (the demo's
/// Prometheus) is stopped on the way out.
pub async fn until_interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    // Without a signal handler the process simply ends on Ctrl-C, which is the same outcome.
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use kubedesk_cluster::{Kubeconfig, KubeconfigPaths};

    use super::*;

    #[tokio::test]
    async fn the_demo_kubeconfig_names_three_answering_clusters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("kubeconfig");
        let clusters = serve(
            &path,
            &SimOptions {
                extra_pods: 10,
                ..SimOptions::default()
            },
        )
        .await
        .unwrap();
        let config = Kubeconfig::load(&KubeconfigPaths::resolve(
            Some(path.clone().into_os_string()),
            None,
        ));
        assert_eq!(config.problems, []);
        assert_eq!(
            config.contexts.keys().collect::<Vec<_>>(),
            ["dev", "edge", "gpu-prod"]
        );
        assert_eq!(config.current_context.as_deref(), Some("gpu-prod"));
        let urls: Vec<String> = clusters
            .endpoints()
            .into_iter()
            .map(|(_, url)| url)
            .collect();
        assert!(
            config
                .contexts
                .values()
                .all(|context| urls.contains(&context.server))
        );
        // Each one answers: the port is open while `clusters` lives.
        for url in urls {
            let address = url.trim_start_matches("https://");
            assert!(
                std::net::TcpStream::connect(address).is_ok(),
                "{url} does not answer"
            );
        }
    }

    #[tokio::test]
    async fn an_unwritable_kubeconfig_path_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let error = serve(&file.join("kubeconfig"), &SimOptions::default())
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("could not write the kubeconfig"),
            "{error}"
        );
    }
}
