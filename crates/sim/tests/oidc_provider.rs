//! The simulator against a real OpenID provider (npm's oidc-provider, installed by `cargo xtask
//! setup` into `.tools/oidc`): a scripted browser signs in with PKCE through the provider's login
//! and consent pages, the ID token it gets (and the one a refresh gets) signs in to the simulated
//! cluster, and the user's email and groups reach RBAC as kube-apiserver's `--oidc-*` flags map them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use kubedesk_sim::auth::OidcConfig;
use kubedesk_sim::{SimServer, demo};
use serde_json::{Value, json};

/// The provider, listening on a port of its own; stopped when dropped.
struct Provider {
    issuer: String,
    _child: tokio::process::Child,
}

impl Provider {
    async fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let module = root.join(".tools/oidc/node_modules/oidc-provider/lib/index.js");
        assert!(
            module.exists(),
            "{} is missing: run `cargo xtask setup`, which installs oidc-provider there",
            module.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new("node")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env(
                "OIDC_PROVIDER_MODULE",
                format!("file://{}", module.display()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the provider");
        let issuer = format!("http://127.0.0.1:{port}");
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        tokio::time::timeout(Duration::from_secs(20), async {
            while Browser::default().get(&discovery).await.0 != 200 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the provider serves its discovery document");
        Self {
            issuer,
            _child: child,
        }
    }
}

/// A scripted browser: keeps cookies, and follows no redirect on its own.
#[derive(Default)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    async fn get(&mut self, url: &str) -> (u16, Option<String>, String) {
        self.send("GET", url, None).await
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        self.send("POST", url, Some(encode(form))).await
    }

    /// Status, `Location`, body.
    async fn send(
        &mut self,
        method: &str,
        url: &str,
        form: Option<String>,
    ) -> (u16, Option<String>, String) {
        let uri: hyper::Uri = url.parse().unwrap();
        let authority = uri.authority().unwrap().to_string();
        let Ok(stream) = tokio::net::TcpStream::connect(&authority).await else {
            return (0, None, String::new());
        };
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(uri.path_and_query().unwrap().as_str())
            .header("host", &authority)
            .header("cookie", cookie.join("; "));
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|location| location.to_str().unwrap().to_owned());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }
}

fn encode(form: &[(&str, &str)]) -> String {
    let escape = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(byte).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    form.iter()
        .map(|(name, value)| format!("{}={}", escape(name), escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query parameter of a URL.
fn parameter(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

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
    let (_, mut next, _) = browser.get(&authorize).await;
    let code = loop {
        let location = next.take().expect("the provider leads on");
        let url = if location.starts_with("http") {
            location
        } else {
            format!("{issuer}{location}")
        };
        if url.starts_with(redirect) {
            assert_eq!(
                parameter(&url, "state").as_deref(),
                Some(state.as_str()),
                "state comes back"
            );
            break parameter(&url, "code").expect("a code on the redirect");
        }
        let (status, location, page) = browser.get(&url).await;
        next = match (status, location) {
            (300..=399, location) => location,
            // A login or consent form: fill it in and send it where it says.
            (200, _) if page.contains("name=\"login\"") => {
                browser
                    .post(
                        &url,
                        &[("prompt", "login"), ("login", login), ("password", "any")],
                    )
                    .await
                    .1
            }
            (200, _) if page.contains("value=\"consent\"") => {
                browser.post(&url, &[("prompt", "consent")]).await.1
            }
            (status, _) => panic!("the provider answered {status}: {page}"),
        };
    };
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
    let cluster = demo::dev().unwrap();
    cluster.auth.require();
    let mut config = OidcConfig::new(&provider.issuer, "kubedesk");
    config.username_claim = "email".into();
    config.groups_claim = Some("groups".into());
    config.groups_prefix = Some("oidc:".into());
    cluster.auth.set_oidc(config);
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "",
            json!({"metadata": {"name": "oidc-admins"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "oidc:cluster-admins"}]}),
        )
        .unwrap();
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
