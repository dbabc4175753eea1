//! `list_resources`: what a cluster serves, asked anew.

use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;
use crate::tables::convert::table_kind;

/// Every resource the context's cluster serves that can be listed and watched, by group and name.
pub async fn list_resources(
    app: &App,
    request: ipc::ListResources,
) -> Result<Vec<ipc::ServedResource>, ipc::Error> {
    let served = match client::cluster(app, &request.context).await? {
        client::Cluster::Live(client) => super::discover(app, &client, &request.context).await?,
        client::Cluster::Kept(kept) => std::sync::Arc::new(kept.served()),
    };
    Ok(served
        .iter()
        .map(|resource| ipc::ServedResource {
            name: ipc::ResourceName {
                group: resource.group.clone(),
                version: resource.version.clone(),
                plural: resource.plural.clone(),
            },
            kind: resource.kind.clone(),
            namespaced: resource.namespaced,
            table: resource.table().map(table_kind),
        })
        .collect())
}
