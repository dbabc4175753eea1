//! Structural rules of the workspace, checked as tests: dependency directions between our crates,
//! and a `//!` line at the top of every Rust file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubedesk_tests::workspace_root;

/// A member crate: its package name and every dependency it names (normal and build).
struct Member {
    name: String,
    dependencies: Vec<String>,
}

fn members() -> Vec<Member> {
    let root = workspace_root();
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let paths = manifest["workspace"]["members"].as_array().unwrap();
    paths
        .iter()
        .map(|path| {
            let manifest: toml::Table =
                std::fs::read_to_string(root.join(path.as_str().unwrap()).join("Cargo.toml"))
                    .unwrap()
                    .parse()
                    .unwrap();
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            let mut dependencies = Vec::new();
            for section in ["dependencies", "build-dependencies"] {
                if let Some(table) = manifest.get(section).and_then(toml::Value::as_table) {
                    dependencies.extend(table.keys().cloned());
                }
            }
            Member { name, dependencies }
        })
        .collect()
}

fn ours(name: &str) -> bool {
    name.starts_with("kubedesk")
}

#[test]
fn dependencies_point_one_way() {
    let members: BTreeMap<String, Vec<String>> = members()
        .into_iter()
        .map(|member| (member.name, member.dependencies))
        .collect();
    let mut broken = Vec::new();
    for (name, dependencies) in &members {
        for dependency in dependencies {
            let tauri = dependency.starts_with("tauri");
            let cluster_access = [
                "kube",
                "kube-client",
                "kube-runtime",
                "k8s-openapi",
                "nvml-wrapper",
            ]
            .contains(&dependency.as_str());
            let reason = match name.as_str() {
                "kubedesk-ui" if ours(dependency) && dependency != "kubedesk-ipc" => {
                    Some("the UI knows only kubedesk-ipc")
                }
                "kubedesk-ui" if tauri => {
                    Some("the UI reaches Tauri only through window.__TAURI__ in ui/src/ipc.rs")
                }
                "kubedesk"
                    if ours(dependency)
                        && !["kubedesk-api", "kubedesk-ipc"].contains(&dependency.as_str()) =>
                {
                    Some("the shell calls use-cases in kubedesk-api only")
                }
                "kubedesk" if cluster_access => {
                    Some("no Kubernetes or NVML in the shell: it is wiring only")
                }
                "kubedesk-ipc" if ours(dependency) || tauri => {
                    Some("the contract depends on nothing of ours and no Tauri")
                }
                "kubedesk-api" if tauri => Some("use-cases know nothing of Tauri"),
                "kubedesk-sim" if dependency == "kubedesk-cluster" => {
                    Some("the simulator shares no code with the client")
                }
                "kubedesk-cluster" if dependency == "kubedesk-sim" => {
                    Some("the client shares no code with the simulator")
                }
                domain
                    if domain.starts_with("kubedesk-")
                        && ![
                            "kubedesk-ui",
                            "kubedesk-ipc",
                            "kubedesk-api",
                            "kubedesk-tests",
                        ]
                        .contains(&domain) =>
                {
                    if ["kubedesk-api", "kubedesk-ipc"].contains(&dependency.as_str()) {
                        Some("domain crates never depend on kubedesk-api or kubedesk-ipc")
                    } else if tauri {
                        Some("domain crates never depend on Tauri")
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(reason) = reason {
                broken.push(format!("{name} depends on {dependency}: {reason}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "dependency rules broken:\n{}",
        broken.join("\n")
    );
    for expected in [
        "kubedesk",
        "kubedesk-ui",
        "kubedesk-ipc",
        "kubedesk-api",
        "kubedesk-cluster",
    ] {
        assert!(
            members.contains_key(expected),
            "the workspace lacks {expected}"
        );
    }
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    const SKIP: [&str; 6] = ["target", "node_modules", ".tools", ".git", "dist", "gen"];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !SKIP.contains(&name.to_string_lossy().as_ref()) {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_line_saying_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&workspace_root(), &mut files);
    assert!(
        files.len() > 20,
        "found only {} Rust files; is the walk broken?",
        files.len()
    );
    let missing: Vec<String> = files
        .iter()
        .filter(|file| {
            !std::fs::read_to_string(file)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .map(|file| {
            file.strip_prefix(workspace_root())
                .unwrap_or(file)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_file_uses_mod_rs() {
    let mut files = Vec::new();
    rust_files(&workspace_root(), &mut files);
    let found: Vec<_> = files
        .iter()
        .filter(|file| file.file_name().is_some_and(|name| name == "mod.rs"))
        .collect();
    assert!(
        found.is_empty(),
        "use `topic.rs` with `topic/`, not `mod.rs`: {found:?}"
    );
}
