//! OpenID Connect sign-in end to end: a real provider (npm's oidc-provider), the simulator taking
//! its ID tokens as kube-apiserver's `--oidc-*` flags configure it, and the refresh tokens in a
//! real Secret Service (gnome-keyring on a private bus). Each test runs its body in a child
//! process, because the keyring connects to the bus its process was started with.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kubedesk_cluster::oidc::{OidcError, OidcSettings, Sessions};
use kubedesk_cluster::{Clients, ConnectError, KubeconfigPaths, oidc_settings};
use kubedesk_secrets::Keyring;
use kubedesk_sim::SimServer;
use kubedesk_testkit::{Browser, Provider, SecretService, in_child, oidc_cluster, run_in_child};

/// The dev cluster signing in with `issuer`'s ID tokens.
async fn cluster(issuer: &str) -> SimServer {
    SimServer::start(
        Arc::new(oidc_cluster(issuer)),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap()
}

/// A kubeconfig whose context `sso` signs in through `issuer` with the given user entry lines.
fn kubeconfig(dir: &Path, server: &SimServer, user: &str) -> KubeconfigPaths {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: sso\nclusters:\n- name: sso\n  cluster:\n    server: {}\nusers:\n- name: sso\n  user:\n{user}contexts:\n- name: sso\n  context: {{cluster: sso, user: sso}}\n",
        server.url()
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    KubeconfigPaths::resolve(Some(OsString::from(path)), None)
}

fn auth_provider(issuer: &str) -> String {
    format!(
        "    auth-provider:\n      name: oidc\n      config:\n        client-id: kubedesk\n        idp-issuer-url: {issuer}\n        extra-scopes: email,groups,profile\n"
    )
}

/// Signs in to `context` as `login`, the scripted browser doing what the user does.
async fn sign_in(sessions: &Sessions, settings: &OidcSettings, login: &'static str) {
    let identity = sessions
        .sign_in("sso", settings, |url| {
            let url = url.to_owned();
            tokio::spawn(async move { Browser::default().authorize(&url, login).await });
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(identity.email.as_deref(), Some("alice@example.test"));
    assert_eq!(identity.groups, ["cluster-admins"]);
}

/// Lists the nodes with a new client for the context; fails the test when it cannot.
async fn nodes(clients: &Clients, paths: &KubeconfigPaths) -> usize {
    let client = clients.fresh(paths, "sso").await.unwrap();
    let api: kube::Api<k8s_openapi::api::core::v1::Node> = kube::Api::all(client);
    api.list(&Default::default()).await.unwrap().items.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_refresh_with_rotation_restart_and_sign_out() {
    if !in_child() {
        let service = SecretService::start();
        run_in_child(
            "sign_in_refresh_with_rotation_restart_and_sign_out",
            &service.env(),
        );
        assert_eq!(
            service.lookup(&Sessions::account("sso")),
            None,
            "signed out at the end"
        );
        return;
    }
    // ID tokens live 30 s: under the minute's margin, so every use refreshes.
    let provider = Provider::with_ttl(Duration::from_secs(30)).await;
    let server = cluster(&provider.issuer).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = kubeconfig(dir.path(), &server, &auth_provider(&provider.issuer));
    let settings = oidc_settings(&paths, "sso")
        .unwrap()
        .expect("the context signs in with oidc");
    assert_eq!(settings.issuer, provider.issuer);
    assert_eq!(settings.scopes, ["email", "groups", "profile"]);

    let keyring = Arc::new(Keyring::open());
    assert_eq!(keyring.unavailable(), None);
    let clients = Clients::new(keyring.clone());
    let Err(ConnectError::SignIn { issuer, detail, .. }) = clients.fresh(&paths, "sso").await
    else {
        panic!("a context that is not signed in asks for a sign-in");
    };
    assert_eq!(issuer, provider.issuer);
    assert!(detail.contains("not signed in"), "{detail}");

    sign_in(clients.sessions(), &settings, "alice").await;
    assert_eq!(
        nodes(&clients, &paths).await,
        1,
        "alice's group is bound to cluster-admin"
    );
    let account = Sessions::account("sso");
    let first = keyring
        .get(&account)
        .unwrap()
        .expect("the refresh token is in the keyring");

    // A refresh rotates the refresh token, and the rotated one is in the keyring.
    assert_eq!(nodes(&clients, &paths).await, 1);
    let second = keyring.get(&account).unwrap().unwrap();
    assert_ne!(first, second, "the refresh token rotated");

    // Ten requests at once after a restart: one refresh, not ten (a replayed refresh token would
    // revoke the whole grant).
    let restarted = Arc::new(Clients::new(Arc::new(Keyring::open())));
    let all: Vec<_> = (0..10)
        .map(|_| {
            let clients = restarted.clone();
            let paths = paths.clone();
            tokio::spawn(async move { clients.get(&paths, "sso").await.map(drop) })
        })
        .collect();
    for request in all {
        request.await.unwrap().unwrap();
    }
    assert_eq!(nodes(&restarted, &paths).await, 1, "still signed in");
    let third = Keyring::open().get(&account).unwrap().unwrap();
    assert_ne!(third, second);

    restarted.sessions().sign_out("sso").await.unwrap();
    assert_eq!(Keyring::open().get(&account).unwrap(), None);
    assert!(matches!(
        restarted.fresh(&paths, "sso").await,
        Err(ConnectError::SignIn { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_sign_in_and_a_provider_that_is_down_say_so_and_what_to_do() {
    if !in_child() {
        let service = SecretService::start();
        run_in_child(
            "a_revoked_sign_in_and_a_provider_that_is_down_say_so_and_what_to_do",
            &service.env(),
        );
        return;
    }
    let mut provider = Provider::with_ttl(Duration::from_secs(30)).await;
    let server = cluster(&provider.issuer).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = kubeconfig(dir.path(), &server, &auth_provider(&provider.issuer));
    let settings = oidc_settings(&paths, "sso").unwrap().unwrap();
    let clients = Clients::new(Arc::new(Keyring::open()));
    sign_in(clients.sessions(), &settings, "alice").await;

    // The provider forgets every grant when it restarts: the refresh token is revoked.
    provider.restart().await;
    let Err(ConnectError::SignIn { detail, .. }) = clients.fresh(&paths, "sso").await else {
        panic!("a revoked sign-in asks for a new one");
    };
    assert!(detail.contains("has ended"), "{detail}");
    assert!(detail.contains("sign in again"), "{detail}");
    assert!(
        !clients.sessions().signed_in("sso").await,
        "the dead token left the keyring"
    );

    // Signed in again, then the provider goes down: the reason names it.
    sign_in(clients.sessions(), &settings, "alice").await;
    provider.stop().await;
    let Err(ConnectError::SignIn { detail, .. }) = clients.fresh(&paths, "sso").await else {
        panic!("no refresh without the provider");
    };
    assert!(detail.contains(&provider.issuer), "{detail}");
    assert!(detail.contains("check that it is up"), "{detail}");
    assert!(
        clients.sessions().signed_in("sso").await,
        "a provider that is down does not end the sign-in"
    );
    let Err(OidcError::Provider { .. }) = clients
        .sessions()
        .sign_in("sso", &settings, |_| Ok(()))
        .await
    else {
        panic!("no sign-in without the provider");
    };
}

#[tokio::test(flavor = "multi_thread")]
async fn kubelogin_and_the_auth_provider_give_their_settings_and_tokens() {
    let provider = Provider::with_ttl(Duration::from_secs(30)).await;
    let server = cluster(&provider.issuer).await;
    let dir = tempfile::tempdir().unwrap();
    let kubelogin = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubectl\n      args: [oidc-login, get-token, --oidc-issuer-url={}, --oidc-client-id, kubedesk, --oidc-extra-scope=email, --oidc-extra-scope=groups, --oidc-auth-request-extra-params=audience=k8s]\n      installHint: install kubelogin\n",
        provider.issuer
    );
    let paths = kubeconfig(dir.path(), &server, &kubelogin);
    let settings = oidc_settings(&paths, "sso").unwrap().unwrap();
    assert_eq!(settings.client_id, "kubedesk");
    assert_eq!(settings.scopes, ["email", "groups"]);
    assert_eq!(
        settings.extra_parameters,
        [("audience".into(), "k8s".into())]
    );

    // Signed in by the app, the plugin is not needed (and kubectl's oidc-login is not here).
    let clients = Clients::new(Arc::new(Keyring::memory("tests")));
    sign_in(clients.sessions(), &settings, "alice").await;
    assert_eq!(nodes(&clients, &paths).await, 1);

    // The auth-provider's own refresh token, as kubectl keeps it, is used when its ID token has
    // expired.
    let grabbed = Sessions::new(Arc::new(Keyring::memory("tests")));
    grabbed
        .sign_in("other", &settings, |url| {
            let url = url.to_owned();
            tokio::spawn(async move { Browser::default().authorize(&url, "alice").await });
            Ok(())
        })
        .await
        .unwrap();
    let refresh_token = grabbed
        .keyring()
        .get(&Sessions::account("other"))
        .unwrap()
        .unwrap();
    let user = format!(
        "{}        id-token: e30.eyJleHAiOjF9.c2ln\n        refresh-token: {}\n",
        auth_provider(&provider.issuer),
        refresh_token.expose()
    );
    let paths = kubeconfig(dir.path(), &server, &user);
    let clients = Clients::new(Arc::new(Keyring::memory("tests")));
    assert_eq!(nodes(&clients, &paths).await, 1);
}
