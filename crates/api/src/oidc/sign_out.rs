//! `sign_out`: ends a context's OpenID Connect sign-in.

use kubedesk_ipc as ipc;

use crate::App;

/// Forgets the context's ID token and removes its refresh token from the keyring.
pub async fn sign_out(app: &App, request: ipc::SignOut) -> Result<(), ipc::Error> {
    app.clients
        .sessions()
        .sign_out(&request.context)
        .await
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!(
                "signing out of context {:?} failed: {error}",
                request.context
            ),
            hint: Some("Unlock the keyring and try again.".into()),
        })?;
    app.clients.forget(&request.context).await;
    Ok(())
}
