//! Use-cases about clusters and contexts.

mod list_contexts;

pub use list_contexts::list_contexts;
