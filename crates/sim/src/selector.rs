//! Label and field selectors, with apimachinery's grammar and error messages.

use serde_json::Value;

/// A selector that does not parse, with apimachinery's wording of why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

type Parsed<T> = Result<T, SelectorError>;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

/// A parsed label selector; requirements are ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses `app=web,tier in (a, b),!legacy`.
    pub fn parse(text: &str) -> Parsed<Self> {
        let mut requirements = Vec::new();
        for part in split_outside_parens(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part).map_err(|SelectorError(detail)| {
                SelectorError(format!("unable to parse requirement: {detail}"))
            })?);
        }
        Ok(Self(requirements))
    }

    /// A `metav1.LabelSelector` object (`matchLabels` and `matchExpressions`) as requirements.
    /// A null selector matches nothing, as for PodDisruptionBudgets; an empty one everything.
    pub fn from_object(selector: &Value) -> Option<Self> {
        let selector = selector.as_object()?;
        let mut requirements = Vec::new();
        for (key, value) in selector
            .get("matchLabels")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            requirements.push(Requirement::Equals(
                key.clone(),
                value.as_str().unwrap_or_default().to_owned(),
            ));
        }
        for expression in selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = expression["key"].as_str().unwrap_or_default().to_owned();
            let values: Vec<String> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            requirements.push(match expression["operator"].as_str() {
                Some("In") => Requirement::In(key, values),
                Some("NotIn") => Requirement::NotIn(key, values),
                Some("Exists") => Requirement::Exists(key),
                Some("DoesNotExist") => Requirement::NotExists(key),
                _ => return None,
            });
        }
        Some(Self(requirements))
    }

    /// Whether an object's labels satisfy every requirement.
    pub fn matches(&self, object: &Value) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let labels = object
            .pointer("/metadata/labels")
            .and_then(Value::as_object);
        let label = |key: &str| {
            labels
                .and_then(|labels| labels.get(key))
                .and_then(Value::as_str)
        };
        self.0.iter().all(|requirement| match requirement {
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::NotExists(key) => label(key).is_none(),
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            Requirement::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Requirement::In(key, values) => {
                label(key).is_some_and(|found| values.iter().any(|value| value == found))
            }
            Requirement::NotIn(key, values) => {
                label(key).is_none_or(|found| values.iter().all(|value| value != found))
            }
            Requirement::GreaterThan(key, bound) => label(key)
                .and_then(|found| found.parse::<i64>().ok())
                .is_some_and(|found| found > *bound),
            Requirement::LessThan(key, bound) => label(key)
                .and_then(|found| found.parse::<i64>().ok())
                .is_some_and(|found| found < *bound),
        })
    }
}

fn split_outside_parens(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
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

fn parse_requirement(part: &str) -> Parsed<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::NotExists(valid_key(key.trim())?));
    }
    for (operator, build) in [("!=", 0), ("==", 1), ("=", 1), (">", 2), ("<", 3)] {
        if let Some((key, value)) = part.split_once(operator) {
            let key = valid_key(key.trim())?;
            let value = value.trim();
            return match build {
                0 => Ok(Requirement::NotEquals(key, valid_value(value)?)),
                1 => Ok(Requirement::Equals(key, valid_value(value)?)),
                2 => value
                    .parse()
                    .map(|bound| Requirement::GreaterThan(key, bound))
                    .map_err(|_| {
                        SelectorError(format!(
                            "for 'Gt', 'Lt' operators, the value must be an integer: {value}"
                        ))
                    }),
                _ => value
                    .parse()
                    .map(|bound| Requirement::LessThan(key, bound))
                    .map_err(|_| {
                        SelectorError(format!(
                            "for 'Gt', 'Lt' operators, the value must be an integer: {value}"
                        ))
                    }),
            };
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if let [key, rest] = words.as_slice() {
        let rest = rest.trim();
        let (negated, list) = if let Some(list) = rest.strip_prefix("notin") {
            (true, list)
        } else if let Some(list) = rest.strip_prefix("in") {
            (false, list)
        } else {
            return Err(SelectorError(format!(
                "found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
            )));
        };
        let list = list.trim();
        let inner = list
            .strip_prefix('(')
            .and_then(|list| list.strip_suffix(')'))
            .ok_or_else(|| SelectorError(format!("found '{list}', expected: '('")))?;
        let values = inner
            .split(',')
            .map(|value| valid_value(value.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        let key = valid_key(key)?;
        return Ok(if negated {
            Requirement::NotIn(key, values)
        } else {
            Requirement::In(key, values)
        });
    }
    Ok(Requirement::Exists(valid_key(part)?))
}

fn valid_key(key: &str) -> Parsed<String> {
    let name = key.rsplit_once('/').map_or(key, |(_, name)| name);
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(key.to_owned())
    } else {
        Err(SelectorError(format!(
            "invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )))
    }
}

fn valid_value(value: &str) -> Parsed<String> {
    let ok = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(SelectorError(format!(
            "invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"
        )))
    }
}

/// A parsed field selector: terms ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses `metadata.name=web,status.phase!=Running`, accepting only the fields the kind supports.
    pub fn parse(text: &str, supported: &[&str]) -> Parsed<Self> {
        let mut terms = Vec::new();
        for term in split_unescaped(text) {
            if term.is_empty() {
                continue;
            }
            let (field, equal, value) = if let Some((field, value)) = term.split_once("!=") {
                (field, false, value)
            } else if let Some((field, value)) = term.split_once("==") {
                (field, true, value)
            } else if let Some((field, value)) = term.split_once('=') {
                (field, true, value)
            } else {
                return Err(SelectorError(format!(
                    "invalid selector: '{term}'; can't understand '{term}'"
                )));
            };
            let field = field.trim();
            if !["metadata.name", "metadata.namespace"].contains(&field)
                && !supported.contains(&field)
            {
                return Err(SelectorError(format!("field label not supported: {field}")));
            }
            terms.push((field.to_owned(), equal, unescape(value.trim())));
        }
        Ok(Self(terms))
    }

    /// Whether an object satisfies every term.
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            let found = match object.pointer(&pointer) {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Bool(flag)) => flag.to_string(),
                Some(Value::Number(number)) => number.to_string(),
                _ => String::new(),
            };
            (found == *value) == *equal
        })
    }
}

fn split_unescaped(text: &str) -> Vec<String> {
    let mut terms = vec![String::new()];
    let mut escaped = false;
    for character in text.chars() {
        match character {
            _ if escaped => {
                if let Some(last) = terms.last_mut() {
                    last.push('\\');
                    last.push(character);
                }
                escaped = false;
            }
            '\\' => escaped = true,
            ',' => terms.push(String::new()),
            _ => {
                if let Some(last) = terms.last_mut() {
                    last.push(character);
                }
            }
        }
    }
    terms
}

fn unescape(value: &str) -> String {
    value
        .replace("\\,", ",")
        .replace("\\=", "=")
        .replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn labelled(labels: Value) -> Value {
        json!({"metadata": {"name": "web-1", "labels": labels}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_selectors_follow_the_apimachinery_grammar() {
        let object = labelled(json!({"app": "web", "tier": "front", "replicas": "3"}));
        for (selector, expected) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("missing notin (x)", true),
            ("app", true),
            ("!app", false),
            ("replicas>2", true),
            ("replicas<2", false),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(selector).unwrap().matches(&object),
                expected,
                "{selector}"
            );
        }
    }

    #[test]
    fn malformed_label_selectors_are_rejected_with_the_reason() {
        assert!(
            LabelSelector::parse("app in web")
                .unwrap_err()
                .0
                .starts_with("unable to parse requirement")
        );
        assert!(LabelSelector::parse("-bad-=x").is_err());
        assert!(
            LabelSelector::parse("n>x")
                .unwrap_err()
                .0
                .contains("must be an integer")
        );
    }

    #[test]
    fn field_selectors_accept_only_supported_fields() {
        let object = labelled(json!({}));
        assert!(
            FieldSelector::parse("metadata.name=web-1", &[])
                .unwrap()
                .matches(&object)
        );
        assert!(
            !FieldSelector::parse("status.phase!=Running", &["status.phase"])
                .unwrap()
                .matches(&object)
        );
        assert_eq!(
            FieldSelector::parse("spec.foo=x", &[]).unwrap_err().0,
            "field label not supported: spec.foo"
        );
    }
}
