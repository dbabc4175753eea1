//! `list_contexts`: the contexts of the user's kubeconfig, with what is wrong in it.

use std::collections::BTreeMap;

use kubedesk_cluster::{Kubeconfig, Problem, ProblemKind};
use kubedesk_ipc as ipc;

use crate::App;
use crate::offline::read_only;

/// Reads the kubeconfig afresh and lists its usable contexts and its problems.
pub fn list_contexts(
    app: &App,
    _request: ipc::ListContexts,
) -> Result<ipc::ContextList, ipc::Error> {
    let config = Kubeconfig::load(&app.kubeconfig);
    // When each cluster was last seen, read from the offline store at once: a cluster that does
    // not answer is browsed as then without waiting for its connection to time out.
    let kept: BTreeMap<String, i64> = app
        .store
        .as_ref()
        .ok()
        .and_then(|store| store.clusters().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|cluster| (cluster.context, cluster.seen_at))
        .collect();
    let live: Vec<String> = config.contexts.keys().cloned().collect();
    Ok(ipc::ContextList {
        read_only: read_only::all(app, &kept, &live),
        contexts: config
            .contexts
            .into_values()
            .map(|context| ipc::ContextRow {
                kept_as_of: kept
                    .get(&context.name)
                    .and_then(|&seen| read_only::rfc3339(seen)),
                sign_in_issuer: app
                    .clients
                    .oidc_settings(&app.kubeconfig, &context.name)
                    .ok()
                    .flatten()
                    .map(|settings| settings.issuer),
                name: context.name,
                cluster: context.cluster,
                user: context.user,
                server: context.server,
                namespace: context.namespace,
                file: context.file.display().to_string(),
            })
            .collect(),
        current: config.current_context,
        files: config
            .files
            .iter()
            .map(|file| file.display().to_string())
            .collect(),
        problems: config.problems.into_iter().map(problem).collect(),
        keyring_unavailable: app.clients.sessions().keyring().unavailable(),
    })
}

fn problem(problem: Problem) -> ipc::KubeconfigProblem {
    let kind = match problem.kind {
        ProblemKind::MissingFile => ipc::ProblemKind::MissingFile,
        ProblemKind::Unreadable(detail) => ipc::ProblemKind::Unreadable { detail },
        ProblemKind::NotYaml(detail) => ipc::ProblemKind::NotYaml { detail },
        ProblemKind::InvalidEntry(detail) => ipc::ProblemKind::InvalidEntry { detail },
        ProblemKind::MissingCluster(name) => ipc::ProblemKind::MissingCluster { name },
        ProblemKind::MissingUser(name) => ipc::ProblemKind::MissingUser { name },
        ProblemKind::MissingCurrentContext(name) => {
            ipc::ProblemKind::MissingCurrentContext { name }
        }
    };
    ipc::KubeconfigProblem {
        file: problem.file.display().to_string(),
        entry: problem.entry,
        kind,
    }
}
