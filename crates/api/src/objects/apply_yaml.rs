//! `apply_yaml`: YAML from the editor or the create page, applied with server-side apply (or
//! previewed as a dry run), each document's outcome said.

use kubedesk_cluster::apply::{self, Change, DiffLine, Options, Refusal};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;

/// Applies or previews the text; a document that cannot be applied is named with its line, and
/// nothing is sent.
pub async fn apply_yaml(
    app: &App,
    request: ipc::ApplyYaml,
) -> Result<ipc::ApplyOutcome, ipc::Error> {
    let documents = match apply::parse(&request.yaml) {
        Ok(documents) => documents,
        Err(invalid) => {
            return Ok(ipc::ApplyOutcome::Invalid {
                document: invalid.document,
                line: invalid.line,
                reason: invalid.reason,
            });
        }
    };
    let client = client::client(app, &request.context).await?;
    let namespace = client::namespace(app, &request.context, request.namespace);
    let options = Options {
        force: request.force,
        dry_run: request.dry_run,
    };
    let outcomes = apply::apply(&client, &documents, &namespace, options).await;
    Ok(ipc::ApplyOutcome::Applied {
        documents: outcomes
            .into_iter()
            .map(|outcome| ipc::AppliedDocument {
                document: outcome.document,
                line: outcome.line,
                kind: outcome.kind,
                namespace: outcome.namespace,
                name: outcome.name,
                result: match outcome.result {
                    Ok((change, diff)) => ipc::DocumentResult::Done {
                        change: match change {
                            Change::Created => ipc::Change::Created,
                            Change::Configured => ipc::Change::Configured,
                            Change::Unchanged => ipc::Change::Unchanged,
                        },
                        diff: diff
                            .into_iter()
                            .map(|line| match line {
                                DiffLine::Same(text) => ipc::DiffLine::Same(text),
                                DiffLine::Added(text) => ipc::DiffLine::Added(text),
                                DiffLine::Removed(text) => ipc::DiffLine::Removed(text),
                                DiffLine::Gap => ipc::DiffLine::Gap,
                            })
                            .collect(),
                    },
                    Err(Refusal::Conflicts { message, fields }) => ipc::DocumentResult::Conflicts {
                        message,
                        fields: fields
                            .into_iter()
                            .map(|field| ipc::FieldConflict {
                                manager: field.manager,
                                field: field.field,
                            })
                            .collect(),
                    },
                    Err(refusal) => ipc::DocumentResult::Refused {
                        message: refusal.to_string(),
                    },
                },
            })
            .collect(),
    })
}
