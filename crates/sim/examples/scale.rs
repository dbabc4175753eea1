//! The simulator at scale: how long the three demo clusters take to seed and listen over TLS; then
//! `gpu-prod` with N extra pods (100,000 by default): seeding time, the process's memory, and
//! listing every pod with kube-rs (typed, paged as kubectl pages, and in one response) and with
//! kubectl, against parsing the same JSON with serde alone.
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
use kubedesk_testkit::pss_mib;

#[tokio::main]
async fn main() {
    let demo_start = Instant::now();
    let mut demo_servers = Vec::new();
    for cluster in [demo::gpu_prod(), demo::edge(), demo::dev()] {
        let cluster = Arc::new(cluster.unwrap());
        let address = SocketAddr::from(([127, 0, 0, 1], 0));
        demo_servers.push(SimServer::start_tls(cluster, address).await.unwrap());
    }
    println!(
        "demo startup: three clusters seeded and listening over TLS in {:.3} s",
        demo_start.elapsed().as_secs_f64()
    );
    drop(demo_servers);

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
    let dir = std::env::temp_dir().join(format!("kubedesk-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("kubeconfig");
    std::fs::write(&config, kubedesk_sim::kubeconfig(&[&server])).unwrap();
    for args in [
        &["get", "pods", "-A"][..],
        &["get", "pods", "-A", "-o", "json"][..],
    ] {
        let run = Instant::now();
        let output = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&config)
            .arg("--cache-dir")
            .arg(dir.join("cache"))
            .args(args)
            .output();
        match output {
            Ok(output) if output.status.success() => println!(
                "kubectl {}: {} lines, {:.1} MB printed in {:.1} s",
                args.join(" "),
                output.stdout.iter().filter(|byte| **byte == b'\n').count(),
                output.stdout.len() as f64 / 1e6,
                run.elapsed().as_secs_f64()
            ),
            Ok(output) => println!(
                "kubectl {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => println!("kubectl is not available: {error}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop((raw, value, listed));
    println!("PSS with the lists freed: {:.0} MiB", pss_mib());
}
