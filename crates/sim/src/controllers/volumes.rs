//! The storage controllers, as a CSI driver's sidecars and the persistent-volume controller run
//! them: claims are provisioned a volume at once (`Immediate`) or once a pod using them is placed
//! (`WaitForFirstConsumer`), from nothing, from another claim (clone) or from a snapshot
//! (restore); a claim grown through its class passes `Resizing` and `FileSystemResizePending`;
//! snapshots get their content and become ready; released volumes are deleted or kept by their
//! reclaim policy; claims in use are protected from deletion until no pod uses them.

use serde_json::{Value, json};

use super::replace;
use crate::Cluster;
use crate::events::{self, Type};
use crate::objects::{field, timestamp};
use crate::quantity;

const CLAIMS: &str = "/persistentvolumeclaims";
const VOLUMES: &str = "/persistentvolumes";
const CLASSES: &str = "storage.k8s.io/storageclasses";
const PODS: &str = "/pods";
const SNAPSHOTS: &str = "snapshot.storage.k8s.io/volumesnapshots";
const BINDER: &str = "persistentvolume-controller";
const PROTECTION: &str = "kubernetes.io/pvc-protection";

fn storage(object: &Value, pointer: &str) -> quantity::Milli {
    object
        .pointer(pointer)
        .and_then(quantity::from_json)
        .unwrap_or(0)
}

/// The pods (not finished) that mount a claim.
fn users<'a>(pods: &'a [Value], namespace: &str, claim: &str) -> Vec<&'a Value> {
    pods.iter()
        .filter(|pod| field(pod, "/metadata/namespace") == namespace)
        .filter(|pod| !matches!(field(pod, "/status/phase"), "Succeeded" | "Failed"))
        .filter(|pod| {
            pod.pointer("/spec/volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|volume| field(volume, "/persistentVolumeClaim/claimName") == claim)
        })
        .collect()
}

/// One pass over every claim, volume and snapshot.
pub fn pass(cluster: &Cluster) {
    let (_, claims) = cluster.store.list(CLAIMS, None);
    // Only pods that mount claims matter here; most do not, so only those are copied.
    let pods = cluster
        .store
        .page(PODS, None, None, None, |pod| {
            pod.pointer("/spec/volumes")
                .and_then(Value::as_array)
                .is_some_and(|volumes| {
                    volumes
                        .iter()
                        .any(|volume| volume.get("persistentVolumeClaim").is_some())
                })
        })
        .items;
    for claim in &claims {
        let namespace = field(claim, "/metadata/namespace");
        let name = field(claim, "/metadata/name");
        let using = users(&pods, namespace, name);
        if claim.pointer("/metadata/deletionTimestamp").is_some() {
            release_protection(cluster, claim, &using);
        } else if !protected(claim) {
            // The protection controller adds what admission would have: claims in use must not vanish.
            let mut next = claim.clone();
            let mut finalizers = claim
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            finalizers.push(json!(PROTECTION));
            next["metadata"]["finalizers"] = json!(finalizers);
            replace(cluster, CLAIMS, claim, next);
        } else if field(claim, "/spec/volumeName").is_empty() {
            provision(cluster, claim, &using);
        } else {
            resize(cluster, claim, &using);
        }
    }
    reclaim(cluster, &claims);
    snapshots(cluster);
}

fn protected(claim: &Value) -> bool {
    claim
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|finalizers| finalizers.iter().any(|finalizer| finalizer == PROTECTION))
}

/// A terminating claim loses its protection once no pod uses it, and so goes.
fn release_protection(cluster: &Cluster, claim: &Value, using: &[&Value]) {
    if !using.is_empty() {
        return;
    }
    let mut next = claim.clone();
    if let Some(finalizers) = next
        .pointer_mut("/metadata/finalizers")
        .and_then(Value::as_array_mut)
    {
        let before = finalizers.len();
        finalizers.retain(|finalizer| finalizer != PROTECTION);
        if finalizers.len() == before {
            return;
        }
    }
    if let Ok(saved) = cluster.store.replace(
        CLAIMS,
        field(claim, "/metadata/namespace"),
        field(claim, "/metadata/name"),
        Some(field(claim, "/metadata/resourceVersion")),
        next,
    ) && let Some(resource) = cluster.resource("", "persistentvolumeclaims")
    {
        crate::deletion::finish_if_finalized(cluster, &resource, &saved);
    }
}

fn provision(cluster: &Cluster, claim: &Value, using: &[&Value]) {
    let class_name = field(claim, "/spec/storageClassName");
    let Some(class) = cluster.store.get(CLASSES, "", class_name) else {
        let message = if class_name.is_empty() {
            "no persistent volumes available for this claim and no storage class is set".to_owned()
        } else {
            format!("storageclass.storage.k8s.io \"{class_name}\" not found")
        };
        events::record_first(
            cluster,
            claim,
            Type::Warning,
            if class_name.is_empty() {
                "FailedBinding"
            } else {
                "ProvisioningFailed"
            },
            &message,
            BINDER,
        );
        return;
    };
    let provisioner = field(&class, "/provisioner").to_owned();
    let placed = using
        .iter()
        .find(|pod| !field(pod, "/spec/nodeName").is_empty());
    if field(&class, "/volumeBindingMode") == "WaitForFirstConsumer" && placed.is_none() {
        events::record_first(
            cluster,
            claim,
            Type::Normal,
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding",
            BINDER,
        );
        return;
    }
    let requested = storage(claim, "/spec/resources/requests/storage");
    // A clone or a restore needs its source ready, and at least as much room as it holds.
    let source = claim
        .pointer("/spec/dataSource")
        .map_or(Ok(0), |source| data_source(cluster, claim, source));
    let problem = match source {
        Err(problem) => Some(problem),
        Ok(held) if held > requested => Some(SourceError::TooSmall { requested, held }),
        Ok(_) => None,
    };
    if let Some(problem) = problem {
        let message =
            format!("failed to provision volume with StorageClass \"{class_name}\": {problem}");
        events::record_first(
            cluster,
            claim,
            Type::Warning,
            "ProvisioningFailed",
            &message,
            &provisioner,
        );
        return;
    }
    let namespace = field(claim, "/metadata/namespace");
    let name = field(claim, "/metadata/name");
    events::record(
        cluster,
        claim,
        Type::Normal,
        "Provisioning",
        &format!("External provisioner is provisioning volume for claim \"{namespace}/{name}\""),
        &provisioner,
    );
    let volume_name = format!("pvc-{}", field(claim, "/metadata/uid"));
    let size = claim
        .pointer("/spec/resources/requests/storage")
        .cloned()
        .unwrap_or_else(|| json!("1Gi"));
    let modes = claim
        .pointer("/spec/accessModes")
        .cloned()
        .unwrap_or_else(|| json!(["ReadWriteOnce"]));
    let mut volume = json!({
        "metadata": {
            "name": volume_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": provisioner, "volume.kubernetes.io/provisioner-deletion-secret-name": "", "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""},
            "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"],
        },
        "spec": {
            "capacity": {"storage": size}, "accessModes": modes,
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name, "uid": field(claim, "/metadata/uid"), "apiVersion": "v1", "resourceVersion": field(claim, "/metadata/resourceVersion")},
            "persistentVolumeReclaimPolicy": class.get("reclaimPolicy").cloned().unwrap_or_else(|| json!("Delete")),
            "storageClassName": class_name, "volumeMode": claim.pointer("/spec/volumeMode").cloned().unwrap_or_else(|| json!("Filesystem")),
            "csi": {"driver": provisioner, "volumeHandle": format!("{:x}", uuid::Uuid::new_v4().as_u128()), "fsType": "ext4", "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": format!("{provisioner}-sim")}},
        },
        "status": {"phase": "Bound"},
    });
    if let Some(pod) = placed
        && field(&class, "/volumeBindingMode") == "WaitForFirstConsumer"
    {
        let node = field(pod, "/spec/nodeName");
        volume["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}});
    }
    if cluster.create("", "persistentvolumes", "", volume).is_err() {
        return;
    }
    let mut next = claim.clone();
    let annotations = &mut next["metadata"]["annotations"];
    annotations["pv.kubernetes.io/bind-completed"] = json!("yes");
    annotations["pv.kubernetes.io/bound-by-controller"] = json!("yes");
    annotations["volume.beta.kubernetes.io/storage-provisioner"] = json!(provisioner);
    annotations["volume.kubernetes.io/storage-provisioner"] = json!(provisioner);
    if let Some(pod) = placed {
        annotations["volume.kubernetes.io/selected-node"] = json!(field(pod, "/spec/nodeName"));
    }
    next["spec"]["volumeName"] = json!(volume_name);
    next["status"] = json!({"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}});
    replace(cluster, CLAIMS, claim, next);
    events::record(
        cluster,
        claim,
        Type::Normal,
        "ProvisioningSucceeded",
        &format!("Successfully provisioned volume {volume_name}"),
        &provisioner,
    );
}

/// How much the claim's data source holds, or why it cannot be used.
/// Why a claim's data source cannot be provisioned from, worded as the CSI provisioner words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum SourceError {
    #[error(
        "error getting handle for DataSource Type PersistentVolumeClaim by Name {0}: error getting PVC {0} from api server: persistentvolumeclaims \"{0}\" not found"
    )]
    NoClaim(String),
    #[error(
        "error getting handle for DataSource Type PersistentVolumeClaim by Name {0}: the PVC {0} is not yet bound to a PV"
    )]
    ClaimUnbound(String),
    #[error(
        "the source PVC and destination PVCs must be in the same storage class for cloning.  Source is in {source_class}, but new PVC is in {class}"
    )]
    OtherClass { source_class: String, class: String },
    #[error(
        "error getting handle for DataSource Type VolumeSnapshot by Name {0}: error getting snapshot {0} from api server: volumesnapshots.snapshot.storage.k8s.io \"{0}\" not found"
    )]
    NoSnapshot(String),
    #[error(
        "error getting handle for DataSource Type VolumeSnapshot by Name {0}: snapshot {0} is not Ready"
    )]
    SnapshotNotReady(String),
    #[error("unsupported data source kind {0:?}; use PersistentVolumeClaim or VolumeSnapshot")]
    Kind(String),
    #[error("requested volume size {} is less than the size {} for the source", quantity::format(*.requested), quantity::format(*.held))]
    TooSmall {
        requested: quantity::Milli,
        held: quantity::Milli,
    },
}

/// How much the claim's data source holds, or why it cannot be used.
fn data_source(
    cluster: &Cluster,
    claim: &Value,
    source: &Value,
) -> Result<quantity::Milli, SourceError> {
    let namespace = field(claim, "/metadata/namespace");
    let name = field(source, "/name").to_owned();
    match field(source, "/kind") {
        "PersistentVolumeClaim" => {
            let source = cluster
                .store
                .get(CLAIMS, namespace, &name)
                .ok_or_else(|| SourceError::NoClaim(name.clone()))?;
            if field(&source, "/status/phase") != "Bound" {
                return Err(SourceError::ClaimUnbound(name));
            }
            if field(&source, "/spec/storageClassName") != field(claim, "/spec/storageClassName") {
                return Err(SourceError::OtherClass {
                    source_class: field(&source, "/spec/storageClassName").to_owned(),
                    class: field(claim, "/spec/storageClassName").to_owned(),
                });
            }
            Ok(storage(&source, "/status/capacity/storage"))
        }
        "VolumeSnapshot" => {
            let snapshot = cluster
                .store
                .get(SNAPSHOTS, namespace, &name)
                .ok_or_else(|| SourceError::NoSnapshot(name.clone()))?;
            if snapshot.pointer("/status/readyToUse") != Some(&Value::Bool(true)) {
                return Err(SourceError::SnapshotNotReady(name));
            }
            Ok(storage(&snapshot, "/status/restoreSize"))
        }
        other => Err(SourceError::Kind(other.to_owned())),
    }
}

/// A claim asking for more than it has goes through the resizer, then the kubelet's file system
/// resize (at once when a running pod mounts it, else when one next does).
fn resize(cluster: &Cluster, claim: &Value, using: &[&Value]) {
    let wanted = storage(claim, "/spec/resources/requests/storage");
    let has = storage(claim, "/status/capacity/storage");
    if wanted <= has {
        return;
    }
    let conditions: Vec<String> = claim
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|condition| field(condition, "/type").to_owned())
        .collect();
    let size = claim
        .pointer("/spec/resources/requests/storage")
        .cloned()
        .unwrap_or_default();
    let volume_name = field(claim, "/spec/volumeName");
    let now = timestamp(chrono::Utc::now());
    let provisioner = field(
        claim,
        "/metadata/annotations/volume.kubernetes.io~1storage-provisioner",
    )
    .to_owned();
    let mut next = claim.clone();
    if conditions
        .iter()
        .all(|condition| condition != "Resizing" && condition != "FileSystemResizePending")
    {
        // The external resizer takes it.
        next["status"]["conditions"] = json!([{"type": "Resizing", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}]);
        next["status"]["allocatedResources"] = json!({"storage": size});
        next["status"]["allocatedResourceStatuses"] =
            json!({"storage": "ControllerResizeInProgress"});
        replace(cluster, CLAIMS, claim, next);
        events::record(
            cluster,
            claim,
            Type::Normal,
            "Resizing",
            &format!("External resizer is resizing volume {volume_name}"),
            &format!("external-resizer {provisioner}"),
        );
    } else if conditions.iter().any(|condition| condition == "Resizing") {
        // The controller part is done: the volume is bigger; the file system waits for the node.
        if let Some(volume) = cluster.store.get(VOLUMES, "", volume_name) {
            let mut grown = volume.clone();
            grown["spec"]["capacity"]["storage"] = size.clone();
            replace(cluster, VOLUMES, &volume, grown);
        }
        next["status"]["conditions"] = json!([{"type": "FileSystemResizePending", "status": "True", "lastProbeTime": null, "lastTransitionTime": now, "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]);
        next["status"]["allocatedResourceStatuses"] = json!({"storage": "NodeResizePending"});
        replace(cluster, CLAIMS, claim, next);
        events::record(
            cluster,
            claim,
            Type::Normal,
            "FileSystemResizeRequired",
            "Require file system resize of volume on node",
            &format!("external-resizer {provisioner}"),
        );
    } else if let Some(pod) = using
        .iter()
        .find(|pod| field(pod, "/status/phase") == "Running")
    {
        // A running pod mounts it: the kubelet grows the file system online.
        next["status"]["capacity"]["storage"] = size;
        if let Some(status) = next["status"].as_object_mut() {
            status.remove("conditions");
            status.remove("allocatedResourceStatuses");
        }
        replace(cluster, CLAIMS, claim, next);
        let node = field(pod, "/spec/nodeName");
        events::record(
            cluster,
            claim,
            Type::Normal,
            "FileSystemResizeSuccessful",
            &format!("MountVolume.NodeExpandVolume succeeded for volume \"{volume_name}\" {node}"),
            "kubelet",
        );
    }
}

/// Volumes whose claim is gone are deleted or released, by their reclaim policy.
fn reclaim(cluster: &Cluster, claims: &[Value]) {
    let (_, volumes) = cluster.store.list(VOLUMES, None);
    for volume in &volumes {
        let claim_uid = field(volume, "/spec/claimRef/uid");
        if claim_uid.is_empty()
            || claims
                .iter()
                .any(|claim| field(claim, "/metadata/uid") == claim_uid)
        {
            continue;
        }
        if field(volume, "/spec/persistentVolumeReclaimPolicy") == "Delete" {
            // The provisioner deletes the backing volume, then the object goes.
            let _ = cluster
                .store
                .delete(VOLUMES, "", field(volume, "/metadata/name"));
        } else if field(volume, "/status/phase") != "Released" {
            let mut next = volume.clone();
            next["status"]["phase"] = json!("Released");
            replace(cluster, VOLUMES, volume, next);
        }
    }
}

/// Snapshots get their content, then become ready to use.
fn snapshots(cluster: &Cluster) {
    if cluster
        .resource("snapshot.storage.k8s.io", "volumesnapshots")
        .is_none()
    {
        return;
    }
    let (_, snapshots) = cluster.store.list(SNAPSHOTS, None);
    for snapshot in &snapshots {
        if snapshot.pointer("/metadata/deletionTimestamp").is_some()
            || snapshot.pointer("/status/readyToUse") == Some(&Value::Bool(true))
        {
            continue;
        }
        let namespace = field(snapshot, "/metadata/namespace");
        let name = field(snapshot, "/metadata/name");
        let source_name = field(snapshot, "/spec/source/persistentVolumeClaimName");
        let source = cluster.store.get(CLAIMS, namespace, source_name);
        let Some(source) = source.filter(|source| field(source, "/status/phase") == "Bound") else {
            let message = format!(
                "Failed to create snapshot: error getting handle for DataSource Type PersistentVolumeClaim by Name {source_name}: persistentvolumeclaims \"{source_name}\" not found or not bound"
            );
            events::record_first(
                cluster,
                snapshot,
                Type::Warning,
                "SnapshotContentCreationFailed",
                &message,
                "snapshot-controller",
            );
            continue;
        };
        let content_name = format!("snapcontent-{}", field(snapshot, "/metadata/uid"));
        let now = timestamp(chrono::Utc::now());
        let restore_size = source
            .pointer("/status/capacity/storage")
            .cloned()
            .unwrap_or_else(|| json!("0"));
        if snapshot
            .pointer("/status/boundVolumeSnapshotContentName")
            .is_none()
        {
            let driver = field(
                &source,
                "/metadata/annotations/volume.kubernetes.io~1storage-provisioner",
            )
            .to_owned();
            let class = field(snapshot, "/spec/volumeSnapshotClassName").to_owned();
            let content = json!({
                "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
                "metadata": {"name": content_name, "finalizers": ["snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"]},
                "spec": {"deletionPolicy": "Delete", "driver": driver, "source": {"volumeHandle": field(&source, "/spec/volumeName")}, "volumeSnapshotClassName": class,
                         "volumeSnapshotRef": {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "name": name, "namespace": namespace, "uid": field(snapshot, "/metadata/uid")}},
                "status": {"creationTime": chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0), "readyToUse": true, "restoreSize": storage(&source, "/status/capacity/storage") / 1000, "snapshotHandle": format!("snapshot-{:x}", uuid::Uuid::new_v4().as_u128())},
            });
            if cluster
                .create(
                    "snapshot.storage.k8s.io",
                    "volumesnapshotcontents",
                    "",
                    content,
                )
                .is_err()
            {
                continue;
            }
            let mut next = snapshot.clone();
            next["status"] = json!({"boundVolumeSnapshotContentName": content_name, "creationTime": now, "readyToUse": false, "restoreSize": restore_size});
            replace(cluster, SNAPSHOTS, snapshot, next);
            events::record(
                cluster,
                snapshot,
                Type::Normal,
                "CreatingSnapshot",
                &format!(
                    "Waiting for a snapshot {namespace}/{name} to be created by the CSI driver."
                ),
                "snapshot-controller",
            );
        } else {
            let mut next = snapshot.clone();
            next["status"]["readyToUse"] = json!(true);
            replace(cluster, SNAPSHOTS, snapshot, next);
            events::record(
                cluster,
                snapshot,
                Type::Normal,
                "SnapshotCreated",
                &format!("Snapshot {namespace}/{name} was successfully created by the CSI driver."),
                "snapshot-controller",
            );
            events::record(
                cluster,
                snapshot,
                Type::Normal,
                "SnapshotReady",
                &format!("Snapshot {namespace}/{name} is ready to use."),
                "snapshot-controller",
            );
        }
    }
}
