//! The resource types the simulated server serves, as discovery lists them.

/// One resource type: where it lives in the API and how discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The API group; empty for the core group.
    pub group: String,
    /// The group's version.
    pub version: String,
    /// The kind of its objects.
    pub kind: String,
    /// The plural resource name used in URLs.
    pub plural: String,
    /// The singular name.
    pub singular: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names (`po`, `deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Subresources: name, the kind they answer with (group, version, kind), verbs.
    pub subresources: Vec<Subresource>,
    /// Whether a CustomResourceDefinition defines it.
    pub custom: bool,
    /// Whether it is a review (SelfSubjectAccessReview and kin): created and answered at once,
    /// never stored, the only verb `create`.
    pub review: bool,
    /// The extra columns `kubectl get` shows (a CRD's `additionalPrinterColumns`): name, type, JSON path.
    pub printer_columns: Vec<(String, String, String)>,
}

/// A subresource such as `status` or `scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subresource {
    /// Its name after the object's name in the URL.
    pub name: String,
    /// The group, version and kind it answers with.
    pub response: (String, String, String),
    /// What may be done with it.
    pub verbs: Vec<String>,
}

/// The verbs every resource type of the catalogue answers.
pub const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name errors use: `pods`, `deployments.apps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The verbs discovery lists for it.
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.review { &["create"] } else { &VERBS }
    }

    /// The key the store files its objects under: group and plural, version-independent.
    pub fn store_key(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }
}

fn status(group: &str, version: &str, kind: &str) -> Subresource {
    Subresource {
        name: "status".into(),
        response: (group.into(), version.into(), kind.into()),
        verbs: vec!["get".into(), "patch".into(), "update".into()],
    }
}

fn scale() -> Subresource {
    Subresource {
        name: "scale".into(),
        response: ("autoscaling".into(), "v1".into(), "Scale".into()),
        verbs: vec!["get".into(), "patch".into(), "update".into()],
    }
}

/// How a built-in type is served, as bits.
const ALL: u8 = 1;
const STATUS: u8 = 2;
const SCALE: u8 = 4;
const LOG: u8 = 8;
/// A review: created and answered at once, never stored (SelfSubjectAccessReview and kin).
const REVIEW: u8 = 16;
const NAMESPACED: bool = true;
const CLUSTER: bool = false;

struct Spec {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    flags: u8,
}

impl Spec {
    const fn new(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        plural: &'static str,
        namespaced: bool,
        short_names: &'static [&'static str],
        flags: u8,
    ) -> Self {
        Self {
            group,
            version,
            kind,
            plural,
            namespaced,
            short_names,
            flags,
        }
    }

    const fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[rustfmt::skip]
const BUILTIN: &[Spec] = &[
    Spec::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", CLUSTER, &["crd", "crds"], STATUS),
    Spec::new("", "v1", "Namespace", "namespaces", CLUSTER, &["ns"], STATUS),
    Spec::new("", "v1", "Node", "nodes", CLUSTER, &["no"], STATUS),
    Spec::new("", "v1", "Pod", "pods", NAMESPACED, &["po"], ALL | STATUS | LOG),
    Spec::new("", "v1", "Service", "services", NAMESPACED, &["svc"], ALL | STATUS),
    Spec::new("", "v1", "ConfigMap", "configmaps", NAMESPACED, &["cm"], 0),
    Spec::new("", "v1", "Secret", "secrets", NAMESPACED, &[], 0),
    Spec::new("", "v1", "Event", "events", NAMESPACED, &["ev"], 0),
    Spec::new("", "v1", "ServiceAccount", "serviceaccounts", NAMESPACED, &["sa"], 0),
    Spec::new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", NAMESPACED, &["pvc"], STATUS),
    Spec::new("", "v1", "PersistentVolume", "persistentvolumes", CLUSTER, &["pv"], STATUS),
    Spec::new("", "v1", "ResourceQuota", "resourcequotas", NAMESPACED, &["quota"], STATUS),
    Spec::new("", "v1", "LimitRange", "limitranges", NAMESPACED, &["limits"], 0),
    Spec::new("apps", "v1", "Deployment", "deployments", NAMESPACED, &["deploy"], ALL | STATUS | SCALE),
    Spec::new("apps", "v1", "ReplicaSet", "replicasets", NAMESPACED, &["rs"], ALL | STATUS | SCALE),
    Spec::new("apps", "v1", "StatefulSet", "statefulsets", NAMESPACED, &["sts"], ALL | STATUS | SCALE),
    Spec::new("apps", "v1", "DaemonSet", "daemonsets", NAMESPACED, &["ds"], ALL | STATUS),
    Spec::new("batch", "v1", "Job", "jobs", NAMESPACED, &[], ALL | STATUS),
    Spec::new("batch", "v1", "CronJob", "cronjobs", NAMESPACED, &["cj"], ALL | STATUS),
    Spec::new("networking.k8s.io", "v1", "Ingress", "ingresses", NAMESPACED, &["ing"], STATUS),
    Spec::new("networking.k8s.io", "v1", "IngressClass", "ingressclasses", CLUSTER, &[], 0),
    Spec::new("storage.k8s.io", "v1", "StorageClass", "storageclasses", CLUSTER, &["sc"], 0),
    Spec::new("storage.k8s.io", "v1", "CSIDriver", "csidrivers", CLUSTER, &[], 0),
    Spec::new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", CLUSTER, &[], 0),
    Spec::new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", CLUSTER, &[], 0),
    Spec::new("rbac.authorization.k8s.io", "v1", "Role", "roles", NAMESPACED, &[], 0),
    Spec::new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", NAMESPACED, &[], 0),
    Spec::new("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", CLUSTER, &[], REVIEW),
    Spec::new("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", CLUSTER, &[], REVIEW),
    Spec::new("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", CLUSTER, &[], REVIEW),
    Spec::new("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", NAMESPACED, &[], REVIEW),
    Spec::new("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", CLUSTER, &[], REVIEW),
    Spec::new("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", CLUSTER, &["pc"], 0),
    Spec::new("coordination.k8s.io", "v1", "Lease", "leases", NAMESPACED, &[], 0),
    Spec::new("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", NAMESPACED, &["pdb"], STATUS),
];

/// The built-in resource types, in discovery order.
pub fn builtin() -> Vec<ResourceType> {
    BUILTIN
        .iter()
        .map(|spec| {
            let mut subresources = Vec::new();
            if spec.has(STATUS) {
                subresources.push(status(spec.group, spec.version, spec.kind));
            }
            if spec.has(SCALE) {
                subresources.push(scale());
            }
            if spec.has(LOG) {
                subresources.push(Subresource {
                    name: "log".into(),
                    response: ("".into(), "v1".into(), "Pod".into()),
                    verbs: vec!["get".into()],
                });
                subresources.push(Subresource {
                    name: "eviction".into(),
                    response: ("policy".into(), "v1".into(), "Eviction".into()),
                    verbs: vec!["create".into()],
                });
                subresources.push(Subresource {
                    name: "proxy".into(),
                    response: ("".into(), "v1".into(), "PodProxyOptions".into()),
                    verbs: ["create", "delete", "get", "patch", "update"]
                        .map(String::from)
                        .to_vec(),
                });
            }
            if spec.kind == "Service" {
                subresources.push(Subresource {
                    name: "proxy".into(),
                    response: ("".into(), "v1".into(), "ServiceProxyOptions".into()),
                    verbs: ["create", "delete", "get", "patch", "update"]
                        .map(String::from)
                        .to_vec(),
                });
            }
            ResourceType {
                group: spec.group.into(),
                version: spec.version.into(),
                kind: spec.kind.into(),
                plural: spec.plural.into(),
                singular: spec.kind.to_ascii_lowercase(),
                namespaced: spec.namespaced,
                short_names: spec.short_names.iter().map(|name| (*name).into()).collect(),
                categories: if spec.has(ALL) {
                    vec!["all".into()]
                } else {
                    Vec::new()
                },
                subresources,
                custom: false,
                review: spec.has(REVIEW),
                printer_columns: Vec::new(),
            }
        })
        .collect()
}

/// Where the store files CustomResourceDefinitions.
pub fn crd_store_key() -> String {
    "apiextensions.k8s.io/customresourcedefinitions".to_owned()
}

/// The resource types a CustomResourceDefinition defines: one per served version.
pub fn from_crd(crd: &serde_json::Value) -> Vec<ResourceType> {
    let text = |pointer: &str| {
        crd.pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let strings = |pointer: &str| -> Vec<String> {
        crd.pointer(pointer)
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (group, kind, plural) = (
        text("/spec/group"),
        text("/spec/names/kind"),
        text("/spec/names/plural"),
    );
    if group.is_empty() || kind.is_empty() || plural.is_empty() {
        return Vec::new();
    }
    let singular = Some(text("/spec/names/singular"))
        .filter(|singular| !singular.is_empty())
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let versions = crd
        .pointer("/spec/versions")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    versions
        .iter()
        .filter(|version| version["served"].as_bool().unwrap_or(true))
        .filter_map(|version| {
            let name = version["name"].as_str()?.to_owned();
            let mut subresources = Vec::new();
            if version.pointer("/subresources/status").is_some() {
                subresources.push(status(&group, &name, &kind));
            }
            if version.pointer("/subresources/scale").is_some() {
                subresources.push(scale());
            }
            let printer_columns = version["additionalPrinterColumns"]
                .as_array()
                .map(|columns| {
                    columns
                        .iter()
                        .filter_map(|column| {
                            Some((
                                column["name"].as_str()?.to_owned(),
                                column["type"].as_str().unwrap_or("string").to_owned(),
                                column["jsonPath"].as_str()?.to_owned(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(ResourceType {
                group: group.clone(),
                version: name,
                kind: kind.clone(),
                plural: plural.clone(),
                singular: singular.clone(),
                namespaced: text("/spec/scope") != "Cluster",
                short_names: strings("/spec/names/shortNames"),
                categories: strings("/spec/names/categories"),
                subresources,
                custom: true,
                review: false,
                printer_columns,
            })
        })
        .collect()
}
