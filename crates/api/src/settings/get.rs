//! `get_settings`: the stored settings, or the defaults before anything was stored.

use kubedesk_ipc as ipc;

use crate::App;

/// Reads the settings file.
pub fn get_settings(app: &App, _request: ipc::GetSettings) -> Result<ipc::Settings, ipc::Error> {
    Ok(app.settings.load()?)
}
