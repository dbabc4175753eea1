//! Volumes and storage classes made from forms, and a persistent volume's settings. Each input is
//! checked before anything is sent, and a wrong one is named ([`Field`]) with what would do, so a
//! form can mark it and keep everything the user typed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DynamicObject, ListParams, Patch};
use serde_json::{Value, json};

use super::{
    ACCESS_MODES, ALLOW_CLONE, ALLOW_SNAPSHOT, StorageError, allowed, is_default, json_of, size,
    snapshot_classes, snapshot_resource, snapshots, text,
};
use crate::actions::{patch_params, post_params};
use crate::health::parse_quantity;

/// The access modes a volume may have, as Kubernetes names them.
pub const ALL_ACCESS_MODES: [&str; 4] = [
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];

/// An input of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The new object's name.
    Name,
    /// A volume's size.
    Size,
    /// A volume's storage class.
    Class,
    /// A volume's access mode, or the access modes a class supports.
    AccessMode,
    /// What a new volume's data comes from.
    Source,
    /// A class's provisioner.
    Provisioner,
    /// A class's or persistent volume's reclaim policy.
    ReclaimPolicy,
    /// A class's binding mode.
    BindingMode,
    /// A class's parameters.
    Parameters,
    /// Labels.
    Labels,
}

/// Why a form's object was not made or changed.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// An input is wrong: which, why, and what would do.
    #[error("{message}")]
    Field {
        /// The input.
        field: Field,
        /// Why, and what would do.
        message: String,
    },
    /// The server refused or failed: its message.
    #[error("{0}")]
    Server(String),
}

impl From<kube::Error> for FormError {
    fn from(error: kube::Error) -> Self {
        Self::Server(crate::health::message(&error))
    }
}

impl From<StorageError> for FormError {
    fn from(error: StorageError) -> Self {
        Self::Server(error.to_string())
    }
}

fn wrong(field: Field, message: String) -> FormError {
    FormError::Field { field, message }
}

/// Whether `name` is a DNS label: lowercase letters, digits and '-', a letter or digit at each
/// end, at most `max` long.
fn is_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `name` is a DNS subdomain, the form of most objects' names.
fn is_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(|label| is_label(label, 63))
}

/// Checks a new object's name: a DNS subdomain.
pub(crate) fn check_name(name: &str) -> Result<String, FormError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(wrong(Field::Name, "give it a name".to_owned()));
    }
    if !is_subdomain(name) {
        return Err(wrong(
            Field::Name,
            format!(
                "\"{name}\" is not a valid name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)"
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Whether `name` is a label's (or an annotation's, or a provisioner's) key: an optional DNS
/// subdomain prefix and '/', then up to 63 letters, digits, '-', '_' and '.', a letter or digit
/// at each end.
fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = !key.contains('/') || is_subdomain(prefix);
    prefix_ok && is_label_value(name) && !name.is_empty()
}

/// Whether `value` may be a label's value: empty, or up to 63 letters, digits, '-', '_' and '.',
/// a letter or digit at each end.
fn is_label_value(value: &str) -> bool {
    let alphanumeric_ends = value
        .chars()
        .next()
        .zip(value.chars().last())
        .is_none_or(|(first, last)| first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric());
    value.len() <= 63
        && alphanumeric_ends
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Reads `key=value` lines (blank lines skipped) into a map; a line that is not one is named
/// with its number.
fn pairs(text: &str, field: Field, what: &str) -> Result<BTreeMap<String, String>, FormError> {
    let mut pairs = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(wrong(
                field,
                format!(
                    "line {}, \"{line}\", is not a {what}: write one per line as key=value",
                    number + 1
                ),
            ));
        };
        pairs.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(pairs)
}

/// Reads labels as `key=value` lines and checks each key and value as Kubernetes does.
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, FormError> {
    let labels = pairs(text, Field::Labels, "label")?;
    for (key, value) in &labels {
        if !is_qualified_name(key) {
            return Err(wrong(
                Field::Labels,
                format!(
                    "label key \"{key}\" is not valid: an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
                ),
            ));
        }
        if !is_label_value(value) {
            return Err(wrong(
                Field::Labels,
                format!(
                    "the value of label {key}, \"{value}\", is not valid: up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or nothing"
                ),
            ));
        }
    }
    Ok(labels)
}

/// Checks access modes against the ones Kubernetes knows.
fn check_access_modes(modes: &[String]) -> Result<(), FormError> {
    if modes.is_empty() {
        return Err(wrong(
            Field::AccessMode,
            "choose at least one access mode".to_owned(),
        ));
    }
    match modes
        .iter()
        .find(|mode| !ALL_ACCESS_MODES.contains(&mode.as_str()))
    {
        Some(unknown) => Err(wrong(
            Field::AccessMode,
            format!(
                "\"{unknown}\" is not an access mode; choose among {}",
                ALL_ACCESS_MODES.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// A size that is a quantity above zero, trimmed.
fn check_size(size: &str) -> Result<(String, f64), FormError> {
    let size = size.trim();
    match parse_quantity(size).filter(|_| !size.is_empty()) {
        Some(bytes) if bytes > 0.0 => Ok((size.to_owned(), bytes)),
        _ => Err(wrong(
            Field::Size,
            format!("\"{size}\" is not a size: write it as a quantity such as 10Gi or 2Ti"),
        )),
    }
}

/// What a new volume's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// Nothing: an empty volume.
    Empty,
    /// A ready volume snapshot of the namespace.
    Snapshot(String),
    /// A volume of the namespace whose class allows clones.
    Clone(String),
}

/// A volume (PersistentVolumeClaim) as a form describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVolume {
    /// Its name.
    pub name: String,
    /// Its size (`10Gi`).
    pub size: String,
    /// Its storage class; the cluster's default when `None`.
    pub class: Option<String>,
    /// Its access mode.
    pub access_mode: String,
    /// Where its data comes from.
    pub source: VolumeSource,
}

/// A PersistentVolumeClaim, as KubeSphere's console writes one.
pub(super) fn claim_manifest(
    namespace: &str,
    name: &str,
    access_modes: Value,
    size: &str,
    class: &str,
    data_source: Option<Value>,
) -> Value {
    let mut spec = json!({
        "accessModes": access_modes,
        "resources": {"requests": {"storage": size}},
        "volumeMode": "Filesystem",
    });
    if !class.is_empty() {
        spec["storageClassName"] = json!(class);
    }
    if let Some(source) = data_source {
        spec["dataSource"] = source;
    }
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    })
}

/// Creates the volume `volume` describes in `namespace`, after checking each input against the
/// cluster: the class exists (or there is a default), supports the access mode, and for a clone or
/// a restore the source exists, may be copied, fits in the size and is of the class's driver.
/// Answers the volume as created.
pub async fn create_volume(
    client: &kube::Client,
    namespace: &str,
    volume: &NewVolume,
) -> Result<Value, FormError> {
    let name = check_name(&volume.name)?;
    let (size, bytes) = check_size(&volume.size)?;
    check_access_modes(std::slice::from_ref(&volume.access_mode))?;
    let classes = Api::<StorageClass>::all(client.clone())
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(json_of)
        .collect::<Vec<_>>();
    let names = || {
        classes
            .iter()
            .map(|class| text(class, "/metadata/name"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let class = match volume.class.as_deref().map(str::trim) {
        Some(chosen) if !chosen.is_empty() => classes
            .iter()
            .find(|class| text(class, "/metadata/name") == chosen)
            .ok_or_else(|| {
                wrong(
                    Field::Class,
                    format!(
                        "storage class {chosen} does not exist; choose one of: {}",
                        names()
                    ),
                )
            })?,
        _ => classes
            .iter()
            .find(|class| is_default(class))
            .ok_or_else(|| {
                wrong(
                    Field::Class,
                    format!(
                        "the cluster has no default storage class; choose one of: {}",
                        names()
                    ),
                )
            })?,
    };
    let class_name = text(class, "/metadata/name");
    let supported = supported_modes(class);
    if !supported.contains(&volume.access_mode) {
        return Err(wrong(
            Field::AccessMode,
            format!(
                "storage class {class_name} supports {} ({ACCESS_MODES}); choose one of them",
                supported.join(", ")
            ),
        ));
    }
    let data_source = match &volume.source {
        VolumeSource::Empty => None,
        VolumeSource::Clone(source) => {
            check_clone(client, namespace, source, class_name, bytes).await?;
            Some(json!({"kind": "PersistentVolumeClaim", "name": source}))
        }
        VolumeSource::Snapshot(snapshot) => {
            check_restore(client, namespace, snapshot, class, bytes).await?;
            Some(
                json!({"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": snapshot}),
            )
        }
    };
    let manifest = claim_manifest(
        namespace,
        &name,
        json!([volume.access_mode]),
        &size,
        class_name,
        data_source,
    );
    let claim: PersistentVolumeClaim =
        serde_json::from_value(manifest).map_err(|error| FormError::Server(error.to_string()))?;
    let created = Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .create(&post_params(), &claim)
        .await?;
    Ok(json_of(&created))
}

/// The access modes `class` supports: its `supported-access-modes` annotation, else all.
fn supported_modes(class: &Value) -> Vec<String> {
    class
        .pointer("/metadata/annotations")
        .and_then(|annotations| annotations.get(ACCESS_MODES))
        .and_then(Value::as_str)
        .and_then(|modes| serde_json::from_str(modes).ok())
        .unwrap_or_else(|| ALL_ACCESS_MODES.map(str::to_owned).to_vec())
}

/// A clone of `source` in `class`, of `bytes`: its class allows clones, it is the same class, and
/// the size holds the source.
async fn check_clone(
    client: &kube::Client,
    namespace: &str,
    source: &str,
    class: &str,
    bytes: f64,
) -> Result<(), FormError> {
    let exists = Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .get_opt(source)
        .await?
        .is_some();
    if !exists {
        return Err(wrong(
            Field::Source,
            format!("volume {source} does not exist in {namespace}; choose another to clone"),
        ));
    }
    let (claim, may) = super::capabilities(client, namespace, source).await?;
    may.clone.map_err(|blocked| {
        wrong(
            Field::Source,
            format!("volume {source} cannot be cloned: {blocked}"),
        )
    })?;
    let source_class = text(&claim, "/spec/storageClassName");
    if source_class != class {
        return Err(wrong(
            Field::Class,
            format!("a clone is made in its source's storage class: choose {source_class}"),
        ));
    }
    let has = size(&claim);
    if parse_quantity(has).is_some_and(|has| bytes < has) {
        return Err(wrong(
            Field::Size,
            format!("volume {source} has {has}; its clone needs at least {has}"),
        ));
    }
    Ok(())
}

/// A restore of `snapshot` into `class`, of `bytes`: the snapshot is ready, was taken by the
/// driver that provisions the class, and fits in the size.
async fn check_restore(
    client: &kube::Client,
    namespace: &str,
    snapshot: &str,
    class: &Value,
    bytes: f64,
) -> Result<(), FormError> {
    let Some(found) = snapshots(client, namespace).get_opt(snapshot).await? else {
        return Err(wrong(
            Field::Source,
            format!("volume snapshot {snapshot} does not exist in {namespace}; choose another"),
        ));
    };
    let found = json_of(&found);
    if found.pointer("/status/readyToUse") != Some(&Value::Bool(true)) {
        return Err(wrong(
            Field::Source,
            format!("snapshot {snapshot} is not ready to use yet; restore it once it is"),
        ));
    }
    let snapshot_class = text(&found, "/spec/volumeSnapshotClassName");
    let driver = snapshot_classes(client)
        .await
        .into_iter()
        .find(|candidate| text(candidate, "/metadata/name") == snapshot_class)
        .map(|candidate| text(&candidate, "/driver").to_owned());
    let provisioner = text(class, "/provisioner");
    if let Some(driver) = driver.filter(|driver| driver != provisioner) {
        return Err(wrong(
            Field::Class,
            format!(
                "snapshot {snapshot} was taken by driver {driver}, but storage class {} is provisioned by {provisioner}; choose a class of {driver}",
                text(class, "/metadata/name")
            ),
        ));
    }
    let has = text(&found, "/status/restoreSize");
    if parse_quantity(has).is_some_and(|has| bytes < has) {
        return Err(wrong(
            Field::Size,
            format!("snapshot {snapshot} holds {has}; the volume needs at least {has}"),
        ));
    }
    Ok(())
}

/// A storage class a new volume may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassChoice {
    /// Its name.
    pub name: String,
    /// Whether it is the default.
    pub default: bool,
    /// The access modes it supports.
    pub access_modes: Vec<String>,
    /// Its provisioner.
    pub provisioner: String,
}

/// A volume or snapshot a new volume may copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChoice {
    /// Its name.
    pub name: String,
    /// Its size: a volume's capacity, a snapshot's restore size.
    pub size: String,
    /// The storage class a copy goes in: the volume's, or the class of the volume a snapshot was
    /// taken of (empty when that volume is gone).
    pub class: String,
}

/// What a new volume in a namespace may be made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeChoices {
    /// The cluster's storage classes.
    pub classes: Vec<ClassChoice>,
    /// The namespace's snapshots that are ready to restore.
    pub snapshots: Vec<SourceChoice>,
    /// The namespace's volumes whose class allows clones.
    pub volumes: Vec<SourceChoice>,
}

/// The classes, ready snapshots and clonable volumes a new volume in `namespace` may use.
pub async fn volume_choices(
    client: &kube::Client,
    namespace: &str,
) -> Result<VolumeChoices, FormError> {
    let classes: Vec<Value> = Api::<StorageClass>::all(client.clone())
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(json_of)
        .collect();
    let class_of = |name: &str| {
        classes
            .iter()
            .find(|class| text(class, "/metadata/name") == name)
    };
    let snapshot_classes = snapshot_classes(client).await;
    let claims: Vec<Value> = Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(json_of)
        .collect();
    let volumes = claims
        .iter()
        .filter(|claim| {
            let class = class_of(text(claim, "/spec/storageClassName"));
            allowed(claim, class, &snapshot_classes).clone.is_ok()
        })
        .map(|claim| SourceChoice {
            name: text(claim, "/metadata/name").to_owned(),
            size: size(claim).to_owned(),
            class: text(claim, "/spec/storageClassName").to_owned(),
        })
        .collect();
    // A cluster without the snapshot API has no snapshots.
    let ready = snapshots(client, namespace)
        .list(&ListParams::default())
        .await
        .map(|list| list.items.iter().map(json_of).collect::<Vec<_>>())
        .unwrap_or_default();
    let snapshots = ready
        .iter()
        .filter(|snapshot| snapshot.pointer("/status/readyToUse") == Some(&Value::Bool(true)))
        .map(|snapshot| {
            let source = text(snapshot, "/spec/source/persistentVolumeClaimName");
            SourceChoice {
                name: text(snapshot, "/metadata/name").to_owned(),
                size: text(snapshot, "/status/restoreSize").to_owned(),
                class: claims
                    .iter()
                    .find(|claim| text(claim, "/metadata/name") == source)
                    .map(|claim| text(claim, "/spec/storageClassName").to_owned())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let classes = classes
        .iter()
        .map(|class| ClassChoice {
            name: text(class, "/metadata/name").to_owned(),
            default: is_default(class),
            access_modes: supported_modes(class),
            provisioner: text(class, "/provisioner").to_owned(),
        })
        .collect();
    Ok(VolumeChoices {
        classes,
        snapshots,
        volumes,
    })
}

/// A storage class as a form describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClass {
    /// Its name.
    pub name: String,
    /// The driver that provisions its volumes (`csi.example.com`).
    pub provisioner: String,
    /// `Delete` or `Retain`.
    pub reclaim_policy: String,
    /// `Immediate` or `WaitForFirstConsumer`.
    pub binding_mode: String,
    /// The driver's parameters, `key=value` per line.
    pub parameters: String,
    /// The access modes its volumes may have.
    pub access_modes: Vec<String>,
    /// What its volumes may do.
    pub switches: super::Switches,
    /// Whether it becomes the default class.
    pub default: bool,
}

/// What creating a storage class made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassCreated {
    /// The snapshot class made for its driver, when it allows snapshots and its driver had none.
    pub snapshot_class: Option<String>,
}

/// Creates the storage class `class` describes: the binding mode in the top-level
/// `volumeBindingMode` (where Kubernetes reads it), KubeSphere's switches and supported access
/// modes as annotations; when it is the default, the previous default is unmarked; when it allows
/// snapshots and no snapshot class uses its driver, one named after it is made, as KubeSphere does.
pub async fn create_class(
    client: &kube::Client,
    class: &NewClass,
) -> Result<ClassCreated, FormError> {
    let name = check_name(&class.name)?;
    let provisioner = class.provisioner.trim();
    if !is_qualified_name(provisioner) {
        return Err(wrong(
            Field::Provisioner,
            format!(
                "\"{provisioner}\" is not a provisioner's name: give the driver's name, such as csi.example.com or rancher.io/local-path"
            ),
        ));
    }
    if !matches!(class.reclaim_policy.as_str(), "Delete" | "Retain") {
        return Err(wrong(
            Field::ReclaimPolicy,
            format!(
                "\"{}\" is not a reclaim policy; choose Delete or Retain",
                class.reclaim_policy
            ),
        ));
    }
    if !matches!(
        class.binding_mode.as_str(),
        "Immediate" | "WaitForFirstConsumer"
    ) {
        return Err(wrong(
            Field::BindingMode,
            format!(
                "\"{}\" is not a binding mode; choose Immediate or WaitForFirstConsumer",
                class.binding_mode
            ),
        ));
    }
    let parameters = pairs(&class.parameters, Field::Parameters, "parameter")?;
    check_access_modes(&class.access_modes)?;
    let mut annotations = switch_annotations(class.switches, &class.access_modes);
    if class.default {
        annotations.extend(default_marks("true"));
    }
    let manifest = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations},
        "provisioner": provisioner,
        "parameters": parameters,
        "reclaimPolicy": class.reclaim_policy,
        "volumeBindingMode": class.binding_mode,
        "allowVolumeExpansion": class.switches.expansion,
    });
    let object: StorageClass =
        serde_json::from_value(manifest).map_err(|error| FormError::Server(error.to_string()))?;
    let classes = Api::<StorageClass>::all(client.clone());
    classes.create(&post_params(), &object).await?;
    if class.default {
        super::unmark_others(client, &name).await?;
    }
    let snapshot_class = if class.switches.snapshot {
        snapshot_class_for(client, &name, provisioner).await?
    } else {
        None
    };
    Ok(ClassCreated { snapshot_class })
}

/// KubeSphere's annotations for `switches` and the `access_modes` (a JSON array).
pub(super) fn switch_annotations(
    switches: super::Switches,
    access_modes: &[String],
) -> serde_json::Map<String, Value> {
    let mut annotations = serde_json::Map::new();
    annotations.insert(ALLOW_CLONE.to_owned(), json!(switches.clone.to_string()));
    annotations.insert(
        ALLOW_SNAPSHOT.to_owned(),
        json!(switches.snapshot.to_string()),
    );
    annotations.insert(
        ACCESS_MODES.to_owned(),
        json!(serde_json::to_string(access_modes).unwrap_or_default()),
    );
    annotations
}

/// Both default-class annotations set to `value`.
pub(super) fn default_marks(value: &str) -> serde_json::Map<String, Value> {
    super::DEFAULT_CLASS
        .iter()
        .map(|key| ((*key).to_owned(), json!(value)))
        .collect()
}

/// Makes a snapshot class named `class` for `driver` when no snapshot class uses that driver, as
/// KubeSphere's snapshot-class controller does; answers its name when it made one.
pub(super) async fn snapshot_class_for(
    client: &kube::Client,
    class: &str,
    driver: &str,
) -> Result<Option<String>, FormError> {
    let snapshot_classes = Api::<DynamicObject>::all_with(
        client.clone(),
        &snapshot_resource("VolumeSnapshotClass", "volumesnapshotclasses"),
    );
    // A cluster without the snapshot API takes no snapshots: nothing to make.
    let Ok(existing) = snapshot_classes.list(&ListParams::default()).await else {
        return Ok(None);
    };
    if existing
        .items
        .iter()
        .any(|snapshot_class| snapshot_class.data["driver"] == driver)
    {
        return Ok(None);
    }
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "snapshot.storage.k8s.io/v1",
        "kind": "VolumeSnapshotClass",
        "metadata": {"name": class},
        "driver": driver,
        "deletionPolicy": "Delete",
    }))
    .map_err(|error| FormError::Server(error.to_string()))?;
    snapshot_classes.create(&post_params(), &object).await?;
    Ok(Some(class.to_owned()))
}

/// A persistent volume's settings a form changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSettings {
    /// `Delete` or `Retain`: what happens to the storage once its claim is gone.
    pub reclaim_policy: String,
    /// Its labels, `key=value` per line; labels left out are removed.
    pub labels: String,
}

/// Sets persistent volume `name`'s reclaim policy and labels, in one merge patch.
pub async fn set_volume_settings(
    client: &kube::Client,
    name: &str,
    settings: &VolumeSettings,
) -> Result<(), FormError> {
    if !matches!(settings.reclaim_policy.as_str(), "Delete" | "Retain") {
        return Err(wrong(
            Field::ReclaimPolicy,
            format!(
                "\"{}\" is not a reclaim policy; choose Delete or Retain",
                settings.reclaim_policy
            ),
        ));
    }
    let labels = parse_labels(&settings.labels)?;
    let volumes = Api::<PersistentVolume>::all(client.clone());
    let current = volumes.get(name).await?;
    // Labels no longer listed are removed: null in a merge patch.
    let mut patched: serde_json::Map<String, Value> = current
        .metadata
        .labels
        .unwrap_or_default()
        .into_keys()
        .map(|key| (key, Value::Null))
        .collect();
    patched.extend(labels.into_iter().map(|(key, value)| (key, json!(value))));
    let patch = json!({
        "metadata": {"labels": patched},
        "spec": {"persistentVolumeReclaimPolicy": settings.reclaim_policy},
    });
    volumes
        .patch(name, &patch_params(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_labels_and_parameters_are_checked_as_kubernetes_does() {
        assert!(check_name(" data-1 ").is_ok_and(|name| name == "data-1"));
        for bad in ["", "Data", "-data", "data_1", &"a".repeat(254)] {
            assert!(
                matches!(
                    check_name(bad),
                    Err(FormError::Field {
                        field: Field::Name,
                        ..
                    })
                ),
                "{bad}"
            );
        }
        let labels = parse_labels("tier=gold\n\napp.kubernetes.io/part-of = ml\nempty=").unwrap();
        assert_eq!(labels["app.kubernetes.io/part-of"], "ml");
        assert_eq!(labels["empty"], "");
        for (bad, said) in [
            ("tier", "line 1, \"tier\", is not a label"),
            ("Bad Key=x", "label key \"Bad Key\""),
            ("tier=-gold", "the value of label tier"),
            ("UPPER.example.com/tier=x", "label key"),
        ] {
            let error = parse_labels(bad).unwrap_err();
            assert!(error.to_string().contains(said), "{bad}: {error}");
        }
        assert!(is_qualified_name("rancher.io/local-path"));
        assert!(is_qualified_name("csi.example.com"));
        assert!(!is_qualified_name("not a driver"));
        assert!(!is_qualified_name(""));
        assert!(matches!(
            pairs("type=ssd\niops", Field::Parameters, "parameter"),
            Err(FormError::Field { field: Field::Parameters, message }) if message.contains("line 2, \"iops\"")
        ));
        assert!(check_size("0").is_err());
        assert!(check_size("lots").is_err());
        assert_eq!(check_size(" 10Gi ").unwrap().0, "10Gi");
    }
}
