//! Editing kept dashboards: `create_dashboard` (empty, or a copy of another, which is how a
//! built-in one is edited), `get_panel`, `save_panel` and `delete_panel` on the dashboard's file,
//! `preview_panel` (the panel being edited run on the cluster's Prometheus with the dashboard's
//! variables, before anything is kept), `get_metric_names` for the PromQL editor, and
//! `get_variables` and `save_variables`.

use kubedesk_ipc as ipc;
use kubedesk_metrics::dashboard::{
    AllValue, Dashboard, Draw, Grid, Panel, PanelKind, Query, Reduce, Refresh, Row, Threshold,
    TimeRange, Variable, VariableKind,
};
use kubedesk_metrics::grafana;

use super::{CREATED, Kept, dashboard, entry, is_kept, keep, kept_path, new_id, read_kept};
use crate::App;

/// The tallest a panel may be, in grid units (30 px).
const TALLEST: u32 = 40;

fn invalid(message: String, hint: &str) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message,
        hint: Some(hint.to_owned()),
    }
}

/// Makes a dashboard, empty or a copy of `copy_of`, and keeps it.
pub fn create_dashboard(
    app: &App,
    request: ipc::CreateDashboard,
) -> Result<ipc::DashboardEntry, ipc::Error> {
    let title = request.title.trim();
    if title.is_empty() {
        return Err(invalid(
            "A dashboard needs a title.".to_owned(),
            "Type its title.",
        ));
    }
    let dashboard = match &request.copy_of {
        Some(id) => Dashboard {
            title: title.to_owned(),
            ..dashboard(&app.dashboards, id)?.0
        },
        None => Dashboard {
            title: title.to_owned(),
            description: None,
            tags: Vec::new(),
            time: TimeRange::default(),
            refresh: None,
            variables: Vec::new(),
            rows: Vec::new(),
        },
    };
    let kept = Kept {
        source: None,
        report: Vec::new(),
        dashboard,
    };
    let id = new_id(&app.dashboards, CREATED, title);
    keep(&app.dashboards, &id, &kept)?;
    Ok(entry(id, &kept))
}

/// A kept dashboard, for a change to it; a built-in one is refused with what to do.
fn kept(app: &App, id: &str) -> Result<Kept, ipc::Error> {
    if !is_kept(id) {
        return Err(invalid(
            format!("The dashboard {id:?} is built in and cannot be changed."),
            "Copy it (Copy to edit) and change the copy.",
        ));
    }
    kept_path(&app.dashboards, id)
        .ok_or_else(|| "no such dashboard".to_owned())
        .and_then(|path| read_kept(&path).map_err(|error| error.to_string()))
        .map_err(|detail| ipc::Error {
            code: ipc::ErrorCode::Storage,
            message: format!("The dashboard {id:?} cannot be opened: {detail}."),
            hint: None,
        })
}

/// The panel at `place`.
fn panel_at<'a>(
    dashboard: &'a mut Dashboard,
    id: &str,
    place: ipc::PanelPlace,
) -> Result<&'a mut Panel, ipc::Error> {
    dashboard
        .rows
        .get_mut(place.row)
        .and_then(|row| row.panels.get_mut(place.panel))
        .ok_or_else(|| {
            invalid(
                format!(
                    "The dashboard {id:?} has no panel {} in row {}.",
                    place.panel + 1,
                    place.row + 1
                ),
                "Open the dashboard again: it may have changed.",
            )
        })
}

/// A panel as the editor shows it.
pub fn get_panel(app: &App, request: ipc::GetPanel) -> Result<ipc::PanelSpec, ipc::Error> {
    let (mut dashboard, _) = dashboard(&app.dashboards, &request.id)?;
    let panel = panel_at(&mut dashboard, &request.id, request.place)?;
    Ok(ipc::PanelSpec {
        title: panel.title.clone(),
        description: panel.description.clone(),
        shape: super::shape_of(&panel.kind),
        unit: panel.unit.clone(),
        decimals: panel.decimals,
        min: panel.min,
        max: panel.max,
        width: panel.grid.w,
        height: panel.grid.h,
        thresholds: panel
            .thresholds
            .iter()
            .map(|threshold| (threshold.value, threshold.color.clone()))
            .collect(),
        queries: panel
            .queries
            .iter()
            .map(|query| ipc::QuerySpec {
                expr: query.expr.clone(),
                legend: query.legend.clone().unwrap_or_default(),
                instant: query.instant,
            })
            .collect(),
    })
}

/// What is wrong with `spec`, named, with what to do.
fn check(spec: &ipc::PanelSpec) -> Result<(), ipc::Error> {
    if spec.title.trim().is_empty() {
        return Err(invalid(
            "A panel needs a title.".to_owned(),
            "Type what the panel shows.",
        ));
    }
    if !(1..=24).contains(&spec.width) || !(2..=TALLEST).contains(&spec.height) {
        return Err(invalid(
            format!(
                "A panel {} columns wide and {} units high does not fit.",
                spec.width, spec.height
            ),
            "Give a width of 1 to 24 columns and a height of 2 to 40 units.",
        ));
    }
    if let (Some(min), Some(max)) = (spec.min, spec.max)
        && min >= max
    {
        return Err(invalid(
            format!("The lowest value, {min}, is not below the highest, {max}."),
            "Make the lowest value smaller than the highest, or leave one empty.",
        ));
    }
    let colours_named = spec
        .thresholds
        .iter()
        .all(|(_, colour)| !colour.trim().is_empty());
    let rising = spec
        .thresholds
        .iter()
        .filter_map(|(value, _)| *value)
        .collect::<Vec<_>>()
        .windows(2)
        .all(|pair| pair[0] < pair[1]);
    if !colours_named || !rising {
        return Err(invalid(
            "The thresholds must each name a colour, their values rising.".to_owned(),
            "Write them as green, 80 orange, 90 red.",
        ));
    }
    match &spec.shape {
        ipc::PanelShape::Text { content } if content.trim().is_empty() => Err(invalid(
            "A text panel needs its text.".to_owned(),
            "Type the text (Markdown).",
        )),
        ipc::PanelShape::Text { .. } => Ok(()),
        _ if spec.queries.is_empty() => Err(invalid(
            "A panel needs a query.".to_owned(),
            "Add a PromQL query.",
        )),
        _ => match spec
            .queries
            .iter()
            .position(|query| query.expr.trim().is_empty())
        {
            Some(index) => Err(invalid(
                format!("Query {} is empty.", index + 1),
                "Type a PromQL expression, or remove the query.",
            )),
            None => Ok(()),
        },
    }
}

/// The panel `spec` describes, keeping what the editor does not show of `existing` (its
/// repeat, reductions, data source, place on the grid).
fn panel_of(spec: ipc::PanelSpec, existing: Option<&Panel>, grid: Grid) -> Panel {
    let old_kind = existing.map(|panel| &panel.kind);
    let reduce = match old_kind {
        Some(
            PanelKind::Stat { reduce, .. }
            | PanelKind::Gauge { reduce }
            | PanelKind::BarGauge { reduce, .. },
        ) => *reduce,
        _ => Reduce::Last,
    };
    let legend_hidden = matches!(
        old_kind,
        Some(PanelKind::TimeSeries {
            legend_hidden: true,
            ..
        })
    );
    let kind = match spec.shape {
        ipc::PanelShape::TimeSeries => PanelKind::TimeSeries {
            draw: Draw::Lines,
            stacked: false,
            filled: false,
            legend_hidden,
        },
        ipc::PanelShape::Area { stacked } => PanelKind::TimeSeries {
            draw: Draw::Lines,
            stacked,
            filled: true,
            legend_hidden,
        },
        ipc::PanelShape::Bars => PanelKind::TimeSeries {
            draw: Draw::Bars,
            stacked: false,
            filled: false,
            legend_hidden,
        },
        ipc::PanelShape::Stat => PanelKind::Stat {
            reduce,
            sparkline: matches!(
                old_kind,
                Some(PanelKind::Stat {
                    sparkline: true,
                    ..
                })
            ),
        },
        ipc::PanelShape::Gauge => PanelKind::Gauge { reduce },
        ipc::PanelShape::BarGauge => PanelKind::BarGauge {
            reduce,
            horizontal: !matches!(
                old_kind,
                Some(PanelKind::BarGauge {
                    horizontal: false,
                    ..
                })
            ),
        },
        ipc::PanelShape::Table => PanelKind::Table,
        ipc::PanelShape::Text { content } => PanelKind::Text {
            mode: match old_kind {
                Some(PanelKind::Text { mode, .. }) => mode.clone(),
                _ => "markdown".to_owned(),
            },
            content,
        },
        ipc::PanelShape::Heatmap => PanelKind::Heatmap,
    };
    let old_queries = existing
        .map(|panel| panel.queries.as_slice())
        .unwrap_or(&[]);
    let queries = spec
        .queries
        .into_iter()
        .enumerate()
        .map(|(index, query)| {
            let old = old_queries.get(index);
            let legend = query.legend.trim().to_owned();
            Query {
                ref_id: old.map_or_else(|| reference(index), |old| old.ref_id.clone()),
                expr: query.expr.trim().to_owned(),
                legend: (!legend.is_empty()).then_some(legend),
                instant: query.instant,
                min_step: old.and_then(|old| old.min_step.clone()),
                hidden: old.is_some_and(|old| old.hidden),
            }
        })
        .collect();
    Panel {
        title: spec.title.trim().to_owned(),
        description: spec
            .description
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty()),
        kind,
        grid: Grid {
            w: spec.width,
            h: spec.height,
            ..grid
        },
        queries,
        unit: spec
            .unit
            .map(|unit| unit.trim().to_owned())
            .filter(|unit| !unit.is_empty()),
        decimals: spec.decimals,
        min: spec.min,
        max: spec.max,
        thresholds: spec
            .thresholds
            .into_iter()
            .map(|(value, color)| Threshold {
                value,
                color: color.trim().to_owned(),
            })
            .collect(),
        repeat: existing.and_then(|panel| panel.repeat.clone()),
        datasource: existing.and_then(|panel| panel.datasource.clone()),
    }
}

/// Grafana's query references: `A` to `Z`, then `AA`.
fn reference(index: usize) -> String {
    let letter = |index: usize| char::from(b'A' + (index % 26) as u8);
    if index < 26 {
        letter(index).to_string()
    } else {
        format!("{}{}", letter(index / 26 - 1), letter(index))
    }
}

/// Where a panel `width` wide goes when added: beside the last one where it fits, else below
/// everything.
fn next_place(dashboard: &Dashboard, width: u32) -> Grid {
    let bottom = dashboard
        .rows
        .iter()
        .flat_map(|row| &row.panels)
        .map(|panel| panel.grid.y + panel.grid.h)
        .max()
        .unwrap_or(0);
    let last = dashboard.rows.last().and_then(|row| row.panels.last());
    match last {
        Some(last) if last.grid.x + last.grid.w + width <= 24 => Grid {
            x: last.grid.x + last.grid.w,
            y: last.grid.y,
            w: width,
            h: 0,
        },
        _ => Grid {
            x: 0,
            y: bottom,
            w: width,
            h: 0,
        },
    }
}

/// Keeps a panel: replaces the one at its place, or adds it to the last row.
pub fn save_panel(app: &App, request: ipc::SavePanel) -> Result<(), ipc::Error> {
    check(&request.panel)?;
    let mut kept = kept(app, &request.id)?;
    match request.place {
        Some(place) => {
            let panel = panel_at(&mut kept.dashboard, &request.id, place)?;
            *panel = panel_of(request.panel, Some(panel), panel.grid);
        }
        None => {
            let grid = next_place(&kept.dashboard, request.panel.width);
            let panel = panel_of(request.panel, None, grid);
            if kept.dashboard.rows.is_empty() {
                kept.dashboard.rows.push(Row {
                    title: None,
                    collapsed: false,
                    repeat: None,
                    panels: Vec::new(),
                });
            }
            if let Some(row) = kept.dashboard.rows.last_mut() {
                row.panels.push(panel);
            }
        }
    }
    keep(&app.dashboards, &request.id, &kept)
}

/// Removes a panel.
pub fn delete_panel(app: &App, request: ipc::DeletePanel) -> Result<(), ipc::Error> {
    let mut kept = kept(app, &request.id)?;
    panel_at(&mut kept.dashboard, &request.id, request.place)?;
    kept.dashboard.rows[request.place.row]
        .panels
        .remove(request.place.panel);
    keep(&app.dashboards, &request.id, &kept)
}

/// Runs the panel being edited, alone, with the dashboard's variables.
pub async fn preview_panel(
    app: &App,
    request: ipc::PreviewPanel,
) -> Result<ipc::PanelView, ipc::Error> {
    check(&request.panel)?;
    let (dashboard, _) = dashboard(&app.dashboards, &request.id)?;
    let grid = Grid {
        x: 0,
        y: 0,
        w: request.panel.width,
        h: request.panel.height,
    };
    let alone = Dashboard {
        rows: vec![Row {
            title: None,
            collapsed: false,
            repeat: None,
            panels: vec![panel_of(request.panel, None, grid)],
        }],
        ..dashboard
    };
    let (_, ran) = super::run_on(
        app,
        &request.context,
        &alone,
        &request.from,
        &request.to,
        request.variables,
    )
    .await?;
    ran.rows
        .into_iter()
        .flat_map(|row| row.panels)
        .next()
        .map(super::panel_view)
        .ok_or_else(|| {
            invalid(
                "The panel showed nothing: a repeat over a variable with no value.".to_owned(),
                "Choose a value for the variable.",
            )
        })
}

/// The metric names the cluster's Prometheus has seen in the last hour.
pub async fn get_metric_names(
    app: &App,
    request: ipc::GetMetricNames,
) -> Result<Vec<String>, ipc::Error> {
    let (_, prometheus) = super::reach::prometheus_of(app, &request.context).await?;
    let now = jiff::Timestamp::now().as_second();
    prometheus
        .label_values("__name__", None, now - 3600, now)
        .await
        .map_err(|error| super::unreachable(&error))
}

/// A dashboard's variables as the editor shows them.
pub fn get_variables(
    app: &App,
    request: ipc::GetVariables,
) -> Result<Vec<ipc::VariableSpec>, ipc::Error> {
    let (dashboard, _) = dashboard(&app.dashboards, &request.id)?;
    Ok(dashboard
        .variables
        .iter()
        .map(|variable| ipc::VariableSpec {
            name: variable.name.clone(),
            label: variable.label.clone().unwrap_or_default(),
            kind: match &variable.kind {
                VariableKind::Query { query, regex, .. } => ipc::VariableSpecKind::Query {
                    query: query.to_string(),
                    regex: regex.clone().unwrap_or_default(),
                },
                VariableKind::Custom { options } => ipc::VariableSpecKind::Custom {
                    values: joined(options),
                },
                VariableKind::Interval { options, .. } => ipc::VariableSpecKind::Interval {
                    values: joined(options),
                },
                VariableKind::Constant { value } => ipc::VariableSpecKind::Constant {
                    value: value.clone(),
                },
                VariableKind::Textbox { default } => ipc::VariableSpecKind::Textbox {
                    default: default.clone(),
                },
                VariableKind::Datasource { .. } => ipc::VariableSpecKind::Datasource,
            },
            multi: variable.multi,
            include_all: variable.all.is_some(),
        })
        .collect())
}

/// Values joined as Grafana writes them: `, ` between, `\,` for a comma inside one.
fn joined(values: &[String]) -> String {
    values
        .iter()
        .map(|value| value.replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The variable `spec` describes, keeping what the editor does not show of `old` (when it
/// refreshes, how it sorts, `auto`, what is chosen, whether it is hidden, All's value).
fn variable_of(spec: ipc::VariableSpec, old: Option<&Variable>) -> Result<Variable, ipc::Error> {
    let name = spec.name.trim().to_owned();
    let wrong = |what: String, hint: &str| invalid(format!("The variable {name}: {what}."), hint);
    let values_of = |text: &str| {
        let values = grafana::values(text);
        if values.is_empty() {
            Err(wrong(
                "it has no values".to_owned(),
                "Write its values separated by commas.",
            ))
        } else {
            Ok(values)
        }
    };
    let kind = match spec.kind {
        ipc::VariableSpecKind::Query { query, regex } => {
            let parsed = grafana::variable_query(&query).ok_or_else(|| {
                wrong(
                    format!("its query {:?} is none of label_values(…), label_names(…), metrics(…) and query_result(…)", query.trim()),
                    "Write it as Grafana does, as in label_values(kube_node_info, node).",
                )
            })?;
            let (refresh, sort) = match old.map(|old| &old.kind) {
                Some(VariableKind::Query { refresh, sort, .. }) => (*refresh, *sort),
                _ => (Refresh::OnTimeChange, 1),
            };
            let regex = regex.trim().to_owned();
            VariableKind::Query {
                query: parsed,
                regex: (!regex.is_empty()).then_some(regex),
                refresh,
                sort,
            }
        }
        ipc::VariableSpecKind::Custom { values } => VariableKind::Custom {
            options: values_of(&values)?,
        },
        ipc::VariableSpecKind::Interval { values } => VariableKind::Interval {
            options: values_of(&values)?,
            auto: match old.map(|old| &old.kind) {
                Some(VariableKind::Interval { auto, .. }) => auto.clone(),
                _ => None,
            },
        },
        ipc::VariableSpecKind::Constant { value } => VariableKind::Constant { value },
        ipc::VariableSpecKind::Textbox { default } => VariableKind::Textbox { default },
        ipc::VariableSpecKind::Datasource => match old.map(|old| &old.kind) {
            Some(kind @ VariableKind::Datasource { .. }) => kind.clone(),
            _ => VariableKind::Datasource {
                plugin: "prometheus".to_owned(),
                regex: None,
            },
        },
    };
    let label = spec.label.trim().to_owned();
    Ok(Variable {
        label: (!label.is_empty() && label != name).then_some(label),
        kind,
        multi: spec.multi,
        all: spec.include_all.then(|| AllValue {
            custom: old.and_then(|old| old.all.as_ref()?.custom.clone()),
        }),
        current: old.map(|old| old.current.clone()).unwrap_or_default(),
        hidden: old.is_some_and(|old| old.hidden),
        name,
    })
}

/// Keeps a dashboard's variables; a name that is not one, twice the same name, or a query that
/// cannot run is named, and nothing is kept.
pub fn save_variables(app: &App, request: ipc::SaveVariables) -> Result<(), ipc::Error> {
    let mut kept = kept(app, &request.id)?;
    let mut variables: Vec<Variable> = Vec::new();
    for spec in request.variables {
        let name = spec.name.trim();
        let well_named = name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_');
        if !well_named {
            return Err(invalid(
                format!("{name:?} cannot be a variable's name."),
                "Use letters, digits and _, starting with a letter, as queries write $name.",
            ));
        }
        if variables.iter().any(|variable| variable.name == name) {
            return Err(invalid(
                format!("Two variables are named {name}."),
                "Give each variable a name of its own.",
            ));
        }
        let old = kept
            .dashboard
            .variables
            .iter()
            .find(|variable| variable.name == name);
        variables.push(variable_of(spec, old)?);
    }
    kept.dashboard.variables = variables;
    keep(&app.dashboards, &request.id, &kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_reads_back_as_it_was_written() {
        let spec = ipc::VariableSpec {
            name: "node".into(),
            label: "Node".into(),
            kind: ipc::VariableSpecKind::Query {
                query: "label_values(kube_node_info, node)".into(),
                regex: "gpu-.*".into(),
            },
            multi: true,
            include_all: true,
        };
        let variable = variable_of(spec, None).unwrap();
        assert_eq!(
            variable.kind,
            VariableKind::Query {
                query: kubedesk_metrics::dashboard::VariableQuery::LabelValues {
                    series: Some("kube_node_info".into()),
                    label: "node".into(),
                },
                regex: Some("gpu-.*".into()),
                refresh: Refresh::OnTimeChange,
                sort: 1,
            }
        );
        let custom = variable_of(
            ipc::VariableSpec {
                name: "size".into(),
                kind: ipc::VariableSpecKind::Custom {
                    values: "small, a\\,b".into(),
                },
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            custom.kind,
            VariableKind::Custom {
                options: vec!["small".into(), "a,b".into()]
            }
        );
        let VariableKind::Custom { options } = &custom.kind else {
            unreachable!()
        };
        assert_eq!(joined(options), "small, a\\,b");
        let wrong = variable_of(
            ipc::VariableSpec {
                name: "node".into(),
                kind: ipc::VariableSpecKind::Query {
                    query: "up".into(),
                    regex: String::new(),
                },
                ..Default::default()
            },
            None,
        )
        .unwrap_err();
        assert!(
            wrong
                .message
                .starts_with("The variable node: its query \"up\" is none of label_values"),
            "{}",
            wrong.message
        );
    }

    #[test]
    fn query_references_follow_grafana() {
        assert_eq!(reference(0), "A");
        assert_eq!(reference(25), "Z");
        assert_eq!(reference(26), "AA");
    }

    #[test]
    fn a_panel_is_added_beside_the_last_where_it_fits_else_below() {
        let panel = |x, y, w, h| {
            panel_of(
                ipc::PanelSpec {
                    title: "p".into(),
                    width: w,
                    height: h,
                    ..Default::default()
                },
                None,
                Grid { x, y, w, h },
            )
        };
        let mut dashboard = Dashboard {
            title: "d".into(),
            description: None,
            tags: Vec::new(),
            time: TimeRange::default(),
            refresh: None,
            variables: Vec::new(),
            rows: vec![Row {
                title: None,
                collapsed: false,
                repeat: None,
                panels: vec![panel(0, 0, 24, 4), panel(0, 4, 12, 8)],
            }],
        };
        assert_eq!(
            next_place(&dashboard, 12),
            Grid {
                x: 12,
                y: 4,
                w: 12,
                h: 0
            }
        );
        assert_eq!(next_place(&dashboard, 13).y, 12);
        dashboard.rows.clear();
        assert_eq!(
            next_place(&dashboard, 24),
            Grid {
                x: 0,
                y: 0,
                w: 24,
                h: 0
            }
        );
    }

    #[test]
    fn what_the_editor_does_not_show_is_kept() {
        let existing = Panel {
            title: "Old".into(),
            description: None,
            kind: PanelKind::Stat {
                reduce: Reduce::Max,
                sparkline: true,
            },
            grid: Grid {
                x: 6,
                y: 2,
                w: 6,
                h: 4,
            },
            queries: vec![Query {
                ref_id: "Q".into(),
                expr: "up".into(),
                legend: None,
                instant: false,
                min_step: Some("30s".into()),
                hidden: false,
            }],
            unit: None,
            decimals: None,
            min: None,
            max: None,
            thresholds: Vec::new(),
            repeat: None,
            datasource: Some("$datasource".into()),
        };
        let spec = ipc::PanelSpec {
            title: " New ".into(),
            shape: ipc::PanelShape::Gauge,
            unit: Some(" celsius ".into()),
            width: 12,
            height: 6,
            thresholds: vec![(None, "green".into()), (Some(80.0), " red ".into())],
            queries: vec![
                ipc::QuerySpec {
                    expr: " max(DCGM_FI_DEV_GPU_TEMP) ".into(),
                    legend: String::new(),
                    instant: false,
                },
                ipc::QuerySpec {
                    expr: "min(DCGM_FI_DEV_GPU_TEMP)".into(),
                    legend: "lowest".into(),
                    instant: true,
                },
            ],
            ..Default::default()
        };
        let panel = panel_of(spec, Some(&existing), existing.grid);
        assert_eq!(panel.title, "New");
        assert_eq!(
            panel.kind,
            PanelKind::Gauge {
                reduce: Reduce::Max
            }
        );
        assert_eq!(
            panel.grid,
            Grid {
                x: 6,
                y: 2,
                w: 12,
                h: 6
            }
        );
        assert_eq!(panel.unit.as_deref(), Some("celsius"));
        assert_eq!(
            panel.thresholds,
            [
                Threshold {
                    value: None,
                    color: "green".into()
                },
                Threshold {
                    value: Some(80.0),
                    color: "red".into()
                }
            ]
        );
        assert_eq!(panel.datasource.as_deref(), Some("$datasource"));
        assert_eq!(
            (
                panel.queries[0].ref_id.as_str(),
                panel.queries[0].expr.as_str()
            ),
            ("Q", "max(DCGM_FI_DEV_GPU_TEMP)")
        );
        assert_eq!(panel.queries[0].min_step.as_deref(), Some("30s"));
        assert_eq!(
            (
                panel.queries[1].ref_id.as_str(),
                panel.queries[1].legend.as_deref()
            ),
            ("B", Some("lowest"))
        );
    }
}
