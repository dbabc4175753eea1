//! The Tauri commands: each is named as its `kubedesk-ipc` type says and calls one use-case.

use kubedesk_api::{
    App, clusters, gpu, logs, monitoring, objects, offline, oidc, resources, settings, storage,
    tables,
};
use kubedesk_ipc as ipc;
use tauri::State;

type Answer<C> = Result<<C as ipc::Command>::Output, ipc::Error>;

#[tauri::command]
pub async fn list_contexts(
    app: State<'_, App>,
    request: ipc::ListContexts,
) -> Answer<ipc::ListContexts> {
    clusters::list_contexts(&app, request)
}

#[tauri::command]
pub async fn get_cluster_health(
    app: State<'_, App>,
    request: ipc::GetClusterHealth,
) -> Answer<ipc::GetClusterHealth> {
    clusters::cluster_health(&app, request).await
}

#[tauri::command]
pub async fn get_cluster_overview(
    app: State<'_, App>,
    request: ipc::GetClusterOverview,
) -> Answer<ipc::GetClusterOverview> {
    clusters::cluster_overview(&app, request).await
}

#[tauri::command]
pub async fn list_namespaces(
    app: State<'_, App>,
    request: ipc::ListNamespaces,
) -> Answer<ipc::ListNamespaces> {
    clusters::list_namespaces(&app, request).await
}

#[tauri::command]
pub async fn get_settings(
    app: State<'_, App>,
    request: ipc::GetSettings,
) -> Answer<ipc::GetSettings> {
    settings::get_settings(&app, request)
}

#[tauri::command]
pub async fn save_settings(
    app: State<'_, App>,
    request: ipc::SaveSettings,
) -> Answer<ipc::SaveSettings> {
    settings::save_settings(&app, request).await
}

#[tauri::command]
pub async fn sign_in(app: State<'_, App>, request: ipc::SignIn) -> Answer<ipc::SignIn> {
    oidc::sign_in(&app, request).await
}

#[tauri::command]
pub async fn sign_out(app: State<'_, App>, request: ipc::SignOut) -> Answer<ipc::SignOut> {
    oidc::sign_out(&app, request).await
}

#[tauri::command]
pub async fn get_access(app: State<'_, App>, request: ipc::GetAccess) -> Answer<ipc::GetAccess> {
    clusters::access(&app, request).await
}

#[tauri::command]
pub async fn list_resources(
    app: State<'_, App>,
    request: ipc::ListResources,
) -> Answer<ipc::ListResources> {
    resources::list_resources(&app, request).await
}

#[tauri::command]
pub async fn watch_table(
    app: State<'_, App>,
    request: ipc::WatchTable,
    channel: tauri::ipc::Channel<ipc::TableUpdate>,
) -> Answer<ipc::WatchTable> {
    tables::watch_table(&app, request, move |update| channel.send(update).is_ok()).await
}

#[tauri::command]
pub async fn query_table(app: State<'_, App>, request: ipc::QueryTable) -> Answer<ipc::QueryTable> {
    tables::query_table(&app, request)
}

#[tauri::command]
pub async fn stop_table(app: State<'_, App>, request: ipc::StopTable) -> Answer<ipc::StopTable> {
    tables::stop_table(&app, request)
}

#[tauri::command]
pub async fn watch_object(
    app: State<'_, App>,
    request: ipc::WatchObject,
    channel: tauri::ipc::Channel<ipc::ObjectUpdate>,
) -> Answer<ipc::WatchObject> {
    objects::watch_object(&app, request, move |update| channel.send(update).is_ok()).await
}

#[tauri::command]
pub async fn stop_object(app: State<'_, App>, request: ipc::StopObject) -> Answer<ipc::StopObject> {
    objects::stop_object(&app, request)
}

#[tauri::command]
pub async fn run_action(app: State<'_, App>, request: ipc::RunAction) -> Answer<ipc::RunAction> {
    objects::run_action(&app, request).await
}

#[tauri::command]
pub async fn apply_yaml(app: State<'_, App>, request: ipc::ApplyYaml) -> Answer<ipc::ApplyYaml> {
    objects::apply_yaml(&app, request).await
}

#[tauri::command]
pub async fn get_volume_choices(
    app: State<'_, App>,
    request: ipc::GetVolumeChoices,
) -> Answer<ipc::GetVolumeChoices> {
    storage::get_volume_choices(&app, request).await
}

#[tauri::command]
pub async fn create_volume(
    app: State<'_, App>,
    request: ipc::CreateVolume,
) -> Answer<ipc::CreateVolume> {
    storage::create_volume(&app, request).await
}

#[tauri::command]
pub async fn create_storage_class(
    app: State<'_, App>,
    request: ipc::CreateStorageClass,
) -> Answer<ipc::CreateStorageClass> {
    storage::create_storage_class(&app, request).await
}

#[tauri::command]
pub fn get_offline_data(
    app: State<'_, App>,
    request: ipc::GetOfflineData,
) -> Answer<ipc::GetOfflineData> {
    Ok(offline::get_offline_data(&app, request))
}

#[tauri::command]
pub fn forget_offline_data(
    app: State<'_, App>,
    request: ipc::ForgetOfflineData,
) -> Answer<ipc::ForgetOfflineData> {
    offline::forget_offline_data(&app, request)
}

#[tauri::command]
pub fn export_offline_data(
    app: State<'_, App>,
    request: ipc::ExportOfflineData,
) -> Answer<ipc::ExportOfflineData> {
    offline::export_offline_data(&app, request)
}

#[tauri::command]
pub fn open_snapshot(app: State<'_, App>, request: ipc::OpenSnapshot) -> Answer<ipc::OpenSnapshot> {
    offline::open_snapshot(&app, request)
}

#[tauri::command]
pub fn close_snapshot(
    app: State<'_, App>,
    request: ipc::CloseSnapshot,
) -> Answer<ipc::CloseSnapshot> {
    offline::close_snapshot(&app, request)
}

#[tauri::command]
pub async fn watch_local_gpus(
    app: State<'_, App>,
    request: ipc::WatchLocalGpus,
    channel: tauri::ipc::Channel<ipc::LocalGpus>,
) -> Answer<ipc::WatchLocalGpus> {
    Ok(gpu::watch_local_gpus(&app, request, move |update| {
        channel.send(update).is_ok()
    }))
}

#[tauri::command]
pub fn stop_local_gpus(
    app: State<'_, App>,
    request: ipc::StopLocalGpus,
) -> Answer<ipc::StopLocalGpus> {
    gpu::stop_local_gpus(&app, request)
}

#[tauri::command]
pub fn export_gpu_report(
    app: State<'_, App>,
    request: ipc::ExportGpuReport,
) -> Answer<ipc::ExportGpuReport> {
    gpu::export_gpu_report(&app, request)
}

#[tauri::command]
pub async fn watch_logs(
    app: State<'_, App>,
    request: ipc::WatchLogs,
    channel: tauri::ipc::Channel<ipc::LogUpdate>,
) -> Answer<ipc::WatchLogs> {
    logs::watch_logs(&app, request, move |update| channel.send(update).is_ok()).await
}

#[tauri::command]
pub async fn stop_logs(app: State<'_, App>, request: ipc::StopLogs) -> Answer<ipc::StopLogs> {
    logs::stop_logs(&app, request)
}

#[tauri::command]
pub async fn save_logs(app: State<'_, App>, request: ipc::SaveLogs) -> Answer<ipc::SaveLogs> {
    logs::save_logs(&app, request).await
}

#[tauri::command]
pub async fn get_monitoring(
    app: State<'_, App>,
    request: ipc::GetMonitoring,
) -> Answer<ipc::GetMonitoring> {
    monitoring::get_monitoring(&app, request).await
}

#[tauri::command]
pub async fn show_dashboard(
    app: State<'_, App>,
    request: ipc::ShowDashboard,
) -> Answer<ipc::ShowDashboard> {
    monitoring::show_dashboard(&app, request).await
}

#[tauri::command]
pub async fn import_dashboard(
    app: State<'_, App>,
    request: ipc::ImportDashboard,
) -> Answer<ipc::ImportDashboard> {
    monitoring::import_dashboard(&app, request).await
}

#[tauri::command]
pub async fn set_prometheus(
    app: State<'_, App>,
    request: ipc::SetPrometheus,
) -> Answer<ipc::SetPrometheus> {
    monitoring::set_prometheus(&app, request).await
}

#[tauri::command]
pub async fn get_alerts(app: State<'_, App>, request: ipc::GetAlerts) -> Answer<ipc::GetAlerts> {
    monitoring::get_alerts(&app, request).await
}

#[tauri::command]
pub async fn delete_dashboard(
    app: State<'_, App>,
    request: ipc::DeleteDashboard,
) -> Answer<ipc::DeleteDashboard> {
    monitoring::delete_dashboard(&app, request)
}

#[tauri::command]
pub async fn create_dashboard(
    app: State<'_, App>,
    request: ipc::CreateDashboard,
) -> Answer<ipc::CreateDashboard> {
    monitoring::create_dashboard(&app, request)
}

#[tauri::command]
pub async fn get_panel(app: State<'_, App>, request: ipc::GetPanel) -> Answer<ipc::GetPanel> {
    monitoring::get_panel(&app, request)
}

#[tauri::command]
pub async fn save_panel(app: State<'_, App>, request: ipc::SavePanel) -> Answer<ipc::SavePanel> {
    monitoring::save_panel(&app, request)
}

#[tauri::command]
pub async fn delete_panel(
    app: State<'_, App>,
    request: ipc::DeletePanel,
) -> Answer<ipc::DeletePanel> {
    monitoring::delete_panel(&app, request)
}

#[tauri::command]
pub async fn preview_panel(
    app: State<'_, App>,
    request: ipc::PreviewPanel,
) -> Answer<ipc::PreviewPanel> {
    monitoring::preview_panel(&app, request).await
}

#[tauri::command]
pub async fn get_metric_names(
    app: State<'_, App>,
    request: ipc::GetMetricNames,
) -> Answer<ipc::GetMetricNames> {
    monitoring::get_metric_names(&app, request).await
}

#[tauri::command]
pub async fn get_variables(
    app: State<'_, App>,
    request: ipc::GetVariables,
) -> Answer<ipc::GetVariables> {
    monitoring::get_variables(&app, request)
}

#[tauri::command]
pub async fn save_variables(
    app: State<'_, App>,
    request: ipc::SaveVariables,
) -> Answer<ipc::SaveVariables> {
    monitoring::save_variables(&app, request)
}

#[tauri::command]
pub async fn get_gpu_inventory(
    app: State<'_, App>,
    request: ipc::GetGpuInventory,
) -> Answer<ipc::GetGpuInventory> {
    kubedesk_api::cluster_gpus::get_gpu_inventory(&app, request).await
}

#[tauri::command]
pub async fn get_tenancy(app: State<'_, App>, request: ipc::GetTenancy) -> Answer<ipc::GetTenancy> {
    kubedesk_api::quotas::get_tenancy(&app, request).await
}

#[tauri::command]
pub async fn save_project_quota(
    app: State<'_, App>,
    request: ipc::SaveProjectQuota,
) -> Answer<ipc::SaveProjectQuota> {
    kubedesk_api::quotas::save_project_quota(&app, request).await
}

#[tauri::command]
pub async fn delete_project_quota(
    app: State<'_, App>,
    request: ipc::DeleteProjectQuota,
) -> Answer<ipc::DeleteProjectQuota> {
    kubedesk_api::quotas::delete_project_quota(&app, request).await
}

#[tauri::command]
pub async fn save_limit_range(
    app: State<'_, App>,
    request: ipc::SaveLimitRange,
) -> Answer<ipc::SaveLimitRange> {
    kubedesk_api::quotas::save_limit_range(&app, request).await
}

#[tauri::command]
pub async fn delete_limit_range(
    app: State<'_, App>,
    request: ipc::DeleteLimitRange,
) -> Answer<ipc::DeleteLimitRange> {
    kubedesk_api::quotas::delete_limit_range(&app, request).await
}

#[tauri::command]
pub async fn save_workspace_quota(
    app: State<'_, App>,
    request: ipc::SaveWorkspaceQuota,
) -> Answer<ipc::SaveWorkspaceQuota> {
    kubedesk_api::quotas::save_workspace_quota(&app, request).await
}

#[tauri::command]
pub async fn delete_workspace_quota(
    app: State<'_, App>,
    request: ipc::DeleteWorkspaceQuota,
) -> Answer<ipc::DeleteWorkspaceQuota> {
    kubedesk_api::quotas::delete_workspace_quota(&app, request).await
}

#[tauri::command]
pub async fn get_workload_choices(
    app: State<'_, App>,
    request: ipc::GetWorkloadChoices,
) -> Answer<ipc::GetWorkloadChoices> {
    kubedesk_api::workload_form::get_workload_choices(&app, request).await
}

#[tauri::command]
pub async fn preview_workload(
    app: State<'_, App>,
    request: ipc::PreviewWorkload,
) -> Answer<ipc::PreviewWorkload> {
    kubedesk_api::workload_form::preview_workload(&app, request).await
}

#[tauri::command]
pub async fn create_workload(
    app: State<'_, App>,
    request: ipc::CreateWorkload,
) -> Answer<ipc::CreateWorkload> {
    kubedesk_api::workload_form::create_workload(&app, request).await
}

#[tauri::command]
pub async fn get_registries(
    app: State<'_, App>,
    request: ipc::GetRegistries,
) -> Answer<ipc::GetRegistries> {
    kubedesk_api::registries::get_registries(&app, request).await
}

#[tauri::command]
pub async fn save_registry(
    app: State<'_, App>,
    request: ipc::SaveRegistry,
) -> Answer<ipc::SaveRegistry> {
    kubedesk_api::registries::save_registry(&app, request).await
}

#[tauri::command]
pub async fn remove_registry(
    app: State<'_, App>,
    request: ipc::RemoveRegistry,
) -> Answer<ipc::RemoveRegistry> {
    kubedesk_api::registries::remove_registry(&app, request).await
}

#[tauri::command]
pub async fn search_images(
    app: State<'_, App>,
    request: ipc::SearchImages,
) -> Answer<ipc::SearchImages> {
    kubedesk_api::registries::search_images(&app, request).await
}

#[tauri::command]
pub async fn get_image_tags(
    app: State<'_, App>,
    request: ipc::GetImageTags,
) -> Answer<ipc::GetImageTags> {
    kubedesk_api::registries::get_image_tags(&app, request).await
}
