//! `save_settings`: keeps the user's settings for the next start.

use kubedesk_ipc as ipc;

use crate::App;

/// Writes the settings file and answers with what was written.
pub fn save_settings(app: &App, request: ipc::SaveSettings) -> Result<ipc::Settings, ipc::Error> {
    app.settings.save(&request.settings)?;
    Ok(request.settings)
}
