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

use kubedesk_cluster::actions::ObjectRef;
use kubedesk_cluster::detail::{self, Detail};
use kubedesk_cluster::resources::Resource;
use kubedesk_cluster::storage::create::{
    self, Field, FormError, NewClass, NewVolume, SourceChoice, VolumeSettings, VolumeSource,
};
use kubedesk_cluster::storage::{self, Blocked, StorageError};
use kubedesk_cluster::tables::Kind;
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
    // Its page lists them, live: another pod of the namespace is not one.
    let resource = Resource {
        group: String::new(),
        version: "v1".into(),
        kind: "PersistentVolumeClaim".into(),
        plural: "persistentvolumeclaims".into(),
        namespaced: true,
    };
    let page = detail::follow(
        &client,
        ObjectRef {
            resource,
            namespace: Some("ml-team".into()),
            name: "datasets".into(),
        },
    );
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
    let mut changes = page.changes();
    let mounting = |detail: &Detail| -> Vec<String> {
        detail
            .related
            .iter()
            .filter(|related| related.kind == Kind::Pods)
            .flat_map(|related| related.rows.iter().map(|row| row.name.clone()))
            .collect()
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while mounting(&changes.borrow_and_update()) != ["reader"] {
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the page lists reader: {:?}", page.changes().borrow()));
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
    let class = || {
        server
            .cluster()
            .store
            .get("storage.k8s.io/storageclasses", "", "archive-hdd")
            .unwrap()
    };
    let switches = storage::Switches {
        clone: true,
        snapshot: true,
        expansion: true,
    };
    let none = storage::set_switches(&client, "archive-hdd", switches, &[])
        .await
        .unwrap_err();
    assert_eq!(
        none.to_string(),
        "choose at least one access mode its volumes may have"
    );
    assert_eq!(class()["allowVolumeExpansion"], false, "nothing changed");

    // Snapshots switched on for a driver without a snapshot class make one, as KubeSphere does.
    let made = storage::set_switches(
        &client,
        "archive-hdd",
        switches,
        &["ReadWriteMany".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(made.as_deref(), Some("archive-hdd"));
    let class = class();
    let annotations = &class["metadata"]["annotations"];
    assert_eq!(annotations[storage::ALLOW_CLONE], "true");
    assert_eq!(annotations[storage::ALLOW_SNAPSHOT], "true");
    assert_eq!(annotations[storage::ACCESS_MODES], r#"["ReadWriteMany"]"#);
    assert_eq!(class["allowVolumeExpansion"], true);
    let snapshot_class = server
        .cluster()
        .store
        .get(
            "snapshot.storage.k8s.io/volumesnapshotclasses",
            "",
            "archive-hdd",
        )
        .unwrap();
    assert_eq!(snapshot_class["driver"], "nfs.csi.k8s.io");
    assert_eq!(snapshot_class["deletionPolicy"], "Delete");
    let (_, allowed) = storage::capabilities(&client, "inference", "model-cache")
        .await
        .unwrap();
    assert_eq!(
        (&allowed.expand, &allowed.clone, &allowed.snapshot),
        (&Ok(()), &Ok(()), &Ok(()))
    );
    assert_eq!(allowed.access_modes.unwrap(), ["ReadWriteMany"]);
    // Switched again, the driver has its snapshot class: none is made twice.
    let again = storage::set_switches(
        &client,
        "archive-hdd",
        switches,
        &["ReadWriteMany".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(again, None);
}

fn volume(name: &str, size: &str, class: Option<&str>, source: VolumeSource) -> NewVolume {
    NewVolume {
        name: name.to_owned(),
        size: size.to_owned(),
        class: class.map(str::to_owned),
        access_mode: "ReadWriteOnce".to_owned(),
        source,
    }
}

/// The input a form error names, and its message.
fn refused(error: FormError) -> (Field, String) {
    match error {
        FormError::Field { field, message } => (field, message),
        FormError::Server(message) => panic!("not a field's error: {message}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_is_made_from_a_form_empty_from_a_snapshot_or_as_a_clone() {
    let server = server().await;
    let client = sim::client(&server, None);
    eventually("the demo snapshot is ready", || {
        let snapshot = server.cluster().store.get(
            "snapshot.storage.k8s.io/volumesnapshots",
            "ml-team",
            "datasets-2026-11-20",
        )?;
        (snapshot.pointer("/status/readyToUse") == Some(&json!(true))).then_some(())
    })
    .await;

    // What the form offers: every class with its modes, ready snapshots, volumes that clone.
    let choices = create::volume_choices(&client, "ml-team").await.unwrap();
    let fast = choices
        .classes
        .iter()
        .find(|class| class.name == "fast-ssd")
        .unwrap();
    assert!(fast.default);
    assert_eq!(fast.access_modes, ["ReadWriteOnce"]);
    let archive = choices
        .classes
        .iter()
        .find(|class| class.name == "archive-hdd")
        .unwrap();
    assert!(!archive.default);
    assert_eq!(archive.provisioner, "nfs.csi.k8s.io");
    assert_eq!(
        choices.snapshots,
        [SourceChoice {
            name: "datasets-2026-11-20".into(),
            size: "500Gi".into(),
            class: "fast-ssd".into()
        }]
    );
    assert_eq!(
        choices.volumes,
        [SourceChoice {
            name: "datasets".into(),
            size: "500Gi".into(),
            class: "fast-ssd".into()
        }]
    );

    // Empty, in the default class: the manifest carries it, and it waits for its first consumer.
    let made = create::create_volume(
        &client,
        "ml-team",
        &volume("scratch-1", "20Gi", None, VolumeSource::Empty),
    )
    .await
    .unwrap();
    assert_eq!(text(&made, "/spec/storageClassName"), "fast-ssd");
    assert_eq!(made["spec"]["accessModes"], json!(["ReadWriteOnce"]));
    assert_eq!(made["spec"]["resources"]["requests"]["storage"], "20Gi");
    assert_eq!(made["spec"]["dataSource"], Value::Null);
    // In an Immediate class it binds at once.
    let mut shared = volume("shared", "1Ti", Some("archive-hdd"), VolumeSource::Empty);
    shared.access_mode = "ReadWriteMany".into();
    create::create_volume(&client, "ml-team", &shared)
        .await
        .unwrap();
    eventually("the shared volume binds", || {
        let claim = claim(&server, "ml-team", "shared")?;
        (text(&claim, "/status/phase") == "Bound").then_some(())
    })
    .await;

    // From the snapshot, and as a clone: each with its source as the data source.
    let restored = create::create_volume(
        &client,
        "ml-team",
        &volume(
            "from-snapshot",
            "600Gi",
            Some("fast-ssd"),
            VolumeSource::Snapshot("datasets-2026-11-20".into()),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        restored["spec"]["dataSource"],
        json!({"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "datasets-2026-11-20"})
    );
    let cloned = create::create_volume(
        &client,
        "ml-team",
        &volume(
            "copy",
            "500Gi",
            Some("fast-ssd"),
            VolumeSource::Clone("datasets".into()),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        cloned["spec"]["dataSource"],
        json!({"kind": "PersistentVolumeClaim", "name": "datasets"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_form_names_the_input_that_is_wrong_and_makes_nothing() {
    let server = server().await;
    let client = sim::client(&server, None);
    let ready = || {
        let snapshot = server.cluster().store.get(
            "snapshot.storage.k8s.io/volumesnapshots",
            "ml-team",
            "datasets-2026-11-20",
        )?;
        (snapshot.pointer("/status/readyToUse") == Some(&json!(true))).then_some(())
    };
    eventually("the demo snapshot is ready", ready).await;
    let mut read_only = volume("ro", "10Gi", Some("fast-ssd"), VolumeSource::Empty);
    read_only.access_mode = "ReadOnlyMany".into();
    let mut unknown_mode = volume("odd", "10Gi", None, VolumeSource::Empty);
    unknown_mode.access_mode = "ReadSometimes".into();
    let cases = [
        (
            volume("Data_1", "10Gi", None, VolumeSource::Empty),
            Field::Name,
            "\"Data_1\" is not a valid name",
        ),
        (
            volume("data", "lots", None, VolumeSource::Empty),
            Field::Size,
            "\"lots\" is not a size: write it as a quantity such as 10Gi or 2Ti",
        ),
        (
            volume("data", "10Gi", Some("gold"), VolumeSource::Empty),
            Field::Class,
            "storage class gold does not exist; choose one of: ",
        ),
        (
            read_only,
            Field::AccessMode,
            "storage class fast-ssd supports ReadWriteOnce (storageclass.kubesphere.io/supported-access-modes); choose one of them",
        ),
        (
            unknown_mode,
            Field::AccessMode,
            "\"ReadSometimes\" is not an access mode",
        ),
        (
            volume(
                "data",
                "100Gi",
                Some("fast-ssd"),
                VolumeSource::Clone("datasets".into()),
            ),
            Field::Size,
            "volume datasets has 500Gi; its clone needs at least 500Gi",
        ),
        (
            volume(
                "data",
                "500Gi",
                Some("archive-hdd"),
                VolumeSource::Clone("datasets".into()),
            ),
            Field::Class,
            "a clone is made in its source's storage class: choose fast-ssd",
        ),
        (
            volume(
                "data",
                "200Gi",
                Some("archive-hdd"),
                VolumeSource::Clone("model-cache".into()),
            ),
            Field::Source,
            "volume model-cache does not exist in ml-team",
        ),
        (
            volume(
                "data",
                "100Gi",
                Some("fast-ssd"),
                VolumeSource::Snapshot("datasets-2026-11-20".into()),
            ),
            Field::Size,
            "snapshot datasets-2026-11-20 holds 500Gi; the volume needs at least 500Gi",
        ),
        (
            volume(
                "data",
                "500Gi",
                Some("archive-hdd"),
                VolumeSource::Snapshot("datasets-2026-11-20".into()),
            ),
            Field::Class,
            "snapshot datasets-2026-11-20 was taken by driver csi.example.com, but storage class archive-hdd is provisioned by nfs.csi.k8s.io",
        ),
        (
            volume(
                "data",
                "500Gi",
                None,
                VolumeSource::Snapshot("last-week".into()),
            ),
            Field::Source,
            "volume snapshot last-week does not exist in ml-team",
        ),
    ];
    for (form, field, said) in cases {
        let (found, message) = refused(
            create::create_volume(&client, "ml-team", &form)
                .await
                .unwrap_err(),
        );
        assert_eq!(found, field, "{form:?}: {message}");
        assert!(message.contains(said), "{form:?}: {message}");
    }
    // A class that does not allow clones is named on its volume.
    let (found, message) = refused(
        create::create_volume(
            &client,
            "inference",
            &volume(
                "copy",
                "200Gi",
                Some("archive-hdd"),
                VolumeSource::Clone("model-cache".into()),
            ),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(found, Field::Source);
    assert_eq!(
        message,
        "volume model-cache cannot be cloned: storage class archive-hdd does not allow clones (storageclass.kubesphere.io/allow-clone is not \"true\")"
    );
    assert!(claim(&server, "ml-team", "data").is_none());
    assert!(claim(&server, "inference", "copy").is_none());
    // A name taken is the server's refusal, said as it says it.
    let taken = create::create_volume(
        &client,
        "ml-team",
        &volume("datasets", "10Gi", None, VolumeSource::Empty),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&taken, FormError::Server(message) if message.contains("\"datasets\" already exists")),
        "{taken:?}"
    );
}

fn class_form(name: &str) -> NewClass {
    NewClass {
        name: name.to_owned(),
        provisioner: "rancher.io/local-path".to_owned(),
        reclaim_policy: "Retain".to_owned(),
        binding_mode: "WaitForFirstConsumer".to_owned(),
        parameters: "nodePath=/data\n\nfsType = xfs\n".to_owned(),
        access_modes: vec!["ReadWriteOnce".to_owned(), "ReadWriteOncePod".to_owned()],
        switches: storage::Switches {
            clone: false,
            snapshot: true,
            expansion: true,
        },
        default: true,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storage_class_is_made_from_a_form_with_its_binding_mode_where_kubernetes_reads_it() {
    let server = server().await;
    let client = sim::client(&server, None);
    let made = create::create_class(&client, &class_form("local"))
        .await
        .unwrap();
    // Snapshots allowed for a driver without a snapshot class: one is made, named after it.
    assert_eq!(made.snapshot_class.as_deref(), Some("local"));
    let class = |name: &str| {
        server
            .cluster()
            .store
            .get("storage.k8s.io/storageclasses", "", name)
            .unwrap()
    };
    let local = class("local");
    assert_eq!(local["volumeBindingMode"], "WaitForFirstConsumer");
    assert_eq!(local["metadata"].get("VolumeBindingMode"), None);
    assert_eq!(local["reclaimPolicy"], "Retain");
    assert_eq!(local["provisioner"], "rancher.io/local-path");
    assert_eq!(
        local["parameters"],
        json!({"nodePath": "/data", "fsType": "xfs"})
    );
    assert_eq!(local["allowVolumeExpansion"], true);
    let annotations = &local["metadata"]["annotations"];
    assert_eq!(annotations[storage::ALLOW_CLONE], "false");
    assert_eq!(annotations[storage::ALLOW_SNAPSHOT], "true");
    assert_eq!(
        annotations[storage::ACCESS_MODES],
        r#"["ReadWriteOnce","ReadWriteOncePod"]"#
    );
    // It is the default now, and the only one.
    assert!(storage::is_default(&local));
    assert!(!storage::is_default(&class("fast-ssd")));

    // A volume in it waits for its first consumer, as the binding mode says.
    create::create_volume(
        &client,
        "ml-team",
        &volume("node-local", "5Gi", None, VolumeSource::Empty),
    )
    .await
    .unwrap();
    eventually("the volume waits for its first consumer", || {
        let claim = claim(&server, "ml-team", "node-local")?;
        (text(&claim, "/spec/storageClassName") == "local"
            && text(&claim, "/status/phase") == "Pending")
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storage_class_form_names_the_input_that_is_wrong_and_makes_nothing() {
    let server = server().await;
    let client = sim::client(&server, None);
    let with = |change: fn(&mut NewClass)| {
        let mut form = class_form("local");
        change(&mut form);
        form
    };
    let cases = [
        (
            with(|form| form.name = "Local".into()),
            Field::Name,
            "\"Local\" is not a valid name",
        ),
        (
            with(|form| form.provisioner = "local path".into()),
            Field::Provisioner,
            "\"local path\" is not a provisioner's name",
        ),
        (
            with(|form| form.reclaim_policy = "Recycle".into()),
            Field::ReclaimPolicy,
            "\"Recycle\" is not a reclaim policy; choose Delete or Retain",
        ),
        (
            with(|form| form.binding_mode = "Later".into()),
            Field::BindingMode,
            "\"Later\" is not a binding mode; choose Immediate or WaitForFirstConsumer",
        ),
        (
            with(|form| form.parameters = "type=ssd\niops".into()),
            Field::Parameters,
            "line 2, \"iops\", is not a parameter: write one per line as key=value",
        ),
        (
            with(|form| form.access_modes.clear()),
            Field::AccessMode,
            "choose at least one access mode",
        ),
    ];
    for (form, field, said) in cases {
        let (found, message) = refused(create::create_class(&client, &form).await.unwrap_err());
        assert_eq!(found, field, "{form:?}: {message}");
        assert!(message.contains(said), "{form:?}: {message}");
    }
    let store = &server.cluster().store;
    assert!(
        store
            .get("storage.k8s.io/storageclasses", "", "local")
            .is_none()
    );
    assert!(
        store
            .get("snapshot.storage.k8s.io/volumesnapshotclasses", "", "local")
            .is_none()
    );
    let default = store
        .get("storage.k8s.io/storageclasses", "", "fast-ssd")
        .unwrap();
    assert!(
        storage::is_default(&default),
        "the default is still the default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persistent_volume_s_reclaim_policy_and_labels_are_set_from_a_form() {
    let server = server().await;
    let client = sim::client(&server, None);
    let volume_name = text(
        &claim(&server, "ml-team", "datasets").unwrap(),
        "/spec/volumeName",
    )
    .to_owned();
    let volume = || {
        server
            .cluster()
            .store
            .get("/persistentvolumes", "", &volume_name)
            .unwrap()
    };
    let before = volume();
    assert_eq!(before["spec"]["persistentVolumeReclaimPolicy"], "Delete");
    create::set_volume_settings(
        &client,
        &volume_name,
        &VolumeSettings {
            reclaim_policy: "Retain".into(),
            labels: "tier=gold\nteam = ml".into(),
        },
    )
    .await
    .unwrap();
    let after = volume();
    assert_eq!(after["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(
        after["metadata"]["labels"],
        json!({"tier": "gold", "team": "ml"})
    );
    // A label left out is removed.
    create::set_volume_settings(
        &client,
        &volume_name,
        &VolumeSettings {
            reclaim_policy: "Retain".into(),
            labels: "tier=gold".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(volume()["metadata"]["labels"], json!({"tier": "gold"}));
    for (settings, field, said) in [
        (
            VolumeSettings {
                reclaim_policy: "Keep".into(),
                labels: String::new(),
            },
            Field::ReclaimPolicy,
            "\"Keep\" is not a reclaim policy",
        ),
        (
            VolumeSettings {
                reclaim_policy: "Delete".into(),
                labels: "tier gold".into(),
            },
            Field::Labels,
            "line 1, \"tier gold\", is not a label",
        ),
    ] {
        let (found, message) = refused(
            create::set_volume_settings(&client, &volume_name, &settings)
                .await
                .unwrap_err(),
        );
        assert_eq!((found, message.contains(said)), (field, true), "{message}");
    }
    let unchanged = volume();
    assert_eq!(unchanged["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(unchanged["metadata"]["labels"], json!({"tier": "gold"}));
}
