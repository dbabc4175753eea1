//! What the user may do, as the API server says it: the rules a SelfSubjectRulesReview lists for
//! a namespace (one request, to decide which actions to offer), and a SelfSubjectAccessReview per
//! action (the server's own verdict, with its reason). `kubectl auth can-i --list` and
//! `kubectl auth can-i VERB RESOURCE` ask the same.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    SelfSubjectRulesReview, SelfSubjectRulesReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::connect::REQUEST_TIMEOUT;

/// One rule: these verbs on these resources (and names, if limited).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// `get`, `list`, … or `*`.
    pub verbs: Vec<String>,
    /// API groups (`""` is the core group) or `*`.
    pub api_groups: Vec<String>,
    /// Resources, with subresources as `pods/log`, or `*`.
    pub resources: Vec<String>,
    /// The names the rule is limited to; empty for all.
    pub resource_names: Vec<String>,
}

/// The rules the user has in a namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// The resource rules.
    pub rules: Vec<Rule>,
    /// Whether the server could not list every rule (an authorizer that cannot enumerate, such as
    /// a webhook): an action the rules do not allow may still be allowed.
    pub incomplete: bool,
}

impl Rules {
    /// Whether a rule allows `verb` on every object of `resource` (`pods`, `pods/log`) in
    /// `group`, as RBAC matches rules.
    pub fn allows(&self, verb: &str, group: &str, resource: &str) -> bool {
        let has = |values: &[String], wanted: &str| {
            values.iter().any(|value| value == "*" || value == wanted)
        };
        let (base, subresource) = match resource.split_once('/') {
            Some((base, sub)) => (base, Some(sub)),
            None => (resource, None),
        };
        self.rules.iter().any(|rule| {
            rule.resource_names.is_empty()
                && has(&rule.verbs, verb)
                && has(&rule.api_groups, group)
                && rule.resources.iter().any(|allowed| {
                    allowed == "*"
                        || allowed == resource
                        || subresource.is_some_and(|sub| *allowed == format!("*/{sub}"))
                        || (subresource.is_none() && allowed == base)
                })
        })
    }
}

/// Asks the server for the user's rules in `namespace`.
pub async fn rules(client: &kube::Client, namespace: &str) -> Result<Rules, kube::Error> {
    let api: Api<SelfSubjectRulesReview> = Api::all(client.clone());
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some(namespace.to_owned()),
        },
        ..SelfSubjectRulesReview::default()
    };
    let answer = bounded(api.create(&PostParams::default(), &review)).await?;
    let status = answer.status.unwrap_or_default();
    Ok(Rules {
        rules: status
            .resource_rules
            .into_iter()
            .map(|rule| Rule {
                verbs: rule.verbs,
                api_groups: rule.api_groups.unwrap_or_default(),
                resources: rule.resources.unwrap_or_default(),
                resource_names: rule.resource_names.unwrap_or_default(),
            })
            .collect(),
        incomplete: status.incomplete,
    })
}

/// One action to ask about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Action {
    /// The verb.
    pub verb: String,
    /// The API group (`""` for the core group).
    pub group: String,
    /// The resource, with its subresource as `pods/log`.
    pub resource: String,
    /// The namespace; `None` for cluster-scoped resources and for every namespace.
    pub namespace: Option<String>,
    /// One object's name, or `None` for all.
    pub name: Option<String>,
}

/// The server's verdict on an action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Whether it is allowed.
    pub allowed: bool,
    /// The authorizer's reason, when it gives one (RBAC names the binding that allows).
    pub reason: Option<String>,
}

/// Asks the server about each action (SelfSubjectAccessReview), all at once.
pub async fn can(client: &kube::Client, actions: &[Action]) -> Result<Vec<Verdict>, kube::Error> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let asks = actions.iter().map(|action| {
        let (resource, subresource) = match action.resource.split_once('/') {
            Some((resource, subresource)) => (resource.to_owned(), Some(subresource.to_owned())),
            None => (action.resource.clone(), None),
        };
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(action.verb.clone()),
                    group: Some(action.group.clone()),
                    resource: Some(resource),
                    subresource,
                    namespace: action.namespace.clone(),
                    name: action.name.clone(),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let api = api.clone();
        async move { bounded(api.create(&PostParams::default(), &review)).await }
    });
    let mut verdicts = Vec::with_capacity(actions.len());
    for answer in futures_util::future::join_all(asks).await {
        let status = answer?.status.unwrap_or_default();
        verdicts.push(Verdict {
            allowed: status.allowed && status.denied != Some(true),
            reason: status.reason.filter(|reason| !reason.is_empty()),
        });
    }
    Ok(verdicts)
}

async fn bounded<T>(
    request: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, kube::Error> {
    tokio::time::timeout(REQUEST_TIMEOUT, request)
        .await
        .unwrap_or_else(|_| Err(kube::Error::Service("no answer in time".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Rule {
        let owned = |values: &[&str]| values.iter().map(|value| (*value).to_owned()).collect();
        Rule {
            verbs: owned(verbs),
            api_groups: owned(groups),
            resources: owned(resources),
            resource_names: Vec::new(),
        }
    }

    #[test]
    fn rules_match_as_rbac_matches_them() {
        let rules = Rules {
            rules: vec![
                rule(&["get", "list", "watch"], &[""], &["pods", "pods/log"]),
                rule(&["*"], &["apps"], &["deployments", "deployments/scale"]),
                rule(&["get"], &["*"], &["*/status"]),
                Rule {
                    resource_names: vec!["only-this".into()],
                    ..rule(&["delete"], &[""], &["pods"])
                },
            ],
            incomplete: false,
        };
        assert!(rules.allows("list", "", "pods"));
        assert!(rules.allows("get", "", "pods/log"));
        assert!(
            !rules.allows("create", "", "pods/exec"),
            "exec is its own subresource"
        );
        assert!(!rules.allows("list", "apps", "pods"), "groups must match");
        assert!(rules.allows("patch", "apps", "deployments/scale"));
        assert!(!rules.allows("patch", "apps", "statefulsets"));
        assert!(rules.allows("get", "batch", "jobs/status"));
        assert!(
            !rules.allows("delete", "", "pods"),
            "a rule for one name is not for all"
        );
        let admin = Rules {
            rules: vec![rule(&["*"], &["*"], &["*"])],
            incomplete: false,
        };
        assert!(admin.allows("create", "", "pods/exec"));
    }
}
