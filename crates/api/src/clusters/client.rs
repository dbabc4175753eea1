//! The context's client for a use-case, or the boundary error that says why there is none.

use std::sync::Arc;

use kubedesk_cluster::{Client, ConnectError, Kubeconfig};
use kubedesk_ipc as ipc;

use crate::App;
use crate::offline::read_only::{self, ReadOnly};

/// A cluster as a use-case reads it: live through its context's client, or read-only from what
/// was kept (a snapshot opened, a kept cluster whose context is gone).
pub(crate) enum Cluster {
    /// Live.
    Live(Client),
    /// Read-only.
    Kept(Arc<ReadOnly>),
}

/// The cluster named `context`: a snapshot open under that name, else the context's kept client
/// (connecting on first use), else the kept cluster of a context no longer in the kubeconfig.
pub(crate) async fn cluster(app: &App, context: &str) -> Result<Cluster, ipc::Error> {
    if let Some(snapshot) = read_only::snapshot(app, context) {
        return Ok(Cluster::Kept(snapshot));
    }
    match app.clients.get(&app.kubeconfig, context).await {
        Ok(client) => Ok(Cluster::Live(client)),
        Err(error) => {
            if let ConnectError::Kubeconfig { .. } = error
                && let Some(removed) = read_only::removed(app, context)
            {
                return Ok(Cluster::Kept(removed));
            }
            let hint = match error {
                ConnectError::Credentials { .. } => "Renew the context's credentials, then reload.",
                ConnectError::Kubeconfig { .. } => "Fix the context's entries in the kubeconfig.",
                ConnectError::SignIn { .. } => "Sign in to the context on the Clusters page.",
            };
            Err(unavailable(error.to_string(), hint))
        }
    }
}

/// The kept client of `context`, connecting on first use; a read-only cluster has none, and
/// says why.
pub(crate) async fn client(app: &App, context: &str) -> Result<Client, ipc::Error> {
    match cluster(app, context).await? {
        Cluster::Live(client) => Ok(client),
        Cluster::Kept(read_only) => Err(read_only.refusal()),
    }
}

/// The error for a cluster that cannot be used now.
pub(crate) fn unavailable(message: String, hint: &str) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message,
        hint: Some(hint.to_owned()),
    }
}

/// The namespace a request works in: the one it names, else the context's own, else `default`.
pub(crate) fn namespace(app: &App, context: &str, asked: Option<String>) -> String {
    asked
        .or_else(|| {
            Kubeconfig::load(&app.kubeconfig)
                .contexts
                .remove(context)
                .and_then(|context| context.namespace)
        })
        .unwrap_or_else(|| "default".to_owned())
}
