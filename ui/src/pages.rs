//! One page per area.

pub mod clusters;
pub mod gpus;
pub mod monitoring;
pub mod not_built;
pub mod object;
pub mod overview;
pub mod resources;
pub mod settings;
pub mod storage;
pub mod workload_form;
pub mod workloads;
pub mod workspaces;
