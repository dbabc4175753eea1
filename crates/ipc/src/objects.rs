//! One object: its detail page, followed live over a channel, and the actions the user may take
//! on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Command;
use crate::tables::{ObjectKind, TableCell, TableKind, TableRow};

/// Which object, in which cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectKey {
    /// The context.
    pub context: String,
    /// Its kind.
    pub kind: ObjectKind,
    /// Its namespace, for namespaced kinds.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
}

/// Follows an object; its detail arrives on the `channel` argument as [`ObjectUpdate`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchObject {
    /// The object.
    pub object: ObjectKey,
}

impl Command for WatchObject {
    const NAME: &'static str = "watch_object";
    type Output = ObjectSubscription;
}

/// A followed object: the id to stop it with, and the actions offered on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSubscription {
    /// The id to stop it with.
    pub id: u64,
    /// Its kind, as the server names it (`TaskRun`).
    pub kind: String,
    /// Each action its kind offers, and whether the user may take it.
    pub actions: Vec<OfferedAction>,
}

/// An action the object's kind offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedAction {
    /// Which.
    pub action: ActionName,
    /// Whether the user's access allows it.
    pub allowed: bool,
    /// When it is not allowed: the permission missing (`patch deployments/scale in sandbox`).
    pub missing: Option<String>,
    /// When the object itself does not allow it: what stops it (a volume's storage class that
    /// does not allow expansion).
    pub blocked: Option<String>,
    /// The choices it takes from a list (a snapshot's snapshot classes).
    pub choices: Vec<String>,
    /// What the user should know before taking it.
    pub warning: Option<ActionWarning>,
}

/// What the user should know before an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionWarning {
    /// These pods mount the volume: it is deleted only once none does.
    MountedBy(Vec<String>),
    /// The persistent volume is bound to this claim (`namespace/name`), which loses its storage.
    BoundTo(String),
}

/// An action without its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    /// Set the replicas.
    Scale,
    /// Restart the pods.
    Restart,
    /// Delete.
    Delete,
    /// Run a CronJob's job now.
    Trigger,
    /// Mark a node unschedulable.
    Cordon,
    /// Mark a node schedulable.
    Uncordon,
    /// Cordon a node and evict its pods.
    Drain,
    /// Edit its YAML and apply it.
    Edit,
    /// Read its pods' logs.
    Logs,
    /// Grow a volume.
    Expand,
    /// Copy a volume into a new one.
    Clone,
    /// Take a snapshot of a volume.
    Snapshot,
    /// Make a new volume from a snapshot.
    Restore,
    /// Make a storage class the default one.
    MakeDefault,
    /// Set what a storage class's volumes may do.
    Switches,
    /// Set a persistent volume's reclaim policy and labels.
    VolumeSettings,
}

/// The detail as it is now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectUpdate {
    /// Where the object stands.
    pub presence: Presence,
    /// The object, when found.
    pub description: Option<ObjectDescription>,
    /// Its events, latest first.
    pub events: Vec<ObjectEvent>,
    /// The objects it owns or runs.
    pub related: Vec<RelatedRows>,
    /// The actions offered now, when what its state allows changes with it (a volume once
    /// bound); `None` keeps the subscription's.
    #[serde(default)]
    pub actions: Option<Vec<OfferedAction>>,
}

/// Where a followed object stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Presence {
    /// Being read.
    #[default]
    Loading,
    /// It exists.
    Found,
    /// It does not exist, or no longer.
    Gone,
    /// It cannot be read.
    Failed {
        /// The server's message.
        message: String,
    },
    /// As KubeDesk last saw it (the offline store), read-only: its cluster has not answered yet,
    /// or cannot be reached.
    Offline {
        /// When it was last seen live (RFC 3339).
        as_of: String,
        /// Why the cluster does not answer, once it failed to.
        message: Option<String>,
    },
    /// As kept in a read-only cluster (a snapshot), never live.
    ReadOnly {
        /// When it was last seen live (RFC 3339).
        as_of: String,
        /// Where it comes from.
        source: crate::ReadOnlySource,
    },
}

/// An object described.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectDescription {
    /// Its UID.
    pub uid: String,
    /// Its owners.
    pub owners: Vec<ObjectOwner>,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// Its facts: the table's columns and the kind's own (English names the UI words from its
    /// catalogue).
    pub facts: Vec<ObjectFact>,
    /// Its status conditions.
    pub conditions: Vec<ObjectCondition>,
    /// Its containers, init containers first.
    pub containers: Vec<ObjectContainer>,
    /// The object as YAML, without `managedFields`.
    pub yaml: String,
    /// The replicas it asks for, for kinds that scale.
    pub replicas: Option<i64>,
    /// The YAML the editor starts from: without status and server fields, with its resource
    /// version.
    pub editable_yaml: String,
}

/// An owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectOwner {
    /// Its kind's name (`ReplicaSet`).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its table kind, when it has a detail page.
    pub table: Option<TableKind>,
}

/// A named fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectFact {
    /// Its English name.
    pub name: String,
    /// Its value.
    pub value: TableCell,
}

/// A status condition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCondition {
    /// Its type.
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Its reason.
    pub reason: String,
    /// Its message.
    pub message: String,
    /// When it last changed (RFC 3339).
    pub last_transition: Option<String>,
}

/// A container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectContainer {
    /// Its name.
    pub name: String,
    /// Whether it is an init container.
    pub init: bool,
    /// Its image.
    pub image: String,
    /// Its ports.
    pub ports: Vec<String>,
    /// Its requests.
    pub requests: BTreeMap<String, String>,
    /// Its limits.
    pub limits: BTreeMap<String, String>,
    /// Its probes: kind (`Liveness`) and how.
    pub probes: Vec<(String, String)>,
    /// For a pod: its state.
    pub state: Option<String>,
    /// For a pod: whether it is ready.
    pub ready: Option<bool>,
    /// For a pod: its restarts.
    pub restarts: Option<i64>,
}

/// An event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEvent {
    /// `Normal` or `Warning`.
    pub kind: String,
    /// Its reason.
    pub reason: String,
    /// Its message.
    pub message: String,
    /// How many times.
    pub count: i32,
    /// When last (RFC 3339).
    pub last_seen: Option<String>,
    /// Who reported it.
    pub source: String,
}

/// Related objects of one kind, as table rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelatedRows {
    /// Their kind.
    pub kind: TableKind,
    /// The kind's columns after Namespace and Name.
    pub columns: Vec<String>,
    /// Their rows.
    pub rows: Vec<TableRow>,
}

/// Stops following an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopObject {
    /// The subscription.
    pub id: u64,
}

impl Command for StopObject {
    const NAME: &'static str = "stop_object";
    type Output = ();
}

/// Takes an action on an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunAction {
    /// The object.
    pub object: ObjectKey,
    /// The action.
    pub action: ObjectAction,
}

impl Command for RunAction {
    const NAME: &'static str = "run_action";
    type Output = ActionDone;
}

/// An action with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ObjectAction {
    /// Set the replicas.
    Scale {
        /// How many.
        replicas: i32,
    },
    /// Restart the pods.
    Restart,
    /// Delete.
    Delete {
        /// What happens to its dependents.
        propagation: Propagation,
    },
    /// Run a CronJob's job now.
    Trigger,
    /// Mark a node unschedulable.
    Cordon,
    /// Mark a node schedulable.
    Uncordon,
    /// Cordon a node and evict its pods.
    Drain {
        /// Also evict pods no controller manages.
        force: bool,
        /// Also evict pods with emptyDir data.
        delete_local_data: bool,
    },
    /// Grow a volume.
    Expand {
        /// The size it grows to (`750Gi`), as the user wrote it.
        size: String,
    },
    /// Make a new volume with a copy of a volume's data.
    Clone {
        /// The new volume's name.
        name: String,
    },
    /// Take a snapshot of a volume.
    Snapshot {
        /// The snapshot's name.
        name: String,
        /// The snapshot class that takes it.
        class: String,
    },
    /// Make a new volume from a volume snapshot.
    Restore {
        /// The new volume's name.
        name: String,
    },
    /// Make a storage class the default one.
    MakeDefault,
    /// Set what a storage class's volumes may do, and the access modes they may have.
    Switches {
        /// Cloning.
        clone: bool,
        /// Snapshots.
        snapshot: bool,
        /// Expansion.
        expansion: bool,
        /// The access modes.
        access_modes: Vec<String>,
    },
    /// Set a persistent volume's reclaim policy and labels (`key=value` per line).
    VolumeSettings {
        /// `Delete` or `Retain`.
        reclaim_policy: String,
        /// The labels; those left out are removed.
        labels: String,
    },
}

impl Default for ObjectAction {
    fn default() -> Self {
        Self::Scale { replicas: 1 }
    }
}

/// What a delete does with dependents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Propagation {
    /// Deleted after the object, in the background.
    #[default]
    Background,
    /// Deleted before the object.
    Foreground,
    /// Kept, without their owner.
    Orphan,
}

/// What an action did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDone {
    /// What it created or evicted.
    pub affected: Vec<String>,
    /// What a drain left in place on purpose, and why.
    pub skipped: Vec<(String, String)>,
}

/// Applies YAML (one or several documents) with server-side apply, or previews it as a dry run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyYaml {
    /// The context.
    pub context: String,
    /// Where namespaced objects without a namespace go; the context's namespace when `None`.
    pub namespace: Option<String>,
    /// The text.
    pub yaml: String,
    /// Take the fields other managers own.
    pub force: bool,
    /// Change nothing; answer what would happen.
    pub dry_run: bool,
}

impl Command for ApplyYaml {
    const NAME: &'static str = "apply_yaml";
    type Output = ApplyOutcome;
}

/// What an apply did (or would do), or why the text cannot be applied as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ApplyOutcome {
    /// A document does not parse or lacks what an apply needs; nothing was sent.
    Invalid {
        /// The document, from 1.
        document: usize,
        /// The line, from 1.
        line: usize,
        /// Why.
        reason: String,
    },
    /// Each document's outcome.
    Applied {
        /// In the text's order.
        documents: Vec<AppliedDocument>,
    },
}

/// One document's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDocument {
    /// The document, from 1.
    pub document: usize,
    /// Its first line.
    pub line: usize,
    /// The object's kind.
    pub kind: String,
    /// Its namespace.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// What happened.
    pub result: DocumentResult,
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DocumentResult {
    /// Applied (or, in a dry run, would be).
    Done {
        /// What changed.
        change: Change,
        /// The object's diff, with context.
        diff: Vec<DiffLine>,
    },
    /// Fields other managers own would change: apply with force to take them.
    Conflicts {
        /// The server's message.
        message: String,
        /// Each field and its manager.
        fields: Vec<FieldConflict>,
    },
    /// Refused: why.
    Refused {
        /// The message.
        message: String,
    },
}

/// What an apply changes in an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// New.
    Created,
    /// Changed.
    Configured,
    /// As it was.
    Unchanged,
}

/// A field another manager owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// The manager.
    pub manager: String,
    /// The field (`.spec.replicas`).
    pub field: String,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum DiffLine {
    /// Unchanged.
    Same(String),
    /// Added.
    Added(String),
    /// Removed.
    Removed(String),
    /// Unchanged lines left out.
    Gap,
}
