//! The simulator against a real OpenID provider (npm's oidc-provider, installed by `cargo xtask
//! setup` into `.tools/oidc`): a scripted browser signs in with PKCE through the provider's login
//! and consent pages, the ID token it gets (and the one a refresh gets) signs in to the simulated
//! cluster, and the user's email and groups reach RBAC as kube-apiserver's `--oidc-*` flags map them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use kubedesk_sim::SimServer;
use kubedesk_testkit::{Browser, Provider, encode, oidc_cluster, parameter};
use serde_json::{Value, json};

/// Signs in as `login` with PKCE through the provider's own pages, as a user would in the
/// browser, and answers with the token endpoint's response.
async fn sign_in(issuer: &str, login: &str) -> Value {
    let mut browser = Browser::default();
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let verifier = url_safe.encode(uuid::Uuid::new_v4().as_bytes())
        + &url_safe.encode(uuid::Uuid::new_v4().as_bytes());
    let challenge = url_safe.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    let state = uuid::Uuid::new_v4().to_string();
    let redirect = "http://127.0.0.1:38123/callback";
    let authorize = format!(
        "{issuer}/auth?{}",
        encode(&[
            ("client_id", "kubedesk"),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", "openid email groups profile offline_access"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", &state),
            ("nonce", "n-1"),
            ("prompt", "consent"),
        ])
    );
    let callback = browser.sign_in_until(&authorize, login, redirect).await;
    assert_eq!(
        parameter(&callback, "state").as_deref(),
        Some(state.as_str()),
        "state comes back"
    );
    let code = parameter(&callback, "code").expect("a code on the redirect");
    let (status, _, body) = browser
        .post(
            &format!("{issuer}/token"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("client_id", "kubedesk"),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Who the cluster says the bearer of `token` is (SelfSubjectReview), and whether they may list
/// nodes.
async fn whoami(server: &SimServer, token: &str) -> (Value, u16) {
    let request = |method: &str, path: &str, body: Value| {
        hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_string()))
            .unwrap()
    };
    let answer = kubedesk_sim::respond(
        server.cluster(),
        request(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
        ),
    )
    .await;
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let review: Value = serde_json::from_slice(&body).unwrap();
    let nodes = kubedesk_sim::respond(
        server.cluster(),
        request("GET", "/api/v1/nodes", Value::Null),
    )
    .await;
    (
        review["status"]["userInfo"].clone(),
        nodes.status().as_u16(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn id_tokens_from_a_real_provider_sign_in_and_carry_their_groups_to_rbac() {
    let provider = Provider::start().await;
    let cluster = oidc_cluster(&provider.issuer);
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();

    let tokens = sign_in(&provider.issuer, "alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let (user, nodes) = whoami(&server, id_token).await;
    assert_eq!(user["username"], "alice@example.test");
    assert_eq!(
        user["groups"],
        json!(["oidc:cluster-admins", "system:authenticated"])
    );
    assert_eq!(nodes, 200, "the provider's group is bound to cluster-admin");

    // Another user signs in too, with no group: authenticated, but RBAC says no.
    let bob = sign_in(&provider.issuer, "bob").await;
    let (user, nodes) = whoami(&server, bob["id_token"].as_str().unwrap()).await;
    assert_eq!(user["username"], "bob@example.test");
    assert_eq!(nodes, 403);

    // A refresh gives a new ID token that works too, and a rotated refresh token.
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("offline_access yields a refresh token");
    let (status, _, body) = Browser::default()
        .post(
            &format!("{}/token", provider.issuer),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", "kubedesk"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let refreshed: Value = serde_json::from_str(&body).unwrap();
    assert_ne!(
        refreshed["refresh_token"], tokens["refresh_token"],
        "the refresh token rotates"
    );
    let (user, _) = whoami(&server, refreshed["id_token"].as_str().unwrap()).await;
    assert_eq!(user["username"], "alice@example.test");

    // A token this provider did not sign is refused.
    let at = id_token.len() - 20;
    let flipped = if &id_token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{flipped}{}", &id_token[..at], &id_token[at + 1..]);
    let (user, nodes) = whoami(&server, &forged).await;
    assert_eq!((user, nodes), (Value::Null, 401));
}
