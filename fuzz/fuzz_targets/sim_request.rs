//! Fuzzes the simulated API server's request handling: any method, path, content type and body
//! must get an answer, never a panic. Run from `fuzz/` with
//! `mkdir -p corpus/sim_request && cargo fuzz run sim_request corpus/sim_request seeds/sim_request --sanitizer none`;
//! new inputs go to the ignored `corpus/`, the seeds stay as they are.

#![no_main]

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use kubedesk_sim::{Cluster, demo, respond};
use libfuzzer_sys::fuzz_target;

static SERVER: LazyLock<(tokio::runtime::Runtime, Arc<Cluster>)> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let cluster = demo::dev().expect("the demo cluster seeds");
    (runtime, Arc::new(cluster))
});

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const CONTENT_TYPES: [&str; 7] = [
    "application/json",
    "application/yaml",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "application/vnd.kubernetes.protobuf",
];

fuzz_target!(|data: &[u8]| {
    let [method, content_type, rest @ ..] = data else { return };
    let (path, body) = match rest.iter().position(|byte| *byte == b'\n') {
        Some(end) => (&rest[..end], &rest[end + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    // The admin endpoint may add latency; it is not request parsing.
    if path.starts_with("/_kubedesk") {
        return;
    }
    let request = hyper::Request::builder()
        .method(METHODS[usize::from(*method) % METHODS.len()])
        .uri(path.as_ref())
        .header("content-type", CONTENT_TYPES[usize::from(*content_type) % CONTENT_TYPES.len()])
        .body(Bytes::copy_from_slice(body));
    let Ok(request) = request else { return };
    let (runtime, cluster) = &*SERVER;
    let response = runtime.block_on(respond(cluster, request));
    assert!(response.status().as_u16() >= 200);
});
