//! The kubeconfig, read with kubectl's loading rules.
//!
//! `KUBECONFIG` lists files separated by the platform's path separator; when it is unset or empty,
//! `~/.kube/config` is read. Files are merged in order and, for every named cluster, user and
//! context, and for `current-context`, the first file that sets it wins (client-go's
//! `ClientConfigLoadingRules`). Unlike kubectl, one bad file or entry does not make the others
//! unusable: it becomes a [`Problem`] and the rest is kept.

mod parse;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where the kubeconfig comes from: the files, in merge order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeconfigPaths {
    files: Vec<PathBuf>,
    /// Whether `KUBECONFIG` named the files. kubectl is silent about a missing `~/.kube/config`
    /// (a new user has none), but not about a missing file the user named.
    explicit: bool,
}

impl KubeconfigPaths {
    /// The files kubectl would read, given the value of `KUBECONFIG` and the user's home folder.
    ///
    /// Empty entries and repeats in `KUBECONFIG` are skipped, as client-go skips them.
    pub fn resolve(kubeconfig_env: Option<OsString>, home: Option<&Path>) -> Self {
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(value) = kubeconfig_env.filter(|value| !value.is_empty()) {
            for path in std::env::split_paths(&value) {
                if !path.as_os_str().is_empty() && !files.contains(&path) {
                    files.push(path);
                }
            }
        }
        let explicit = !files.is_empty();
        if !explicit && let Some(home) = home {
            files.push(home.join(".kube").join("config"));
        }
        Self { files, explicit }
    }

    /// The files kubectl would read in this process's environment.
    pub fn from_env() -> Self {
        Self::resolve(
            std::env::var_os("KUBECONFIG"),
            std::env::home_dir().as_deref(),
        )
    }

    /// The files, in merge order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// What the files look like on disk now (size, modification time, identity), to tell when
    /// one was edited, replaced, created or removed.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint(
            self.files
                .iter()
                .map(|file| {
                    std::fs::metadata(file).ok().map(|metadata| {
                        (
                            metadata.len(),
                            metadata.modified().ok(),
                            file_identity(&metadata),
                        )
                    })
                })
                .collect(),
        )
    }
}

/// The state of the kubeconfig files on disk; two differ when a file changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Vec<Option<(u64, Option<std::time::SystemTime>, u64)>>);

#[cfg(unix)]
fn file_identity(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    // An editor that saves by renaming a new file over the old one changes the inode.
    metadata.ino()
}

#[cfg(not(unix))]
fn file_identity(_: &std::fs::Metadata) -> u64 {
    0
}

/// The merged kubeconfig: what can be used, and what cannot.
#[derive(Debug, Clone, Default)]
pub struct Kubeconfig {
    /// The files read, in merge order.
    pub files: Vec<PathBuf>,
    /// The usable contexts by name: each names a cluster and a user that exist.
    pub contexts: BTreeMap<String, Context>,
    /// The current context, when it names a usable one.
    pub current_context: Option<String>,
    /// What could not be used.
    pub problems: Vec<Problem>,
}

/// A usable context, resolved against its cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The context's name.
    pub name: String,
    /// The cluster entry it names.
    pub cluster: String,
    /// The user entry it names.
    pub user: String,
    /// The context's default namespace.
    pub namespace: Option<String>,
    /// The cluster's API server address.
    pub server: String,
    /// The file whose definition of the context won the merge.
    pub file: PathBuf,
}

/// Something in the kubeconfig that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file at fault.
    pub file: PathBuf,
    /// The entry at fault, such as `context "dev"`.
    pub entry: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What can be wrong in a kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file does not exist.
    MissingFile,
    /// The file cannot be read.
    Unreadable(String),
    /// The file is not a kubeconfig in YAML; the parser's reason.
    NotYaml(String),
    /// An entry has a missing or malformed field; the parser's reason.
    InvalidEntry(String),
    /// A context names a cluster no file defines.
    MissingCluster(String),
    /// A context names a user no file defines.
    MissingUser(String),
    /// `current-context` names a context no file defines, or one that cannot be used.
    MissingCurrentContext(String),
}

impl Kubeconfig {
    /// Reads and merges the files. Never fails: every fault becomes a [`Problem`].
    pub fn load(paths: &KubeconfigPaths) -> Self {
        let mut merged = parse::Merged::default();
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for file in paths.files() {
            match std::fs::read_to_string(file) {
                Ok(text) => {
                    files.push(file.clone());
                    merged.add_file(file, &text, &mut problems);
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound && !paths.explicit => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    problems.push(Problem {
                        file: file.clone(),
                        entry: None,
                        kind: ProblemKind::MissingFile,
                    });
                }
                Err(error) => problems.push(Problem {
                    file: file.clone(),
                    entry: None,
                    kind: ProblemKind::Unreadable(error.to_string()),
                }),
            }
        }
        merged.resolve(files, problems)
    }
}

#[cfg(test)]
mod tests;
