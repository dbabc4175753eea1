//! What this crate's tests against the simulator share: a cluster served on a loopback port, and
//! a kube-rs client of it configured as the app configures its own.

use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_sim::{Cluster, SimServer};

/// Serves `cluster` over plain HTTP on a free loopback port.
pub async fn serve(cluster: Cluster) -> SimServer {
    SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the simulator listens")
}

/// A client of `server`, as its administrator or with a bearer `token`; like the app's clients it
/// leaves retries to its callers, so a refused request comes back at once.
pub fn client(server: &SimServer, token: Option<&str>) -> kube::Client {
    let mut config = kube::Config::new(server.url().parse().expect("the server's URL"));
    config.auth_info.token = token.map(|token| token.to_owned().into());
    config.default_retry = false;
    kube::Client::try_from(config).expect("a client")
}
