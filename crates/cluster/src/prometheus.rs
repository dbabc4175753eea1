//! A cluster's Prometheus, found and reached through the API server's service proxy, as the
//! KubeSphere console and Lens reach it: nothing is exposed or port-forwarded, and the user's own
//! credentials and RBAC (`services/proxy`) apply.
//!
//! It is looked for at the usual places, in order: KubeSphere's
//! `kubesphere-monitoring-system/prometheus-k8s`, kube-prometheus's `monitoring/prometheus-k8s`,
//! the Prometheus Operator's `prometheus-operated`, kube-prometheus-stack's
//! `…-kube-prometheus-stack-prometheus` (and its older `…-kube-prometheus-prometheus`), the
//! community chart's `prometheus-server`, and Lens's `lens-metrics/prometheus`; each candidate is
//! asked its build info, and the first that answers as Prometheus is used.

use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

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

/// Where a cluster's Prometheus was found, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its service port.
    pub service: ServicePort,
    /// Its version (`2.42.0`).
    pub version: String,
}

/// Why no Prometheus was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    /// None of the usual services exists (or the user may not see them).
    #[error("no Prometheus service was found; looked for {}", .looked.join(", "))]
    Missing {
        /// What was looked for.
        looked: Vec<String>,
    },
    /// Services were found, and none answered as Prometheus.
    #[error("{}", .tried.iter().map(|(service, why)| format!("{service}: {why}")).collect::<Vec<_>>().join("; "))]
    NotAnswering {
        /// Each service tried, and why it did not do.
        tried: Vec<(String, String)>,
    },
}

/// The usual places, as (namespace or `None` for any, name or a suffix after `*`, port).
const PLACES: &[(Option<&str>, &str, &str)] = &[
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
];

/// The candidates among `services` (namespace, name, the port numbers they serve), in the
/// order of [`PLACES`].
fn candidates(services: &[(String, String, Vec<i32>)]) -> Vec<ServicePort> {
    let mut found = Vec::new();
    for (namespace, name, port) in PLACES {
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

/// Finds the cluster's Prometheus.
pub async fn find(client: &kube::Client) -> Result<Found, NotFound> {
    let services = services(client).await;
    let found = candidates(&services);
    if found.is_empty() {
        return Err(NotFound::Missing {
            looked: PLACES
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
        match build_info(client, &service).await {
            Ok(version) => return Ok(Found { service, version }),
            Err(why) => tried.push((service.label(), why.to_string())),
        }
    }
    Err(NotFound::NotAnswering { tried })
}

/// Every service with its ports, from a list across namespaces, or, where that is not
/// allowed, the fixed places read one by one.
async fn services(client: &kube::Client) -> Vec<(String, String, Vec<i32>)> {
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
    for (namespace, name, _) in PLACES {
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

/// Why a service found is not the cluster's Prometheus.
#[derive(Debug, thiserror::Error)]
enum NotPrometheus {
    /// It could not be asked.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// It answered, not as Prometheus's API.
    #[error("HTTP {0}, not Prometheus's API")]
    Answer(u16),
}

/// The version `service` says it is, when it answers as Prometheus.
async fn build_info(client: &kube::Client, service: &ServicePort) -> Result<String, NotPrometheus> {
    let (status, body) = get(client, service, "/api/v1/status/buildinfo").await?;
    let answer: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| NotPrometheus::Answer(status))?;
    match answer["data"]["version"].as_str() {
        Some(version) if answer["status"] == "success" => Ok(version.to_owned()),
        _ => Err(NotPrometheus::Answer(status)),
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
        let labels: Vec<String> = candidates(&services)
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
        assert!(candidates(&[service("default", "kubernetes", &[443])]).is_empty());
    }
}
