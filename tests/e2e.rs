//! End-to-end tests through the real KubeDesk window (WebKitGTK under Xvfb, driven by WebDriver).
//!
//! Each test asserts what a user sees and leaves screenshots in `target/e2e-screenshots/<test>/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::path::{Path, PathBuf};

use kubedesk_tests::thirtyfour::prelude::*;
use kubedesk_tests::{Launch, Window};
use serde_json::json;

/// A throwaway home and configuration folder, with kubeconfig files written into it.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("the file is written");
        path
    }

    fn launch(&self, kubeconfig: &[&Path]) -> Launch {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).expect("a home folder");
        Launch {
            kubeconfig: (!kubeconfig.is_empty())
                .then(|| std::env::join_paths(kubeconfig).expect("a path list")),
            config_dir: self.dir.path().join("config"),
            home,
            env: Vec::new(),
        }
    }
}

const FIRST: &str = r#"
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443"}
- name: shared
  cluster: {server: "https://shared-first.example:6443"}
users:
- name: alice
  user: {token: first-token}
contexts:
- name: prod
  context: {cluster: prod, user: alice, namespace: ml-team}
- name: shared
  context: {cluster: shared, user: alice}
"#;

const SECOND: &str = r#"
apiVersion: v1
kind: Config
current-context: edge
clusters:
- name: edge
  cluster: {server: "https://edge.example:6443"}
- name: shared
  cluster: {server: "https://shared-second.example:6443"}
users:
- name: bob
  user: {token: second-token}
contexts:
- name: edge
  context: {cluster: edge, user: bob}
- name: shared
  context: {cluster: shared, user: bob, namespace: overridden}
"#;

async fn option_texts(window: &Window, select: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for option in window
        .driver
        .find_all(By::Css(format!("{select} option")))
        .await
        .expect("options")
    {
        texts.push(option.text().await.expect("option text"));
    }
    texts
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_opens_with_the_contexts_of_two_merged_kubeconfig_files() {
    let scene = Scene::new();
    let first = scene.file("first.yaml", FIRST);
    let second = scene.file("second.yaml", SECOND);
    let mut window = Window::open("merged-kubeconfig", &scene.launch(&[&first, &second])).await;

    window.wait_for_text("#contexts-table", "shared").await;
    assert_eq!(
        option_texts(&window, "#cluster-switcher").await,
        ["edge", "prod", "shared"]
    );
    // The first file's current-context wins, and the context opens in its namespace.
    window
        .wait_for_eval(
            "document.querySelector('#cluster-switcher').value",
            json!("prod"),
        )
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#namespace-picker').value",
            json!("ml-team"),
        )
        .await;
    // "shared" is defined by both files: the first file's definition wins.
    let shared = window
        .find("tr[data-context=shared]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        shared.contains("shared-first.example") && shared.contains("alice"),
        "{shared}"
    );
    assert!(!shared.contains("overridden"), "{shared}");
    window.screenshot("clusters").await;

    // Switching the cluster opens it in all namespaces when it names none.
    window.click("#cluster-switcher option[value=edge]").await;
    window
        .wait_for_eval(
            "document.querySelector('#namespace-picker').value",
            json!(""),
        )
        .await;

    window.click("a[data-area=network]").await;
    window
        .wait_for_text("section[data-page=network]", "Network is not built yet")
        .await;
    window.screenshot("network-not-built").await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn switching_the_language_changes_the_visible_text_and_is_remembered() {
    let scene = Scene::new();
    let first = scene.file("first.yaml", FIRST);
    let launch = scene.launch(&[&first]);
    let mut window = Window::open("language", &launch).await;

    window
        .wait_for_text("a[data-area=clusters]", "Clusters")
        .await;
    window.click("#language-picker option[value=zh-CN]").await;
    window.wait_for_text("a[data-area=clusters]", "集群").await;
    window
        .wait_for_text("section[data-page=clusters] h1", "集群")
        .await;
    window
        .wait_for_eval("document.documentElement.lang", json!("zh-CN"))
        .await;
    window.screenshot("zh-cn").await;
    window.close().await;

    let mut window = Window::open("language-after-restart", &launch).await;
    window.wait_for_text("a[data-area=settings]", "设置").await;
    window.click("a[data-area=settings]").await;
    window
        .wait_for_text("section[data-page=settings]", "跟随系统")
        .await;
    window.screenshot("zh-cn-settings").await;
    window.click("#settings-language input[value=en]").await;
    window
        .wait_for_text("a[data-area=settings]", "Settings")
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_theme_switch_changes_the_colours_and_system_follows_the_desktop() {
    let scene = Scene::new();
    let first = scene.file("first.yaml", FIRST);
    let mut window = Window::open("theme", &scene.launch(&[&first])).await;
    let background = "getComputedStyle(document.body).backgroundColor";

    // Xvfb's desktop has no dark preference, so System is light.
    window
        .wait_for_eval("document.documentElement.dataset.theme", json!("light"))
        .await;
    window
        .wait_for_eval(background, json!("rgb(239, 243, 248)"))
        .await;
    window.click("#theme-switch [data-theme-choice=dark]").await;
    window
        .wait_for_eval("document.documentElement.dataset.theme", json!("dark"))
        .await;
    window
        .wait_for_eval(background, json!("rgb(17, 22, 31)"))
        .await;
    window.wait_for_eval("document.querySelector('#theme-switch [data-theme-choice=dark]').getAttribute('aria-checked')", json!("true")).await;
    window.screenshot("dark").await;
    window.click("a[data-area=network]").await;
    window
        .wait_for_text("section[data-page=network]", "not built yet")
        .await;
    window.screenshot("dark-not-built").await;
    window
        .click("#theme-switch [data-theme-choice=light]")
        .await;
    window
        .wait_for_eval(background, json!("rgb(239, 243, 248)"))
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_kubeconfig_is_explained_by_file_and_entry_and_the_valid_contexts_still_work() {
    let scene = Scene::new();
    let not_yaml = scene.file("not-yaml.yaml", "clusters: [\n  {{{ this is not yaml\n");
    let missing = scene.dir.path().join("missing.yaml");
    let dangling = scene.file(
        "dangling.yaml",
        r#"
clusters:
- name: real
  cluster: {server: "https://real.example:6443"}
users:
- name: me
  user: {token: t}
contexts:
- name: works
  context: {cluster: real, user: me}
- name: ghost
  context: {cluster: nowhere, user: me}
- name: stranger
  context: {cluster: real, user: nobody}
"#,
    );
    let kubeconfig: [&Path; 3] = [&not_yaml, &missing, &dangling];
    let mut window = Window::open("broken-kubeconfig", &scene.launch(&kubeconfig)).await;

    let problems = window
        .wait_for_text("#kubeconfig-problems", "stranger")
        .await;
    for expected in [
        "not-yaml.yaml",
        "is not a kubeconfig in YAML",
        "line 2",
        "missing.yaml",
        "The file does not exist.",
        "dangling.yaml",
        "context \"ghost\"",
        "cluster \"nowhere\"",
        "context \"stranger\"",
        "user \"nobody\"",
    ] {
        assert!(
            problems.contains(expected),
            "the problems card lacks {expected:?}:\n{problems}"
        );
    }
    window
        .wait_for_text("#kubeconfig-problems-badge", "4 kubeconfig problem(s)")
        .await;
    assert_eq!(option_texts(&window, "#cluster-switcher").await, ["works"]);
    window
        .wait_for_eval(
            "document.querySelector('#cluster-switcher').value",
            json!("works"),
        )
        .await;
    window.screenshot("problems").await;

    // The user creates the missing file and reloads: its context appears, its problem goes.
    std::fs::write(&missing, SECOND).unwrap();
    window.click("#reload-contexts").await;
    window
        .wait_for_text("#kubeconfig-problems-badge", "3 kubeconfig problem(s)")
        .await;
    assert_eq!(
        option_texts(&window, "#cluster-switcher").await,
        ["edge", "shared", "works"]
    );
    window
        .wait_for_eval(
            "document.querySelector('#cluster-switcher').value",
            json!("works"),
        )
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_kubeconfig_the_clusters_page_says_what_to_do() {
    let scene = Scene::new();
    let mut window = Window::open("no-kubeconfig", &scene.launch(&[])).await;
    let page = window
        .wait_for_text("section[data-page=clusters]", "No usable context")
        .await;
    assert!(page.contains("KUBECONFIG"), "{page}");
    assert_eq!(
        option_texts(&window, "#cluster-switcher").await,
        ["No contexts"]
    );
    window.screenshot("empty").await;
    window.close().await;
}

const OFFLINE: &str = r#"
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:9"}
users:
- name: offline
  user: {token: not-used}
contexts:
- name: offline
  context: {cluster: offline, user: offline}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_clusters_page_shows_each_demo_cluster_ready_with_its_capacity() {
    let scene = Scene::new();
    let demo = scene.dir.path().join("demo-kubeconfig");
    let _clusters = kubedesk_api::demo::serve(&demo, &kubedesk_api::demo::SimOptions::default())
        .await
        .expect("the demo clusters start");
    let offline = scene.file("offline.yaml", OFFLINE);
    let mut window = Window::open("demo-clusters", &scene.launch(&[&demo, &offline])).await;

    let prod = window
        .wait_for_text("tr[data-context=gpu-prod]", "Ready")
        .await;
    for shown in [
        "v1.32.4",
        "7/7 ready",
        "gpu-prod-admin at gpu-prod",
        "704 cores",
    ] {
        assert!(prod.contains(shown), "{shown} missing from {prod:?}");
    }
    window
        .wait_for_text("tr[data-context=edge]", "3/3 ready")
        .await;
    window
        .wait_for_text("tr[data-context=dev]", "1/1 ready")
        .await;
    // A cluster that does not answer says so, names its context, and holds up no other.
    window
        .wait_for_text("tr[data-context=offline]", "Unreachable")
        .await;
    let why = window
        .wait_for_text(
            "tr[data-reason-for=offline]",
            "Context offline gets no answer",
        )
        .await;
    assert!(why.contains("Connection refused"), "{why}");
    // The cluster's namespaces are offered in the picker.
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#namespace-picker option')].some(o => o.value === 'research')",
            json!(true),
        )
        .await;
    // The current context (gpu-prod) is connected.
    window
        .wait_for_text("#connection-state", "Connected · v1.32.4")
        .await;
    window.screenshot("clusters-ready").await;

    // The overview of the selected cluster: its nodes, workloads and the scheduler's warning.
    window.click("a[href='#/overview']").await;
    window.wait_for_text("#figure-nodes", "7/7 ready").await;
    window.wait_for_text("#figure-capacity", "76 GPUs").await;
    window
        .wait_for_text(
            "#nodes-table tr[data-node=gpu-h100-01]",
            "NVIDIA-H100-80GB-HBM3",
        )
        .await;
    let warnings = window
        .wait_for_text("#warnings-table", "FailedScheduling")
        .await;
    assert!(
        warnings.contains("Pod research/giant-train-0"),
        "{warnings}"
    );
    window
        .wait_for_text("#overview-control-plane", "a managed cluster")
        .await;
    window.screenshot("overview").await;

    // dev runs a kubeadm control plane: its members, their leaders, and etcd's leader.
    window.click("#cluster-switcher option[value=dev]").await;
    let plane = window
        .wait_for_text("#control-plane-table tr[data-component=etcd]", "leader")
        .await;
    assert!(plane.contains("3.5.16-0"), "{plane}");
    window
        .wait_for_text(
            "#control-plane-table tr[data-component=kube-scheduler]",
            "leader",
        )
        .await;
    window
        .wait_for_text("#etcd-leader", "etcd leader: etcd-dev-01")
        .await;
    window.screenshot("overview-control-plane").await;
    window.click("#cluster-switcher option[value=edge]").await;
    window.wait_for_text("#figure-nodes", "3/3 ready").await;
    window
        .wait_for_text("#nodes-table tr[data-node=edge-t4-01]", "Tesla-T4")
        .await;
    window.screenshot("overview-edge").await;
    window
        .click("#cluster-switcher option[value=gpu-prod]")
        .await;
    window.wait_for_text("#figure-nodes", "7/7 ready").await;

    // The same pages in Chinese: every word from the catalogue.
    window.click("#language-picker option[value=zh-CN]").await;
    window.wait_for_text("#figure-nodes", "7/7 就绪").await;
    window
        .wait_for_text("#overview-warnings", "最近的告警")
        .await;
    window.wait_for_text("#nodes-table", "就绪").await;
    window.wait_for_text("#warnings-table", "前").await;
    window.screenshot("overview-zh-cn").await;
    window.click("a[href='#/clusters']").await;
    window
        .wait_for_text("tr[data-context=offline]", "无法连接")
        .await;
    window
        .wait_for_text(
            "tr[data-reason-for=offline]",
            "上下文 offline 无法连接到集群",
        )
        .await;
    window.screenshot("clusters-zh-cn").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_to_the_kubeconfig_shows_without_a_restart() {
    let scene = Scene::new();
    let first = scene.file("first.yaml", FIRST);
    let mut window = Window::open("kubeconfig-edit", &scene.launch(&[&first])).await;
    window.wait_for_text("#contexts-table", "prod").await;
    let edited = FIRST.replace(
        "contexts:\n",
        "contexts:\n- name: added-later\n  context: {cluster: prod, user: alice}\n",
    );
    std::fs::write(&first, edited).unwrap();
    window.wait_for_text("#contexts-table", "added-later").await;
    assert!(
        option_texts(&window, "#cluster-switcher")
            .await
            .contains(&"added-later".to_owned())
    );
    window.screenshot("context-added").await;
}

/// A cluster over TLS that requires credentials, accepting `token` as the user `jane`; with the
/// base64 of its CA for a kubeconfig.
async fn secured(cluster: kubedesk_sim::Cluster, token: &str) -> (kubedesk_sim::SimServer, String) {
    use base64::Engine as _;
    cluster.auth.require();
    cluster
        .auth
        .add_token(token, kubedesk_sim::auth::User::new("jane", &[]));
    let server = kubedesk_sim::SimServer::start_tls(
        std::sync::Arc::new(cluster),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let ca = base64::engine::general_purpose::STANDARD
        .encode(server.authority().unwrap().certificate_pem());
    (server, ca)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restricted_user_gets_a_working_window_and_is_told_what_is_hidden() {
    let cluster = kubedesk_sim::demo::gpu_prod().unwrap();
    // Jane may read what is in ml-team, and nothing else.
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "ml-team",
            json!({"metadata": {"name": "jane-views-ml-team"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]}),
        )
        .unwrap();
    let (server, ca) = secured(cluster, "t-jane").await;
    let scene = Scene::new();
    let config = scene.file(
        "jane.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: jane\nclusters:\n- name: prod\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: jane\n  user: {{token: t-jane}}\ncontexts:\n- name: jane\n  context: {{cluster: prod, user: jane, namespace: ml-team}}\n",
            server.url()
        ),
    );
    let mut window = Window::open("restricted-user", &scene.launch(&[&config])).await;
    let row = window.wait_for_text("tr[data-context=jane]", "Ready").await;
    assert!(row.contains("not visible to you"), "{row}");
    window
        .wait_for_text("#namespaces-hidden", "You may not list namespaces")
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#namespace-picker').value",
            json!("ml-team"),
        )
        .await;
    window.screenshot("restricted").await;
    window.click("a[href='#/overview']").await;
    window
        .wait_for_text("#overview-nodes", "You may not list this cluster's nodes.")
        .await;
    // In the context's namespace, the counts are hers to see.
    window
        .wait_for_text("#overview-scoped", "those of namespace ml-team")
        .await;
    window.wait_for_text("#figure-pods", "pending").await;
    // What she may do there, as the cluster says it.
    window
        .wait_for_text("#overview-access", "Your access in ml-team")
        .await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#overview-access [data-action]')].map(a => a.dataset.action + '=' + a.dataset.allowed).join(' ')",
            json!("list-pods=true read-logs=true exec=false create-deployments=false scale-deployments=false delete-pods=false read-secrets=false list-nodes=false cordon-nodes=false"),
        )
        .await;
    window.screenshot("restricted-overview").await;

    // A namespace she may not read says why; the window goes on working.
    // "Other namespace…" opens a field to type one in.
    pick_namespace(&window, "\u{0}other").await;
    let input = window.find("#namespace-input").await;
    input.send_keys("research").await.unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    window
        .wait_for_text(
            "#overview-namespace-forbidden",
            "You may not read this namespace",
        )
        .await;
    window
        .wait_for_text("#overview-access", "Your access in research")
        .await;
    window.screenshot("forbidden-namespace").await;
    window
        .click("#namespace-picker option[value=ml-team]")
        .await;
    window.wait_for_text("#figure-pods", "pending").await;

    // On a deployment's page, the actions she may not take are there, disabled, saying why.
    window
        .eval("location.hash = '#/workloads/deployments/ml-team/llm-finetune'")
        .await;
    window
        .wait_for_text("#object-facts", "nvcr.io/nvidia/pytorch")
        .await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#object-actions button')].map(b => b.dataset.action + '=' + b.disabled).join(' ')",
            json!("Scale=true Restart=true Delete=true"),
        )
        .await;
    let why = window
        .eval("document.querySelector('#object-actions button[data-action=Scale]').title")
        .await;
    assert_eq!(
        why,
        json!("Your access does not allow this: patch deployments.apps/scale in ml-team")
    );
    window.screenshot("restricted-deployment").await;
}

/// Chooses `value` in the select `select`, as a user's choice does.
async fn choose(window: &Window, select: &str, value: &str) {
    window
        .eval(&format!(
            "(() => {{ const s = document.querySelector({select:?}); s.value = {value:?}; s.dispatchEvent(new Event('change')); return s.value; }})()"
        ))
        .await;
}

/// Replaces what the input `input` holds with `value`, as typing does, once it is shown.
async fn fill(window: &Window, input: &str, value: &str) {
    window.find(input).await;
    window
        .eval(&format!(
            "(() => {{ const i = document.querySelector({input:?}); i.value = {value:?}; i.dispatchEvent(new Event('input')); }})()"
        ))
        .await;
}

/// Chooses `value` in the namespace picker (`""` is all namespaces).
async fn pick_namespace(window: &Window, value: &str) {
    choose(window, "#namespace-picker", value).await;
}

/// Every file under `dir` whose bytes contain `secret`.
fn files_containing(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, secret));
        } else if std::fs::read(&path).is_ok_and(|bytes| {
            bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes())
        }) {
            found.push(path);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_reaches_the_window_the_log_or_the_app_s_files() {
    const GOOD: &str = "tok-good-5d1f0c9e";
    const FORGED: &str = "tok-forged-8a77b2c4";
    const PLUGIN: &str = "tok-plugin-3e9d41aa";
    let (server, ca) = secured(kubedesk_sim::demo::dev().unwrap(), GOOD).await;
    let scene = Scene::new();
    let plugin = scene.file(
        "plugin.sh",
        &format!("#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{PLUGIN}\"}}}}'\n"),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config = scene.file(
        "tokens.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: good\nclusters:\n- name: dev\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: good\n  user: {{token: {GOOD}}}\n- name: forged\n  user: {{token: {FORGED}}}\n- name: plugin\n  user:\n    exec: {{apiVersion: client.authentication.k8s.io/v1, command: {}, interactiveMode: Never}}\ncontexts:\n- name: good\n  context: {{cluster: dev, user: good}}\n- name: forged\n  context: {{cluster: dev, user: forged}}\n- name: plugin\n  context: {{cluster: dev, user: plugin}}\n",
            server.url(),
            plugin.display()
        ),
    );
    let mut window = Window::open("no-secrets", &scene.launch(&[&config])).await;
    window.wait_for_text("tr[data-context=good]", "Ready").await;
    window
        .wait_for_text("tr[data-context=forged]", "Unauthorized")
        .await;
    window
        .wait_for_text("tr[data-context=plugin]", "Unauthorized")
        .await;
    // The reasons shown for the refused contexts, and the overview, say nothing of the tokens.
    let clusters_page = window.eval("document.body.innerText").await.to_string();
    window.click("a[href='#/overview']").await;
    window
        .wait_for_text("#figure-nodes", "not visible to you")
        .await;
    window.screenshot("tokens-used").await;
    let shown = window.eval("document.body.innerText").await;
    let log = window.log();
    for secret in [GOOD, FORGED, PLUGIN] {
        assert!(
            !shown.to_string().contains(secret),
            "{secret} is shown in the window"
        );
        assert!(
            !clusters_page.contains(secret),
            "{secret} is shown on the Clusters page"
        );
        assert!(!log.contains(secret), "{secret} is in the app's output");
        let kept: Vec<PathBuf> = files_containing(&scene.dir.path().join("config"), secret)
            .into_iter()
            .chain(files_containing(&scene.dir.path().join("home"), secret))
            .collect();
        assert!(kept.is_empty(), "{secret} is in the app's files: {kept:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_that_comes_back_turns_ready_by_itself() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scene = Scene::new();
    let config = scene.file(
        "later.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: later\nclusters:\n- name: later\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\nusers:\n- name: later\n  user: {{token: unused}}\ncontexts:\n- name: later\n  context: {{cluster: later, user: later}}\n"
        ),
    );
    let mut window = Window::open("cluster-comes-back", &scene.launch(&[&config])).await;
    window
        .wait_for_text("tr[data-context=later]", "Unreachable")
        .await;
    window.screenshot("down").await;
    // The cluster starts; the page notices on its next check, with no click.
    let _server = kubedesk_sim::SimServer::start(
        std::sync::Arc::new(kubedesk_sim::demo::dev().unwrap()),
        std::net::SocketAddr::from(([127, 0, 0, 1], port)),
    )
    .await
    .unwrap();
    window
        .wait_for_text("tr[data-context=later]", "Ready")
        .await;
    window
        .wait_for_text("#connection-state", "Connected · v1.32.4")
        .await;
    window.screenshot("back").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openid_connect_sign_in_survives_a_restart_and_signing_out_ends_it() {
    use kubedesk_testkit::{Browser, BrowserScript, Provider, SecretService};
    let provider = Provider::start().await;
    let cluster = kubedesk_testkit::oidc_cluster(&provider.issuer);
    let server = kubedesk_sim::SimServer::start(
        std::sync::Arc::new(cluster),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let service = SecretService::start();
    let scene = Scene::new();
    // The "system browser": hands the address the app opens to the test, to sign in there.
    let browser = BrowserScript::new();
    let config = scene.file(
        "sso.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: sso\nclusters:\n- name: dev\n  cluster: {{server: \"{}\"}}\nusers:\n- name: sso\n  user:\n    auth-provider:\n      name: oidc\n      config: {{idp-issuer-url: \"{}\", client-id: kubedesk, extra-scopes: \"email,groups\"}}\ncontexts:\n- name: sso\n  context: {{cluster: dev, user: sso}}\n",
            server.url(),
            provider.issuer
        ),
    );
    let mut launch = scene.launch(&[&config]);
    launch.env = service.env();
    launch
        .env
        .push(("BROWSER".into(), browser.program.display().to_string()));

    let mut window = Window::open("oidc-sign-in", &launch).await;
    window
        .wait_for_text("tr[data-context=sso]", "Sign-in needed")
        .await;
    window
        .wait_for_text("tr[data-reason-for=sso]", &provider.issuer)
        .await;
    window.screenshot("sign-in-needed").await;
    window.click("button[data-sign-in=sso]").await;
    window
        .wait_for_text("tr[data-context=sso]", "Finish signing in in your browser")
        .await;
    let url = browser.opened().await;
    let page = Browser::default().authorize(&url, "alice").await;
    assert!(page.contains("return to KubeDesk"), "{page}");
    window
        .wait_for_text("tr[data-context=sso]", "Signed in as alice@example.test")
        .await;
    window.wait_for_text("tr[data-context=sso]", "Ready").await;
    window.screenshot("signed-in").await;
    let account = "sso/oidc";
    let refresh_token = service
        .lookup(account)
        .expect("the refresh token is in the keyring");
    let log = window.log();
    window.close().await;

    // Restarted, the app reads the refresh token back from the keyring: still signed in.
    let mut window = Window::open("oidc-sign-in-restarted", &launch).await;
    window
        .wait_for_text("tr[data-context=sso]", "Signed in as alice@example.test")
        .await;
    window.screenshot("still-signed-in").await;
    window.click("button[data-sign-out=sso]").await;
    window
        .wait_for_text("tr[data-context=sso]", "Sign-in needed")
        .await;
    window.screenshot("signed-out").await;
    assert_eq!(
        service.lookup(account),
        None,
        "signing out empties the keyring"
    );
    let log = log + window.log().as_str();
    window.close().await;

    // No token reached the log or the app's files.
    assert!(
        !log.contains(&refresh_token),
        "the refresh token is in the app's output"
    );
    let kept: Vec<PathBuf> = files_containing(&scene.dir.path().join("config"), &refresh_token)
        .into_iter()
        .chain(files_containing(
            &scene.dir.path().join("home"),
            &refresh_token,
        ))
        .collect();
    assert!(
        kept.is_empty(),
        "the refresh token is in the app's files: {kept:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_settings_are_checked_kept_and_offer_a_sign_in() {
    let provider = kubedesk_testkit::Provider::start().await;
    let cluster = kubedesk_testkit::oidc_cluster(&provider.issuer);
    let server = kubedesk_sim::SimServer::start(
        std::sync::Arc::new(cluster),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let scene = Scene::new();
    let config = scene.file(
        "corp.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: corp\nclusters:\n- name: corp\n  cluster: {{server: \"{}\"}}\nusers:\n- name: me\n  user: {{}}\ncontexts:\n- name: corp\n  context: {{cluster: corp, user: me}}\n",
            server.url()
        ),
    );
    // No Secret Service on this bus: sign-ins last until the app quits, and the window says so.
    let mut launch = scene.launch(&[&config]);
    launch.env.push((
        "DBUS_SESSION_BUS_ADDRESS".into(),
        "unix:path=/nonexistent/kubedesk-test-bus".into(),
    ));
    let mut window = Window::open("sign-in-settings", &launch).await;
    // No credentials: the cluster answers as it answers anyone, and shows nothing.
    window
        .wait_for_text("tr[data-context=corp]", "not visible to you")
        .await;
    window.click("a[href='#/settings']").await;
    window
        .find("#sign-in-issuer")
        .await
        .send_keys("accounts.example.com")
        .await
        .unwrap();
    window
        .find("#sign-in-client-id")
        .await
        .send_keys("kubedesk")
        .await
        .unwrap();
    window.click("#sign-in-save").await;
    window
        .wait_for_text(
            "#sign-in-settings-error",
            "the issuer URL \"accounts.example.com\" is not an https:// URL",
        )
        .await;
    window.screenshot("refused").await;
    let issuer = window.find("#sign-in-issuer").await;
    issuer.clear().await.unwrap();
    issuer.send_keys(&provider.issuer).await.unwrap();
    window.click("#sign-in-save").await;
    window
        .wait_for_text("li[data-sign-in-setting=corp]", &provider.issuer)
        .await;
    window.screenshot("kept").await;
    window.click("a[href='#/clusters']").await;
    window
        .wait_for_text("tr[data-context=corp]", "Sign-in needed")
        .await;
    window.find("button[data-sign-in=corp]").await;
    window
        .wait_for_text("#keyring-unavailable", "Sign-ins are kept in memory only")
        .await;
    window.screenshot("offered").await;
}

/// The demo clusters (with `options`) and the window on them, connected.
async fn demo_window(
    test: &str,
    options: kubedesk_api::demo::SimOptions,
) -> (Scene, kubedesk_api::demo::DemoClusters, Window) {
    let scene = Scene::new();
    let demo = scene.dir.path().join("demo-kubeconfig");
    let clusters = kubedesk_api::demo::serve(&demo, &options)
        .await
        .expect("the demo clusters start");
    let window = Window::open(test, &scene.launch(&[&demo])).await;
    window.wait_for_text("#connection-state", "Connected").await;
    (scene, clusters, window)
}

/// Waits until the live table's rows read `text`. (WebKitWebDriver's element text leaves out the
/// absolutely positioned rows, so the page's own innerText is read.)
async fn table_shows(window: &Window, text: &str) {
    window
        .wait_for_eval(
            &format!("document.querySelector('#live-table-body').innerText.includes({text:?})"),
            json!(true),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_that_stops_answering_is_browsed_as_last_seen_then_live_again() {
    let (_scene, clusters, mut window) =
        demo_window("offline", kubedesk_api::demo::SimOptions::default()).await;
    window.click("a[data-area=overview]").await;
    let nodes = window.wait_for_text("#figure-nodes", "ready").await;
    window.click("a[data-area=workloads]").await;
    window.wait_for_text("#table-status", "rows").await;
    let names = "[...document.querySelectorAll('#live-table-body .live-table__row a')].map(a => a.textContent).join(',')";
    let live = window.eval(names).await;
    assert!(
        !live.as_str().unwrap_or_default().is_empty(),
        "rows are shown: {live}"
    );
    window.screenshot("live").await;

    // The cluster stops answering: the same rows stay, marked offline as of when they were live.
    let cluster = clusters.cluster("gpu-prod").unwrap();
    cluster.faults.set(kubedesk_sim::faults::FaultConfig {
        error_rate: [("list".to_owned(), 1.0), ("watch".to_owned(), 1.0)].into(),
        ..kubedesk_sim::faults::FaultConfig::default()
    });
    cluster.store.end_watches();
    window
        .wait_for_text(
            "#table-status",
            "Offline: the rows as KubeDesk last saw them",
        )
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#table-status').classList.contains('live-table__status--offline')",
            json!(true),
        )
        .await;
    window.wait_for_eval(names, live.clone()).await;
    window.screenshot("offline").await;

    // The overview, as last seen.
    window.click("a[data-area=overview]").await;
    window
        .wait_for_text(
            "#overview-offline",
            "Offline: the overview as KubeDesk last saw it",
        )
        .await;
    window.wait_for_text("#figure-nodes", &nodes).await;
    window.screenshot("offline-overview").await;
    window.click("a[data-area=workloads]").await;
    window.wait_for_eval(names, live.clone()).await;

    // A row's page: the object as last seen, read-only, its buttons saying why.
    window.click("#live-table-body .live-table__row a").await;
    window
        .wait_for_text("#object-state", "as KubeDesk last saw it")
        .await;
    window
        .wait_for_text("#object-state", "read-only until the cluster answers")
        .await;
    window.wait_for_text("#object-facts", "Running").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#object-actions button')].every(b => b.disabled && b.title.includes('read-only until context gpu-prod answers'))",
            json!(true),
        )
        .await;
    window.screenshot("offline-page").await;
    window.click("#object-back").await;

    // It answers again: live, the banner gone.
    cluster
        .faults
        .set(kubedesk_sim::faults::FaultConfig::default());
    window
        .wait_for_eval(
            "document.querySelector('#table-status').classList.contains('live-table__status--offline')",
            json!(false),
        )
        .await;
    window.wait_for_text("#table-status", "rows").await;
    window.wait_for_eval(names, live.clone()).await;

    // Settings say what is kept; a snapshot is exported; a cluster's data is forgotten.
    window.eval("location.hash = '#/settings'; true").await;
    window
        .wait_for_text("#offline-summary", "offline.sqlite")
        .await;
    window
        .click("#offline-clusters button[data-export=gpu-prod]")
        .await;
    window
        .wait_for_text("#offline-outcome", "gpu-prod's kept state is written to")
        .await;
    window
        .eval("document.querySelector('#offline-outcome').scrollIntoView(); true")
        .await;
    window.screenshot("offline-data").await;

    // The snapshot is listed; opened, it is a read-only cluster showing what was seen.
    window.click("#offline-snapshots button[data-open]").await;
    window
        .wait_for_text("#offline-outcome", "is open as the read-only cluster")
        .await;
    window.click("a[data-area=workloads]").await;
    window
        .wait_for_text(
            "#table-status",
            "Read-only: the rows as KubeDesk last saw them",
        )
        .await;
    window
        .wait_for_text("#table-status", "Snapshot of gpu-prod exported")
        .await;
    window.wait_for_eval(names, live.clone()).await;
    window.wait_for_text("#connection-state", "Read-only").await;
    window.screenshot("snapshot-table").await;
    window.click("#live-table-body .live-table__row a").await;
    window.wait_for_text("#object-state", "Read-only:").await;
    window.wait_for_text("#object-facts", "Running").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#object-actions button')].every(b => b.disabled && b.title.includes('is a snapshot of context gpu-prod'))",
            json!(true),
        )
        .await;
    window.screenshot("snapshot-page").await;
    window.click("a[data-area=overview]").await;
    window
        .wait_for_text(
            "#overview-offline",
            "Read-only: the overview as KubeDesk last saw it",
        )
        .await;
    window.wait_for_text("#figure-nodes", &nodes).await;
    window.screenshot("snapshot-overview").await;
    // The Clusters page: each kept context says since when; the snapshot among the read-only.
    window.click("a[data-area=clusters]").await;
    window
        .wait_for_text(
            "#contexts-table tr[data-context=gpu-prod] [data-kept]",
            "Kept",
        )
        .await;
    window
        .wait_for_text("#read-only-clusters", "Snapshot of gpu-prod exported")
        .await;
    window.screenshot("clusters-kept").await;
    window.click("#read-only-clusters button[data-close]").await;
    window
        .wait_for_eval(
            "!document.querySelector('#read-only-clusters')",
            json!(true),
        )
        .await;
    window.eval("location.hash = '#/settings'; true").await;
    window
        .wait_for_text("#offline-summary", "offline.sqlite")
        .await;
    window
        .click("#offline-clusters button[data-forget=gpu-prod]")
        .await;
    window
        .wait_for_text(
            "#offline-clusters button[data-forget=gpu-prod]",
            "Forget it all?",
        )
        .await;
    window
        .click("#offline-clusters button[data-forget=gpu-prod]")
        .await;
    window
        .wait_for_text(
            "#offline-outcome",
            "What KubeDesk kept of gpu-prod is forgotten.",
        )
        .await;
    window
        .wait_for_eval(
            "!document.querySelector('#offline-clusters tr[data-context=gpu-prod]')",
            json!(true),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workloads_page_shows_live_tables_that_keep_only_the_visible_rows() {
    let (scene, _clusters, mut window) = demo_window(
        "workloads",
        kubedesk_api::demo::SimOptions {
            extra_pods: 5_000,
            ..kubedesk_api::demo::SimOptions::default()
        },
    )
    .await;
    window.click("a[data-area=workloads]").await;
    // The demo context opens in its namespace; all of them hold the extra pods.
    window.wait_for_text("#table-status", "rows").await;
    pick_namespace(&window, "").await;
    window
        .wait_for_eval(
            "parseInt(document.querySelector('#table-status').textContent) > 5000",
            json!(true),
        )
        .await;
    let status = window.wait_for_text("#table-status", "rows").await;
    let total: usize = status
        .split_whitespace()
        .next()
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("a row count: {status}"));
    assert!(total > 5_000, "{status}");
    // Only the rows in view (and a few beyond) are in the page.
    let in_dom = window
        .eval("document.querySelectorAll('#live-table-body .live-table__row').length")
        .await;
    assert!(
        in_dom
            .as_u64()
            .is_some_and(|count| (1..=100).contains(&count)),
        "{in_dom}"
    );
    window.screenshot("pods").await;

    // Scrolled to the end, the last rows are asked for and shown.
    window
        .eval("(() => { const b = document.querySelector('#live-table-body'); b.scrollTop = b.scrollHeight; return b.scrollTop; })()")
        .await;
    window
        .wait_for_eval(
            &format!(
                "[...document.querySelectorAll('#live-table-body .live-table__row')].some(r => r.style.top === '{}px')",
                (total - 1) * 32
            ),
            json!(true),
        )
        .await;

    // A filter keeps the rows that match, sorted on the backend.
    let filter = window.find("#table-filter").await;
    filter.send_keys("giant-train").await.unwrap();
    window.wait_for_text("#table-status", "1 row").await;
    table_shows(&window, "giant-train-0").await;
    table_shows(&window, "Pending").await;
    window.screenshot("pods-filtered").await;

    // The filter stays with the page: another kind shows what matches it.
    window.click("a[data-kind=Deployments]").await;
    window.wait_for_text("#table-status", "Nothing here.").await;
    for _ in "giant-train".chars() {
        filter.send_keys(Key::Backspace).await.unwrap();
    }
    table_shows(&window, "triton").await;
    window.click("a[data-kind=Nodes]").await;
    window.wait_for_text("#table-status", "7 rows").await;
    table_shows(&window, "gpu-h100-01").await;

    // The keyboard moves the selection: a click, two rows down, then the end.
    window.click("div[data-row=cpu-01]").await;
    let body = window.find("#live-table-body").await;
    body.send_keys(Key::Down).await.unwrap();
    body.send_keys(Key::Down).await.unwrap();
    let selected = "document.querySelector('.live-table__row[aria-selected=true]')?.dataset.row";
    window
        .wait_for_eval(selected, json!("gpu-a10-shared-01"))
        .await;
    body.send_keys(Key::End).await.unwrap();
    window.wait_for_eval(selected, json!("gpu-h100-01")).await;
    window.screenshot("nodes").await;

    // A column hidden stays hidden: it is kept in the settings.
    window.click("#table-columns").await;
    window.click("[data-column-choice=Version] input").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('.live-table__head')].map(h => h.textContent.trim()).join(',')",
            json!("Namespace,Name,Status,Roles,Age,GPUs"),
        )
        .await;
    let settings = scene.dir.path().join("config").join("settings.json");
    kubedesk_testkit::eventually("the hidden column stored", || {
        std::fs::read_to_string(&settings)
            .ok()
            .filter(|text| text.contains("\"nodes\"") && text.contains("\"Version\""))
    })
    .await;
    window.click("#table-columns").await;

    // Every cluster at once, each row with its cluster; a row of another cluster opens there.
    window.click("#all-clusters").await;
    window.wait_for_text("#table-status", "11 rows").await;
    table_shows(&window, "dev-01").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#live-table-body .live-table__row')].some(r => r.dataset.row === 'edge/edge-t4-01' && r.innerText.startsWith('edge'))",
            json!(true),
        )
        .await;
    window.screenshot("all-clusters").await;
    // The widest table, pods with a cluster column, fits the window: no column is cut off.
    window.click("a[data-kind=Pods]").await;
    window
        .wait_for_eval(
            "document.querySelector('.live-table').dataset.cluster === 'true' && !!document.querySelector('#live-table-body a[href^=\"#/workloads/pods/\"]')",
            json!(true),
        )
        .await;
    let overflow = window
        .eval("(() => { const b = document.querySelector('#live-table-body'); return b.scrollWidth - b.clientWidth; })()")
        .await;
    assert_eq!(
        overflow,
        json!(0),
        "the pods table is wider than its window"
    );
    window.click("a[data-kind=Nodes]").await;
    window.wait_for_text("#table-status", "11 rows").await;
    window
        .click("a.live-table__link[href='#/workloads/nodes/-/dev-01']")
        .await;
    window.wait_for_text("#object-name", "dev-01").await;
    window
        .wait_for_eval(
            "document.querySelector('#cluster-switcher').value",
            json!("dev"),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_objects_page_follows_it_live_and_its_actions_change_it() {
    let (_scene, _clusters, mut window) =
        demo_window("object-page", kubedesk_api::demo::SimOptions::default()).await;
    choose(&window, "#cluster-switcher", "dev").await;
    window.click("a[data-area=workloads]").await;
    window.click("a[data-kind=Deployments]").await;
    pick_namespace(&window, "").await;
    table_shows(&window, "sandbox").await;

    // A row's name opens its page: facts, containers, and the pods it runs, live.
    window
        .click("a.live-table__link[href='#/workloads/deployments/sandbox/api']")
        .await;
    window.wait_for_text("#object-name", "api").await;
    window.wait_for_text("#object-facts", "2/2").await;
    window
        .wait_for_text("#object-containers", "ghcr.io/example/api:2.3.1")
        .await;
    window
        .wait_for_text("[data-related=Pods]", "Pods (2)")
        .await;
    window.screenshot("deployment").await;

    // Scaled from its page: the dialog, the outcome, and the pods following.
    window.click("button[data-action=Scale]").await;
    let replicas = window.find("#scale-replicas").await;
    replicas.clear().await.unwrap();
    replicas.send_keys("x").await.unwrap();
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-problem", "Give a whole number of replicas")
        .await;
    replicas.clear().await.unwrap();
    replicas.send_keys("3").await.unwrap();
    window.screenshot("scale-dialog").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "api scaled to 3.")
        .await;
    window
        .wait_for_text("[data-related=Pods]", "Pods (3)")
        .await;
    window.wait_for_text("#object-facts", "3/3").await;
    window.click("#tab-events").await;
    window
        .wait_for_text("#object-events", "Scaled up replica set")
        .await;
    window.click("#tab-yaml").await;
    window.wait_for_text("#object-yaml", "replicas: 3").await;
    window.screenshot("yaml").await;

    // A node: cordoned from its page, and the page says so.
    window.click("#object-back").await;
    window.click("a[data-kind=Nodes]").await;
    window
        .click("a.live-table__link[href='#/workloads/nodes/-/dev-01']")
        .await;
    window.wait_for_text("#object-name", "dev-01").await;
    window
        .wait_for_text("[data-related=Pods]", "kube-apiserver-dev-01")
        .await;
    window.click("button[data-action=Cordon]").await;
    window
        .wait_for_text("#action-dialog", "Cordon dev-01?")
        .await;
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "dev-01 cordoned.")
        .await;
    window
        .wait_for_text("[data-fact=Unschedulable]", "true")
        .await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#object-actions button')].map(b => b.dataset.action).join(' ')",
            json!("Uncordon Drain Delete"),
        )
        .await;
    window.screenshot("node-cordoned").await;
}

/// Sets the YAML editor's text to what `change` (a JavaScript expression of `text`) makes of it.
async fn edit_yaml(window: &Window, change: &str) {
    window
        .eval(&format!(
            "(() => {{ const area = document.querySelector('#yaml-text'); const text = area.value; area.value = {change}; area.dispatchEvent(new Event('input')); return area.value.length; }})()"
        ))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn yaml_is_edited_with_its_conflicts_shown_and_created_from_several_documents() {
    let (_scene, _clusters, mut window) =
        demo_window("yaml-editor", kubedesk_api::demo::SimOptions::default()).await;
    choose(&window, "#cluster-switcher", "dev").await;
    window
        .eval("location.hash = '#/workloads/deployments/sandbox/api'")
        .await;
    window.wait_for_text("#object-facts", "2/2").await;
    window.click("#tab-yaml").await;
    window.click("#yaml-edit").await;
    window
        .wait_for_eval(
            "document.querySelector('#yaml-text').value.includes('resourceVersion')",
            json!(true),
        )
        .await;

    // A new image: the review shows that kubectl owns the field.
    edit_yaml(
        &window,
        "text.replace('ghcr.io/example/api:2.3.1', 'ghcr.io/example/api:2.4.0')",
    )
    .await;
    window.click("#yaml-review").await;
    window
        .wait_for_text(
            "#yaml-results",
            ".spec.template.spec.containers[name=\"api\"].image, managed by kubectl-client-side-apply",
        )
        .await;
    window.screenshot("conflict").await;
    window.click("#yaml-force").await;
    window
        .wait_for_text("#yaml-outcome", "Deployment api configured")
        .await;
    window
        .wait_for_text("#object-yaml", "image: ghcr.io/example/api:2.4.0")
        .await;

    // A broken document is named with its line; the text stays as typed.
    window.click("#yaml-edit").await;
    edit_yaml(&window, "text.replace('spec:', 'spec:\\n  bad: [')").await;
    window.click("#yaml-apply").await;
    window
        .wait_for_text("#yaml-invalid", "Document 1, line")
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#yaml-text').value.includes('bad: [')",
            json!(true),
        )
        .await;
    window.screenshot("invalid").await;
    window.click("#yaml-cancel").await;

    // Several documents created at once, in the selected namespace.
    pick_namespace(&window, "sandbox").await;
    window.click("a[data-area=workloads]").await;
    window.click("#create-from-yaml").await;
    window
        .wait_for_text(".page__subtitle", "go to sandbox")
        .await;
    edit_yaml(
        &window,
        "'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: settings\\ndata:\\n  mode: fast\\n---\\napiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: worker\\nspec:\\n  replicas: 1\\n  selector:\\n    matchLabels: {app: worker}\\n  template:\\n    metadata:\\n      labels: {app: worker}\\n    spec:\\n      containers:\\n      - name: worker\\n        image: busybox:1.36\\n'",
    )
    .await;
    window.click("#yaml-review").await;
    window
        .wait_for_text("#yaml-results", "Deployment worker would be created")
        .await;
    window.screenshot("create-preview").await;
    window.click("#yaml-apply").await;
    window
        .wait_for_text(
            "#create-outcome",
            "ConfigMap settings created · Deployment worker created",
        )
        .await;
    window.screenshot("created").await;
    window.click(".back-link").await;
    window.click("a[data-kind=Deployments]").await;
    table_shows(&window, "worker").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployments_logs_are_followed_searched_and_downloaded() {
    let (_scene, _clusters, mut window) =
        demo_window("logs", kubedesk_api::demo::SimOptions::default()).await;
    choose(&window, "#cluster-switcher", "dev").await;
    window
        .eval("location.hash = '#/workloads/deployments/sandbox/api'")
        .await;
    window.wait_for_text("#object-facts", "2/2").await;
    window.click("#tab-logs").await;
    // Both pods' lines, merged, each with its pod; more come while following.
    window.wait_for_text("#logs-body", "INFO api: GET").await;
    let pods = "new Set([...document.querySelectorAll('#logs-body .log__pod')].map(p => p.textContent)).size";
    window.wait_for_eval(pods, json!(2)).await;
    let count = "document.querySelectorAll('#logs-body .log__line').length";
    let before = window.eval(count).await.as_u64().unwrap_or_default();
    window
        .wait_for_eval(&format!("{count} > {before}"), json!(true))
        .await;

    // Search highlights; timestamps show without asking again.
    let search = window.find("#logs-search").await;
    search.send_keys("/v1/infer").await.unwrap();
    window
        .wait_for_text("#logs-matches", "matching lines")
        .await;
    window
        .wait_for_eval(
            "document.querySelectorAll('#logs-body mark').length > 0",
            json!(true),
        )
        .await;
    window.click("#logs-timestamps").await;
    window
        .wait_for_eval(
            "document.querySelectorAll('#logs-body .log__time').length > 0",
            json!(true),
        )
        .await;
    window.screenshot("logs").await;

    // Downloaded to the downloads folder.
    window.click("#logs-download").await;
    let saved = window.wait_for_text("#logs-saved", "Saved").await;
    let path = saved
        .split(" to ")
        .nth(1)
        .unwrap_or_else(|| panic!("a path: {saved}"))
        .trim();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.lines().count() >= 2, "{text}");
    assert!(text.contains("INFO api: GET"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_palette_and_k9s_keys_reach_every_kind_and_object() {
    let (_scene, _clusters, mut window) =
        demo_window("palette", kubedesk_api::demo::SimOptions::default()).await;
    let body = window.find("body").await;

    // Ctrl+K finds a cluster by name.
    body.send_keys(Key::Control + "k").await.unwrap();
    let input = window.find("#palette-input").await;
    input.send_keys("dev").await.unwrap();
    window.wait_for_text("#palette-list", "Cluster").await;
    window.screenshot("palette").await;
    input.send_keys(Key::Enter).await.unwrap();
    window
        .wait_for_eval(
            "document.querySelector('#cluster-switcher').value",
            json!("dev"),
        )
        .await;

    // `:` and a short name jump to a kind; `/` filters it.
    body.send_keys(":").await.unwrap();
    let input = window.find("#palette-input").await;
    input.send_keys("deploy").await.unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    window
        .wait_for_eval("location.hash", json!("#/workloads/deployments"))
        .await;
    pick_namespace(&window, "").await;
    table_shows(&window, "sandbox").await;
    body.send_keys("/").await.unwrap();
    window
        .wait_for_eval("document.activeElement.id", json!("table-filter"))
        .await;
    window
        .find("#table-filter")
        .await
        .send_keys("api")
        .await
        .unwrap();
    window.wait_for_text("#table-status", "1 row").await;

    // On the selected row: l opens its logs, y its YAML, e its editor, Esc goes back.
    window.click("div[data-row='sandbox/api']").await;
    let table = window.find("#live-table-body").await;
    table.send_keys("l").await.unwrap();
    window
        .wait_for_eval(
            "document.querySelector('#tab-logs')?.getAttribute('aria-selected')",
            json!("true"),
        )
        .await;
    window.wait_for_text("#logs-body", "INFO api: GET").await;
    body.send_keys("y").await.unwrap();
    window
        .wait_for_text("#object-yaml", "kind: Deployment")
        .await;
    body.send_keys("e").await.unwrap();
    window
        .wait_for_eval(
            "document.querySelector('#yaml-text').value.includes('kind: Deployment')",
            json!(true),
        )
        .await;
    window.click("#yaml-cancel").await;
    body.send_keys(Key::Escape).await.unwrap();
    window
        .wait_for_eval("location.hash", json!("#/workloads/deployments"))
        .await;

    // Ctrl+D on a row opens its delete dialog, nothing more. (The table back on screen lists its
    // rows first: a row selected before its new subscription starts is unselected by it.)
    window.wait_for_text("#table-status", "row").await;
    table_shows(&window, "api").await;
    window.click("div[data-row='sandbox/api']").await;
    window
        .wait_for_eval(
            "document.querySelector(\"div[data-row='sandbox/api']\").getAttribute('aria-selected')",
            json!("true"),
        )
        .await;
    let table = window.find("#live-table-body").await;
    table.send_keys(Key::Control + "d").await.unwrap();
    window.wait_for_text("#action-dialog", "Delete api?").await;
    window.screenshot("delete-dialog").await;
    window.click("#action-cancel").await;
    window.wait_for_text("#object-facts", "2/2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn any_resource_the_cluster_serves_has_a_live_table_and_object_pages() {
    let (_scene, _clusters, mut window) =
        demo_window("resources", kubedesk_api::demo::SimOptions::default()).await;
    choose(&window, "#cluster-switcher", "dev").await;
    window.click("a[data-area=resources]").await;

    // Every resource dev serves, Tekton's custom resources among them, found by filtering.
    window.wait_for_text("#resources-status", "resources").await;
    window.wait_for_text("#resources", "PipelineRun").await;
    window.wait_for_text("#resources", "tekton.dev").await;
    window.screenshot("resources").await;
    window
        .find("#resources-filter")
        .await
        .send_keys("pipelinerun")
        .await
        .unwrap();
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#resources tbody tr')].map(r => r.dataset.resource).join(',')",
            json!("pipelineruns.tekton.dev"),
        )
        .await;

    // Its table has the columns its definition prints, live from the cluster.
    window
        .click("tr[data-resource='pipelineruns.tekton.dev'] a")
        .await;
    window
        .wait_for_eval(
            "location.hash",
            json!("#/resources/tekton.dev/v1/pipelineruns"),
        )
        .await;
    pick_namespace(&window, "sandbox").await;
    window.wait_for_text("#table-status", "1 row").await;
    table_shows(&window, "ci-run-7").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('.live-table__head')].map(h => h.textContent.trim()).join(',')",
            json!("Namespace,Name,Succeeded,Age"),
        )
        .await;
    table_shows(&window, "True").await;
    window.screenshot("resource-table").await;

    // An object's page: its conditions, owners and YAML, and what any object offers.
    window
        .click("a.live-table__link[href='#/resources/tekton.dev/v1/pipelineruns/sandbox/ci-run-7']")
        .await;
    window.wait_for_text("#object-name", "ci-run-7").await;
    window
        .wait_for_text(".page__subtitle", "PipelineRun · sandbox")
        .await;
    window
        .wait_for_text("#object-conditions", "Succeeded")
        .await;
    window.wait_for_text("[data-fact=Succeeded]", "True").await;
    window.screenshot("resource-object").await;
    window.click("#tab-yaml").await;
    window
        .wait_for_text("#object-yaml", "kind: PipelineRun")
        .await;

    // Deleting it from its page empties the table.
    window.click("button[data-action=Delete]").await;
    window.wait_for_text("#action-dialog", "ci-run-7").await;
    window.click("#action-confirm").await;
    window.wait_for_text("#object-state", "ci-run-7").await;
    window.click("#object-back").await;
    window.wait_for_text("#table-status", "Nothing here.").await;

    // `:` finds a custom resource by its plural.
    window.find("body").await.send_keys(":").await.unwrap();
    let input = window.find("#palette-input").await;
    input.send_keys("tasks").await.unwrap();
    window.wait_for_text("#palette-list", "Task").await;
    input.send_keys(Key::Enter).await.unwrap();
    window
        .wait_for_eval("location.hash", json!("#/resources/tekton.dev/v1/tasks"))
        .await;
    table_shows(&window, "go-build").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_storage_page_lists_volumes_snapshots_classes_and_persistent_volumes() {
    let (_scene, _clusters, mut window) =
        demo_window("storage", kubedesk_api::demo::SimOptions::default()).await;
    window.click("a[data-area=storage]").await;
    pick_namespace(&window, "").await;
    let headings = "[...document.querySelectorAll('.live-table__head')].map(h => h.textContent.trim().replace(/ [▲▼]$/, '')).join(',')";

    // Volumes, with the columns kubectl prints for them.
    table_shows(&window, "datasets").await;
    window
        .wait_for_eval(
            headings,
            json!("Namespace,Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age"),
        )
        .await;
    table_shows(&window, "500Gi").await;
    window.screenshot("volumes").await;

    // Snapshots with their definition's columns; classes with the default one named.
    window.click("a[data-tab=snapshots]").await;
    table_shows(&window, "datasets-2026-11-20").await;
    table_shows(&window, "true").await;
    window.click("a[data-tab=classes]").await;
    table_shows(&window, "csi.example.com").await;
    window
        .wait_for_eval(
            headings,
            json!("Namespace,Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age"),
        )
        .await;
    window.screenshot("storage-classes").await;
    // Another class made the default; the page offers it no more.
    window
        .click(
            "a.live-table__link[href='#/resources/storage.k8s.io/v1/storageclasses/-/archive-hdd']",
        )
        .await;
    window.click("button[data-action=MakeDefault]").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text(
            "#action-outcome",
            "archive-hdd is the default storage class.",
        )
        .await;
    window
        .wait_for_eval(
            "!document.querySelector('button[data-action=MakeDefault]')",
            json!(true),
        )
        .await;
    window
        .eval("location.hash = '#/storage/classes'; true")
        .await;
    window.click("a[data-tab=persistent-volumes]").await;
    table_shows(&window, "ml-team/datasets").await;

    // A volume opens its page (once its table is there: a row clicked while the rows are still
    // being placed may be another's).
    window.click("a[data-tab=volumes]").await;
    table_shows(&window, "checkpoints").await;
    table_shows(&window, "datasets").await;
    window
        .click("a.live-table__link[href='#/resources/core/v1/persistentvolumeclaims/ml-team/datasets']")
        .await;
    window.wait_for_text("#object-name", "datasets").await;
    window
        .wait_for_text("[data-fact=StorageClass]", "fast-ssd")
        .await;
    window.screenshot("volume").await;

    // Expand: a size that is not one is refused in the dialog; a larger one grows the volume.
    window.click("button[data-action=Expand]").await;
    let size = window.find("#expand-size").await;
    size.send_keys("lots").await.unwrap();
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-problem", "\"lots\" is not a size")
        .await;
    window.screenshot("expand-refused").await;
    size.clear().await.unwrap();
    size.send_keys("750Gi").await.unwrap();
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "datasets is growing to 750Gi.")
        .await;
    window
        .wait_for_text("#object-conditions", "FileSystemResizePending")
        .await;

    // A snapshot with the class's snapshot class, then restored into a new volume.
    window.click("button[data-action=Snapshot]").await;
    window
        .wait_for_eval(
            "document.querySelector('#snapshot-class').value",
            json!("fast-ssd"),
        )
        .await;
    window.click("#action-confirm").await;
    window
        .wait_for_text(
            "#action-outcome",
            "Snapshot datasets-snapshot of datasets is being taken.",
        )
        .await;
    window
        .eval("location.hash = '#/resources/snapshot.storage.k8s.io/v1/volumesnapshots/ml-team/datasets-snapshot'; true")
        .await;
    window.wait_for_text("[data-fact=ReadyToUse]", "true").await;
    window.click("button[data-action=Restore]").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text(
            "#action-outcome",
            "Volume datasets-snapshot-restored is being made from snapshot datasets-snapshot.",
        )
        .await;
    window.screenshot("restored").await;
    window
        .eval("location.hash = '#/storage/volumes'; true")
        .await;
    table_shows(&window, "datasets-snapshot-restored").await;

    // A volume whose class allows none of it says why on each button.
    window
        .eval("location.hash = '#/resources/core/v1/persistentvolumeclaims/inference/model-cache'; true")
        .await;
    window.wait_for_text("#object-name", "model-cache").await;
    window
        .wait_for_eval(
            "(() => { const b = document.querySelector('button[data-action=Expand]'); return b ? [b.disabled, b.title] : null; })()",
            json!([true, "storage class archive-hdd does not allow expansion (allowVolumeExpansion is not true)"]),
        )
        .await;
    window
        .wait_for_text(
            "#action-reasons",
            "Take snapshot: storage class archive-hdd does not allow snapshots",
        )
        .await;
    window.screenshot("volume-not-allowed").await;

    // Deleting a bound persistent volume says which claim loses its storage.
    window
        .eval("location.hash = '#/storage/persistent-volumes'; true")
        .await;
    table_shows(&window, "inference/model-cache").await;
    window
        .eval("(() => { const row = [...document.querySelectorAll('#live-table-body .live-table__row')].find(r => r.innerText.includes('inference/model-cache')); row.querySelector('a').click(); return true; })()")
        .await;
    window.click("button[data-action=Delete]").await;
    window
        .wait_for_text(
            "#action-warning",
            "is bound to volume claim inference/model-cache, which loses its storage.",
        )
        .await;
    window.screenshot("delete-bound-volume").await;
    window.click("#action-cancel").await;

    // Volume management on a class: clones and expansion switched on, its volume may do both.
    window
        .eval("location.hash = '#/resources/storage.k8s.io/v1/storageclasses/-/archive-hdd'; true")
        .await;
    window.click("button[data-action=Switches]").await;
    window.click("#switch-clone").await;
    window.click("#switch-expansion").await;
    window.screenshot("volume-management").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "archive-hdd: volume management saved.")
        .await;
    window
        .eval("location.hash = '#/resources/core/v1/persistentvolumeclaims/inference/model-cache'; true")
        .await;
    window
        .wait_for_eval(
            "(() => { const b = document.querySelector('button[data-action=Expand]'); return b ? b.disabled : null; })()",
            json!(false),
        )
        .await;
    // Snapshots stay off, and are the one reason left.
    window
        .wait_for_eval(
            "document.querySelector('#action-reasons')?.innerText.trim()",
            json!("Take snapshot: storage class archive-hdd does not allow snapshots (storageclass.kubesphere.io/allow-snapshot is not \"true\")"),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn volumes_and_storage_classes_are_created_from_forms_then_expanded_snapshotted_and_restored()
{
    let (_scene, _clusters, mut window) =
        demo_window("storage-forms", kubedesk_api::demo::SimOptions::default()).await;
    window.click("a[data-area=storage]").await;
    pick_namespace(&window, "").await;

    // A storage class from the form: a provisioner that is not one is marked, the rest kept.
    window.click("a[data-tab=classes]").await;
    window.click("#storage-create").await;
    window
        .find("#class-name")
        .await
        .send_keys("fast-now")
        .await
        .unwrap();
    let provisioner = window.find("#class-provisioner").await;
    provisioner.send_keys("csi example").await.unwrap();
    choose(&window, "#class-binding-mode", "Immediate").await;
    window
        .find("#class-parameters")
        .await
        .send_keys("type=nvme")
        .await
        .unwrap();
    window.click("#form-create").await;
    window
        .wait_for_text(
            "#form-problem",
            "\"csi example\" is not a provisioner's name",
        )
        .await;
    window
        .wait_for_eval(
            "[document.querySelector('#class-provisioner').classList.contains('input--invalid'), document.querySelector('#class-name').value, document.querySelector('#class-binding-mode').value]",
            json!([true, "fast-now", "Immediate"]),
        )
        .await;
    window.screenshot("class-form-refused").await;
    provisioner.clear().await.unwrap();
    provisioner.send_keys("csi.example.com").await.unwrap();
    window.click("#form-create").await;
    // Its page opens, with the binding mode where Kubernetes reads it.
    window.wait_for_text("#object-name", "fast-now").await;
    window
        .wait_for_text("[data-fact=VolumeBindingMode]", "Immediate")
        .await;
    window
        .wait_for_text("[data-fact=Parameters]", "type=nvme")
        .await;
    window.wait_for_text("[data-fact=Default]", "No").await;
    window.screenshot("created-class").await;
    window.click("#tab-yaml").await;
    window.wait_for_text("#object-yaml", "type: nvme").await;
    window
        .wait_for_text("#object-yaml", "\nvolumeBindingMode: Immediate")
        .await;

    // A volume from the form: a bad name is marked and what was typed stays.
    window
        .eval("location.hash = '#/storage/volumes'; true")
        .await;
    window.click("#storage-create").await;
    choose(&window, "#volume-namespace", "ml-team").await;
    let name = window.find("#volume-name").await;
    name.send_keys("Notebooks").await.unwrap();
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#volume-class option')].some(o => o.value === 'fast-now')",
            json!(true),
        )
        .await;
    choose(&window, "#volume-class", "fast-now").await;
    let size = window.find("#volume-size").await;
    size.clear().await.unwrap();
    size.send_keys("20Gi").await.unwrap();
    window.click("#form-create").await;
    window
        .wait_for_text("#form-problem", "\"Notebooks\" is not a valid name")
        .await;
    window
        .wait_for_eval(
            "[document.querySelector('#volume-class').value, document.querySelector('#volume-size').value]",
            json!(["fast-now", "20Gi"]),
        )
        .await;
    window.screenshot("volume-form-refused").await;
    name.clear().await.unwrap();
    name.send_keys("notebooks").await.unwrap();
    window.click("#form-create").await;
    window.wait_for_text("#object-name", "notebooks").await;
    window.wait_for_text("[data-fact=Status]", "Bound").await;
    window.screenshot("created-volume").await;

    // Expanded, then snapshotted.
    window.click("button[data-action=Expand]").await;
    window
        .find("#expand-size")
        .await
        .send_keys("30Gi")
        .await
        .unwrap();
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "notebooks is growing to 30Gi.")
        .await;
    window.click("button[data-action=Snapshot]").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text(
            "#action-outcome",
            "Snapshot notebooks-snapshot of notebooks is being taken.",
        )
        .await;
    window
        .eval("location.hash = '#/storage/snapshots'; true")
        .await;
    table_shows(&window, "notebooks-snapshot").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll('#live-table-body .live-table__row')].some(r => r.innerText.includes('notebooks-snapshot') && r.innerText.includes('true'))",
            json!(true),
        )
        .await;

    // Restored through the form: the snapshot brings its class and its restore size (the
    // volume's 20Gi: its file system waits for a pod to grow to 30Gi).
    window
        .eval("location.hash = '#/storage/volumes'; true")
        .await;
    window.click("#storage-create").await;
    choose(&window, "#volume-namespace", "ml-team").await;
    window
        .find("#volume-name")
        .await
        .send_keys("notebooks-restored")
        .await
        .unwrap();
    window
        .wait_for_eval(
            "(() => { const r = document.querySelector('#volume-from-snapshot'); r.click(); return !!document.querySelector('#volume-source option[value=notebooks-snapshot]'); })()",
            json!(true),
        )
        .await;
    choose(&window, "#volume-source", "notebooks-snapshot").await;
    window
        .wait_for_eval(
            "[document.querySelector('#volume-class').value, document.querySelector('#volume-size').value]",
            json!(["fast-now", "20Gi"]),
        )
        .await;
    window.screenshot("volume-form-from-snapshot").await;
    window.click("#form-create").await;
    window
        .wait_for_text("#object-name", "notebooks-restored")
        .await;
    window.wait_for_text("[data-fact=Status]", "Bound").await;
    window.click("#tab-yaml").await;
    window
        .wait_for_text(
            "#object-yaml",
            "kind: VolumeSnapshot\n    name: notebooks-snapshot",
        )
        .await;

    // Its persistent volume's reclaim policy and labels, from a form.
    window
        .eval("location.hash = '#/storage/persistent-volumes'; true")
        .await;
    table_shows(&window, "ml-team/notebooks-restored").await;
    window
        .eval("(() => { const row = [...document.querySelectorAll('#live-table-body .live-table__row')].find(r => r.innerText.includes('ml-team/notebooks-restored')); row.querySelector('a').click(); return true; })()")
        .await;
    window
        .wait_for_text(
            "[data-fact=Source]",
            "CSI driver csi.example.com, volume handle",
        )
        .await;
    window.screenshot("persistent-volume").await;
    window.click("button[data-action=VolumeSettings]").await;
    choose(&window, "#volume-reclaim-policy", "Retain").await;
    let labels = window.find("#volume-labels").await;
    labels.send_keys("tier gold").await.unwrap();
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-problem", "line 1, \"tier gold\", is not a label")
        .await;
    labels.clear().await.unwrap();
    labels.send_keys("tier=gold").await.unwrap();
    window.screenshot("volume-settings").await;
    window.click("#action-confirm").await;
    window
        .wait_for_text("#action-outcome", "settings saved.")
        .await;
    window
        .wait_for_text("[data-fact='Reclaim Policy']", "Retain")
        .await;
    window.wait_for_text("#object-labels", "tier").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn this_machine_s_gpus_are_shown_from_a_replayed_trace_with_what_to_do() {
    let scene = Scene::new();
    let trace = ten_minutes_of_two_a100s(scene.dir.path());
    let mut launch = scene.launch(&[]);
    launch
        .env
        .push(("KUBEDESK_GPU_TRACE".to_owned(), trace.display().to_string()));
    let mut window = Window::open("gpus", &launch).await;
    window.click("a[data-area=gpus]").await;
    window
        .wait_for_text("#gpus-driver", "Driver 550.54.15 · CUDA 12.4")
        .await;
    // The trace is read whole at once, to its end.
    window
        .wait_for_text("#gpus-ended", "The recorded trace has ended")
        .await;
    window
        .wait_for_text(
            "[data-gpu='0'] [data-check=temperature]",
            "GPU 0 is at 82 °C, near its slowdown temperature of 87 °C",
        )
        .await;
    window
        .wait_for_text(
            "[data-gpu='0'] [data-check=power_capped]",
            "drawing 398 W of 400 W",
        )
        .await;
    window
        .wait_for_text(
            "[data-gpu='1'] [data-check=xid]",
            "GPU 1 reported Xid 48: a fault of the GPU, its memory or its link",
        )
        .await;
    window
        .wait_for_text(
            "[data-gpu='1'] [data-check=xid]",
            "What to do: Drain its workloads",
        )
        .await;
    window
        .wait_for_text(
            "[data-gpu='0'] [data-reading=Temperature]",
            "82 °C of 87 °C",
        )
        .await;
    window
        .wait_for_text("[data-gpu='0'] [data-processes]", "4242")
        .await;
    window
        .wait_for_text(
            "[data-gpu='0'] [data-reading=MemoryClock]",
            "1593 MHz of 1593 MHz",
        )
        .await;
    window
        .wait_for_text("[data-gpu='0'] [data-reading=NvLink]", "12 of 12 up")
        .await;
    // The history charts: each drawn with its line over the ten minutes, ticked on the clock,
    // the temperature's with the slowdown threshold.
    for chart in ["utilization", "memory", "temperature", "power", "clocks"] {
        window
            .wait_for_eval(
                &format!(
                    "document.querySelectorAll(\"[data-chart='gpu-0-{chart}'] svg polyline\").length > 0"
                ),
                json!(true),
            )
            .await;
    }
    window
        .wait_for_text("[data-chart='gpu-0-temperature']", "Slowdown")
        .await;
    window
        .wait_for_text("[data-chart='gpu-0-power'] svg", "400 W")
        .await;
    // The pointer over the middle of the utilisation chart: the tooltip says both lines' values.
    window
        .eval(
            "(() => { const plot = document.querySelector(\"[data-chart='gpu-0-utilization'] .chart__plot\"); \
             const box = plot.getBoundingClientRect(); \
             plot.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + box.width * 0.55, clientY: box.top + box.height / 2, bubbles: true })); \
             return true; })()",
        )
        .await;
    let tooltip = window
        .wait_for_text(
            "[data-chart='gpu-0-utilization'] .chart__tooltip",
            "Utilisation:",
        )
        .await;
    assert!(
        tooltip.contains("Memory activity:") && tooltip.contains(" %"),
        "{tooltip}"
    );
    window.screenshot("this-machine").await;
    window
        .eval("document.querySelector(\"[data-chart='gpu-0-temperature']\").scrollIntoView({ block: 'center' }) ?? true")
        .await;
    window.screenshot("charts").await;
    window.click("#gpu-export-markdown").await;
    let written = window
        .wait_for_text("#gpu-export-outcome", "The report is written to")
        .await;
    window.screenshot("exported").await;
    let path = written
        .trim_start_matches("The report is written to ")
        .trim_end_matches('.');
    assert!(path.ends_with(".md"), "{written}");
    let report = std::fs::read_to_string(path).expect("the report is written");
    assert!(
        report.contains("## GPU 1: NVIDIA A100-SXM4-80GB"),
        "{report}"
    );
}

/// Ten minutes of two A100s at a sample a second, as a trace: the fixture's first sample with the
/// readings it predates filled in, under a load that comes and goes, GPU 0 warming towards its
/// slowdown temperature and held at its power limit at the end, GPU 1 reporting Xid 48.
fn ten_minutes_of_two_a100s(dir: &Path) -> PathBuf {
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/gpu/tests/fixtures/two-a100s-warming.jsonl"),
    )
    .unwrap();
    let mut lines = fixture.lines();
    let mut header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    for device in header["devices"].as_array_mut().unwrap() {
        device["max_memory_clock_mhz"] = json!({"Ok": 1593});
        device["max_graphics_clock_mhz"] = json!({"Ok": 1410});
        device["default_power_limit_milliwatts"] = json!({"Ok": 400_000});
        device["compute_mode"] = json!({"Ok": "default"});
    }
    let first: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut out = vec![header.to_string()];
    let start: i64 = 1_795_000_000_000;
    for second in 0..600_i64 {
        let load = ((second as f64 / 45.0).sin() * 0.5 + 0.5) * 0.7 + 0.3;
        let last = second == 599;
        let samples: Vec<serde_json::Value> = (0..2)
            .map(|gpu| {
                let mut sample = first["samples"][gpu].clone();
                let ok = &mut sample["Ok"];
                ok["at_ms"] = json!(start + second * 1000);
                ok["gpu_percent"] = json!({"Ok": (load * 100.0) as u32});
                ok["memory_percent"] = json!({"Ok": (load * 60.0) as u32});
                ok["encoder_percent"] = json!({"Ok": 0});
                ok["decoder_percent"] = json!({"Ok": 0});
                ok["memory_free_bytes"] = json!({"Ok": 42_412_802_048_u64});
                ok["memory_reserved_bytes"] = json!({"Ok": 536_870_912});
                ok["temperature_celsius"] = json!({"Ok": if last && gpu == 0 { 82 } else { 40 + (load * 35.0) as u32 }});
                ok["power_milliwatts"] = json!({"Ok": if last && gpu == 0 { 398_000 } else { 60_000 + (load * 320_000.0) as u32 }});
                ok["energy_millijoules"] = json!({"Ok": 7_200_000_000_u64 + second as u64 * 250_000});
                ok["memory_clock_mhz"] = json!({"Ok": 1593});
                ok["graphics_clock_mhz"] = json!({"Ok": 1410});
                ok["pstate"] = json!({"Ok": 0});
                ok["fans_percent"] = json!({"Err": {"missing": "not_supported"}});
                ok["ecc_corrected_volatile"] = json!({"Ok": 0});
                ok["ecc_uncorrected_aggregate"] = json!({"Ok": 0});
                ok["remapped_rows"] = json!({"Ok": {"correctable": 0, "uncorrectable": 0, "pending": false, "failed": false}});
                ok["pcie_tx_kilobytes_per_second"] = json!({"Ok": 12_000});
                ok["pcie_rx_kilobytes_per_second"] = json!({"Ok": 48_000});
                ok["pcie_replays"] = json!({"Ok": 0});
                ok["nvlinks"] = json!({"Ok": (0..12).map(|link| json!({
                    "link": link, "active": true,
                    "replay_errors": {"Ok": 0}, "recovery_errors": {"Ok": 0}, "crc_errors": {"Ok": 0}
                })).collect::<Vec<_>>()});
                ok["mig_instances"] = json!({"Ok": []});
                if last && gpu == 0 {
                    ok["throttle"] = json!({"Ok": ["sw_power_cap"]});
                }
                ok["xids"] = json!(if gpu == 1 && second == 300 { vec![48] } else { Vec::new() });
                sample
            })
            .collect();
        out.push(json!({ "samples": samples }).to_string());
    }
    let path = dir.join("ten-minutes.jsonl");
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn without_nvml_the_gpus_page_says_why_and_the_rest_works() {
    if Path::new("/proc/driver/nvidia/version").exists() {
        return;
    }
    let scene = Scene::new();
    let mut window = Window::open("gpus-unavailable", &scene.launch(&[])).await;
    window.click("a[data-area=gpus]").await;
    window
        .wait_for_text(
            "#gpus-unavailable",
            "the NVIDIA driver's NVML library is not installed here",
        )
        .await;
    window.screenshot("unavailable").await;
    window.click("a[data-area=clusters]").await;
    window
        .wait_for_text("section[data-page=clusters]", "Clusters")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clusters_gpus_are_shown_by_resource_model_node_and_pod() {
    let (_scene, clusters, mut window) = demo_window(
        "cluster-gpus",
        kubedesk_api::demo::SimOptions {
            prometheus: true,
            ..Default::default()
        },
    )
    .await;
    window.click("a[data-area=gpus]").await;
    // gpu-prod's nodes advertise whole, MIG and time-sliced GPUs, each counted as it is.
    window
        .wait_for_text(
            "#cluster-gpus-totals [data-total='nvidia.com/mig-1g.10gb']",
            "of 28 allocated",
        )
        .await;
    window
        .wait_for_text(
            "#cluster-gpus-nodes [data-gpu-node=gpu-a10-shared-01]",
            "Shared (time-slicing), 4 per GPU",
        )
        .await;
    window
        .wait_for_text(
            "#cluster-gpus-nodes [data-gpu-node=gpu-h100-01]",
            "8 of 8 allocated, 0 free",
        )
        .await;
    window
        .wait_for_text("#cluster-gpus-models", "NVIDIA-H100-80GB-HBM3")
        .await;
    window
        .wait_for_text("#cluster-gpus-holders", "research/diffusion-train")
        .await;
    // Which physical GPUs, from dcgm-exporter through the cluster's Prometheus.
    window
        .wait_for_text(
            "#cluster-gpus-devices",
            "dcgm-exporter's series in Prometheus at kubesphere-monitoring-system/prometheus-k8s:9090",
        )
        .await;
    window
        .wait_for_text(
            "#cluster-gpus-holders [data-holder^='inference/triton']",
            "(1g.10gb)",
        )
        .await;
    window
        .wait_for_text(
            "#cluster-gpus-holders [data-holder^='research/diffusion-train']",
            "GPU 7",
        )
        .await;
    window.screenshot("inventory").await;
    window
        .eval("document.querySelector('#cluster-gpus-nodes').scrollIntoView()")
        .await;
    window.screenshot("inventory-nodes").await;

    // Why GPU pods wait: the demo's giant training pod asks one node for more H100s than any
    // has; a pod added without the GPU nodes' toleration shows as it is turned down.
    window
        .wait_for_text(
            "#gpu-waits [data-wait='research/giant-train-0']",
            "It asks one node for 16 nvidia.com/gpu; the most a node it may use has is 8.",
        )
        .await;
    window
        .wait_for_text(
            "#gpu-waits [data-wait='research/giant-train-0']",
            "Ask for at most 8 per pod",
        )
        .await;
    clusters
        .cluster("gpu-prod")
        .unwrap()
        .create(
            "",
            "pods",
            "research",
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "notebook", "namespace": "research"},
                   "spec": {"containers": [{"name": "lab", "image": "jupyter/pytorch-notebook",
                                            "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}),
        )
        .unwrap();
    window
        .wait_for_text(
            "#gpu-waits [data-wait='research/notebook']",
            "It does not tolerate the taint nvidia.com/gpu=present:NoSchedule",
        )
        .await;
    window
        .wait_for_text(
            "#gpu-waits [data-wait='research/notebook']",
            "Kubernetes said: 0/",
        )
        .await;
    window
        .eval("document.querySelector('#gpu-waits').scrollIntoView()")
        .await;
    window.screenshot("waiting").await;
    window.click("#cluster-switcher option[value=dev]").await;
    window
        .wait_for_text(
            "#cluster-gpus",
            "No node of this cluster advertises a GPU resource.",
        )
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gpu_deployment_is_created_from_the_form_with_an_image_found_in_a_registry() {
    use kubedesk_testkit::{Access, Registry};
    let registry = Registry::start(Access::Open).await;
    registry.push("ml/pytorch-cuda", "12.1").await;
    registry.push("ml/pytorch-cuda", "12.4").await;
    let (_scene, clusters, mut window) =
        demo_window("workload-form", kubedesk_api::demo::SimOptions::default()).await;

    // The registry is added in Settings; a wrong URL is refused with what was typed kept.
    window.click("a[data-area=settings]").await;
    fill(&window, "#registry-url", "registry.local:5000").await;
    window.click("#registry-add").await;
    window
        .wait_for_text("#registry-problem", "is not an http:// or https:// URL")
        .await;
    fill(&window, "#registry-url", &registry.url()).await;
    window.click("#registry-add").await;
    window.wait_for_text("#registries", &registry.url()).await;
    window
        .eval("document.querySelector('#registries').scrollIntoView()")
        .await;
    window.screenshot("registries").await;

    // The form: an image found by searching, one of its tags chosen.
    window.click("a[data-area=workloads]").await;
    window.click("#new-workload").await;
    fill(&window, "#wf-name", "finetune").await;
    fill(&window, "#wf-containers-0-image", "pytorch").await;
    window.click("#wf-containers-0-search").await;
    let image = format!("{}/ml/pytorch-cuda", registry.address());
    window.click(&format!("[data-image-hit='{image}']")).await;
    window.click("[data-image-tag='12.4']").await;
    window
        .wait_for_eval(
            "document.querySelector('#wf-containers-0-image').value",
            json!(format!("{image}:12.4")),
        )
        .await;
    fill(&window, "#wf-containers-0-cpu-request", "1").await;
    fill(&window, "#wf-containers-0-gpu-type", "nvidia.com/gpu").await;
    // A GPU count that is not one is named, and kept as typed.
    fill(&window, "#wf-containers-0-gpu-count", "two").await;
    window
        .wait_for_text("#wf-problem", "\"two\" is not a number of nvidia.com/gpu")
        .await;
    window
        .wait_for_eval(
            "[document.querySelector('#wf-containers-0-gpu-count').classList.contains('input--invalid'), document.querySelector('#wf-containers-0-gpu-count').value]",
            json!([true, "two"]),
        )
        .await;
    fill(&window, "#wf-containers-0-gpu-count", "2").await;
    // A scratch volume, filled by an init container.
    window.click("#wf-add-volume").await;
    window.click("#wf-add-init").await;
    fill(&window, "#wf-init-containers-0-image", "busybox:1.36").await;
    fill(
        &window,
        "#wf-init-containers-0-command",
        "sh -c 'echo ready > /scratch/ready'",
    )
    .await;
    window.click("#wf-init-containers-0-add-mount").await;
    choose(&window, "#wf-init-containers-0-mounts-0-volume", "volume-1").await;
    fill(&window, "#wf-init-containers-0-mounts-0-path", "/scratch").await;
    // On A100s, tolerating the GPU nodes' taint.
    window
        .click("input[data-gpu-product='NVIDIA-A100-SXM4-80GB']")
        .await;
    window
        .click("input[data-toleration='nvidia.com/gpu']")
        .await;
    // And a toleration typed by hand, for a taint of the team's own nodes.
    window.click("#wf-add-toleration").await;
    fill(&window, "#wf-tolerations-1-key", "dedicated").await;
    choose(&window, "#wf-tolerations-1-operator", "Equal").await;
    fill(&window, "#wf-tolerations-1-value", "ml").await;
    choose(&window, "#wf-tolerations-1-effect", "NoSchedule").await;
    window.wait_for_text("#wf-yaml", "value: ml").await;
    window
        .wait_for_text("#wf-yaml", "nvidia.com/gpu.product")
        .await;
    window
        .wait_for_text("#wf-yaml", "mountPath: /scratch")
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#wf-yaml').textContent.match(/nvidia.com\\/gpu: '2'/g)?.length",
            json!(2),
        )
        .await;
    window.screenshot("form").await;

    // Created: its page opens, its pods land on A100 nodes, and the cluster's GPUs show them.
    window.click("#wf-create").await;
    window.wait_for_text("#object-name", "finetune").await;
    let cluster = clusters.cluster("gpu-prod").unwrap();
    let nodes = kubedesk_testkit::eventually("finetune's pod to be bound", || {
        let (_, pods) = cluster.store.list("/pods", Some("default"));
        pods.iter()
            .find(|pod| pod["metadata"]["labels"]["app"] == "finetune")
            .and_then(|pod| pod["spec"]["nodeName"].as_str().map(str::to_owned))
    })
    .await;
    assert!(nodes.starts_with("gpu-a100-0"), "{nodes}");
    window.screenshot("created").await;
    window.click("a[data-area=gpus]").await;
    window
        .wait_for_text(
            "#cluster-gpus-holders [data-holder^='default/finetune']",
            "nvidia.com/gpu: 2",
        )
        .await;
    window
        .eval("document.querySelector('#cluster-gpus-holders').scrollIntoView()")
        .await;
    window.screenshot("inventory").await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_and_project_quotas_are_shown_with_their_use_and_edited_in_forms() {
    let (_scene, _clusters, mut window) =
        demo_window("quotas", kubedesk_api::demo::SimOptions::default()).await;
    window.click("a[data-area=workspaces]").await;
    // KubeSphere's workspace quota and the projects' own, GPUs included, with what is used.
    window
        .wait_for_text(
            "[data-workspace=ai-serving] [data-key='requests.nvidia.com/gpu']",
            "4 of 8 used",
        )
        .await;
    let gpu_quota = "[data-quota='inference/gpu-quota']";
    window
        .wait_for_text(
            &format!("{gpu_quota} [data-key='requests.nvidia.com/gpu']"),
            "4 of 4 used",
        )
        .await;
    // The KubeSphere console's GPU limits key is shown for what it is.
    window
        .wait_for_text(
            &format!("{gpu_quota} [data-key='limits.nvidia.com/gpu']"),
            "Kubernetes never counts this key",
        )
        .await;
    window.screenshot("quotas").await;

    // Edited: a wrong amount and the uncounted key are named in turn, and what was typed stays.
    window
        .click("button[data-edit-quota='inference/gpu-quota']")
        .await;
    window
        .wait_for_eval(
            "[document.querySelector('#quota-gpu-type').value, document.querySelector('#quota-gpu-count').value, document.querySelector('#quota-requests-cpu').value]",
            json!(["nvidia.com/gpu", "4", "256"]),
        )
        .await;
    fill(&window, "#quota-gpu-count", "six").await;
    window.click("#form-save").await;
    window
        .wait_for_text(
            "#quota-problem",
            "\"six\" is not an amount for requests.nvidia.com/gpu",
        )
        .await;
    window
        .wait_for_eval(
            "[document.querySelector('#quota-gpu-count').classList.contains('input--invalid'), document.querySelector('#quota-gpu-count').value]",
            json!([true, "six"]),
        )
        .await;
    window.screenshot("quota-refused").await;
    fill(&window, "#quota-gpu-count", "6").await;
    window.click("#form-save").await;
    window
        .wait_for_text("#quota-problem", "Write requests.nvidia.com/gpu instead")
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#quota-other').classList.contains('input--invalid')",
            json!(true),
        )
        .await;
    fill(&window, "#quota-other", "").await;
    window.click("#form-save").await;
    window
        .wait_for_text(
            &format!("{gpu_quota} [data-key='requests.nvidia.com/gpu']"),
            "4 of 6 used",
        )
        .await;
    window
        .wait_for_eval(
            &format!("!document.querySelector(\"{gpu_quota} [data-key='limits.nvidia.com/gpu']\")"),
            json!(true),
        )
        .await;

    // A new quota and default container limits for a project that had none.
    window.click("button[data-add-quota=default]").await;
    fill(&window, "#quota-limits-cpu", "4").await;
    fill(&window, "#quota-pods", "10").await;
    window.click("#form-save").await;
    window
        .wait_for_text(
            "[data-quota='default/default'] [data-key='limits.cpu']",
            "of 4 used",
        )
        .await;
    window.click("button[data-add-defaults=default]").await;
    fill(&window, "#defaults-cpu-limit", "500m").await;
    fill(&window, "#defaults-cpu-request", "1").await;
    window.click("#form-save").await;
    window
        .wait_for_text("#quota-problem", "more than its default limit (500m)")
        .await;
    fill(&window, "#defaults-cpu-request", "100m").await;
    window.click("#form-save").await;
    window
        .wait_for_text(
            "[data-limit-range='default/default']",
            "Default limit cpu: 500m",
        )
        .await;

    // The workspace's quota raised.
    window
        .click("button[data-edit-workspace-quota=ai-serving]")
        .await;
    fill(&window, "#quota-gpu-count", "12").await;
    window.click("#form-save").await;
    window
        .wait_for_text(
            "[data-workspace=ai-serving] [data-key='requests.nvidia.com/gpu']",
            "of 12 used",
        )
        .await;
    window
        .eval("document.querySelector('[data-project=default]').scrollIntoView()")
        .await;
    window.screenshot("quota-made").await;

    // Deleted, asked twice.
    window.click("#delete-quota-default-default").await;
    window
        .wait_for_text("#delete-quota-default-default", "sure?")
        .await;
    window.click("#delete-quota-default-default").await;
    window
        .wait_for_eval(
            "!document.querySelector(\"[data-quota='default/default']\")",
            json!(true),
        )
        .await;
    // Without KubeSphere, the page says how a workspace's quota is kept.
    window.click("#cluster-switcher option[value=dev]").await;
    window
        .wait_for_text("#no-kubesphere-quotas", "shared evenly over its projects")
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gpu_dashboard_and_an_imported_grafana_dashboard_are_drawn_from_the_clusters_prometheus()
 {
    let (scene, clusters, mut window) = demo_window(
        "monitoring",
        kubedesk_api::demo::SimOptions {
            prometheus: true,
            ..Default::default()
        },
    )
    .await;
    window.click("a[data-area=monitoring]").await;
    window
        .wait_for_text(
            "#monitoring-prometheus",
            "at kubesphere-monitoring-system/prometheus-k8s:9090, reached through the API server",
        )
        .await;
    window.wait_for_text("#dashboards", "GPUs").await;
    // gpu-prod's etcd, as Prometheus scrapes it: one member, the leader.
    window
        .wait_for_text("#etcd-members tbody tr", "Leader")
        .await;
    window.screenshot("dashboards").await;

    // The built-in cluster dashboard: gpu-prod's nodes and pods, CPU by namespace stacked.
    window.click("[data-dashboard=cluster] a").await;
    window
        .wait_for_text("[data-panel=Nodes] .stat__value", "7")
        .await;
    window
        .wait_for_text(
            "[data-panel='CPU used by namespace (cores)'] .chart__legend",
            "ml-team",
        )
        .await;
    window.screenshot("cluster-dashboard").await;
    window.click("a.back-link").await;

    // The built-in GPU dashboard: every GPU of gpu-prod, from Prometheus's first scrapes.
    window.click("[data-dashboard=gpu] a").await;
    window
        .wait_for_text("[data-panel=GPUs] .stat__value", "67")
        .await;
    window
        .wait_for_text("[data-panel='Hottest GPU'] .stat__value", "°C")
        .await;
    window
        .wait_for_eval(
            "document.querySelectorAll(\"[data-panel='GPU utilisation'] svg [stroke='#3B82F6'], [data-panel='GPU utilisation'] svg [fill='#3B82F6']\").length > 0",
            json!(true),
        )
        .await;
    window
        .wait_for_text(
            "[data-panel='GPU utilisation'] .chart__legend",
            "gpu-h100-01 GPU 0",
        )
        .await;
    window
        .wait_for_text("[data-panel='GPU memory per pod'] table", "/")
        .await;
    window.screenshot("gpu-dashboard").await;
    // One node chosen: its GPUs alone.
    choose(&window, "[data-variable=node] select", "gpu-h100-01").await;
    window
        .wait_for_eval(
            "[...document.querySelectorAll(\"[data-panel='GPU utilisation'] .chart__legend-entry\")].every(entry => entry.innerText.startsWith('gpu-h100-01 GPU')) && document.querySelectorAll(\"[data-panel='GPU utilisation'] .chart__legend-entry\").length == 8",
            json!(true),
        )
        .await;
    window
        .wait_for_text("[data-panel=GPUs] .stat__value", "8")
        .await;
    choose(&window, "#dashboard-range", "now-15m").await;
    window
        .wait_for_eval(
            "document.querySelector('#dashboard-from').value",
            json!("now-15m"),
        )
        .await;
    window.screenshot("gpu-dashboard-one-node").await;
    // Two nodes chosen in the node list: the GPUs of both.
    window
        .eval("(() => { const s = document.querySelector('[data-variable=node] select'); for (const o of s.options) o.selected = ['gpu-h100-01', 'gpu-a100-01'].includes(o.value); s.dispatchEvent(new Event('change')); })()")
        .await;
    window
        .wait_for_text("[data-panel=GPUs] .stat__value", "16")
        .await;
    window.screenshot("gpu-dashboard-two-nodes").await;
    // Refreshed by itself every 10 s: the range moves on.
    choose(&window, "#dashboard-refresh", "10").await;
    let span = window
        .eval("document.querySelector('#dashboard-span').innerText")
        .await;
    window
        .wait_for_eval(
            &format!("document.querySelector('#dashboard-span').innerText != {span}"),
            json!(true),
        )
        .await;
    choose(&window, "#dashboard-refresh", "0").await;

    // A Grafana dashboard imported from its file, with what could not be converted.
    window.click("a.back-link").await;
    let fixtures = kubedesk_tests::workspace_root().join("crates/metrics/tests/fixtures/grafana");
    let damaged = scene.file("damaged.json", "{\"title\": \"cut\", \"panels\": [");
    let path = window.find("#import-path").await;
    path.send_keys(damaged.display().to_string()).await.unwrap();
    window.click("#import-submit").await;
    window
        .wait_for_text(
            "#import-outcome",
            "damaged.json is not valid JSON at line 1",
        )
        .await;
    // What was typed stays, to be corrected.
    window
        .wait_for_eval(
            "document.querySelector('#import-path').value.endsWith('damaged.json')",
            json!(true),
        )
        .await;
    fill(
        &window,
        "#import-path",
        &fixtures
            .join("dcgm-exporter-dashboard.json")
            .display()
            .to_string(),
    )
    .await;
    window.click("#import-submit").await;
    window
        .wait_for_text(
            "#import-outcome",
            "NVIDIA DCGM Exporter Dashboard was imported",
        )
        .await;
    window
        .wait_for_text("#dashboards", "NVIDIA DCGM Exporter Dashboard")
        .await;
    window.screenshot("imported").await;
    window
        .click("[data-dashboard=imported-nvidia-dcgm-exporter-dashboard] a")
        .await;
    window
        .wait_for_text("[data-panel='GPU Temperature'] .chart__legend", "GPU 0")
        .await;
    window
        .wait_for_eval(
            "document.querySelectorAll(\"[data-panel='GPU Temperature'] svg [stroke='#3B82F6'], [data-panel='GPU Temperature'] svg [fill='#3B82F6']\").length > 0 && [...document.querySelectorAll(\"[data-panel='GPU Temperature'] svg text\")].some(text => text.textContent.trim().endsWith('°C'))",
            json!(true),
        )
        .await;
    window.screenshot("imported-dashboard").await;

    // A dashboard made here: a panel written in PromQL, previewed (Prometheus's refusal shown
    // with the query), saved, turned into a stat, and deleted.
    window.click("a.back-link").await;
    fill(&window, "#new-dashboard-title", "GPU health").await;
    window.click("#new-dashboard-create").await;
    window
        .wait_for_text("#dashboard-empty", "No panels yet")
        .await;
    window.click("#add-panel").await;
    fill(&window, "#panel-title", "Hottest GPU per node").await;
    fill(&window, "#panel-unit", "celsius").await;
    let query = "#panel-queries [data-query='0'] textarea";
    fill(&window, query, "max by (Hostname) (DCGM_FI_DEV_GPU_TEMP").await;
    window.click("#panel-preview-run").await;
    window
        .wait_for_text("#panel-preview .panel__error", "bad_data")
        .await;
    window.screenshot("panel-editor-refused").await;
    fill(&window, query, "max by (Hostname) (").await;
    fill(&window, "#panel-metric", "DCGM_FI_DEV_GPU_TEMP").await;
    window
        .eval("document.querySelector('#panel-metric').dispatchEvent(new Event('change'))")
        .await;
    window
        .wait_for_eval(
            &format!("document.querySelector({query:?}).value"),
            json!("max by (Hostname) (DCGM_FI_DEV_GPU_TEMP"),
        )
        .await;
    fill(&window, query, "max by (Hostname) (DCGM_FI_DEV_GPU_TEMP)").await;
    fill(
        &window,
        "#panel-queries [data-query='0'] input[type=text]",
        "{{Hostname}}",
    )
    .await;
    window.click("#panel-preview-run").await;
    window
        .wait_for_text("#panel-preview .chart__legend", "gpu-h100-01")
        .await;
    window.screenshot("panel-editor").await;
    window.click("#panel-save").await;
    let saved = "[data-panel='Hottest GPU per node']";
    window
        .wait_for_text(&format!("{saved} .chart__legend"), "gpu-h100-01")
        .await;
    window.screenshot("made-here").await;
    window.click(&format!("{saved} [data-edit-panel]")).await;
    window
        .wait_for_eval(
            "document.querySelector('#panel-title').value",
            json!("Hottest GPU per node"),
        )
        .await;
    choose(&window, "#panel-shape", "stat").await;
    fill(&window, "#panel-thresholds", "green, hot red").await;
    window.click("#panel-save").await;
    window
        .wait_for_text(
            "#panel-outcome",
            "Thresholds: “hot red” is not a value and a colour",
        )
        .await;
    fill(&window, "#panel-thresholds", "green, 50 red").await;
    window.click("#panel-save").await;
    window
        .wait_for_text(&format!("{saved} .stat__value"), "°C")
        .await;
    // Each node's hottest GPU red from 50 °C, green below, as the thresholds say.
    window
        .wait_for_eval(
            &format!("(() => {{ const values = [...document.querySelectorAll(\"{saved} .stat__value\")]; return values.length > 1 && values.every(value => (parseFloat(value.innerText) >= 50) == (getComputedStyle(value).color == 'rgb(242, 73, 92)')); }})()"),
            json!(true),
        )
        .await;
    window.screenshot("made-here-thresholds").await;
    // A variable: the nodes, several at once (a query Grafana would not take is named first);
    // the panel, back to lines, narrowed to the node chosen.
    window.click("#edit-variables").await;
    window.click("#variables-add").await;
    let variable = "[data-variable-row='0']";
    fill(&window, &format!("{variable} [data-field=name]"), "node").await;
    let definition = format!("{variable} [data-field=definition]");
    fill(
        &window,
        &definition,
        "label_values(DCGM_FI_DEV_GPU_TEMP, Hostname",
    )
    .await;
    window.click("#variables-save").await;
    window
        .wait_for_text("#variables-outcome", "is none of label_values")
        .await;
    fill(
        &window,
        &definition,
        "label_values(DCGM_FI_DEV_GPU_TEMP, Hostname)",
    )
    .await;
    window
        .click(&format!("{variable} [data-field=multi]"))
        .await;
    window.screenshot("variables-editor").await;
    window.click("#variables-save").await;
    window
        .wait_for_eval(
            "document.querySelectorAll('[data-variable=node] select option').length",
            json!(5),
        )
        .await;
    window.click(&format!("{saved} [data-edit-panel]")).await;
    window
        .wait_for_eval(
            "document.querySelector('#panel-title')?.value",
            json!("Hottest GPU per node"),
        )
        .await;
    fill(
        &window,
        query,
        "max by (Hostname) (DCGM_FI_DEV_GPU_TEMP{Hostname=~\"$node\"})",
    )
    .await;
    choose(&window, "#panel-shape", "lines").await;
    window.click("#panel-save").await;
    window
        .wait_for_eval(
            &format!("document.querySelector('#panel-editor') == null && document.querySelector(\"{saved} svg\") != null"),
            json!(true),
        )
        .await;
    choose(&window, "[data-variable=node] select", "gpu-h100-01").await;
    window
        .wait_for_eval(
            // One series: its name is in the chart's own legend.
            &format!("(() => {{ const texts = [...document.querySelectorAll(\"{saved} svg text\")].map(text => text.textContent.trim()); return texts.includes('gpu-h100-01') && !texts.includes('gpu-a100-01'); }})()"),
            json!(true),
        )
        .await;
    window.screenshot("made-here-variable").await;
    window.click(&format!("{saved} [data-delete-panel]")).await;
    window
        .wait_for_text(&format!("{saved} [data-delete-panel]"), "Delete it?")
        .await;
    window.click(&format!("{saved} [data-delete-panel]")).await;
    window
        .wait_for_eval("document.querySelectorAll('[data-panel]').length", json!(0))
        .await;
    // A built-in dashboard is edited as a copy.
    window.click("a.back-link").await;
    window.click("[data-dashboard=gpu] a").await;
    window.click("#copy-dashboard").await;
    window
        .wait_for_eval("location.hash", json!("#/monitoring/custom-gpus-copy"))
        .await;
    window.wait_for_text(".page__title", "GPUs (copy)").await;
    window
        .wait_for_text("[data-panel=GPUs] .stat__value", "67")
        .await;

    // The alerts: the idle embeddings pods' GPUs (pending, then firing) and every rule.
    window.click("a.back-link").await;
    window.click("a[data-tab=alerts]").await;
    window
        .wait_for_text("#alert-rules", "GpuTemperatureHigh")
        .await;
    window
        .wait_for_text("#alert-rules", "DCGM_FI_DEV_XID_ERRORS > 0")
        .await;
    window
        .wait_for_text(
            "#alerts [data-alert=GpuHeldButIdle]",
            "inference/embeddings-",
        )
        .await;
    window
        .wait_for_text(
            "#alerts-summary",
            "alerting rules: from Prometheus at kubesphere-monitoring-system/prometheus-k8s:9090",
        )
        .await;
    // The firing alert reached KubeSphere's Alertmanager, routed to the demo's operators
    // (refreshed every 2 s until Prometheus has sent it).
    window
        .wait_for_eval(
            "(() => { if (document.querySelector('#alertmanager-alerts [data-managed=GpuHeldButIdle]')) return true; if (!window.refreshedAt || Date.now() - window.refreshedAt > 2000) { window.refreshedAt = Date.now(); document.querySelector('#alerts-refresh').click(); } return false; })()",
            json!(true),
        )
        .await;
    window
        .wait_for_text(
            "#alertmanager-state",
            "at kubesphere-monitoring-system/alertmanager-main:9093, reached through the API server",
        )
        .await;
    window
        .wait_for_text(
            "#alertmanager-alerts [data-managed=GpuHeldButIdle]",
            "gpu-operators",
        )
        .await;
    window.screenshot("alerts").await;
    window
        .eval("document.querySelector('#alertmanager-state').scrollIntoView()")
        .await;
    window.screenshot("alertmanager").await;
    // In Chinese, every word on the tab comes from the catalogue.
    window.click("#language-picker option[value=zh-CN]").await;
    window.wait_for_text("#alerts-summary", "条告警规则").await;
    window
        .wait_for_text("section[data-page=monitoring] .tabs", "监控面板")
        .await;
    window.screenshot("alerts-zh").await;
    window.click("#language-picker option[value=en]").await;

    // dev has no Prometheus in it: the one at a URL is given for it, checked before it is used.
    window.click("a[data-tab=dashboards]").await;
    window.click("#cluster-switcher option[value=dev]").await;
    window
        .wait_for_text(
            "#monitoring-prometheus",
            "No Prometheus was found in this cluster: no Prometheus service was found",
        )
        .await;
    fill(&window, "#prometheus-url", "prometheus.local:9090").await;
    window.click("#prometheus-save").await;
    window
        .wait_for_text(
            "#prometheus-outcome",
            "\"prometheus.local:9090\" is not an http:// or https:// URL",
        )
        .await;
    window
        .wait_for_eval(
            "document.querySelector('#prometheus-url').value",
            json!("prometheus.local:9090"),
        )
        .await;
    window.screenshot("prometheus-refused").await;
    let url = format!(
        "http://{}",
        clusters.prometheus().expect("the demo's Prometheus")
    );
    fill(&window, "#prometheus-url", &url).await;
    window.click("#prometheus-save").await;
    window
        .wait_for_text(
            "#monitoring-prometheus",
            &format!("at {url}, as given for this cluster"),
        )
        .await;
    window.screenshot("prometheus-given").await;
    window.click("[data-dashboard=gpu] a").await;
    window
        .wait_for_text("[data-panel=GPUs] .stat__value", "67")
        .await;
    window.close().await;
}
