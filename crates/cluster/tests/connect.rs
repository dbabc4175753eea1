//! Clients for kubeconfig contexts against the simulator over TLS: every way of signing in, and
//! every way it can go wrong, each reported as the cluster's state with the reason.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use kubedesk_cluster::{
    ConnectError, Health, KubeconfigPaths, Namespaces, check, client, namespaces,
};
use kubedesk_sim::auth::User;
use kubedesk_sim::{SimServer, demo};

/// A gpu-prod cluster over TLS that requires credentials: `t-jane` may only read pods in
/// `ml-team`; the administrator signs in by client certificate.
async fn cluster() -> SimServer {
    let cluster = demo::gpu_prod().unwrap();
    cluster.auth.require();
    cluster.auth.add_token("t-jane", User::new("jane", &[]));
    let server = SimServer::start_tls(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let binding = serde_json::json!({
        "metadata": {"name": "jane-reads-pods", "namespace": "ml-team"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}],
    });
    server
        .cluster()
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "ml-team",
            binding,
        )
        .unwrap();
    server
}

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A kubeconfig with one context, `test`, for `server` with the given CA and user entry.
fn kubeconfig(dir: &Path, server: &str, ca_pem: &str, user: &str) -> KubeconfigPaths {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: {server}\n    certificate-authority-data: {}\nusers:\n- name: test\n  user:\n{user}contexts:\n- name: test\n  context: {{cluster: test, user: test}}\n",
        base64(ca_pem)
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    KubeconfigPaths::resolve(Some(OsString::from(path)), None)
}

/// The kubeconfig of the cluster's administrator, by client certificate as kubeadm writes it.
fn admin(dir: &Path, server: &SimServer) -> KubeconfigPaths {
    let authority = server.authority().unwrap();
    let admin = authority
        .client_certificate("kubernetes-admin", Some("system:masters"))
        .unwrap();
    let user = format!(
        "    client-certificate-data: {}\n    client-key-data: {}\n",
        base64(&admin.certificate_pem),
        base64(&admin.key_pem)
    );
    kubeconfig(dir, &server.url(), &authority.certificate_pem(), &user)
}

async fn health(paths: &KubeconfigPaths) -> Health {
    check(&client(paths, "test").await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_signs_in_and_the_nodes_add_up() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = admin(dir.path(), &server);
    let Health::Ready { version, nodes } = health(&paths).await else {
        panic!("the administrator signs in");
    };
    assert_eq!(version, "v1.32.4");
    let nodes = nodes.expect("the administrator lists nodes");
    assert_eq!(nodes.count, 7);
    assert_eq!(nodes.ready, 7);
    // Two A100 nodes, one H100 node (8 each), 8 MIG-mixed GPUs as 36 instances, 16 time-sliced.
    assert!(nodes.allocatable.gpus >= 40.0, "{nodes:?}");
    assert!(nodes.capacity.cpu >= 128.0 * 3.0, "{nodes:?}");
    assert!(nodes.capacity.memory > 1e12, "{nodes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restricted_token_signs_in_without_the_nodes_and_a_forged_one_is_refused() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    let paths = kubeconfig(dir.path(), &server.url(), &ca, "    token: t-jane\n");
    assert_eq!(
        health(&paths).await,
        Health::Ready {
            version: "v1.32.4".into(),
            nodes: None
        },
        "jane may not list nodes, and still uses the cluster"
    );
    let paths = kubeconfig(dir.path(), &server.url(), &ca, "    token: forged\n");
    assert_eq!(
        health(&paths).await,
        Health::Unauthorized {
            detail: "Unauthorized".into()
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_files_resolve_against_the_kubeconfig_and_exec_plugins_are_run() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    std::fs::write(dir.path().join("jane.token"), "t-jane\n").unwrap();
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &ca,
        "    tokenFile: jane.token\n",
    );
    let state = health(&paths).await;
    assert!(
        matches!(state, Health::Ready { .. }),
        "a relative token file: {state:?}"
    );

    let plugin = dir.path().join("credential-plugin");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t-jane\"}}'\n",
    )
    .unwrap();
    make_executable(&plugin);
    let exec = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
        plugin.display()
    );
    let paths = kubeconfig(dir.path(), &server.url(), &ca, &exec);
    assert!(
        matches!(health(&paths).await, Health::Ready { .. }),
        "an exec plugin"
    );

    std::fs::write(
        &plugin,
        "#!/bin/sh\necho 'no credentials today' >&2\nexit 3\n",
    )
    .unwrap();
    let Err(ConnectError::Credentials { context, detail }) = client(&paths, "test").await else {
        panic!("a failing plugin leaves the user without credentials");
    };
    assert_eq!(context, "test");
    assert!(detail.contains("no credentials today"), "{detail}");
    std::fs::write(&plugin, "#!/bin/sh\necho 'this is not JSON'\n").unwrap();
    let Err(ConnectError::Credentials { detail, .. }) = client(&paths, "test").await else {
        panic!("a plugin that prints garbage leaves the user without credentials");
    };
    assert!(detail.contains("printed no ExecCredential"), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_ca_and_a_closed_port_are_unreachable_with_the_reason() {
    let server = cluster().await;
    let other = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let wrong_ca = other.authority().unwrap().certificate_pem();
    let paths = kubeconfig(dir.path(), &server.url(), &wrong_ca, "    token: t-jane\n");
    let Health::Unreachable { detail } = health(&paths).await else {
        panic!("a certificate from another CA is not trusted");
    };
    assert!(detail.to_lowercase().contains("certificate"), "{detail}");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let ca = server.authority().unwrap().certificate_pem();
    let paths = kubeconfig(
        dir.path(),
        &format!("https://127.0.0.1:{closed}"),
        &ca,
        "    token: t-jane\n",
    );
    let Health::Unreachable { detail } = health(&paths).await else {
        panic!("nothing listens there");
    };
    assert!(detail.to_lowercase().contains("refused"), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_server_name_and_insecure_skip_tls_verify_are_honoured_as_the_file_sets_them() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    let with_cluster_field = |field: &str| {
        let paths = kubeconfig(dir.path(), &server.url(), &ca, "    token: t-jane\n");
        let text = std::fs::read_to_string(&paths.files()[0]).unwrap().replace(
            "    certificate-authority-data:",
            &format!("    {field}\n    certificate-authority-data:"),
        );
        std::fs::write(&paths.files()[0], text).unwrap();
        paths
    };
    // The server's certificate names 127.0.0.1 and localhost, not this name.
    let Health::Unreachable { detail } = health(&with_cluster_field(
        "tls-server-name: api.elsewhere.example",
    ))
    .await
    else {
        panic!("the certificate is checked against tls-server-name");
    };
    assert!(
        detail.contains("certificate not valid for name"),
        "{detail}"
    );
    assert!(matches!(
        health(&with_cluster_field("tls-server-name: localhost")).await,
        Health::Ready { .. }
    ));

    // Without the CA the certificate is not trusted, unless the file says to skip the check.
    let no_ca = |user_extra: &str| {
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: {}\n{user_extra}users:\n- name: test\n  user:\n    token: t-jane\ncontexts:\n- name: test\n  context: {{cluster: test, user: test}}\n",
            server.url()
        );
        let path = dir.path().join("no-ca");
        std::fs::write(&path, text).unwrap();
        KubeconfigPaths::resolve(Some(OsString::from(path)), None)
    };
    let Health::Unreachable { detail } = health(&no_ca("")).await else {
        panic!("an unknown CA is not trusted");
    };
    assert!(detail.to_lowercase().contains("unknown"), "{detail}");
    assert!(matches!(
        health(&no_ca("    insecure-skip-tls-verify: true\n")).await,
        Health::Ready { .. }
    ));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_client_certificate_says_when_it_expired_and_what_to_do() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let authority = server.authority().unwrap();
    let expired = authority
        .expired_client_certificate("kubernetes-admin")
        .unwrap();
    let user = format!(
        "    client-certificate-data: {}\n    client-key-data: {}\n",
        base64(&expired.certificate_pem),
        base64(&expired.key_pem)
    );
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &authority.certificate_pem(),
        &user,
    );
    let Err(ConnectError::Credentials { context, detail }) = client(&paths, "test").await else {
        panic!("an expired certificate is not used");
    };
    assert_eq!(context, "test");
    assert!(
        detail.contains("expired on 2020-01-01T00:00:00Z"),
        "{detail}"
    );
    assert!(detail.contains("kubeadm kubeconfig user"), "{detail}");
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn namespaces_are_listed_for_those_who_may_and_the_reason_kept_for_those_who_may_not() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let authority = server.authority().unwrap();
    let paths = admin(dir.path(), &server);
    let Namespaces::Listed(names) = namespaces(&client(&paths, "test").await.unwrap()).await else {
        panic!("the administrator lists namespaces");
    };
    assert!(names.contains(&"ml-team".to_owned()), "{names:?}");
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &authority.certificate_pem(),
        "    token: t-jane\n",
    );
    assert_eq!(
        namespaces(&client(&paths, "test").await.unwrap()).await,
        Namespaces::Forbidden(
            "namespaces is forbidden: User \"jane\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_counts_what_the_user_may_see_and_leaves_the_rest_unknown() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let authority = server.authority().unwrap();
    let paths = admin(dir.path(), &server);
    let admin = client(&paths, "test").await.unwrap();
    // Let the scheduler look at the demo's pods first: a GPU pod no node can take stays Pending.
    let seen = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let seen = kubedesk_cluster::overview(&admin, None).await.unwrap();
            if seen
                .warnings
                .as_ref()
                .is_some_and(|warnings| !warnings.is_empty())
            {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the scheduler's warnings arrive");
    let nodes = seen.nodes.unwrap();
    assert_eq!(nodes.len(), 7);
    let h100 = nodes
        .iter()
        .find(|node| node.name == "gpu-h100-01")
        .unwrap();
    assert_eq!(h100.gpus, 8.0);
    assert_eq!(h100.gpu_model.as_deref(), Some("NVIDIA-H100-80GB-HBM3"));
    assert!(seen.namespaces.unwrap() >= 8);
    assert!(
        seen.workloads
            .iter()
            .any(|(kind, count)| *kind == "Deployment" && count.unwrap() >= 4)
    );
    let pods = seen.pods.unwrap();
    assert!(pods.total >= 10 && pods.pending >= 1, "{pods:?}");
    let warning = &seen.warnings.unwrap()[0];
    assert_eq!(warning.reason, "FailedScheduling");
    assert!(warning.object.starts_with("Pod "), "{warning:?}");
    // gpu-prod's control plane is managed, out of sight.
    assert_eq!(
        seen.control_plane,
        Some(kubedesk_cluster::ControlPlane::default())
    );

    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &authority.certificate_pem(),
        "    token: t-jane\n",
    );
    let jane = client(&paths, "test").await.unwrap();
    let restricted = kubedesk_cluster::overview(&jane, None).await.unwrap();
    assert_eq!(restricted.nodes, None);
    assert_eq!(restricted.namespaces, None);
    assert_eq!(restricted.pods, None);
    assert_eq!(restricted.warnings, None);
    assert_eq!(restricted.scoped_to, None);
    assert_eq!(restricted.control_plane, None);
    // In the namespace jane may read, the counts are hers to see.
    let scoped = kubedesk_cluster::overview(&jane, Some("ml-team"))
        .await
        .unwrap();
    assert_eq!(scoped.scoped_to.as_deref(), Some("ml-team"));
    assert_eq!(scoped.namespace_forbidden, None);
    let closed = kubedesk_cluster::overview(&jane, Some("research"))
        .await
        .unwrap();
    assert!(
        closed
            .namespace_forbidden
            .as_deref()
            .is_some_and(|why| why.contains("in the namespace \"research\"")),
        "{closed:?}"
    );
    assert_eq!(scoped.nodes, None);
    assert!(
        scoped.pods.is_some_and(|pods| pods.total >= 1),
        "{scoped:?}"
    );
    assert!(
        scoped
            .workloads
            .iter()
            .any(|(kind, count)| *kind == "Deployment" && *count == Some(1)),
        "{scoped:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kubeadm_control_plane_shows_its_members_leaders_and_the_etcd_leader() {
    let cluster = demo::dev().unwrap();
    cluster.auth.require();
    let server = SimServer::start_tls(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let admin = client(&admin(dir.path(), &server), "test").await.unwrap();
    let plane = kubedesk_cluster::control_plane(&admin)
        .await
        .unwrap()
        .unwrap();
    let members: Vec<(&str, &str, bool, &str)> = plane
        .members
        .iter()
        .map(|member| {
            (
                member.component.as_str(),
                member.node.as_str(),
                member.ready,
                member.version.as_str(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("etcd", "dev-01", true, "3.5.16-0"),
            ("kube-apiserver", "dev-01", true, "v1.32.4"),
            ("kube-controller-manager", "dev-01", true, "v1.32.4"),
            ("kube-scheduler", "dev-01", true, "v1.32.4"),
        ]
    );
    let leaders: Vec<(&str, &str)> = plane
        .leaders
        .iter()
        .map(|leader| (leader.component.as_str(), leader.holder.as_str()))
        .collect();
    assert_eq!(
        leaders,
        [
            ("kube-scheduler", "dev-01"),
            ("kube-controller-manager", "dev-01")
        ]
    );
    assert_eq!(
        plane.etcd_leader,
        kubedesk_cluster::EtcdLeader::Member("etcd-dev-01".into())
    );

    // A user who may read kube-system's pods but not use the pod proxy sees the members, and why
    // the etcd leader is hidden.
    server
        .cluster()
        .auth
        .add_token("t-viewer", User::new("viewer", &[]));
    server
        .cluster()
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "kube-system",
            serde_json::json!({
                "metadata": {"name": "viewer"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
            }),
        )
        .unwrap();
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &server.authority().unwrap().certificate_pem(),
        "    token: t-viewer\n",
    );
    let viewer = client(&paths, "test").await.unwrap();
    let plane = kubedesk_cluster::control_plane(&viewer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plane.members.len(), 4);
    let kubedesk_cluster::EtcdLeader::NotVisible(reason) = plane.etcd_leader else {
        panic!("the viewer may not use the pod proxy");
    };
    assert!(reason.contains("pods/proxy"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_says_what_a_restricted_user_may_do_and_what_not() {
    use kubedesk_cluster::access::{Action, can, rules};
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &server.authority().unwrap().certificate_pem(),
        "    token: t-jane\n",
    );
    let jane = client(&paths, "test").await.unwrap();
    let action = |verb: &str, group: &str, resource: &str, namespace: Option<&str>| Action {
        verb: verb.into(),
        group: group.into(),
        resource: resource.into(),
        namespace: namespace.map(String::from),
        name: None,
    };
    let verdicts = can(
        &jane,
        &[
            action("list", "", "pods", Some("ml-team")),
            action("get", "", "pods/log", Some("ml-team")),
            action("delete", "", "pods", Some("ml-team")),
            action("list", "", "pods", Some("research")),
            action("list", "", "nodes", None),
        ],
    )
    .await
    .unwrap();
    let allowed: Vec<bool> = verdicts.iter().map(|verdict| verdict.allowed).collect();
    assert_eq!(allowed, [true, true, false, false, false]);
    assert!(
        verdicts[0]
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("jane-reads-pods")),
        "RBAC names the binding: {verdicts:?}"
    );

    let in_team = rules(&jane, "ml-team").await.unwrap();
    assert!(in_team.allows("list", "", "pods"));
    assert!(in_team.allows("watch", "apps", "deployments"));
    assert!(!in_team.allows("delete", "", "pods"));
    assert!(
        !in_team.allows("get", "", "secrets"),
        "view does not read secrets"
    );
    let elsewhere = rules(&jane, "research").await.unwrap();
    assert!(!elsewhere.allows("list", "", "pods"));
}

/// Waits for the proxy at `proxy_url` to listen, and writes a kubeconfig for jane through it.
async fn proxied(dir: &Path, server: &SimServer, proxy_url: &str) -> KubeconfigPaths {
    let address = proxy_url.rsplit('/').next().unwrap().to_owned();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while tokio::net::TcpStream::connect(&address).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the proxy listens");
    let ca = server.authority().unwrap().certificate_pem();
    let paths = kubeconfig(dir, &server.url(), &ca, "    token: t-jane\n");
    let text = std::fs::read_to_string(paths.files()[0].clone())
        .unwrap()
        .replace(
            "    certificate-authority-data:",
            &format!("    proxy-url: {proxy_url}\n    certificate-authority-data:"),
        );
    std::fs::write(&paths.files()[0], text).unwrap();
    paths
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_url_takes_the_connection_through_a_real_socks5_proxy() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut proxy = tokio::process::Command::new("microsocks")
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("microsocks runs (Debian's package, installed by `cargo xtask setup`)");
    let paths = proxied(dir.path(), &server, &format!("socks5://127.0.0.1:{port}")).await;
    assert!(
        matches!(health(&paths).await, Health::Ready { .. }),
        "through the proxy"
    );
    // The connection really goes through it: without the proxy, the cluster is out of reach.
    proxy.kill().await.unwrap();
    let Health::Unreachable { detail } = health(&paths).await else {
        panic!("a stopped proxy leaves the cluster unreachable");
    };
    assert!(detail.contains("SOCKS"), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_url_takes_the_connection_through_a_real_proxy() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server_port = server.url().rsplit(':').next().unwrap().to_owned();
    let log = dir.path().join("tinyproxy.log");
    let config = dir.path().join("tinyproxy.conf");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\nConnectPort {server_port}\nLogFile \"{}\"\nLogLevel Connect\n",
            log.display()
        ),
    )
    .unwrap();
    let _proxy = tokio::process::Command::new("tinyproxy")
        .arg("-d")
        .arg("-c")
        .arg(&config)
        .kill_on_drop(true)
        .spawn()
        .expect("tinyproxy runs (Debian's package, installed by `cargo xtask setup`)");
    let paths = proxied(dir.path(), &server, &format!("http://127.0.0.1:{port}")).await;
    assert!(
        matches!(health(&paths).await, Health::Ready { .. }),
        "through the proxy"
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains(&format!("CONNECT 127.0.0.1:{server_port} HTTP/1.1")),
        "the proxy carried the connection:\n{logged}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_credentials_are_kept_until_they_expire() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    let runs = dir.path().join("runs");
    let plugin = dir.path().join("counting-plugin");
    for (expires, expected_runs) in [("2099-01-01T00:00:00Z", 1), ("2000-01-01T00:00:00Z", 3)] {
        let _ = std::fs::remove_file(&runs);
        std::fs::write(
            &plugin,
            format!(
                "#!/bin/sh\necho run >> {}\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t-jane\",\"expirationTimestamp\":\"{expires}\"}}}}'\n",
                runs.display()
            ),
        )
        .unwrap();
        make_executable(&plugin);
        let exec = format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            plugin.display()
        );
        let paths = kubeconfig(dir.path(), &server.url(), &ca, &exec);
        let clients = kubedesk_cluster::Clients::new(std::sync::Arc::new(
            kubedesk_secrets::Keyring::memory("tests"),
        ));
        for _ in 0..3 {
            let client = clients.get(&paths, "test").await.unwrap();
            assert!(matches!(check(&client).await, Health::Ready { .. }));
        }
        let count = std::fs::read_to_string(&runs).unwrap().lines().count();
        assert_eq!(count, expected_runs, "credentials expiring {expires}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oidc_auth_provider_signs_in_with_its_id_token() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The fixture issuer's discovery document and keys, served on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let jwks = include_str!("../../sim/tests/fixtures/oidc/jwks.json");
    let discovery = serde_json::json!({"issuer": "https://issuer.example.com", "jwks_uri": format!("{issuer}/jwks")}).to_string();
    let _serving = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = vec![0; 4096];
            let read = stream.read(&mut request).await.unwrap_or(0);
            let body = if String::from_utf8_lossy(&request[..read]).starts_with("GET /jwks ") {
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
    let cluster = demo::dev().unwrap();
    cluster.auth.require();
    let mut config = kubedesk_sim::auth::OidcConfig::new("https://issuer.example.com", "kubedesk");
    config.username_claim = "email".into();
    config.discovery_url = Some(format!("{issuer}/.well-known/openid-configuration"));
    cluster.auth.set_oidc(config);
    let server = SimServer::start_tls(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let tokens: serde_json::Value =
        serde_json::from_str(include_str!("../../sim/tests/fixtures/oidc/tokens.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    let provider = |token: &str| {
        format!(
            "    auth-provider:\n      name: oidc\n      config:\n        client-id: kubedesk\n        idp-issuer-url: https://issuer.example.com\n        id-token: {token}\n"
        )
    };
    let valid = kubeconfig(
        dir.path(),
        &server.url(),
        &ca,
        &provider(tokens["valid"].as_str().unwrap()),
    );
    // jane@example.com is authenticated; like any user without a binding she may read no nodes.
    assert_eq!(
        health(&valid).await,
        Health::Ready {
            version: "v1.32.4".into(),
            nodes: None
        }
    );
    let tampered = kubeconfig(
        dir.path(),
        &server.url(),
        &ca,
        &provider(tokens["tampered"].as_str().unwrap()),
    );
    assert_eq!(
        health(&tampered).await,
        Health::Unauthorized {
            detail: "Unauthorized".into()
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_token_file_is_read_again() {
    let server = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = server.authority().unwrap().certificate_pem();
    let token = dir.path().join("rotating.token");
    std::fs::write(&token, "forged\n").unwrap();
    let paths = kubeconfig(
        dir.path(),
        &server.url(),
        &ca,
        "    tokenFile: rotating.token\n",
    );
    let clients = kubedesk_cluster::Clients::new(std::sync::Arc::new(
        kubedesk_secrets::Keyring::memory("tests"),
    ));
    let refused = check(&clients.get(&paths, "test").await.unwrap()).await;
    assert!(
        matches!(refused, Health::Unauthorized { .. }),
        "{refused:?}"
    );
    // The token is rotated on disk, as a CI job or a credential helper rotates it.
    std::fs::write(&token, "t-jane\n").unwrap();
    let accepted = check(&clients.get(&paths, "test").await.unwrap()).await;
    assert!(matches!(accepted, Health::Ready { .. }), "{accepted:?}");
}
