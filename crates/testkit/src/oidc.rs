//! npm's oidc-provider (installed by `cargo xtask setup` into `.tools/oidc`), run by node with
//! `provider.mjs`: one public native client `kubedesk`, PKCE required, the built-in login and
//! consent pages, email and groups in the ID token.

use std::time::Duration;

use tokio::io::AsyncBufReadExt as _;

/// The provider, listening on a port of its own; stopped when dropped.
#[derive(Debug)]
pub struct Provider {
    /// `http://127.0.0.1:<port>`, exactly as the provider names itself.
    pub issuer: String,
    port: u16,
    ttl: Duration,
    child: tokio::process::Child,
}

impl Provider {
    /// Starts a provider whose ID and access tokens live 60 seconds.
    pub async fn start() -> Self {
        Self::with_ttl(Duration::from_secs(60)).await
    }

    /// Starts a provider whose ID and access tokens live `ttl`.
    pub async fn with_ttl(ttl: Duration) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::on(port, ttl).await
    }

    async fn on(port: u16, ttl: Duration) -> Self {
        let module = crate::root().join(".tools/oidc/node_modules/oidc-provider/lib/index.js");
        assert!(
            module.exists(),
            "{} is missing: run `cargo xtask setup`, which installs oidc-provider there",
            module.display()
        );
        let mut child = tokio::process::Command::new("node")
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_ACCESS_TTL", ttl.as_secs().to_string())
            .env(
                "OIDC_PROVIDER_MODULE",
                format!("file://{}", module.display()),
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the provider");
        let issuer = format!("http://127.0.0.1:{port}");
        // provider.mjs says so once it listens.
        let stdout = child.stdout.take().expect("the provider's output");
        let ready = format!("OpenID provider ready at {issuer}");
        tokio::time::timeout(Duration::from_secs(20), async {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Some(line) = lines.next_line().await.expect("the provider's output") {
                if line == ready {
                    return;
                }
            }
            panic!("the provider ended before it listened");
        })
        .await
        .expect("the provider listens");
        Self {
            issuer,
            port,
            ttl,
            child,
        }
    }

    /// Stops the provider: its port refuses connections until [`Provider::restart`].
    pub async fn stop(&mut self) {
        self.child.kill().await.unwrap();
    }

    /// Starts the provider again on the same port. It keeps everything in memory, so every token
    /// it issued before is unknown to it now: refresh tokens are revoked.
    pub async fn restart(&mut self) {
        self.stop().await;
        let (port, ttl) = (self.port, self.ttl);
        *self = Self::on(port, ttl).await;
    }
}

/// The dev demo cluster taking ID tokens from `issuer` as kube-apiserver's `--oidc-*` flags would
/// (client `kubedesk`, the email as the user name, the groups prefixed `oidc:`), with credentials
/// required and the provider's `cluster-admins` group bound to cluster-admin.
pub fn oidc_cluster(issuer: &str) -> kubedesk_sim::Cluster {
    let cluster = kubedesk_sim::demo::dev().unwrap();
    cluster.auth.require();
    let mut config = kubedesk_sim::auth::OidcConfig::new(issuer, "kubedesk");
    config.username_claim = "email".into();
    config.groups_claim = Some("groups".into());
    config.groups_prefix = Some("oidc:".into());
    cluster.auth.set_oidc(config);
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "",
            serde_json::json!({"metadata": {"name": "oidc-admins"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "oidc:cluster-admins"}]}),
        )
        .unwrap();
    cluster
}
