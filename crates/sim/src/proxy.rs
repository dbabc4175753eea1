//! The API server's proxy subresources: `pods/{[scheme:]name[:port]}/proxy/{path}` and
//! `services/{[scheme:]name[:port]}/proxy/{path}`. A service is resolved as the API server does:
//! its port (by name or number, the only one when none is named), the target port (a number, or
//! a name looked up in the pod's container ports), and a running pod its selector picks.
//!
//! What a simulated pod answers comes from its annotations: `sim.kubedesk.io/forwards`, a JSON
//! object of pod ports and the loopback address of a real process that serves it (a Prometheus
//! started beside the simulator), to which the request is passed as it came, query included;
//! or `sim.kubedesk.io/serves`, a JSON object of `"port/path"` keys and fixed bodies (an etcd
//! member's metrics). Any other port refuses the connection, in the API server's words.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::header::CONTENT_TYPE;
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::Cluster;
use crate::api::Body;
use crate::selector::LabelSelector;
use crate::status::Failure;

/// What a proxy request asks: the object, and the port and path on it.
pub struct Asked<'a> {
    /// The namespace.
    pub namespace: &'a str,
    /// `[scheme:]name[:port]`, as the URL gives it.
    pub name: &'a str,
    /// The path after `/proxy` (`/api/v1/query`).
    pub path: &'a str,
    /// The query string, as sent (without the `?`).
    pub query: Option<&'a str>,
}

/// `(name, port)` from `[scheme:]name[:port]`.
fn split_name(asked: &str) -> Result<(&str, Option<&str>), Failure> {
    let mut parts: Vec<&str> = asked.split(':').collect();
    if matches!(parts.first(), Some(&("http" | "https"))) {
        parts.remove(0);
    }
    match parts.as_slice() {
        [name] => Ok((name, None)),
        [name, port] => Ok((name, Some(port))),
        _ => Err(Failure::bad_request(format!("invalid name {asked:?}"))),
    }
}

/// Answers a proxy request to `pod`.
pub async fn pod(pod: &Value, asked: Asked<'_>) -> Result<Response<Body>, Failure> {
    let (_, port) = split_name(asked.name)?;
    serve(pod, port.unwrap_or("80"), &asked).await
}

/// Answers a service proxy request through a running pod the service selects.
pub async fn service(
    cluster: &Cluster,
    service: &Value,
    asked: Asked<'_>,
) -> Result<Response<Body>, Failure> {
    let (name, port) = split_name(asked.name)?;
    let ports = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let chosen = match port {
        Some(port) => ports.iter().find(|candidate| {
            candidate["name"].as_str() == Some(port)
                || candidate["port"]
                    .as_u64()
                    .map(|number| number.to_string())
                    .as_deref()
                    == Some(port)
        }),
        None if ports.len() == 1 => ports.first(),
        None => None,
    };
    let Some(chosen) = chosen else {
        let message = match port {
            Some(port) => format!("no such port {port:?} on service {name:?}"),
            None => format!("a port must be named for service {name:?}: it has several"),
        };
        return Err(unavailable(message));
    };
    let selector = service
        .pointer("/spec/selector")
        .filter(|selector| selector.as_object().is_some_and(|map| !map.is_empty()))
        .and_then(|selector| LabelSelector::from_object(&json!({"matchLabels": selector})));
    let no_endpoints = || unavailable(format!("no endpoints available for service \"{name}\""));
    let selector = selector.ok_or_else(no_endpoints)?;
    let (_, pods) = cluster.store.list("/pods", Some(asked.namespace));
    let pod = pods
        .into_iter()
        .filter(|pod| selector.matches(pod))
        .find(|pod| pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .ok_or_else(no_endpoints)?;
    let target = match &chosen["targetPort"] {
        Value::Number(number) => number.to_string(),
        Value::String(named) => container_port(&pod, named).unwrap_or_else(|| named.clone()),
        _ => chosen["port"].to_string(),
    };
    serve(&pod, &target, &asked).await
}

/// The number of the container port named `name` in `pod`.
fn container_port(pod: &Value, name: &str) -> Option<String> {
    pod.pointer("/spec/containers")?
        .as_array()?
        .iter()
        .flat_map(|container| container["ports"].as_array().into_iter().flatten())
        .find(|port| port["name"].as_str() == Some(name))
        .and_then(|port| port["containerPort"].as_u64())
        .map(|number| number.to_string())
}

/// What `pod` answers on `port` for the request: forwarded to the real process behind it, or
/// its fixed body, or a refused connection.
async fn serve(pod: &Value, port: &str, asked: &Asked<'_>) -> Result<Response<Body>, Failure> {
    let annotation = |key: &str| {
        pod.pointer(&format!("/metadata/annotations/{key}"))
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
    };
    let address = pod
        .pointer("/status/podIP")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let refused = || {
        unavailable(format!(
            "error trying to reach service: dial tcp {address}:{port}: connect: connection refused"
        ))
    };
    if let Some(upstream) = annotation("sim.kubedesk.io~1forwards")
        .and_then(|forwards| forwards.get(port)?.as_str().map(str::to_owned))
    {
        let upstream: SocketAddr = upstream.parse().map_err(|_| refused())?;
        // Only loopback: the simulator passes requests to processes beside it, nowhere else.
        if !upstream.ip().is_loopback() {
            return Err(refused());
        }
        return forward(upstream, asked).await.ok_or_else(refused);
    }
    let body = annotation("sim.kubedesk.io~1serves")
        .and_then(|serves| {
            serves
                .get(format!("{port}{}", asked.path))?
                .as_str()
                .map(String::from)
        })
        .ok_or_else(refused)?;
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed_unsync());
    if let Ok(value) = "text/plain; version=0.0.4".parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    Ok(response)
}

/// GETs the path and query from `upstream` over HTTP/1.1, and answers with its status, content
/// type and body; `None` when it cannot be reached (the caller answers as a refused connection).
async fn forward(upstream: SocketAddr, asked: &Asked<'_>) -> Option<Response<Body>> {
    let stream = tokio::net::TcpStream::connect(upstream).await.ok()?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .ok()?;
    tokio::spawn(connection);
    let target = match asked.query {
        Some(query) => format!("{}?{query}", asked.path),
        None => asked.path.to_owned(),
    };
    let request = hyper::Request::get(target)
        .header(hyper::header::HOST, upstream.to_string())
        .body(Empty::<Bytes>::new())
        .ok()?;
    let answer = sender.send_request(request).await.ok()?;
    let status = answer.status();
    let content_type = answer.headers().get(CONTENT_TYPE).cloned();
    let body = answer.into_body().collect().await.ok()?.to_bytes();
    let mut response = Response::new(Full::new(body).boxed_unsync());
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    Some(response)
}

fn unavailable(message: String) -> Failure {
    Failure {
        code: StatusCode::SERVICE_UNAVAILABLE.as_u16(),
        body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": "ServiceUnavailable", "code": 503}),
    }
}
