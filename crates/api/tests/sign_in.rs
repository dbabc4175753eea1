//! Sign-in set in the app's settings, through the use-cases the window calls: a context whose
//! kubeconfig has no credentials signs in at a real OpenID provider (npm's oidc-provider), the
//! "browser" being a script the app starts, as it would start the user's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;

use kubedesk_api::clusters::{cluster_health, list_contexts};
use kubedesk_api::oidc::{sign_in, sign_out};
use kubedesk_api::settings::save_settings;
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::SimServer;
use kubedesk_testkit::{Browser, BrowserScript, Provider, oidc_cluster};

#[tokio::test(flavor = "multi_thread")]
async fn a_context_signs_in_with_settings_set_in_the_app() {
    let provider = Provider::start().await;
    let cluster = oidc_cluster(&provider.issuer);
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: corp\nclusters:\n- name: corp\n  cluster: {{server: \"{}\"}}\nusers:\n- name: me\n  user: {{}}\ncontexts:\n- name: corp\n  context: {{cluster: corp, user: me}}\n",
            server.url()
        ),
    )
    .unwrap();
    // The "browser": hands the address the app opens to the test.
    let browser = BrowserScript::new();
    let mut config = AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    );
    config.browser = Some(browser.program.clone().into_os_string());
    let app = App::new(config);

    // Without sign-in settings the context has no credentials at all: anonymous, and refused.
    let contexts = list_contexts(&app, ipc::ListContexts {}).unwrap();
    assert_eq!(contexts.contexts[0].sign_in_issuer, None);

    // Settings that cannot work are refused, naming the context and the field.
    let mut settings = ipc::Settings::default();
    settings.sign_in.insert(
        "corp".into(),
        ipc::SignInSettings {
            issuer: "accounts.example.com".into(),
            client_id: "kubedesk".into(),
            scopes: vec!["email".into()],
            extra_parameters: BTreeMap::new(),
        },
    );
    let refused = save_settings(
        &app,
        ipc::SaveSettings {
            settings: settings.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code, ipc::ErrorCode::InvalidRequest);
    assert!(refused.message.contains("context \"corp\""), "{refused:?}");
    assert!(refused.message.contains("issuer URL"), "{refused:?}");
    assert!(
        !dir.path().join("config/settings.json").exists(),
        "nothing kept"
    );

    settings.sign_in.get_mut("corp").unwrap().issuer = provider.issuer.clone();
    save_settings(&app, ipc::SaveSettings { settings })
        .await
        .unwrap();
    let contexts = list_contexts(&app, ipc::ListContexts {}).unwrap();
    assert_eq!(
        contexts.contexts[0].sign_in_issuer.as_deref(),
        Some(provider.issuer.as_str())
    );
    let ipc::ClusterHealth::SignInRequired { issuer, .. } = health(&app, "corp").await.unwrap()
    else {
        panic!("the context asks for a sign-in");
    };
    assert_eq!(issuer, provider.issuer);

    let signing_in = tokio::spawn(async move {
        let url = browser.opened().await;
        Browser::default().authorize(&url, "alice").await
    });
    let signed_in = sign_in(
        &app,
        ipc::SignIn {
            context: "corp".into(),
        },
    )
    .await
    .unwrap();
    assert!(signing_in.await.unwrap().contains("return to KubeDesk"));
    assert_eq!(signed_in.email.as_deref(), Some("alice@example.test"));
    let ipc::ClusterHealth::Ready {
        signed_in: Some(who),
        ..
    } = health(&app, "corp").await.unwrap()
    else {
        panic!("signed in, the cluster is ready");
    };
    assert_eq!(who.email.as_deref(), Some("alice@example.test"));

    // A restart reads the settings back.
    let restarted = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    let contexts = list_contexts(&restarted, ipc::ListContexts {}).unwrap();
    assert_eq!(
        contexts.contexts[0].sign_in_issuer.as_deref(),
        Some(provider.issuer.as_str())
    );

    sign_out(
        &app,
        ipc::SignOut {
            context: "corp".into(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        health(&app, "corp").await.unwrap(),
        ipc::ClusterHealth::SignInRequired { .. }
    ));
}

async fn health(app: &App, context: &str) -> Result<ipc::ClusterHealth, ipc::Error> {
    cluster_health(
        app,
        ipc::GetClusterHealth {
            context: context.into(),
        },
    )
    .await
}
