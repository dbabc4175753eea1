//! The resources a cluster serves, as its discovery lists them: the built-in kinds and every
//! CustomResourceDefinition's, each in its group's preferred version. The kinds with tables of
//! their own (`tables::Kind`) are resources like any other here.

use kube::api::ApiResource;
use kube::discovery::{Discovery, Scope};

use crate::tables::Kind;

/// One resource a cluster serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    /// Its API group, empty for the core group.
    pub group: String,
    /// Its version.
    pub version: String,
    /// Its objects' kind (`Deployment`).
    pub kind: String,
    /// Its name in URLs (`deployments`).
    pub plural: String,
    /// Whether its objects live in namespaces.
    pub namespaced: bool,
}

impl From<Kind> for Resource {
    fn from(kind: Kind) -> Self {
        let (group, version, kind_name, plural) = kind.resource();
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind_name.to_owned(),
            plural: plural.to_owned(),
            namespaced: kind.namespaced(),
        }
    }
}

impl Resource {
    /// The kind with a table of its own this resource is, if any.
    pub fn table(&self) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| {
            let (group, _, _, plural) = kind.resource();
            group == self.group && plural == self.plural
        })
    }

    /// `plural.group` (`deployments.apps`), or the plural for the core group: the name RBAC and
    /// kubectl use.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The resource as kube-rs names it.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: if self.group.is_empty() {
                self.version.clone()
            } else {
                format!("{}/{}", self.group, self.version)
            },
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }
}

/// Why discovery failed: the server's message, or why it did not answer.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DiscoveryError(String);

/// Every resource the cluster serves that can be listed and watched, in each group's preferred
/// version, sorted by group and name. Aggregated discovery (one request per half of the API)
/// where the server has it, the older per-group discovery where it does not.
pub async fn served(client: &kube::Client) -> Result<Vec<Resource>, DiscoveryError> {
    let discovery = match Discovery::new(client.clone()).run_aggregated().await {
        Ok(discovery) => discovery,
        Err(_) => Discovery::new(client.clone())
            .run()
            .await
            .map_err(|error| DiscoveryError(crate::health::message(&error)))?,
    };
    let mut served: Vec<Resource> = discovery
        .groups()
        .flat_map(|group| group.recommended_resources())
        .filter(|(_, capabilities)| {
            ["list", "watch"]
                .iter()
                .all(|verb| capabilities.operations.iter().any(|op| op == verb))
        })
        .map(|(resource, capabilities)| Resource {
            group: resource.group,
            version: resource.version,
            kind: resource.kind,
            plural: resource.plural,
            namespaced: capabilities.scope == Scope::Namespaced,
        })
        .collect();
    served.sort();
    served.dedup();
    Ok(served)
}

/// The resource `group`/`version`/`plural` names among those the cluster serves: where a URL
/// names a resource by these alone, discovery says its kind and scope (the same in every version
/// of a group, so a version other than the preferred one is found too).
pub fn find(served: &[Resource], group: &str, version: &str, plural: &str) -> Option<Resource> {
    served
        .iter()
        .find(|resource| resource.group == group && resource.plural == plural)
        .map(|resource| Resource {
            version: version.to_owned(),
            ..resource.clone()
        })
}
