//! What an OpenID Connect sign-in costs, against a real provider (npm's oidc-provider) and a real
//! Secret Service (gnome-keyring on a private bus): the median time to make a context's client
//! and read the server's version, for a static token (the baseline), for a kept ID token, and for
//! an ID token refreshed on every connection (discovery, the token request, verifying the new ID
//! token, and writing the rotated refresh token to the keyring); and a whole sign-in through the
//! provider's login and consent pages.
//!
//! `cargo run --release -p kubedesk-cluster --example sign_in [-- ROUNDS]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a measurement tool: it reports on stdout and stops at the first failure"
)]

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubedesk_cluster::{Clients, KubeconfigPaths, oidc_settings};
use kubedesk_secrets::Keyring;
use kubedesk_sim::SimServer;
use kubedesk_sim::auth::User;
use kubedesk_testkit::{Browser, Provider, SecretService, oidc_cluster};

fn kubeconfig(dir: &Path, name: &str, server: &SimServer, user: &str) -> KubeconfigPaths {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {{server: \"{}\"}}\nusers:\n- name: u\n  user:\n{user}contexts:\n- name: c\n  context: {{cluster: c, user: u}}\n",
            server.url()
        ),
    )
    .unwrap();
    KubeconfigPaths::resolve(Some(OsString::from(path)), None)
}

/// The median of `rounds` runs of: a new client for the context, and the server's version.
async fn median(clients: &Clients, paths: &KubeconfigPaths, rounds: usize) -> Duration {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let client = clients.fresh(paths, "c").await.unwrap();
        client.apiserver_version().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    times[rounds / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(30);
    // The Secret Service client connects to the bus its process starts with: measure in a child.
    if std::env::var_os("KUBEDESK_FIGURES_CHILD").is_none() {
        let service = SecretService::start();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .arg(rounds.to_string())
            .env("KUBEDESK_FIGURES_CHILD", "1")
            .envs(service.env())
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let keyring = Arc::new(Keyring::open());
    assert_eq!(keyring.unavailable(), None, "the Secret Service answers");
    let dir = tempfile::tempdir().unwrap();

    // Tokens that live an hour are kept; those that live 30 s are refreshed at every connection
    // (a minute ahead of their expiry).
    for (label, ttl) in [("kept ID token", 3600), ("refreshed every time", 30)] {
        let provider = Provider::with_ttl(Duration::from_secs(ttl)).await;
        let cluster = oidc_cluster(&provider.issuer);
        cluster.auth.add_token("t-static", User::admin());
        let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let token = kubeconfig(dir.path(), "token", &server, "    token: t-static\n");
        let sso = kubeconfig(
            dir.path(),
            "sso",
            &server,
            &format!(
                "    auth-provider:\n      name: oidc\n      config: {{idp-issuer-url: \"{}\", client-id: kubedesk, extra-scopes: \"email,groups\"}}\n",
                provider.issuer
            ),
        );
        let settings = oidc_settings(&sso, "c").unwrap().unwrap();
        let clients = Clients::new(keyring.clone());
        let mut sign_ins = Vec::new();
        for _ in 0..rounds.min(10) {
            let started = Instant::now();
            clients
                .sessions()
                .sign_in("c", &settings, |url| {
                    let url = url.to_owned();
                    tokio::spawn(async move { Browser::default().authorize(&url, "alice").await });
                    Ok(())
                })
                .await
                .unwrap();
            sign_ins.push(started.elapsed());
        }
        sign_ins.sort();
        let baseline = median(&clients, &token, rounds).await;
        let measured = median(&clients, &sso, rounds).await;
        println!(
            "{label}: static token {} · ID token {} ({:.2}× the baseline) · sign-in through the browser pages {} (median of {})",
            ms(baseline),
            ms(measured),
            measured.as_secs_f64() / baseline.as_secs_f64(),
            ms(sign_ins[sign_ins.len() / 2]),
            sign_ins.len()
        );
    }
}
