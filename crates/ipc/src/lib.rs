//! The contract between the KubeDesk UI and its backend.
//!
//! Every command is a request type that implements [`Command`]: its wire name, and the type it
//! answers with. Every event is a type that implements [`Event`]. Both sides compile against these
//! types, so a renamed field or command breaks the build instead of the running app. This crate
//! builds for wasm32 and native and does no I/O.

mod access;
mod alerts;
mod cluster_gpus;
mod clusters;
mod error;
mod gpu;
mod logs;
mod monitoring;
mod objects;
mod offline;
mod panels;
mod quotas;
mod settings;
mod sign_in;
mod storage;
mod tables;
pub mod units;
mod workload_form;

pub use access::{Access, AccessRule, ActionAccess, GetAccess};
pub use alerts::{
    AlertHandling, AlertRuleView, AlertStanding, AlertView, AlertmanagerView, Alerts, GetAlerts,
    ManagedAlertView, SilenceView,
};
pub use cluster_gpus::{
    GetGpuInventory, GpuDeviceView, GpuHolderView, GpuInventory, GpuModelView, GpuNodeView,
    GpuResourceUse, GpuWaitReason, GpuWaitView,
};
pub use clusters::{
    Capacity, ClusterHealth, ClusterOverview, ContextList, ContextRow, ControlPlaneInfo,
    ControlPlaneLeader, ControlPlaneMember, GetClusterHealth, GetClusterOverview,
    KubeconfigChanged, KubeconfigProblem, ListContexts, ListNamespaces, NamespaceList, NodeInfo,
    NodeSummary, OfflineSince, PodCounts, ProblemKind, ReadOnlyCluster, ReadOnlySource,
    WarningEvent, WorkloadCount,
};
pub use error::{Error, ErrorCode};
pub use gpu::{
    ExportGpuReport, ExportedGpuReport, GpuFinding, GpuHistory, GpuMigInstance, GpuMissing,
    GpuNvLink, GpuProcess, GpuProcessOwner, GpuReading, GpuReadingKind, GpuReportFormat, LocalGpu,
    LocalGpus, LocalGpusSubscription, StopLocalGpus, WatchLocalGpus,
};
pub use logs::{
    LogLine, LogOptions, LogSubscription, LogUpdate, SaveLogs, SavedLogs, StopLogs, WatchLogs,
};
pub use monitoring::{
    DashboardEntry, DashboardView, DeleteDashboard, EtcdMemberView, GetMonitoring, ImportDashboard,
    ImportedDashboard, Monitoring, PanelShape, PanelView, PrometheusAuth, PrometheusGiven,
    PrometheusState, RowView, SeriesView, SetPrometheus, ShowDashboard, VariableChoice,
    VariableView,
};
pub use objects::{
    ActionDone, ActionName, ActionWarning, AppliedDocument, ApplyOutcome, ApplyYaml, Change,
    DiffLine, DocumentResult, FieldConflict, ObjectAction, ObjectCondition, ObjectContainer,
    ObjectDescription, ObjectEvent, ObjectFact, ObjectKey, ObjectOwner, ObjectSubscription,
    ObjectUpdate, OfferedAction, Presence, Propagation, RelatedRows, RunAction, StopObject,
    WatchObject,
};
pub use offline::{
    CloseSnapshot, ExportOfflineData, ExportedSnapshot, ForgetOfflineData, GetOfflineData,
    OfflineCluster, OfflineData, OfflineLimits, OpenSnapshot, SnapshotFile,
};
pub use panels::{
    CreateDashboard, DeletePanel, GetMetricNames, GetPanel, GetVariables, PanelPlace, PanelSpec,
    PreviewPanel, QuerySpec, SavePanel, SaveVariables, VariableSpec, VariableSpecKind,
};
pub use quotas::{
    DeleteLimitRange, DeleteProjectQuota, DeleteWorkspaceQuota, GetTenancy, LimitRangeView,
    ProjectView, QuotaLine, QuotaOutcome, QuotaView, SaveLimitRange, SaveProjectQuota,
    SaveWorkspaceQuota, TenancyView, WorkspaceView,
};
pub use settings::{GetSettings, Language, SaveSettings, Settings, SignInSettings, Theme};
pub use sign_in::{SignIn, SignOut, SignedIn};
pub use storage::{
    CreateStorageClass, CreateVolume, FormField, FormOutcome, GetVolumeChoices, NewStorageClass,
    NewVolume, StorageClassChoice, VolumeChoices, VolumeSource, VolumeSourceChoice,
};
pub use tables::{
    CHANNEL_ARG, ListResources, ObjectKind, QueryTable, ResourceName, ServedResource, StopTable,
    TableCell, TableKind, TableQuery, TableRow, TableStatus, TableSubscription, TableUpdate,
    WatchTable,
};
pub use workload_form::{
    ContainerDraft, CreateWorkload, EnvDraft, EnvFrom, FieldProblem, GetImageTags, GetRegistries,
    GetWorkloadChoices, ImageHit, ImageSearch, MountDraft, PortDraft, PreviewWorkload, ProbeDraft,
    ProbeKind, QuotaFit, RegistryView, RemoveRegistry, SaveRegistry, SearchImages, TolerationDraft,
    VolumeDraft, VolumeFrom, WorkloadChoices, WorkloadDraft, WorkloadKind, WorkloadOutcome,
    WorkloadPreview,
};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A request the UI sends to the backend, answered with [`Command::Output`] or an [`Error`].
///
/// On the wire the request travels as the single argument `request` of the command named
/// [`Command::NAME`].
pub trait Command: Serialize + DeserializeOwned {
    /// The command's name as the backend registers it.
    const NAME: &'static str;
    /// What the command answers with when it succeeds.
    type Output: Serialize + DeserializeOwned;
}

/// A typed message the backend pushes to the UI without being asked.
pub trait Event: Serialize + DeserializeOwned {
    /// The event's name on the wire.
    const NAME: &'static str;
}

/// The name of the one argument every command takes.
pub const REQUEST_ARG: &str = "request";

/// Declares the full list of commands, so that tests can walk all of them.
macro_rules! commands {
    ($($command:ty),* $(,)?) => {
        /// The wire name of every command in the contract.
        pub const COMMAND_NAMES: &[&str] = &[$(<$command as Command>::NAME),*];

        /// One well-formed request per command, as the UI would send it, for contract tests.
        pub fn sample_requests() -> Vec<(&'static str, serde_json::Value)> {
            vec![$((
                <$command as Command>::NAME,
                serde_json::to_value(<$command as Default>::default()).unwrap_or_default(),
            )),*]
        }

        /// Checks that `output` is a valid answer to the command named `name`.
        ///
        /// Returns `None` when no command has that name.
        pub fn check_output(name: &str, output: serde_json::Value) -> Option<Result<(), serde_json::Error>> {
            $(
                if name == <$command as Command>::NAME {
                    return Some(serde_json::from_value::<<$command as Command>::Output>(output).map(drop));
                }
            )*
            None
        }
    };
}

commands![
    ListContexts,
    GetClusterHealth,
    GetClusterOverview,
    ListNamespaces,
    GetSettings,
    SaveSettings,
    SignIn,
    SignOut,
    GetAccess,
    ListResources,
    WatchTable,
    QueryTable,
    StopTable,
    WatchObject,
    StopObject,
    RunAction,
    ApplyYaml,
    GetVolumeChoices,
    CreateVolume,
    CreateStorageClass,
    GetOfflineData,
    ForgetOfflineData,
    ExportOfflineData,
    OpenSnapshot,
    CloseSnapshot,
    WatchLocalGpus,
    StopLocalGpus,
    ExportGpuReport,
    WatchLogs,
    StopLogs,
    SaveLogs,
    GetMonitoring,
    ShowDashboard,
    ImportDashboard,
    DeleteDashboard,
    GetAlerts,
    SetPrometheus,
    CreateDashboard,
    GetPanel,
    SavePanel,
    DeletePanel,
    PreviewPanel,
    GetMetricNames,
    GetVariables,
    SaveVariables,
    GetGpuInventory,
    GetTenancy,
    SaveProjectQuota,
    DeleteProjectQuota,
    SaveLimitRange,
    DeleteLimitRange,
    SaveWorkspaceQuota,
    DeleteWorkspaceQuota,
    GetWorkloadChoices,
    PreviewWorkload,
    CreateWorkload,
    GetRegistries,
    SaveRegistry,
    RemoveRegistry,
    SearchImages,
    GetImageTags
];
