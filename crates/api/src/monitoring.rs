//! Monitoring: `get_monitoring` finds a cluster's Prometheus (`reach.rs`) and lists the
//! dashboards; `show_dashboard` runs one for a time range on that Prometheus;
//! `import_dashboard` turns a Grafana dashboard's file or URL into a native dashboard kept in the
//! data folder (`dashboards/`), with what could not be converted; `delete_dashboard` forgets an
//! imported one or one made here; `edit.rs` makes and edits them; `alerts.rs` reads the alerts.

use std::path::{Path, PathBuf};

use kubedesk_ipc as ipc;
use kubedesk_metrics::dashboard::{Dashboard, Draw, PanelKind, TimeRange};
use kubedesk_metrics::prometheus::QueryError;
use kubedesk_metrics::run::{PanelShown, Ran};
use kubedesk_metrics::{grafana, run, templates};
use serde::{Deserialize, Serialize};

use crate::App;

mod alerts;
mod edit;
pub(crate) mod reach;

pub use alerts::get_alerts;
pub use edit::{
    create_dashboard, delete_panel, get_metric_names, get_panel, get_variables, preview_panel,
    save_panel, save_variables,
};
pub use reach::set_prometheus;
pub(crate) use reach::{GivenStore, Prometheuses};

/// An imported dashboard as it is kept.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    /// The file or URL it was imported from; `None` for one made in KubeDesk.
    #[serde(default)]
    source: Option<String>,
    /// What could not be converted.
    report: Vec<String>,
    /// The dashboard.
    dashboard: Dashboard,
}

/// Where the cluster's Prometheus stands, the etcd members it scrapes, and the dashboards.
pub async fn get_monitoring(
    app: &App,
    request: ipc::GetMonitoring,
) -> Result<ipc::Monitoring, ipc::Error> {
    let (prometheus, etcd) = match reach::locate(app, &request.context).await {
        Ok(located) => (
            ipc::PrometheusState::Found {
                place: located.label(),
                version: located.version.clone(),
            },
            etcd_members(app, &request.context).await,
        ),
        // What to do comes with why.
        Err(error) => (
            ipc::PrometheusState::NotFound {
                reason: match error.hint {
                    Some(hint) => format!("{} {hint}", error.message),
                    None => error.message,
                },
            },
            Vec::new(),
        ),
    };
    Ok(ipc::Monitoring {
        prometheus,
        dashboards: entries(&app.dashboards),
        given: app.prometheus_given.of(&request.context)?,
        etcd,
    })
}

/// The etcd members the cluster's Prometheus scrapes now; none when it scrapes none or does not
/// answer (the dashboards then say why).
async fn etcd_members(app: &App, context: &str) -> Vec<ipc::EtcdMemberView> {
    let Ok((_, prometheus)) = reach::prometheus_of(app, context).await else {
        return Vec::new();
    };
    let now = jiff::Timestamp::now().as_second();
    prometheus
        .etcd_members(now)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|member| ipc::EtcdMemberView {
            instance: member.instance,
            leader: member.leader,
            has_leader: member.has_leader,
            up: member.up,
        })
        .collect()
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
            // Whole files only, not one being written.
            if path.extension()? != "json" {
                return None;
            }
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
        source: kept.source.clone(),
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
    let (range, ran) = run_on(
        app,
        &request.context,
        &dashboard,
        &request.from,
        &request.to,
        request.variables,
    )
    .await?;
    Ok(view(request.id, &dashboard, &range, ran, report))
}

/// Runs `dashboard` on the context's Prometheus from `from` to `to` (its own range when `from`
/// is empty) with the variables chosen.
async fn run_on(
    app: &App,
    context: &str,
    dashboard: &Dashboard,
    from: &str,
    to: &str,
    variables: Vec<ipc::VariableChoice>,
) -> Result<(TimeRange, Ran), ipc::Error> {
    let range = if from.is_empty() {
        dashboard.time.clone()
    } else {
        TimeRange {
            from: from.to_owned(),
            to: if to.is_empty() { "now" } else { to }.to_owned(),
        }
    };
    let (located, prometheus) = reach::prometheus_of(app, context).await?;
    let choices = variables
        .into_iter()
        .map(|choice| (choice.name, choice.values))
        .collect();
    let now = jiff::Timestamp::now().as_second();
    let ran = run::run(
        dashboard,
        &prometheus,
        &range,
        &choices,
        now,
        located.scrape,
    )
    .await
    .map_err(|error| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("The time range cannot be shown: {error}."),
        hint: None,
    })?;
    Ok((range, ran))
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
        editable: is_kept(&id),
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

/// What a panel of `kind` draws, in the contract's terms.
fn shape_of(kind: &PanelKind) -> ipc::PanelShape {
    match kind {
        PanelKind::TimeSeries {
            draw: Draw::Bars, ..
        } => ipc::PanelShape::Bars,
        PanelKind::TimeSeries {
            stacked, filled, ..
        } if *stacked || *filled => ipc::PanelShape::Area { stacked: *stacked },
        PanelKind::TimeSeries { .. } => ipc::PanelShape::TimeSeries,
        PanelKind::Stat { .. } => ipc::PanelShape::Stat,
        PanelKind::Gauge { .. } => ipc::PanelShape::Gauge,
        PanelKind::BarGauge { .. } => ipc::PanelShape::BarGauge,
        PanelKind::Table => ipc::PanelShape::Table,
        PanelKind::Text { content, .. } => ipc::PanelShape::Text {
            content: content.clone(),
        },
        PanelKind::Heatmap => ipc::PanelShape::Heatmap,
    }
}

fn panel_view(shown: PanelShown) -> ipc::PanelView {
    let panel = shown.panel;
    let shape = shape_of(&panel.kind);
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
        place: ipc::PanelPlace {
            row: shown.place.0,
            panel: shown.place.1,
        },
    }
}

/// Imports a Grafana dashboard from its file or its URL and keeps it.
pub async fn import_dashboard(
    app: &App,
    request: ipc::ImportDashboard,
) -> Result<ipc::ImportedDashboard, ipc::Error> {
    let typed = request.path.trim();
    let refused = |message: String, hint: &str| ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message,
        hint: Some(hint.to_owned()),
    };
    let (name, text) = if typed.starts_with("http://") || typed.starts_with("https://") {
        let text = download(typed).await.map_err(|error| {
            refused(
                format!("{typed} cannot be downloaded: {error}."),
                "Check the URL: it must answer with the dashboard's JSON (Grafana's Export, or grafana.com's dashboard page).",
            )
        })?;
        (typed.to_owned(), text)
    } else {
        let path = PathBuf::from(typed);
        let name = path.display().to_string();
        let text = std::fs::read(&path).map_err(|error| {
            refused(
                format!("{name} cannot be read: {error}."),
                "Check the path: type the whole path of the dashboard's JSON file, or its URL.",
            )
        })?;
        (name, text)
    };
    let imported = grafana::import(&name, &text).map_err(|error| {
        refused(
            format!("{error}."),
            "Choose a dashboard exported from Grafana as JSON.",
        )
    })?;
    let kept = Kept {
        source: Some(name),
        report: imported.report.iter().map(ToString::to_string).collect(),
        dashboard: imported.dashboard,
    };
    let id = new_id(&app.dashboards, IMPORTED, &kept.dashboard.title);
    keep(&app.dashboards, &id, &kept)?;
    Ok(ipc::ImportedDashboard {
        entry: entry(id, &kept),
        report: kept.report,
    })
}

/// Why a dashboard's URL gave no dashboard.
#[derive(Debug, thiserror::Error)]
enum DownloadError {
    #[error(transparent)]
    Https(#[from] kubedesk_cluster::https::HttpsError),
    #[error("it answered HTTP {0}")]
    Status(u16),
    #[error("it redirected more than {REDIRECTS} times")]
    Redirects,
    #[error("it is not a URL")]
    Url,
}

/// How many redirects a dashboard's URL may take.
const REDIRECTS: usize = 5;

/// Downloads a dashboard: from its URL, following redirects; a grafana.com dashboard's page
/// (`https://grafana.com/grafana/dashboards/12239-nvidia-dcgm-exporter-dashboard/`) through
/// grafana.com's download API.
async fn download(url: &str) -> Result<Vec<u8>, DownloadError> {
    let https = kubedesk_cluster::https::Https::new(None)?;
    let mut url = grafana_com_download(url).unwrap_or_else(|| url.to_owned());
    for _ in 0..=REDIRECTS {
        let request = http::Request::get(&url)
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|_| DownloadError::Url)?;
        let response = https
            .send(request, std::time::Duration::from_secs(30))
            .await?;
        let status = response.status();
        if status.is_redirection()
            && let Some(location) = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|location| location.to_str().ok())
        {
            url = redirected(&url, location);
            continue;
        }
        if !status.is_success() {
            return Err(DownloadError::Status(status.as_u16()));
        }
        return Ok(response.into_body());
    }
    Err(DownloadError::Redirects)
}

/// Where `location` (absolute, or a path on the same server) points from `url`.
fn redirected(url: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let origin = url
        .split_once("://")
        .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)))
        .unwrap_or_default();
    format!("{origin}/{}", location.trim_start_matches('/'))
}

/// grafana.com's download URL for one of its dashboard pages.
fn grafana_com_download(url: &str) -> Option<String> {
    let page = url
        .strip_prefix("https://grafana.com/grafana/dashboards/")
        .or_else(|| url.strip_prefix("https://grafana.com/dashboards/"))?;
    let id: String = page.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty())
        .then(|| format!("https://grafana.com/api/dashboards/{id}/revisions/latest/download"))
}

/// The ids of imported dashboards start with this.
const IMPORTED: &str = "imported-";
/// The ids of dashboards made in KubeDesk start with this.
const CREATED: &str = "custom-";

/// Whether the dashboard `id` is kept in the data folder (imported or made here), so that it may
/// be edited and deleted.
fn is_kept(id: &str) -> bool {
    id.starts_with(IMPORTED) || id.starts_with(CREATED)
}

/// Writes a kept dashboard in one step (a crash never leaves half a file).
fn keep(folder: &Path, id: &str, kept: &Kept) -> Result<(), ipc::Error> {
    std::fs::create_dir_all(folder)
        .and_then(|()| {
            let text = serde_json::to_vec_pretty(kept).map_err(std::io::Error::from)?;
            let partial = folder.join(format!("{id}.json.partial"));
            std::fs::write(&partial, text)?;
            std::fs::rename(partial, folder.join(format!("{id}.json")))
        })
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!(
                "The dashboard could not be kept in {}: {error}.",
                folder.display()
            ),
            hint: Some("Free some disk space or check the folder's permissions.".to_owned()),
        })
}

/// An id starting with `prefix` for a dashboard titled `title` that no kept dashboard has.
fn new_id(folder: &Path, prefix: &str, title: &str) -> String {
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
    let base = format!("{prefix}{}", slug.join("-"))
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

/// Forgets an imported dashboard, or one made here.
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
        .filter(|_| is_kept(&request.id))
        .ok_or_else(|| {
            refused("only imported dashboards and those made here can be deleted".to_owned())
        })?;
    std::fs::remove_file(path).map_err(|error| refused(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_com_pages_are_downloaded_through_its_api() {
        assert_eq!(
            grafana_com_download(
                "https://grafana.com/grafana/dashboards/12239-nvidia-dcgm-exporter-dashboard/"
            )
            .as_deref(),
            Some("https://grafana.com/api/dashboards/12239/revisions/latest/download")
        );
        assert_eq!(grafana_com_download("https://example.com/d.json"), None);
        assert_eq!(
            redirected("https://example.com/a/b.json", "/c.json"),
            "https://example.com/c.json"
        );
        assert_eq!(redirected("http://a/b", "https://c/d"), "https://c/d");
    }

    #[test]
    fn ids_name_no_path_and_never_clash() {
        let folder = tempfile::tempdir().unwrap();
        assert_eq!(
            new_id(folder.path(), IMPORTED, "NVIDIA DCGM Exporter Dashboard"),
            "imported-nvidia-dcgm-exporter-dashboard"
        );
        std::fs::write(folder.path().join("imported-gpus.json"), "{}").unwrap();
        assert_eq!(new_id(folder.path(), IMPORTED, "GPUs"), "imported-gpus-2");
        assert_eq!(new_id(folder.path(), CREATED, "GPUs"), "custom-gpus");
        assert_eq!(new_id(folder.path(), IMPORTED, "../.."), "imported");
        assert!(kept_path(folder.path(), "../etc/passwd").is_none());
        assert!(kept_path(folder.path(), "").is_none());
    }
}
