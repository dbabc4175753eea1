//! The KubeDesk desktop shell: registers every command of `kubedesk-ipc` as a one-line call into
//! `kubedesk-api`, and owns the window. No Kubernetes, NVML or Helm logic lives here.

mod commands;

use kubedesk_api::{App, clusters};
use kubedesk_ipc::{self as ipc, Event as _};
use tauri::{Emitter as _, Manager as _};

/// Adds KubeDesk's state and commands to a Tauri builder of any runtime (the real one, or the
/// mock runtime the contract tests use).
pub fn builder<R: tauri::Runtime>(base: tauri::Builder<R>, app: App) -> tauri::Builder<R> {
    base.manage(app)
        .setup(|tauri_app| {
            // The window follows edits to the kubeconfig files.
            let mut watch = clusters::watch_kubeconfig(&tauri_app.state::<App>());
            let handle = tauri_app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    watch.changed().await;
                    let _ = handle.emit(ipc::KubeconfigChanged::NAME, ipc::KubeconfigChanged {});
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::list_contexts,
            commands::get_cluster_health,
            commands::get_cluster_overview,
            commands::list_namespaces,
            commands::get_settings,
            commands::save_settings,
            commands::sign_in,
            commands::sign_out,
            commands::get_access,
            commands::list_resources,
            commands::watch_table,
            commands::query_table,
            commands::stop_table,
            commands::watch_object,
            commands::stop_object,
            commands::run_action,
            commands::apply_yaml,
            commands::get_volume_choices,
            commands::create_volume,
            commands::create_storage_class,
            commands::get_offline_data,
            commands::forget_offline_data,
            commands::export_offline_data,
            commands::open_snapshot,
            commands::close_snapshot,
            commands::watch_local_gpus,
            commands::stop_local_gpus,
            commands::export_gpu_report,
            commands::watch_logs,
            commands::stop_logs,
            commands::save_logs,
            commands::get_monitoring,
            commands::show_dashboard,
            commands::import_dashboard,
            commands::delete_dashboard,
            commands::get_alerts,
            commands::set_prometheus,
            commands::create_dashboard,
            commands::get_panel,
            commands::save_panel,
            commands::delete_panel,
            commands::preview_panel,
            commands::get_metric_names,
            commands::get_variables,
            commands::save_variables,
            commands::get_gpu_inventory,
            commands::get_tenancy,
            commands::save_project_quota,
            commands::delete_project_quota,
            commands::save_limit_range,
            commands::delete_limit_range,
            commands::save_workspace_quota,
            commands::delete_workspace_quota,
            commands::get_workload_choices,
            commands::preview_workload,
            commands::create_workload,
            commands::get_registries,
            commands::save_registry,
            commands::remove_registry,
            commands::search_images,
            commands::get_image_tags,
        ])
}
