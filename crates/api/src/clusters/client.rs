//! The context's client for a use-case, or the boundary error that says why there is none.

use kubedesk_cluster::{Client, ConnectError, Kubeconfig};
use kubedesk_ipc as ipc;

use crate::App;

/// The kept client of `context`, connecting on first use.
pub(crate) async fn client(app: &App, context: &str) -> Result<Client, ipc::Error> {
    app.clients
        .get(&app.kubeconfig, context)
        .await
        .map_err(|error| {
            let hint = match error {
                ConnectError::Credentials { .. } => "Renew the context's credentials, then reload.",
                ConnectError::Kubeconfig { .. } => "Fix the context's entries in the kubeconfig.",
                ConnectError::SignIn { .. } => "Sign in to the context on the Clusters page.",
            };
            unavailable(error.to_string(), hint)
        })
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
