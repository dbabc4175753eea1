//! `list_namespaces`: the namespaces of a context's cluster, or why they cannot be listed.

use kubedesk_cluster::Namespaces;
use kubedesk_ipc as ipc;

use super::client::client;
use crate::App;

/// Lists the namespaces with the context's client; a user who may not list them gets the
/// server's reason and works in the namespaces they name.
pub async fn list_namespaces(
    app: &App,
    request: ipc::ListNamespaces,
) -> Result<ipc::NamespaceList, ipc::Error> {
    let client = client(app, &request.context).await?;
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
