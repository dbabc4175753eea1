//! Bad input never crashes the simulator: every malformed request gets a `Status` with the real
//! code and reason. A deterministic mutation run over real request shapes backs the cases below;
//! `fuzz/` holds the coverage-guided target for deeper runs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use kubedesk_sim::{Cluster, demo, respond};
use serde_json::Value;

fn request(
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Option<hyper::Request<Bytes>> {
    hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(Bytes::copy_from_slice(body))
        .ok()
}

/// Sends a request and answers with the status code and, for error answers, the `Status` body.
async fn send(cluster: &Arc<Cluster>, request: hyper::Request<Bytes>) -> (u16, Option<Value>) {
    let response = respond(cluster, request).await;
    let code = response.status().as_u16();
    if code < 400 {
        // Success bodies may be endless streams (watch, follow); they are not read here.
        return (code, None);
    }
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let status: Value = serde_json::from_slice(&body).unwrap_or_else(|error| {
        panic!(
            "a {code} answer is not a Status ({error}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (code, Some(status))
}

/// A request (method, path, content type, body) and the code and reason it must get.
type Case<'a> = (&'a str, &'a str, &'a str, &'a [u8], u16, &'a str);

#[tokio::test]
async fn malformed_requests_get_the_real_status_code_and_reason() {
    let cluster = Arc::new(demo::dev().unwrap());
    let big = vec![b'x'; 4 * 1024 * 1024];
    let cases: Vec<Case<'_>> = vec![
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            b"{not json",
            400,
            "BadRequest",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/yaml",
            b"a: [unclosed",
            400,
            "BadRequest",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/cbor",
            b"\xa0",
            415,
            "UnsupportedMediaType",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/vnd.kubernetes.protobuf",
            b"k8s\0\x0a\x05\x0a",
            400,
            "BadRequest",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/vnd.kubernetes.protobuf",
            b"{\"kind\": \"ConfigMap\"}",
            400,
            "BadRequest",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            &big,
            413,
            "RequestEntityTooLarge",
        ),
        (
            "GET",
            "/api/v1/namespaces/default/widgets",
            "application/json",
            b"",
            404,
            "NotFound",
        ),
        (
            "GET",
            "/apis/nope.example.com/v1/things",
            "application/json",
            b"",
            404,
            "NotFound",
        ),
        (
            "GET",
            "/api/v1/pods?labelSelector=app%20in%20web",
            "application/json",
            b"",
            400,
            "BadRequest",
        ),
        (
            "GET",
            "/api/v1/pods?fieldSelector=spec.secret%3Dx",
            "application/json",
            b"",
            400,
            "BadRequest",
        ),
        (
            "GET",
            "/api/v1/pods?watch=true&sendInitialEvents=true",
            "application/json",
            b"",
            422,
            "Invalid",
        ),
        (
            "PUT",
            "/api/v1/namespaces/default",
            "application/json",
            br#"{"metadata":{"name":"default","resourceVersion":"1"}}"#,
            409,
            "Conflict",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/configmaps/missing",
            "application/merge-patch+json",
            b"{}",
            404,
            "NotFound",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default",
            "application/json-patch+json",
            br#"[{"op":"test","path":"/metadata/name","value":"x"}]"#,
            422,
            "Invalid",
        ),
        (
            "DELETE",
            "/api/v1/namespaces/default/configmaps/missing",
            "application/json",
            b"",
            404,
            "NotFound",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/pods/x/log",
            "application/json",
            b"{}",
            405,
            "MethodNotAllowed",
        ),
    ];
    for (method, path, content_type, body, code, reason) in cases {
        let (got, status) =
            send(&cluster, request(method, path, content_type, body).unwrap()).await;
        let status = status.unwrap();
        assert_eq!(
            (got, status["reason"].as_str().unwrap()),
            (code, reason),
            "{method} {path}: {status}"
        );
        assert_eq!(status["code"], code);
        assert!(!status["message"].as_str().unwrap().is_empty());
    }
}

/// Real request shapes the mutation run starts from.
const SEEDS: &[(&str, &str, &str, &str)] = &[
    ("GET", "/api?timeout=32s", "application/json", ""),
    ("GET", "/apis/apps/v1", "application/json", ""),
    (
        "GET",
        "/openapi/v3/apis/apps/v1?hash=X",
        "application/json",
        "",
    ),
    (
        "GET",
        "/api/v1/pods?&limit=500&labelSelector=app%3Dweb,tier%20in%20(a,b)",
        "application/json",
        "",
    ),
    (
        "GET",
        "/api/v1/namespaces/sandbox/pods?limit=1&continue=eyJydiI6MSwibnMiOiJhIiwibmFtZSI6ImIifQ==",
        "application/json",
        "",
    ),
    (
        "GET",
        "/api/v1/namespaces/default/configmaps?&watch=true&resourceVersion=1&timeoutSeconds=0",
        "application/json",
        "",
    ),
    (
        "POST",
        "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
        "application/json",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","labels":{"a":"b"}},"data":{"k":"v"}}"#,
    ),
    (
        "POST",
        "/apis/apps/v1/namespaces/sandbox/deployments",
        "application/yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}\n",
    ),
    (
        "PATCH",
        "/apis/apps/v1/namespaces/sandbox/deployments/api",
        "application/strategic-merge-patch+json",
        r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"api"}],"containers":[{"name":"api","image":"x"}]}}}}"#,
    ),
    (
        "PATCH",
        "/apis/apps/v1/namespaces/sandbox/deployments/api/scale",
        "application/merge-patch+json",
        r#"{"spec":{"replicas":3}}"#,
    ),
    (
        "PATCH",
        "/api/v1/namespaces/default/configmaps/applied?fieldManager=m&force=true",
        "application/apply-patch+yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\n",
    ),
    (
        "DELETE",
        "/apis/apps/v1/namespaces/sandbox/deployments/api",
        "application/json",
        r#"{"propagationPolicy":"Foreground","preconditions":{"uid":"u"}}"#,
    ),
    (
        "GET",
        "/api/v1/namespaces/sandbox/pods/x/log?tailLines=5&timestamps=true&limitBytes=10",
        "application/json",
        "",
    ),
    (
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "application/json",
        r#"{"metadata":{"name":"as.b.io"},"spec":{"group":"b.io","scope":"Namespaced","names":{"plural":"as","kind":"A"},"versions":[{"name":"v1","served":true,"storage":true}]}}"#,
    ),
];

/// A small deterministic generator, so a failure reproduces exactly.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound.max(1)).unwrap()).unwrap()
    }
}

fn mutate(dice: &mut Dice, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    const SPICE: &[&[u8]] = &[
        b"%",
        b"%zz",
        b"\\",
        b"{",
        b"]",
        b"\"",
        b"\0",
        b"99999999999999999999",
        b"-1",
        b"null",
        b"$patch",
        b"..",
        b"/",
        b"&",
        b"=",
        b",",
        b"\xff\xfe",
        b"in (",
        b"!",
    ];
    for _ in 0..=dice.below(3) {
        let at = dice.below(bytes.len() + 1);
        match dice.below(4) {
            0 if !bytes.is_empty() => {
                let end = (at + dice.below(8)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => bytes.truncate(at),
            _ => {
                let spice = SPICE[dice.below(SPICE.len())];
                bytes.splice(at..at, spice.iter().copied());
            }
        }
    }
    bytes
}

#[tokio::test]
async fn thousands_of_mutated_requests_never_crash_and_errors_are_always_statuses() {
    let cluster = Arc::new(demo::dev().unwrap());
    let mut dice = Dice(0x5eed_1234_abcd_ef01);
    let mut answered = 0;
    for round in 0..4000 {
        let (method, path, content_type, body) = SEEDS[round % SEEDS.len()];
        let path = String::from_utf8_lossy(&mutate(&mut dice, path)).into_owned();
        let body = if dice.below(2) == 0 {
            mutate(&mut dice, body)
        } else {
            body.as_bytes().to_vec()
        };
        let method = if dice.below(10) == 0 {
            ["GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"][dice.below(6)]
        } else {
            method
        };
        // The admin endpoint could set latency and slow the run; it is tested on its own.
        let Some(request) =
            request(method, &path, content_type, &body).filter(|_| !path.starts_with("/_kubedesk"))
        else {
            continue;
        };
        let (code, status) = send(&cluster, request).await;
        if let Some(status) = status {
            assert_eq!(status["kind"], "Status", "{method} {path}");
            assert_eq!(status["code"], code, "{method} {path}");
        }
        answered += 1;
    }
    assert!(
        answered > 3000,
        "only {answered} mutated requests were valid HTTP"
    );
}
