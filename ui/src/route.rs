//! The areas of the app and their place in the URL: `#/workloads` shows Workloads.

use kubedesk_ipc::{ObjectKind, ResourceName, TableKind};

use crate::components::icon::IconName;
use crate::i18n::Msg;

/// The URL fragment, following navigation (provided by the shell).
#[derive(Debug, Clone, Copy)]
pub struct Hash(pub leptos::prelude::RwSignal<String>);

/// What the Workloads area shows, as its URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadsView {
    /// The table of a kind: `#/workloads/deployments`.
    Table(TableKind),
    /// The page that creates objects from YAML: `#/workloads/create`.
    Create,
    /// The workload form: `#/workloads/new`.
    New,
    /// One object: `#/workloads/deployments/sandbox/api`, `#/workloads/nodes/-/dev-01`.
    Object {
        /// Its kind.
        kind: TableKind,
        /// Its namespace.
        namespace: Option<String>,
        /// Its name.
        name: String,
    },
}

/// A kind's name in the URL.
pub fn kind_slug(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Pods => "pods",
        TableKind::Deployments => "deployments",
        TableKind::StatefulSets => "statefulsets",
        TableKind::DaemonSets => "daemonsets",
        TableKind::ReplicaSets => "replicasets",
        TableKind::Jobs => "jobs",
        TableKind::CronJobs => "cronjobs",
        TableKind::Nodes => "nodes",
    }
}

/// What a `#/workloads/…` fragment shows; the pods table when it names nothing known.
pub fn workloads_view(hash: &str) -> WorkloadsView {
    let path = hash.trim_start_matches('#').trim_start_matches('/');
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.split('/').skip(1);
    match path.split('/').nth(1) {
        Some("create") => return WorkloadsView::Create,
        Some("new") => return WorkloadsView::New,
        _ => {}
    }
    let kind = parts
        .next()
        .and_then(|slug| {
            TableKind::ALL
                .into_iter()
                .find(|kind| kind_slug(*kind) == slug)
        })
        .unwrap_or(TableKind::Pods);
    match (parts.next(), parts.next()) {
        (Some(namespace), Some(name)) if !name.is_empty() => WorkloadsView::Object {
            kind,
            namespace: (namespace != "-").then(|| namespace.to_owned()),
            name: name.to_owned(),
        },
        _ => WorkloadsView::Table(kind),
    }
}

/// The value of `key` in the fragment's query (`#/workloads/pods/a/b?tab=logs&edit`): `""` for a
/// key without a value, `None` when absent.
pub fn hash_param(hash: &str, key: &str) -> Option<String> {
    let (_, query) = hash.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name == key).then(|| value.to_owned())
    })
}

/// The link to the page that creates objects from YAML.
pub const CREATE_HREF: &str = "#/workloads/create";

/// The link to the workload form.
pub const NEW_WORKLOAD_HREF: &str = "#/workloads/new";

/// What the API resources area shows, as its URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcesView {
    /// Every resource the cluster serves: `#/resources`.
    List,
    /// A resource's table: `#/resources/tekton.dev/v1/pipelineruns` (`core` names the core group).
    Table(ResourceName),
    /// One object: `#/resources/tekton.dev/v1/pipelineruns/sandbox/ci-run-7`.
    Object {
        /// Its resource.
        resource: ResourceName,
        /// Its namespace.
        namespace: Option<String>,
        /// Its name.
        name: String,
    },
}

/// The core group's name in URLs.
const CORE: &str = "core";

/// What a `#/resources/…` fragment shows; the list when it names no resource.
pub fn resources_view(hash: &str) -> ResourcesView {
    let path = hash.trim_start_matches('#').trim_start_matches('/');
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    let [group, version, plural, rest @ ..] = parts.as_slice() else {
        return ResourcesView::List;
    };
    if [group, version, plural].iter().any(|part| part.is_empty()) {
        return ResourcesView::List;
    }
    let resource = ResourceName {
        group: if *group == CORE {
            String::new()
        } else {
            (*group).to_owned()
        },
        version: (*version).to_owned(),
        plural: (*plural).to_owned(),
    };
    match rest {
        [namespace, name] if !name.is_empty() => ResourcesView::Object {
            resource,
            namespace: (*namespace != "-").then(|| (*namespace).to_owned()),
            name: (*name).to_owned(),
        },
        _ => ResourcesView::Table(resource),
    }
}

fn resource_path(resource: &ResourceName) -> String {
    let group = if resource.group.is_empty() {
        CORE
    } else {
        &resource.group
    };
    format!(
        "#/resources/{group}/{}/{}",
        resource.version, resource.plural
    )
}

/// The link to a kind's or a resource's table.
pub fn table_href(kind: impl Into<ObjectKind>) -> String {
    match kind.into() {
        ObjectKind::Kind(kind) => format!("#/workloads/{}", kind_slug(kind)),
        ObjectKind::Resource(resource) => resource_path(&resource),
    }
}

/// The link to an object's detail page.
pub fn object_href(kind: impl Into<ObjectKind>, namespace: Option<&str>, name: &str) -> String {
    let namespace = namespace.unwrap_or("-");
    match kind.into() {
        ObjectKind::Kind(kind) => format!("#/workloads/{}/{namespace}/{name}", kind_slug(kind)),
        ObjectKind::Resource(resource) => {
            format!("{}/{namespace}/{name}", resource_path(&resource))
        }
    }
}

/// The name a table's remembered choices are kept under: the kind's slug, or `plural.group`.
pub fn columns_key(kind: &ObjectKind) -> String {
    match kind {
        ObjectKind::Kind(kind) => kind_slug(*kind).to_owned(),
        ObjectKind::Resource(resource) if resource.group.is_empty() => resource.plural.clone(),
        ObjectKind::Resource(resource) => format!("{}.{}", resource.plural, resource.group),
    }
}

/// An area of the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// The selected cluster at a glance.
    Overview,
    /// The contexts of the kubeconfig and the clusters behind them.
    Clusters,
    /// Deployments, Pods and the other workloads.
    Workloads,
    /// GPU inventory, scheduling and quotas.
    Gpus,
    /// Volumes and storage classes.
    Storage,
    /// Services, Ingresses and gateways.
    Network,
    /// Every resource the cluster serves, custom resources included.
    Resources,
    /// Dashboards, alerts and notification channels.
    Monitoring,
    /// Helm charts and releases.
    AppStore,
    /// Pipelines and their runs.
    Devops,
    /// Workspaces and their projects.
    Workspaces,
    /// The app's own settings.
    Settings,
}

/// A titled group of areas in the left navigation.
#[derive(Debug)]
pub struct NavGroup {
    /// The group's heading.
    pub title: Msg,
    /// Its areas, top to bottom.
    pub areas: &'static [Area],
}

/// The left navigation, grouped as the KubeSphere console groups it. Settings sits apart, at the bottom.
pub const NAV_GROUPS: &[NavGroup] = &[
    NavGroup {
        title: Msg::GroupResources,
        areas: &[
            Area::Overview,
            Area::Clusters,
            Area::Workloads,
            Area::Gpus,
            Area::Storage,
            Area::Network,
            Area::Resources,
        ],
    },
    NavGroup {
        title: Msg::GroupOperations,
        areas: &[Area::Monitoring, Area::AppStore, Area::Devops],
    },
    NavGroup {
        title: Msg::GroupTenancy,
        areas: &[Area::Workspaces],
    },
];

impl Area {
    /// Every area.
    pub const ALL: [Area; 12] = [
        Area::Overview,
        Area::Clusters,
        Area::Workloads,
        Area::Gpus,
        Area::Storage,
        Area::Network,
        Area::Resources,
        Area::Monitoring,
        Area::AppStore,
        Area::Devops,
        Area::Workspaces,
        Area::Settings,
    ];

    /// The area's name in the URL.
    pub fn slug(self) -> &'static str {
        match self {
            Area::Overview => "overview",
            Area::Clusters => "clusters",
            Area::Workloads => "workloads",
            Area::Gpus => "gpus",
            Area::Storage => "storage",
            Area::Network => "network",
            Area::Resources => "resources",
            Area::Monitoring => "monitoring",
            Area::AppStore => "app-store",
            Area::Devops => "devops",
            Area::Workspaces => "workspaces",
            Area::Settings => "settings",
        }
    }

    /// The link to the area.
    pub fn href(self) -> String {
        format!("#/{}", self.slug())
    }

    /// The area a URL fragment (`#/storage`, `#/storage/volumes`) shows; Clusters when it names none.
    pub fn from_hash(hash: &str) -> Area {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let first = path.split(['/', '?']).next().unwrap_or_default();
        Area::ALL
            .into_iter()
            .find(|area| area.slug() == first)
            .unwrap_or(Area::Clusters)
    }

    /// The area's name.
    pub fn title(self) -> Msg {
        match self {
            Area::Overview => Msg::NavOverview,
            Area::Clusters => Msg::NavClusters,
            Area::Workloads => Msg::NavWorkloads,
            Area::Gpus => Msg::NavGpus,
            Area::Storage => Msg::NavStorage,
            Area::Network => Msg::NavNetwork,
            Area::Resources => Msg::NavResources,
            Area::Monitoring => Msg::NavMonitoring,
            Area::AppStore => Msg::NavAppStore,
            Area::Devops => Msg::NavDevops,
            Area::Workspaces => Msg::NavWorkspaces,
            Area::Settings => Msg::NavSettings,
        }
    }

    /// What a not-yet-built area will do; `None` for the areas this version has.
    pub fn plan(self) -> Option<Msg> {
        match self {
            Area::Overview
            | Area::Clusters
            | Area::Settings
            | Area::Workloads
            | Area::Resources
            | Area::Storage
            | Area::Monitoring
            | Area::Workspaces => None,
            Area::Gpus => Some(Msg::AreaGpus),
            Area::Network => Some(Msg::AreaNetwork),
            Area::AppStore => Some(Msg::AreaAppStore),
            Area::Devops => Some(Msg::AreaDevops),
        }
    }

    /// The area's icon.
    pub fn icon(self) -> IconName {
        match self {
            Area::Overview => IconName::LayoutDashboard,
            Area::Clusters => IconName::Server,
            Area::Workloads => IconName::Boxes,
            Area::Gpus => IconName::Cpu,
            Area::Storage => IconName::HardDrive,
            Area::Network => IconName::Network,
            Area::Resources => IconName::Layers,
            Area::Monitoring => IconName::Activity,
            Area::AppStore => IconName::Store,
            Area::Devops => IconName::Workflow,
            Area::Workspaces => IconName::Building,
            Area::Settings => IconName::Settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_round_trips_through_its_link() {
        for area in Area::ALL {
            assert_eq!(Area::from_hash(&area.href()), area);
        }
    }

    #[test]
    fn unknown_or_empty_fragments_show_clusters() {
        assert_eq!(Area::from_hash(""), Area::Clusters);
        assert_eq!(Area::from_hash("#/nowhere"), Area::Clusters);
        assert_eq!(Area::from_hash("#/storage/volumes?ns=a"), Area::Storage);
    }

    #[test]
    fn workloads_links_round_trip() {
        for kind in TableKind::ALL {
            assert_eq!(
                workloads_view(&table_href(kind)),
                WorkloadsView::Table(kind)
            );
            let namespace = (kind != TableKind::Nodes).then_some("sandbox");
            assert_eq!(
                workloads_view(&object_href(kind, namespace, "api-7d9")),
                WorkloadsView::Object {
                    kind,
                    namespace: namespace.map(str::to_owned),
                    name: "api-7d9".into()
                }
            );
        }
        assert_eq!(
            workloads_view("#/workloads"),
            WorkloadsView::Table(TableKind::Pods)
        );
        assert_eq!(
            workloads_view("#/workloads/unknown/a"),
            WorkloadsView::Table(TableKind::Pods)
        );
        assert_eq!(
            Area::from_hash(&object_href(TableKind::Pods, Some("a"), "b")),
            Area::Workloads
        );
    }

    #[test]
    fn resources_links_round_trip() {
        let runs = ResourceName {
            group: "tekton.dev".into(),
            version: "v1".into(),
            plural: "pipelineruns".into(),
        };
        let services = ResourceName {
            group: String::new(),
            version: "v1".into(),
            plural: "services".into(),
        };
        for resource in [runs.clone(), services.clone()] {
            let kind = ObjectKind::Resource(resource.clone());
            assert_eq!(
                resources_view(&table_href(kind.clone())),
                ResourcesView::Table(resource.clone())
            );
            assert_eq!(
                resources_view(&object_href(kind.clone(), Some("sandbox"), "ci-run-7")),
                ResourcesView::Object {
                    resource: resource.clone(),
                    namespace: Some("sandbox".into()),
                    name: "ci-run-7".into()
                }
            );
            assert_eq!(Area::from_hash(&table_href(kind)), Area::Resources);
        }
        assert_eq!(
            table_href(ObjectKind::Resource(services.clone())),
            "#/resources/core/v1/services"
        );
        assert_eq!(
            columns_key(&ObjectKind::Resource(runs)),
            "pipelineruns.tekton.dev"
        );
        assert_eq!(columns_key(&ObjectKind::Resource(services)), "services");
        assert_eq!(columns_key(&TableKind::Pods.into()), "pods");
        assert_eq!(resources_view("#/resources"), ResourcesView::List);
        assert_eq!(
            resources_view("#/resources/tekton.dev/v1"),
            ResourcesView::List
        );
    }

    #[test]
    fn the_navigation_lists_every_area_once() {
        let mut listed: Vec<Area> = NAV_GROUPS
            .iter()
            .flat_map(|group| group.areas.iter().copied())
            .collect();
        listed.push(Area::Settings);
        assert_eq!(listed.len(), Area::ALL.len());
        assert!(Area::ALL.iter().all(|area| listed.contains(area)));
    }
}
