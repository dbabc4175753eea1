//! The namespaces a user can work in: listed when RBAC allows it; otherwise the user works in the
//! namespaces the context names or they type, and the reason is kept to show.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};

use crate::connect::REQUEST_TIMEOUT;

/// The namespaces of a cluster, or why they cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespaces {
    /// Every namespace, by name.
    Listed(Vec<String>),
    /// The user may not list namespaces; the server's message.
    Forbidden(String),
    /// The request failed otherwise.
    Failed(String),
}

/// Lists the namespaces, bounded by the request timeout.
pub async fn namespaces(client: &kube::Client) -> Namespaces {
    let api: Api<Namespace> = Api::all(client.clone());
    match tokio::time::timeout(REQUEST_TIMEOUT, api.list_metadata(&ListParams::default())).await {
        Ok(Ok(list)) => Namespaces::Listed(
            list.items
                .into_iter()
                .filter_map(|namespace| namespace.metadata.name)
                .collect(),
        ),
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => {
            Namespaces::Forbidden(status.message)
        }
        Ok(Err(error)) => Namespaces::Failed(error.to_string()),
        Err(_) => Namespaces::Failed(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
    }
}
