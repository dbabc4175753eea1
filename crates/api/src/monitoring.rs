//! Monitoring: `get_monitoring` finds a cluster's Prometheus through the API server's service
//! proxy and lists the dashboards; `show_dashboard` runs one for a time range on that
//! Prometheus; `import_dashboard` turns a Grafana dashboard's file into a native dashboard kept
//! in the data folder (`dashboards/`), with what could not be converted; `delete_dashboard`
//! forgets an imported one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use kubedesk_cluster::prometheus::{self, Found, ServicePort};
use kubedesk_ipc as ipc;
use kubedesk_metrics::dashboard::{Dashboard, Draw, PanelKind, TimeRange};
use kubedesk_metrics::prometheus::{Prometheus, QueryError, Transport};
use kubedesk_metrics::run::{PanelShown, Ran};
use kubedesk_metrics::{grafana, run, templates};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::clusters::client;

mod alerts;

pub use alerts::get_alerts;

/// The scrape interval assumed when Prometheus's configuration does not say (Grafana's).
const DEFAULT_SCRAPE: u64 = 15;

/// Each cluster's Prometheus as last found, with its scrape interval.
#[derive(Debug, Default)]
pub(crate) struct Prometheuses(Mutex<HashMap<String, (Found, u64)>>);

impl Prometheuses {
    fn get(&self, context: &str) -> Option<(Found, u64)> {
        self.0.lock().ok()?.get(context).cloned()
    }

    fn set(&self, context: &str, found: Option<(Found, u64)>) {
        if let Ok(mut known) = self.0.lock() {
            match found {
                Some(found) => known.insert(context.to_owned(), found),
                None => known.remove(context),
            };
        }
    }
}

/// Requests to Prometheus through the API server's service proxy.
struct ServiceProxy {
    client: kubedesk_cluster::Client,
    service: ServicePort,
}

impl Transport for ServiceProxy {
    async fn get(&self, path_and_query: &str) -> Result<(u16, Vec<u8>), QueryError> {
        prometheus::get(&self.client, &self.service, path_and_query)
            .await
            .map_err(|error| QueryError::Unreachable {
                url: format!("the service {}", self.service.label()),
                detail: error.to_string(),
            })
    }
}

/// An imported dashboard as it is kept.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    /// The file it was imported from.
    source: String,
    /// What could not be converted.
    report: Vec<String>,
    /// The dashboard.
    dashboard: Dashboard,
}

/// Where the cluster's Prometheus stands, and the dashboards.
pub async fn get_monitoring(
    app: &App,
    request: ipc::GetMonitoring,
) -> Result<ipc::Monitoring, ipc::Error> {
    let prometheus = match find(app, &request.context).await {
        Ok((found, _)) => ipc::PrometheusState::Found {
            place: found.service.label(),
            version: found.version,
        },
        Err(error) => ipc::PrometheusState::NotFound {
            reason: error.message,
        },
    };
    Ok(ipc::Monitoring {
        prometheus,
        dashboards: entries(&app.dashboards),
    })
}

/// Finds the cluster's Prometheus afresh, and keeps it for the dashboards.
async fn find(app: &App, context: &str) -> Result<(Found, u64), ipc::Error> {
    let client = client::client(app, context).await?;
    match prometheus::find(&client).await {
        Ok(found) => {
            let scrape = scrape_interval(&client, &found.service).await;
            app.prometheuses.set(context, Some((found.clone(), scrape)));
            Ok((found, scrape))
        }
        Err(error) => {
            app.prometheuses.set(context, None);
            Err(ipc::Error {
                code: ipc::ErrorCode::Unavailable,
                message: format!("No Prometheus was found in this cluster: {error}."),
                hint: Some("Install Prometheus (KubeSphere's monitoring, kube-prometheus or kube-prometheus-stack), or check that you may proxy to its service (services/proxy).".to_owned()),
            })
        }
    }
}

/// The cluster's Prometheus, as found before or found now: where it is, its scrape interval,
/// and a client that asks it through the service proxy.
async fn prometheus_of(
    app: &App,
    context: &str,
) -> Result<(String, u64, Prometheus<ServiceProxy>), ipc::Error> {
    let (found, scrape) = match app.prometheuses.get(context) {
        Some(found) => found,
        None => find(app, context).await?,
    };
    let client = client::client(app, context).await?;
    let place = found.service.label();
    Ok((
        place,
        scrape,
        Prometheus::new(ServiceProxy {
            client,
            service: found.service,
        }),
    ))
}

/// What a user is told when Prometheus did not answer.
fn unreachable(error: &QueryError) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::Unavailable,
        message: format!("{error}."),
        hint: Some(
            "The Monitoring page looks for the cluster's Prometheus again when it opens."
                .to_owned(),
        ),
    }
}

/// Prometheus's global scrape interval, from its configuration; Grafana's 15 s when it does
/// not say.
async fn scrape_interval(client: &kubedesk_cluster::Client, service: &ServicePort) -> u64 {
    let Ok((200, body)) = prometheus::get(client, service, "/api/v1/status/config").await else {
        return DEFAULT_SCRAPE;
    };
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    answer["data"]["yaml"]
        .as_str()
        .and_then(|yaml| {
            yaml.lines()
                .find_map(|line| line.trim().strip_prefix("scrape_interval:"))
        })
        .and_then(|interval| seconds(interval.trim()))
        .unwrap_or(DEFAULT_SCRAPE)
}

/// `15s`, `1m`, `1m30s` in seconds.
fn seconds(text: &str) -> Option<u64> {
    let mut total = 0;
    let mut number = String::new();
    for character in text.chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        let count: u64 = number.parse().ok()?;
        number.clear();
        total += count
            * match character {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => return None,
            };
    }
    (number.is_empty() && total > 0).then_some(total)
}

/// The built-in dashboards, then the imported ones by title.
fn entries(folder: &Path) -> Vec<ipc::DashboardEntry> {
    let mut listed: Vec<ipc::DashboardEntry> = templates::built_in()
        .into_iter()
        .map(|(id, dashboard)| ipc::DashboardEntry {
            id: id.to_owned(),
            title: dashboard.title,
            description: dashboard.description,
            built_in: true,
            source: None,
        })
        .collect();
    let mut imported: Vec<ipc::DashboardEntry> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|file| {
            let path = file.path();
            let id = path.file_stem()?.to_str()?.to_owned();
            let kept = read_kept(&path).ok()?;
            Some(entry(id, &kept))
        })
        .collect();
    imported.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    listed.extend(imported);
    listed
}

fn entry(id: String, kept: &Kept) -> ipc::DashboardEntry {
    ipc::DashboardEntry {
        id,
        title: kept.dashboard.title.clone(),
        description: kept.dashboard.description.clone(),
        built_in: false,
        source: Some(kept.source.clone()),
    }
}

/// Why a kept dashboard cannot be read.
#[derive(Debug, thiserror::Error)]
enum KeptError {
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

fn read_kept(path: &Path) -> Result<Kept, KeptError> {
    Ok(serde_json::from_slice(&std::fs::read(path)?)?)
}

/// An imported dashboard's file, for an id that names one (no path in it).
fn kept_path(folder: &Path, id: &str) -> Option<PathBuf> {
    let safe = !id.is_empty()
        && id
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-');
    safe.then(|| folder.join(format!("{id}.json")))
}

/// A dashboard by id, with what its import could not convert.
fn dashboard(folder: &Path, id: &str) -> Result<(Dashboard, Vec<String>), ipc::Error> {
    if let Some((_, dashboard)) = templates::built_in()
        .into_iter()
        .find(|(built_in, _)| *built_in == id)
    {
        return Ok((dashboard, Vec::new()));
    }
    let missing = |detail: String| ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: format!("The dashboard {id:?} cannot be opened: {detail}."),
        hint: Some("Import it again from its Grafana file.".to_owned()),
    };
    let path = kept_path(folder, id).ok_or_else(|| missing("no such dashboard".to_owned()))?;
    let kept = read_kept(&path).map_err(|error| missing(error.to_string()))?;
    Ok((kept.dashboard, kept.report))
}

/// Runs the dashboard for the range asked, on the cluster's Prometheus.
pub async fn show_dashboard(
    app: &App,
    request: ipc::ShowDashboard,
) -> Result<ipc::DashboardView, ipc::Error> {
    let (dashboard, report) = dashboard(&app.dashboards, &request.id)?;
    let range = if request.from.is_empty() {
        dashboard.time.clone()
    } else {
        TimeRange {
            from: request.from.clone(),
            to: if request.to.is_empty() {
                "now".to_owned()
            } else {
                request.to.clone()
            },
        }
    };
    let (_, scrape, prometheus) = prometheus_of(app, &request.context).await?;
    let choices = request
        .variables
        .into_iter()
        .map(|choice| (choice.name, choice.values))
        .collect();
    let now = jiff::Timestamp::now().as_second();
    let ran = run::run(&dashboard, &prometheus, &range, &choices, now, scrape)
        .await
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: format!("The time range cannot be shown: {error}."),
            hint: None,
        })?;
    Ok(view(request.id, &dashboard, &range, ran, report))
}

/// The dashboard run, in the contract's terms.
fn view(
    id: String,
    dashboard: &Dashboard,
    range: &TimeRange,
    ran: Ran,
    report: Vec<String>,
) -> ipc::DashboardView {
    ipc::DashboardView {
        id,
        title: dashboard.title.clone(),
        description: dashboard.description.clone(),
        from: range.from.clone(),
        to: range.to.clone(),
        start_ms: ran.span.start * 1000,
        end_ms: ran.span.end * 1000,
        step: ran.span.step,
        refresh: dashboard.refresh.clone(),
        variables: ran
            .variables
            .into_iter()
            .filter(|variable| !variable.hidden)
            .map(|variable| ipc::VariableView {
                name: variable.name,
                label: variable.label,
                options: variable.options,
                chosen: variable.chosen,
                multi: variable.multi,
                all: variable.all,
                typed: variable.typed,
                error: variable.error,
            })
            .collect(),
        rows: ran
            .rows
            .into_iter()
            .map(|row| ipc::RowView {
                title: row.title,
                collapsed: row.collapsed,
                panels: row.panels.into_iter().map(panel_view).collect(),
            })
            .collect(),
        report,
    }
}

fn panel_view(shown: PanelShown) -> ipc::PanelView {
    let panel = shown.panel;
    let shape = match panel.kind {
        PanelKind::TimeSeries {
            draw: Draw::Bars, ..
        } => ipc::PanelShape::Bars,
        PanelKind::TimeSeries {
            stacked, filled, ..
        } if stacked || filled => ipc::PanelShape::Area { stacked },
        PanelKind::TimeSeries { .. } => ipc::PanelShape::TimeSeries,
        PanelKind::Stat { .. } => ipc::PanelShape::Stat,
        PanelKind::Gauge { .. } => ipc::PanelShape::Gauge,
        PanelKind::BarGauge { .. } => ipc::PanelShape::BarGauge,
        PanelKind::Table => ipc::PanelShape::Table,
        PanelKind::Text { content, .. } => ipc::PanelShape::Text { content },
        PanelKind::Heatmap => ipc::PanelShape::Heatmap,
    };
    ipc::PanelView {
        title: panel.title,
        description: panel.description,
        shape,
        width: panel.grid.w.clamp(1, 24),
        height: panel.grid.h.max(2),
        unit: panel.unit,
        decimals: panel.decimals,
        min: panel.min,
        max: panel.max,
        thresholds: panel
            .thresholds
            .into_iter()
            .map(|threshold| (threshold.value, threshold.color))
            .collect(),
        times: shown.times.iter().map(|time| time * 1000).collect(),
        series: shown
            .series
            .into_iter()
            .map(|series| ipc::SeriesView {
                name: series.name,
                values: series.values,
                value: series.reduced,
            })
            .collect(),
        errors: shown.errors,
    }
}

/// Imports a Grafana dashboard's file and keeps it.
pub fn import_dashboard(
    app: &App,
    request: ipc::ImportDashboard,
) -> Result<ipc::ImportedDashboard, ipc::Error> {
    let path = PathBuf::from(request.path.trim());
    let name = path.display().to_string();
    let refused = |message: String, hint: &str| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message,
        hint: Some(hint.to_owned()),
    };
    let text = std::fs::read(&path).map_err(|error| {
        refused(
            format!("{name} cannot be read: {error}."),
            "Check the path: type the whole path of the dashboard's JSON file.",
        )
    })?;
    let imported = grafana::import(&name, &text).map_err(|error| {
        refused(
            format!("{error}."),
            "Choose a dashboard exported from Grafana as JSON.",
        )
    })?;
    let kept = Kept {
        source: name,
        report: imported.report.iter().map(ToString::to_string).collect(),
        dashboard: imported.dashboard,
    };
    let id = new_id(&app.dashboards, &kept.dashboard.title);
    std::fs::create_dir_all(&app.dashboards)
        .and_then(|()| {
            let text = serde_json::to_vec_pretty(&kept).map_err(std::io::Error::from)?;
            std::fs::write(app.dashboards.join(format!("{id}.json")), text)
        })
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!(
                "The dashboard could not be kept in {}: {error}.",
                app.dashboards.display()
            ),
            hint: Some("Free some disk space or check the folder's permissions.".to_owned()),
        })?;
    Ok(ipc::ImportedDashboard {
        entry: entry(id, &kept),
        report: kept.report,
    })
}

/// An id for a dashboard titled `title` that no kept dashboard has.
fn new_id(folder: &Path, title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug: Vec<&str> = slug.split('-').filter(|part| !part.is_empty()).collect();
    let base = format!("imported-{}", slug.join("-"))
        .trim_end_matches('-')
        .to_owned();
    (1..)
        .map(|count| match count {
            1 => base.clone(),
            count => format!("{base}-{count}"),
        })
        .find(|id| !folder.join(format!("{id}.json")).exists())
        .unwrap_or(base)
}

/// Forgets an imported dashboard.
pub fn delete_dashboard(app: &App, request: ipc::DeleteDashboard) -> Result<(), ipc::Error> {
    let refused = |detail: String| ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: format!(
            "The dashboard {:?} cannot be deleted: {detail}.",
            request.id
        ),
        hint: None,
    };
    let path = kept_path(&app.dashboards, &request.id)
        .filter(|_| request.id.starts_with("imported-"))
        .ok_or_else(|| refused("only imported dashboards can be deleted".to_owned()))?;
    std::fs::remove_file(path).map_err(|error| refused(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrape_intervals_are_read_as_prometheus_writes_them() {
        assert_eq!(seconds("15s"), Some(15));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("15"), None);
        assert_eq!(seconds("fast"), None);
    }

    #[test]
    fn ids_name_no_path_and_never_clash() {
        let folder = tempfile::tempdir().unwrap();
        assert_eq!(
            new_id(folder.path(), "NVIDIA DCGM Exporter Dashboard"),
            "imported-nvidia-dcgm-exporter-dashboard"
        );
        std::fs::write(folder.path().join("imported-gpus.json"), "{}").unwrap();
        assert_eq!(new_id(folder.path(), "GPUs"), "imported-gpus-2");
        assert_eq!(new_id(folder.path(), "../.."), "imported");
        assert!(kept_path(folder.path(), "../etc/passwd").is_none());
        assert!(kept_path(folder.path(), "").is_none());
    }
}
