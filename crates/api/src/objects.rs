//! Use-cases about one object: `watch_object` follows it for its detail page (and says which
//! actions the user may take on it), `stop_object` ends that, `run_action` takes an action.

mod action;
mod convert;
mod watch;

pub use action::run_action;
pub use watch::{Followed, stop_object, watch_object};
