//! A cluster's Prometheus, found and reached through the API server's service proxy, as the
//! KubeSphere console and Lens reach it: nothing is exposed or port-forwarded, and the user's own
//! credentials and RBAC (`services/proxy`) apply.
//!
//! Prometheus is looked for at the usual places, in order: KubeSphere's
//! `kubesphere-monitoring-system/prometheus-k8s`, kube-prometheus's `monitoring/prometheus-k8s`,
//! the Prometheus Operator's `prometheus-operated`, kube-prometheus-stack's
//! `…-kube-prometheus-stack-prometheus` (and its older `…-kube-prometheus-prometheus`), the
//! community chart's `prometheus-server`, and Lens's `lens-metrics/prometheus`; each candidate is
//! asked its build info, and the first that answers as Prometheus is used. Alertmanager is looked
//! for likewise ([`ALERTMANAGER`]).
//!
//! A user may instead give a Prometheus by URL ([`Given`]), with a bearer token or a user name
//! and password, and a CA of its own.

use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};
use kubedesk_secrets::Secret;

use crate::https::{Https, HttpsError};

/// How long one request through the proxy may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A service port, as the proxy path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// Its namespace.
    pub namespace: String,
    /// The service.
    pub name: String,
    /// The port, by name or number.
    pub port: String,
}

impl ServicePort {
    /// `namespace/name:port`, as the UI says where Prometheus was found.
    pub fn label(&self) -> String {
        format!("{}/{}:{}", self.namespace, self.name, self.port)
    }

    /// The API server path of `path_and_query` on it.
    fn path(&self, path_and_query: &str) -> String {
        format!(
            "/api/v1/namespaces/{}/services/http:{}:{}/proxy{path_and_query}",
            self.namespace, self.name, self.port
        )
    }
}

/// Why a request through the proxy has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// The API server answered with a `Status`: the service or its pods are not there, or the
    /// user may not proxy to it.
    #[error("{0}")]
    Refused(String),
    /// The API server could not be reached, or did not answer in time.
    #[error("the API server could not be asked: {0}")]
    Unreachable(String),
}

/// GETs `path_and_query` from `service` through the API server's proxy: the status and body the
/// service answered (a 400 with Prometheus's error is an answer), or why there is none.
pub async fn get(
    client: &kube::Client,
    service: &ServicePort,
    path_and_query: &str,
) -> Result<(u16, Vec<u8>), ProxyError> {
    let request = http::Request::get(service.path(path_and_query))
        .body(kube::client::Body::from(Vec::new()))
        .map_err(|error| ProxyError::Unreachable(error.to_string()))?;
    let response = tokio::time::timeout(REQUEST_TIMEOUT, client.send(request))
        .await
        .map_err(|_| ProxyError::Unreachable("no answer in 30 s".to_owned()))?
        .map_err(|error| ProxyError::Unreachable(error.to_string()))?;
    let status = response.status().as_u16();
    let is_status = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let body = response
        .into_body()
        .collect_bytes()
        .await
        .map_err(|error| ProxyError::Unreachable(error.to_string()))?
        .to_vec();
    // The API server's own refusals (no service, no endpoints, forbidden) are a `Status`.
    if status >= 400
        && is_status
        && let Ok(refusal) = serde_json::from_slice::<serde_json::Value>(&body)
        && refusal["kind"] == "Status"
    {
        let message = refusal["message"].as_str().unwrap_or_default().to_owned();
        return Err(ProxyError::Refused(message));
    }
    Ok((status, body))
}

/// Where a cluster's Prometheus (or Alertmanager) was found, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its service port.
    pub service: ServicePort,
    /// Its version (`2.42.0`).
    pub version: String,
}

/// Why no Prometheus (or Alertmanager) was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    /// None of the usual services exists (or the user may not see them).
    #[error("no {server} service was found; looked for {}", .looked.join(", "))]
    Missing {
        /// What was looked for: `Prometheus`, `Alertmanager`.
        server: &'static str,
        /// Where.
        looked: Vec<String>,
    },
    /// Services were found, and none answered as the server looked for.
    #[error("{}", .tried.iter().map(|(service, why)| format!("{service}: {why}")).collect::<Vec<_>>().join("; "))]
    NotAnswering {
        /// Each service tried, and why it did not do.
        tried: Vec<(String, String)>,
    },
}

/// A server looked for at the usual places, and how it proves what it is.
#[derive(Debug)]
pub struct Wanted {
    /// Its name, as messages say it.
    server: &'static str,
    /// The usual places, as (namespace or `None` for any, name or a suffix after `*`, port).
    places: &'static [(Option<&'static str>, &'static str, &'static str)],
    /// The path it answers with its version.
    probe: &'static str,
    /// Its version in that answer, when the answer is its own.
    version: fn(&serde_json::Value) -> Option<&str>,
}

/// Prometheus, at the places KubeSphere, kube-prometheus, the Prometheus Operator,
/// kube-prometheus-stack, the community chart and Lens install it; it answers its build info.
pub const PROMETHEUS: Wanted = Wanted {
    server: "Prometheus",
    places: &[
        (
            Some("kubesphere-monitoring-system"),
            "prometheus-k8s",
            "9090",
        ),
        (Some("monitoring"), "prometheus-k8s", "9090"),
        (None, "prometheus-operated", "9090"),
        (None, "*-kube-prometheus-stack-prometheus", "9090"),
        (None, "*-kube-prometheus-prometheus", "9090"),
        (None, "prometheus-server", "80"),
        (Some("lens-metrics"), "prometheus", "80"),
    ],
    probe: "/api/v1/status/buildinfo",
    version: |answer| {
        (answer["status"] == "success")
            .then(|| answer["data"]["version"].as_str())
            .flatten()
    },
};

/// Alertmanager, at the places KubeSphere, kube-prometheus, the Prometheus Operator,
/// kube-prometheus-stack and the community chart install it; it answers its status (API v2).
pub const ALERTMANAGER: Wanted = Wanted {
    server: "Alertmanager",
    places: &[
        (
            Some("kubesphere-monitoring-system"),
            "alertmanager-main",
            "9093",
        ),
        (Some("monitoring"), "alertmanager-main", "9093"),
        (None, "alertmanager-operated", "9093"),
        (None, "*-kube-prometheus-stack-alertmanager", "9093"),
        (None, "*-kube-prometheus-alertmanager", "9093"),
        (None, "prometheus-alertmanager", "9093"),
    ],
    probe: "/api/v2/status",
    version: |answer| answer["versionInfo"]["version"].as_str(),
};

/// The candidates among `services` (namespace, name, the port numbers they serve), in the
/// order of `places`.
fn candidates(
    places: &[(Option<&str>, &str, &str)],
    services: &[(String, String, Vec<i32>)],
) -> Vec<ServicePort> {
    let mut found = Vec::new();
    for (namespace, name, port) in places {
        for (service_namespace, service_name, ports) in services {
            let named = match name.strip_prefix('*') {
                Some(suffix) => service_name.ends_with(suffix),
                None => service_name == name,
            };
            if named && namespace.is_none_or(|namespace| namespace == service_namespace) {
                // The usual port when the service has it, else its first.
                let port = if ports.iter().any(|served| served.to_string() == *port) {
                    (*port).to_owned()
                } else {
                    ports
                        .first()
                        .map_or_else(|| (*port).to_owned(), i32::to_string)
                };
                let candidate = ServicePort {
                    namespace: service_namespace.clone(),
                    name: service_name.clone(),
                    port,
                };
                if !found.contains(&candidate) {
                    found.push(candidate);
                }
            }
        }
    }
    found
}

/// Finds the cluster's Prometheus ([`PROMETHEUS`]) or Alertmanager ([`ALERTMANAGER`]).
pub async fn find(client: &kube::Client, wanted: &Wanted) -> Result<Found, NotFound> {
    let services = services(client, wanted.places).await;
    let found = candidates(wanted.places, &services);
    if found.is_empty() {
        return Err(NotFound::Missing {
            server: wanted.server,
            looked: wanted
                .places
                .iter()
                .map(|(namespace, name, _)| match namespace {
                    Some(namespace) => format!("{namespace}/{name}"),
                    None => format!("{name} in any namespace"),
                })
                .collect(),
        });
    }
    let mut tried = Vec::new();
    for service in found {
        match version(client, &service, wanted).await {
            Ok(version) => return Ok(Found { service, version }),
            Err(why) => tried.push((service.label(), why.to_string())),
        }
    }
    Err(NotFound::NotAnswering { tried })
}

/// Every service with its ports, from a list across namespaces, or, where that is not
/// allowed, the fixed places read one by one.
async fn services(
    client: &kube::Client,
    places: &[(Option<&str>, &str, &str)],
) -> Vec<(String, String, Vec<i32>)> {
    let shape = |service: Service| {
        let ports = service
            .spec
            .and_then(|spec| spec.ports)
            .unwrap_or_default()
            .into_iter()
            .map(|port| port.port)
            .collect();
        (
            service.metadata.namespace.unwrap_or_default(),
            service.metadata.name.unwrap_or_default(),
            ports,
        )
    };
    if let Ok(list) = Api::<Service>::all(client.clone())
        .list(&ListParams::default())
        .await
    {
        return list.items.into_iter().map(shape).collect();
    }
    let mut found = Vec::new();
    for (namespace, name, _) in places {
        if let (Some(namespace), false) = (namespace, name.starts_with('*'))
            && let Ok(Some(service)) = Api::<Service>::namespaced(client.clone(), namespace)
                .get_opt(name)
                .await
        {
            found.push(shape(service));
        }
    }
    found
}

/// Why a service found is not the server looked for.
#[derive(Debug, thiserror::Error)]
enum NotTheServer {
    /// It could not be asked.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// It answered, not as the server's API.
    #[error("HTTP {0}, not {1}'s API")]
    Answer(u16, &'static str),
}

/// The version `service` says it is, when it answers as the server `wanted`.
async fn version(
    client: &kube::Client,
    service: &ServicePort,
    wanted: &Wanted,
) -> Result<String, NotTheServer> {
    let (status, body) = get(client, service, wanted.probe).await?;
    let not = || NotTheServer::Answer(status, wanted.server);
    let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|_| not())?;
    (wanted.version)(&answer).map(str::to_owned).ok_or_else(not)
}

/// How a [`Given`] Prometheus is signed in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing is sent.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic`, as Prometheus's own `basic_auth_users` and most proxies take it.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

/// Why a Prometheus given by URL cannot be used or did not answer.
#[derive(Debug, thiserror::Error)]
pub enum GivenError {
    /// The URL is not one.
    #[error("{url:?} is not an http:// or https:// URL")]
    Url {
        /// What was given.
        url: String,
    },
    /// The CA is not usable.
    #[error(transparent)]
    Tls(HttpsError),
    /// No answer came.
    #[error(transparent)]
    Unreachable(HttpsError),
    /// It answered 401 or 403 (the number): the credentials were refused or are missing.
    #[error("the credentials were refused (HTTP {0})")]
    Refused(u16),
}

/// A Prometheus the user gave by URL.
#[derive(Debug, Clone)]
pub struct Given {
    /// The URL, without a trailing `/` (`https://prometheus.example.com/prom`).
    url: String,
    /// The `Authorization` header's value, when credentials are given.
    authorization: Option<Secret>,
    https: Https,
}

impl Given {
    /// Prometheus at `url` (a path prefix kept), signed in to with `credentials`, trusting `ca`
    /// (PEM) besides the platform's roots.
    pub fn new(url: &str, credentials: Credentials, ca: Option<&[u8]>) -> Result<Self, GivenError> {
        use base64::Engine as _;
        let trimmed = url.trim().trim_end_matches('/');
        let valid = trimmed.parse::<http::Uri>().is_ok_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
        }) && !trimmed.contains(['?', '#']);
        if !valid {
            return Err(GivenError::Url {
                url: url.to_owned(),
            });
        }
        let authorization = match credentials {
            Credentials::None => None,
            Credentials::Bearer(token) => {
                Some(Secret::new(format!("Bearer {}", token.expose().trim())))
            }
            Credentials::Basic { username, password } => Some(Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", password.expose()))
            ))),
        };
        Ok(Self {
            url: trimmed.to_owned(),
            authorization,
            https: Https::new(ca).map_err(GivenError::Tls)?,
        })
    }

    /// Its URL, as the UI says where Prometheus is.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// GETs `path_and_query` from it: the status and body it answered (a 400 with Prometheus's
    /// error is an answer), or why there is none.
    pub async fn get(&self, path_and_query: &str) -> Result<(u16, Vec<u8>), GivenError> {
        let mut request = http::Request::get(format!("{}{path_and_query}", self.url));
        if let Some(authorization) = &self.authorization {
            request = request.header(http::header::AUTHORIZATION, authorization.expose());
        }
        let request = request.body(Vec::new()).map_err(|_| GivenError::Url {
            url: self.url.clone(),
        })?;
        let response = self
            .https
            .send(request, REQUEST_TIMEOUT)
            .await
            .map_err(GivenError::Unreachable)?;
        match response.status().as_u16() {
            status @ (401 | 403) => Err(GivenError::Refused(status)),
            status => Ok((status, response.into_body())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(namespace: &str, name: &str, ports: &[i32]) -> (String, String, Vec<i32>) {
        (namespace.to_owned(), name.to_owned(), ports.to_vec())
    }

    #[test]
    fn the_usual_places_are_tried_in_order() {
        let services = [
            service("default", "kubernetes", &[443]),
            service("prom", "prometheus-server", &[80]),
            service("monitoring", "prometheus-operated", &[9090]),
            service(
                "monitoring",
                "kps-kube-prometheus-stack-prometheus",
                &[9090, 8080],
            ),
            service(
                "kubesphere-monitoring-system",
                "prometheus-k8s",
                &[9090, 8080],
            ),
        ];
        let labels: Vec<String> = candidates(PROMETHEUS.places, &services)
            .iter()
            .map(ServicePort::label)
            .collect();
        assert_eq!(
            labels,
            [
                "kubesphere-monitoring-system/prometheus-k8s:9090",
                "monitoring/prometheus-operated:9090",
                "monitoring/kps-kube-prometheus-stack-prometheus:9090",
                "prom/prometheus-server:80",
            ]
        );
        assert!(
            candidates(
                PROMETHEUS.places,
                &[service("default", "kubernetes", &[443])]
            )
            .is_empty()
        );
        let alertmanagers = candidates(
            ALERTMANAGER.places,
            &[
                service(
                    "monitoring",
                    "kps-kube-prometheus-stack-alertmanager",
                    &[9093, 8080],
                ),
                service("kubesphere-monitoring-system", "alertmanager-main", &[9093]),
                service("kubesphere-monitoring-system", "prometheus-k8s", &[9090]),
            ],
        );
        assert_eq!(
            alertmanagers
                .iter()
                .map(ServicePort::label)
                .collect::<Vec<_>>(),
            [
                "kubesphere-monitoring-system/alertmanager-main:9093",
                "monitoring/kps-kube-prometheus-stack-alertmanager:9093",
            ]
        );
    }

    #[tokio::test]
    async fn a_given_prometheus_is_sent_its_credentials_and_a_refusal_is_named() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/prom/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let mut heads = Vec::new();
            for status in ["200 OK", "401 Unauthorized"] {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0];
                    stream.read_exact(&mut byte).await.unwrap();
                    head.push(byte[0]);
                }
                heads.push(String::from_utf8(head).unwrap().to_lowercase());
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                );
                stream.write_all(answer.as_bytes()).await.unwrap();
            }
            heads
        });
        let given = Given::new(&url, Credentials::Bearer(Secret::new("tok-1\n")), None).unwrap();
        assert_eq!(given.url(), url.trim_end_matches('/'));
        let answered = given.get("/api/v1/status/buildinfo").await.unwrap();
        assert_eq!(answered, (200, b"{}".to_vec()));
        let refused = given.get("/api/v1/query?query=up").await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the credentials were refused (HTTP 401)"
        );
        let heads = server.await.unwrap();
        assert!(
            heads[0].starts_with("get /prom/api/v1/status/buildinfo "),
            "{}",
            heads[0]
        );
        assert!(
            heads[0].contains("authorization: bearer tok-1\r\n"),
            "{}",
            heads[0]
        );

        for wrong in [
            "prometheus:9090",
            "ftp://prometheus",
            "http://",
            "https://p/?q=1",
        ] {
            let error = Given::new(wrong, Credentials::None, None).unwrap_err();
            assert!(matches!(error, GivenError::Url { .. }), "{wrong}: {error}");
        }
    }
}
