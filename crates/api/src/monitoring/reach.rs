//! Where each cluster's Prometheus is and how it is reached: found in the cluster through the API
//! server's service proxy, or given by the user as a URL (kept in `prometheus.json` in the
//! configuration folder, its token or password in the keyring under `<context>/prometheus`).
//! `set_prometheus` checks a URL before it keeps it.

use std::collections::HashMap;
use std::sync::Mutex;

use kubedesk_cluster::prometheus::{self, Credentials, Given, ServicePort};
use kubedesk_ipc as ipc;
use kubedesk_metrics::prometheus::{Prometheus, QueryError, Transport};
use kubedesk_secrets::{Keyring, KeyringError, Secret};

use crate::App;
use crate::clusters::client;

/// The scrape interval assumed when Prometheus's configuration does not say (Grafana's).
const DEFAULT_SCRAPE: u64 = 15;

/// How a cluster's Prometheus is reached.
#[derive(Debug, Clone)]
enum Place {
    /// Its service, through the API server's proxy.
    Service(ServicePort),
    /// The URL the user gave.
    Given(Given),
}

/// A cluster's Prometheus as last found.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    place: Place,
    /// Its version.
    pub(crate) version: String,
    /// Its scrape interval, seconds.
    pub(crate) scrape: u64,
}

impl Located {
    /// Where it is, as the UI says it: `namespace/service:port`, or the URL.
    pub(crate) fn label(&self) -> String {
        match &self.place {
            Place::Service(service) => service.label(),
            Place::Given(given) => given.url().to_owned(),
        }
    }
}

/// Each cluster's Prometheus, as last found.
#[derive(Debug, Default)]
pub(crate) struct Prometheuses(Mutex<HashMap<String, Located>>);

impl Prometheuses {
    fn get(&self, context: &str) -> Option<Located> {
        self.0.lock().ok()?.get(context).cloned()
    }

    fn set(&self, context: &str, located: Option<Located>) {
        if let Ok(mut known) = self.0.lock() {
            match located {
                Some(located) => known.insert(context.to_owned(), located),
                None => known.remove(context),
            };
        }
    }
}

/// Requests to a cluster's Prometheus.
pub(crate) enum Reach {
    /// Through the API server's service proxy.
    Service {
        client: kubedesk_cluster::Client,
        service: ServicePort,
    },
    /// To the URL given.
    Given(Given),
}

impl Transport for Reach {
    async fn get(&self, path_and_query: &str) -> Result<(u16, Vec<u8>), QueryError> {
        match self {
            Reach::Service { client, service } => prometheus::get(client, service, path_and_query)
                .await
                .map_err(|error| QueryError::Unreachable {
                    url: format!("the service {}", service.label()),
                    detail: error.to_string(),
                }),
            Reach::Given(given) => {
                given
                    .get(path_and_query)
                    .await
                    .map_err(|error| QueryError::Unreachable {
                        url: given.url().to_owned(),
                        detail: error.to_string(),
                    })
            }
        }
    }
}

/// The Prometheus given for each context, as kept in the configuration folder.
pub(crate) type GivenStore = crate::kept::JsonMap<ipc::PrometheusGiven>;

/// The keyring account of a context's Prometheus token or password.
fn account(context: &str) -> String {
    format!("{context}/prometheus")
}

/// Runs a keyring call for the Prometheus credentials.
async fn keyring<T: Send + 'static>(
    app: &App,
    call: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, ipc::Error> {
    crate::kept::keyring(app, "The Prometheus credentials", call).await
}

/// The client for `given`, with `secret` for its credentials.
fn given(given: &ipc::PrometheusGiven, secret: Option<Secret>) -> Result<Given, ipc::Error> {
    let refused = |message: String, hint: &str| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message,
        hint: Some(hint.to_owned()),
    };
    let needs_secret = |what: &str| {
        refused(
            format!("No {what} is kept for the Prometheus at {}.", given.url),
            "Type it again.",
        )
    };
    let credentials = match &given.auth {
        ipc::PrometheusAuth::None => Credentials::None,
        ipc::PrometheusAuth::Bearer => {
            Credentials::Bearer(secret.ok_or_else(|| needs_secret("token"))?)
        }
        ipc::PrometheusAuth::Basic { username } => Credentials::Basic {
            username: username.clone(),
            password: secret.ok_or_else(|| needs_secret("password"))?,
        },
    };
    let ca = match given.ca_file.as_deref().map(str::trim) {
        Some(file) if !file.is_empty() => Some(std::fs::read(file).map_err(|error| {
            refused(
                format!("The CA file {file} cannot be read: {error}."),
                "Type the whole path of the CA's PEM file, or leave it empty to trust the system's CAs only.",
            )
        })?),
        _ => None,
    };
    Given::new(&given.url, credentials, ca.as_deref()).map_err(|error| {
        refused(
            format!("The Prometheus {error}."),
            "Type its URL as http://host:port or https://host, with a path where it is served under one.",
        )
    })
}

/// Checks that `given` answers as Prometheus: its version and scrape interval.
async fn check(given: Given) -> Result<Located, ipc::Error> {
    let url = given.url().to_owned();
    let client = Prometheus::new(Reach::Given(given.clone()));
    let version = client.version().await.map_err(|error| ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!("The Prometheus given for this cluster does not answer: {error}."),
        hint: Some(format!(
            "Check the URL {url} and the credentials, or let KubeDesk look for Prometheus in the cluster."
        )),
    })?;
    let scrape = client.scrape_interval().await.unwrap_or(DEFAULT_SCRAPE);
    Ok(Located {
        place: Place::Given(given),
        version,
        scrape,
    })
}

/// Finds the cluster's Prometheus afresh (at the URL given, or in the cluster), and keeps it for
/// the dashboards.
pub(crate) async fn locate(app: &App, context: &str) -> Result<Located, ipc::Error> {
    let located = match app.prometheus_given.of(context)? {
        Some(settings) => {
            let secret = if settings.auth == ipc::PrometheusAuth::None {
                None
            } else {
                let account = account(context);
                keyring(app, move |keyring| keyring.get(&account)).await?
            };
            check(given(&settings, secret)?).await
        }
        None => find(app, context).await,
    };
    app.prometheuses
        .set(context, located.as_ref().ok().cloned());
    located
}

/// Looks for Prometheus in the cluster.
async fn find(app: &App, context: &str) -> Result<Located, ipc::Error> {
    let client = client::client(app, context).await?;
    let found = prometheus::find(&client, &prometheus::PROMETHEUS).await.map_err(|error| ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!("No Prometheus was found in this cluster: {error}."),
        hint: Some("Install Prometheus (KubeSphere's monitoring, kube-prometheus or kube-prometheus-stack), check that you may proxy to its service (services/proxy), or give its URL.".to_owned()),
    })?;
    let scrape = Prometheus::new(Reach::Service {
        client,
        service: found.service.clone(),
    })
    .scrape_interval()
    .await
    .unwrap_or(DEFAULT_SCRAPE);
    Ok(Located {
        place: Place::Service(found.service),
        version: found.version,
        scrape,
    })
}

/// The cluster's Prometheus, as found before or found now, and a client for it.
pub(crate) async fn prometheus_of(
    app: &App,
    context: &str,
) -> Result<(Located, Prometheus<Reach>), ipc::Error> {
    let located = match app.prometheuses.get(context) {
        Some(located) => located,
        None => locate(app, context).await?,
    };
    let reach = match &located.place {
        Place::Service(service) => Reach::Service {
            client: client::client(app, context).await?,
            service: service.clone(),
        },
        Place::Given(given) => Reach::Given(given.clone()),
    };
    Ok((located, Prometheus::new(reach)))
}

/// Sets where the cluster's Prometheus is, and answers as `get_monitoring` does.
pub async fn set_prometheus(
    app: &App,
    request: ipc::SetPrometheus,
) -> Result<ipc::Monitoring, ipc::Error> {
    let context = request.context.clone();
    let account = account(&context);
    match request.given {
        Some(mut settings) => {
            settings.url = settings.url.trim().to_owned();
            let secret = match (&settings.auth, request.secret) {
                (ipc::PrometheusAuth::None, _) => None,
                (_, Some(typed)) if !typed.trim().is_empty() => Some(Secret::new(typed)),
                _ => {
                    let account = account.clone();
                    keyring(app, move |keyring| keyring.get(&account)).await?
                }
            };
            // Nothing is kept until it answers.
            let located = check(given(&settings, secret.clone())?).await?;
            app.prometheus_given.save(&context, Some(settings))?;
            keyring(app, move |keyring| match secret {
                Some(secret) => {
                    keyring.set(&account, &secret);
                    Ok(())
                }
                None => keyring.delete(&account),
            })
            .await?;
            app.prometheuses.set(&context, Some(located));
        }
        None => {
            app.prometheus_given.save(&context, None)?;
            keyring(app, move |keyring| keyring.delete(&account)).await?;
            app.prometheuses.set(&context, None);
        }
    }
    super::get_monitoring(app, ipc::GetMonitoring { context }).await
}
