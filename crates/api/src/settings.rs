//! Use-cases about the user's settings, and the file that keeps them.

mod get;
mod save;
mod sign_in;
mod store;

pub use get::get_settings;
pub use save::save_settings;
pub(crate) use sign_in::convert as sign_in_settings;
pub(crate) use store::SettingsStore;
