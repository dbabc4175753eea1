//! Debian's `docker-registry` (CNCF Distribution), started on a free loopback port with its
//! storage in a folder of its own, open or asking for credentials (Distribution's `silly` auth:
//! any Authorization header passes, none is answered 401 with a Bearer challenge); images are
//! pushed to it as a client pushes them, blob by blob with monolithic uploads, then the manifest.
//! Stopped when dropped.

use std::net::SocketAddr;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A registry process, stopped when dropped.
#[derive(Debug)]
pub struct Registry {
    child: tokio::process::Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

/// What a registry asks of its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing.
    Open,
    /// An Authorization header (any): without one it answers 401.
    Credentials,
}

impl Registry {
    /// Starts it and waits until `GET /v2/` answers.
    pub async fn start(access: Access) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let auth = match access {
            Access::Open => String::new(),
            Access::Credentials => format!(
                "auth:\n  silly:\n    realm: http://{address}/token\n    service: kubedesk-test\n"
            ),
        };
        let config = format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp:\n  addr: {address}\n  secret: kubedesk-test-only\n{auth}",
            dir.path().join("data").display()
        );
        let path = dir.path().join("config.yml");
        std::fs::write(&path, config).unwrap();
        let child = tokio::process::Command::new("docker-registry")
            .arg("serve")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("docker-registry runs (Debian's package, installed by `cargo xtask setup`)");
        let started = Self {
            child,
            address,
            _dir: dir,
        };
        crate::eventually_async("the registry to answer", || async {
            let answer = started.exchange("GET", "/v2/", &[], &[]).await;
            answer.filter(|(status, _)| *status == 200).map(|_| ())
        })
        .await;
        started
    }

    /// Stops it and waits until it has gone.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Pushes a small image `name:tag` (a config and one layer), as a client pushes one.
    pub async fn push(&self, name: &str, tag: &str) {
        let config = json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                            "config": {"Labels": {"image": format!("{name}:{tag}")}}})
        .to_string()
        .into_bytes();
        let layer = format!("layer of {name}:{tag}").into_bytes();
        let mut described = Vec::new();
        for blob in [&config, &layer] {
            let digest = digest(blob);
            let (status, head) = self
                .exchange("POST", &format!("/v2/{name}/blobs/uploads/"), &[], &[])
                .await
                .expect("the registry answers");
            assert_eq!(status, 202, "an upload of {name} starts");
            let location = header(&head, "location").expect("the upload has a Location");
            let path = location
                .strip_prefix(&self.url())
                .unwrap_or(&location)
                .to_owned();
            let (status, _) = self
                .exchange("PUT", &format!("{path}&digest={digest}"), &[], blob)
                .await
                .expect("the registry answers");
            assert_eq!(status, 201, "{name}'s blob {digest} is taken");
            described.push(json!({"digest": digest, "size": blob.len()}));
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": described[0]["digest"], "size": described[0]["size"]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": described[1]["digest"], "size": described[1]["size"]}],
        })
        .to_string();
        let (status, _) = self
            .exchange(
                "PUT",
                &format!("/v2/{name}/manifests/{tag}"),
                &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
                manifest.as_bytes(),
            )
            .await
            .expect("the registry answers");
        assert_eq!(status, 201, "the manifest of {name}:{tag} is taken");
    }

    /// An HTTP/1.0 request (with an Authorization header, which the registry asking for
    /// credentials takes from anyone); its status and head, or nothing when it does not answer.
    async fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<(u16, String)> {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.ok()?;
        let mut head = format!(
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nAuthorization: Bearer test\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.ok()?;
        stream.write_all(body).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let head = text.split("\r\n\r\n").next().unwrap_or_default().to_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        Some((status, head))
    }
}

/// A blob's `sha256:` digest.
fn digest(blob: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, blob);
    let hex: String = digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// A header's value in a response's head.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
