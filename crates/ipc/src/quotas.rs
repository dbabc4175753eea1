//! Projects' and workspaces' limits: each project's quotas and default container limits, each
//! workspace's quota, with usage; and the commands that save and delete them.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Asks for the cluster's projects and workspaces with their limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetTenancy {
    /// The context.
    pub context: String,
}

impl Command for GetTenancy {
    const NAME: &'static str = "get_tenancy";
    type Output = TenancyView;
}

/// The cluster's projects and workspaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenancyView {
    /// Whether KubeSphere's workspace quotas exist; without them a workspace's quota is shared
    /// out as a quota in each of its projects.
    pub kubesphere_quotas: bool,
    /// The GPU resources the cluster's nodes advertise, offered as GPU types.
    pub gpu_resources: Vec<String>,
    /// Every workspace.
    pub workspaces: Vec<WorkspaceView>,
    /// Every project (namespace).
    pub projects: Vec<ProjectView>,
}

/// A workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceView {
    /// Its name.
    pub name: String,
    /// Its projects.
    pub projects: Vec<String>,
    /// Its quota's lines, if it has one.
    pub quota: Option<Vec<QuotaLine>>,
    /// Whether its quota is shared out as project quotas.
    pub spread: bool,
}

/// A project (namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    /// Its name.
    pub name: String,
    /// Its workspace.
    pub workspace: Option<String>,
    /// Its quotas.
    pub quotas: Vec<QuotaView>,
    /// Its LimitRanges' container defaults.
    pub limit_ranges: Vec<LimitRangeView>,
}

/// A project quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Its name.
    pub name: String,
    /// Its lines.
    pub lines: Vec<QuotaLine>,
    /// The workspace whose quota it is a share of.
    pub share_of: Option<String>,
}

/// One limit of a quota with its use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLine {
    /// The key (`requests.nvidia.com/gpu`).
    pub key: String,
    /// The limit.
    pub hard: String,
    /// What is used, where it was counted.
    pub used: Option<String>,
    /// Used of the limit, percent (above 100 when over).
    pub percent: Option<u32>,
    /// Whether Kubernetes counts this key at all (`limits.nvidia.com/gpu` it never does).
    pub counted: bool,
}

/// A LimitRange's container defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitRangeView {
    /// Its name.
    pub name: String,
    /// The limits a container without its own gets.
    pub default: Vec<(String, String)>,
    /// The requests a container without its own gets.
    pub default_request: Vec<(String, String)>,
    /// The most a container may have.
    pub max: Vec<(String, String)>,
    /// The least a container may have.
    pub min: Vec<(String, String)>,
}

/// How saving a quota or LimitRange went: saved, or nothing sent because an input is wrong.
/// Server refusals come back as errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum QuotaOutcome {
    /// Saved.
    Saved,
    /// Nothing sent: this input is wrong.
    Invalid {
        /// The key it is about (`requests.cpu`), `name`, or empty for the whole form.
        key: String,
        /// Why, and what would do.
        message: String,
    },
}

/// Creates or changes a project quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveProjectQuota {
    /// The context.
    pub context: String,
    /// The project.
    pub namespace: String,
    /// The quota's name.
    pub name: String,
    /// Its limits, key and amount; a blank amount is no limit.
    pub hard: Vec<(String, String)>,
}

impl Command for SaveProjectQuota {
    const NAME: &'static str = "save_project_quota";
    type Output = QuotaOutcome;
}

/// Deletes a project quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteProjectQuota {
    /// The context.
    pub context: String,
    /// The project.
    pub namespace: String,
    /// The quota's name.
    pub name: String,
}

impl Command for DeleteProjectQuota {
    const NAME: &'static str = "delete_project_quota";
    type Output = ();
}

/// Creates or changes a project's default container limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveLimitRange {
    /// The context.
    pub context: String,
    /// The project.
    pub namespace: String,
    /// The LimitRange's name.
    pub name: String,
    /// Default limits, key and amount; a blank amount is none.
    pub default: Vec<(String, String)>,
    /// Default requests.
    pub default_request: Vec<(String, String)>,
}

impl Command for SaveLimitRange {
    const NAME: &'static str = "save_limit_range";
    type Output = QuotaOutcome;
}

/// Deletes a LimitRange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteLimitRange {
    /// The context.
    pub context: String,
    /// The project.
    pub namespace: String,
    /// The LimitRange's name.
    pub name: String,
}

impl Command for DeleteLimitRange {
    const NAME: &'static str = "delete_limit_range";
    type Output = ();
}

/// Creates or changes a workspace's quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveWorkspaceQuota {
    /// The context.
    pub context: String,
    /// The workspace.
    pub workspace: String,
    /// Its limits across the workspace; a blank amount is no limit.
    pub hard: Vec<(String, String)>,
}

impl Command for SaveWorkspaceQuota {
    const NAME: &'static str = "save_workspace_quota";
    type Output = QuotaOutcome;
}

/// Deletes a workspace's quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteWorkspaceQuota {
    /// The context.
    pub context: String,
    /// The workspace.
    pub workspace: String,
}

impl Command for DeleteWorkspaceQuota {
    const NAME: &'static str = "delete_workspace_quota";
    type Output = ();
}
