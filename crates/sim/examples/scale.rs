//! The simulator at scale: seeds `gpu-prod` with N extra pods (100,000 by default), serves it, and
//! reports how long seeding took, the process's memory, and listing every pod with kube-rs (typed,
//! paged as kubectl pages, and in one response) against parsing the same JSON with serde alone.
//!
//! `cargo run --release -p kubedesk-sim --example scale [-- PODS]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a measurement tool: it reports on stdout and stops at the first failure"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::{Api, Client, Config};
use kubedesk_sim::{SimServer, demo};

/// The proportional set size of this process, in MiB (Linux's smaps_rollup).
fn pss_mib() -> f64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let kib: f64 = text
        .lines()
        .find(|line| line.starts_with("Pss:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(100_000);
    let before = pss_mib();
    let started = Instant::now();
    let cluster = demo::gpu_prod().unwrap();
    demo::add_pods(&cluster, pods).unwrap();
    println!(
        "seeded gpu-prod with {pods} extra pods in {:.2} s; PSS {:.0} MiB (was {before:.0} MiB)",
        started.elapsed().as_secs_f64(),
        pss_mib()
    );
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    let api: Api<Pod> = Api::all(client.clone());

    // The baseline: the same bytes, fetched once, parsed with serde_json alone.
    let fetch = Instant::now();
    let raw = client
        .request_text(http::Request::get("/api/v1/pods").body(Vec::new()).unwrap())
        .await
        .unwrap();
    let fetch_seconds = fetch.elapsed().as_secs_f64();
    let parse = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let parse_seconds = parse.elapsed().as_secs_f64();
    let count = value["items"].as_array().map_or(0, Vec::len);
    println!(
        "one LIST response: {count} pods, {:.1} MB, answered and read in {fetch_seconds:.2} s; serde_json parses it in {parse_seconds:.2} s",
        raw.len() as f64 / 1e6
    );

    let typed = Instant::now();
    let listed = api.list(&ListParams::default()).await.unwrap();
    let typed_seconds = typed.elapsed().as_secs_f64();
    println!(
        "kube-rs Api<Pod>::list, one response: {} pods in {typed_seconds:.2} s ({:.1}x the plain parse)",
        listed.items.len(),
        typed_seconds / parse_seconds
    );

    let paged = Instant::now();
    let mut total = 0;
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api.list(&params).await.unwrap();
        total += page.items.len();
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    println!(
        "kube-rs Api<Pod>::list in pages of 500 (as kubectl pages): {total} pods in {:.2} s",
        paged.elapsed().as_secs_f64()
    );
    drop((raw, value, listed));
    println!("PSS with the lists freed: {:.0} MiB", pss_mib());
}
