//! A dashboard's variables given values as it opens: each query variable asked of Prometheus in
//! the dashboard's order (its query expanded with the variables before it, as Grafana refreshes
//! them), filtered by its regular expression, and the saved choice kept where it is still a
//! value, else the first value (or All).

use std::collections::HashMap;

use crate::dashboard::{Dashboard, Variable, VariableKind, VariableQuery};
use crate::prometheus::{Prometheus, QueryError, Transport};
use crate::promql::{Chosen, Expansion};

/// The one value a data source variable takes: the cluster's own Prometheus.
pub const CLUSTER_PROMETHEUS: &str = "Prometheus";

/// The time a dashboard is shown for: its range (seconds since the epoch) and step (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Its start.
    pub start: i64,
    /// Its end.
    pub end: i64,
    /// The step between points.
    pub step: u64,
    /// Prometheus's scrape interval.
    pub scrape: u64,
}

/// A variable whose values could not be had, and why; the dashboard goes on with it empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableError {
    /// The variable.
    pub name: String,
    /// Why.
    pub error: ValuesError,
}

/// Why a variable has no values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// Prometheus did not answer its query.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Its regular expression does not compile.
    #[error("its regular expression {regex:?} does not compile: {detail}")]
    Regex {
        /// The regular expression.
        regex: String,
        /// What the compiler said.
        detail: String,
    },
}

/// Values a query variable's regular expression (`/(.*):.*/`, with its capture group when it has
/// one) keeps of `values`; a regular expression that does not compile is an error.
fn filtered(values: Vec<String>, regex: Option<&str>) -> Result<Vec<String>, ValuesError> {
    let Some(regex) = regex else {
        return Ok(values);
    };
    let pattern = regex
        .strip_prefix('/')
        .and_then(|rest| rest.rsplit_once('/'))
        .map_or(regex, |(pattern, _flags)| pattern);
    let compiled = regex::Regex::new(pattern).map_err(|error| ValuesError::Regex {
        regex: regex.to_owned(),
        detail: error.to_string(),
    })?;
    let mut kept: Vec<String> = Vec::new();
    for value in values {
        if let Some(found) = compiled.captures(&value) {
            let value = found
                .get(1)
                .or_else(|| found.get(0))
                .map_or(String::new(), |found| found.as_str().to_owned());
            if !kept.contains(&value) {
                kept.push(value);
            }
        }
    }
    Ok(kept)
}

/// The values `variable` has, asked of `prometheus` where it is a query.
async fn values<T: Transport>(
    variable: &Variable,
    prometheus: &Prometheus<T>,
    expansion: &Expansion,
    window: Window,
) -> Result<Vec<String>, ValuesError> {
    Ok(match &variable.kind {
        VariableKind::Query { query, regex, .. } => {
            let (start, end) = (window.start, window.end);
            let found = match query {
                VariableQuery::LabelValues { series, label } => {
                    let series = series.as_deref().map(|series| expansion.expand(series));
                    prometheus
                        .label_values(label, series.as_deref(), start, end)
                        .await?
                }
                VariableQuery::LabelNames { series } => {
                    let series = series.as_deref().map(|series| expansion.expand(series));
                    prometheus
                        .label_names(series.as_deref(), start, end)
                        .await?
                }
                VariableQuery::Metrics { regex } => {
                    let names = prometheus
                        .label_values("__name__", None, start, end)
                        .await?;
                    filtered(names, Some(&expansion.expand(regex)))?
                }
                VariableQuery::QueryResult { query } => prometheus
                    .query(&expansion.expand(query), end)
                    .await?
                    .into_iter()
                    .map(|series| {
                        let name = series.labels.get("__name__").cloned().unwrap_or_default();
                        let labels: Vec<String> = series
                            .labels
                            .iter()
                            .filter(|(label, _)| *label != "__name__")
                            .map(|(label, value)| format!("{label}=\"{value}\""))
                            .collect();
                        let (time, value) = series.points.first().copied().unwrap_or_default();
                        format!(
                            "{name}{{{}}} {value} {}",
                            labels.join(", "),
                            time as i64 * 1000
                        )
                    })
                    .collect(),
            };
            filtered(found, regex.as_deref())?
        }
        VariableKind::Custom { options } | VariableKind::Interval { options, .. } => {
            options.clone()
        }
        VariableKind::Constant { value } => vec![value.clone()],
        VariableKind::Textbox { default } => vec![default.clone()],
        // One data source: the cluster's Prometheus, that every query runs on.
        VariableKind::Datasource { .. } => vec![CLUSTER_PROMETHEUS.to_owned()],
    })
}

/// A dashboard's variables given values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// What queries are expanded with.
    pub expansion: Expansion,
    /// Each variable's values to choose from, by name.
    pub options: HashMap<String, Vec<String>>,
    /// The variables whose values could not be had.
    pub errors: Vec<VariableError>,
}

/// Every variable of `dashboard` given its values for `window`, in order; with the variables
/// whose values could not be had.
pub async fn resolve<T: Transport>(
    dashboard: &Dashboard,
    prometheus: &Prometheus<T>,
    window: Window,
) -> Resolution {
    let mut expansion = Expansion {
        variables: HashMap::new(),
        regex_variables: dashboard
            .variables
            .iter()
            .filter(|variable| variable.multi || variable.all.is_some())
            .map(|variable| variable.name.clone())
            .collect(),
        step_seconds: window.step,
        scrape_seconds: window.scrape,
        range_seconds: u64::try_from(window.end - window.start).unwrap_or(0),
    };
    let mut errors = Vec::new();
    let mut options = HashMap::new();
    for variable in &dashboard.variables {
        let values = match values(variable, prometheus, &expansion, window).await {
            Ok(values) => values,
            Err(error) => {
                errors.push(VariableError {
                    name: variable.name.clone(),
                    error,
                });
                Vec::new()
            }
        };
        let wants_all = variable.current.iter().any(|value| value == "$__all");
        let kept: Vec<String> = variable
            .current
            .iter()
            .filter(|value| values.contains(value))
            .cloned()
            .collect();
        let chosen = match &variable.all {
            Some(all) if wants_all || (kept.is_empty() && variable.multi) => Chosen::All {
                values: values.clone(),
                custom: all.custom.clone(),
            },
            _ if !kept.is_empty() => Chosen::Values(kept),
            // A textbox keeps what was typed; anything else without a value takes the first.
            _ if matches!(variable.kind, VariableKind::Textbox { .. })
                && !variable.current.is_empty() =>
            {
                Chosen::Values(variable.current.clone())
            }
            _ => Chosen::Values(values.iter().take(1).cloned().collect()),
        };
        expansion.variables.insert(variable.name.clone(), chosen);
        options.insert(variable.name.clone(), values);
    }
    Resolution {
        expansion,
        options,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regex_filters_and_extracts_its_group() {
        let values = vec![
            "10.0.0.1:9100".to_owned(),
            "10.0.0.2:9100".to_owned(),
            "x".to_owned(),
        ];
        assert_eq!(
            filtered(values.clone(), Some("/(.*):.*/")).unwrap(),
            ["10.0.0.1", "10.0.0.2"]
        );
        assert_eq!(filtered(values.clone(), None).unwrap(), values);
        assert!(
            filtered(values, Some("/(/"))
                .unwrap_err()
                .to_string()
                .starts_with("its regular expression \"/(/\" does not compile: ")
        );
    }
}
