//! Sign-in settings set in the app: checked before they are kept, and handed to the clients.

use std::collections::BTreeMap;

use kubedesk_cluster::oidc::OidcSettings;
use kubedesk_ipc as ipc;

use crate::App;

/// What is wrong with a context's sign-in settings, naming the context and the field.
pub(super) fn check(settings: &ipc::Settings) -> Result<(), ipc::Error> {
    for (context, sign_in) in &settings.sign_in {
        let invalid = |field: &str, problem: &str, fix: &str| ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: format!("The sign-in of context {context:?}: the {field} {problem}"),
            hint: Some(fix.to_owned()),
        };
        let issuer = sign_in.issuer.trim();
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|prefix| {
                issuer
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
            });
        let https = issuer
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty());
        if !https && !loopback {
            return Err(invalid(
                "issuer URL",
                &format!("{issuer:?} is not an https:// URL"),
                "Give the provider's issuer exactly as its discovery document names it, such as https://accounts.example.com.",
            ));
        }
        if sign_in.client_id.trim().is_empty() {
            return Err(invalid(
                "client ID",
                "is empty",
                "Give the client ID the provider registered for KubeDesk or kubectl.",
            ));
        }
        if let Some(scope) = sign_in
            .scopes
            .iter()
            .find(|scope| scope.contains(char::is_whitespace))
        {
            return Err(invalid(
                "scope",
                &format!("{scope:?} contains a space"),
                "Give one scope per entry.",
            ));
        }
    }
    Ok(())
}

/// Hands the sign-in settings to the clients; a context whose settings changed connects anew.
pub(crate) async fn apply(app: &App, settings: &ipc::Settings) {
    for context in app.clients.set_sign_in(convert(settings)) {
        app.clients.forget(&context).await;
    }
}

/// The settings as the cluster crate takes them.
pub(crate) fn convert(settings: &ipc::Settings) -> BTreeMap<String, OidcSettings> {
    settings
        .sign_in
        .iter()
        .map(|(context, sign_in)| {
            let mut oidc = OidcSettings::new(sign_in.issuer.trim(), sign_in.client_id.trim());
            oidc.scopes = sign_in.scopes.clone();
            oidc.extra_parameters = sign_in
                .extra_parameters
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            (context.clone(), oidc)
        })
        .collect()
}
