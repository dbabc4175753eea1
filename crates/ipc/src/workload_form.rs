//! The workload form: a Deployment, StatefulSet or Job described as the form holds it (every
//! input as typed), what the cluster offers it (GPU resources and products, the GPU nodes'
//! taints, the namespace's volumes, ConfigMaps and Secrets), its manifest previewed with the quota
//! it would use, and its creation; and the image registries the form searches.

use serde::{Deserialize, Serialize};

use crate::Command;

/// The kinds the form makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    /// A Deployment.
    #[default]
    Deployment,
    /// A StatefulSet.
    StatefulSet,
    /// A Job.
    Job,
}

/// A workload as the form holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadDraft {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its replicas (a Job's parallelism and completions).
    pub replicas: String,
    /// Its containers.
    pub containers: Vec<ContainerDraft>,
    /// Its init containers.
    pub init_containers: Vec<ContainerDraft>,
    /// Its volumes.
    pub volumes: Vec<VolumeDraft>,
    /// The GPU products its pods must run on (node affinity on `nvidia.com/gpu.product`).
    pub gpu_products: Vec<String>,
    /// Its tolerations.
    pub tolerations: Vec<TolerationDraft>,
}

/// A container as the form holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerDraft {
    /// Its name.
    pub name: String,
    /// Its image.
    pub image: String,
    /// Its command, as a shell would split it.
    pub command: String,
    /// Its arguments, likewise.
    pub args: String,
    /// Its environment.
    pub env: Vec<EnvDraft>,
    /// Its ports.
    pub ports: Vec<PortDraft>,
    /// CPU request.
    pub cpu_request: String,
    /// CPU limit.
    pub cpu_limit: String,
    /// Memory request.
    pub memory_request: String,
    /// Memory limit.
    pub memory_limit: String,
    /// The GPU resource (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`, `nvidia.com/gpumem`).
    pub gpu_type: String,
    /// How many; written to both requests and limits.
    pub gpu_count: String,
    /// Where volumes are mounted.
    pub mounts: Vec<MountDraft>,
    /// Its readiness probe.
    pub readiness: ProbeDraft,
    /// Its liveness probe.
    pub liveness: ProbeDraft,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvFrom {
    /// The value typed.
    #[default]
    Value,
    /// A ConfigMap's key.
    ConfigMap,
    /// A Secret's key.
    Secret,
}

/// An environment variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvDraft {
    /// Its name.
    pub name: String,
    /// Where its value comes from.
    pub from: EnvFrom,
    /// The value, or the ConfigMap's or Secret's name.
    pub value: String,
    /// The ConfigMap's or Secret's key.
    pub key: String,
}

/// A container port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortDraft {
    /// Its number.
    pub port: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
}

/// A volume mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountDraft {
    /// The volume's name.
    pub volume: String,
    /// Where it is mounted.
    pub path: String,
    /// Read only.
    pub read_only: bool,
}

/// What a volume is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeFrom {
    /// An empty directory for the pod's life.
    #[default]
    EmptyDir,
    /// A PersistentVolumeClaim.
    Claim,
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

/// A volume of the pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeDraft {
    /// Its name in the pod.
    pub name: String,
    /// What it is.
    pub from: VolumeFrom,
    /// The claim's, ConfigMap's or Secret's name.
    pub object: String,
}

/// How a probe checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// No probe.
    #[default]
    None,
    /// An HTTP GET.
    Http,
    /// A TCP connection.
    Tcp,
    /// A command.
    Exec,
}

/// A probe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeDraft {
    /// How it checks.
    pub kind: ProbeKind,
    /// The HTTP path.
    pub path: String,
    /// The port.
    pub port: String,
    /// The command.
    pub command: String,
}

/// A toleration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TolerationDraft {
    /// The taint's key.
    pub key: String,
    /// `Exists` or `Equal`.
    pub operator: String,
    /// The value, for `Equal`.
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule`, `NoExecute`, or empty for any.
    pub effect: String,
}

/// Asks what the cluster offers a new workload in a namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetWorkloadChoices {
    /// The context.
    pub context: String,
    /// The namespace.
    pub namespace: String,
}

impl Command for GetWorkloadChoices {
    const NAME: &'static str = "get_workload_choices";
    type Output = WorkloadChoices;
}

/// What the cluster offers a new workload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadChoices {
    /// Its namespaces.
    pub namespaces: Vec<String>,
    /// The GPU resources its nodes advertise.
    pub gpu_resources: Vec<String>,
    /// The GPU products of its nodes.
    pub gpu_products: Vec<String>,
    /// The taints of its GPU nodes, as tolerations that would tolerate them.
    pub gpu_taints: Vec<TolerationDraft>,
    /// The namespace's PersistentVolumeClaims.
    pub claims: Vec<String>,
    /// The namespace's ConfigMaps, each with its keys.
    pub config_maps: Vec<(String, Vec<String>)>,
    /// The namespace's Secrets, each with its keys.
    pub secrets: Vec<(String, Vec<String>)>,
}

/// Asks for a draft's manifest and the quota it would use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewWorkload {
    /// The context.
    pub context: String,
    /// The draft.
    pub draft: WorkloadDraft,
}

impl Command for PreviewWorkload {
    const NAME: &'static str = "preview_workload";
    type Output = WorkloadPreview;
}

/// A draft's manifest and what it would use of each quota, or what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadPreview {
    /// The manifest as YAML, when the draft makes one.
    pub yaml: Option<String>,
    /// What is wrong with the draft, when something is.
    pub problem: Option<FieldProblem>,
    /// Each quota key the workload would use.
    pub quota: Vec<QuotaFit>,
}

/// An input that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The input (`name`, `containers.0.image`, `volumes.1.object`).
    pub field: String,
    /// Why, and what would do.
    pub message: String,
}

/// What a workload would use of one quota key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaFit {
    /// The quota (`inference/gpu-quota`, or `workspace ai-serving`).
    pub quota: String,
    /// Its key.
    pub key: String,
    /// What is used now.
    pub used: String,
    /// What the workload adds.
    pub adds: String,
    /// The limit.
    pub hard: String,
    /// Whether it would go over.
    pub over: bool,
}

/// Creates the workload a draft describes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateWorkload {
    /// The context.
    pub context: String,
    /// The draft.
    pub draft: WorkloadDraft,
}

impl Command for CreateWorkload {
    const NAME: &'static str = "create_workload";
    type Output = WorkloadOutcome;
}

/// How creating went: made, or nothing sent because an input is wrong. Server refusals come back
/// as errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WorkloadOutcome {
    /// Made.
    Created {
        /// Its name.
        name: String,
    },
    /// Nothing sent.
    Invalid(FieldProblem),
}

/// Asks for the image registries configured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRegistries {}

impl Command for GetRegistries {
    const NAME: &'static str = "get_registries";
    type Output = Vec<RegistryView>;
}

/// A configured registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryView {
    /// Its URL.
    pub url: String,
    /// The user name it is asked with.
    pub username: Option<String>,
}

/// Keeps a registry, once it answers as one with the credentials given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveRegistry {
    /// Its URL.
    pub url: String,
    /// The user name, if it asks for one.
    pub username: Option<String>,
    /// The password or token; `None` keeps the one kept for this URL.
    pub password: Option<String>,
}

impl Command for SaveRegistry {
    const NAME: &'static str = "save_registry";
    type Output = ();
}

/// Forgets a registry and its password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRegistry {
    /// Its URL.
    pub url: String,
}

impl Command for RemoveRegistry {
    const NAME: &'static str = "remove_registry";
    type Output = ();
}

/// Searches the configured registries' repositories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchImages {
    /// What the name contains.
    pub query: String,
}

impl Command for SearchImages {
    const NAME: &'static str = "search_images";
    type Output = ImageSearch;
}

/// What a search found, and the registries that could not be searched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSearch {
    /// Images as a pod names them (`127.0.0.1:5000/ml/pytorch`), with their registry.
    pub hits: Vec<ImageHit>,
    /// Why a registry was not searched.
    pub failures: Vec<String>,
}

/// A repository found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageHit {
    /// The registry's URL.
    pub registry: String,
    /// The image without a tag.
    pub image: String,
}

/// Asks an image's tags from its registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetImageTags {
    /// The image without a tag (`127.0.0.1:5000/ml/pytorch`).
    pub image: String,
}

impl Command for GetImageTags {
    const NAME: &'static str = "get_image_tags";
    type Output = Vec<String>;
}
