//! Tenancy's limits: each project's quotas (core ResourceQuotas) and default container limits
//! (LimitRanges of type Container), and each workspace's quota. A workspace is the value of the
//! namespaces' `kubesphere.io/workspace` label; its quota is KubeSphere's cluster-scoped
//! `quota.kubesphere.io/v1alpha2` ResourceQuota where that resource exists (its selector and
//! label forced to the workspace, as KubeSphere's API forces them), and otherwise a ResourceQuota
//! in each of its projects, labelled with the workspace, the total split evenly between them.
//!
//! Keys and amounts are checked before anything is sent, and the KubeSphere 3.2 console's
//! mistakes are refused with what to write instead: `limits.<extended resource>` (Kubernetes
//! counts GPUs by requests only), `count/ingresses.extensions` (counts nothing since 1.22), a
//! LimitRange without a name. Every quota and LimitRange of a project is shown, not only the
//! first.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams};
use serde_json::{Value, json};

use crate::actions::post_params;
use crate::connect::REQUEST_TIMEOUT;
use crate::gpus::is_gpu_resource;
use crate::health::parse_quantity;

/// The label that puts a namespace in a workspace.
pub const WORKSPACE_LABEL: &str = "kubesphere.io/workspace";
/// The label of the project quotas a workspace's quota is split into, where KubeSphere's
/// workspace quotas do not exist.
pub const SPREAD_LABEL: &str = "kubedesk.io/workspace-quota";
/// The name of those project quotas.
pub const SPREAD_NAME: &str = "workspace-quota";

/// A quota's limits or usage, by key (`requests.nvidia.com/gpu`: `4`).
pub type Amounts = BTreeMap<String, String>;

/// The cluster's projects and workspaces with their limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenancy {
    /// Whether KubeSphere's workspace quotas exist in the cluster.
    pub kubesphere_quotas: bool,
    /// Every namespace, by name.
    pub projects: Vec<Project>,
    /// Every workspace some namespace names, or that has a quota, by name.
    pub workspaces: Vec<Workspace>,
}

/// A namespace with its limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// Its name.
    pub name: String,
    /// Its workspace.
    pub workspace: Option<String>,
    /// Its ResourceQuotas.
    pub quotas: Vec<Quota>,
    /// Its LimitRanges' container defaults.
    pub limit_ranges: Vec<ContainerDefaults>,
}

/// A quota: what it limits and what is used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quota {
    /// Its name.
    pub name: String,
    /// Its limits.
    pub hard: Amounts,
    /// What is used, as the quota controller counted it; a key it does not count is absent.
    pub used: Amounts,
    /// The workspace whose quota it is a share of, when it is one.
    pub share_of: Option<String>,
}

/// A LimitRange's limits for containers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerDefaults {
    /// Its name.
    pub name: String,
    /// The limits a container without its own gets.
    pub default: Amounts,
    /// The requests a container without its own gets.
    pub default_request: Amounts,
    /// The most a container may have.
    pub max: Amounts,
    /// The least a container may have.
    pub min: Amounts,
}

/// A workspace and its quota.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    /// Its name.
    pub name: String,
    /// Its projects.
    pub projects: Vec<String>,
    /// Its quota, if it has one.
    pub quota: Option<WorkspaceQuota>,
}

/// A workspace's quota.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceQuota {
    /// Its limits across the workspace.
    pub hard: Amounts,
    /// What the workspace's projects use together, where it was counted.
    pub used: Amounts,
    /// Whether it is split into project quotas (no KubeSphere) rather than KubeSphere's own.
    pub spread: bool,
}

/// Why a quota or LimitRange was not saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// An input is wrong: its key (`requests.cpu`, or `name`), why, and what would do.
    #[error("{message}")]
    Invalid {
        /// The key or input.
        key: String,
        /// Why, and what would do.
        message: String,
    },
    /// The server refused or failed: its message.
    #[error("{0}")]
    Server(String),
}

impl From<kube::Error> for QuotaError {
    fn from(error: kube::Error) -> Self {
        Self::Server(crate::health::message(&error))
    }
}

fn invalid(key: &str, message: String) -> QuotaError {
    QuotaError::Invalid {
        key: key.to_owned(),
        message,
    }
}

/// KubeSphere's workspace quota resource.
fn workspace_quota_resource() -> ApiResource {
    ApiResource {
        group: "quota.kubesphere.io".into(),
        version: "v1alpha2".into(),
        api_version: "quota.kubesphere.io/v1alpha2".into(),
        kind: "ResourceQuota".into(),
        plural: "resourcequotas".into(),
    }
}

fn amounts(map: Option<&BTreeMap<String, Quantity>>) -> Amounts {
    map.into_iter()
        .flatten()
        .map(|(key, quantity)| (key.clone(), quantity.0.clone()))
        .collect()
}

fn amounts_of(value: &Value, pointer: &str) -> Amounts {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, amount)| Some((key.clone(), amount.as_str()?.to_owned())))
        .collect()
}

/// Whether KubeSphere's workspace quotas are served.
async fn has_kubesphere_quotas(client: &kube::Client) -> Result<bool, kube::Error> {
    match client
        .list_api_group_resources("quota.kubesphere.io/v1alpha2")
        .await
    {
        Ok(list) => Ok(list
            .resources
            .iter()
            .any(|resource| resource.name == "resourcequotas")),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(error) => Err(error),
    }
}

/// Reads every namespace's quotas and LimitRanges, and the workspaces' quotas.
pub async fn read(client: &kube::Client) -> Result<Tenancy, kube::Error> {
    let all = ListParams::default();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let quotas: Api<ResourceQuota> = Api::all(client.clone());
    let ranges: Api<LimitRange> = Api::all(client.clone());
    let (namespaces, quotas, ranges, kubesphere_quotas) =
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            tokio::try_join!(
                namespaces.list(&all),
                quotas.list(&all),
                ranges.list(&all),
                has_kubesphere_quotas(client),
            )
        })
        .await
        .map_err(|_| kube::Error::Service("no answer in time".into()))??;
    let mut projects: Vec<Project> = namespaces
        .items
        .iter()
        .map(|namespace| Project {
            name: namespace.metadata.name.clone().unwrap_or_default(),
            workspace: namespace
                .metadata
                .labels
                .as_ref()
                .and_then(|labels| labels.get(WORKSPACE_LABEL))
                .cloned(),
            ..Project::default()
        })
        .collect();
    projects.sort_by(|a, b| a.name.cmp(&b.name));
    for quota in &quotas.items {
        let namespace = quota.metadata.namespace.clone().unwrap_or_default();
        let Some(project) = projects
            .iter_mut()
            .find(|project| project.name == namespace)
        else {
            continue;
        };
        project.quotas.push(Quota {
            name: quota.metadata.name.clone().unwrap_or_default(),
            hard: amounts(quota.spec.as_ref().and_then(|spec| spec.hard.as_ref())),
            used: amounts(
                quota
                    .status
                    .as_ref()
                    .and_then(|status| status.used.as_ref()),
            ),
            share_of: quota
                .metadata
                .labels
                .as_ref()
                .and_then(|labels| labels.get(SPREAD_LABEL))
                .cloned(),
        });
    }
    for range in &ranges.items {
        let namespace = range.metadata.namespace.clone().unwrap_or_default();
        let Some(project) = projects
            .iter_mut()
            .find(|project| project.name == namespace)
        else {
            continue;
        };
        let container = range
            .spec
            .as_ref()
            .and_then(|spec| spec.limits.iter().find(|limit| limit.type_ == "Container"));
        project.limit_ranges.push(ContainerDefaults {
            name: range.metadata.name.clone().unwrap_or_default(),
            default: amounts(container.and_then(|limit| limit.default.as_ref())),
            default_request: amounts(container.and_then(|limit| limit.default_request.as_ref())),
            max: amounts(container.and_then(|limit| limit.max.as_ref())),
            min: amounts(container.and_then(|limit| limit.min.as_ref())),
        });
    }
    let mut workspaces: BTreeMap<String, Workspace> = BTreeMap::new();
    for project in &projects {
        if let Some(workspace) = &project.workspace {
            let entry = workspaces
                .entry(workspace.clone())
                .or_insert_with(|| Workspace {
                    name: workspace.clone(),
                    ..Workspace::default()
                });
            entry.projects.push(project.name.clone());
        }
    }
    if kubesphere_quotas {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &workspace_quota_resource());
        for quota in api.list(&all).await?.items {
            let name = quota.metadata.name.clone().unwrap_or_default();
            let entry = workspaces.entry(name.clone()).or_insert_with(|| Workspace {
                name,
                ..Workspace::default()
            });
            entry.quota = Some(WorkspaceQuota {
                hard: amounts_of(&quota.data, "/spec/quota/hard"),
                used: amounts_of(&quota.data, "/status/total/used"),
                spread: false,
            });
        }
    } else {
        for workspace in workspaces.values_mut() {
            workspace.quota = spread_quota(&projects, &workspace.name);
        }
    }
    Ok(Tenancy {
        kubesphere_quotas,
        projects,
        workspaces: workspaces.into_values().collect(),
    })
}

/// A workspace's quota put together from its shares in its projects.
fn spread_quota(projects: &[Project], workspace: &str) -> Option<WorkspaceQuota> {
    let shares: Vec<&Quota> = projects
        .iter()
        .flat_map(|project| &project.quotas)
        .filter(|quota| quota.share_of.as_deref() == Some(workspace))
        .collect();
    if shares.is_empty() {
        return None;
    }
    let sum = |pick: fn(&Quota) -> &Amounts| {
        let mut total: BTreeMap<String, f64> = BTreeMap::new();
        for share in &shares {
            for (key, amount) in pick(share) {
                *total.entry(key.clone()).or_default() += parse_quantity(amount).unwrap_or(0.0);
            }
        }
        total
            .into_iter()
            .map(|(key, value)| {
                let text = format_amount(&key, value);
                (key, text)
            })
            .collect()
    };
    Some(WorkspaceQuota {
        hard: sum(|quota| &quota.hard),
        used: sum(|quota| &quota.used),
        spread: true,
    })
}

/// The quota keys Kubernetes knows by name.
const STANDARD_KEYS: [&str; 19] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "requests.storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "services.nodeports",
    "services.loadbalancers",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
];

/// Whether `key` is an amount of bytes (memory or storage).
fn is_bytes(key: &str) -> bool {
    key.ends_with("memory") || key.ends_with("storage") || key.contains("hugepages-")
}

/// Whether `key` is an amount of CPU.
fn is_cpu(key: &str) -> bool {
    key == "cpu" || key.ends_with(".cpu")
}

/// Checks a key for a ResourceQuota's `hard`, refusing what Kubernetes would not count.
fn check_key(key: &str) -> Result<(), QuotaError> {
    if let Some(resource) = key.strip_prefix("limits.")
        && resource.contains('/')
    {
        return Err(invalid(
            key,
            format!(
                "{key} is never counted: Kubernetes counts GPUs and other extended resources in a quota by their requests only, as they cannot be overcommitted. Write requests.{resource} instead."
            ),
        ));
    }
    if key == "count/ingresses.extensions" {
        return Err(invalid(
            key,
            "count/ingresses.extensions counts nothing on Kubernetes 1.22 and later, where Ingresses are served by networking.k8s.io. Write count/ingresses.networking.k8s.io instead.".to_owned(),
        ));
    }
    let known = STANDARD_KEYS.contains(&key)
        || key.starts_with("count/") && key.len() > "count/".len()
        || key.starts_with("hugepages-")
        || key.starts_with("requests.hugepages-")
        || key
            .strip_prefix("requests.")
            .is_some_and(|resource| resource.contains('/'))
        || key.ends_with(".storageclass.storage.k8s.io/requests.storage")
        || key.ends_with(".storageclass.storage.k8s.io/persistentvolumeclaims");
    if known {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!(
                "\"{key}\" is not a quota key: use a standard one (requests.cpu, limits.memory, pods, …), count/<resource>, or requests.<extended resource> such as requests.nvidia.com/gpu."
            ),
        ))
    }
}

/// Whether `key` counts whole things (objects, pods, GPUs).
fn whole(key: &str) -> bool {
    !(is_cpu(key) || is_bytes(key))
}

/// Checks an amount for `key`: a quantity, not negative, whole where `key` counts things.
fn check_amount(key: &str, amount: &str) -> Result<f64, QuotaError> {
    let amount = amount.trim();
    let Some(value) = parse_quantity(amount).filter(|value| value.is_finite()) else {
        let example = if whole(key) {
            "a whole number such as 4"
        } else {
            "a number such as 4, 500m or 16Gi"
        };
        return Err(invalid(
            key,
            format!("\"{amount}\" is not an amount for {key}: write {example}."),
        ));
    };
    if value < 0.0 {
        return Err(invalid(
            key,
            format!("{key} cannot be negative (\"{amount}\")."),
        ));
    }
    if whole(key) && value.fract() != 0.0 {
        return Err(invalid(
            key,
            format!(
                "{key} counts whole {}; \"{amount}\" is not a whole number.",
                if key.contains('/') && is_gpu_resource(key.trim_start_matches("requests.")) {
                    "GPUs"
                } else {
                    "things"
                }
            ),
        ));
    }
    Ok(value)
}

/// Checks a quota's limits, blank amounts left out; what is wrong is named.
pub fn check_hard(entries: &[(String, String)]) -> Result<Amounts, QuotaError> {
    let mut hard = Amounts::new();
    for (key, amount) in entries {
        let key = key.trim();
        if amount.trim().is_empty() {
            continue;
        }
        if key.is_empty() {
            return Err(invalid(
                "",
                format!(
                    "The amount \"{}\" has no key: name what it limits, such as requests.cpu.",
                    amount.trim()
                ),
            ));
        }
        check_key(key)?;
        check_amount(key, amount)?;
        if hard
            .insert(key.to_owned(), amount.trim().to_owned())
            .is_some()
        {
            return Err(invalid(key, format!("{key} is given twice; keep one.")));
        }
    }
    if hard.is_empty() {
        return Err(invalid(
            "",
            "A quota needs at least one limit; to have none, delete the quota.".to_owned(),
        ));
    }
    Ok(hard)
}

fn check_name(name: &str) -> Result<String, QuotaError> {
    crate::storage::create::check_name(name).map_err(|error| invalid("name", error.to_string()))
}

fn quantities(amounts: &Amounts) -> BTreeMap<String, Quantity> {
    amounts
        .iter()
        .map(|(key, amount)| (key.clone(), Quantity(amount.clone())))
        .collect()
}

/// Creates the project quota `namespace`/`name`, or sets its limits to `hard` (its scopes and
/// everything else kept).
pub async fn save_project_quota(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    hard: &[(String, String)],
) -> Result<(), QuotaError> {
    let name = check_name(name)?;
    let hard = check_hard(hard)?;
    let api: Api<ResourceQuota> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(&name).await? {
        Some(mut quota) => {
            quota.spec.get_or_insert_default().hard = Some(quantities(&hard));
            api.replace(&name, &post_params(), &quota).await?;
        }
        None => {
            let quota: ResourceQuota = serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"hard": hard},
            }))
            .map_err(|error| QuotaError::Server(error.to_string()))?;
            api.create(&post_params(), &quota).await?;
        }
    }
    Ok(())
}

/// Deletes the project quota `namespace`/`name`.
pub async fn delete_project_quota(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<(), QuotaError> {
    let api: Api<ResourceQuota> = Api::namespaced(client.clone(), namespace);
    api.delete(name, &DeleteParams::default()).await?;
    Ok(())
}

/// Creates the LimitRange `namespace`/`name`, or sets its container defaults (its other limits
/// and types kept). A default request above its default limit is refused, as Kubernetes would.
pub async fn save_limit_range(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    default: &[(String, String)],
    default_request: &[(String, String)],
) -> Result<(), QuotaError> {
    let name = check_name(name)?;
    let read = |entries: &[(String, String)]| -> Result<Amounts, QuotaError> {
        let mut amounts = Amounts::new();
        for (key, amount) in entries {
            if amount.trim().is_empty() {
                continue;
            }
            check_amount(key, amount)?;
            amounts.insert(key.trim().to_owned(), amount.trim().to_owned());
        }
        Ok(amounts)
    };
    let default = read(default)?;
    let default_request = read(default_request)?;
    for (key, request) in &default_request {
        let limit = default.get(key).and_then(|limit| parse_quantity(limit));
        if let (Some(limit), Some(asked)) = (limit, parse_quantity(request))
            && asked > limit
        {
            return Err(invalid(
                key,
                format!(
                    "The default request of {key} ({request}) is more than its default limit ({}); a request cannot exceed its limit.",
                    default[key]
                ),
            ));
        }
    }
    if default.is_empty() && default_request.is_empty() {
        return Err(invalid(
            "",
            "Give at least one default; to have none, delete the LimitRange.".to_owned(),
        ));
    }
    let api: Api<LimitRange> = Api::namespaced(client.clone(), namespace);
    let container =
        json!({"type": "Container", "default": default, "defaultRequest": default_request});
    match api.get_opt(&name).await? {
        Some(range) => {
            let mut value = serde_json::to_value(&range)
                .map_err(|error| QuotaError::Server(error.to_string()))?;
            let limits = value["spec"]["limits"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut kept: Vec<Value> = Vec::new();
            let mut placed = false;
            for mut limit in limits {
                if limit["type"] == "Container" && !placed {
                    limit["default"] = container["default"].clone();
                    limit["defaultRequest"] = container["defaultRequest"].clone();
                    placed = true;
                }
                kept.push(limit);
            }
            if !placed {
                kept.push(container);
            }
            value["spec"]["limits"] = Value::Array(kept);
            let range: LimitRange = serde_json::from_value(value)
                .map_err(|error| QuotaError::Server(error.to_string()))?;
            api.replace(&name, &post_params(), &range).await?;
        }
        None => {
            let range: LimitRange = serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"limits": [container]},
            }))
            .map_err(|error| QuotaError::Server(error.to_string()))?;
            api.create(&post_params(), &range).await?;
        }
    }
    Ok(())
}

/// Deletes the LimitRange `namespace`/`name`.
pub async fn delete_limit_range(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<(), QuotaError> {
    let api: Api<LimitRange> = Api::namespaced(client.clone(), namespace);
    api.delete(name, &DeleteParams::default()).await?;
    Ok(())
}

/// The projects of `workspace`.
async fn projects_of(client: &kube::Client, workspace: &str) -> Result<Vec<String>, kube::Error> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let listed = namespaces
        .list(&ListParams::default().labels(&format!("{WORKSPACE_LABEL}={workspace}")))
        .await?;
    Ok(listed
        .items
        .into_iter()
        .filter_map(|namespace| namespace.metadata.name)
        .collect())
}

/// Sets `workspace`'s quota to `hard`: KubeSphere's workspace quota where it exists (made with
/// the workspace's selector and label), otherwise a share in each of its projects.
pub async fn save_workspace_quota(
    client: &kube::Client,
    workspace: &str,
    hard: &[(String, String)],
) -> Result<(), QuotaError> {
    let hard = check_hard(hard)?;
    if has_kubesphere_quotas(client).await? {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &workspace_quota_resource());
        let selector = json!({WORKSPACE_LABEL: workspace});
        match api.get_opt(workspace).await? {
            Some(mut quota) => {
                quota.data["spec"]["quota"]["hard"] = json!(hard);
                quota.data["spec"]["selector"] = selector;
                quota
                    .metadata
                    .labels
                    .get_or_insert_default()
                    .insert(WORKSPACE_LABEL.to_owned(), workspace.to_owned());
                api.replace(workspace, &post_params(), &quota).await?;
            }
            None => {
                let mut quota = DynamicObject::new(workspace, &workspace_quota_resource());
                quota.metadata.labels = Some(
                    [(WORKSPACE_LABEL.to_owned(), workspace.to_owned())]
                        .into_iter()
                        .collect(),
                );
                quota.data = json!({"spec": {"selector": selector, "quota": {"hard": hard}}});
                api.create(&post_params(), &quota).await?;
            }
        }
        return Ok(());
    }
    let projects = projects_of(client, workspace).await?;
    if projects.is_empty() {
        return Err(invalid(
            "",
            format!(
                "Workspace {workspace} has no projects to share its quota: label a namespace {WORKSPACE_LABEL}={workspace} first."
            ),
        ));
    }
    for (index, project) in projects.iter().enumerate() {
        let share: Amounts = hard
            .iter()
            .map(|(key, amount)| {
                let total = parse_quantity(amount).unwrap_or(0.0);
                (key.clone(), share_of(key, total, projects.len(), index))
            })
            .collect();
        let api: Api<ResourceQuota> = Api::namespaced(client.clone(), project);
        let mut quota: ResourceQuota = match api.get_opt(SPREAD_NAME).await? {
            Some(quota) => quota,
            None => serde_json::from_value(json!({
                "metadata": {"name": SPREAD_NAME, "namespace": project},
            }))
            .map_err(|error| QuotaError::Server(error.to_string()))?,
        };
        quota
            .metadata
            .labels
            .get_or_insert_default()
            .insert(SPREAD_LABEL.to_owned(), workspace.to_owned());
        quota.spec.get_or_insert_default().hard = Some(quantities(&share));
        if quota.metadata.resource_version.is_some() {
            api.replace(SPREAD_NAME, &post_params(), &quota).await?;
        } else {
            api.create(&post_params(), &quota).await?;
        }
    }
    Ok(())
}

/// Deletes `workspace`'s quota: KubeSphere's, or its shares in its projects.
pub async fn delete_workspace_quota(
    client: &kube::Client,
    workspace: &str,
) -> Result<(), QuotaError> {
    if has_kubesphere_quotas(client).await? {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &workspace_quota_resource());
        api.delete(workspace, &DeleteParams::default()).await?;
        return Ok(());
    }
    let quotas: Api<ResourceQuota> = Api::all(client.clone());
    let shares = quotas
        .list(&ListParams::default().labels(&format!("{SPREAD_LABEL}={workspace}")))
        .await?;
    for share in shares.items {
        let namespace = share.metadata.namespace.clone().unwrap_or_default();
        let api: Api<ResourceQuota> = Api::namespaced(client.clone(), &namespace);
        api.delete(
            share.metadata.name.as_deref().unwrap_or_default(),
            &DeleteParams::default(),
        )
        .await?;
    }
    Ok(())
}

/// The `index`th of `count` even shares of `total` for `key`: whole things and milli-CPUs
/// split with the remainder going to the first shares, bytes to the byte.
fn share_of(key: &str, total: f64, count: usize, index: usize) -> String {
    let unit = if is_cpu(key) { 1000.0 } else { 1.0 };
    let units = (total * unit).round() as u128;
    let count = count.max(1) as u128;
    let index = index as u128;
    let share = units / count + u128::from(index < units % count);
    format_amount(key, share as f64 / unit)
}

/// An amount for `key` as Kubernetes would write it: CPUs in whole or milli, bytes with the
/// largest binary suffix that divides them, other things whole.
pub fn format_amount(key: &str, value: f64) -> String {
    if is_cpu(key) {
        let milli = (value * 1000.0).round() as u128;
        return if milli.is_multiple_of(1000) {
            (milli / 1000).to_string()
        } else {
            format!("{milli}m")
        };
    }
    let whole = value.round() as u128;
    if is_bytes(key) && whole > 0 {
        for (suffix, power) in [("Ti", 4), ("Gi", 3), ("Mi", 2), ("Ki", 1)] {
            let size = 1024_u128.pow(power);
            if whole.is_multiple_of(size) {
                return format!("{}{suffix}", whole / size);
            }
        }
    }
    whole.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_kubernetes_would_not_count_are_refused_with_what_to_write() {
        let refused = |key: &str, amount: &str| {
            check_hard(&[(key.to_owned(), amount.to_owned())])
                .unwrap_err()
                .to_string()
        };
        assert!(
            refused("limits.nvidia.com/gpu", "4").contains("Write requests.nvidia.com/gpu instead")
        );
        assert!(
            refused("count/ingresses.extensions", "4")
                .contains("count/ingresses.networking.k8s.io")
        );
        assert!(refused("gpu", "4").contains("\"gpu\" is not a quota key"));
        assert!(
            refused("requests.cpu", "four").contains("\"four\" is not an amount for requests.cpu")
        );
        assert!(refused("requests.nvidia.com/gpu", "1.5").contains("counts whole GPUs"));
        assert!(refused("requests.memory", "-1Gi").contains("cannot be negative"));
        let hard = check_hard(&[
            ("requests.nvidia.com/gpu".into(), "4".into()),
            ("limits.memory".into(), " 64Gi ".into()),
            ("pods".into(), String::new()),
            ("count/deployments.apps".into(), "10".into()),
            (
                "fast.storageclass.storage.k8s.io/requests.storage".into(),
                "1Ti".into(),
            ),
        ])
        .unwrap();
        assert_eq!(hard.len(), 4, "a blank amount is no limit: {hard:?}");
        assert_eq!(hard["limits.memory"], "64Gi");
    }

    #[test]
    fn a_workspace_total_is_shared_evenly_with_the_remainder_first() {
        let shares = |key: &str, total: &str| -> Vec<String> {
            let total = parse_quantity(total).unwrap();
            (0..3).map(|index| share_of(key, total, 3, index)).collect()
        };
        assert_eq!(shares("requests.nvidia.com/gpu", "8"), ["3", "3", "2"]);
        assert_eq!(shares("requests.cpu", "1"), ["334m", "333m", "333m"]);
        assert_eq!(shares("limits.cpu", "6"), ["2", "2", "2"]);
        assert_eq!(shares("requests.memory", "3Gi"), ["1Gi", "1Gi", "1Gi"]);
        assert_eq!(
            format_amount("requests.memory", 1536.0 * 1024.0 * 1024.0),
            "1536Mi"
        );
    }
}
