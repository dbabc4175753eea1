//! Who a request comes from and what they may do, as kube-apiserver decides it: authentication by
//! bearer token or client certificate, then RBAC evaluated from the Roles, ClusterRoles and their
//! bindings in the store.

mod oidc;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::store::Store;

pub use oidc::{FetchError, OidcConfig, OidcError};

/// The group whose members may do everything (bound to `cluster-admin` in every cluster).
pub const MASTERS: &str = "system:masters";

/// An authenticated (or anonymous) user, as `kubectl auth whoami` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name (`jane`, `system:serviceaccount:dev:builder`).
    pub name: String,
    /// The groups, including `system:authenticated` once authenticated.
    pub groups: Vec<String>,
}

impl User {
    /// A user with these groups; `system:authenticated` is added as the real server adds it.
    pub fn new(name: impl Into<String>, groups: &[&str]) -> Self {
        let mut groups: Vec<String> = groups.iter().map(|group| (*group).to_owned()).collect();
        groups.push("system:authenticated".into());
        Self {
            name: name.into(),
            groups,
        }
    }

    /// The user of requests that carry no credentials.
    pub fn anonymous() -> Self {
        Self {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
        }
    }

    /// The demo's administrator: who requests are in a cluster that does not require credentials.
    pub fn admin() -> Self {
        Self::new("kubernetes-admin", &[MASTERS])
    }
}

/// The client certificate of a request's connection, put on the request by the TLS listener:
/// the identity a verified one carries (its subject's CN and O), or `None` for one that did not
/// verify (expired, or from another CA), which kube-apiserver answers 401.
#[derive(Debug, Clone)]
pub struct CertificateUser(pub Option<User>);

/// How a cluster authenticates: its token file, and whether it lets anyone in.
#[derive(Debug, Default)]
pub struct Authentication {
    tokens: RwLock<HashMap<String, User>>,
    required: AtomicBool,
    oidc: RwLock<Option<Arc<oidc::Oidc>>>,
}

/// A request whose credentials were presented but are not valid: 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthorized;

impl Authentication {
    /// Accepts `token` as `user` (kube-apiserver's `--token-auth-file`).
    pub fn add_token(&self, token: impl Into<String>, user: User) {
        self.tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(token.into(), user);
    }

    /// Accepts OpenID Connect ID tokens from this issuer (kube-apiserver's `--oidc-*` flags).
    pub fn set_oidc(&self, config: OidcConfig) {
        *self
            .oidc
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Arc::new(oidc::Oidc::new(config)));
    }

    /// From now on, requests without valid credentials are anonymous or refused, as on a real
    /// cluster. Until then (the demo), they are served as the administrator.
    pub fn require(&self) {
        self.required.store(true, Ordering::Relaxed);
    }

    fn required(&self) -> bool {
        self.required.load(Ordering::Relaxed)
    }

    /// Who sent a request with this `Authorization` header and this client certificate. A token
    /// shaped like a JWT is judged by the OIDC issuer when one is configured.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
        certificate: Option<&CertificateUser>,
    ) -> Result<User, Unauthorized> {
        let token = authorization
            .and_then(|header| header.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty());
        if let Some(token) = token {
            let known = self
                .tokens
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(token)
                .cloned();
            let issuer = self
                .oidc
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            if let (None, Some(issuer)) = (&known, issuer)
                && token.split('.').count() == 3
            {
                return issuer.verify(token).await.map_err(|_| Unauthorized);
            }
            return match known {
                Some(user) => Ok(user),
                None if self.required() => Err(Unauthorized),
                None => Ok(User::admin()),
            };
        }
        match certificate {
            Some(CertificateUser(Some(user))) => return Ok(user.clone()),
            // A certificate that does not verify is an error, not an anonymous request.
            Some(CertificateUser(None)) if self.required() => return Err(Unauthorized),
            _ => {}
        }
        Ok(if self.required() {
            User::anonymous()
        } else {
            User::admin()
        })
    }
}

/// What a request asks to do, in RBAC's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attributes {
    /// A request for a resource: `list pods in default`, `get deployments.apps/web/scale`.
    Resource {
        /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
        verb: String,
        /// The API group (empty for core).
        group: String,
        /// The plural resource name.
        resource: String,
        /// The subresource, if any (`log`, `status`, `scale`).
        subresource: Option<String>,
        /// The namespace, if the request is in one.
        namespace: Option<String>,
        /// The object's name, if the request names one.
        name: Option<String>,
    },
    /// A request for a path outside the resource tree (`/version`, `/apis`, `/healthz`).
    Path {
        /// The HTTP method in lower case.
        verb: String,
        /// The URL path.
        path: String,
    },
}

/// The answer of the authoriser: allowed by which binding, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// Which binding allowed it, worded as RBAC words it.
    pub reason: String,
}

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    verbs: Vec<String>,
    groups: Vec<String>,
    resources: Vec<String>,
    names: Vec<String>,
    urls: Vec<String>,
}

impl Rule {
    fn from_json(rule: &Value) -> Self {
        let strings = |key: &str| -> Vec<String> {
            rule[key]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            verbs: strings("verbs"),
            groups: strings("apiGroups"),
            resources: strings("resources"),
            names: strings("resourceNames"),
            urls: strings("nonResourceURLs"),
        }
    }

    fn allows(&self, attributes: &Attributes) -> bool {
        let has =
            |list: &[String], value: &str| list.iter().any(|item| item == "*" || item == value);
        match attributes {
            Attributes::Resource {
                verb,
                group,
                resource,
                subresource,
                name,
                ..
            } => {
                let resource_matches = match subresource {
                    None => has(&self.resources, resource),
                    Some(sub) => self.resources.iter().any(|item| {
                        item == "*"
                            || *item == format!("{resource}/{sub}")
                            || *item == format!("*/{sub}")
                    }),
                };
                has(&self.verbs, verb)
                    && has(&self.groups, group)
                    && resource_matches
                    && (self.names.is_empty()
                        || name.as_ref().is_some_and(|name| self.names.contains(name)))
            }
            Attributes::Path { verb, path } => {
                has(&self.verbs, verb)
                    && self.urls.iter().any(|url| {
                        url == "*"
                            || url == path
                            || url
                                .strip_suffix('*')
                                .is_some_and(|prefix| path.starts_with(prefix))
                    })
            }
        }
    }

    fn to_review_json(&self) -> (bool, Value) {
        if self.urls.is_empty() {
            let mut rule =
                json!({"verbs": self.verbs, "apiGroups": self.groups, "resources": self.resources});
            if !self.names.is_empty() {
                rule["resourceNames"] = json!(self.names);
            }
            (true, rule)
        } else {
            (
                false,
                json!({"verbs": self.verbs, "nonResourceURLs": self.urls}),
            )
        }
    }
}

/// A binding that applies to a user, with the rules of the role it grants.
struct Grant {
    /// `ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"`.
    description: String,
    rules: Vec<Rule>,
}

const RBAC: &str = "rbac.authorization.k8s.io";

/// The grants that apply to `user` in `namespace` (cluster-wide ones always).
fn grants(store: &Store, user: &User, namespace: Option<&str>) -> Vec<Grant> {
    let mut bindings = store.list(&format!("{RBAC}/clusterrolebindings"), None).1;
    if let Some(namespace) = namespace.filter(|namespace| !namespace.is_empty()) {
        bindings.extend(
            store
                .list(&format!("{RBAC}/rolebindings"), Some(namespace))
                .1,
        );
    }
    let mut grants = Vec::new();
    for binding in &bindings {
        let Some(subject) = binding["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|subject| applies(subject, user, binding))
        else {
            continue;
        };
        let role_kind = binding["roleRef"]["kind"].as_str().unwrap_or_default();
        let role_name = binding["roleRef"]["name"].as_str().unwrap_or_default();
        let binding_namespace = binding["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default();
        let role = match role_kind {
            "ClusterRole" => store.get(&format!("{RBAC}/clusterroles"), "", role_name),
            "Role" => store.get(&format!("{RBAC}/roles"), binding_namespace, role_name),
            _ => None,
        };
        let Some(role) = role else { continue };
        let binding_kind = if binding_namespace.is_empty() {
            "ClusterRoleBinding"
        } else {
            "RoleBinding"
        };
        let binding_name = binding["metadata"]["name"].as_str().unwrap_or_default();
        let shown_name = if binding_namespace.is_empty() {
            binding_name.to_owned()
        } else {
            format!("{binding_name}/{binding_namespace}")
        };
        let subject_kind = subject["kind"].as_str().unwrap_or_default();
        let subject_name = subject["name"].as_str().unwrap_or_default();
        grants.push(Grant {
            description: format!(
                "{binding_kind} \"{shown_name}\" of {role_kind} \"{role_name}\" to {subject_kind} \"{subject_name}\""
            ),
            rules: role["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Rule::from_json)
                .collect(),
        });
    }
    grants
}

fn applies(subject: &Value, user: &User, binding: &Value) -> bool {
    let name = subject["name"].as_str().unwrap_or_default();
    match subject["kind"].as_str().unwrap_or_default() {
        "User" => user.name == name,
        "Group" => user.groups.iter().any(|group| group == name),
        "ServiceAccount" => {
            let namespace = subject["namespace"]
                .as_str()
                .or_else(|| binding["metadata"]["namespace"].as_str())
                .unwrap_or_default();
            user.name == format!("system:serviceaccount:{namespace}:{name}")
        }
        _ => false,
    }
}

/// Whether `user` may do what `attributes` describe.
pub fn authorize(store: &Store, user: &User, attributes: &Attributes) -> Decision {
    let namespace = match attributes {
        Attributes::Resource { namespace, .. } => namespace.as_deref(),
        Attributes::Path { .. } => None,
    };
    grants(store, user, namespace)
        .into_iter()
        .find(|grant| grant.rules.iter().any(|rule| rule.allows(attributes)))
        .map_or_else(
            || Decision {
                allowed: false,
                reason: String::new(),
            },
            |grant| Decision {
                allowed: true,
                reason: format!("RBAC: allowed by {}", grant.description),
            },
        )
}

/// The `status` of a SelfSubjectRulesReview: every rule that applies to `user` in `namespace`.
pub fn rules_review(store: &Store, user: &User, namespace: &str) -> Value {
    let mut resource_rules = Vec::new();
    let mut path_rules = Vec::new();
    for grant in grants(store, user, Some(namespace)) {
        for rule in grant.rules {
            match rule.to_review_json() {
                (true, rule) => resource_rules.push(rule),
                (false, rule) => path_rules.push(rule),
            }
        }
    }
    json!({"resourceRules": resource_rules, "nonResourceRules": path_rules, "incomplete": false})
}

/// The message of a 403, worded as kube-apiserver words it.
pub fn forbidden_message(user: &User, attributes: &Attributes) -> String {
    match attributes {
        Attributes::Path { verb, path } => {
            format!(
                "forbidden: User \"{}\" cannot {verb} path \"{path}\"",
                user.name
            )
        }
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
        } => {
            let qualified = if group.is_empty() {
                resource.clone()
            } else {
                format!("{resource}.{group}")
            };
            let subject = match name {
                Some(name) => format!("{qualified} \"{name}\" is forbidden"),
                None => format!("{qualified} is forbidden"),
            };
            let shown = match subresource {
                Some(sub) => format!("{resource}/{sub}"),
                None => resource.clone(),
            };
            let scope = match namespace {
                Some(namespace) => format!("in the namespace \"{namespace}\""),
                None => "at the cluster scope".to_owned(),
            };
            format!(
                "{subject}: User \"{}\" cannot {verb} resource \"{shown}\" in API group \"{group}\" {scope}",
                user.name
            )
        }
    }
}

/// The roles every cluster starts with, and their bindings, as kube-apiserver bootstraps them
/// (the aggregated `admin`, `edit` and `view` roles written out whole).
pub fn bootstrap_objects() -> Vec<(&'static str, Value)> {
    let everything = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]);
    let read = json!(["get", "list", "watch"]);
    let write = json!(["create", "delete", "deletecollection", "patch", "update"]);
    let workloads = json!([
        {"apiGroups": [""], "resources": ["pods", "pods/log", "pods/status", "services", "endpoints", "configmaps", "persistentvolumeclaims", "persistentvolumeclaims/status", "replicationcontrollers", "serviceaccounts", "events", "limitranges", "resourcequotas", "resourcequotas/status", "namespaces/status"], "verbs": read},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": read},
        {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status", "controllerrevisions"], "verbs": read},
        {"apiGroups": ["batch"], "resources": ["jobs", "jobs/status", "cronjobs", "cronjobs/status"], "verbs": read},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "ingresses/status", "networkpolicies"], "verbs": read},
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets", "poddisruptionbudgets/status"], "verbs": read},
    ]);
    let mut edit = workloads.as_array().cloned().unwrap_or_default();
    edit.extend([
        json!({"apiGroups": [""], "resources": ["pods", "pods/exec", "pods/portforward", "services", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"], "verbs": write}),
        json!({"apiGroups": [""], "resources": ["secrets"], "verbs": read}),
        json!({"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale", "daemonsets"], "verbs": write}),
        json!({"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": write}),
        json!({"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": write}),
        json!({"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": write}),
    ]);
    let mut admin = edit.clone();
    admin.extend([
        json!({"apiGroups": [RBAC], "resources": ["roles", "rolebindings"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}),
        json!({"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]}),
    ]);
    let role = |name: &str, rules: Value| {
        (
            "clusterroles",
            json!({"metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}, "rules": rules}),
        )
    };
    let binding = |name: &str, role: &str, group: &str| {
        (
            "clusterrolebindings",
            json!({
                "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
                "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": group}],
            }),
        )
    };
    vec![
        role("cluster-admin", everything),
        role("admin", Value::Array(admin)),
        role("edit", Value::Array(edit)),
        role("view", workloads),
        role(
            "system:discovery",
            json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
        role(
            "system:basic-user",
            json!([
                {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
            ]),
        ),
        role(
            "system:public-info-viewer",
            json!([{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
        binding("cluster-admin", "cluster-admin", MASTERS),
        binding(
            "system:discovery",
            "system:discovery",
            "system:authenticated",
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            "system:authenticated",
        ),
        binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            "system:unauthenticated",
        ),
    ]
}

#[cfg(test)]
mod tests;
