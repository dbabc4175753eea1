//! kubeconfig loading against kubectl's rules and against broken files.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn env_of(paths: &[&Path]) -> Option<OsString> {
    Some(std::env::join_paths(paths).unwrap())
}

const FIRST: &str = r#"
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443"}
- name: shared
  cluster: {server: "https://first.example:6443"}
users:
- name: alice
  user: {token: abc}
contexts:
- name: prod
  context: {cluster: prod, user: alice, namespace: ml}
- name: shared
  context: {cluster: shared, user: alice}
"#;

const SECOND: &str = r#"
apiVersion: v1
kind: Config
current-context: edge
clusters:
- name: shared
  cluster: {server: "https://second.example:6443"}
- name: edge
  cluster: {server: "https://edge.example:6443"}
users:
- name: bob
  user: {token: def}
contexts:
- name: shared
  context: {cluster: edge, user: bob, namespace: other}
- name: edge
  context: {cluster: edge, user: bob}
"#;

#[test]
fn kubeconfig_unset_reads_the_home_config() {
    let paths = KubeconfigPaths::resolve(None, Some(Path::new("/home/u")));
    assert_eq!(paths.files(), [PathBuf::from("/home/u/.kube/config")]);
    let paths = KubeconfigPaths::resolve(Some(OsString::new()), Some(Path::new("/home/u")));
    assert_eq!(paths.files(), [PathBuf::from("/home/u/.kube/config")]);
}

#[test]
fn kubeconfig_list_skips_empty_entries_and_repeats() {
    let paths = KubeconfigPaths::resolve(
        Some(OsString::from("/a::/b:/a")),
        Some(Path::new("/home/u")),
    );
    assert_eq!(paths.files(), [PathBuf::from("/a"), PathBuf::from("/b")]);
}

#[test]
fn the_first_file_wins_for_each_name_and_for_current_context() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "first", FIRST);
    let second = write(dir.path(), "second", SECOND);
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&first, &second]), None));

    assert_eq!(config.problems, []);
    assert_eq!(
        config.contexts.keys().collect::<Vec<_>>(),
        ["edge", "prod", "shared"]
    );
    assert_eq!(config.current_context.as_deref(), Some("prod"));
    let shared = &config.contexts["shared"];
    assert_eq!(shared.cluster, "shared");
    assert_eq!(shared.server, "https://first.example:6443");
    assert_eq!(shared.namespace, None);
    assert_eq!(shared.file, first);
    assert_eq!(config.contexts["edge"].file, second);
    assert_eq!(config.contexts["prod"].namespace.as_deref(), Some("ml"));
}

#[test]
fn a_file_that_is_not_yaml_is_reported_and_the_others_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken", "clusters: [unclosed\n  - {{{\n");
    let good = write(dir.path(), "good", SECOND);
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&broken, &good]), None));

    assert_eq!(
        config.contexts.keys().collect::<Vec<_>>(),
        ["edge", "shared"]
    );
    assert_eq!(config.problems.len(), 1);
    let problem = &config.problems[0];
    assert_eq!(problem.file, broken);
    assert!(
        matches!(&problem.kind, ProblemKind::NotYaml(detail) if detail.contains("line")),
        "{problem:?}"
    );
}

#[test]
fn a_file_that_is_yaml_but_not_a_mapping_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = write(dir.path(), "text", "just some words\n");
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&text]), None));
    assert!(
        matches!(&config.problems[0].kind, ProblemKind::NotYaml(detail) if detail.contains("found a string"))
    );
}

#[test]
fn an_empty_file_is_an_empty_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty", "");
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&empty]), None));
    assert_eq!(config.problems, []);
    assert!(config.contexts.is_empty());
}

#[test]
fn a_missing_file_is_reported_and_the_others_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let good = write(dir.path(), "good", SECOND);
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&missing, &good]), None));
    assert_eq!(
        config.problems,
        [Problem {
            file: missing,
            entry: None,
            kind: ProblemKind::MissingFile
        }]
    );
    assert_eq!(config.contexts.len(), 2);
    assert_eq!(config.files, [good]);
}

#[test]
fn contexts_naming_missing_clusters_or_users_are_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        r#"
current-context: ghost
clusters:
- name: real
  cluster: {server: "https://real:6443"}
users:
- name: me
  user: {}
contexts:
- name: good
  context: {cluster: real, user: me}
- name: ghost
  context: {cluster: nowhere, user: me}
- name: stranger
  context: {cluster: real, user: nobody}
"#,
    );
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&file]), None));
    assert_eq!(config.contexts.keys().collect::<Vec<_>>(), ["good"]);
    assert_eq!(config.current_context, None);
    let problems: Vec<_> = config
        .problems
        .iter()
        .map(|problem| (problem.entry.as_deref(), &problem.kind))
        .collect();
    assert_eq!(
        problems,
        [
            (
                Some("context \"ghost\""),
                &ProblemKind::MissingCluster("nowhere".into())
            ),
            (
                Some("context \"stranger\""),
                &ProblemKind::MissingUser("nobody".into())
            ),
            (
                Some("current-context"),
                &ProblemKind::MissingCurrentContext("ghost".into())
            ),
        ]
    );
}

#[test]
fn a_malformed_entry_is_reported_by_position_and_the_rest_of_the_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        r#"
clusters:
- cluster: {server: "https://nameless:6443"}
- name: noserver
  cluster: {}
- name: real
  cluster: {server: "https://real:6443"}
users:
- name: me
contexts: {not: a list}
"#,
    );
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(env_of(&[&file]), None));
    let entries: Vec<_> = config
        .problems
        .iter()
        .map(|problem| problem.entry.as_deref())
        .collect();
    assert_eq!(
        entries,
        [
            Some("clusters[0]"),
            Some("cluster \"noserver\""),
            Some("contexts")
        ]
    );
    assert!(
        matches!(&config.problems[0].kind, ProblemKind::InvalidEntry(detail) if detail.contains("name"))
    );
}

#[test]
fn a_missing_home_config_is_no_problem_but_a_missing_named_file_is() {
    let home = tempfile::tempdir().unwrap();
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(None, Some(home.path())));
    assert_eq!(config.problems, []);
    assert!(config.contexts.is_empty());

    let named = home.path().join(".kube").join("config");
    let config = Kubeconfig::load(&KubeconfigPaths::resolve(
        Some(named.clone().into_os_string()),
        Some(home.path()),
    ));
    assert_eq!(
        config.problems,
        [Problem {
            file: named,
            entry: None,
            kind: ProblemKind::MissingFile
        }]
    );
}

#[test]
fn the_fingerprint_changes_when_a_file_is_edited_created_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    std::fs::write(&first, "clusters: []\n").unwrap();
    let paths =
        KubeconfigPaths::resolve(Some(std::env::join_paths([&first, &second]).unwrap()), None);
    let before = paths.fingerprint();
    assert_eq!(paths.fingerprint(), before, "nothing changed");
    std::fs::write(&second, "clusters: []\n").unwrap();
    let created = paths.fingerprint();
    assert_ne!(created, before);
    std::fs::write(&first, "clusters: []\ncontexts: []\n").unwrap();
    assert_ne!(paths.fingerprint(), created, "an edit changes the size");
    let edited = paths.fingerprint();
    // Saved by writing a new file and renaming it over the old one, same size.
    let temporary = dir.path().join("first.new");
    std::fs::write(&temporary, "clusters: []\ncontexts: {}\n").unwrap();
    std::fs::rename(&temporary, &first).unwrap();
    assert_ne!(
        paths.fingerprint(),
        edited,
        "a replacement changes the identity"
    );
    std::fs::remove_file(&second).unwrap();
    assert_ne!(paths.fingerprint(), edited);
}
