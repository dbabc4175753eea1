//! The live pods table at scale: the simulator's gpu-prod with N extra pods (100,000 by
//! default); the time from opening the table to every row listed and projected, against parsing
//! the same list JSON with serde_json alone and against kube-rs listing it in pages; the time a
//! filter keystroke's query takes (p50, p95); and the memory the rows add.
//!
//! `cargo run --release -p kubedesk-cluster --example tables [-- PODS]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a measurement tool: it reports on stdout and stops at the first failure"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubedesk_cluster::tables::{Kind, Query, Status, TableKey, Tables};
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::pss_mib;

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(100_000);
    let cluster = demo::gpu_prod().unwrap();
    demo::add_pods(&cluster, pods).unwrap();
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let client = kube::Client::try_from(kube::Config::new(server.url().parse().unwrap())).unwrap();

    // Baselines: the same pods as one JSON document parsed by serde_json alone, and listed by
    // kube-rs in pages of 500 as the table lists them.
    let raw = client
        .request_text(http::Request::get("/api/v1/pods").body(Vec::new()).unwrap())
        .await
        .unwrap();
    let parse = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let parse_time = parse.elapsed();
    let count = value["items"].as_array().map_or(0, Vec::len);
    drop(value);
    let api: Api<Pod> = Api::all(client.clone());
    let paged = Instant::now();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api.list(&params).await.unwrap();
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    let paged_time = paged.elapsed();

    let before = pss_mib();
    let tables = Tables::default();
    let opened = Instant::now();
    let table = tables.open(
        &client,
        TableKey {
            context: "gpu-prod".into(),
            resource: Kind::Pods.into(),
            namespace: None,
        },
    );
    let mut changes = table.changes();
    let all = Query {
        limit: 50,
        ..Query::default()
    };
    let mut first_rows = None;
    while table.query(&all).unwrap().1 != Status::Live {
        if first_rows.is_none() && table.query(&all).unwrap().0.total > 0 {
            first_rows = Some(opened.elapsed());
        }
        changes.changed().await.unwrap();
    }
    let table_time = opened.elapsed();
    println!(
        "first rows in the table {} after opening it",
        ms(first_rows.unwrap_or(table_time))
    );
    let (window, _) = table.query(&all).unwrap();
    println!(
        "{count} pods ({:.1} MB of JSON): serde_json parses it in {} · kube-rs lists it in pages of 500 in {} · the table lists and projects it in {} ({:.2}× the plain parse, {:.2}× the paged list); {} rows",
        raw.len() as f64 / 1e6,
        ms(parse_time),
        ms(paged_time),
        ms(table_time),
        table_time.as_secs_f64() / parse_time.as_secs_f64(),
        table_time.as_secs_f64() / paged_time.as_secs_f64(),
        window.total
    );
    println!(
        "memory: PSS {:.0} MiB before the table, {:.0} MiB with it (+{:.0} MiB for {} rows)",
        before,
        pss_mib(),
        pss_mib() - before,
        window.total
    );

    // A filter typed a key at a time, each keystroke a new query for a 50-row window, sorted by
    // GPUs.
    let gpus = 2 + Kind::Pods
        .columns()
        .iter()
        .position(|column| *column == "GPUs")
        .unwrap();
    let mut times = Vec::new();
    for round in 0..20 {
        for typed in [
            "t", "tr", "tra", "trai", "train", "train-", "train-1", "train-12",
        ] {
            let query = Query {
                text: typed.to_owned(),
                sort: Some(gpus),
                descending: round % 2 == 0,
                limit: 50,
                ..Query::default()
            };
            let started = Instant::now();
            let (window, _) = table.query(&query).unwrap();
            times.push(started.elapsed());
            std::hint::black_box(window);
        }
    }
    times.sort();
    println!(
        "a filter keystroke's query over {} rows, sorted by GPUs, 50-row window: p50 {} · p95 {} ({} queries)",
        window.total,
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
        times.len()
    );
}
