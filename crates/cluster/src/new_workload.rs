//! What a new workload may use in a namespace (the cluster's GPU resources and products, its GPU
//! nodes' taints, the namespace's claims, ConfigMaps and Secrets with their keys), and its
//! creation from the manifest a form made.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node, PersistentVolumeClaim, Secret};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use crate::actions::post_params;
use crate::connect::REQUEST_TIMEOUT;
use crate::gpus;

/// A taint of the cluster's GPU nodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GpuTaint {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Its effect.
    pub effect: String,
}

/// What a new workload in a namespace may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    /// The cluster's namespaces.
    pub namespaces: Vec<String>,
    /// The GPU resources its nodes advertise.
    pub gpu_resources: Vec<String>,
    /// The GPU products of its nodes.
    pub gpu_products: Vec<String>,
    /// The taints of its GPU nodes.
    pub gpu_taints: Vec<GpuTaint>,
    /// The namespace's claims.
    pub claims: Vec<String>,
    /// The namespace's ConfigMaps and their keys.
    pub config_maps: Vec<(String, Vec<String>)>,
    /// The namespace's Secrets and their keys.
    pub secrets: Vec<(String, Vec<String>)>,
}

fn names<K: kube::Resource>(list: Vec<K>) -> Vec<String> {
    let mut names: Vec<String> = list
        .into_iter()
        .filter_map(|item| item.meta().name.clone())
        .collect();
    names.sort();
    names
}

/// Reads what a new workload in `namespace` may use. Secrets' keys are read, never their values
/// kept.
pub async fn choices(client: &kube::Client, namespace: &str) -> Result<Choices, kube::Error> {
    let all = ListParams::default();
    let nodes: Api<Node> = Api::all(client.clone());
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let (nodes, namespaces, claims, config_maps, secrets) =
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            tokio::try_join!(
                nodes.list(&all),
                namespaces.list(&all),
                claims.list(&all),
                config_maps.list(&all),
                secrets.list(&all),
            )
        })
        .await
        .map_err(|_| kube::Error::Service("no answer in time".into()))??;
    let inventory = gpus::inventory(&nodes.items, &[]);
    let gpu_nodes: BTreeSet<&str> = inventory
        .nodes
        .iter()
        .map(|node| node.name.as_str())
        .collect();
    let mut products = BTreeSet::new();
    let mut taints = BTreeSet::new();
    for node in &nodes.items {
        if !gpu_nodes.contains(node.metadata.name.as_deref().unwrap_or_default()) {
            continue;
        }
        if let Some(product) = node
            .metadata
            .labels
            .as_ref()
            .and_then(|labels| labels.get("nvidia.com/gpu.product"))
        {
            products.insert(product.clone());
        }
        for taint in node
            .spec
            .iter()
            .flat_map(|spec| spec.taints.iter().flatten())
        {
            taints.insert(GpuTaint {
                key: taint.key.clone(),
                value: taint.value.clone().unwrap_or_default(),
                effect: taint.effect.clone(),
            });
        }
    }
    let keyed = |pairs: Vec<(Option<String>, Vec<String>)>| {
        let mut keyed: Vec<(String, Vec<String>)> = pairs
            .into_iter()
            .filter_map(|(name, mut keys)| {
                keys.sort();
                Some((name?, keys))
            })
            .collect();
        keyed.sort();
        keyed
    };
    Ok(Choices {
        namespaces: names(namespaces.items),
        gpu_resources: inventory.resources,
        gpu_products: products.into_iter().collect(),
        gpu_taints: taints.into_iter().collect(),
        claims: names(claims.items),
        config_maps: keyed(
            config_maps
                .items
                .into_iter()
                .map(|map| {
                    let keys = map
                        .data
                        .iter()
                        .flatten()
                        .map(|(key, _)| key.clone())
                        .collect();
                    (map.metadata.name, keys)
                })
                .collect(),
        ),
        secrets: keyed(
            secrets
                .items
                .into_iter()
                .map(|secret| {
                    let keys = secret
                        .data
                        .iter()
                        .flatten()
                        .map(|(key, _)| key.clone())
                        .collect();
                    (secret.metadata.name, keys)
                })
                .collect(),
        ),
    })
}

/// The API resource of a workload kind the form makes.
fn resource(kind: &str) -> Option<ApiResource> {
    let (group, plural) = match kind {
        "Deployment" => ("apps", "deployments"),
        "StatefulSet" => ("apps", "statefulsets"),
        "Job" => ("batch", "jobs"),
        _ => return None,
    };
    Some(ApiResource {
        group: group.into(),
        version: "v1".into(),
        api_version: format!("{group}/v1"),
        kind: kind.into(),
        plural: plural.into(),
    })
}

/// Why a workload was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The manifest is of a kind the form does not make.
    #[error("KubeDesk's form does not make a {0}")]
    Kind(String),
    /// The manifest is not an object the API takes.
    #[error("the manifest cannot be sent: {0}")]
    Manifest(#[from] serde_json::Error),
    /// The server refused it.
    #[error("{}", crate::health::message(.0))]
    Server(#[from] kube::Error),
}

/// Creates `manifest` (a Deployment, StatefulSet or Job) as the form made it; the server's
/// refusal in its words.
pub async fn create(client: &kube::Client, manifest: &Value) -> Result<(), CreateError> {
    let text = |pointer: &str| {
        manifest
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let kind = text("/kind");
    let resource = resource(kind).ok_or_else(|| CreateError::Kind(kind.to_owned()))?;
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), text("/metadata/namespace"), &resource);
    let object: DynamicObject = serde_json::from_value(manifest.clone())?;
    api.create(&post_params(), &object).await?;
    Ok(())
}
