//! One cluster at a glance, as its overview page shows it: the nodes, how many namespaces and
//! workloads of each kind, pods by phase, and the latest warning events. Whatever the user may not
//! list stays unknown instead of failing the rest.

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use kube::Resource;
use kube::api::{Api, ListParams};
use serde::de::DeserializeOwned;

use crate::connect::REQUEST_TIMEOUT;
use crate::health::parse_quantity;

/// One node as the overview lists it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeRow {
    /// Its name.
    pub name: String,
    /// Whether it reports Ready.
    pub ready: bool,
    /// Whether it is cordoned.
    pub unschedulable: bool,
    /// Its roles, from `node-role.kubernetes.io/<role>` labels.
    pub roles: Vec<String>,
    /// The kubelet's version.
    pub version: String,
    /// CPU cores, memory bytes and GPUs it offers to pods.
    pub cpu: f64,
    /// Memory in bytes.
    pub memory: f64,
    /// GPUs and MIG instances.
    pub gpus: f64,
    /// The GPU model GPU Feature Discovery labelled it with.
    pub gpu_model: Option<String>,
}

/// A warning event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warning {
    /// When it last happened (RFC 3339).
    pub last_seen: String,
    /// The object's kind, namespace and name: `Pod ml-team/train-0`.
    pub object: String,
    /// The event's reason.
    pub reason: String,
    /// Its message.
    pub message: String,
    /// How many times it happened.
    pub count: i32,
}

/// Pods by phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pods {
    /// All pods.
    pub total: usize,
    /// Pending ones.
    pub pending: usize,
    /// Failed ones.
    pub failed: usize,
    /// Succeeded ones.
    pub succeeded: usize,
}

/// The overview; `None` where the user may not list it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    /// The nodes.
    pub nodes: Option<Vec<NodeRow>>,
    /// How many namespaces there are.
    pub namespaces: Option<usize>,
    /// Deployments, StatefulSets, DaemonSets, Jobs and CronJobs: kind and count.
    pub workloads: Vec<(&'static str, Option<usize>)>,
    /// Pods by phase.
    pub pods: Option<Pods>,
    /// The ten latest warnings, newest first.
    pub warnings: Option<Vec<Warning>>,
    /// The namespace the counts and warnings were read in, when the user may not read them
    /// across the cluster.
    pub scoped_to: Option<String>,
    /// The control plane, unless the user may not list `kube-system`'s pods.
    pub control_plane: Option<crate::ControlPlane>,
    /// Why the namespace given was not the user's to read either: the server's message.
    pub namespace_forbidden: Option<String>,
}

/// Reads the overview; a failure other than RBAC's is the first error met. What the user may
/// not read across the cluster is read in `namespace` instead, when one is given.
pub async fn overview(
    client: &kube::Client,
    namespace: Option<&str>,
) -> Result<Overview, kube::Error> {
    let nodes = allowed(list(Api::<Node>::all(client.clone()), ListParams::default()).await)?
        .map(|nodes| nodes.iter().map(node_row).collect());
    let namespaces = allowed(count(Api::<Namespace>::all(client.clone()), None).await)?;
    let mut read = Reader {
        client,
        namespace,
        scoped: false,
        forbidden: None,
    };
    let workloads = vec![
        ("Deployment", read.count::<Deployment>(None).await?),
        ("StatefulSet", read.count::<StatefulSet>(None).await?),
        ("DaemonSet", read.count::<DaemonSet>(None).await?),
        ("Job", read.count::<Job>(None).await?),
        ("CronJob", read.count::<CronJob>(None).await?),
    ];
    let pods = match read.count::<Pod>(None).await? {
        Some(total) => Some(Pods {
            total,
            pending: read
                .count::<Pod>(Some("status.phase=Pending"))
                .await?
                .unwrap_or(0),
            failed: read
                .count::<Pod>(Some("status.phase=Failed"))
                .await?
                .unwrap_or(0),
            succeeded: read
                .count::<Pod>(Some("status.phase=Succeeded"))
                .await?
                .unwrap_or(0),
        }),
        None => None,
    };
    let warnings = read.warnings().await?.map(|events| {
        let mut warnings: Vec<Warning> = events.iter().map(warning).collect();
        warnings.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
        warnings.truncate(10);
        warnings
    });
    Ok(Overview {
        nodes,
        namespaces,
        workloads,
        pods,
        warnings,
        scoped_to: read
            .scoped
            .then(|| namespace.unwrap_or_default().to_owned()),
        control_plane: crate::control_plane(client).await?,
        namespace_forbidden: read.forbidden,
    })
}

/// Reads across the cluster, or in the namespace when the cluster is not the user's to read.
struct Reader<'a> {
    client: &'a kube::Client,
    namespace: Option<&'a str>,
    /// Whether something was read in the namespace only.
    scoped: bool,
    /// The server's message when the namespace was not the user's to read either.
    forbidden: Option<String>,
}

impl Reader<'_> {
    /// A read in the namespace: a 403 is kept as the reason the namespace is closed.
    fn in_namespace<T>(
        &mut self,
        result: Result<T, kube::Error>,
    ) -> Result<Option<T>, kube::Error> {
        match result {
            Err(kube::Error::Api(status)) if status.code == 403 => {
                self.forbidden.get_or_insert(status.message);
                Ok(None)
            }
            other => allowed(other),
        }
    }

    async fn count<K>(&mut self, fields: Option<&str>) -> Result<Option<usize>, kube::Error>
    where
        K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
    {
        if let Some(total) = allowed(count(Api::<K>::all(self.client.clone()), fields).await)? {
            return Ok(Some(total));
        }
        let Some(namespace) = self.namespace else {
            return Ok(None);
        };
        let counted = self.in_namespace(
            count(Api::<K>::namespaced(self.client.clone(), namespace), fields).await,
        )?;
        self.scoped |= counted.is_some();
        Ok(counted)
    }

    async fn warnings(&mut self) -> Result<Option<Vec<Event>>, kube::Error> {
        let params = ListParams::default().fields("type=Warning");
        if let Some(events) =
            allowed(list(Api::<Event>::all(self.client.clone()), params.clone()).await)?
        {
            return Ok(Some(events));
        }
        let Some(namespace) = self.namespace else {
            return Ok(None);
        };
        let events = self.in_namespace(
            list(
                Api::<Event>::namespaced(self.client.clone(), namespace),
                params,
            )
            .await,
        )?;
        self.scoped |= events.is_some();
        Ok(events)
    }
}

/// A 403 is an unknown, not a failure.
fn allowed<T>(result: Result<T, kube::Error>) -> Result<Option<T>, kube::Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(kube::Error::Api(status)) if status.code == 403 => Ok(None),
        Err(error) => Err(error),
    }
}

async fn list<K>(api: Api<K>, params: ListParams) -> Result<Vec<K>, kube::Error>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    match tokio::time::timeout(REQUEST_TIMEOUT, api.list(&params)).await {
        Ok(listed) => listed.map(|list| list.items),
        Err(_) => Err(timed_out()),
    }
}

/// How many objects there are, without reading them all: one item and the count of the rest.
async fn count<K>(api: Api<K>, fields: Option<&str>) -> Result<usize, kube::Error>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut params = ListParams::default().limit(1);
    if let Some(fields) = fields {
        params = params.fields(fields);
    }
    let first = match tokio::time::timeout(REQUEST_TIMEOUT, api.list_metadata(&params)).await {
        Ok(listed) => listed?,
        Err(_) => return Err(timed_out()),
    };
    if let Some(remaining) = first.metadata.remaining_item_count {
        return Ok(first.items.len() + usize::try_from(remaining).unwrap_or(0));
    }
    // Servers leave the remaining count out under a selector: page through the names then.
    let mut total = first.items.len();
    let mut token = first.metadata.continue_.filter(|token| !token.is_empty());
    while let Some(next) = token {
        let page = ListParams {
            limit: Some(500),
            continue_token: Some(next),
            field_selector: fields.map(str::to_owned),
            ..ListParams::default()
        };
        let listed = match tokio::time::timeout(REQUEST_TIMEOUT, api.list_metadata(&page)).await {
            Ok(listed) => listed?,
            Err(_) => return Err(timed_out()),
        };
        total += listed.items.len();
        token = listed.metadata.continue_.filter(|token| !token.is_empty());
    }
    Ok(total)
}

fn timed_out() -> kube::Error {
    kube::Error::Service(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()).into())
}

fn node_row(node: &Node) -> NodeRow {
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    let allocatable = status.allocatable.clone().unwrap_or_default();
    let amount = |name: &str| {
        allocatable
            .get(name)
            .and_then(|quantity| parse_quantity(&quantity.0))
            .unwrap_or(0.0)
    };
    let gpus: f64 = allocatable
        .iter()
        .filter(|(name, _)| *name == "nvidia.com/gpu" || name.starts_with("nvidia.com/mig-"))
        .filter_map(|(_, quantity)| parse_quantity(&quantity.0))
        .sum();
    NodeRow {
        name: node.metadata.name.clone().unwrap_or_default(),
        ready: status
            .conditions
            .iter()
            .flatten()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True"),
        unschedulable: node.spec.as_ref().and_then(|spec| spec.unschedulable) == Some(true),
        roles: labels
            .keys()
            .filter_map(|key| key.strip_prefix("node-role.kubernetes.io/"))
            .map(str::to_owned)
            .collect(),
        version: status
            .node_info
            .map(|info| info.kubelet_version)
            .unwrap_or_default(),
        cpu: amount("cpu"),
        memory: amount("memory"),
        gpus,
        gpu_model: labels.get("nvidia.com/gpu.product").cloned(),
    }
}

fn warning(event: &Event) -> Warning {
    let involved = &event.involved_object;
    let last_seen = event
        .last_timestamp
        .as_ref()
        .map(|time| time.0.to_string())
        .or_else(|| event.event_time.as_ref().map(|time| time.0.to_string()))
        .unwrap_or_default();
    let place = match involved.namespace.as_deref() {
        Some(namespace) if !namespace.is_empty() => format!("{namespace}/"),
        _ => String::new(),
    };
    Warning {
        last_seen,
        object: format!(
            "{} {place}{}",
            involved.kind.clone().unwrap_or_default(),
            involved.name.clone().unwrap_or_default()
        ),
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default(),
        count: event.count.unwrap_or(1),
    }
}
