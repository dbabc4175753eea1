//! A dashboard run for a time range: its variables given values (the user's choices where they
//! still hold), rows and panels repeated for their variable's values, then every panel's queries
//! asked of Prometheus at once. Each series is named by its legend format, put on the range's
//! grid of times (a point Prometheus has not got is a gap) and reduced as its panel shows it.
//! A query Prometheus refuses is kept with its panel, with the query and Prometheus's words.

use std::collections::HashMap;

use crate::dashboard::{Dashboard, Panel, PanelKind, Reduce, TimeRange};
use crate::format;
use crate::prometheus::{Prometheus, Series, Transport};
use crate::promql::{Chosen, Expansion};
use crate::time::{self, Span, TimeError};
use crate::variables::{self, Resolution, Window};

/// A dashboard run.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    /// The range it was run for.
    pub span: Span,
    /// Its variables, with their values and choices.
    pub variables: Vec<VariableShown>,
    /// Its rows, repeated rows and panels included.
    pub rows: Vec<RowShown>,
}

/// A variable as the dashboard's bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableShown {
    /// Its name.
    pub name: String,
    /// Its label, or its name.
    pub label: String,
    /// The values to choose from.
    pub options: Vec<String>,
    /// What is chosen (`$__all` for All).
    pub chosen: Vec<String>,
    /// Whether several may be chosen.
    pub multi: bool,
    /// Whether All is offered.
    pub all: bool,
    /// Whether the value is typed rather than chosen.
    pub typed: bool,
    /// Whether it is hidden from the bar.
    pub hidden: bool,
    /// Why it has no values, when it has none.
    pub error: Option<String>,
}

/// A row run.
#[derive(Debug, Clone, PartialEq)]
pub struct RowShown {
    /// Its title, variables written in.
    pub title: Option<String>,
    /// Whether it opens folded.
    pub collapsed: bool,
    /// Its panels.
    pub panels: Vec<PanelShown>,
}

/// A panel run: the panel (its title's variables written in), and its series.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelShown {
    /// The panel.
    pub panel: Panel,
    /// Where it is in the dashboard: its row and its place in the row (a repeated copy's is its
    /// original's).
    pub place: (usize, usize),
    /// The times of its points, seconds since the epoch (empty when every query is instant).
    pub times: Vec<i64>,
    /// Its series, in query order.
    pub series: Vec<SeriesShown>,
    /// What its queries could not show: the query and Prometheus's words.
    pub errors: Vec<String>,
}

/// One series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesShown {
    /// Its name in the legend.
    pub name: String,
    /// Its values at the panel's times (`None`: no point there).
    pub values: Vec<Option<f64>>,
    /// The one value a stat, gauge, bar gauge or table shows of it.
    pub reduced: Option<f64>,
}

/// Runs `dashboard` for `range` read at `now`, with the variables chosen in `choices` (by
/// name) and a step of at least `scrape` seconds.
pub async fn run<T: Transport>(
    dashboard: &Dashboard,
    prometheus: &Prometheus<T>,
    range: &TimeRange,
    choices: &HashMap<String, Vec<String>>,
    now: i64,
    scrape: u64,
) -> Result<Ran, TimeError> {
    let span = time::span(range, now, scrape)?;
    let mut chosen = dashboard.clone();
    for variable in &mut chosen.variables {
        if let Some(values) = choices.get(&variable.name) {
            variable.current.clone_from(values);
        }
    }
    let window = Window {
        start: span.start,
        end: span.end,
        step: span.step,
        scrape,
    };
    let Resolution {
        expansion,
        options,
        errors,
    } = variables::resolve(&chosen, prometheus, window).await;
    let variables = chosen
        .variables
        .iter()
        .map(|variable| VariableShown {
            name: variable.name.clone(),
            label: variable
                .label
                .clone()
                .unwrap_or_else(|| variable.name.clone()),
            options: options.get(&variable.name).cloned().unwrap_or_default(),
            chosen: match expansion.variables.get(&variable.name) {
                Some(Chosen::All { .. }) => vec!["$__all".to_owned()],
                Some(Chosen::Values(values)) => values.clone(),
                None => Vec::new(),
            },
            multi: variable.multi,
            all: variable.all.is_some(),
            typed: matches!(
                variable.kind,
                crate::dashboard::VariableKind::Textbox { .. }
            ),
            hidden: variable.hidden,
            error: errors
                .iter()
                .find(|error| error.name == variable.name)
                .map(|error| error.error.to_string()),
        })
        .collect();
    // Rows and panels as laid out, each with what its queries are expanded with.
    let mut layout: Vec<Laid> = Vec::new();
    for (row_index, row) in chosen.rows.iter().enumerate() {
        for row_expansion in repeated(row.repeat.as_deref(), &expansion) {
            let mut panels = Vec::new();
            for (panel_index, panel) in row.panels.iter().enumerate() {
                let by = panel.repeat.as_ref().map(|repeat| repeat.variable.as_str());
                for panel_expansion in repeated(by, &row_expansion) {
                    let mut shown = panel.clone();
                    shown.title = panel_expansion.expand(&panel.title);
                    panels.push((shown, panel_expansion, (row_index, panel_index)));
                }
            }
            let title = row
                .title
                .as_deref()
                .map(|title| row_expansion.expand(title));
            layout.push(Laid {
                title,
                collapsed: row.collapsed,
                panels,
            });
        }
    }
    let asked =
        layout
            .iter()
            .flat_map(|laid| &laid.panels)
            .map(|(panel, expansion, place)| async move {
                panel_run(panel, *place, expansion, prometheus, span).await
            });
    let mut results = futures_util::future::join_all(asked).await.into_iter();
    let rows = layout
        .into_iter()
        .map(|laid| RowShown {
            title: laid.title,
            collapsed: laid.collapsed,
            panels: laid.panels.iter().map_while(|_| results.next()).collect(),
        })
        .collect();
    Ok(Ran {
        span,
        variables,
        rows,
    })
}

/// A row laid out: its panels, each with what its queries are expanded with.
struct Laid {
    title: Option<String>,
    collapsed: bool,
    panels: Vec<(Panel, Expansion, (usize, usize))>,
}

/// One expansion per value of `variable` (with that value alone chosen), or `expansion` alone
/// when nothing is repeated.
fn repeated(variable: Option<&str>, expansion: &Expansion) -> Vec<Expansion> {
    let values = match variable.and_then(|name| Some((name, expansion.variables.get(name)?))) {
        Some((name, Chosen::Values(values) | Chosen::All { values, .. })) if !values.is_empty() => {
            values.iter().map(|value| (name, value)).collect::<Vec<_>>()
        }
        _ => return vec![expansion.clone()],
    };
    values
        .into_iter()
        .map(|(name, value)| {
            let mut one = expansion.clone();
            one.variables
                .insert(name.to_owned(), Chosen::Values(vec![value.clone()]));
            one
        })
        .collect()
}

/// Runs `panel`'s queries.
async fn panel_run<T: Transport>(
    panel: &Panel,
    place: (usize, usize),
    expansion: &Expansion,
    prometheus: &Prometheus<T>,
    span: Span,
) -> PanelShown {
    let instant_only = matches!(panel.kind, PanelKind::Table);
    let ranged = !instant_only
        && panel
            .queries
            .iter()
            .any(|query| !query.instant && !query.hidden);
    let times: Vec<i64> = if ranged {
        (0..)
            .map(|index| span.start + index * i64::try_from(span.step).unwrap_or(1))
            .take_while(|time| *time <= span.end)
            .collect()
    } else {
        Vec::new()
    };
    let mut shown = PanelShown {
        panel: panel.clone(),
        place,
        times,
        series: Vec::new(),
        errors: Vec::new(),
    };
    let reduce = match panel.kind {
        PanelKind::Stat { reduce, .. }
        | PanelKind::Gauge { reduce }
        | PanelKind::BarGauge { reduce, .. } => reduce,
        _ => Reduce::Last,
    };
    for query in panel.queries.iter().filter(|query| !query.hidden) {
        let expr = expansion.expand(&query.expr);
        let instant = instant_only || query.instant;
        let answer = if instant {
            prometheus.query(&expr, span.end).await
        } else {
            prometheus
                .query_range(&expr, span.start, span.end, span.step)
                .await
        };
        let series = match answer {
            Ok(series) => series,
            Err(error) => {
                shown.errors.push(error.to_string());
                continue;
            }
        };
        for Series { labels, points } in series {
            let name = format::legend(query.legend.as_deref(), &labels);
            let mut values = vec![None; shown.times.len()];
            if !instant {
                let step = i64::try_from(span.step).unwrap_or(1);
                for (time, value) in &points {
                    let offset = (*time as i64 - span.start + step / 2).div_euclid(step);
                    if let Some(slot) = usize::try_from(offset)
                        .ok()
                        .and_then(|index| values.get_mut(index))
                    {
                        *slot = Some(*value);
                    }
                }
            }
            let reduced = reduced(reduce, points.iter().map(|(_, value)| *value));
            shown.series.push(SeriesShown {
                name,
                values,
                reduced,
            });
        }
    }
    shown
}

/// `values` (NaN left out) reduced to one.
fn reduced(reduce: Reduce, values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.filter(|value| !value.is_nan()).collect();
    let sum = || values.iter().sum::<f64>();
    match reduce {
        Reduce::Count => Some(values.len() as f64),
        _ if values.is_empty() => None,
        Reduce::Last => values.last().copied(),
        Reduce::First => values.first().copied(),
        Reduce::Min => values.iter().copied().reduce(f64::min),
        Reduce::Max => values.iter().copied().reduce(f64::max),
        Reduce::Sum => Some(sum()),
        Reduce::Mean => Some(sum() / values.len() as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_reduce_as_grafana_reduces_them() {
        let values = [3.0, f64::NAN, 1.0, 5.0];
        let of = |reduce| reduced(reduce, values.iter().copied());
        assert_eq!(of(Reduce::Last), Some(5.0));
        assert_eq!(of(Reduce::First), Some(3.0));
        assert_eq!(of(Reduce::Min), Some(1.0));
        assert_eq!(of(Reduce::Max), Some(5.0));
        assert_eq!(of(Reduce::Sum), Some(9.0));
        assert_eq!(of(Reduce::Mean), Some(3.0));
        assert_eq!(of(Reduce::Count), Some(3.0));
        assert_eq!(reduced(Reduce::Last, std::iter::empty()), None);
    }

    #[test]
    fn a_repeated_panel_gets_one_expansion_per_value() {
        let expansion = Expansion {
            variables: HashMap::from([(
                "gpu".to_owned(),
                Chosen::All {
                    values: vec!["0".into(), "1".into()],
                    custom: None,
                },
            )]),
            regex_variables: vec!["gpu".into()],
            step_seconds: 15,
            scrape_seconds: 15,
            range_seconds: 3600,
        };
        let copies = repeated(Some("gpu"), &expansion);
        let titles: Vec<String> = copies.iter().map(|copy| copy.expand("GPU $gpu")).collect();
        assert_eq!(titles, ["GPU 0", "GPU 1"]);
        assert_eq!(repeated(None, &expansion).len(), 1);
        assert_eq!(repeated(Some("missing"), &expansion).len(), 1);
    }
}
