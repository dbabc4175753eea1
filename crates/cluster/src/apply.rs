//! YAML to the cluster with server-side apply (field manager `kubedesk`): one or several
//! documents, each checked before anything is sent (a document that does not parse is reported
//! with its line and reason), previewed as a dry run with the diff it would make, and applied,
//! with the fields other managers own reported as conflicts unless the user forces them.

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{self, Scope};
use serde_json::Value;

use crate::actions::FIELD_MANAGER;

/// One document of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its place among the documents, from 1.
    pub index: usize,
    /// The line it starts on, from 1.
    pub line: usize,
    /// The object it holds.
    pub object: Value,
}

/// A text that cannot be applied as it is: which document, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document {document}, line {line}: {reason}")]
pub struct Invalid {
    /// The document, from 1.
    pub document: usize,
    /// The line, from 1.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// Splits `text` into its documents (`---` lines), each parsed and checked for what an apply
/// needs: `apiVersion`, `kind` and `metadata.name`. A `List` stands for its items.
pub fn parse(text: &str) -> Result<Vec<Document>, Invalid> {
    let mut chunks: Vec<(usize, String)> = vec![(1, String::new())];
    for (number, line) in text.lines().enumerate() {
        if line == "---" || line.starts_with("--- ") {
            chunks.push((number + 2, String::new()));
        } else if let Some((_, chunk)) = chunks.last_mut() {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    let mut documents = Vec::new();
    for (start, chunk) in chunks {
        let blank = chunk
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
        if blank {
            continue;
        }
        let index = documents.len() + 1;
        let invalid = |line: usize, reason: String| Invalid {
            document: index,
            line,
            reason,
        };
        let object: Value = serde_yaml::from_str(&chunk).map_err(|error| {
            let (line, reason) = yaml_error(&error);
            invalid(start + line.saturating_sub(1), reason)
        })?;
        let line_of = |key: &str| {
            chunk
                .lines()
                .position(|line| line.starts_with(&format!("{key}:")))
                .map_or(start, |at| start + at)
        };
        if !object.is_object() {
            return Err(invalid(
                start,
                "it is not an object; a document is a mapping with apiVersion, kind and metadata"
                    .into(),
            ));
        }
        for (key, what) in [("apiVersion", "an apiVersion"), ("kind", "a kind")] {
            if object
                .get(key)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(invalid(
                    line_of(key),
                    format!("it has no {key}; every document needs {what}"),
                ));
            }
        }
        let items: Vec<Value> = if object["kind"] == "List" {
            object["items"].as_array().cloned().unwrap_or_default()
        } else {
            vec![object]
        };
        for object in items {
            if object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(invalid(
                    line_of("metadata"),
                    "it has no metadata.name; server-side apply needs the name of the object"
                        .into(),
                ));
            }
            documents.push(Document {
                index: documents.len() + 1,
                line: start,
                object,
            });
        }
    }
    if documents.is_empty() {
        return Err(Invalid {
            document: 1,
            line: 1,
            reason: "there is nothing to apply; paste or write at least one object".into(),
        });
    }
    Ok(documents)
}

/// The line (within the document) and the reason of a YAML error, without serde_yaml's location
/// suffix.
fn yaml_error(error: &serde_yaml::Error) -> (usize, String) {
    let text = error.to_string();
    let reason = text
        .split_once(" at line ")
        .map_or(text.as_str(), |(reason, _)| reason)
        .to_owned();
    (error.location().map_or(1, |place| place.line()), reason)
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// Unchanged (context).
    Same(String),
    /// Only in the result.
    Added(String),
    /// Only in the object as it is.
    Removed(String),
    /// Unchanged lines left out between two hunks.
    Gap,
}

/// What an apply did, or would do, to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The object is new.
    Created,
    /// The object changes.
    Configured,
    /// The object stays as it is.
    Unchanged,
}

/// A field another manager owns that the apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// The manager that owns it.
    pub manager: String,
    /// The field (`.spec.replicas`).
    pub field: String,
}

/// Why one document was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Fields other managers own: apply again with force to take them.
    #[error("{message}")]
    Conflicts {
        /// The server's message.
        message: String,
        /// The fields, and whose.
        fields: Vec<FieldConflict>,
    },
    /// The cluster does not serve the document's kind.
    #[error(
        "the cluster serves no {kind} in {api_version}; check the apiVersion and kind, or install its CRD first"
    )]
    UnknownKind {
        /// The kind.
        kind: String,
        /// The API version.
        api_version: String,
    },
    /// The server refused it: its message.
    #[error("{0}")]
    Server(String),
}

/// The outcome for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The document's place and first line.
    pub document: usize,
    /// Its first line.
    pub line: usize,
    /// The object's kind.
    pub kind: String,
    /// Its namespace (for namespaced kinds).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// What it did or would do, with the diff; or why not.
    pub result: Result<(Change, Vec<DiffLine>), Refusal>,
}

/// How to apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Take the fields other managers own.
    pub force: bool,
    /// Change nothing: answer what would happen.
    pub dry_run: bool,
}

/// Applies each document (namespaced objects without a namespace go to `namespace`), in order,
/// each on its own: one refused does not stop the others.
pub async fn apply(
    client: &kube::Client,
    documents: &[Document],
    namespace: &str,
    options: Options,
) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(documents.len());
    for document in documents {
        outcomes.push(apply_one(client, document, namespace, options).await);
    }
    outcomes
}

async fn apply_one(
    client: &kube::Client,
    document: &Document,
    default_namespace: &str,
    options: Options,
) -> Outcome {
    let object = &document.object;
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (api_version, kind, name) = (text("/apiVersion"), text("/kind"), text("/metadata/name"));
    let mut outcome = Outcome {
        document: document.index,
        line: document.line,
        kind: kind.clone(),
        namespace: None,
        name: name.clone(),
        result: Err(Refusal::Server(String::new())),
    };
    let (group, version) = api_version
        .split_once('/')
        .unwrap_or(("", api_version.as_str()));
    let gvk = GroupVersionKind::gvk(group, version, &kind);
    let (resource, capabilities) = match discovery::pinned_kind(client, &gvk).await {
        Ok(found) => found,
        Err(kube::Error::Api(status)) if status.code != 404 => {
            outcome.result = Err(Refusal::Server(status.message.clone()));
            return outcome;
        }
        Err(kube::Error::Discovery(_) | kube::Error::Api(_)) => {
            outcome.result = Err(Refusal::UnknownKind { kind, api_version });
            return outcome;
        }
        Err(other) => {
            outcome.result = Err(Refusal::Server(crate::health::root_cause(&other)));
            return outcome;
        }
    };
    let namespace = (capabilities.scope == Scope::Namespaced).then(|| {
        Some(text("/metadata/namespace"))
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| default_namespace.to_owned())
    });
    outcome.namespace.clone_from(&namespace);
    outcome.result = apply_object(
        client,
        &resource,
        namespace.as_deref(),
        &name,
        object,
        options,
    )
    .await;
    outcome
}

async fn apply_object(
    client: &kube::Client,
    resource: &ApiResource,
    namespace: Option<&str>,
    name: &str,
    object: &Value,
    options: Options,
) -> Result<(Change, Vec<DiffLine>), Refusal> {
    let api: Api<DynamicObject> = match namespace {
        Some(namespace) => Api::namespaced_with(client.clone(), namespace, resource),
        None => Api::all_with(client.clone(), resource),
    };
    let refused = |error: kube::Error| match error {
        kube::Error::Api(status) if status.code == 409 && status.reason == "Conflict" => {
            let fields: Vec<FieldConflict> = status
                .details
                .iter()
                .flat_map(|details| details.causes.iter())
                .filter(|cause| cause.reason == "FieldManagerConflict")
                .map(|cause| FieldConflict {
                    manager: cause
                        .message
                        .split('"')
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned(),
                    field: cause.field.clone(),
                })
                .collect();
            if fields.is_empty() {
                Refusal::Server(status.message.clone())
            } else {
                Refusal::Conflicts {
                    message: status.message.clone(),
                    fields,
                }
            }
        }
        other => Refusal::Server(crate::health::message(&other)),
    };
    let current = match api.get_opt(name).await.map_err(refused)? {
        Some(found) => {
            Some(serde_json::to_value(found).map_err(|error| Refusal::Server(error.to_string()))?)
        }
        None => None,
    };
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if options.force {
        params = params.force();
    }
    if options.dry_run {
        params = params.dry_run();
    }
    let sent = applicable(object, namespace);
    let result = api
        .patch(name, &params, &Patch::Apply(&sent))
        .await
        .map_err(refused)?;
    let result =
        serde_json::to_value(result).map_err(|error| Refusal::Server(error.to_string()))?;
    let before = current.as_ref().map(shown).unwrap_or_default();
    let after = shown(&result);
    let change = match &current {
        None => Change::Created,
        Some(_) if before == after => Change::Unchanged,
        Some(_) => Change::Configured,
    };
    Ok((change, diff(&before, &after)))
}

/// The object without its status and the metadata the server keeps for itself (its resource
/// version stays).
fn without_server_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "managedFields",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            metadata.remove(field);
        }
    }
    object
}

/// What is sent: the document without what the server keeps for itself; its resource version
/// stays, so an object changed since it was read is a conflict.
fn applicable(object: &Value, namespace: Option<&str>) -> Value {
    let mut sent = without_server_fields(object);
    if let (Some(namespace), Some(metadata)) = (
        namespace,
        sent.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        metadata.insert("namespace".into(), Value::String(namespace.to_owned()));
    }
    sent
}

/// An object as the diff compares it: YAML without what changes on every write.
fn shown(object: &Value) -> String {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in ["managedFields", "resourceVersion", "generation"] {
            metadata.remove(field);
        }
    }
    serde_yaml::to_string(&object).unwrap_or_default()
}

/// A line diff with three lines of context around each change.
fn diff(before: &str, after: &str) -> Vec<DiffLine> {
    let text = similar::TextDiff::from_lines(before, after);
    let mut lines = Vec::new();
    for (index, group) in text.grouped_ops(3).iter().enumerate() {
        if index > 0 {
            lines.push(DiffLine::Gap);
        }
        for op in group {
            for change in text.iter_changes(op) {
                let line = change.value().trim_end_matches('\n').to_owned();
                lines.push(match change.tag() {
                    similar::ChangeTag::Equal => DiffLine::Same(line),
                    similar::ChangeTag::Insert => DiffLine::Added(line),
                    similar::ChangeTag::Delete => DiffLine::Removed(line),
                });
            }
        }
    }
    lines
}

/// An object as the editor shows it: its YAML without status and what the server keeps for
/// itself, its resource version kept (an edit of an object changed meanwhile is then refused).
pub fn editable(object: &Value) -> String {
    let mut object = without_server_fields(object);
    // kubectl's copy of the last applied configuration is not the user's to edit.
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
        && let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
    {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
    serde_yaml::to_string(&object).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_split_and_numbered_by_their_first_line() {
        let text = "# two config maps\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        let documents = parse(text).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!((documents[0].index, documents[0].line), (1, 1));
        assert_eq!((documents[1].index, documents[1].line), (2, 9));
        assert_eq!(documents[1].object["metadata"]["name"], "b");
    }

    #[test]
    fn a_bad_document_is_named_with_its_line_and_reason() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   labels: x\n";
        let invalid = parse(text).unwrap_err();
        assert_eq!(invalid.document, 2);
        assert_eq!(invalid.line, 10, "{invalid}");
        assert!(
            invalid.reason.contains("mapping values are not allowed"),
            "{invalid}"
        );

        let missing = parse("apiVersion: v1\nmetadata:\n  name: a\n").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "document 1, line 1: it has no kind; every document needs a kind"
        );
        let nameless =
            parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n").unwrap_err();
        assert_eq!(nameless.line, 3);
        assert!(
            parse("# nothing\n")
                .unwrap_err()
                .reason
                .contains("nothing to apply")
        );
        assert!(
            parse("- a\n- b\n")
                .unwrap_err()
                .reason
                .contains("not an object")
        );
    }

    #[test]
    fn a_diff_keeps_three_lines_of_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let after = "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\n";
        let lines = diff(before, after);
        assert_eq!(lines[0], DiffLine::Same("a".into()));
        assert_eq!(lines[1], DiffLine::Removed("b".into()));
        assert_eq!(lines[2], DiffLine::Added("B".into()));
        assert!(lines.contains(&DiffLine::Gap));
        assert_eq!(lines.last(), Some(&DiffLine::Added("J".into())));
    }

    #[test]
    fn the_editor_leaves_out_what_the_server_keeps() {
        let object = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "resourceVersion": "7", "managedFields": [],
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "data": {"k": "v"}, "status": {}});
        let text = editable(&object);
        assert!(text.contains("resourceVersion: '7'"), "{text}");
        for gone in ["uid", "managedFields", "status", "annotations"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
    }
}
