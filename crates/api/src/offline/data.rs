//! `get_offline_data`, `forget_offline_data` and `export_offline_data`: the offline store as
//! Settings shows it.

use kubedesk_ipc as ipc;

use crate::App;

/// The extension of snapshot files.
const SNAPSHOT_EXTENSION: &str = "kubedesk";

fn unusable(problem: &kubedesk_store::StoreError) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: problem.to_string(),
        hint: Some("KubeDesk works live without it; the message says how to recover it.".into()),
    }
}

/// The snapshot files in the downloads folder (where they are exported), newest first, each
/// read for what it holds or why it cannot be opened.
fn snapshot_files(app: &App) -> Vec<ipc::SnapshotFile> {
    let Ok(entries) = std::fs::read_dir(&app.downloads) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .flatten()
        .filter(|entry| {
            entry
                .path()
                .extension()
                .is_some_and(|extension| extension == SNAPSHOT_EXTENSION)
        })
        .map(|entry| {
            let modified = entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, entry.path())
        })
        .collect();
    files.sort_by(|a, b| b.cmp(a));
    files
        .into_iter()
        .map(|(_, path)| {
            let shown = path.display().to_string();
            let open_as = app.snapshots.open_as(&shown);
            match kubedesk_store::Store::open_snapshot(&path) {
                Ok(snapshot) => {
                    let of = snapshot.snapshot_of();
                    ipc::SnapshotFile {
                        path: shown,
                        context: of.map(|of| of.context.clone()),
                        exported_at: of.and_then(|of| super::read_only::rfc3339(of.exported_at)),
                        problem: None,
                        open_as,
                    }
                }
                Err(problem) => ipc::SnapshotFile {
                    path: shown,
                    problem: Some(problem.to_string()),
                    open_as,
                    ..ipc::SnapshotFile::default()
                },
            }
        })
        .collect()
}

/// What the store holds, per cluster, and its problem if it has one.
pub fn get_offline_data(app: &App, _request: ipc::GetOfflineData) -> ipc::OfflineData {
    let path = app.store_path.display().to_string();
    let store = match &app.store {
        Ok(store) => store,
        Err(problem) => {
            return ipc::OfflineData {
                path,
                problem: Some(problem.to_string()),
                snapshots: snapshot_files(app),
                ..ipc::OfflineData::default()
            };
        }
    };
    store.flush();
    let failure = store.failure().map(|failure| failure.to_string());
    match store.sizes() {
        Ok(sizes) => ipc::OfflineData {
            path,
            problem: failure,
            snapshots: snapshot_files(app),
            total_bytes: sizes.total,
            file_bytes: sizes.file_bytes,
            clusters: sizes
                .clusters
                .into_iter()
                .map(|cluster| ipc::OfflineCluster {
                    context: cluster.context,
                    bytes: cluster.bytes,
                    objects: cluster.objects,
                })
                .collect(),
        },
        Err(error) => ipc::OfflineData {
            path,
            problem: Some(error.to_string()),
            snapshots: snapshot_files(app),
            ..ipc::OfflineData::default()
        },
    }
}

/// Forgets what the store keeps of a cluster.
pub fn forget_offline_data(
    app: &App,
    request: ipc::ForgetOfflineData,
) -> Result<ipc::OfflineData, ipc::Error> {
    let store = app.store.as_ref().map_err(unusable)?;
    store.forget(&request.context);
    Ok(get_offline_data(app, ipc::GetOfflineData {}))
}

/// Writes a cluster's kept state to `kubedesk-CONTEXT-TIME.kubedesk` in the downloads folder.
pub fn export_offline_data(
    app: &App,
    request: ipc::ExportOfflineData,
) -> Result<ipc::ExportedSnapshot, ipc::Error> {
    let store = app.store.as_ref().map_err(unusable)?;
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let safe: String = request
        .context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let _ = std::fs::create_dir_all(&app.downloads);
    let path = app
        .downloads
        .join(format!("kubedesk-{safe}-{stamp}.{SNAPSHOT_EXTENSION}"));
    store
        .export(&request.context, &path)
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: error.to_string(),
            hint: None,
        })?;
    Ok(ipc::ExportedSnapshot {
        path: path.display().to_string(),
    })
}
