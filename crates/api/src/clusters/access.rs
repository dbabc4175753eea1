//! `get_access`: what the user may do in a namespace, as the cluster says.

use kubedesk_cluster::access::Rule;
use kubedesk_cluster::access::{self, Action};
use kubedesk_ipc as ipc;

use super::client::{client, unavailable};
use crate::App;

/// The console's everyday actions: key, verb, group, resource, and whether it is namespaced.
const ACTIONS: &[(&str, &str, &str, &str, bool)] = &[
    ("list-pods", "list", "", "pods", true),
    ("read-logs", "get", "", "pods/log", true),
    ("exec", "create", "", "pods/exec", true),
    ("create-deployments", "create", "apps", "deployments", true),
    (
        "scale-deployments",
        "patch",
        "apps",
        "deployments/scale",
        true,
    ),
    ("delete-pods", "delete", "", "pods", true),
    ("read-secrets", "get", "", "secrets", true),
    ("list-nodes", "list", "", "nodes", false),
    ("cordon-nodes", "patch", "", "nodes", false),
];

/// Asks for the rules in the namespace and a verdict on each everyday action.
pub async fn access(app: &App, request: ipc::GetAccess) -> Result<ipc::Access, ipc::Error> {
    let namespace = super::client::namespace(app, &request.context, request.namespace);
    let client = client(app, &request.context).await?;
    let failed = |error: &dyn std::fmt::Display| {
        unavailable(
            format!(
                "What you may do in context {} could not be read: {error}",
                request.context
            ),
            "The Clusters page shows the cluster's state; reload once it is ready.",
        )
    };
    let asked: Vec<Action> = ACTIONS
        .iter()
        .map(|(_, verb, group, resource, namespaced)| Action {
            verb: (*verb).to_owned(),
            group: (*group).to_owned(),
            resource: (*resource).to_owned(),
            namespace: namespaced.then(|| namespace.clone()),
            name: None,
        })
        .collect();
    let verdicts = access::can(&client, &asked)
        .await
        .map_err(|error| failed(&error))?;
    let rules = access::rules(&client, &namespace)
        .await
        .map_err(|error| failed(&error))?;
    Ok(ipc::Access {
        namespace,
        actions: ACTIONS
            .iter()
            .zip(verdicts)
            .map(|((key, ..), verdict)| ipc::ActionAccess {
                action: (*key).to_owned(),
                allowed: verdict.allowed,
                reason: verdict.reason,
            })
            .collect(),
        rules: rules.rules.into_iter().map(rule).collect(),
        incomplete: rules.incomplete,
    })
}

/// A rule with its resources written as kubectl writes them: `deployments.apps`, `pods/log`.
fn rule(rule: Rule) -> ipc::AccessRule {
    let mut resources = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            resources.push(if group.is_empty() {
                resource.clone()
            } else {
                let (base, sub) = resource
                    .split_once('/')
                    .map_or((resource.as_str(), None), |(base, sub)| (base, Some(sub)));
                match sub {
                    Some(sub) => format!("{base}.{group}/{sub}"),
                    None => format!("{base}.{group}"),
                }
            });
        }
    }
    ipc::AccessRule {
        verbs: rule.verbs,
        resources,
        names: rule.resource_names,
    }
}
