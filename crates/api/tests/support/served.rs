//! What this crate's tests of one simulated cluster share: the cluster served on a loopback port
//! and an app whose kubeconfig names it (its context is the cluster's name).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_sim::{Cluster, SimServer};

/// Serves `cluster`; the server, the folder the app keeps its files in, and the app.
pub async fn serve(cluster: Cluster) -> (SimServer, tempfile::TempDir, App) {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = SimServer::start(Arc::new(cluster), local)
        .await
        .expect("the simulator starts");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kubedesk_sim::kubeconfig(&[&server]))
        .expect("the kubeconfig is written");
    let app = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    (server, dir, app)
}
