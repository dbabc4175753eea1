//! What the user may do in a cluster, as its API server says.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Asks the cluster what the user may do in a namespace: the rules, and a verdict on each of the
/// console's everyday actions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAccess {
    /// The context.
    pub context: String,
    /// The namespace; `None` asks about the context's default namespace (or `default`).
    pub namespace: Option<String>,
}

impl Command for GetAccess {
    const NAME: &'static str = "get_access";
    type Output = Access;
}

/// The user's access in one namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The namespace asked about.
    pub namespace: String,
    /// The everyday actions, each with the server's verdict.
    pub actions: Vec<ActionAccess>,
    /// The rules (`kubectl auth can-i --list`).
    pub rules: Vec<AccessRule>,
    /// Whether the server could not list every rule.
    pub incomplete: bool,
}

/// One everyday action and whether the user may do it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionAccess {
    /// The action's key: `list-pods`, `read-logs`, `exec`, `create-deployments`,
    /// `scale-deployments`, `delete-pods`, `read-secrets`, `list-nodes`, `cordon-nodes`.
    pub action: String,
    /// Whether it is allowed.
    pub allowed: bool,
    /// The authorizer's reason, when it gives one.
    pub reason: Option<String>,
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRule {
    /// The verbs.
    pub verbs: Vec<String>,
    /// The resources, qualified by group as kubectl writes them (`deployments.apps`, `pods/log`).
    pub resources: Vec<String>,
    /// The names the rule is limited to; empty for all.
    pub names: Vec<String>,
}
