//! What a view asks of a table: rows matching free text and a label selector, sorted by a column,
//! one window of them. Worked out on the backend, so that the UI only ever holds what it shows.

use std::collections::BTreeMap;

use super::rows::Row;

/// A view's question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Words every matching row contains (in its name, namespace or text cells), any case.
    pub text: String,
    /// A label selector as kubectl takes it: `app=web,tier!=cache,gpu,!spot,env in (a,b)`.
    pub labels: String,
    /// The column to sort by: 0 namespace, 1 name, then the kind's columns; `None` keeps
    /// namespace and name order.
    pub sort: Option<usize>,
    /// Whether the sort is descending.
    pub descending: bool,
    /// The first row of the window.
    pub offset: usize,
    /// How many rows the window holds.
    pub limit: usize,
}

/// Why a label selector cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the label selector {selector:?} is not valid: {reason}")]
pub struct SelectorError {
    /// The selector as typed.
    pub selector: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Self::Equals(key, value) => labels.get(key) == Some(value),
            Self::NotEquals(key, value) => labels.get(key) != Some(value),
            Self::In(key, values) => labels.get(key).is_some_and(|value| values.contains(value)),
            Self::NotIn(key, values) => labels.get(key).is_none_or(|value| !values.contains(value)),
            Self::Exists(key) => labels.contains_key(key),
            Self::Absent(key) => !labels.contains_key(key),
        }
    }
}

/// A parsed label selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses kubectl's label selector syntax (equality- and set-based).
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let fail = |reason: &str| SelectorError {
            selector: selector.to_owned(),
            reason: reason.to_owned(),
        };
        let mut requirements = Vec::new();
        for part in split_top_level(selector) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let valid_key = |key: &str| {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            };
            let set = |rest: &str| -> Option<Vec<String>> {
                let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(
                    inner
                        .split(',')
                        .map(|value| value.trim().to_owned())
                        .collect(),
                )
            };
            let requirement = if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(key.trim().to_owned())
            } else if let Some((key, value)) = part.split_once("!=") {
                Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some((key, value)) =
                part.split_once("==").or_else(|| part.split_once('='))
            {
                Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some((key, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(
                    key.trim().to_owned(),
                    set(rest).ok_or_else(|| fail("notin needs values in parentheses"))?,
                )
            } else if let Some((key, rest)) = part.split_once(" in ") {
                Requirement::In(
                    key.trim().to_owned(),
                    set(rest).ok_or_else(|| fail("in needs values in parentheses"))?,
                )
            } else {
                Requirement::Exists(part.to_owned())
            };
            let key = match &requirement {
                Requirement::Equals(key, _)
                | Requirement::NotEquals(key, _)
                | Requirement::In(key, _)
                | Requirement::NotIn(key, _)
                | Requirement::Exists(key)
                | Requirement::Absent(key) => key,
            };
            if !valid_key(key) {
                return Err(fail(&format!("{key:?} is not a label key")));
            }
            requirements.push(requirement);
        }
        Ok(Self(requirements))
    }

    /// Whether a row's labels satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|requirement| requirement.matches(labels))
    }
}

/// Splits at commas that are not inside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0_i32, 0);
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The rows a query selects, sorted; `total` counts them all, `rows` is the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// How many rows match.
    pub total: usize,
    /// The window's rows.
    pub rows: Vec<Row>,
    /// Which source each row came from (its table, when several are answered together).
    pub sources: Vec<usize>,
}

/// Answers `query` over `rows`, each tagged with its source; rows that tie in the sort are in
/// source order.
pub fn answer<'a>(
    rows: impl Iterator<Item = (usize, &'a Row)>,
    query: &Query,
) -> Result<Window, SelectorError> {
    let selector = Selector::parse(&query.labels)?;
    let words: Vec<String> = query
        .text
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let mut matching: Vec<(usize, &Row)> = rows
        .filter(|(_, row)| words.iter().all(|word| row.search.contains(word.as_str())))
        .filter(|(_, row)| selector.matches(&row.labels))
        .collect();
    let by_place = |(a_source, a): &(usize, &Row), (b_source, b): &(usize, &Row)| {
        (&a.namespace, &a.name, a_source).cmp(&(&b.namespace, &b.name, b_source))
    };
    match query.sort {
        None | Some(0) => matching.sort_unstable_by(by_place),
        Some(1) => matching.sort_unstable_by(|a, b| a.1.name.cmp(&b.1.name).then(by_place(a, b))),
        Some(column) => matching.sort_unstable_by(|a, b| {
            match (a.1.cells.get(column - 2), b.1.cells.get(column - 2)) {
                (Some(x), Some(y)) => x.compare(y),
                _ => std::cmp::Ordering::Equal,
            }
            .then(by_place(a, b))
        }),
    }
    if query.descending {
        matching.reverse();
    }
    let total = matching.len();
    let (sources, rows) = matching
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .map(|(source, row)| (source, row.clone()))
        .unzip();
    Ok(Window {
        total,
        rows,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn label_selectors_match_as_kubectl_matches_them() {
        let web = labels(&[("app", "web"), ("tier", "front"), ("gpu", "")]);
        let cases = [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("gpu", true),
            ("!gpu", false),
            ("!spot", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("env notin (prod)", true),
            ("app=web, tier in (back)", false),
            ("", true),
        ];
        for (selector, expected) in cases {
            assert_eq!(
                Selector::parse(selector).unwrap().matches(&web),
                expected,
                "{selector}"
            );
        }
        let error = Selector::parse("tier in front").unwrap_err();
        assert!(error.reason.contains("parentheses"), "{error}");
        assert!(Selector::parse("app=web,b@d").is_err());
    }
}
