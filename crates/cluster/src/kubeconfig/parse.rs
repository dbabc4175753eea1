//! Parsing kubeconfig files entry by entry and merging them with kubectl's first-wins rule.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use super::{Context, Kubeconfig, Problem, ProblemKind};

#[derive(Deserialize)]
struct NamedCluster {
    name: String,
    cluster: ClusterFields,
}

#[derive(Deserialize)]
struct ClusterFields {
    #[serde(default)]
    server: String,
}

#[derive(Deserialize)]
struct NamedContext {
    name: String,
    context: ContextFields,
}

#[derive(Deserialize)]
struct ContextFields {
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
}

/// A definition and the file it came from.
struct Sourced<T> {
    file: PathBuf,
    value: T,
}

/// The entries of every file read so far, first definition of each name kept.
#[derive(Default)]
pub(super) struct Merged {
    clusters: BTreeMap<String, Sourced<ClusterFields>>,
    users: BTreeMap<String, Sourced<()>>,
    contexts: BTreeMap<String, Sourced<ContextFields>>,
    current_context: Option<Sourced<String>>,
}

impl Merged {
    /// Adds one file's entries, recording what cannot be used.
    pub(super) fn add_file(&mut self, file: &Path, text: &str, problems: &mut Vec<Problem>) {
        let problem = |entry: Option<String>, kind| Problem {
            file: file.to_path_buf(),
            entry,
            kind,
        };
        let document: Value = match serde_yaml::from_str(text) {
            Ok(document) => document,
            Err(error) => {
                problems.push(problem(None, ProblemKind::NotYaml(error.to_string())));
                return;
            }
        };
        let top = match document {
            // An empty file is an empty kubeconfig to kubectl.
            Value::Null => return,
            Value::Mapping(top) => top,
            other => {
                let found = describe(&other);
                problems.push(problem(
                    None,
                    ProblemKind::NotYaml(format!(
                        "expected a mapping with clusters, users and contexts, found {found}"
                    )),
                ));
                return;
            }
        };

        for (index, item) in section(&top, "clusters", file, problems) {
            match serde_yaml::from_value::<NamedCluster>(item) {
                Ok(NamedCluster { name, cluster }) if cluster.server.is_empty() => {
                    problems.push(problem(
                        Some(format!("cluster \"{name}\"")),
                        ProblemKind::InvalidEntry("the cluster has no server address".to_owned()),
                    ))
                }
                Ok(NamedCluster { name, cluster }) => {
                    first_wins(&mut self.clusters, name, file, cluster);
                }
                Err(error) => problems.push(problem(
                    Some(format!("clusters[{index}]")),
                    ProblemKind::InvalidEntry(error.to_string()),
                )),
            }
        }
        for (index, item) in section(&top, "users", file, problems) {
            match serde_yaml::from_value::<NamedUser>(item) {
                Ok(NamedUser { name }) => first_wins(&mut self.users, name, file, ()),
                Err(error) => problems.push(problem(
                    Some(format!("users[{index}]")),
                    ProblemKind::InvalidEntry(error.to_string()),
                )),
            }
        }
        for (index, item) in section(&top, "contexts", file, problems) {
            match serde_yaml::from_value::<NamedContext>(item) {
                Ok(NamedContext { name, context }) => {
                    first_wins(&mut self.contexts, name, file, context)
                }
                Err(error) => problems.push(problem(
                    Some(format!("contexts[{index}]")),
                    ProblemKind::InvalidEntry(error.to_string()),
                )),
            }
        }
        if self.current_context.is_none()
            && let Some(Value::String(name)) = top.get("current-context")
            && !name.is_empty()
        {
            self.current_context = Some(Sourced {
                file: file.to_path_buf(),
                value: name.clone(),
            });
        }
    }

    /// Resolves every context against the merged clusters and users.
    pub(super) fn resolve(self, files: Vec<PathBuf>, mut problems: Vec<Problem>) -> Kubeconfig {
        let mut contexts = BTreeMap::new();
        for (name, Sourced { file, value }) in self.contexts {
            let entry = Some(format!("context \"{name}\""));
            let Some(cluster) = self.clusters.get(&value.cluster) else {
                problems.push(Problem {
                    file,
                    entry,
                    kind: ProblemKind::MissingCluster(value.cluster),
                });
                continue;
            };
            if !self.users.contains_key(&value.user) {
                problems.push(Problem {
                    file,
                    entry,
                    kind: ProblemKind::MissingUser(value.user),
                });
                continue;
            }
            let context = Context {
                name: name.clone(),
                server: cluster.value.server.clone(),
                cluster: value.cluster,
                user: value.user,
                namespace: value.namespace.filter(|namespace| !namespace.is_empty()),
                file,
            };
            contexts.insert(name, context);
        }
        let current_context = match self.current_context {
            Some(current) if contexts.contains_key(&current.value) => Some(current.value),
            Some(Sourced { file, value }) => {
                problems.push(Problem {
                    file,
                    entry: Some("current-context".to_owned()),
                    kind: ProblemKind::MissingCurrentContext(value),
                });
                None
            }
            None => None,
        };
        Kubeconfig {
            files,
            contexts,
            current_context,
            problems,
        }
    }
}

/// The items of one list section (`clusters`, `users`, `contexts`) with their indexes.
fn section(
    top: &serde_yaml::Mapping,
    key: &str,
    file: &Path,
    problems: &mut Vec<Problem>,
) -> Vec<(usize, Value)> {
    match top.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items.iter().cloned().enumerate().collect(),
        Some(other) => {
            let found = describe(other);
            problems.push(Problem {
                file: file.to_path_buf(),
                entry: Some(key.to_owned()),
                kind: ProblemKind::InvalidEntry(format!("expected a list, found {found}")),
            });
            Vec::new()
        }
    }
}

fn first_wins<T>(map: &mut BTreeMap<String, Sourced<T>>, name: String, file: &Path, value: T) {
    if let Entry::Vacant(slot) = map.entry(name) {
        slot.insert(Sourced {
            file: file.to_path_buf(),
            value,
        });
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}
