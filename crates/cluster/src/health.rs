//! How a cluster is doing, as the Clusters page shows it: reachable and signed in, with its server
//! version and its nodes' capacity; or why not (unreachable, unauthorized, forbidden), with the
//! underlying reason.

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};

use crate::connect::REQUEST_TIMEOUT;

/// CPU, memory and GPUs: what nodes have, or what they offer to pods.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    /// CPU in cores.
    pub cpu: f64,
    /// Memory in bytes.
    pub memory: f64,
    /// GPUs: `nvidia.com/gpu` and MIG instances (`nvidia.com/mig-*`).
    pub gpus: f64,
}

/// What the nodes add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nodes {
    /// How many nodes there are.
    pub count: usize,
    /// How many report Ready.
    pub ready: usize,
    /// What they have.
    pub capacity: Resources,
    /// What they offer to pods.
    pub allocatable: Resources,
}

/// A cluster's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// It answers and accepts the credentials.
    Ready {
        /// The server's `gitVersion` (`v1.32.4`).
        version: String,
        /// The nodes, unless the user may not list them.
        nodes: Option<Nodes>,
    },
    /// The credentials were refused, or could not be obtained (an exec plugin failed).
    Unauthorized {
        /// Why.
        detail: String,
    },
    /// The credentials are accepted but the user may not even read the server's version.
    Forbidden {
        /// The server's message.
        detail: String,
    },
    /// No answer: the address, the network, a proxy or TLS is wrong.
    Unreachable {
        /// Why.
        detail: String,
    },
}

/// Asks the cluster for its version, then its nodes; never takes longer than the request timeout
/// per request.
pub async fn check(client: &kube::Client) -> Health {
    let version = match tokio::time::timeout(REQUEST_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => info.git_version,
        Ok(Err(error)) => return classify(&error),
        Err(_) => {
            return Health::Unreachable {
                detail: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            };
        }
    };
    let api: Api<Node> = Api::all(client.clone());
    let nodes = match tokio::time::timeout(REQUEST_TIMEOUT, api.list(&ListParams::default())).await
    {
        Ok(Ok(list)) => Some(summarise(&list.items)),
        // A user who may not list nodes still uses the cluster; the page says nodes are hidden.
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => None,
        Ok(Err(error)) => return classify(&error),
        Err(_) => {
            return Health::Unreachable {
                detail: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            };
        }
    };
    Health::Ready { version, nodes }
}

fn summarise(items: &[Node]) -> Nodes {
    let mut nodes = Nodes {
        count: items.len(),
        ..Nodes::default()
    };
    for node in items {
        let Some(status) = &node.status else { continue };
        let ready = status
            .conditions
            .iter()
            .flatten()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True");
        nodes.ready += usize::from(ready);
        for (list, total) in [
            (&status.capacity, &mut nodes.capacity),
            (&status.allocatable, &mut nodes.allocatable),
        ] {
            for (name, quantity) in list.iter().flatten() {
                let amount = parse_quantity(&quantity.0).unwrap_or(0.0);
                match name.as_str() {
                    "cpu" => total.cpu += amount,
                    "memory" => total.memory += amount,
                    "nvidia.com/gpu" => total.gpus += amount,
                    mig if mig.starts_with("nvidia.com/mig-") => total.gpus += amount,
                    _ => {}
                }
            }
        }
    }
    nodes
}

/// A Kubernetes quantity (`500m`, `16Gi`, `2`) as a number of its unit.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0_f64.powi(2),
        "Gi" => 1024.0_f64.powi(3),
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exponent => 10f64.powi(exponent.strip_prefix(['e', 'E'])?.parse().ok()?),
    };
    Some(number * scale)
}

/// Sorts a failed request into a state, with the most telling reason of the error chain.
fn classify(error: &kube::Error) -> Health {
    match error {
        kube::Error::Api(status) if status.code == 401 => Health::Unauthorized {
            detail: status.message.clone(),
        },
        kube::Error::Api(status) if status.code == 403 => Health::Forbidden {
            detail: status.message.clone(),
        },
        kube::Error::Auth(_) => Health::Unauthorized {
            detail: chain(error),
        },
        // The innermost cause says it best: "Connection refused", "invalid peer certificate".
        _ => Health::Unreachable {
            detail: root_cause(error),
        },
    }
}

/// What the user is told of a failed request: the API server's own message when it answered,
/// else the innermost cause ("Connection refused").
pub fn message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message.clone(),
        other => root_cause(other),
    }
}

/// The innermost cause of an error: "Connection refused" rather than "client error (Connect)".
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// An error and its causes, outermost first, without repeats.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
