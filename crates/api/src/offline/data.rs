//! `get_offline_data`, `forget_offline_data` and `export_offline_data`: the offline store as
//! Settings shows it.

use kubedesk_ipc as ipc;

use crate::App;

fn unusable(problem: &kubedesk_store::StoreError) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: problem.to_string(),
        hint: Some("KubeDesk works live without it; the message says how to recover it.".into()),
    }
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
        .join(format!("kubedesk-{safe}-{stamp}.kubedesk"));
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
