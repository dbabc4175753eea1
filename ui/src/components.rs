//! Components shared by the pages.

pub mod empty_state;
pub mod health;
pub mod icon;
pub mod live_table;
pub mod log_viewer;
pub mod notice;
pub mod palette;
pub mod read_only;
pub mod side_nav;
pub mod sign_in;
pub mod table;
pub mod time_chart;
pub mod top_bar;
pub mod yaml_editor;
