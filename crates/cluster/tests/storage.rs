//! Volumes against the simulator: what each storage class allows and why not; expanding, cloning,
//! taking a snapshot and restoring it, each as the simulated CSI driver carries it out; and the
//! bad input each refuses with nothing changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use kubedesk_cluster::storage::{self, Blocked, StorageError};
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::eventually;
use serde_json::{Value, json};

async fn server() -> SimServer {
    sim::serve(demo::gpu_prod().unwrap()).await
}

fn claim(server: &SimServer, namespace: &str, name: &str) -> Option<Value> {
    server
        .cluster()
        .store
        .get("/persistentvolumeclaims", namespace, name)
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_class_allows_what_it_says_and_names_what_stops_the_rest() {
    let server = server().await;
    let client = sim::client(&server, None);

    // fast-ssd allows everything, through its own snapshot class, for one access mode.
    let (_, fast) = storage::capabilities(&client, "ml-team", "datasets")
        .await
        .unwrap();
    assert_eq!(
        (&fast.expand, &fast.clone, &fast.snapshot),
        (&Ok(()), &Ok(()), &Ok(()))
    );
    assert_eq!(fast.snapshot_classes, ["fast-ssd"]);
    assert_eq!(fast.access_modes.unwrap(), ["ReadWriteOnce"]);

    // archive-hdd allows none, and says which switch stops each.
    let (_, archive) = storage::capabilities(&client, "inference", "model-cache")
        .await
        .unwrap();
    assert_eq!(
        archive.expand.unwrap_err().to_string(),
        "storage class archive-hdd does not allow expansion (allowVolumeExpansion is not true)"
    );
    assert_eq!(
        archive.clone.unwrap_err().to_string(),
        "storage class archive-hdd does not allow clones (storageclass.kubesphere.io/allow-clone is not \"true\")"
    );
    assert_eq!(
        archive.snapshot.unwrap_err(),
        Blocked::NoSnapshot {
            class: "archive-hdd".into()
        }
    );
    assert_eq!(archive.access_modes.unwrap().len(), 3);

    // A volume waiting for its first consumer has nothing to copy yet.
    let (_, waiting) = storage::capabilities(&client, "research", "scratch")
        .await
        .unwrap();
    assert_eq!(
        waiting.clone.unwrap_err(),
        Blocked::NotBound {
            claim: "scratch".into()
        }
    );
    assert!(waiting.expand.is_ok());
}

#[test]
fn snapshots_need_a_snapshot_class_of_the_drivers_and_switches_need_the_string_true() {
    let claim = json!({"metadata": {"name": "data"}, "spec": {"storageClassName": "csi"}, "status": {"phase": "Bound"}});
    let class = |annotations: Value| json!({"metadata": {"name": "csi", "annotations": annotations}, "provisioner": "csi.example.com", "allowVolumeExpansion": true});
    let on = class(json!({storage::ALLOW_SNAPSHOT: "true", storage::ALLOW_CLONE: "yes"}));
    let other_driver = [json!({"metadata": {"name": "nfs"}, "driver": "nfs.csi.k8s.io"})];
    let allowed = storage::allowed(&claim, Some(&on), &other_driver);
    assert_eq!(
        allowed.snapshot.unwrap_err().to_string(),
        "no volume snapshot class uses driver csi.example.com, which provisions storage class csi"
    );
    assert_eq!(
        allowed.clone.unwrap_err(),
        Blocked::NoClone {
            class: "csi".into()
        },
        "only the string true switches it on"
    );
    let missing = storage::allowed(&claim, None, &[]);
    assert_eq!(
        missing.expand.unwrap_err(),
        Blocked::ClassMissing {
            class: "csi".into()
        }
    );
    let classless = json!({"metadata": {"name": "data"}, "spec": {}});
    assert_eq!(
        storage::allowed(&classless, None, &[])
            .snapshot
            .unwrap_err(),
        Blocked::NoClass {
            claim: "data".into()
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_grows_through_resizing_and_bad_sizes_change_nothing() {
    let server = server().await;
    let client = sim::client(&server, None);
    let before = claim(&server, "ml-team", "datasets").unwrap();

    for (size, says) in [
        (
            "lots",
            "\"lots\" is not a size: write it as a quantity such as 750Gi or 2Ti",
        ),
        (
            "100Gi",
            "volume datasets has 500Gi; a volume only grows: give more than 500Gi",
        ),
        (
            "500Gi",
            "volume datasets has 500Gi; a volume only grows: give more than 500Gi",
        ),
    ] {
        let refused = storage::expand(&client, "ml-team", "datasets", size)
            .await
            .unwrap_err();
        assert!(matches!(refused, StorageError::Invalid(_)), "{refused:?}");
        assert_eq!(refused.to_string(), says);
    }
    let refused = storage::expand(&client, "inference", "model-cache", "300Gi")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::Blocked(Blocked::NoExpansion { .. })),
        "{refused:?}"
    );
    assert_eq!(
        claim(&server, "ml-team", "datasets").unwrap()["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"],
        "nothing changed"
    );

    // No pod mounts it: the resizer grows the volume, and the file system waits for a pod.
    storage::expand(&client, "ml-team", "datasets", "750Gi")
        .await
        .unwrap();
    let grown = eventually("the file system resize to wait for a pod", || {
        claim(&server, "ml-team", "datasets").filter(|claim| {
            claim["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|condition| condition["type"] == "FileSystemResizePending")
        })
    })
    .await;
    assert_eq!(text(&grown, "/spec/resources/requests/storage"), "750Gi");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_is_cloned_snapshotted_and_restored() {
    let server = server().await;
    let client = sim::client(&server, None);

    // A clone: same class, modes and size, the source as its data source.
    storage::clone(&client, "ml-team", "datasets", "datasets-copy")
        .await
        .unwrap();
    let copy = claim(&server, "ml-team", "datasets-copy").unwrap();
    assert_eq!(text(&copy, "/spec/storageClassName"), "fast-ssd");
    assert_eq!(text(&copy, "/spec/resources/requests/storage"), "500Gi");
    assert_eq!(
        copy["spec"]["dataSource"],
        json!({"kind": "PersistentVolumeClaim", "name": "datasets"})
    );
    let refused = storage::clone(&client, "inference", "model-cache", "cache-copy")
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        StorageError::Blocked(Blocked::NoClone { .. })
    ));
    assert!(claim(&server, "inference", "cache-copy").is_none());

    // A snapshot class of another driver is refused, naming the one that would do.
    server
        .cluster()
        .create(
            "snapshot.storage.k8s.io",
            "volumesnapshotclasses",
            "",
            json!({"metadata": {"name": "nfs"}, "driver": "nfs.csi.k8s.io", "deletionPolicy": "Delete"}),
        )
        .unwrap();
    let refused = storage::snapshot(&client, "ml-team", "datasets", "wrong", "nfs")
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "snapshot class nfs does not use csi.example.com, the driver of volume datasets; choose one of: fast-ssd"
    );

    // A snapshot becomes ready; restored, it is a new volume of its size and class.
    storage::snapshot(
        &client,
        "ml-team",
        "datasets",
        "before-training",
        "fast-ssd",
    )
    .await
    .unwrap();
    let ready = |name: &str| {
        server
            .cluster()
            .store
            .get("snapshot.storage.k8s.io/volumesnapshots", "ml-team", name)
            .filter(|snapshot| snapshot.pointer("/status/readyToUse") == Some(&json!(true)))
    };
    let snapshot = eventually("the snapshot to be ready", || ready("before-training")).await;
    storage::restore(&client, "ml-team", "before-training", "restored")
        .await
        .unwrap();
    let restored = claim(&server, "ml-team", "restored").unwrap();
    assert_eq!(text(&restored, "/spec/storageClassName"), "fast-ssd");
    assert_eq!(
        text(&restored, "/spec/resources/requests/storage"),
        text(&snapshot, "/status/restoreSize")
    );
    assert_eq!(
        restored["spec"]["dataSource"],
        json!({"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "before-training"})
    );
    // A snapshot that cannot become ready (its volume waits for a consumer) is not restored.
    server
        .cluster()
        .create(
            "snapshot.storage.k8s.io",
            "volumesnapshots",
            "research",
            json!({"metadata": {"name": "early"}, "spec": {"volumeSnapshotClassName": "fast-ssd", "source": {"persistentVolumeClaimName": "scratch"}}}),
        )
        .unwrap();
    let refused = storage::restore(&client, "research", "early", "from-early")
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "snapshot early is not ready to use yet; restore it once it is"
    );
    assert!(claim(&server, "research", "from-early").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pods_that_mount_a_volume_are_named() {
    let server = server().await;
    let client = sim::client(&server, None);
    assert!(
        storage::users(&client, "ml-team", "datasets")
            .await
            .unwrap()
            .is_empty()
    );
    server
        .cluster()
        .create(
            "",
            "pods",
            "ml-team",
            json!({"metadata": {"name": "reader"},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}],
                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "datasets"}}]}}),
        )
        .unwrap();
    assert_eq!(
        storage::users(&client, "ml-team", "datasets")
            .await
            .unwrap(),
        ["reader"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_class_is_the_default_at_a_time() {
    let server = server().await;
    let client = sim::client(&server, None);
    let class = |name: &str| {
        server
            .cluster()
            .store
            .get("storage.k8s.io/storageclasses", "", name)
            .unwrap()
    };
    assert!(storage::is_default(&class("fast-ssd")));
    storage::make_default(&client, "archive-hdd").await.unwrap();
    let (archive, fast) = (class("archive-hdd"), class("fast-ssd"));
    assert!(storage::is_default(&archive));
    assert!(!storage::is_default(&fast));
    for key in [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ] {
        assert_eq!(archive["metadata"]["annotations"][key], "true");
        assert_eq!(fast["metadata"]["annotations"][key], "false");
    }
    let again = storage::make_default(&client, "archive-hdd")
        .await
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "storage class archive-hdd is the default already"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_s_switches_decide_what_its_volumes_may_do() {
    let server = server().await;
    let client = sim::client(&server, None);
    storage::set_switches(
        &client,
        "archive-hdd",
        storage::Switches {
            clone: true,
            snapshot: true,
            expansion: true,
        },
    )
    .await
    .unwrap();
    let class = server
        .cluster()
        .store
        .get("storage.k8s.io/storageclasses", "", "archive-hdd")
        .unwrap();
    assert_eq!(
        class["metadata"]["annotations"][storage::ALLOW_CLONE],
        "true"
    );
    assert_eq!(class["allowVolumeExpansion"], true);
    let (_, allowed) = storage::capabilities(&client, "inference", "model-cache")
        .await
        .unwrap();
    assert_eq!((&allowed.expand, &allowed.clone), (&Ok(()), &Ok(())));
    // Switched on, snapshots still need a snapshot class of the class's driver.
    assert_eq!(
        allowed.snapshot.unwrap_err(),
        Blocked::NoSnapshotClass {
            class: "archive-hdd".into(),
            driver: "nfs.csi.k8s.io".into()
        }
    );
}
