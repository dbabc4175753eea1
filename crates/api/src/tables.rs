//! Use-cases about live tables: `watch_table` subscribes a view to a window of a kind's rows,
//! `query_table` changes its filter, sort or window, `stop_table` ends it. Each subscription is a
//! task the app owns; it sends the window again at once when the query changes, and when the rows
//! change at most every [`UPDATE_EVERY`].

pub(crate) mod convert;
mod watch;

pub use watch::{Watches, query_table, stop_table, watch_table};

/// The shortest time between two updates of one subscription caused by changed rows: changes in
/// between are coalesced.
pub const UPDATE_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
