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

struct Spec {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    all: bool,
    status: bool,
    scale: bool,
    log: bool,
}

const BUILTIN: &[Spec] = &[
    Spec {
        group: "apiextensions.k8s.io",
        version: "v1",
        kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions",
        namespaced: false,
        short_names: &["crd", "crds"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        namespaced: false,
        short_names: &["ns"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Node",
        plural: "nodes",
        namespaced: false,
        short_names: &["no"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
        namespaced: true,
        short_names: &["po"],
        all: true,
        status: true,
        scale: false,
        log: true,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Service",
        plural: "services",
        namespaced: true,
        short_names: &["svc"],
        all: true,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        plural: "configmaps",
        namespaced: true,
        short_names: &["cm"],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Secret",
        plural: "secrets",
        namespaced: true,
        short_names: &[],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "Event",
        plural: "events",
        namespaced: true,
        short_names: &["ev"],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        namespaced: true,
        short_names: &["sa"],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "PersistentVolumeClaim",
        plural: "persistentvolumeclaims",
        namespaced: true,
        short_names: &["pvc"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "PersistentVolume",
        plural: "persistentvolumes",
        namespaced: false,
        short_names: &["pv"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "ResourceQuota",
        plural: "resourcequotas",
        namespaced: true,
        short_names: &["quota"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "",
        version: "v1",
        kind: "LimitRange",
        plural: "limitranges",
        namespaced: true,
        short_names: &["limits"],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
        namespaced: true,
        short_names: &["deploy"],
        all: true,
        status: true,
        scale: true,
        log: false,
    },
    Spec {
        group: "apps",
        version: "v1",
        kind: "ReplicaSet",
        plural: "replicasets",
        namespaced: true,
        short_names: &["rs"],
        all: true,
        status: true,
        scale: true,
        log: false,
    },
    Spec {
        group: "apps",
        version: "v1",
        kind: "StatefulSet",
        plural: "statefulsets",
        namespaced: true,
        short_names: &["sts"],
        all: true,
        status: true,
        scale: true,
        log: false,
    },
    Spec {
        group: "apps",
        version: "v1",
        kind: "DaemonSet",
        plural: "daemonsets",
        namespaced: true,
        short_names: &["ds"],
        all: true,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "batch",
        version: "v1",
        kind: "Job",
        plural: "jobs",
        namespaced: true,
        short_names: &[],
        all: true,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "batch",
        version: "v1",
        kind: "CronJob",
        plural: "cronjobs",
        namespaced: true,
        short_names: &["cj"],
        all: true,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "networking.k8s.io",
        version: "v1",
        kind: "Ingress",
        plural: "ingresses",
        namespaced: true,
        short_names: &["ing"],
        all: false,
        status: true,
        scale: false,
        log: false,
    },
    Spec {
        group: "networking.k8s.io",
        version: "v1",
        kind: "IngressClass",
        plural: "ingressclasses",
        namespaced: false,
        short_names: &[],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
    Spec {
        group: "storage.k8s.io",
        version: "v1",
        kind: "StorageClass",
        plural: "storageclasses",
        namespaced: false,
        short_names: &["sc"],
        all: false,
        status: false,
        scale: false,
        log: false,
    },
];

/// The built-in resource types, in discovery order.
pub fn builtin() -> Vec<ResourceType> {
    BUILTIN
        .iter()
        .map(|spec| {
            let mut subresources = Vec::new();
            if spec.status {
                subresources.push(status(spec.group, spec.version, spec.kind));
            }
            if spec.scale {
                subresources.push(scale());
            }
            if spec.log {
                subresources.push(Subresource {
                    name: "log".into(),
                    response: ("".into(), "v1".into(), "Pod".into()),
                    verbs: vec!["get".into()],
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
                categories: if spec.all {
                    vec!["all".into()]
                } else {
                    Vec::new()
                },
                subresources,
                custom: false,
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
                printer_columns,
            })
        })
        .collect()
}
