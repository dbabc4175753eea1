//! Unmodified kube-rs 5 against the simulated API server: the typed API, discovery, and the runtime
//! watcher across a forced 410.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::discovery::Discovery;
use kube::runtime::{reflector, watcher};
use kube::{Api, Client, Config, ResourceExt};
use kubedesk_sim::{Cluster, SimServer, demo};
use serde_json::json;

async fn serve(cluster: Cluster) -> (SimServer, Client) {
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    (server, client)
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_lists_gets_creates_patches_and_deletes() {
    let (_server, client) = serve(demo::gpu_prod().unwrap()).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "inference");
    let listed = pods
        .list(&ListParams::default().labels("app=triton"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 3);
    assert!(
        listed
            .metadata
            .resource_version
            .is_some_and(|version| !version.is_empty())
    );
    let all: Api<Pod> = Api::all(client.clone());
    assert!(all.list(&ListParams::default()).await.unwrap().items.len() > 10);

    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mut map = ConfigMap::default();
    map.metadata.name = Some("settings".into());
    map.data = Some([("mode".to_owned(), "fast".to_owned())].into());
    let created = maps.create(&PostParams::default(), &map).await.unwrap();
    assert!(created.metadata.uid.is_some());
    let error = maps.create(&PostParams::default(), &map).await.unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(status) if status.reason == "AlreadyExists"),
        "{error}"
    );

    let patched = maps
        .patch(
            "settings",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"mode": "slow"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap()["mode"], "slow");
    let applied = maps
        .patch("applied", &PatchParams::apply("kubedesk-test"), &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}})))
        .await
        .unwrap();
    assert_eq!(applied.name_any(), "applied");
    assert_eq!(
        maps.get("settings").await.unwrap().data.unwrap()["mode"],
        "slow"
    );

    maps.delete("settings", &DeleteParams::default())
        .await
        .unwrap();
    let error = maps.get("settings").await.unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(status) if status.code == 404),
        "{error}"
    );
    assert!(maps.get_opt("settings").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_discovery_finds_every_group_and_the_scale_subresource_works() {
    let (_server, client) = serve(demo::gpu_prod().unwrap()).await;
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let groups: BTreeSet<String> = discovery
        .groups()
        .map(|group| group.name().to_owned())
        .collect();
    for expected in ["", "apps", "batch", "networking.k8s.io", "storage.k8s.io"] {
        assert!(
            groups.contains(expected),
            "{expected:?} missing from {groups:?}"
        );
    }
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let scale = deployments.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(deployments.get("web").await.unwrap().spec.replicas, Some(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_runtime_watcher_relists_after_a_forced_410_without_duplicates() {
    let (server, client) = serve(Cluster::new("watch")).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let (reader, writer) = reflector::store();
    let (events, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let stream = reflector(writer, watcher(maps.clone(), watcher::Config::default()));
    let driver = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            let label = match event {
                Ok(watcher::Event::Init) => "Init".to_owned(),
                Ok(watcher::Event::InitApply(map)) => format!("InitApply {}", map.name_any()),
                Ok(watcher::Event::InitDone) => "InitDone".to_owned(),
                Ok(watcher::Event::Apply(map)) => format!("Apply {}", map.name_any()),
                Ok(watcher::Event::Delete(map)) => format!("Delete {}", map.name_any()),
                Err(error) => format!("Error {error}"),
            };
            if events.send(label).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let mut until = async |wanted: &str, log: &mut Vec<String>| {
        tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(label) = seen.recv().await {
                log.push(label.clone());
                if label == wanted {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("never saw {wanted:?}; saw {log:?}"));
    };
    until("InitDone", &mut log).await;
    let mut map = ConfigMap::default();
    map.metadata.name = Some("a".into());
    maps.create(&PostParams::default(), &map).await.unwrap();
    until("Apply a", &mut log).await;

    // The server says the watcher's version is too old and drops its watch: it must list again.
    server.cluster().store.expire_next_watch();
    server.cluster().store.end_watches();
    map.metadata.name = Some("b".into());
    maps.create(&PostParams::default(), &map).await.unwrap();
    until("InitDone", &mut log).await;
    // The relist brings both objects once; later events come live again.
    map.metadata.name = Some("c".into());
    maps.create(&PostParams::default(), &map).await.unwrap();
    until("Apply c", &mut log).await;

    let names: Vec<String> = {
        // Every namespace also holds the cluster's `kube-root-ca.crt`.
        let mut names: Vec<String> = reader
            .state()
            .iter()
            .map(|map| map.name_any())
            .filter(|name| name != "kube-root-ca.crt")
            .collect();
        names.sort();
        names
    };
    assert_eq!(names, ["a", "b", "c"], "{log:?}");
    assert_eq!(
        log.iter().filter(|label| *label == "Init").count(),
        2,
        "{log:?}"
    );
    // The relist after the 410 brings back what existed before it ("b" may arrive in the relist or
    // live after it, depending on timing; both are right).
    let relist = log.iter().rposition(|label| label == "Init").unwrap();
    assert!(
        log[relist..].iter().any(|label| label == "InitApply a"),
        "{log:?}"
    );
    driver.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_connects_over_tls_with_the_kubeconfig_client_certificate_and_rbac_applies() {
    let cluster = demo::dev().unwrap();
    cluster.auth.require();
    cluster
        .auth
        .add_token("t-jane", kubedesk_sim::auth::User::new("jane", &[]));
    let server = SimServer::start_tls(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let text = kubedesk_sim::kubeconfig(&[&server]);
    assert!(text.contains("server: https://127.0.0.1:"), "{text}");
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&text).unwrap();
    let options = kube::config::KubeConfigOptions::default();
    let config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .unwrap();
    let admin = Client::try_from(config).unwrap();
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(admin);
    assert!(
        !nodes
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // An expired certificate from the same CA: the handshake succeeds and the request is
    // refused 401, as kube-apiserver's x509 authenticator refuses it.
    let expired = server
        .authority()
        .unwrap()
        .expired_client_certificate("kubernetes-admin")
        .unwrap();
    let mut as_expired = kubeconfig.clone();
    for user in &mut as_expired.auth_infos {
        if let Some(auth) = user.auth_info.as_mut() {
            let encode = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
            auth.client_certificate_data = Some(encode(&expired.certificate_pem));
            auth.client_key_data = Some(encode(&expired.key_pem).into());
        }
    }
    let config = Config::from_custom_kubeconfig(as_expired, &options)
        .await
        .unwrap();
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(Client::try_from(config).unwrap());
    let error = nodes.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(status) if status.code == 401),
        "{error}"
    );

    // The same CA, with jane's token instead of the administrator's certificate.
    let mut as_jane = kubeconfig;
    for user in &mut as_jane.auth_infos {
        if let Some(auth) = user.auth_info.as_mut() {
            auth.client_certificate_data = None;
            auth.client_key_data = None;
            auth.token = Some("t-jane".to_owned().into());
        }
    }
    let config = Config::from_custom_kubeconfig(as_jane, &options)
        .await
        .unwrap();
    let jane = Client::try_from(config).unwrap();
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(jane);
    let error = nodes.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(status) if status.code == 403 && status.message == "nodes is forbidden: User \"jane\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"),
        "{error}"
    );
}
