//! Clusters browsed read-only, never live: snapshot files opened (`open_snapshot`,
//! `close_snapshot`), and the clusters the offline store keeps whose contexts are gone from the
//! kubeconfig. Their tables, pages, overview and namespaces are read from what was kept; every
//! change is refused with the reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use kubedesk_cluster::resources::Resource;
use kubedesk_cluster::tables::{Table, TableKey};
use kubedesk_ipc as ipc;
use kubedesk_store::Store;

use super::Kept;
use crate::App;

/// A cluster browsed only as kept.
#[derive(Debug)]
pub(crate) struct ReadOnly {
    /// Its name in place of a context.
    pub(crate) name: String,
    /// Where its state is kept, and under which context.
    pub(crate) kept: Kept,
    /// What it is.
    pub(crate) source: ipc::ReadOnlySource,
}

impl ReadOnly {
    fn store(&self) -> &Store {
        &self.kept.store
    }

    /// The context its state is kept under.
    pub(crate) fn context(&self) -> &str {
        self.kept.context.as_deref().unwrap_or(&self.name)
    }

    /// When its cluster was last seen (RFC 3339), if anything of it was kept.
    fn as_of(&self) -> Option<String> {
        rfc3339(self.store().cluster(self.context()).ok()??.seen_at)
    }

    /// As the cluster switcher lists it.
    pub(crate) fn listed(&self) -> ipc::ReadOnlyCluster {
        ipc::ReadOnlyCluster {
            name: self.name.clone(),
            source: self.source.clone(),
            as_of: self.as_of(),
        }
    }

    /// The error for anything that would change it, or read it live.
    pub(crate) fn refusal(&self) -> ipc::Error {
        let message = match &self.source {
            ipc::ReadOnlySource::Snapshot { context, .. } => format!(
                "{} is a snapshot of context {context}: read-only, nothing in it can be changed or read live",
                self.name
            ),
            ipc::ReadOnlySource::Removed { context } => format!(
                "Context {context} is no longer in your kubeconfig: its cluster is shown as KubeDesk last saw it, read-only"
            ),
        };
        let hint = match &self.source {
            ipc::ReadOnlySource::Snapshot { .. } => {
                "Select a context of your kubeconfig to work on a live cluster."
            }
            ipc::ReadOnlySource::Removed { .. } => {
                "Add the context to your kubeconfig again to work on it live, or forget its data in Settings."
            }
        };
        crate::clusters::client::unavailable(message, hint)
    }

    /// The table of `key` (named by this cluster) as kept.
    pub(crate) fn table(&self, app: &App, key: TableKey) -> Arc<Table> {
        app.tables.open_kept(key, &self.kept)
    }

    /// What its cluster served, as kept.
    pub(crate) fn served(&self) -> Vec<Resource> {
        super::served(self.store(), self.context()).unwrap_or_default()
    }

    /// Its overview as kept.
    pub(crate) fn overview(&self) -> Result<ipc::ClusterOverview, ipc::Error> {
        let mut overview = super::overview(self.store(), self.context(), String::new())
            .ok_or_else(|| ipc::Error {
                code: ipc::ErrorCode::InvalidRequest,
                message: format!("No overview of {} was kept.", self.name),
                hint: Some(
                    "The overview is kept when it is opened while the cluster answers.".into(),
                ),
            })?;
        if let Some(offline) = &mut overview.offline {
            offline.read_only = Some(self.source.clone());
        }
        Ok(overview)
    }

    /// Its namespaces, as last listed.
    pub(crate) fn namespaces(&self) -> Vec<String> {
        super::namespaces(self.store(), self.context()).unwrap_or_default()
    }

    /// What is kept of `object`.
    pub(crate) fn object(
        &self,
        object: &kubedesk_cluster::actions::ObjectRef,
    ) -> super::KeptObject {
        super::KeptObject::in_store(&self.kept.store, self.context(), object)
    }
}

/// The snapshots open, by the name each is browsed under.
#[derive(Debug, Default)]
pub struct Snapshots {
    open: Mutex<BTreeMap<String, Arc<ReadOnly>>>,
}

impl Snapshots {
    fn get(&self, name: &str) -> Option<Arc<ReadOnly>> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Every snapshot open.
    pub(crate) fn all(&self) -> Vec<Arc<ReadOnly>> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// The name the snapshot at `file` is open under, if it is.
    pub(crate) fn open_as(&self, file: &str) -> Option<String> {
        self.all().into_iter().find_map(|open| match &open.source {
            ipc::ReadOnlySource::Snapshot { file: opened, .. } if opened == file => {
                Some(open.name.clone())
            }
            _ => None,
        })
    }
}

/// The snapshot open under `name`, if one is.
pub(crate) fn snapshot(app: &App, name: &str) -> Option<Arc<ReadOnly>> {
    app.snapshots.get(name)
}

/// The cluster the offline store keeps for `context`, a context the kubeconfig lacks.
pub(crate) fn removed(app: &App, context: &str) -> Option<Arc<ReadOnly>> {
    let store = app.store.as_ref().ok()?;
    store.cluster(context).ok()??;
    if kubedesk_cluster::Kubeconfig::load(&app.kubeconfig)
        .contexts
        .contains_key(context)
    {
        return None;
    }
    Some(Arc::new(ReadOnly {
        name: context.to_owned(),
        kept: Kept {
            store: store.clone(),
            context: None,
        },
        source: ipc::ReadOnlySource::Removed {
            context: context.to_owned(),
        },
    }))
}

/// Every read-only cluster: the snapshots open, then the clusters kept (`kept`: when each was
/// last seen, by context) whose contexts `live` lacks.
pub(crate) fn all(
    app: &App,
    kept: &BTreeMap<String, i64>,
    live: &[String],
) -> Vec<ipc::ReadOnlyCluster> {
    let snapshots = app.snapshots.all();
    let removed = kept
        .iter()
        .filter(|(context, _)| !live.contains(context))
        .map(|(context, &seen_at)| ipc::ReadOnlyCluster {
            name: context.clone(),
            source: ipc::ReadOnlySource::Removed {
                context: context.clone(),
            },
            as_of: rfc3339(seen_at),
        });
    snapshots
        .iter()
        .map(|open| open.listed())
        .chain(removed)
        .collect()
}

/// `millis` since the epoch as RFC 3339.
pub(crate) fn rfc3339(millis: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(millis)
        .ok()
        .map(|at| at.to_string())
}

/// Opens the snapshot file `path` as a read-only cluster, named after the file.
pub fn open_snapshot(
    app: &App,
    request: ipc::OpenSnapshot,
) -> Result<ipc::ReadOnlyCluster, ipc::Error> {
    let path = Path::new(request.path.trim());
    if let Some(name) = app.snapshots.open_as(&path.display().to_string())
        && let Some(open) = app.snapshots.get(&name)
    {
        return Ok(open.listed());
    }
    let store = Store::open_snapshot(path).map_err(|error| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: error.to_string(),
        hint: None,
    })?;
    let of = store.snapshot_of().cloned().ok_or_else(|| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("{} is not a KubeDesk snapshot", path.display()),
        hint: None,
    })?;
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| of.context.clone());
    let contexts = kubedesk_cluster::Kubeconfig::load(&app.kubeconfig).contexts;
    let mut open = app
        .snapshots
        .open
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // A name no context and no other snapshot has.
    let name = std::iter::once(stem.clone())
        .chain((2..).map(|number| format!("{stem}-{number}")))
        .find(|name| !contexts.contains_key(name) && !open.contains_key(name))
        .unwrap_or(stem);
    let exported_at = rfc3339(of.exported_at).unwrap_or_default();
    let snapshot = Arc::new(ReadOnly {
        name: name.clone(),
        kept: Kept {
            store: Arc::new(store),
            context: Some(of.context.clone()),
        },
        source: ipc::ReadOnlySource::Snapshot {
            file: path.display().to_string(),
            context: of.context,
            exported_at,
        },
    });
    open.insert(name, snapshot.clone());
    drop(open);
    Ok(snapshot.listed())
}

/// Closes a snapshot opened; its tables and pages end with their subscriptions.
pub fn close_snapshot(app: &App, request: ipc::CloseSnapshot) -> Result<(), ipc::Error> {
    let closed = app
        .snapshots
        .open
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&request.name);
    closed.map(drop).ok_or_else(|| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("No snapshot named {} is open.", request.name),
        hint: Some("The Clusters page lists the snapshots open.".into()),
    })
}
