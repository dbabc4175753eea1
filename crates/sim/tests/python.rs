//! The official Python client (kubernetes 22.6, installed by `cargo xtask setup` into
//! `.tools/python`) reads every object of every demo cluster through its typed models, which
//! refuse a whole list when one object misses a required field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use kubedesk_sim::{Cluster, SimServer, demo, kubeconfig};
use serde_json::Value;

fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".tools/python/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask setup`, which installs the Python client there",
        python.display()
    );
    python
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_client_reads_every_demo_object_through_its_typed_models() {
    let clusters: Vec<Cluster> = vec![
        demo::gpu_prod().unwrap(),
        demo::edge().unwrap(),
        demo::dev().unwrap(),
    ];
    let mut servers = Vec::new();
    for cluster in clusters {
        servers.push(
            SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .unwrap(),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, kubeconfig(&servers.iter().collect::<Vec<_>>())).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_everything.py");
    let output = tokio::process::Command::new(python())
        .arg(&script)
        .arg(&config)
        // The dynamic client's discovery cache goes to the temporary folder.
        .env("TMPDIR", dir.path())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "the Python client failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let counts: Value = serde_json::from_slice(&output.stdout).unwrap();
    let prod = &counts["gpu-prod"];
    for kind in [
        "list_node",
        "list_pod_for_all_namespaces",
        "list_deployment_for_all_namespaces",
        "list_persistent_volume_claim_for_all_namespaces",
        "list_persistent_volume",
        "list_resource_quota_for_all_namespaces",
        "list_ingress_for_all_namespaces",
        "list_storage_class",
        "list_cluster_role",
        "list_custom_resource_definition",
        "workspacetemplates.tenant.kubesphere.io",
        "pipelineruns.devops.kubesphere.io",
        "volumesnapshots.snapshot.storage.k8s.io",
    ] {
        assert!(
            prod[kind].as_u64().is_some_and(|count| count > 0),
            "no {kind} read: {prod}"
        );
    }
    assert!(
        counts["dev"]["pipelineruns.tekton.dev"].as_u64() == Some(1),
        "{counts}"
    );
    assert_eq!(prod["version"], "v1.32.4");
}
