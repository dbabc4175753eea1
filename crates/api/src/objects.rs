//! Use-cases about objects: `watch_object` follows one for its detail page (and says which
//! actions the user may take on it), `stop_object` ends that, `run_action` takes an action, and
//! `apply_yaml` applies YAML from the editor or the create page.

mod action;
mod apply_yaml;
pub(crate) mod convert;
mod watch;

pub use action::run_action;
pub use apply_yaml::apply_yaml;
pub use watch::{Followed, stop_object, watch_object};
