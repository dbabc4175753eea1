//! Volumes (PersistentVolumeClaims) and what their storage class allows: expand, clone, snapshot
//! (with a snapshot class of the class's driver), restore a snapshot into a new volume, and the
//! pods that mount a volume. What is allowed follows KubeSphere's rules (reference/kubesphere.md,
//! §2): `allowVolumeExpansion`; the `storageclass.kubesphere.io/allow-clone` and `allow-snapshot`
//! annotations, which allow only when they are the string "true"; a VolumeSnapshotClass whose
//! driver is the class's provisioner. A blocked action says which of these stops it.

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch};
use serde_json::{Value, json};

use crate::actions::{patch_params, post_params};
use crate::health::parse_quantity;

pub mod create;

/// The annotation that allows cloning a class's volumes.
pub const ALLOW_CLONE: &str = "storageclass.kubesphere.io/allow-clone";
/// The annotation that allows snapshots of a class's volumes.
pub const ALLOW_SNAPSHOT: &str = "storageclass.kubesphere.io/allow-snapshot";
/// The annotation that lists the access modes a class's volumes may have (a JSON array).
pub const ACCESS_MODES: &str = "storageclass.kubesphere.io/supported-access-modes";

/// Why an action on a volume cannot be taken: what stops it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// The volume names no storage class.
    #[error("volume {claim} has no storage class")]
    NoClass {
        /// The volume.
        claim: String,
    },
    /// Its class does not exist.
    #[error("storage class {class} does not exist")]
    ClassMissing {
        /// The class.
        class: String,
    },
    /// Its class does not allow expansion.
    #[error("storage class {class} does not allow expansion (allowVolumeExpansion is not true)")]
    NoExpansion {
        /// The class.
        class: String,
    },
    /// Its class does not allow clones.
    #[error("storage class {class} does not allow clones ({ALLOW_CLONE} is not \"true\")")]
    NoClone {
        /// The class.
        class: String,
    },
    /// Its class does not allow snapshots.
    #[error("storage class {class} does not allow snapshots ({ALLOW_SNAPSHOT} is not \"true\")")]
    NoSnapshot {
        /// The class.
        class: String,
    },
    /// No snapshot class uses its class's driver.
    #[error(
        "no volume snapshot class uses driver {driver}, which provisions storage class {class}"
    )]
    NoSnapshotClass {
        /// The class.
        class: String,
        /// Its provisioner.
        driver: String,
    },
    /// The volume has no storage yet to copy.
    #[error("volume {claim} is not bound to storage yet")]
    NotBound {
        /// The volume.
        claim: String,
    },
}

/// What a volume's class allows, each action with what stops it when it is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Expanding it.
    pub expand: Result<(), Blocked>,
    /// Cloning it.
    pub clone: Result<(), Blocked>,
    /// Taking a snapshot of it.
    pub snapshot: Result<(), Blocked>,
    /// Its class's provisioner, the driver its snapshots and clones need (empty without a class).
    pub driver: String,
    /// The snapshot classes that may take its snapshots (their driver is its class's provisioner).
    pub snapshot_classes: Vec<String>,
    /// The access modes its class supports, when the class says (`supported-access-modes`).
    pub access_modes: Option<Vec<String>>,
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether a KubeSphere switch annotation allows: only the string "true" does.
fn switched_on(class: &Value, annotation: &str) -> bool {
    class
        .pointer("/metadata/annotations")
        .and_then(|annotations| annotations.get(annotation))
        .and_then(Value::as_str)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// What `class` (the volume's, if it exists) and the cluster's `snapshot_classes` allow on
/// `claim`. Objects as JSON, as the API serves them.
pub fn allowed(claim: &Value, class: Option<&Value>, snapshot_classes: &[Value]) -> Allowed {
    let name = text(claim, "/metadata/name").to_owned();
    let class_name = text(claim, "/spec/storageClassName").to_owned();
    let Some(class) = class.filter(|_| !class_name.is_empty()) else {
        let blocked = if class_name.is_empty() {
            Blocked::NoClass { claim: name }
        } else {
            Blocked::ClassMissing { class: class_name }
        };
        return Allowed {
            expand: Err(blocked.clone()),
            clone: Err(blocked.clone()),
            snapshot: Err(blocked),
            driver: String::new(),
            snapshot_classes: Vec::new(),
            access_modes: None,
        };
    };
    let driver = text(class, "/provisioner").to_owned();
    let usable: Vec<String> = snapshot_classes
        .iter()
        .filter(|snapshot_class| text(snapshot_class, "/driver") == driver)
        .map(|snapshot_class| text(snapshot_class, "/metadata/name").to_owned())
        .collect();
    let bound = text(claim, "/status/phase") == "Bound";
    let expand = if class["allowVolumeExpansion"] == true {
        Ok(())
    } else {
        Err(Blocked::NoExpansion {
            class: class_name.clone(),
        })
    };
    let clone = if !switched_on(class, ALLOW_CLONE) {
        Err(Blocked::NoClone {
            class: class_name.clone(),
        })
    } else if !bound {
        Err(Blocked::NotBound {
            claim: name.clone(),
        })
    } else {
        Ok(())
    };
    let snapshot = if !switched_on(class, ALLOW_SNAPSHOT) {
        Err(Blocked::NoSnapshot {
            class: class_name.clone(),
        })
    } else if usable.is_empty() {
        Err(Blocked::NoSnapshotClass {
            class: class_name,
            driver: driver.clone(),
        })
    } else if !bound {
        Err(Blocked::NotBound { claim: name })
    } else {
        Ok(())
    };
    let access_modes = class
        .pointer("/metadata/annotations")
        .and_then(|annotations| annotations.get(ACCESS_MODES))
        .and_then(Value::as_str)
        .and_then(|modes| serde_json::from_str(modes).ok());
    Allowed {
        expand,
        clone,
        snapshot,
        driver,
        snapshot_classes: usable,
        access_modes,
    }
}

/// Why a volume action was not done.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The volume's class does not allow it.
    #[error("{0}")]
    Blocked(#[from] Blocked),
    /// What the user gave cannot be used: why, and what would do.
    #[error("{0}")]
    Invalid(String),
    /// The server refused or failed: its message.
    #[error("{0}")]
    Server(String),
}

impl From<kube::Error> for StorageError {
    fn from(error: kube::Error) -> Self {
        Self::Server(crate::health::message(&error))
    }
}

fn json_of<K: serde::Serialize>(object: &K) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

fn snapshot_resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "snapshot.storage.k8s.io".into(),
        version: "v1".into(),
        api_version: "snapshot.storage.k8s.io/v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

/// The volume snapshots of `namespace`.
fn snapshots(client: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        namespace,
        &snapshot_resource("VolumeSnapshot", "volumesnapshots"),
    )
}

/// The volume `namespace`/`name` as the server has it, and what its class allows.
pub async fn capabilities(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<(Value, Allowed), StorageError> {
    let claim = json_of(
        &Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
            .get(name)
            .await?,
    );
    let class_name = text(&claim, "/spec/storageClassName");
    let class = if class_name.is_empty() {
        None
    } else {
        Api::<StorageClass>::all(client.clone())
            .get_opt(class_name)
            .await?
            .map(|class| json_of(&class))
    };
    let allowed = allowed(&claim, class.as_ref(), &snapshot_classes(client).await);
    Ok((claim, allowed))
}

/// The cluster's volume snapshot classes; none on a cluster without the snapshot API.
async fn snapshot_classes(client: &kube::Client) -> Vec<Value> {
    Api::<DynamicObject>::all_with(
        client.clone(),
        &snapshot_resource("VolumeSnapshotClass", "volumesnapshotclasses"),
    )
    .list(&ListParams::default())
    .await
    .map(|list| list.items.iter().map(json_of).collect())
    .unwrap_or_default()
}

/// The volume's size: what it has, else what it asks for.
fn size(claim: &Value) -> &str {
    Some(text(claim, "/status/capacity/storage"))
        .filter(|size| !size.is_empty())
        .unwrap_or_else(|| text(claim, "/spec/resources/requests/storage"))
}

/// Grows the volume to `size` (`750Gi`); it passes `Resizing` and, until a pod mounts it again,
/// `FileSystemResizePending`.
pub async fn expand(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    size_asked: &str,
) -> Result<(), StorageError> {
    let wanted = parse_quantity(size_asked).filter(|_| !size_asked.trim().is_empty());
    let Some(wanted) = wanted else {
        return Err(StorageError::Invalid(format!(
            "\"{size_asked}\" is not a size: write it as a quantity such as 750Gi or 2Ti"
        )));
    };
    let (claim, allowed) = capabilities(client, namespace, name).await?;
    allowed.expand?;
    let current = size(&claim);
    if parse_quantity(current).is_some_and(|current| wanted <= current) {
        return Err(StorageError::Invalid(format!(
            "volume {name} has {current}; a volume only grows: give more than {current}"
        )));
    }
    let patch = json!({"spec": {"resources": {"requests": {"storage": size_asked.trim()}}}});
    Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .patch(name, &patch_params(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// A new volume `clone` with a copy of `source`'s data: its class, access modes and size, and the
/// source as its `dataSource` (KubeSphere's clone).
pub async fn clone(
    client: &kube::Client,
    namespace: &str,
    source: &str,
    clone: &str,
) -> Result<(), StorageError> {
    let (claim, allowed) = capabilities(client, namespace, source).await?;
    allowed.clone?;
    let mut created = create::claim_manifest(
        namespace,
        clone,
        access_modes(&claim),
        size(&claim),
        text(&claim, "/spec/storageClassName"),
        Some(json!({"kind": "PersistentVolumeClaim", "name": source})),
    );
    if let Some(mode) = claim.pointer("/spec/volumeMode") {
        created["spec"]["volumeMode"] = mode.clone();
    }
    create_claim(client, namespace, created).await
}

/// A volume's access modes, as a copy of it takes them.
fn access_modes(claim: &Value) -> Value {
    claim
        .pointer("/spec/accessModes")
        .cloned()
        .unwrap_or_else(|| json!(["ReadWriteOnce"]))
}

async fn create_claim(
    client: &kube::Client,
    namespace: &str,
    claim: Value,
) -> Result<(), StorageError> {
    let claim: PersistentVolumeClaim =
        serde_json::from_value(claim).map_err(|error| StorageError::Invalid(error.to_string()))?;
    Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .create(&post_params(), &claim)
        .await?;
    Ok(())
}

/// A snapshot `snapshot` of volume `claim`, taken with `snapshot_class`, which must use the
/// driver of the volume's class.
pub async fn snapshot(
    client: &kube::Client,
    namespace: &str,
    claim: &str,
    snapshot: &str,
    snapshot_class: &str,
) -> Result<(), StorageError> {
    let (_, allowed) = capabilities(client, namespace, claim).await?;
    allowed.snapshot?;
    if !allowed
        .snapshot_classes
        .iter()
        .any(|usable| usable == snapshot_class)
    {
        return Err(StorageError::Invalid(format!(
            "snapshot class {snapshot_class} does not use {}, the driver of volume {claim}; choose one of: {}",
            allowed.driver,
            allowed.snapshot_classes.join(", ")
        )));
    }
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "snapshot.storage.k8s.io/v1",
        "kind": "VolumeSnapshot",
        "metadata": {"name": snapshot, "namespace": namespace},
        "spec": {"volumeSnapshotClassName": snapshot_class, "source": {"persistentVolumeClaimName": claim}},
    }))
    .map_err(|error| StorageError::Invalid(error.to_string()))?;
    snapshots(client, namespace)
        .create(&post_params(), &object)
        .await?;
    Ok(())
}

/// A new volume `volume` with the data of snapshot `snapshot`, in the class and access modes of the
/// volume the snapshot was taken of, as large as the snapshot says.
pub async fn restore(
    client: &kube::Client,
    namespace: &str,
    snapshot: &str,
    volume: &str,
) -> Result<(), StorageError> {
    let found = snapshots(client, namespace).get(snapshot).await?;
    let found = json_of(&found);
    if found.pointer("/status/readyToUse") != Some(&Value::Bool(true)) {
        return Err(StorageError::Invalid(format!(
            "snapshot {snapshot} is not ready to use yet; restore it once it is"
        )));
    }
    let source = text(&found, "/spec/source/persistentVolumeClaimName");
    let source = Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .get_opt(source)
        .await?
        .map(|claim| json_of(&claim))
        .unwrap_or_default();
    let size = Some(text(&found, "/status/restoreSize"))
        .filter(|size| !size.is_empty())
        .unwrap_or_else(|| size(&source));
    let created = create::claim_manifest(
        namespace,
        volume,
        access_modes(&source),
        size,
        text(&source, "/spec/storageClassName"),
        Some(
            json!({"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": snapshot}),
        ),
    );
    create_claim(client, namespace, created).await
}

/// The claim (`namespace/name`) persistent volume `name` is bound to, if any.
pub async fn claim_of(client: &kube::Client, name: &str) -> Result<Option<String>, StorageError> {
    let volume = Api::<k8s_openapi::api::core::v1::PersistentVolume>::all(client.clone())
        .get(name)
        .await?;
    let bound = volume.status.and_then(|status| status.phase).as_deref() == Some("Bound");
    Ok(volume
        .spec
        .and_then(|spec| spec.claim_ref)
        .filter(|_| bound)
        .map(|claim| {
            format!(
                "{}/{}",
                claim.namespace.unwrap_or_default(),
                claim.name.unwrap_or_default()
            )
        }))
}

/// KubeSphere's volume management switches of a storage class: what its volumes may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    /// Cloning (the `allow-clone` annotation).
    pub clone: bool,
    /// Snapshots (the `allow-snapshot` annotation).
    pub snapshot: bool,
    /// Expansion (`allowVolumeExpansion`).
    pub expansion: bool,
}

/// Sets storage class `name`'s switches and the access modes its volumes may have, as
/// KubeSphere's console does: the two switch annotations as the strings "true" or "false", the
/// modes as a JSON array in `supported-access-modes`, `allowVolumeExpansion` as a boolean, in one
/// merge patch. Snapshots switched on for a driver no snapshot class uses get one named after the
/// class, as KubeSphere's controller makes it; answers its name when it made one.
pub async fn set_switches(
    client: &kube::Client,
    name: &str,
    switches: Switches,
    access_modes: &[String],
) -> Result<Option<String>, create::FormError> {
    if access_modes.is_empty() {
        return Err(create::FormError::Field {
            field: create::Field::AccessMode,
            message: "choose at least one access mode its volumes may have".to_owned(),
        });
    }
    let patch = json!({
        "metadata": {"annotations": create::switch_annotations(switches, access_modes)},
        "allowVolumeExpansion": switches.expansion,
    });
    let class = Api::<StorageClass>::all(client.clone())
        .patch(name, &patch_params(), &Patch::Merge(&patch))
        .await?;
    if !switches.snapshot {
        return Ok(None);
    }
    create::snapshot_class_for(client, name, &class.provisioner).await
}

/// The annotations that make a storage class the default, the current one and the beta one
/// older clients read.
const DEFAULT_CLASS: [&str; 2] = [
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];

/// Whether `class` (as JSON) is marked the default.
pub fn is_default(class: &Value) -> bool {
    DEFAULT_CLASS.iter().any(|key| {
        class
            .pointer("/metadata/annotations")
            .and_then(|annotations| annotations.get(*key))
            .and_then(Value::as_str)
            == Some("true")
    })
}

/// Makes storage class `name` the default, as KubeSphere's console does: every other class marked
/// default is unmarked first, both annotations each time, so there is never more than one.
pub async fn make_default(client: &kube::Client, name: &str) -> Result<(), StorageError> {
    let classes = Api::<StorageClass>::all(client.clone());
    let chosen = json_of(&classes.get(name).await?);
    if is_default(&chosen) {
        return Err(StorageError::Invalid(format!(
            "storage class {name} is the default already"
        )));
    }
    unmark_others(client, name).await?;
    let mark = json!({"metadata": {"annotations": create::default_marks("true")}});
    classes
        .patch(name, &patch_params(), &Patch::Merge(&mark))
        .await?;
    Ok(())
}

/// Unmarks every storage class marked default but `name`, both annotations each.
async fn unmark_others(client: &kube::Client, name: &str) -> Result<(), StorageError> {
    let classes = Api::<StorageClass>::all(client.clone());
    let unmark = json!({"metadata": {"annotations": create::default_marks("false")}});
    for other in classes.list(&ListParams::default()).await?.items {
        let other_name = other.metadata.name.clone().unwrap_or_default();
        if other_name != name && is_default(&json_of(&other)) {
            classes
                .patch(&other_name, &patch_params(), &Patch::Merge(&unmark))
                .await?;
        }
    }
    Ok(())
}

/// The pods (not finished) that mount volume `name`: deleting it waits for them.
pub async fn users(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Vec<String>, StorageError> {
    let pods = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&ListParams::default())
        .await?;
    Ok(pods
        .items
        .into_iter()
        .filter(|pod| {
            let phase = pod
                .status
                .as_ref()
                .and_then(|status| status.phase.as_deref());
            !matches!(phase, Some("Succeeded" | "Failed"))
        })
        .filter(|pod| mounts(pod, name))
        .filter_map(|pod| pod.metadata.name)
        .collect())
}

/// Whether `pod` mounts volume (claim) `name` of its namespace.
pub fn mounts(pod: &Pod, name: &str) -> bool {
    pod.spec
        .iter()
        .flat_map(|spec| spec.volumes.iter().flatten())
        .any(|volume| {
            volume
                .persistent_volume_claim
                .as_ref()
                .is_some_and(|claim| claim.claim_name == name)
        })
}
