//! Unmodified kubectl against the simulated API server: what a user types, and what they see.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

use kubedesk_sim::{Cluster, SimServer, demo, kubeconfig};
use kubedesk_testkit::eventually;
use serde_json::json;

/// kubectl with its own kubeconfig and discovery cache, pointed at a fresh simulated cluster.
struct Kubectl {
    server: SimServer,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    async fn new() -> Self {
        Self::on(Cluster::new("sim")).await
    }

    async fn on(cluster: Cluster) -> Self {
        let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        Self::with(server)
    }

    /// Over TLS, as the cluster's administrator by client certificate.
    async fn on_tls(cluster: Cluster) -> Self {
        let server = SimServer::start_tls(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        Self::with(server)
    }

    fn with(server: SimServer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, kubeconfig(&[&server])).unwrap();
        let kubeconfig = path;
        Self {
            server,
            dir,
            kubeconfig,
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .await
            .expect("kubectl runs (Debian's kubernetes-client or the image's /usr/bin/kubectl)")
    }

    /// Starts a kubectl that keeps running (`get -w`, `logs -f`); answers with it and its output lines.
    fn spawn(
        &self,
        args: &[&str],
    ) -> (
        tokio::process::Child,
        tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    ) {
        use tokio::io::AsyncBufReadExt;

        let mut child = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        (child, lines)
    }

    /// Runs kubectl, expects success, and returns what it printed.
    async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "kubectl {args:?} failed ({}):\n{stdout}\n{stderr}",
            output.status
        );
        stdout
    }

    /// Runs kubectl until it prints `expected` (the cluster's controllers act on their next tick).
    async fn eventually(&self, args: &[&str], expected: &str) {
        let waited = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            loop {
                let output = self.run(args).await;
                if String::from_utf8_lossy(&output.stdout) == expected {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        })
        .await;
        if waited.is_err() {
            let last = self.run(args).await;
            panic!(
                "kubectl {args:?} never printed {expected:?}; last: {:?} {:?}",
                String::from_utf8_lossy(&last.stdout),
                String::from_utf8_lossy(&last.stderr)
            );
        }
    }

    /// Runs kubectl, expects failure, and returns what it printed on stderr.
    async fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            !output.status.success(),
            "kubectl {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_get_prints_the_namespaces_table() {
    let kubectl = Kubectl::new().await;
    let out = kubectl.ok(&["get", "namespaces"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "STATUS", "AGE"], "{out}");
    let default = lines
        .iter()
        .find(|line| line.starts_with("default "))
        .expect("the default namespace");
    assert_eq!(words(default)[1], "Active");
    assert_eq!(lines.len(), 5, "{out}");
    // Short names come from discovery.
    assert_eq!(
        kubectl
            .ok(&["get", "ns", "kube-system", "-o", "name"])
            .await
            .trim(),
        "namespace/kube-system"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_get_prints_storage_classes_and_persistent_volumes_as_upstream_does() {
    let kubectl = Kubectl::on(kubedesk_sim::demo::gpu_prod().unwrap()).await;
    let out = kubectl.ok(&["get", "storageclasses"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        words(lines[0]),
        [
            "NAME",
            "PROVISIONER",
            "RECLAIMPOLICY",
            "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION",
            "AGE"
        ],
        "{out}"
    );
    let fast = lines
        .iter()
        .find(|line| line.starts_with("fast-ssd"))
        .unwrap();
    assert_eq!(
        words(fast)[..6],
        [
            "fast-ssd",
            "(default)",
            "csi.example.com",
            "Delete",
            "WaitForFirstConsumer",
            "true"
        ],
        "{out}"
    );
    let out = kubectl.ok(&["get", "pv"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        words(lines[0]),
        [
            "NAME",
            "CAPACITY",
            "ACCESS",
            "MODES",
            "RECLAIM",
            "POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE"
        ],
        "{out}"
    );
    let datasets = lines
        .iter()
        .find(|line| line.contains("ml-team/datasets"))
        .unwrap_or_else(|| panic!("the datasets volume: {out}"));
    assert_eq!(
        words(datasets)[1..7],
        [
            "500Gi",
            "RWO",
            "Delete",
            "Bound",
            "ml-team/datasets",
            "fast-ssd"
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storage_class_is_defaulted_and_keeps_what_made_its_volumes() {
    let kubectl = Kubectl::on(kubedesk_sim::demo::gpu_prod().unwrap()).await;
    let class = kubectl.file(
        "class.yaml",
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: scratch}\nprovisioner: csi.example.com\nparameters: {type: hdd}\n",
    );
    kubectl.ok(&["create", "-f", class.to_str().unwrap()]).await;
    let defaults = kubectl
        .ok(&[
            "get",
            "sc",
            "scratch",
            "-o",
            "jsonpath={.reclaimPolicy} {.volumeBindingMode}",
        ])
        .await;
    assert_eq!(defaults, "Delete Immediate");
    // Expansion and annotations may change; the binding mode, parameters and policy may not.
    kubectl
        .ok(&["patch", "sc", "scratch", "-p", r#"{"allowVolumeExpansion":true,"metadata":{"annotations":{"storageclass.kubesphere.io/allow-clone":"true"}}}"#])
        .await;
    let refused = kubectl
        .fails(&[
            "patch",
            "sc",
            "scratch",
            "-p",
            r#"{"volumeBindingMode":"WaitForFirstConsumer","parameters":{"type":"ssd"}}"#,
        ])
        .await;
    assert!(
        refused.contains("The StorageClass \"scratch\" is invalid: \n* parameters: Forbidden: updates to parameters are forbidden.\n* volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable"),
        "{refused}"
    );
    let refused = kubectl
        .fails(&[
            "patch",
            "sc",
            "scratch",
            "-p",
            r#"{"reclaimPolicy":"Retain"}"#,
        ])
        .await;
    assert!(
        refused.contains(r#"The StorageClass "scratch" is invalid: reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden."#),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_creates_labels_lists_by_selector_and_deletes_a_configmap() {
    let kubectl = Kubectl::new().await;
    let file = kubectl.file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n  level: \"3\"\n");
    assert_eq!(
        kubectl
            .ok(&["create", "-f", file.to_str().unwrap()])
            .await
            .trim(),
        "configmap/settings created"
    );
    let out = kubectl.ok(&["get", "configmaps"]).await;
    assert_eq!(words(out.lines().next().unwrap()), ["NAME", "DATA", "AGE"]);
    let settings = out
        .lines()
        .find(|line| line.starts_with("settings "))
        .unwrap();
    assert_eq!(words(settings)[..2], ["settings", "2"]);

    assert_eq!(
        kubectl
            .ok(&["label", "configmap", "settings", "tier=gpu"])
            .await
            .trim(),
        "configmap/settings labeled"
    );
    assert_eq!(
        kubectl
            .ok(&["get", "cm", "-l", "tier=gpu", "-o", "name"])
            .await
            .trim(),
        "configmap/settings"
    );
    assert!(
        kubectl
            .run(&["get", "cm", "-l", "tier=cpu", "-o", "name"])
            .await
            .stdout
            .is_empty()
    );
    let json: serde_json::Value =
        serde_json::from_str(&kubectl.ok(&["get", "cm", "settings", "-o", "json"]).await).unwrap();
    assert_eq!(json["metadata"]["labels"], json!({"tier": "gpu"}));
    assert_eq!(json["data"]["level"], "3");

    assert_eq!(
        kubectl
            .ok(&["delete", "configmap", "settings"])
            .await
            .trim(),
        "configmap \"settings\" deleted"
    );
    let error = kubectl.fails(&["get", "configmap", "settings"]).await;
    assert!(
        error.contains("Error from server (NotFound): configmaps \"settings\" not found"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_reports_the_servers_errors_as_a_real_server_words_them() {
    let kubectl = Kubectl::new().await;
    let file = kubectl.file(
        "cm.json",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"}}"#,
    );
    kubectl.ok(&["create", "-f", file.to_str().unwrap()]).await;
    let error = kubectl
        .fails(&["create", "-f", file.to_str().unwrap()])
        .await;
    assert!(
        error.contains("Error from server (AlreadyExists)")
            && error.contains("configmaps \"twice\" already exists"),
        "{error}"
    );
    let error = kubectl.fails(&["get", "pods", "-l", "app in web"]).await;
    assert!(
        error.contains("unable to parse requirement") || error.contains("unable to parse"),
        "{error}"
    );
    let error = kubectl
        .fails(&["get", "deployments.apps", "nope", "-n", "default"])
        .await;
    assert!(
        error.contains("deployments.apps \"nope\" not found"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_api_resources_lists_the_catalogue() {
    let kubectl = Kubectl::new().await;
    let out = kubectl.ok(&["api-resources"]).await;
    assert_eq!(
        words(out.lines().next().unwrap()),
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    for (name, short, version, namespaced, kind) in [
        ("pods", "po", "v1", "true", "Pod"),
        ("namespaces", "ns", "v1", "false", "Namespace"),
        ("deployments", "deploy", "apps/v1", "true", "Deployment"),
        ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
    ] {
        assert!(
            out.lines()
                .any(|line| words(line) == [name, short, version, namespaced, kind]),
            "{name} missing from:\n{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_scale_and_patch_change_a_deployment() {
    let kubectl = Kubectl::new().await;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}});
    kubectl
        .server
        .cluster()
        .create("apps", "deployments", "default", deployment)
        .unwrap();
    assert_eq!(
        kubectl
            .ok(&["scale", "deployment", "web", "--replicas=3"])
            .await
            .trim(),
        "deployment.apps/web scaled"
    );
    let replicas = kubectl
        .ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])
        .await;
    assert_eq!(replicas, "3");
    kubectl.ok(&["patch", "deployment", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#]).await;
    let image = kubectl
        .ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}",
        ])
        .await;
    assert_eq!(image, "nginx:1.28 3");
    let out = kubectl.ok(&["get", "deployments"]).await;
    assert_eq!(
        words(out.lines().next().unwrap()),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_get_watch_prints_objects_as_they_are_created() {
    let kubectl = Kubectl::new().await;
    kubectl
        .server
        .cluster()
        .create(
            "",
            "configmaps",
            "default",
            json!({"metadata": {"name": "before"}}),
        )
        .unwrap();
    let (mut child, mut lines) = kubectl.spawn(&["get", "configmaps", "--watch"]);
    let cluster = kubectl.server.cluster().clone();
    let created = async {
        // Once the listed object is printed, the list is over: what is created next can only
        // reach kubectl through its watch.
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            seen.push(line.clone());
            if line.starts_with("before ") {
                cluster
                    .create(
                        "",
                        "configmaps",
                        "default",
                        json!({"metadata": {"name": "live"}, "data": {"a": "1"}}),
                    )
                    .unwrap();
            }
            if line.starts_with("live ") {
                break;
            }
        }
        seen
    };
    let seen = tokio::time::timeout(std::time::Duration::from_secs(30), created)
        .await
        .expect("the new configmap appears in the watch");
    assert_eq!(words(&seen[0]), ["NAME", "DATA", "AGE"], "{seen:?}");
    assert!(seen[1].starts_with("before "), "{seen:?}");
    assert_eq!(words(seen.last().unwrap())[..2], ["live", "1"]);
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_from_a_compacted_version_ends_with_an_in_stream_410() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let kubectl = Kubectl::new().await;
    let cluster = kubectl.server.cluster().clone();
    cluster
        .create(
            "",
            "configmaps",
            "default",
            json!({"metadata": {"name": "a"}}),
        )
        .unwrap();
    let old = cluster.store.revision() - 1;
    cluster.store.compact();
    let address = kubectl
        .server
        .url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "GET /api/v1/namespaces/default/configmaps?&watch=true&resourceVersion={old} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("the stream ends")
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.contains(r#""type":"ERROR""#)
            && response.contains(r#""code":410"#)
            && response.contains(r#""reason":"Expired""#),
        "{response}"
    );
    assert!(
        response.contains(&format!("too old resource version: {old}")),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_pages_through_a_list_in_chunks() {
    let kubectl = Kubectl::new().await;
    let cluster = kubectl.server.cluster();
    for namespace in ["a", "a-b"] {
        cluster
            .create(
                "",
                "namespaces",
                "",
                json!({"metadata": {"name": namespace}}),
            )
            .unwrap();
        for index in 0..4 {
            cluster
                .create(
                    "",
                    "configmaps",
                    namespace,
                    json!({"metadata": {"name": format!("cm-{index}"), "labels": {"batch": "chunks"}}}),
                )
                .unwrap();
        }
    }
    let out = kubectl
        .ok(&[
            "get",
            "configmaps",
            "-A",
            "-l",
            "batch=chunks",
            "--chunk-size=3",
            "-o",
            "name",
        ])
        .await;
    let names: Vec<&str> = out.lines().collect();
    assert_eq!(names.len(), 8, "{out}");
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), 4, "each name once per namespace: {out}");
}

const DEPLOYMENT_YAML: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: IMAGE
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox:1.36
";

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_apply_twice_changes_one_container_inside_the_list() {
    let kubectl = Kubectl::new().await;
    let first = kubectl.file(
        "web-1.yaml",
        &DEPLOYMENT_YAML.replace("IMAGE", "nginx:1.27"),
    );
    assert_eq!(
        kubectl
            .ok(&["apply", "-f", first.to_str().unwrap()])
            .await
            .trim(),
        "deployment.apps/web created"
    );
    let second = kubectl.file(
        "web-2.yaml",
        &DEPLOYMENT_YAML.replace("IMAGE", "nginx:1.28"),
    );
    assert_eq!(
        kubectl
            .ok(&["apply", "-f", second.to_str().unwrap()])
            .await
            .trim(),
        "deployment.apps/web configured"
    );
    let images = kubectl
        .ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}",
        ])
        .await;
    assert_eq!(images.trim(), "nginx=nginx:1.28 sidecar=busybox:1.36");
    let json: serde_json::Value =
        serde_json::from_str(&kubectl.ok(&["get", "deploy", "web", "-o", "json"]).await).unwrap();
    assert!(
        !json.to_string().contains("$setElementOrder"),
        "a directive was stored: {json}"
    );
    assert_eq!(
        json["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
        80
    );
    assert_eq!(
        kubectl
            .ok(&["apply", "-f", second.to_str().unwrap()])
            .await
            .trim(),
        "deployment.apps/web unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_server_side_apply_creates_then_updates() {
    let kubectl = Kubectl::new().await;
    let first = kubectl.file(
        "web-1.yaml",
        &DEPLOYMENT_YAML.replace("IMAGE", "nginx:1.27"),
    );
    assert_eq!(
        kubectl
            .ok(&["apply", "--server-side", "-f", first.to_str().unwrap()])
            .await
            .trim(),
        "deployment.apps/web serverside-applied"
    );
    let second = kubectl.file(
        "web-2.yaml",
        &DEPLOYMENT_YAML
            .replace("IMAGE", "nginx:1.29")
            .replace("replicas: 2", "replicas: 4"),
    );
    assert_eq!(
        kubectl
            .ok(&["apply", "--server-side", "-f", second.to_str().unwrap()])
            .await
            .trim(),
        "deployment.apps/web serverside-applied"
    );
    let out = kubectl
        .ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}",
        ])
        .await;
    assert_eq!(out, "4 nginx:1.29");
}

fn running_pod(name: &str, containers: &[&str], started: &str) -> serde_json::Value {
    let specs: Vec<serde_json::Value> = containers
        .iter()
        .map(|container| json!({"name": container, "image": "nginx:1.27"}))
        .collect();
    json!({"metadata": {"name": name, "labels": {"app": "web"}}, "spec": {"containers": specs},
           "status": {"phase": "Running", "startTime": started}})
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_logs_tails_with_timestamps_and_names_the_container_when_needed() {
    let kubectl = Kubectl::new().await;
    let started = (chrono::Utc::now() - chrono::Duration::minutes(10))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let cluster = kubectl.server.cluster();
    cluster
        .create(
            "",
            "pods",
            "default",
            running_pod("web-1", &["nginx"], &started),
        )
        .unwrap();
    cluster
        .create(
            "",
            "pods",
            "default",
            running_pod("duo", &["a", "b"], &started),
        )
        .unwrap();

    let out = kubectl
        .ok(&["logs", "web-1", "--tail=3", "--timestamps"])
        .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in &lines {
        let stamp = line.split_whitespace().next().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(stamp).is_ok() && stamp.len() == 30,
            "{line}"
        );
        assert!(line.contains("INFO nginx: GET"), "{line}");
    }
    let all = kubectl.ok(&["logs", "web-1"]).await;
    assert!(
        (595..=605).contains(&all.lines().count()),
        "ten minutes at a line a second: {}",
        all.lines().count()
    );

    // kubectl picks the first container itself and says so; the server's 400 for an unnamed
    // container is covered by the unit tests of logs.rs.
    let output = kubectl.run(&["logs", "duo", "--tail=1"]).await;
    assert!(String::from_utf8_lossy(&output.stderr).contains("Defaulted container \"a\""));
    assert!(String::from_utf8_lossy(&output.stdout).contains("INFO a: GET"));
    let second = kubectl.ok(&["logs", "duo", "-c", "b", "--tail=1"]).await;
    assert!(
        second.lines().count() == 1 && second.contains("INFO b: GET"),
        "{second}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_logs_follow_keeps_printing_new_lines() {
    let kubectl = Kubectl::new().await;
    let started = (chrono::Utc::now() - chrono::Duration::seconds(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    kubectl
        .server
        .cluster()
        .create(
            "",
            "pods",
            "default",
            running_pod("web-1", &["nginx"], &started),
        )
        .unwrap();
    let (mut child, mut lines) = kubectl.spawn(&["logs", "-f", "web-1", "--tail=1"]);
    let mut requests = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while requests.len() < 3 {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the stream stays open");
            let number: i64 = line.rsplit("request=").next().unwrap().parse().unwrap();
            requests.push(number);
        }
    })
    .await
    .expect("three lines within 20 s");
    assert!(
        requests.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "consecutive lines: {requests:?}"
    );
    child.kill().await.unwrap();
}

const CRD_YAML: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gpujobs.batch.kubedesk.io
spec:
  group: batch.kubedesk.io
  scope: Namespaced
  names: {plural: gpujobs, singular: gpujob, kind: GpuJob, shortNames: [gj]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: GPUs, type: integer, jsonPath: .spec.gpus}
    - {name: Model, type: string, jsonPath: .spec.model}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_created_crd_is_served_with_its_columns_and_deleting_it_removes_its_objects() {
    let kubectl = Kubectl::new().await;
    let crd = kubectl.file("crd.yaml", CRD_YAML);
    assert_eq!(
        kubectl
            .ok(&["apply", "-f", crd.to_str().unwrap()])
            .await
            .trim(),
        "customresourcedefinition.apiextensions.k8s.io/gpujobs.batch.kubedesk.io created"
    );
    let established = kubectl
        .ok(&[
            "get",
            "crd",
            "gpujobs.batch.kubedesk.io",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Established\")].status}",
        ])
        .await;
    assert_eq!(established, "True");

    let job = kubectl.file("job.yaml", "apiVersion: batch.kubedesk.io/v1\nkind: GpuJob\nmetadata:\n  name: train\nspec:\n  gpus: 8\n  model: llama\n");
    assert_eq!(
        kubectl
            .ok(&["apply", "-f", job.to_str().unwrap()])
            .await
            .trim(),
        "gpujob.batch.kubedesk.io/train created"
    );
    let out = kubectl.ok(&["get", "gj"]).await;
    assert_eq!(
        words(out.lines().next().unwrap()),
        ["NAME", "GPUS", "MODEL", "AGE"],
        "{out}"
    );
    assert_eq!(
        words(out.lines().nth(1).unwrap())[..3],
        ["train", "8", "llama"]
    );
    let resources = kubectl
        .ok(&["api-resources", "--api-group=batch.kubedesk.io"])
        .await;
    assert!(
        resources
            .lines()
            .any(|line| words(line) == ["gpujobs", "gj", "batch.kubedesk.io/v1", "true", "GpuJob"]),
        "{resources}"
    );

    kubectl
        .ok(&["delete", "crd", "gpujobs.batch.kubedesk.io"])
        .await;
    let error = kubectl.fails(&["get", "gpujobs.batch.kubedesk.io"]).await;
    assert!(
        error.contains("the server doesn't have a resource type"),
        "{error}"
    );
    assert!(
        kubectl
            .server
            .cluster()
            .store
            .list("batch.kubedesk.io/gpujobs", None)
            .1
            .is_empty()
    );
}

/// Polls the store until no object of `resource` in `namespace` matches `app=<app>`.
async fn until_gone(cluster: &Cluster, resource: &str, namespace: &str, app: &str) {
    let remaining = || {
        cluster
            .store
            .list(resource, Some(namespace))
            .1
            .into_iter()
            .filter(|object| object["metadata"]["labels"]["app"] == app)
            .count()
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while remaining() > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} {resource} of app={app} are still there", remaining()));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_deployment_cascades_to_its_replica_sets_and_pods() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    assert_eq!(
        kubectl
            .ok(&["delete", "deployment", "api", "-n", "sandbox"])
            .await
            .trim(),
        "deployment.apps \"api\" deleted"
    );
    let cluster = kubectl.server.cluster();
    until_gone(cluster, "apps/replicasets", "sandbox", "api").await;
    until_gone(cluster, "/pods", "sandbox", "api").await;
    // The other app is untouched.
    assert_eq!(
        kubectl
            .ok(&[
                "get", "pods", "-n", "default", "-l", "app=web", "-o", "name"
            ])
            .await
            .lines()
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_orphaning_delete_keeps_the_dependents_without_their_owner() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    kubectl
        .ok(&[
            "delete",
            "deployment",
            "api",
            "-n",
            "sandbox",
            "--cascade=orphan",
        ])
        .await;
    let sets = kubectl
        .ok(&[
            "get",
            "rs",
            "-n",
            "sandbox",
            "-l",
            "app=api",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}:{.metadata.ownerReferences}{end}",
        ])
        .await;
    assert!(
        sets.starts_with("api-") && sets.ends_with(':'),
        "the replica set stays, owner removed: {sets}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_graceful_pod_delete_terminates_first_and_kubectl_waits_for_it() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    let pod = kubectl
        .ok(&[
            "get",
            "pods",
            "-n",
            "default",
            "-l",
            "app=web",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ])
        .await;
    assert_eq!(
        kubectl
            .ok(&["delete", "pod", &pod, "-n", "default"])
            .await
            .trim(),
        format!("pod \"{pod}\" deleted")
    );
    let error = kubectl.fails(&["get", "pod", &pod, "-n", "default"]).await;
    assert!(error.contains("NotFound"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_with_a_finalizer_waits_until_the_finalizer_is_removed() {
    let kubectl = Kubectl::new().await;
    let cluster = kubectl.server.cluster();
    cluster
        .create(
            "",
            "configmaps",
            "default",
            json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}),
        )
        .unwrap();
    kubectl
        .ok(&["delete", "configmap", "held", "--wait=false"])
        .await;
    let marked = kubectl
        .ok(&[
            "get",
            "configmap",
            "held",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ])
        .await;
    assert!(!marked.is_empty(), "marked for deletion");
    kubectl
        .ok(&[
            "patch",
            "configmap",
            "held",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ])
        .await;
    let error = kubectl.fails(&["get", "configmap", "held"]).await;
    assert!(error.contains("NotFound"), "{error}");
}

/// One plain HTTP/1.1 request to the server; answers with the status line and the body.
async fn http(server: &SimServer, method: &str, path: &str, body: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = server.url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_errors_reach_kubectl_and_clear_when_the_faults_are_lifted() {
    let kubectl = Kubectl::new().await;
    kubectl.ok(&["get", "ns"]).await;
    let (status, _) = http(
        &kubectl.server,
        "PUT",
        "/_kubedesk/faults",
        r#"{"errorRate": {"list": 1.0}}"#,
    )
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let error = kubectl.fails(&["get", "configmaps"]).await;
    assert!(
        error.contains("InternalError") || error.contains("injected fault"),
        "{error}"
    );
    // Other verbs still work.
    kubectl.ok(&["get", "namespace", "default"]).await;
    let (status, body) = http(
        &kubectl.server,
        "PUT",
        "/_kubedesk/faults",
        r#"{"errorRate": {"explode": 0.5}}"#,
    )
    .await;
    assert!(
        status.contains("400") && body.contains("explode"),
        "{status} {body}"
    );
    http(&kubectl.server, "PUT", "/_kubedesk/faults", "{}").await;
    kubectl.ok(&["get", "configmaps"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_watches_ends_kubectl_get_watch() {
    let kubectl = Kubectl::new().await;
    kubectl
        .server
        .cluster()
        .create(
            "",
            "configmaps",
            "default",
            json!({"metadata": {"name": "before"}}),
        )
        .unwrap();
    let (mut child, mut lines) = kubectl.spawn(&["get", "configmaps", "--watch"]);
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("before ") {
            break;
        }
    }
    // kubectl prints the list before it opens its watch: wait for the watch to be open.
    let store = &kubectl.server.cluster().store;
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while store.open_watches() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("kubectl opens a watch");
    http(
        &kubectl.server,
        "POST",
        "/_kubedesk/faults/drop-watches",
        "",
    )
    .await;
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("kubectl get -w ends with its watch")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scaling_and_a_new_image_roll_out_through_replica_sets_to_pods() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    kubectl
        .ok(&[
            "scale",
            "deployment",
            "api",
            "-n",
            "sandbox",
            "--replicas=4",
        ])
        .await;
    let rollout = kubectl
        .ok(&[
            "rollout",
            "status",
            "deployment/api",
            "-n",
            "sandbox",
            "--timeout=30s",
        ])
        .await;
    assert!(rollout.contains("successfully rolled out"), "{rollout}");
    let pods = kubectl
        .ok(&[
            "get",
            "pods",
            "-n",
            "sandbox",
            "-l",
            "app=api",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(pods.lines().count(), 4, "{pods}");

    kubectl
        .ok(&[
            "set",
            "image",
            "deployment/api",
            "-n",
            "sandbox",
            "api=ghcr.io/example/api:2.4.0",
        ])
        .await;
    let rollout = kubectl
        .ok(&[
            "rollout",
            "status",
            "deployment/api",
            "-n",
            "sandbox",
            "--timeout=30s",
        ])
        .await;
    assert!(rollout.contains("successfully rolled out"), "{rollout}");
    let sets = kubectl.ok(&["get", "rs", "-n", "sandbox", "-l", "app=api", "-o", "jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}={.spec.replicas} {end}"]).await;
    let mut sets: Vec<&str> = sets.split_whitespace().collect();
    sets.sort_unstable();
    assert_eq!(
        sets,
        ["ghcr.io/example/api:2.3.1=0", "ghcr.io/example/api:2.4.0=4"]
    );
    let cluster = kubectl.server.cluster().clone();
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let (_, pods) = cluster.store.list("/pods", Some("sandbox"));
            let images: Vec<String> = pods
                .iter()
                .filter(|pod| pod.pointer("/metadata/deletionTimestamp").is_none())
                .map(|pod| {
                    pod["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            if images.len() == 4 && images.iter().all(|image| image.ends_with("2.4.0")) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the old pods are replaced by four new ones");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gpu_pod_no_node_can_take_stays_pending_with_the_schedulers_reason() {
    let kubectl = Kubectl::on(demo::edge().unwrap()).await;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "big"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "big"}},
                 "template": {"metadata": {"labels": {"app": "big"}}, "spec": {"containers": [{"name": "train", "image": "pytorch", "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}}}});
    kubectl
        .server
        .cluster()
        .create("apps", "deployments", "vision", deployment)
        .unwrap();
    let cluster = kubectl.server.cluster().clone();
    let message = eventually("the scheduler to give up on the pod", || {
        let (_, pods) = cluster.store.list("/pods", Some("vision"));
        pods.iter()
            .find(|pod| pod["metadata"]["labels"]["app"] == "big")
            .and_then(|pod| pod["status"]["conditions"][0]["message"].as_str())
            .map(str::to_owned)
    })
    .await;
    let expected = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    assert_eq!(message, expected);
    let out = kubectl
        .ok(&["get", "pods", "-n", "vision", "-l", "app=big"])
        .await;
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|line| line.contains("Pending")),
        "{out}"
    );
    // `kubectl describe` finds the scheduler's event by the pod's name, namespace and uid.
    let described = kubectl
        .ok(&["describe", "pods", "-n", "vision", "-l", "app=big"])
        .await;
    let event = described
        .lines()
        .find(|line| line.contains("FailedScheduling"))
        .unwrap_or_else(|| panic!("no FailedScheduling event in:\n{described}"));
    assert!(
        event.trim_start().starts_with("Warning  FailedScheduling"),
        "{event}"
    );
    assert!(event.contains("default-scheduler"), "{event}");
    assert!(event.ends_with(expected), "{event}");
    let events = kubectl
        .ok(&[
            "get",
            "events",
            "-n",
            "vision",
            "--field-selector",
            "reason=ScalingReplicaSet",
            "-o",
            "jsonpath={.items[*].message}",
        ])
        .await;
    assert!(events.starts_with("Scaled up replica set big-"), "{events}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cpu_memory_affinity_and_cordons_decide_where_pods_go() {
    let kubectl = Kubectl::on(demo::edge().unwrap()).await;
    let nodes = kubectl
        .ok(&["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"])
        .await;
    let nodes: Vec<&str> = nodes.split_whitespace().collect();
    assert!(nodes.len() >= 2, "{nodes:?}");
    for node in &nodes[1..] {
        kubectl.ok(&["cordon", node]).await;
    }
    let pod = |name: &str, cpu: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"containers": [{"name": "app", "image": "busybox", "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}})
        .to_string()
    };
    let small = kubectl.file("small.json", &pod("small", "100m"));
    let huge = kubectl.file("huge.json", &pod("huge", "5000"));
    kubectl.ok(&["create", "-f", small.to_str().unwrap()]).await;
    kubectl.ok(&["create", "-f", huge.to_str().unwrap()]).await;
    kubectl
        .ok(&[
            "wait",
            "--for=condition=Ready",
            "pod/small",
            "--timeout=20s",
        ])
        .await;
    let placed = kubectl
        .ok(&["get", "pod", "small", "-o", "jsonpath={.spec.nodeName}"])
        .await;
    assert_eq!(placed, nodes[0], "the only node not cordoned");
    kubectl
        .ok(&[
            "wait",
            "--for=condition=PodScheduled=False",
            "pod/huge",
            "--timeout=20s",
        ])
        .await;
    let reason = kubectl
        .ok(&[
            "get",
            "pod",
            "huge",
            "-o",
            "jsonpath={.status.conditions[0].message}",
        ])
        .await;
    let cordoned = nodes.len() - 1;
    assert_eq!(
        reason,
        format!(
            "0/{} nodes are available: 1 Insufficient cpu, {cordoned} node(s) were unschedulable. preemption: 0/{} nodes are available: 1 No preemption victims found for incoming pod, {cordoned} Preemption is not helpful for scheduling.",
            nodes.len(),
            nodes.len()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quotas_refuse_what_exceeds_them_with_the_real_message_and_count_what_is_used() {
    let kubectl = Kubectl::on(demo::gpu_prod().unwrap()).await;
    kubectl.ok(&["create", "namespace", "team-q"]).await;
    kubectl
        .ok(&[
            "create",
            "quota",
            "gpus",
            "-n",
            "team-q",
            // `limits.` of an extended resource is accepted, and neither counted nor enforced.
            "--hard=requests.nvidia.com/gpu=2,limits.nvidia.com/gpu=1,pods=5",
        ])
        .await;
    let limits = kubectl.file(
        "limits.yaml",
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: team-q}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 256Mi}\n    defaultRequest: {cpu: 100m, memory: 128Mi}\n    max: {cpu: '2'}\n",
    );
    kubectl.ok(&["apply", "-f", limits.to_str().unwrap()]).await;
    let gpu_pod = |name: &str, gpus: u32| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team-q"},
               "spec": {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                        "containers": [{"name": "train", "image": "pytorch", "resources": {"limits": {"nvidia.com/gpu": gpus.to_string()}}}]}})
        .to_string()
    };
    let first = kubectl.file("first.json", &gpu_pod("first", 2));
    kubectl.ok(&["create", "-f", first.to_str().unwrap()]).await;
    let defaulted = kubectl
        .ok(&[
            "get",
            "pod",
            "first",
            "-n",
            "team-q",
            "-o",
            "jsonpath={.spec.containers[0].resources}",
        ])
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&defaulted).unwrap(),
        json!({"limits": {"cpu": "500m", "memory": "256Mi", "nvidia.com/gpu": "2"}, "requests": {"cpu": "100m", "memory": "128Mi"}}),
        "LimitRange defaults fill in what the container left out"
    );
    let second = kubectl.file("second.json", &gpu_pod("second", 1));
    let refused = kubectl
        .fails(&["create", "-f", second.to_str().unwrap()])
        .await;
    assert_eq!(
        refused.trim(),
        "Error from server (Forbidden): error when creating \"".to_owned()
            + second.to_str().unwrap()
            + "\": pods \"second\" is forbidden: exceeded quota: gpus, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=2"
    );
    let cluster = kubectl.server.cluster().clone();
    let used = eventually("the quota controller to count the pod", || {
        let quota = cluster.store.get("/resourcequotas", "team-q", "gpus")?;
        (quota["status"]["used"]["pods"] == "1").then(|| quota["status"]["used"].clone())
    })
    .await;
    assert_eq!(used, json!({"pods": "1", "requests.nvidia.com/gpu": "2"}));
    let described = kubectl
        .ok(&["describe", "quota", "gpus", "-n", "team-q"])
        .await;
    let line = described
        .lines()
        .find(|line| line.starts_with("requests.nvidia.com/gpu"))
        .unwrap();
    assert_eq!(
        words(line),
        ["requests.nvidia.com/gpu", "2", "2"],
        "{described}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_quota_counts_its_projects_and_kubespheres_webhook_refuses_beyond_it() {
    let kubectl = Kubectl::on(demo::gpu_prod().unwrap()).await;
    kubectl.ok(&["create", "namespace", "serving-extra"]).await;
    kubectl
        .ok(&[
            "label",
            "namespace",
            "serving-extra",
            "kubesphere.io/workspace=ai-serving",
        ])
        .await;
    let cluster = kubectl.server.cluster().clone();
    let key = "quota.kubesphere.io/resourcequotas";
    // KubeSphere's controller: the workspace's projects, each counted, and their sum.
    let status = eventually("the workspace quota to count serving-extra", || {
        let quota = cluster.store.get(key, "", "ai-serving")?;
        let namespaces = quota["status"]["namespaces"].as_array()?;
        namespaces
            .iter()
            .any(|namespace| namespace["namespace"] == "serving-extra")
            .then(|| quota["status"].clone())
    })
    .await;
    let used_of = |namespace: &str| -> i64 {
        status["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["namespace"] == namespace)
            .and_then(|entry| entry["used"]["requests.nvidia.com/gpu"].as_str())
            .unwrap()
            .parse()
            .unwrap()
    };
    let used: i64 = status["total"]["used"]["requests.nvidia.com/gpu"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(used, used_of("inference") + used_of("serving-extra"));
    assert_eq!(status["total"]["hard"]["requests.nvidia.com/gpu"], "8");
    let room = 8 - used;
    assert!(room > 0, "{status}");
    let pod = |name: &str, gpus: i64| {
        kubectl.file(
            &format!("{name}.json"),
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "serving-extra"},
                    "spec": {"containers": [{"name": "train", "image": "pytorch",
                                             "resources": {"limits": {"nvidia.com/gpu": gpus.to_string(), "cpu": "1", "memory": "1Gi"}}}]}})
            .to_string(),
        )
    };
    let over = pod("over", room + 1);
    let refused = kubectl
        .fails(&["create", "-f", over.to_str().unwrap()])
        .await;
    assert!(
        refused.contains(&format!(
            "pods \"over\" is forbidden: admission webhook \"resourcesquotas.quota.kubesphere.io\" denied the request: exceeded quota: ai-serving, requested: requests.nvidia.com/gpu={}, used: requests.nvidia.com/gpu={used}, limited: requests.nvidia.com/gpu=8",
            room + 1
        )),
        "{refused}"
    );
    let fits = pod("fits", room);
    kubectl.ok(&["create", "-f", fits.to_str().unwrap()]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_create_generators_send_protobuf_and_the_objects_are_whole() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    let created = kubectl.ok(&["create", "namespace", "team-a"]).await;
    assert_eq!(created.trim(), "namespace/team-a created");
    kubectl
        .ok(&[
            "create",
            "configmap",
            "settings",
            "-n",
            "team-a",
            "--from-literal=mode=fast",
            "--from-literal=level=3",
        ])
        .await;
    let data = kubectl
        .ok(&[
            "get",
            "configmap",
            "settings",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.data}",
        ])
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&data).unwrap(),
        json!({"mode": "fast", "level": "3"})
    );
    kubectl
        .ok(&[
            "create",
            "secret",
            "generic",
            "db",
            "-n",
            "team-a",
            "--from-literal=password=s3cret",
        ])
        .await;
    let password = kubectl
        .ok(&[
            "get",
            "secret",
            "db",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.data.password}",
        ])
        .await;
    assert_eq!(password, "czNjcmV0", "base64 of s3cret");

    kubectl
        .ok(&[
            "create",
            "deployment",
            "web",
            "-n",
            "team-a",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=8080",
        ])
        .await;
    let deployment: serde_json::Value = serde_json::from_str(
        &kubectl
            .ok(&["get", "deployment", "web", "-n", "team-a", "-o", "json"])
            .await,
    )
    .unwrap();
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"],
        json!({"app": "web"})
    );
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27");
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    kubectl
        .ok(&[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "team-a",
            "--timeout=30s",
        ])
        .await;

    kubectl
        .ok(&[
            "create",
            "service",
            "clusterip",
            "web",
            "-n",
            "team-a",
            "--tcp=80:8080",
        ])
        .await;
    let port = kubectl
        .ok(&[
            "get",
            "service",
            "web",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.spec.ports[0].targetPort}",
        ])
        .await;
    assert_eq!(port, "8080", "an IntOrString read as an integer");
    kubectl
        .ok(&[
            "create",
            "quota",
            "gpus",
            "-n",
            "team-a",
            "--hard=requests.nvidia.com/gpu=4,pods=10",
        ])
        .await;
    let hard = kubectl
        .ok(&[
            "get",
            "resourcequota",
            "gpus",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.spec.hard}",
        ])
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&hard).unwrap(),
        json!({"requests.nvidia.com/gpu": "4", "pods": "10"})
    );
    kubectl
        .ok(&[
            "create",
            "role",
            "reader",
            "-n",
            "team-a",
            "--verb=get,list",
            "--resource=pods,pods/log",
        ])
        .await;
    let rules = kubectl
        .ok(&[
            "get",
            "role",
            "reader",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.rules[0]}",
        ])
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&rules).unwrap(),
        json!({"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]})
    );
    kubectl
        .ok(&[
            "create",
            "cronjob",
            "nightly",
            "-n",
            "team-a",
            "--image=busybox",
            "--schedule=0 3 * * *",
            "--",
            "date",
        ])
        .await;
    let command = kubectl
        .ok(&[
            "get",
            "cronjob",
            "nightly",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].command}",
        ])
        .await;
    assert_eq!(command, r#"["date"]"#);
}

/// A cluster over TLS that requires credentials: kubectl is its administrator by client
/// certificate, and `jane` (token `t-jane`) may read pods in `dev` only.
async fn kubectl_with_rbac() -> Kubectl {
    let cluster = demo::dev().unwrap();
    cluster.auth.require();
    cluster.auth.add_token(
        "t-jane",
        kubedesk_sim::auth::User::new("jane", &["developers"]),
    );
    let kubectl = Kubectl::on_tls(cluster).await;
    let role = kubectl.file(
        "rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: pod-reader, namespace: dev}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/log]\n  verbs: [get, list, watch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: jane-reads-pods, namespace: dev}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}\n",
    );
    kubectl.ok(&["create", "namespace", "dev"]).await;
    kubectl.ok(&["apply", "-f", role.to_str().unwrap()]).await;
    kubectl
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_answers_kubectl_with_the_real_forbidden_wording_and_auth_can_i_agrees() {
    let kubectl = kubectl_with_rbac().await;
    let jane = "--token=t-jane";
    assert_eq!(kubectl.ok(&[jane, "get", "pods", "-n", "dev"]).await, "");
    let denied = kubectl.fails(&[jane, "get", "pods", "-n", "default"]).await;
    assert_eq!(
        denied.trim(),
        "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let denied = kubectl
        .fails(&[jane, "delete", "pod", "web-1", "-n", "dev"])
        .await;
    assert!(
        denied.contains("pods \"web-1\" is forbidden: User \"jane\" cannot delete resource \"pods\" in API group \"\" in the namespace \"dev\""),
        "{denied}"
    );

    // `auth can-i` POSTs a protobuf SelfSubjectAccessReview and prints the answer.
    assert_eq!(
        kubectl
            .ok(&[jane, "auth", "can-i", "list", "pods", "-n", "dev"])
            .await
            .trim(),
        "yes"
    );
    assert_eq!(
        kubectl
            .ok(&[jane, "auth", "can-i", "get", "pods/log", "-n", "dev"])
            .await
            .trim(),
        "yes"
    );
    let no = kubectl
        .run(&[jane, "auth", "can-i", "delete", "pods", "-n", "dev"])
        .await;
    assert_eq!(String::from_utf8_lossy(&no.stdout).trim(), "no");
    assert_eq!(no.status.code(), Some(1), "can-i exits 1 for no");
    assert_eq!(
        kubectl
            .ok(&["auth", "can-i", "*", "*", "--all-namespaces"])
            .await
            .trim(),
        "yes"
    );
    let rules = kubectl
        .ok(&[jane, "auth", "can-i", "--list", "-n", "dev"])
        .await;
    let pods_line = rules
        .lines()
        .find(|line| line.starts_with("pods "))
        .unwrap_or_default();
    assert_eq!(
        words(pods_line),
        ["pods", "[]", "[]", "[get", "list", "watch]"],
        "{rules}"
    );

    let whoami = kubectl.ok(&[jane, "auth", "whoami"]).await;
    assert!(whoami.contains("jane"), "{whoami}");
    assert!(
        whoami.contains("[developers system:authenticated]"),
        "{whoami}"
    );

    let stranger = kubectl.fails(&["--token=forged", "get", "pods"]).await;
    assert!(
        stranger.contains("error: You must be logged in to the server (Unauthorized)"),
        "{stranger}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stateful_sets_start_in_order_with_their_claims_and_roll_out() {
    let kubectl = Kubectl::on(demo::edge().unwrap()).await;
    let manifest = kubectl.file(
        "db.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: default}\nspec:\n  serviceName: db\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: postgres, image: 'postgres:16', resources: {requests: {cpu: 100m, memory: 256Mi}}}]\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    );
    kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    let done = kubectl
        .ok(&["rollout", "status", "statefulset/db", "--timeout=30s"])
        .await;
    assert!(
        done.contains("partitioned roll out complete")
            || done.contains("statefulset rolling update complete 3 pods"),
        "{done}"
    );
    let pods = kubectl
        .ok(&[
            "get",
            "pods",
            "-l",
            "app=db",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    assert_eq!(pods, "db-0 db-1 db-2");
    let claims = kubectl
        .ok(&["get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"])
        .await;
    assert_eq!(claims, "data-db-0 data-db-1 data-db-2");
    // Creation order: each pod was created after the one before it, as the events record.
    let (_, events) = kubectl
        .server
        .cluster()
        .store
        .list("/events", Some("default"));
    let mut created: Vec<(u64, &str)> = events
        .iter()
        .filter(|event| {
            event["involvedObject"]["name"] == "db" && event["reason"] == "SuccessfulCreate"
        })
        .filter_map(|event| {
            let version = event["metadata"]["resourceVersion"]
                .as_str()?
                .parse()
                .ok()?;
            Some((version, event["message"].as_str()?))
        })
        .filter(|(_, message)| message.starts_with("Created pod"))
        .collect();
    created.sort_unstable();
    let order: Vec<&str> = created.iter().map(|(_, message)| *message).collect();
    assert_eq!(
        order,
        [
            "Created pod: db-0",
            "Created pod: db-1",
            "Created pod: db-2"
        ]
    );
    kubectl
        .ok(&["set", "image", "statefulset/db", "postgres=postgres:17"])
        .await;
    kubectl
        .ok(&["rollout", "status", "statefulset/db", "--timeout=30s"])
        .await;
    let images = kubectl
        .ok(&[
            "get",
            "pods",
            "-l",
            "app=db",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ])
        .await;
    assert_eq!(images, "postgres:17 postgres:17 postgres:17");
    kubectl
        .ok(&["scale", "statefulset/db", "--replicas=1"])
        .await;
    let cluster = kubectl.server.cluster().clone();
    eventually("scaling down to remove db-2, then db-1", || {
        let names: Vec<String> = cluster
            .store
            .list("/pods", Some("default"))
            .1
            .iter()
            .filter(|pod| pod["metadata"]["labels"]["app"] == "db")
            .filter_map(|pod| pod["metadata"]["name"].as_str().map(str::to_owned))
            .collect();
        (names == ["db-0"]).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn daemon_sets_put_one_pod_on_every_node_that_fits() {
    let kubectl = Kubectl::on(demo::edge().unwrap()).await;
    kubectl
        .ok(&[
            "taint",
            "node",
            "edge-t4-03",
            "dedicated=cameras:NoSchedule",
        ])
        .await;
    let manifest = kubectl.file(
        "agent.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-agent, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: node-agent}}\n  template:\n    metadata: {labels: {app: node-agent}}\n    spec:\n      containers: [{name: agent, image: 'busybox:1.36', resources: {requests: {cpu: 50m}}}]\n",
    );
    kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    let done = kubectl
        .ok(&[
            "rollout",
            "status",
            "daemonset/node-agent",
            "-n",
            "kube-system",
            "--timeout=30s",
        ])
        .await;
    assert!(done.contains("successfully rolled out"), "{done}");
    let nodes = kubectl
        .ok(&[
            "get",
            "pods",
            "-n",
            "kube-system",
            "-l",
            "app=node-agent",
            "-o",
            "jsonpath={.items[*].spec.nodeName}",
        ])
        .await;
    let mut nodes: Vec<&str> = nodes.split_whitespace().collect();
    nodes.sort_unstable();
    assert_eq!(
        nodes,
        ["edge-t4-01", "edge-t4-02"],
        "the tainted node is left out"
    );
    let line = kubectl
        .ok(&[
            "get",
            "daemonset",
            "node-agent",
            "-n",
            "kube-system",
            "--no-headers",
        ])
        .await;
    assert_eq!(words(&line)[1..6], ["2", "2", "2", "2", "2"], "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_run_to_completion_and_cron_jobs_make_jobs() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    kubectl
        .ok(&[
            "create",
            "job",
            "migrate",
            "--image=busybox:1.36",
            "--",
            "sh",
            "-c",
            "echo done",
        ])
        .await;
    kubectl
        .ok(&[
            "wait",
            "--for=condition=complete",
            "job/migrate",
            "--timeout=30s",
        ])
        .await;
    let line = kubectl.ok(&["get", "job", "migrate", "--no-headers"]).await;
    assert_eq!(words(&line)[1..3], ["Complete", "1/1"], "{line}");
    let phase = kubectl
        .ok(&[
            "get",
            "pods",
            "-l",
            "job-name=migrate",
            "-o",
            "jsonpath={.items[*].status.phase}",
        ])
        .await;
    assert_eq!(phase, "Succeeded");

    let failing = kubectl.file(
        "failing.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: flaky, namespace: default}\nspec:\n  backoffLimit: 1\n  template:\n    metadata: {annotations: {sim.kubedesk.io/exit-code: '1', sim.kubedesk.io/run-seconds: '0'}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: 'busybox:1.36'}]\n",
    );
    kubectl
        .ok(&["apply", "-f", failing.to_str().unwrap()])
        .await;
    kubectl
        .ok(&[
            "wait",
            "--for=condition=failed",
            "job/flaky",
            "--timeout=30s",
        ])
        .await;
    let failed = kubectl
        .ok(&["get", "job", "flaky", "-o", "jsonpath={.status.failed}"])
        .await;
    assert_eq!(failed, "2", "one try and one retry");

    kubectl
        .ok(&[
            "create",
            "cronjob",
            "nightly",
            "--image=busybox:1.36",
            "--schedule=0 3 * * *",
            "--",
            "date",
        ])
        .await;
    kubectl
        .ok(&["create", "job", "nightly-now", "--from=cronjob/nightly"])
        .await;
    kubectl
        .ok(&[
            "wait",
            "--for=condition=complete",
            "job/nightly-now",
            "--timeout=30s",
        ])
        .await;
    let refused = kubectl
        .fails(&[
            "create",
            "cronjob",
            "broken",
            "--image=busybox",
            "--schedule=61 * * * *",
        ])
        .await;
    assert!(
        refused.contains("spec.schedule: Invalid value: \"61 * * * *\""),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_bind_grow_clone_snapshot_and_restore_as_csi_storage_does() {
    let kubectl = Kubectl::on(demo::gpu_prod().unwrap()).await;
    let phase = [
        "get",
        "pvc",
        "-n",
        "research",
        "scratch",
        "-o",
        "jsonpath={.status.phase}",
    ];
    assert_eq!(kubectl.ok(&phase).await, "Pending");
    kubectl
        .eventually(
            &[
                "get",
                "events",
                "-n",
                "research",
                "--field-selector",
                "involvedObject.name=scratch",
                "-o",
                "jsonpath={.items[*].reason}",
            ],
            "WaitForFirstConsumer",
        )
        .await;
    let consumer = |namespace: &str, name: &str, claim: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
               "spec": {"containers": [{"name": "main", "image": "busybox:1.36", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
                        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}})
        .to_string()
    };
    let pod = kubectl.file(
        "scratch-user.json",
        &consumer("research", "scratch-user", "scratch"),
    );
    kubectl.ok(&["create", "-f", pod.to_str().unwrap()]).await;
    kubectl.eventually(&phase, "Bound").await;
    let node = kubectl
        .ok(&[
            "get",
            "pod",
            "-n",
            "research",
            "scratch-user",
            "-o",
            "jsonpath={.spec.nodeName}",
        ])
        .await;
    let selected = kubectl
        .ok(&[
            "get",
            "pvc",
            "-n",
            "research",
            "scratch",
            "-o",
            "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}",
        ])
        .await;
    assert_eq!(
        selected, node,
        "the claim is provisioned where its first consumer runs"
    );

    // Growing a claim: the resizer, then the file system once a pod mounts it.
    kubectl
        .ok(&[
            "patch",
            "pvc",
            "-n",
            "ml-team",
            "datasets",
            "-p",
            r#"{"spec":{"resources":{"requests":{"storage":"600Gi"}}}}"#,
        ])
        .await;
    let condition = [
        "get",
        "pvc",
        "-n",
        "ml-team",
        "datasets",
        "-o",
        "jsonpath={.status.conditions[*].type}",
    ];
    kubectl
        .eventually(&condition, "FileSystemResizePending")
        .await;
    let user = kubectl.file(
        "datasets-user.json",
        &consumer("ml-team", "datasets-user", "datasets"),
    );
    kubectl.ok(&["create", "-f", user.to_str().unwrap()]).await;
    kubectl
        .eventually(
            &[
                "get",
                "pvc",
                "-n",
                "ml-team",
                "datasets",
                "-o",
                "jsonpath={.status.capacity.storage}",
            ],
            "600Gi",
        )
        .await;
    kubectl.eventually(&condition, "").await;
    let refused = kubectl
        .fails(&[
            "patch",
            "pvc",
            "-n",
            "inference",
            "model-cache",
            "-p",
            r#"{"spec":{"resources":{"requests":{"storage":"1Ti"}}}}"#,
        ])
        .await;
    assert!(
        refused.contains("persistentvolumeclaims \"model-cache\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"),
        "{refused}"
    );

    // A snapshot becomes ready; a clone and a restore are provisioned from their sources.
    kubectl
        .eventually(
            &[
                "get",
                "volumesnapshot",
                "-n",
                "ml-team",
                "datasets-2026-11-20",
                "-o",
                "jsonpath={.status.readyToUse}",
            ],
            "true",
        )
        .await;
    let claims = kubectl.file(
        "copies.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: datasets-clone, namespace: ml-team}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: fast-ssd\n  resources: {requests: {storage: 600Gi}}\n  dataSource: {kind: PersistentVolumeClaim, name: datasets}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: datasets-restored, namespace: ml-team}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: fast-ssd\n  resources: {requests: {storage: 500Gi}}\n  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: datasets-2026-11-20}\n",
    );
    kubectl.ok(&["apply", "-f", claims.to_str().unwrap()]).await;
    for claim in ["datasets-clone", "datasets-restored"] {
        let user = kubectl.file(
            &format!("{claim}.json"),
            &consumer("ml-team", &format!("{claim}-user"), claim),
        );
        kubectl.ok(&["create", "-f", user.to_str().unwrap()]).await;
        kubectl
            .eventually(
                &[
                    "get",
                    "pvc",
                    "-n",
                    "ml-team",
                    claim,
                    "-o",
                    "jsonpath={.status.phase}",
                ],
                "Bound",
            )
            .await;
    }

    // A claim in use waits for its pod before it goes, and its volume goes with it.
    let volume = kubectl
        .ok(&[
            "get",
            "pvc",
            "-n",
            "research",
            "scratch",
            "-o",
            "jsonpath={.spec.volumeName}",
        ])
        .await;
    kubectl
        .ok(&["delete", "pvc", "-n", "research", "scratch", "--wait=false"])
        .await;
    let line = kubectl
        .ok(&["get", "pvc", "-n", "research", "scratch", "--no-headers"])
        .await;
    assert_eq!(words(&line)[1], "Terminating", "{line}");
    kubectl
        .ok(&["delete", "pod", "-n", "research", "scratch-user"])
        .await;
    kubectl
        .eventually(
            &["get", "pv", "-o", "jsonpath={.items[*].metadata.name}"],
            &{
                let all = kubectl
                    .ok(&["get", "pv", "-o", "jsonpath={.items[*].metadata.name}"])
                    .await;
                all.split_whitespace()
                    .filter(|name| *name != volume)
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        )
        .await;
    kubectl
        .eventually(
            &["get", "pvc", "-n", "research", "-o", "name"],
            "persistentvolumeclaim/checkpoints\n",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_holds_kubesphere_tenancy_pipelines_and_helm_releases() {
    let prod = Kubectl::on(demo::gpu_prod().unwrap()).await;
    let workspaces = prod
        .ok(&[
            "get",
            "workspacetemplates",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    assert_eq!(workspaces, "ai-lab ai-serving system");
    let quota = prod
        .ok(&[
            "get",
            "resourcequotas.quota.kubesphere.io",
            "ai-lab",
            "-o",
            "jsonpath={.spec.quota.hard.requests\\.nvidia\\.com/gpu}",
        ])
        .await;
    assert_eq!(quota, "48");
    let projects = prod
        .ok(&[
            "get",
            "namespaces",
            "-l",
            "kubesphere.io/workspace=ai-lab",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(
        projects,
        "namespace/ml-ops-x7k2p\nnamespace/ml-team\nnamespace/research\n"
    );
    let runs = prod
        .ok(&[
            "get",
            "pipelineruns.devops.kubesphere.io",
            "-n",
            "ml-ops-x7k2p",
            "--no-headers",
        ])
        .await;
    let phases: Vec<&str> = runs.lines().map(|line| words(line)[1]).collect();
    assert_eq!(phases, ["Succeeded", "Failed", "Running"], "{runs}");
    let releases = prod
        .ok(&[
            "get",
            "secrets",
            "-A",
            "-l",
            "owner=helm,status=deployed",
            "-o",
            "jsonpath={.items[*].metadata.labels.name}",
        ])
        .await;
    assert_eq!(releases, "gpu-operator kube-prometheus-stack");

    let dev = Kubectl::on(demo::dev().unwrap()).await;
    let tekton = dev
        .ok(&[
            "get",
            "pipelineruns.tekton.dev",
            "-n",
            "sandbox",
            "--no-headers",
        ])
        .await;
    assert_eq!(words(&tekton)[..2], ["ci-run-7", "True"], "{tekton}");
    let children = dev
        .ok(&[
            "get",
            "taskruns",
            "-n",
            "sandbox",
            "-l",
            "tekton.dev/pipelineRun=ci-run-7",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(children.lines().count(), 2, "{children}");
}

#[tokio::test(flavor = "multi_thread")]
async fn namespaces_come_furnished_and_go_with_everything_in_them() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    kubectl.ok(&["create", "namespace", "team-x"]).await;
    kubectl
        .eventually(
            &[
                "get",
                "serviceaccounts,configmaps",
                "-n",
                "team-x",
                "-o",
                "name",
            ],
            "serviceaccount/default\nconfigmap/kube-root-ca.crt\n",
        )
        .await;
    kubectl
        .ok(&[
            "create",
            "deployment",
            "api",
            "-n",
            "team-x",
            "--image=busybox:1.36",
            "--replicas=2",
        ])
        .await;
    kubectl
        .ok(&[
            "rollout",
            "status",
            "deployment/api",
            "-n",
            "team-x",
            "--timeout=30s",
        ])
        .await;
    let deleted = kubectl
        .ok(&["delete", "namespace", "team-x", "--timeout=60s"])
        .await;
    assert_eq!(deleted.trim(), "namespace \"team-x\" deleted");
    let gone = kubectl.fails(&["get", "namespace", "team-x"]).await;
    assert!(gone.contains("namespaces \"team-x\" not found"), "{gone}");
    let (_, pods) = kubectl.server.cluster().store.list("/pods", Some("team-x"));
    assert!(pods.is_empty(), "its pods went with it");
    let service = kubectl
        .ok(&[
            "get",
            "service",
            "kubernetes",
            "-o",
            "jsonpath={.spec.clusterIP}",
        ])
        .await;
    assert_eq!(service, "10.96.0.1");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_control_plane_shows_as_static_pods_leases_and_etcd_metrics_through_the_pod_proxy() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    let pods = kubectl
        .ok(&[
            "get", "pods", "-n", "kube-system", "-l", "tier=control-plane", "-o",
            "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,OWNER:.metadata.ownerReferences[0].kind",
        ])
        .await;
    let rows = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|line| line.split_whitespace().map(String::from).collect())
            .collect()
    };
    for component in [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
    ] {
        let row = [
            format!("{component}-dev-01"),
            "dev-01".into(),
            "Node".into(),
        ];
        assert!(rows(&pods).contains(&row.to_vec()), "{pods}");
    }
    let leases = kubectl.ok(&["get", "leases", "-n", "kube-system"]).await;
    let leases = rows(&leases);
    assert_eq!(leases[0], ["NAME", "HOLDER", "AGE"]);
    assert!(
        leases
            .iter()
            .any(|row| row[0] == "kube-scheduler" && row[1].starts_with("dev-01_")),
        "{leases:?}"
    );
    let metrics = kubectl
        .ok(&[
            "get",
            "--raw",
            "/api/v1/namespaces/kube-system/pods/http:etcd-dev-01:2381/proxy/metrics",
        ])
        .await;
    assert!(metrics.contains("\netcd_server_is_leader 1\n"), "{metrics}");
    let refused = kubectl
        .fails(&[
            "get",
            "--raw",
            "/api/v1/namespaces/kube-system/pods/etcd-dev-01:2379/proxy/metrics",
        ])
        .await;
    assert!(
        refused.contains("dial tcp 10.0.0.16:2379: connect: connection refused"),
        "{refused}"
    );
    let roles = kubectl.ok(&["get", "nodes"]).await;
    assert!(roles.contains("dev-01"), "{roles}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_drain_evicts_through_the_disruption_budget_and_cordons_the_node() {
    let kubectl = Kubectl::on(demo::dev().unwrap()).await;
    let budget = kubectl.file(
        "budget.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: sandbox\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: api\n",
    );
    kubectl.ok(&["apply", "-f", budget.to_str().unwrap()]).await;
    let blocked = kubectl
        .fails(&[
            "drain",
            "dev-01",
            "--ignore-daemonsets",
            "--timeout=2s",
            "--pod-selector=app=api",
        ])
        .await;
    assert!(
        blocked.contains("Cannot evict pod as it would violate the pod's disruption budget"),
        "{blocked}"
    );
    kubectl
        .eventually(
            &[
                "get",
                "node",
                "dev-01",
                "-o",
                "jsonpath={.spec.unschedulable}",
            ],
            "true",
        )
        .await;
    let running = kubectl
        .ok(&[
            "get", "pods", "-n", "sandbox", "-l", "app=api", "-o", "name",
        ])
        .await;
    assert_eq!(
        running.lines().count(),
        2,
        "the budget kept both: {running}"
    );

    kubectl.ok(&["delete", "pdb", "api", "-n", "sandbox"]).await;
    let drained = kubectl
        .ok(&[
            "drain",
            "dev-01",
            "--ignore-daemonsets",
            "--timeout=30s",
            "--pod-selector=app=api",
        ])
        .await;
    assert!(drained.contains("evicted"), "{drained}");
    assert!(drained.contains("node/dev-01 drained"), "{drained}");
    // The ReplicaSet replaces them, and nothing can take them while the only node is cordoned.
    kubectl
        .eventually(
            &[
                "get",
                "pods",
                "-n",
                "sandbox",
                "-l",
                "app=api",
                "-o",
                "jsonpath={.items[*].status.phase}",
            ],
            "Pending Pending",
        )
        .await;
    kubectl.ok(&["uncordon", "dev-01"]).await;
    kubectl
        .eventually(
            &[
                "get",
                "pods",
                "-n",
                "sandbox",
                "-l",
                "app=api",
                "-o",
                "jsonpath={.items[*].status.phase}",
            ],
            "Running Running",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_side_apply_tracks_field_managers_and_conflicts_unless_forced() {
    let kubectl = Kubectl::new().await;
    let created = kubectl.file("web.yaml", &DEPLOYMENT_YAML.replace("IMAGE", "nginx:1.27"));
    // Client-side apply is an update by kubectl-client-side-apply; scale, which names no field
    // manager, one by its user agent's program.
    kubectl
        .ok(&["apply", "-f", created.to_str().unwrap()])
        .await;
    kubectl
        .ok(&["scale", "deployment/web", "--replicas=3"])
        .await;
    let managers = kubectl
        .ok(&[
            "get",
            "deploy",
            "web",
            "--show-managed-fields",
            "-o",
            "jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation} {end}",
        ])
        .await;
    assert!(
        managers.contains("kubectl-client-side-apply:Update"),
        "{managers}"
    );
    assert!(managers.contains("kubectl:Update"), "{managers}");

    // Applying another image and replica count conflicts with both owners, in upstream's words.
    let changed = kubectl.file(
        "web-2.yaml",
        &DEPLOYMENT_YAML
            .replace("IMAGE", "nginx:1.29")
            .replace("replicas: 2", "replicas: 5"),
    );
    let refused = kubectl
        .fails(&[
            "apply",
            "--server-side",
            "--field-manager=platform",
            "-f",
            changed.to_str().unwrap(),
        ])
        .await;
    assert!(
        refused.contains("Apply failed with 2 conflicts"),
        "{refused}"
    );
    assert!(
        refused.contains(".spec.template.spec.containers[name=\"nginx\"].image"),
        "{refused}"
    );
    assert!(refused.contains(".spec.replicas"), "{refused}");
    let unchanged = kubectl
        .ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])
        .await;
    assert_eq!(unchanged, "3", "nothing changed");

    // A dry run shows the result and changes nothing; forced, the fields change hands.
    kubectl
        .ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--dry-run=server",
            "--field-manager=platform",
            "-f",
            changed.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        kubectl
            .ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])
            .await,
        "3"
    );
    kubectl
        .ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=platform",
            "-f",
            changed.to_str().unwrap(),
        ])
        .await;
    let owner = kubectl
        .ok(&[
            "get",
            "deploy",
            "web",
            "--show-managed-fields",
            "-o",
            "jsonpath={.spec.replicas} {.metadata.managedFields[?(@.manager==\"platform\")].operation}",
        ])
        .await;
    assert_eq!(owner, "5 Apply");
}
