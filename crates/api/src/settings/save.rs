//! `save_settings`: keeps the user's settings for the next start.

use kubedesk_ipc as ipc;

use crate::App;

/// Checks the settings, writes the settings file, and answers with what was written. Sign-in
/// settings and the offline store's limits take effect at once.
pub async fn save_settings(
    app: &App,
    request: ipc::SaveSettings,
) -> Result<ipc::Settings, ipc::Error> {
    super::sign_in::check(&request.settings)?;
    let limits = crate::offline::limits(request.settings.offline_limits)?;
    app.settings.save(&request.settings)?;
    super::sign_in::apply(app, &request.settings).await;
    if let Ok(store) = &app.store {
        store.set_limits(limits);
    }
    Ok(request.settings)
}
