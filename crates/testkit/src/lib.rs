//! Real servers and peers the tests of several crates share, each started on loopback by the test
//! that needs it and stopped when dropped: npm's `oidc-provider` as the OpenID provider, a
//! scripted browser that fills in its login and consent pages, gnome-keyring's Secret Service
//! on a private D-Bus, Prometheus scraping a simulated cluster, and Alertmanager. Recipes: `shared/reference/real-servers.md` §1 and §3.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a failure names what it unwrapped, at the test that called it"
)]

mod alertmanager;
mod browser;
mod browser_script;
mod child;
mod oidc;
mod prometheus;
mod registry;
mod secret_service;
mod wait;

pub use alertmanager::Alertmanager;
pub use browser::{Browser, decode, encode, parameter};
pub use browser_script::BrowserScript;
pub use child::{in_child, run_in_child};
pub use oidc::{Provider, oidc_cluster};
pub use prometheus::{BASIC_AUTH, Prometheus};
pub use registry::{Access, Registry};
pub use secret_service::SecretService;
pub use wait::{eventually, eventually_async, pss_mib};

/// The repository's root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
