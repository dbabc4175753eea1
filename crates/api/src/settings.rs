//! Use-cases about the user's settings, and the file that keeps them.

mod get;
mod save;
mod store;

pub use get::get_settings;
pub use save::save_settings;
pub(crate) use store::SettingsStore;
