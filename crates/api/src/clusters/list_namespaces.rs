//! `list_namespaces`: the namespaces of a context's cluster, or why they cannot be listed.

use kubedesk_cluster::Namespaces;
use kubedesk_ipc as ipc;

use super::client::{Cluster, cluster};
use crate::App;

/// Lists the namespaces with the context's client; a user who may not list them gets the
/// server's reason and works in the namespaces they name.
pub async fn list_namespaces(
    app: &App,
    request: ipc::ListNamespaces,
) -> Result<ipc::NamespaceList, ipc::Error> {
    let client = match cluster(app, &request.context).await? {
        Cluster::Live(client) => client,
        Cluster::Kept(kept) => {
            return Ok(ipc::NamespaceList {
                names: kept.namespaces(),
                forbidden: None,
                failed: None,
            });
        }
    };
    Ok(match kubedesk_cluster::namespaces(&client).await {
        Namespaces::Listed(names) => {
            crate::offline::keep_namespaces(app, &request.context, &names);
            ipc::NamespaceList {
                names,
                forbidden: None,
                failed: None,
            }
        }
        Namespaces::Forbidden(message) => ipc::NamespaceList {
            names: Vec::new(),
            forbidden: Some(message),
            failed: None,
        },
        // A cluster that does not answer offers its namespaces as last listed.
        Namespaces::Failed(message) => ipc::NamespaceList {
            names: app
                .store
                .as_ref()
                .ok()
                .and_then(|store| crate::offline::namespaces(store, &request.context))
                .unwrap_or_default(),
            forbidden: None,
            failed: Some(message),
        },
    })
}
