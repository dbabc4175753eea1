//! Storage forms: a new volume and what it may be made from, a new storage class. Their answer
//! names the input that is wrong, so the form marks it and keeps what the user typed.

use serde::{Deserialize, Serialize};

use crate::Command;

/// The classes, ready snapshots and clonable volumes a new volume in a namespace may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetVolumeChoices {
    /// The context.
    pub context: String,
    /// The namespace the volume goes in.
    pub namespace: String,
}

impl Command for GetVolumeChoices {
    const NAME: &'static str = "get_volume_choices";
    type Output = VolumeChoices;
}

/// What a new volume may be made from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeChoices {
    /// The cluster's storage classes.
    pub classes: Vec<StorageClassChoice>,
    /// The namespace's snapshots that are ready to restore.
    pub snapshots: Vec<VolumeSourceChoice>,
    /// The namespace's volumes whose class allows clones.
    pub volumes: Vec<VolumeSourceChoice>,
}

/// A storage class a new volume may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageClassChoice {
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeSourceChoice {
    /// Its name.
    pub name: String,
    /// Its size.
    pub size: String,
    /// The storage class a copy goes in (empty when unknown).
    pub class: String,
}

/// Creates a volume (PersistentVolumeClaim).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateVolume {
    /// The context.
    pub context: String,
    /// The namespace it goes in.
    pub namespace: String,
    /// The volume.
    pub volume: NewVolume,
}

impl Command for CreateVolume {
    const NAME: &'static str = "create_volume";
    type Output = FormOutcome;
}

/// A new volume as the form describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVolume {
    /// Its name.
    pub name: String,
    /// Its size (`10Gi`).
    pub size: String,
    /// Its storage class; the default when `None`.
    pub class: Option<String>,
    /// Its access mode.
    pub access_mode: String,
    /// Where its data comes from.
    pub source: VolumeSource,
}

/// Where a new volume's data comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", content = "name", rename_all = "snake_case")]
pub enum VolumeSource {
    /// Nothing: empty.
    #[default]
    Empty,
    /// A volume snapshot, by name.
    Snapshot(String),
    /// A volume, by name.
    Clone(String),
}

/// Creates a storage class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateStorageClass {
    /// The context.
    pub context: String,
    /// The class.
    pub class: NewStorageClass,
}

impl Command for CreateStorageClass {
    const NAME: &'static str = "create_storage_class";
    type Output = FormOutcome;
}

/// A new storage class as the form describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStorageClass {
    /// Its name.
    pub name: String,
    /// Its provisioner.
    pub provisioner: String,
    /// `Delete` or `Retain`.
    pub reclaim_policy: String,
    /// `Immediate` or `WaitForFirstConsumer`.
    pub binding_mode: String,
    /// The driver's parameters, `key=value` per line.
    pub parameters: String,
    /// The access modes its volumes may have.
    pub access_modes: Vec<String>,
    /// Its volumes may be cloned.
    pub clone: bool,
    /// Its volumes may be snapshotted.
    pub snapshot: bool,
    /// Its volumes may be expanded.
    pub expansion: bool,
    /// It becomes the default class.
    pub default: bool,
}

/// What a form's command came to: what it made, or the input that is wrong. The server's
/// refusals come back as errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FormOutcome {
    /// Made: the objects, the form's first.
    Done {
        /// Their names.
        made: Vec<String>,
    },
    /// Nothing sent: this input is wrong.
    Invalid {
        /// The input.
        field: FormField,
        /// Why, and what would do.
        message: String,
    },
}

/// An input of a storage form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormField {
    /// The name.
    Name,
    /// The size.
    Size,
    /// The storage class.
    Class,
    /// The access mode or modes.
    AccessMode,
    /// The data source.
    Source,
    /// The provisioner.
    Provisioner,
    /// The reclaim policy.
    ReclaimPolicy,
    /// The binding mode.
    BindingMode,
    /// The parameters.
    Parameters,
    /// The labels.
    Labels,
}
