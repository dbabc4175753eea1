//! Use-cases about clusters and contexts.

mod health;
mod list_contexts;

pub use health::cluster_health;
pub use list_contexts::list_contexts;
