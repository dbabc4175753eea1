//! `sign_in`: signs in to a context's OpenID provider through the system browser.

use kubedesk_ipc as ipc;

use crate::App;

/// Opens the provider's sign-in page and waits for the browser to come back; the refresh token
/// goes to the keyring, and the context's client is made again with the new ID token.
pub async fn sign_in(app: &App, request: ipc::SignIn) -> Result<ipc::SignedIn, ipc::Error> {
    let context = &request.context;
    let settings = app
        .clients
        .oidc_settings(&app.kubeconfig, context)
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: error.to_string(),
            hint: Some("Fix the context's entries in the kubeconfig.".into()),
        })?
        .ok_or_else(|| ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: format!("context {context:?} does not sign in with OpenID Connect"),
            hint: Some(
                "Set its issuer and client ID in Settings, or give its user an oidc auth-provider or a kubelogin exec plugin in the kubeconfig."
                    .into(),
            ),
        })?;
    let identity = app
        .clients
        .sessions()
        .sign_in(context, &settings, |url| {
            super::browser::open(app.browser.as_deref(), url)
        })
        .await
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Unavailable,
            message: format!("signing in to context {context:?} failed: {error}"),
            hint: Some("Try again; if it keeps failing, check the provider's settings.".into()),
        })?;
    app.clients.forget(context).await;
    Ok(super::signed_in(identity))
}
