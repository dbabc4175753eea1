//! Authentication and RBAC decisions, and OIDC tokens against a fixture issuer.

use serde_json::json;

use super::*;

fn store_with(objects: &[(&str, &str, serde_json::Value)]) -> Store {
    let store = Store::new(100);
    for (key, namespace, object) in objects {
        let name = object["metadata"]["name"].as_str().unwrap();
        store
            .create(&format!("{RBAC}/{key}"), namespace, name, object.clone())
            .unwrap();
    }
    store
}

fn pods(verb: &str, namespace: &str, name: Option<&str>, subresource: Option<&str>) -> Attributes {
    Attributes::Resource {
        verb: verb.into(),
        group: String::new(),
        resource: "pods".into(),
        subresource: subresource.map(str::to_owned),
        namespace: Some(namespace.into()),
        name: name.map(str::to_owned),
    }
}

#[test]
fn a_role_binding_grants_its_rules_only_in_its_namespace() {
    let store = store_with(&[
        (
            "roles",
            "dev",
            json!({"metadata": {"name": "reader", "namespace": "dev"}, "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}]}),
        ),
        (
            "rolebindings",
            "dev",
            json!({"metadata": {"name": "jane-reads", "namespace": "dev"}, "roleRef": {"kind": "Role", "name": "reader"}, "subjects": [{"kind": "User", "name": "jane"}]}),
        ),
    ]);
    let jane = User::new("jane", &[]);
    let allowed = authorize(&store, &jane, &pods("list", "dev", None, None));
    assert!(allowed.allowed);
    assert_eq!(
        allowed.reason,
        "RBAC: allowed by RoleBinding \"jane-reads/dev\" of Role \"reader\" to User \"jane\""
    );
    assert!(authorize(&store, &jane, &pods("get", "dev", Some("web"), Some("log"))).allowed);
    assert!(
        !authorize(
            &store,
            &jane,
            &pods("get", "dev", Some("web"), Some("exec"))
        )
        .allowed
    );
    assert!(!authorize(&store, &jane, &pods("delete", "dev", Some("web"), None)).allowed);
    assert!(!authorize(&store, &jane, &pods("list", "prod", None, None)).allowed);
    assert!(
        !authorize(
            &store,
            &User::new("joe", &[]),
            &pods("list", "dev", None, None)
        )
        .allowed
    );
}

#[test]
fn resource_names_groups_and_service_accounts_match_as_rbac_matches_them() {
    let store = store_with(&[
        (
            "clusterroles",
            "",
            json!({"metadata": {"name": "one-config"}, "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["settings"], "verbs": ["get"]}]}),
        ),
        (
            "clusterrolebindings",
            "",
            json!({"metadata": {"name": "team"}, "roleRef": {"kind": "ClusterRole", "name": "one-config"}, "subjects": [{"kind": "Group", "name": "team-a"}, {"kind": "ServiceAccount", "name": "builder", "namespace": "ci"}]}),
        ),
    ]);
    let config = |name: Option<&str>| Attributes::Resource {
        verb: "get".into(),
        group: String::new(),
        resource: "configmaps".into(),
        subresource: None,
        namespace: Some("default".into()),
        name: name.map(str::to_owned),
    };
    let member = User::new("amy", &["team-a"]);
    assert!(authorize(&store, &member, &config(Some("settings"))).allowed);
    assert!(!authorize(&store, &member, &config(Some("other"))).allowed);
    assert!(
        !authorize(&store, &member, &config(None)).allowed,
        "a list names no object"
    );
    let builder = User::new(
        "system:serviceaccount:ci:builder",
        &["system:serviceaccounts"],
    );
    assert!(authorize(&store, &builder, &config(Some("settings"))).allowed);
}

#[test]
fn the_bootstrap_roles_let_masters_do_anything_and_everyone_discover() {
    let store = Store::new(100);
    for (plural, object) in bootstrap_objects() {
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        store
            .create(&format!("{RBAC}/{plural}"), "", &name, object)
            .unwrap();
    }
    let admin = User::admin();
    assert!(
        authorize(
            &store,
            &admin,
            &pods("deletecollection", "kube-system", None, None)
        )
        .allowed
    );
    let path = |path: &str| Attributes::Path {
        verb: "get".into(),
        path: path.into(),
    };
    let jane = User::new("jane", &[]);
    assert!(authorize(&store, &jane, &path("/apis/apps/v1")).allowed);
    assert!(!authorize(&store, &jane, &path("/metrics")).allowed);
    assert!(authorize(&store, &User::anonymous(), &path("/healthz")).allowed);
    assert!(!authorize(&store, &User::anonymous(), &path("/api")).allowed);
}

#[test]
fn forbidden_messages_are_worded_as_kube_apiserver_words_them() {
    let jane = User::new("jane", &[]);
    assert_eq!(
        forbidden_message(&jane, &pods("list", "default", None, None)),
        "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    assert_eq!(
        forbidden_message(&jane, &pods("get", "dev", Some("web-1"), Some("log"))),
        "pods \"web-1\" is forbidden: User \"jane\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"dev\""
    );
    let deployments = Attributes::Resource {
        verb: "watch".into(),
        group: "apps".into(),
        resource: "deployments".into(),
        subresource: None,
        namespace: None,
        name: None,
    };
    assert_eq!(
        forbidden_message(&jane, &deployments),
        "deployments.apps is forbidden: User \"jane\" cannot watch resource \"deployments\" in API group \"apps\" at the cluster scope"
    );
    assert_eq!(
        forbidden_message(
            &User::anonymous(),
            &Attributes::Path {
                verb: "get".into(),
                path: "/api".into()
            }
        ),
        "forbidden: User \"system:anonymous\" cannot get path \"/api\""
    );
}

#[tokio::test]
async fn credentials_are_required_only_once_the_cluster_asks_for_them() {
    let auth = Authentication::default();
    auth.add_token("t-jane", User::new("jane", &["dev"]));
    assert_eq!(auth.authenticate(None, None).await, Ok(User::admin()));
    assert_eq!(
        auth.authenticate(Some("Bearer nope"), None).await,
        Ok(User::admin())
    );
    assert_eq!(
        auth.authenticate(Some("Bearer t-jane"), None)
            .await
            .unwrap()
            .name,
        "jane"
    );
    auth.require();
    assert_eq!(auth.authenticate(None, None).await, Ok(User::anonymous()));
    assert_eq!(
        auth.authenticate(Some("Bearer nope"), None).await,
        Err(Unauthorized)
    );
    let certificate = User::new("amy", &["ops"]);
    assert_eq!(
        auth.authenticate(None, Some(&CertificateUser(Some(certificate.clone()))))
            .await,
        Ok(certificate)
    );
    // A certificate that did not verify is refused, not taken as anonymous.
    assert_eq!(
        auth.authenticate(None, Some(&CertificateUser(None))).await,
        Err(Unauthorized)
    );
}

/// Serves the fixture issuer's discovery document and JWKS on a loopback port.
async fn fixture_issuer() -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let jwks = include_str!("../../tests/fixtures/oidc/jwks.json");
    let discovery =
        json!({"issuer": "https://issuer.example.com", "jwks_uri": format!("{base}/jwks")})
            .to_string();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = vec![0; 4096];
            let read = stream.read(&mut request).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..read]).into_owned();
            let body = if request.starts_with("GET /jwks ") {
                jwks.to_owned()
            } else {
                discovery.clone()
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    (base, task)
}

#[tokio::test]
async fn oidc_tokens_are_checked_against_the_issuer_keys_and_claims() {
    let tokens: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/oidc/tokens.json")).unwrap();
    let token = |name: &str| format!("Bearer {}", tokens[name].as_str().unwrap());
    let (base, _issuer) = fixture_issuer().await;
    let auth = Authentication::default();
    auth.require();
    let mut config = OidcConfig::new("https://issuer.example.com", "kubedesk");
    config.discovery_url = Some(format!("{base}/.well-known/openid-configuration"));
    config.username_claim = "email".into();
    config.groups_claim = Some("groups".into());
    config.groups_prefix = Some("oidc:".into());
    auth.set_oidc(config.clone());
    let user = auth
        .authenticate(Some(&token("valid")), None)
        .await
        .unwrap();
    assert_eq!(
        user.name, "jane@example.com",
        "no prefix for the email claim"
    );
    assert_eq!(
        user.groups,
        ["oidc:developers", "oidc:gpu-users", "system:authenticated"]
    );
    for bad in [
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "unverified_email",
        "tampered",
    ] {
        assert_eq!(
            auth.authenticate(Some(&token(bad)), None).await,
            Err(Unauthorized),
            "{bad}"
        );
    }
    // The `sub` claim gets the issuer as its prefix by default.
    config.username_claim = "sub".into();
    config.groups_claim = None;
    auth.set_oidc(config);
    let user = auth
        .authenticate(Some(&token("valid")), None)
        .await
        .unwrap();
    assert_eq!(user.name, "https://issuer.example.com#user-123");
    assert_eq!(user.groups, ["system:authenticated"]);
}
