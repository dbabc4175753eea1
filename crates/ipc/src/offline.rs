//! The offline store as Settings shows it: what it holds per cluster, forgetting a cluster's
//! data, and exporting a cluster's state to a snapshot file.

use serde::{Deserialize, Serialize};

use crate::Command;

/// What the offline store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetOfflineData {}

impl Command for GetOfflineData {
    const NAME: &'static str = "get_offline_data";
    type Output = OfflineData;
}

/// The offline store: where, how large, per cluster, and any problem it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineData {
    /// Its file.
    pub path: String,
    /// Why it cannot be used (it could not be opened) or why its last write failed (a full
    /// disk); live use goes on either way.
    pub problem: Option<String>,
    /// Bytes of objects kept, in all.
    pub total_bytes: u64,
    /// The file's size on disk.
    pub file_bytes: u64,
    /// Per cluster, largest first.
    pub clusters: Vec<OfflineCluster>,
    /// The snapshot files in the downloads folder, newest first.
    pub snapshots: Vec<SnapshotFile>,
}

/// How large the offline store may grow, in MiB (kept in the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineLimits {
    /// Per cluster.
    pub per_cluster_mib: u64,
    /// In all.
    pub total_mib: u64,
}

impl OfflineLimits {
    /// The limits until the user sets others.
    pub const DEFAULT: Self = Self {
        per_cluster_mib: 512,
        total_mib: 2048,
    };
    /// The least either may be.
    pub const LEAST_MIB: u64 = 16;
}

impl Default for OfflineLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A snapshot file found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    /// The file.
    pub path: String,
    /// The context exported, when the file could be read.
    pub context: Option<String>,
    /// When it was exported (RFC 3339), when the file could be read.
    pub exported_at: Option<String>,
    /// Why it cannot be opened, if it cannot.
    pub problem: Option<String>,
    /// The name it is browsed under, while open.
    pub open_as: Option<String>,
}

/// Opens a snapshot file as a read-only cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSnapshot {
    /// The file.
    pub path: String,
}

impl Command for OpenSnapshot {
    const NAME: &'static str = "open_snapshot";
    type Output = crate::ReadOnlyCluster;
}

/// Closes a snapshot opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseSnapshot {
    /// The name it is browsed under.
    pub name: String,
}

impl Command for CloseSnapshot {
    const NAME: &'static str = "close_snapshot";
    type Output = ();
}

/// What the store holds of one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineCluster {
    /// The context.
    pub context: String,
    /// Bytes of its objects and events.
    pub bytes: u64,
    /// How many objects.
    pub objects: u64,
}

/// Forgets everything the store keeps of a cluster; answers what it holds then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgetOfflineData {
    /// The context.
    pub context: String,
}

impl Command for ForgetOfflineData {
    const NAME: &'static str = "forget_offline_data";
    type Output = OfflineData;
}

/// Writes what the store keeps of a cluster to a snapshot file in the downloads folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportOfflineData {
    /// The context.
    pub context: String,
}

impl Command for ExportOfflineData {
    const NAME: &'static str = "export_offline_data";
    type Output = ExportedSnapshot;
}

/// A snapshot written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedSnapshot {
    /// Its file.
    pub path: String,
}
