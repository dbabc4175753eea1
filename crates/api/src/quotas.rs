//! Projects' and workspaces' limits: `get_tenancy` reads them through `kubedesk-cluster`'s
//! `quotas.rs` with each limit's use as a share; the save and delete commands change them. An
//! input that is wrong comes back as [`ipc::QuotaOutcome::Invalid`] naming it; what the server
//! refuses, as an error with its message.

use kubedesk_cluster::quotas::{self, Amounts, QuotaError};
use kubedesk_cluster::{gpus, health::parse_quantity};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;

/// Each limit with what is used of it. A key the quota controller leaves out of `used` is one
/// Kubernetes does not count.
fn lines(hard: &Amounts, used: &Amounts, counted_everywhere: bool) -> Vec<ipc::QuotaLine> {
    hard.iter()
        .map(|(key, limit)| {
            let used = used.get(key).cloned();
            let percent = used
                .as_deref()
                .and_then(parse_quantity)
                .zip(parse_quantity(limit))
                .map(|(used, limit)| {
                    if limit > 0.0 {
                        (used / limit * 100.0).round() as u32
                    } else if used > 0.0 {
                        100
                    } else {
                        0
                    }
                });
            let extended_limit = key
                .strip_prefix("limits.")
                .is_some_and(|resource| resource.contains('/'));
            ipc::QuotaLine {
                counted: !extended_limit && (counted_everywhere || used.is_some()),
                key: key.clone(),
                hard: limit.clone(),
                used,
                percent,
            }
        })
        .collect()
}

fn pairs(amounts: Amounts) -> Vec<(String, String)> {
    amounts.into_iter().collect()
}

fn unavailable(context: &str, error: &impl std::fmt::Display) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!("The quotas of {context} could not be read: {error}."),
        hint: Some(
            "Check that you may list the cluster's namespaces, ResourceQuotas and LimitRanges."
                .to_owned(),
        ),
    }
}

/// The cluster's projects and workspaces with their limits.
pub async fn get_tenancy(
    app: &App,
    request: ipc::GetTenancy,
) -> Result<ipc::TenancyView, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let tenancy = quotas::read(&client)
        .await
        .map_err(|error| unavailable(&request.context, &error))?;
    let gpu_resources = gpus::advertised(&client)
        .await
        .map_err(|error| unavailable(&request.context, &error))?;
    Ok(ipc::TenancyView {
        kubesphere_quotas: tenancy.kubesphere_quotas,
        gpu_resources,
        workspaces: tenancy
            .workspaces
            .into_iter()
            .map(|workspace| ipc::WorkspaceView {
                spread: workspace.quota.as_ref().is_some_and(|quota| quota.spread),
                quota: workspace.quota.map(|quota| {
                    // KubeSphere's controller may not have counted it yet: then nothing is said
                    // to be uncounted.
                    let counted_everywhere = quota.used.is_empty();
                    lines(&quota.hard, &quota.used, counted_everywhere)
                }),
                name: workspace.name,
                projects: workspace.projects,
            })
            .collect(),
        projects: tenancy
            .projects
            .into_iter()
            .map(|project| ipc::ProjectView {
                name: project.name,
                workspace: project.workspace,
                quotas: project
                    .quotas
                    .into_iter()
                    .map(|quota| ipc::QuotaView {
                        lines: lines(&quota.hard, &quota.used, quota.used.is_empty()),
                        name: quota.name,
                        share_of: quota.share_of,
                    })
                    .collect(),
                limit_ranges: project
                    .limit_ranges
                    .into_iter()
                    .map(|range| ipc::LimitRangeView {
                        name: range.name,
                        default: pairs(range.default),
                        default_request: pairs(range.default_request),
                        max: pairs(range.max),
                        min: pairs(range.min),
                    })
                    .collect(),
            })
            .collect(),
    })
}

fn outcome(result: Result<(), QuotaError>) -> Result<ipc::QuotaOutcome, ipc::Error> {
    match result {
        Ok(()) => Ok(ipc::QuotaOutcome::Saved),
        Err(QuotaError::Invalid { key, message }) => {
            Ok(ipc::QuotaOutcome::Invalid { key, message })
        }
        // What the server refused: the form stays as typed.
        Err(QuotaError::Server(message)) => Err(ipc::Error {
            code: ipc::ErrorCode::Internal,
            message,
            hint: Some(
                "Change what the message names and try again; what you typed is kept.".to_owned(),
            ),
        }),
    }
}

fn deleted(result: Result<(), QuotaError>) -> Result<(), ipc::Error> {
    outcome(result).map(|_| ())
}

/// Creates or changes a project quota.
pub async fn save_project_quota(
    app: &App,
    request: ipc::SaveProjectQuota,
) -> Result<ipc::QuotaOutcome, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    outcome(
        quotas::save_project_quota(&client, &request.namespace, &request.name, &request.hard).await,
    )
}

/// Deletes a project quota.
pub async fn delete_project_quota(
    app: &App,
    request: ipc::DeleteProjectQuota,
) -> Result<(), ipc::Error> {
    let client = client::client(app, &request.context).await?;
    deleted(quotas::delete_project_quota(&client, &request.namespace, &request.name).await)
}

/// Creates or changes a project's default container limits.
pub async fn save_limit_range(
    app: &App,
    request: ipc::SaveLimitRange,
) -> Result<ipc::QuotaOutcome, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    outcome(
        quotas::save_limit_range(
            &client,
            &request.namespace,
            &request.name,
            &request.default,
            &request.default_request,
        )
        .await,
    )
}

/// Deletes a LimitRange.
pub async fn delete_limit_range(
    app: &App,
    request: ipc::DeleteLimitRange,
) -> Result<(), ipc::Error> {
    let client = client::client(app, &request.context).await?;
    deleted(quotas::delete_limit_range(&client, &request.namespace, &request.name).await)
}

/// Creates or changes a workspace's quota.
pub async fn save_workspace_quota(
    app: &App,
    request: ipc::SaveWorkspaceQuota,
) -> Result<ipc::QuotaOutcome, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    outcome(quotas::save_workspace_quota(&client, &request.workspace, &request.hard).await)
}

/// Deletes a workspace's quota.
pub async fn delete_workspace_quota(
    app: &App,
    request: ipc::DeleteWorkspaceQuota,
) -> Result<(), ipc::Error> {
    let client = client::client(app, &request.context).await?;
    deleted(quotas::delete_workspace_quota(&client, &request.workspace).await)
}
