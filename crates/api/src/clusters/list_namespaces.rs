//! `list_namespaces`: the namespaces of a context's cluster, or why they cannot be listed.

use kubedesk_cluster::{ConnectError, Namespaces};
use kubedesk_ipc as ipc;

use crate::App;

/// Lists the namespaces with the context's client; a user who may not list them gets the
/// server's reason and works in the namespaces they name.
pub async fn list_namespaces(
    app: &App,
    request: ipc::ListNamespaces,
) -> Result<ipc::NamespaceList, ipc::Error> {
    let client = app
        .clients
        .get(&app.kubeconfig, &request.context)
        .await
        .map_err(|error| {
            let hint = match error {
                ConnectError::Credentials { .. } => "Renew the context's credentials, then reload.",
                ConnectError::Kubeconfig { .. } => "Fix the context's entries in the kubeconfig.",
            };
            ipc::Error {
                code: ipc::ErrorCode::Unavailable,
                message: error.to_string(),
                hint: Some(hint.to_owned()),
            }
        })?;
    Ok(match kubedesk_cluster::namespaces(&client).await {
        Namespaces::Listed(names) => ipc::NamespaceList {
            names,
            forbidden: None,
            failed: None,
        },
        Namespaces::Forbidden(message) => ipc::NamespaceList {
            names: Vec::new(),
            forbidden: Some(message),
            failed: None,
        },
        Namespaces::Failed(message) => ipc::NamespaceList {
            names: Vec::new(),
            forbidden: None,
            failed: Some(message),
        },
    })
}
