//! A panel's query made ready to run: the dashboard's variables (`$gpu`, `${gpu}`, `[[gpu]]`,
//! `${gpu:regex}` and the other formats) and Grafana's macros (`$__interval`, `$__rate_interval`,
//! `$__range` and their `_ms`/`_s` forms) replaced as Grafana's Prometheus data source replaces
//! them.

use std::collections::HashMap;

/// A variable's chosen values, as queries see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// Values chosen (one, or several for a multi-value variable).
    Values(Vec<String>),
    /// "All", standing for these values, or for `custom` (`.*`) when the variable has one.
    All {
        /// Every value the variable has.
        values: Vec<String>,
        /// What "All" stands for instead, written into queries as it is.
        custom: Option<String>,
    },
}

/// What a query is expanded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// Each variable's chosen values, by name.
    pub variables: HashMap<String, Chosen>,
    /// Whether each variable takes several values (multi or All): its single value is then
    /// regex-escaped too, since queries match it with `=~`.
    pub regex_variables: Vec<String>,
    /// The step between points, seconds (`$__interval`).
    pub step_seconds: u64,
    /// Prometheus's scrape interval, seconds (for `$__rate_interval`; 15 by default).
    pub scrape_seconds: u64,
    /// The length of the time range, seconds (`$__range`).
    pub range_seconds: u64,
}

/// Escapes `value` for a PromQL regular expression inside a double-quoted string, as Grafana's
/// Prometheus data source does (`prometheusSpecialRegexEscape`).
fn regex_escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' => escaped.push_str("\\\\\\\\"),
            '^' | '$' | '*' | '+' | '?' | '.' | '(' | ')' | '|' | '{' | '}' | '[' | ']' => {
                escaped.push_str("\\\\");
                escaped.push(character);
            }
            '"' => escaped.push_str("\\\""),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A duration in seconds as Prometheus writes it (`90s`, `5m`, `1h`).
fn duration(seconds: u64) -> String {
    match seconds {
        0 => "1s".to_owned(),
        seconds if seconds % 3600 == 0 => format!("{}h", seconds / 3600),
        seconds if seconds % 60 == 0 => format!("{}m", seconds / 60),
        seconds => format!("{seconds}s"),
    }
}

impl Expansion {
    /// The value of macro `name` (without its `$`), if it is one.
    fn macro_value(&self, name: &str) -> Option<String> {
        let rate = (self.step_seconds + self.scrape_seconds).max(4 * self.scrape_seconds);
        Some(match name {
            "__interval" => duration(self.step_seconds),
            "__interval_ms" => (self.step_seconds * 1000).to_string(),
            "__rate_interval" => duration(rate),
            "__rate_interval_ms" => (rate * 1000).to_string(),
            "__range" => duration(self.range_seconds),
            "__range_s" => self.range_seconds.to_string(),
            "__range_ms" => (self.range_seconds * 1000).to_string(),
            _ => return None,
        })
    }

    /// Variable `name` written into a query in `format` (`None`: the data source's default).
    fn variable_value(&self, name: &str, format: Option<&str>) -> Option<String> {
        let chosen = self.variables.get(name)?;
        let (values, custom) = match chosen {
            Chosen::Values(values) => (values.as_slice(), None),
            Chosen::All { values, custom } => (values.as_slice(), custom.as_deref()),
        };
        if let Some(custom) = custom {
            return Some(custom.to_owned());
        }
        // A variable with no value (its query found none) is written empty, as Grafana writes
        // "None": `cluster="$cluster"` then matches the series without the label.
        if values.is_empty() && format != Some("json") {
            return Some(String::new());
        }
        let joined = |separator: &str, escape: fn(&str) -> String| {
            values
                .iter()
                .map(|value| escape(value))
                .collect::<Vec<_>>()
                .join(separator)
        };
        let regex = || match values {
            [one] => regex_escape(one),
            _ => format!("({})", joined("|", regex_escape)),
        };
        Some(match format {
            Some("raw" | "text") => joined(",", str::to_owned),
            Some("regex") => regex(),
            Some("pipe") => joined("|", str::to_owned),
            Some("csv") => joined(",", str::to_owned),
            Some("json") => serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned()),
            Some("singlequote") => joined(",", |value| format!("'{}'", value.replace('\'', "\\'"))),
            Some("doublequote") => {
                joined(",", |value| format!("\"{}\"", value.replace('"', "\\\"")))
            }
            // The default: as is for one value of a single-value variable; escaped and joined
            // for a regular expression match otherwise.
            _ if values.len() == 1 && !self.regex_variables.iter().any(|known| known == name) => {
                values[0].clone()
            }
            _ => regex(),
        })
    }

    /// `expr` with every variable and macro it uses replaced; one it does not know is left as
    /// written, so that Prometheus names it in its error.
    pub fn expand(&self, expr: &str) -> String {
        let mut out = String::with_capacity(expr.len());
        let mut rest = expr;
        let name_length = |text: &str| {
            text.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
                .unwrap_or(text.len())
        };
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${") {
                let length = name_length(after);
                let name = &after[..length];
                let tail = &after[length..];
                let (format, tail) = match tail.strip_prefix(':') {
                    Some(formatted) => match formatted.find('}') {
                        Some(end) => (Some(&formatted[..end]), &formatted[end..]),
                        None => (None, tail),
                    },
                    None => (None, tail),
                };
                if let Some(tail) = tail.strip_prefix('}')
                    && let Some(value) = self
                        .macro_value(name)
                        .or_else(|| self.variable_value(name, format))
                {
                    out.push_str(&value);
                    rest = tail;
                    continue;
                }
            } else if let Some(after) = rest.strip_prefix("[[") {
                let length = name_length(after);
                if let Some(tail) = after[length..].strip_prefix("]]")
                    && let Some(value) = self.variable_value(&after[..length], None)
                {
                    out.push_str(&value);
                    rest = tail;
                    continue;
                }
            } else if let Some(after) = rest.strip_prefix('$') {
                let length = name_length(after);
                // The longest name that is a macro or a variable (`$__rate_interval` before
                // `$__rate`, `$gpu_id` before `$gpu`).
                if length > 0 {
                    let name = &after[..length];
                    if let Some(value) = self
                        .macro_value(name)
                        .or_else(|| self.variable_value(name, None))
                    {
                        out.push_str(&value);
                        rest = &after[length..];
                        continue;
                    }
                }
            }
            let character = rest.chars().next().unwrap_or_default();
            out.push(character);
            rest = &rest[character.len_utf8()..];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expansion() -> Expansion {
        Expansion {
            variables: HashMap::from([
                ("node".to_owned(), Chosen::Values(vec!["gpu-node-1".into()])),
                (
                    "gpu".to_owned(),
                    Chosen::Values(vec!["0".into(), "1".into()]),
                ),
                (
                    "instance".to_owned(),
                    Chosen::All {
                        values: vec!["10.0.0.1:9400".into(), "10.0.0.2:9400".into()],
                        custom: None,
                    },
                ),
                (
                    "job".to_owned(),
                    Chosen::All {
                        values: vec!["a".into()],
                        custom: Some(".*".into()),
                    },
                ),
            ]),
            regex_variables: vec!["gpu".into(), "instance".into(), "job".into()],
            step_seconds: 30,
            scrape_seconds: 15,
            range_seconds: 3600,
        }
    }

    #[test]
    fn variables_are_written_as_grafana_s_prometheus_source_writes_them() {
        let expanded = expansion().expand(
            "DCGM_FI_DEV_GPU_TEMP{instance=~\"$instance\", gpu=~\"${gpu}\", node=\"[[node]]\", job=~\"$job\"}",
        );
        assert_eq!(
            expanded,
            "DCGM_FI_DEV_GPU_TEMP{instance=~\"(10\\\\.0\\\\.0\\\\.1:9400|10\\\\.0\\\\.0\\\\.2:9400)\", gpu=~\"(0|1)\", node=\"gpu-node-1\", job=~\".*\"}"
        );
        assert_eq!(
            expansion().expand("${gpu:csv} ${gpu:pipe} ${node:regex}"),
            "0,1 0|1 gpu-node-1"
        );
        assert_eq!(expansion().expand("${gpu:json}"), "[\"0\",\"1\"]");
    }

    #[test]
    fn macros_follow_the_step_and_the_scrape_interval() {
        let expanded = expansion()
            .expand("rate(x[$__rate_interval]) / $__interval_ms + increase(y[$__range]) $__range_s ${__interval}");
        assert_eq!(expanded, "rate(x[1m]) / 30000 + increase(y[1h]) 3600 30s");
        // A step longer than four scrapes: the step and one scrape.
        let mut long = expansion();
        long.step_seconds = 300;
        assert_eq!(long.expand("$__rate_interval"), "315s");
    }

    #[test]
    fn a_variable_without_values_is_written_empty() {
        let mut none = expansion();
        none.variables
            .insert("cluster".into(), Chosen::Values(Vec::new()));
        none.regex_variables.push("cluster".into());
        assert_eq!(
            none.expand("up{cluster=\"$cluster\"} ${cluster:regex}"),
            "up{cluster=\"\"} "
        );
    }

    #[test]
    fn what_is_not_known_stays_as_written() {
        assert_eq!(
            expansion().expand("up{a=\"$missing\"} $ ${ [[x"),
            "up{a=\"$missing\"} $ ${ [[x"
        );
        assert_eq!(
            expansion().expand("$node_name"),
            "$node_name",
            "not $node followed by _name"
        );
    }
}
