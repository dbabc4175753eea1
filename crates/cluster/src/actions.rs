//! What a user does to an object: scale, restart, delete, trigger a CronJob, cordon, uncordon and
//! drain a node, each done as kubectl does it, and each with the access it needs so that the
//! console offers only what RBAC allows.

use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{
    Api, DeleteParams, DynamicObject, EvictParams, ListParams, Patch, PatchParams, PostParams,
    PropagationPolicy,
};
use serde_json::json;

use crate::access;
use crate::resources::Resource;
use crate::storage::create::FormError;
use crate::storage::{self, StorageError};
use crate::tables::Kind;

/// The field manager KubeDesk's writes are recorded under.
pub const FIELD_MANAGER: &str = "kubedesk";
/// A patch recorded under KubeDesk's field manager.
pub(crate) fn patch_params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    }
}

/// A create recorded under KubeDesk's field manager.
pub(crate) fn post_params() -> PostParams {
    PostParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PostParams::default()
    }
}

/// How long between two eviction attempts of a protected pod (kubectl waits as long).
const EVICTION_RETRY: Duration = Duration::from_secs(5);

/// One object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// Its resource.
    pub resource: Resource,
    /// Its namespace, for namespaced kinds.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
}

impl ObjectRef {
    /// The API for its resource, in its namespace.
    pub fn api(&self, client: &kube::Client) -> Api<DynamicObject> {
        let resource = self.resource.api_resource();
        match self
            .namespace
            .as_deref()
            .filter(|_| self.resource.namespaced)
        {
            Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
            None => Api::all_with(client.clone(), &resource),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = &self.resource.kind;
        match &self.namespace {
            Some(namespace) => write!(formatter, "{kind} {namespace}/{}", self.name),
            None => write!(formatter, "{kind} {}", self.name),
        }
    }
}

/// How a delete treats the object's dependents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Dependents are deleted in the background after the object (kubectl's default).
    #[default]
    Background,
    /// The object goes once its dependents are gone.
    Foreground,
    /// Dependents stay, without their owner.
    Orphan,
}

/// An action on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sets the replicas of a Deployment, StatefulSet or ReplicaSet.
    Scale(i32),
    /// Restarts a Deployment's, StatefulSet's or DaemonSet's pods (`kubectl rollout restart`).
    Restart,
    /// Deletes the object.
    Delete(Propagation),
    /// Starts a Job from a CronJob now (`kubectl create job --from=cronjob/…`).
    Trigger,
    /// Marks a node unschedulable.
    Cordon,
    /// Marks a node schedulable again.
    Uncordon,
    /// Cordons a node and evicts its pods, as `kubectl drain --ignore-daemonsets` does.
    Drain(DrainOptions),
    /// Grows a volume to a size (`750Gi`).
    Expand(String),
    /// Makes a new volume, named so, with a copy of the volume's data.
    Clone(String),
    /// Takes a snapshot of a volume.
    Snapshot {
        /// The snapshot's name.
        name: String,
        /// The snapshot class that takes it.
        class: String,
    },
    /// Makes a new volume, named so, from a volume snapshot.
    Restore(String),
    /// Makes a storage class the default one.
    MakeDefault,
    /// Sets what a storage class's volumes may do, and the access modes they may have.
    Switches {
        /// What they may do.
        switches: storage::Switches,
        /// The access modes.
        access_modes: Vec<String>,
    },
    /// Sets a persistent volume's reclaim policy and labels.
    VolumeSettings(storage::create::VolumeSettings),
}

/// What a drain may remove besides pods a controller will recreate, and how long it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainOptions {
    /// Also evict pods no controller manages (they are gone for good): kubectl's `--force`.
    pub force: bool,
    /// Also evict pods with emptyDir volumes (their data is lost): `--delete-emptydir-data`.
    pub delete_local_data: bool,
    /// How long to keep asking to evict a pod a disruption budget protects: `--timeout`.
    pub timeout: Duration,
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            force: false,
            delete_local_data: false,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Which actions a resource offers, whatever the user's access (editing its YAML and reading its
/// pods' logs last); a volume and a volume snapshot what storage does with them; any other
/// resource without a page of its own can be deleted and edited.
pub fn offered(resource: &Resource) -> &'static [ActionKind] {
    let Some(kind) = resource.table() else {
        return match (resource.group.as_str(), resource.plural.as_str()) {
            ("", "persistentvolumeclaims") => &[
                ActionKind::Expand,
                ActionKind::Clone,
                ActionKind::Snapshot,
                ActionKind::Delete,
                ActionKind::Edit,
            ],
            ("snapshot.storage.k8s.io", "volumesnapshots") => {
                &[ActionKind::Restore, ActionKind::Delete, ActionKind::Edit]
            }
            ("storage.k8s.io", "storageclasses") => &[
                ActionKind::MakeDefault,
                ActionKind::Switches,
                ActionKind::Delete,
                ActionKind::Edit,
            ],
            ("", "persistentvolumes") => &[
                ActionKind::VolumeSettings,
                ActionKind::Delete,
                ActionKind::Edit,
            ],
            _ => &[ActionKind::Delete, ActionKind::Edit],
        };
    };
    match kind {
        Kind::Deployments | Kind::StatefulSets => &[
            ActionKind::Scale,
            ActionKind::Restart,
            ActionKind::Delete,
            ActionKind::Edit,
            ActionKind::Logs,
        ],
        Kind::ReplicaSets => &[
            ActionKind::Scale,
            ActionKind::Delete,
            ActionKind::Edit,
            ActionKind::Logs,
        ],
        Kind::DaemonSets => &[
            ActionKind::Restart,
            ActionKind::Delete,
            ActionKind::Edit,
            ActionKind::Logs,
        ],
        Kind::CronJobs => &[ActionKind::Trigger, ActionKind::Delete, ActionKind::Edit],
        Kind::Pods | Kind::Jobs => &[ActionKind::Delete, ActionKind::Edit, ActionKind::Logs],
        Kind::Nodes => &[
            ActionKind::Cordon,
            ActionKind::Uncordon,
            ActionKind::Drain,
            ActionKind::Delete,
            ActionKind::Edit,
        ],
    }
}

/// An action without its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// [`Action::Scale`].
    Scale,
    /// [`Action::Restart`].
    Restart,
    /// [`Action::Delete`].
    Delete,
    /// [`Action::Trigger`].
    Trigger,
    /// [`Action::Cordon`].
    Cordon,
    /// [`Action::Uncordon`].
    Uncordon,
    /// [`Action::Drain`].
    Drain,
    /// Editing its YAML, applied with server-side apply (`apply.rs`).
    Edit,
    /// Reading its pods' logs (`logs.rs`).
    Logs,
    /// [`Action::Expand`].
    Expand,
    /// [`Action::Clone`].
    Clone,
    /// [`Action::Snapshot`].
    Snapshot,
    /// [`Action::Restore`].
    Restore,
    /// [`Action::MakeDefault`].
    MakeDefault,
    /// [`Action::Switches`].
    Switches,
    /// [`Action::VolumeSettings`].
    VolumeSettings,
}

impl ActionKind {
    /// The access the action needs on `object`, every one of them.
    pub fn needs(self, object: &ObjectRef) -> Vec<access::Action> {
        let (group, plural) = (&object.resource.group, &object.resource.plural);
        let on = |verb: &str, group: &str, resource: &str, name: Option<&str>| access::Action {
            verb: verb.to_owned(),
            group: group.to_owned(),
            resource: resource.to_owned(),
            namespace: object.namespace.clone(),
            name: name.map(str::to_owned),
        };
        let name = Some(object.name.as_str());
        match self {
            ActionKind::Scale => vec![on("patch", group, &format!("{plural}/scale"), name)],
            ActionKind::Restart
            | ActionKind::Cordon
            | ActionKind::Uncordon
            | ActionKind::Edit
            | ActionKind::Expand
            | ActionKind::Switches
            | ActionKind::VolumeSettings => {
                vec![on("patch", group, plural, name)]
            }
            // The other classes are unmarked too.
            ActionKind::MakeDefault => vec![
                on("list", group, plural, None),
                on("patch", group, plural, None),
            ],
            ActionKind::Clone | ActionKind::Restore => {
                vec![on("create", "", "persistentvolumeclaims", None)]
            }
            ActionKind::Snapshot => vec![on(
                "create",
                "snapshot.storage.k8s.io",
                "volumesnapshots",
                None,
            )],
            ActionKind::Delete => vec![on("delete", group, plural, name)],
            ActionKind::Trigger => vec![on("create", "batch", "jobs", None)],
            ActionKind::Logs => vec![on("get", "", "pods/log", None)],
            ActionKind::Drain => vec![
                on("patch", group, plural, name),
                on("list", "", "pods", None),
                on("create", "", "pods/eviction", None),
            ],
        }
    }
}

impl Action {
    /// The action without its arguments.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Scale(_) => ActionKind::Scale,
            Action::Restart => ActionKind::Restart,
            Action::Delete(_) => ActionKind::Delete,
            Action::Trigger => ActionKind::Trigger,
            Action::Cordon => ActionKind::Cordon,
            Action::Uncordon => ActionKind::Uncordon,
            Action::Drain(_) => ActionKind::Drain,
            Action::Expand(_) => ActionKind::Expand,
            Action::Clone(_) => ActionKind::Clone,
            Action::Snapshot { .. } => ActionKind::Snapshot,
            Action::Restore(_) => ActionKind::Restore,
            Action::MakeDefault => ActionKind::MakeDefault,
            Action::Switches { .. } => ActionKind::Switches,
            Action::VolumeSettings(_) => ActionKind::VolumeSettings,
        }
    }
}

/// Why an action was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The kind has no such action.
    #[error("{object} cannot be {action}")]
    NotOffered {
        /// The object.
        object: String,
        /// The action, in words.
        action: &'static str,
    },
    /// The arguments are wrong.
    #[error("{0}")]
    Invalid(String),
    /// The server refused or failed: its message.
    #[error("{object}: {message}")]
    Server {
        /// The object.
        object: String,
        /// The server's message.
        message: String,
        /// The HTTP status code, when the server answered.
        code: Option<u16>,
    },
    /// A drain cordoned the node but left pods on it: which, and why.
    #[error("node {node} is cordoned but not drained: {}", .left.iter().map(|(pod, why)| format!("{pod} ({why})")).collect::<Vec<_>>().join("; "))]
    NotDrained {
        /// The node.
        node: String,
        /// Each pod left, and why.
        left: Vec<(String, String)>,
    },
}

/// What an action did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    /// What was created (the Job a trigger started), evicted (by a drain), or otherwise changed.
    pub affected: Vec<String>,
    /// Pods a drain left in place on purpose (DaemonSet and static pods), and why.
    pub skipped: Vec<(String, String)>,
}

/// Does `action` to `object`.
pub async fn run(
    client: &kube::Client,
    object: &ObjectRef,
    action: &Action,
) -> Result<Done, ActionError> {
    if !offered(&object.resource).contains(&action.kind()) {
        return Err(ActionError::NotOffered {
            object: object.to_string(),
            action: match action.kind() {
                ActionKind::Scale => "scaled",
                ActionKind::Restart => "restarted",
                ActionKind::Delete => "deleted",
                ActionKind::Trigger => "triggered",
                ActionKind::Cordon => "cordoned",
                ActionKind::Uncordon => "uncordoned",
                ActionKind::Drain => "drained",
                ActionKind::Edit => "edited",
                ActionKind::Logs => "read",
                ActionKind::Expand => "expanded",
                ActionKind::Clone => "cloned",
                ActionKind::Snapshot => "snapshotted",
                ActionKind::Restore => "restored",
                ActionKind::MakeDefault => "made the default",
                ActionKind::Switches => "switched",
                ActionKind::VolumeSettings => "set",
            },
        });
    }
    let server = |error: kube::Error| server_error(object, error);
    let merge = patch_params();
    let api = object.api(client);
    let namespace = object.namespace.as_deref().unwrap_or_default();
    let volume_error = |error: StorageError| match error {
        StorageError::Blocked(blocked) => ActionError::Invalid(blocked.to_string()),
        StorageError::Invalid(message) => ActionError::Invalid(message),
        StorageError::Server(message) => ActionError::Server {
            object: object.to_string(),
            message,
            code: None,
        },
    };
    let form_error = |error: FormError| match error {
        FormError::Field { message, .. } => ActionError::Invalid(message),
        FormError::Server(message) => ActionError::Server {
            object: object.to_string(),
            message,
            code: None,
        },
    };
    match action {
        Action::Scale(replicas) => {
            if *replicas < 0 {
                return Err(ActionError::Invalid(format!(
                    "{object} cannot have {replicas} replicas; give 0 or more"
                )));
            }
            let patch = json!({"spec": {"replicas": replicas}});
            api.patch_scale(&object.name, &merge, &Patch::Merge(&patch))
                .await
                .map_err(server)?;
        }
        Action::Restart => {
            let now = jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
            api.patch(&object.name, &merge, &Patch::Merge(&patch))
                .await
                .map_err(server)?;
        }
        Action::Delete(propagation) => {
            let params = DeleteParams {
                propagation_policy: Some(match propagation {
                    Propagation::Background => PropagationPolicy::Background,
                    Propagation::Foreground => PropagationPolicy::Foreground,
                    Propagation::Orphan => PropagationPolicy::Orphan,
                }),
                ..DeleteParams::default()
            };
            api.delete(&object.name, &params).await.map_err(server)?;
        }
        Action::Trigger => {
            let job = trigger(client, object).await.map_err(server)?;
            return Ok(Done {
                affected: vec![job],
                skipped: Vec::new(),
            });
        }
        Action::Cordon | Action::Uncordon => {
            cordon(client, &object.name, *action == Action::Cordon)
                .await
                .map_err(server)?;
        }
        Action::Drain(options) => return drain(client, object, *options).await,
        Action::Expand(size) => {
            storage::expand(client, namespace, &object.name, size)
                .await
                .map_err(volume_error)?;
        }
        Action::Clone(name) => {
            storage::clone(client, namespace, &object.name, name)
                .await
                .map_err(volume_error)?;
            return Ok(made(name));
        }
        Action::Snapshot { name, class } => {
            storage::snapshot(client, namespace, &object.name, name, class)
                .await
                .map_err(volume_error)?;
            return Ok(made(name));
        }
        Action::Restore(name) => {
            storage::restore(client, namespace, &object.name, name)
                .await
                .map_err(volume_error)?;
            return Ok(made(name));
        }
        Action::MakeDefault => {
            storage::make_default(client, &object.name)
                .await
                .map_err(volume_error)?;
        }
        Action::Switches {
            switches,
            access_modes,
        } => {
            let made = storage::set_switches(client, &object.name, *switches, access_modes)
                .await
                .map_err(form_error)?;
            return Ok(Done {
                affected: made.into_iter().collect(),
                skipped: Vec::new(),
            });
        }
        Action::VolumeSettings(settings) => {
            storage::create::set_volume_settings(client, &object.name, settings)
                .await
                .map_err(form_error)?;
        }
    }
    Ok(Done::default())
}

/// What an action that made one object did.
fn made(name: &str) -> Done {
    Done {
        affected: vec![name.to_owned()],
        skipped: Vec::new(),
    }
}

fn server_error(object: &ObjectRef, error: kube::Error) -> ActionError {
    ActionError::Server {
        object: object.to_string(),
        message: crate::health::message(&error),
        code: match &error {
            kube::Error::Api(status) => Some(status.code),
            _ => None,
        },
    }
}

async fn cordon(client: &kube::Client, node: &str, unschedulable: bool) -> kube::Result<()> {
    let nodes: Api<Node> = Api::all(client.clone());
    let patch =
        json!({"spec": {"unschedulable": if unschedulable { json!(true) } else { json!(null) }}});
    nodes
        .patch(node, &patch_params(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Creates a Job from a CronJob's template, owned by the CronJob and marked as started by hand,
/// as `kubectl create job --from=cronjob/NAME` does; answers with the Job's name.
async fn trigger(client: &kube::Client, object: &ObjectRef) -> kube::Result<String> {
    let namespace = object.namespace.clone().unwrap_or_default();
    let crons: Api<CronJob> = Api::namespaced(client.clone(), &namespace);
    let cron = crons.get(&object.name).await?;
    let template = cron.spec.job_template;
    let template_meta = template.metadata.unwrap_or_default();
    let mut annotations = template_meta.annotations.unwrap_or_default();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), "manual".into());
    // Job names become label values: at most 63 characters with the suffix.
    let stem: String = object.name.chars().take(52).collect();
    let suffix = jiff::Timestamp::now()
        .as_millisecond()
        .rem_euclid(1_000_000);
    let job = Job {
        metadata: ObjectMeta {
            name: Some(format!("{stem}-manual-{suffix:06}")),
            namespace: Some(namespace.clone()),
            labels: template_meta.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: object.name.clone(),
                uid: cron.metadata.uid.unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    };
    let jobs: Api<Job> = Api::namespaced(client.clone(), &namespace);
    let created = jobs.create(&post_params(), &job).await?;
    Ok(created.metadata.name.unwrap_or_default())
}

/// What a drain does with one pod of the node, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DrainChoice {
    /// Evict it.
    Evict,
    /// Leave it where it is, on purpose.
    Skip(String),
    /// Stop: evicting it is not allowed without a choice the user has not made.
    Block(String),
}

/// What a drain does with `pod`.
fn drain_choice(pod: &Pod, options: DrainOptions) -> DrainChoice {
    let metadata = &pod.metadata;
    if metadata
        .annotations
        .as_ref()
        .is_some_and(|annotations| annotations.contains_key("kubernetes.io/config.mirror"))
    {
        return DrainChoice::Skip("static pod, run by the kubelet".into());
    }
    let controller = metadata
        .owner_references
        .iter()
        .flatten()
        .find(|owner| owner.controller == Some(true));
    if let Some(owner) = controller.filter(|owner| owner.kind == "DaemonSet") {
        return DrainChoice::Skip(format!("managed by DaemonSet {}", owner.name));
    }
    let finished = pod
        .status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .is_some_and(|phase| matches!(phase, "Succeeded" | "Failed"));
    if controller.is_none() && !finished && !options.force {
        return DrainChoice::Block(
            "no controller would recreate it; allow removing unmanaged pods".into(),
        );
    }
    let local_data = pod
        .spec
        .iter()
        .flat_map(|spec| spec.volumes.iter().flatten())
        .any(|volume| volume.empty_dir.is_some());
    if local_data && !finished && !options.delete_local_data {
        return DrainChoice::Block(
            "its emptyDir data would be lost; allow deleting local data".into(),
        );
    }
    DrainChoice::Evict
}

/// Cordons the node, then evicts each pod a drain may move, retrying those a disruption budget
/// protects until the drain's timeout; DaemonSet and static pods stay.
async fn drain(
    client: &kube::Client,
    object: &ObjectRef,
    options: DrainOptions,
) -> Result<Done, ActionError> {
    let server = |error: kube::Error| server_error(object, error);
    cordon(client, &object.name, true).await.map_err(server)?;
    let pods: Api<Pod> = Api::all(client.clone());
    let on_node = pods
        .list(&ListParams::default().fields(&format!("spec.nodeName={}", object.name)))
        .await
        .map_err(server)?;
    let mut done = Done::default();
    let mut blocked = Vec::new();
    let mut evict = Vec::new();
    for pod in on_node.items {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let label = format!("{namespace}/{name}");
        match drain_choice(&pod, options) {
            DrainChoice::Evict => evict.push((namespace, name, label)),
            DrainChoice::Skip(reason) => done.skipped.push((label, reason)),
            DrainChoice::Block(reason) => blocked.push((label, reason)),
        }
    }
    if !blocked.is_empty() {
        return Err(ActionError::NotDrained {
            node: object.name.clone(),
            left: blocked,
        });
    }
    let attempts = evict.into_iter().map(|(namespace, name, label)| {
        let api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
        async move { (label, evict_patiently(&api, &name, options.timeout).await) }
    });
    let mut left = Vec::new();
    for (label, result) in futures_util::future::join_all(attempts).await {
        match result {
            Ok(()) => done.affected.push(label),
            Err(error) => left.push((label, eviction_refusal(&error))),
        }
    }
    if left.is_empty() {
        Ok(done)
    } else {
        Err(ActionError::NotDrained {
            node: object.name.clone(),
            left,
        })
    }
}

/// Evicts one pod, asking again while a disruption budget refuses (429) for up to
/// `patience`; a pod already gone counts as evicted.
async fn evict_patiently(api: &Api<Pod>, name: &str, patience: Duration) -> kube::Result<()> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match api.evict(name, &EvictParams::default()).await {
            Ok(_) => return Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
            Err(kube::Error::Api(status))
                if status.code == 429 && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep_until(
                    deadline.min(tokio::time::Instant::now() + EVICTION_RETRY),
                )
                .await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Why an eviction was refused: the server's message, with its first cause (a disruption
/// budget's arithmetic) when it gives one.
fn eviction_refusal(error: &kube::Error) -> String {
    let message = crate::health::message(error);
    let cause = match error {
        kube::Error::Api(status) => status
            .details
            .iter()
            .flat_map(|details| details.causes.iter())
            .map(|cause| cause.message.as_str())
            .next(),
        _ => None,
    };
    match cause {
        Some(cause) => format!("{message} {cause}"),
        None => message,
    }
}
