//! The areas of the app and their place in the URL: `#/workloads` shows Workloads.

use kubedesk_ipc::TableKind;

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
    if path.split('/').nth(1) == Some("create") {
        return WorkloadsView::Create;
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

/// The link to a kind's table.
pub fn table_href(kind: TableKind) -> String {
    format!("#/workloads/{}", kind_slug(kind))
}

/// The link to an object's detail page.
pub fn object_href(kind: TableKind, namespace: Option<&str>, name: &str) -> String {
    format!(
        "#/workloads/{}/{}/{name}",
        kind_slug(kind),
        namespace.unwrap_or("-")
    )
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
    pub const ALL: [Area; 11] = [
        Area::Overview,
        Area::Clusters,
        Area::Workloads,
        Area::Gpus,
        Area::Storage,
        Area::Network,
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
            Area::Overview | Area::Clusters | Area::Settings | Area::Workloads => None,
            Area::Gpus => Some(Msg::AreaGpus),
            Area::Storage => Some(Msg::AreaStorage),
            Area::Network => Some(Msg::AreaNetwork),
            Area::Monitoring => Some(Msg::AreaMonitoring),
            Area::AppStore => Some(Msg::AreaAppStore),
            Area::Devops => Some(Msg::AreaDevops),
            Area::Workspaces => Some(Msg::AreaWorkspaces),
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
