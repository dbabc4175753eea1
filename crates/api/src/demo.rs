//! Use-cases about the built-in demo clusters.

mod prometheus;
mod serve;

pub use kubedesk_sim::auth::OidcConfig;
pub use prometheus::RULES;
pub use serve::{DemoClusters, DemoError, SimOptions, serve, until_interrupted};
