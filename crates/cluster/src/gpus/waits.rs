//! Why GPU pods wait. Each pending pod that asks for GPU resources is laid against the cluster's
//! nodes in the scheduler's order (the nodes that have the resource at all, those its node
//! selector and affinity pick, those that are up, those whose taints it tolerates, those with
//! enough of it, then enough free), and the first step that leaves no node is its reason. A
//! workload whose pods a quota refuses has no pod to wait: its controller's `FailedCreate`
//! event says which quota, and it waits while the workload still lacks pods. What the
//! scheduler or controller said is kept beside it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Event, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration,
};

use super::{Inventory, asked, is_gpu_resource};

/// A pod, or a workload's pods, waiting for GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wait {
    /// Its namespace.
    pub namespace: String,
    /// `Pod`, or the kind of the workload whose pods are refused (`ReplicaSet`, `Job`).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What owns it (`Deployment`, `web`), when something does.
    pub owner: Option<(String, String)>,
    /// The GPU resources one pod asks for.
    pub asked: Vec<(String, u64)>,
    /// What the scheduler or the workload's controller said, as it said it.
    pub said: Option<String>,
    /// Why, in the order found; empty when its GPUs would fit and something else holds it.
    pub reasons: Vec<Reason>,
}

/// One reason a GPU pod waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No node advertises the resource; `offered` are the GPU resources the cluster has.
    NoNodeHas {
        /// The resource asked for.
        resource: String,
        /// What the nodes advertise.
        offered: Vec<String>,
    },
    /// It asks for a GPU product (`nvidia.com/gpu.product`) that no node has.
    NoSuchProduct {
        /// The products its selector or affinity names.
        asked: Vec<String>,
        /// The products the nodes with the resource have.
        products: Vec<String>,
    },
    /// Its node selector or affinity matches none of the nodes that have the resource.
    SelectorMatchesNothing {
        /// The selector, as `key=value` and `key In (a, b)`.
        selector: String,
        /// The resource those nodes have.
        resource: String,
    },
    /// Every node it could go to is cordoned or not Ready.
    Unavailable {
        /// Those nodes.
        nodes: Vec<String>,
    },
    /// Every node it could go to has a taint it does not tolerate.
    TaintNotTolerated {
        /// The taint, `key=value:Effect`.
        taint: String,
        /// The nodes that carry it (or another it does not tolerate).
        nodes: Vec<String>,
    },
    /// It asks one node for more than any has.
    MoreThanAnyNode {
        /// The resource.
        resource: String,
        /// What it asks for.
        asked: u64,
        /// The most any node it could go to has.
        most: u64,
    },
    /// No node it could go to has that much free now.
    NotEnoughFree {
        /// The resource.
        resource: String,
        /// What it asks for.
        asked: u64,
        /// The most free on one node.
        free: u64,
        /// The pods holding it on those nodes (`namespace/name`).
        holders: Vec<String>,
    },
    /// A quota of its namespace has no room for another pod.
    QuotaExceeded {
        /// The quota's name.
        quota: String,
        /// The key it is short of (`requests.nvidia.com/gpu`).
        key: String,
        /// What one pod asks of it.
        requested: String,
        /// What is used.
        used: String,
        /// The quota's limit.
        limited: String,
    },
    /// The scheduler has not looked at it yet.
    NotScheduledYet,
}

/// The pending pods among `pods` that ask for GPUs, each with why it waits.
pub fn pending(inventory: &Inventory, nodes: &[Node], pods: &[Pod], events: &[Event]) -> Vec<Wait> {
    let mut waits: Vec<Wait> = pods
        .iter()
        .filter(|pod| {
            let spec = pod.spec.as_ref();
            let phase = pod
                .status
                .as_ref()
                .and_then(|status| status.phase.as_deref());
            spec.is_some_and(|spec| spec.node_name.is_none())
                && matches!(phase, None | Some("Pending"))
                && pod.metadata.deletion_timestamp.is_none()
        })
        .filter_map(|pod| {
            let wanted = asked(pod);
            (!wanted.is_empty()).then(|| pod_wait(inventory, nodes, pod, &wanted, events))
        })
        .collect();
    waits.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    waits
}

fn pod_wait(
    inventory: &Inventory,
    nodes: &[Node],
    pod: &Pod,
    wanted: &BTreeMap<String, u64>,
    events: &[Event],
) -> Wait {
    let uid = pod.metadata.uid.as_deref();
    let condition = pod
        .status
        .as_ref()
        .and_then(|status| status.conditions.as_ref())
        .and_then(|conditions| {
            conditions
                .iter()
                .find(|condition| condition.type_ == "PodScheduled" && condition.status == "False")
        })
        .and_then(|condition| condition.message.clone());
    let said = condition.or_else(|| {
        latest(events.iter().filter(|event| {
            event.reason.as_deref() == Some("FailedScheduling")
                && event.involved_object.uid.as_deref() == uid
        }))
        .and_then(|event| event.message.clone())
    });
    let mut reasons = reasons(inventory, nodes, pod, wanted);
    if reasons.is_empty() && said.is_none() {
        reasons.push(Reason::NotScheduledYet);
    }
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|owner| owner.controller == Some(true))
        .map(|owner| (owner.kind.clone(), owner.name.clone()));
    Wait {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        kind: "Pod".to_owned(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        owner,
        asked: wanted
            .iter()
            .map(|(name, amount)| (name.clone(), *amount))
            .collect(),
        said,
        reasons,
    }
}

/// The most recent of `events`.
fn latest<'a>(events: impl Iterator<Item = &'a Event>) -> Option<&'a Event> {
    events.max_by_key(|event| crate::detail::last_seen(event))
}

/// The node's label `key`.
fn label<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(key))
        .map(String::as_str)
}

fn name(node: &Node) -> String {
    node.metadata.name.clone().unwrap_or_default()
}

/// Why `pod` finds no node for `wanted`, step by step as the scheduler filters.
fn reasons(
    inventory: &Inventory,
    nodes: &[Node],
    pod: &Pod,
    wanted: &BTreeMap<String, u64>,
) -> Vec<Reason> {
    let has = |node: &Node, resource: &str| {
        node.status
            .as_ref()
            .and_then(|status| status.capacity.as_ref())
            .and_then(|capacity| capacity.get(resource))
            .is_some_and(|quantity| super::count(quantity) > 0)
    };
    let missing: Vec<Reason> = wanted
        .keys()
        .filter(|resource| !nodes.iter().any(|node| has(node, resource)))
        .map(|resource| Reason::NoNodeHas {
            resource: resource.clone(),
            offered: inventory.resources.clone(),
        })
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    let resource = wanted.keys().next().cloned().unwrap_or_default();
    let with_resource: Vec<&Node> = nodes
        .iter()
        .filter(|node| wanted.keys().all(|resource| has(node, resource)))
        .collect();
    let spec = pod.spec.clone().unwrap_or_default();
    let selected: Vec<&Node> = with_resource
        .iter()
        .copied()
        .filter(|node| selects(pod, node))
        .collect();
    if selected.is_empty() {
        let products = products_asked(pod);
        let present: Vec<String> = {
            let mut present: Vec<String> = with_resource
                .iter()
                .filter_map(|node| label(node, PRODUCT))
                .map(str::to_owned)
                .collect();
            present.sort();
            present.dedup();
            present
        };
        if !products.is_empty() && !products.iter().any(|product| present.contains(product)) {
            return vec![Reason::NoSuchProduct {
                asked: products,
                products: present,
            }];
        }
        return vec![Reason::SelectorMatchesNothing {
            selector: selector_text(&spec),
            resource,
        }];
    }
    let tolerations = spec.tolerations.clone().unwrap_or_default();
    let (up, down): (Vec<&Node>, Vec<&Node>) = selected.iter().partition(|node| {
        let cordoned = node
            .spec
            .as_ref()
            .and_then(|spec| spec.unschedulable)
            .unwrap_or(false);
        let ready = node
            .status
            .as_ref()
            .and_then(|status| status.conditions.as_ref())
            .is_some_and(|conditions| {
                conditions
                    .iter()
                    .any(|condition| condition.type_ == "Ready" && condition.status == "True")
            });
        ready && !cordoned
    });
    if up.is_empty() {
        return vec![Reason::Unavailable {
            nodes: down.iter().map(|node| name(node)).collect(),
        }];
    }
    let untolerated = |node: &Node| -> Option<Taint> {
        node.spec
            .as_ref()
            .and_then(|spec| spec.taints.as_ref())
            .into_iter()
            .flatten()
            .find(|taint| {
                matches!(taint.effect.as_str(), "NoSchedule" | "NoExecute")
                    && !tolerations
                        .iter()
                        .any(|toleration| tolerates(toleration, taint))
            })
            .cloned()
    };
    let fitting: Vec<&Node> = up
        .iter()
        .copied()
        .filter(|node| untolerated(node).is_none())
        .collect();
    if fitting.is_empty() {
        let taint = up.iter().find_map(|node| untolerated(node));
        return vec![Reason::TaintNotTolerated {
            taint: taint.map(|taint| taint_text(&taint)).unwrap_or_default(),
            nodes: up.iter().map(|node| name(node)).collect(),
        }];
    }
    let fitting_names: Vec<String> = fitting.iter().map(|node| name(node)).collect();
    let uses = |resource: &str| {
        inventory
            .nodes
            .iter()
            .filter(|node| fitting_names.contains(&node.name))
            .flat_map(|node| &node.resources)
            .filter(|used| used.resource == resource)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut found = Vec::new();
    for (resource, &amount) in wanted {
        let uses = uses(resource);
        let most = uses.iter().map(|used| used.allocatable).max().unwrap_or(0);
        if amount > most {
            found.push(Reason::MoreThanAnyNode {
                resource: resource.clone(),
                asked: amount,
                most,
            });
            continue;
        }
        let free = uses.iter().map(super::ResourceUse::free).max().unwrap_or(0);
        if amount > free {
            let holders = inventory
                .holders
                .iter()
                .filter(|holder| {
                    holder
                        .node
                        .as_ref()
                        .is_some_and(|node| fitting_names.contains(node))
                        && holder.resources.iter().any(|(held, _)| held == resource)
                        && !matches!(holder.phase.as_str(), "Succeeded" | "Failed")
                })
                .map(|holder| format!("{}/{}", holder.namespace, holder.name))
                .collect();
            found.push(Reason::NotEnoughFree {
                resource: resource.clone(),
                asked: amount,
                free,
                holders,
            });
        }
    }
    found
}

/// GPU Feature Discovery's product label.
const PRODUCT: &str = "nvidia.com/gpu.product";

/// The GPU products the pod's node selector or required affinity names.
fn products_asked(pod: &Pod) -> Vec<String> {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut products: Vec<String> = spec
        .node_selector
        .as_ref()
        .and_then(|selector| selector.get(PRODUCT))
        .cloned()
        .into_iter()
        .collect();
    for term in required_terms(&spec) {
        for expression in term.match_expressions.iter().flatten() {
            if expression.key == PRODUCT && expression.operator == "In" {
                products.extend(expression.values.iter().flatten().cloned());
            }
        }
    }
    products.sort();
    products.dedup();
    products
}

fn required_terms(spec: &k8s_openapi::api::core::v1::PodSpec) -> Vec<NodeSelectorTerm> {
    spec.affinity
        .as_ref()
        .and_then(|affinity| affinity.node_affinity.as_ref())
        .and_then(|affinity| {
            affinity
                .required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|required| required.node_selector_terms.clone())
        .unwrap_or_default()
}

/// Whether the pod's node selector and required node affinity pick `node`.
fn selects(pod: &Pod, node: &Node) -> bool {
    let spec = pod.spec.clone().unwrap_or_default();
    let selector_matches = spec
        .node_selector
        .iter()
        .flatten()
        .all(|(key, value)| label(node, key) == Some(value.as_str()));
    let terms = required_terms(&spec);
    let affinity_matches = terms.is_empty()
        || terms.iter().any(|term| {
            term.match_expressions
                .iter()
                .flatten()
                .all(|expression| expression_matches(expression, label(node, &expression.key)))
                && term.match_fields.iter().flatten().all(|expression| {
                    expression.key == "metadata.name"
                        && expression_matches(expression, node.metadata.name.as_deref())
                })
        });
    selector_matches && affinity_matches
}

fn expression_matches(expression: &NodeSelectorRequirement, found: Option<&str>) -> bool {
    let values: Vec<&str> = expression
        .values
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let number = |text: &str| text.parse::<i64>().ok();
    let compared = |order: std::cmp::Ordering| {
        found
            .and_then(number)
            .zip(values.first().and_then(|value| number(value)))
            .is_some_and(|(found, value)| found.cmp(&value) == order)
    };
    match expression.operator.as_str() {
        "In" => found.is_some_and(|value| values.contains(&value)),
        "NotIn" => found.is_none_or(|value| !values.contains(&value)),
        "Exists" => found.is_some(),
        "DoesNotExist" => found.is_none(),
        "Gt" => compared(std::cmp::Ordering::Greater),
        "Lt" => compared(std::cmp::Ordering::Less),
        _ => false,
    }
}

/// Whether `toleration` tolerates `taint`, as the scheduler decides it.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let key = toleration.key.as_deref().unwrap_or_default();
    let effect = toleration.effect.as_deref().unwrap_or_default();
    let exists = toleration.operator.as_deref() == Some("Exists");
    (key.is_empty() && exists || key == taint.key)
        && (effect.is_empty() || effect == taint.effect)
        && (exists
            || toleration.value.as_deref().unwrap_or_default()
                == taint.value.as_deref().unwrap_or_default())
}

fn taint_text(taint: &Taint) -> String {
    match taint.value.as_deref() {
        Some(value) if !value.is_empty() => format!("{}={value}:{}", taint.key, taint.effect),
        _ => format!("{}:{}", taint.key, taint.effect),
    }
}

/// The node selector and required affinity as `key=value, key In (a, b)`.
fn selector_text(spec: &k8s_openapi::api::core::v1::PodSpec) -> String {
    let mut parts: Vec<String> = spec
        .node_selector
        .iter()
        .flatten()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    for term in required_terms(spec) {
        for expression in term
            .match_expressions
            .iter()
            .chain(term.match_fields.iter())
            .flatten()
        {
            let values = expression.values.clone().unwrap_or_default().join(", ");
            parts.push(if values.is_empty() {
                format!("{} {}", expression.key, expression.operator)
            } else {
                format!("{} {} ({values})", expression.key, expression.operator)
            });
        }
    }
    parts.join(", ")
}

/// The workloads whose pods a quota refuses, from their controllers' `FailedCreate` events,
/// while they still lack pods: each is fetched to see that it is the one the event is about and
/// that it is short.
pub async fn refused(client: &kube::Client, events: &[Event]) -> Vec<Wait> {
    let mut by_object: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in events {
        if let (Some("FailedCreate"), Some(uid)) = (
            event.reason.as_deref(),
            event.involved_object.uid.as_deref(),
        ) {
            by_object.entry(uid).or_default().push(event);
        }
    }
    let mut waits = Vec::new();
    for told in by_object.into_values() {
        let Some(event) = latest(told.into_iter()) else {
            continue;
        };
        let message = event.message.clone().unwrap_or_default();
        let Some((_, reasons)) = quota_refusal(&message) else {
            continue;
        };
        let asked = asked_of_refusal(&reasons);
        if asked.is_empty() {
            continue;
        }
        let involved = &event.involved_object;
        let Some(object) = short_workload(client, involved).await else {
            continue;
        };
        let owner = object
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|owner| owner.controller == Some(true))
            .map(|owner| (owner.kind.clone(), owner.name.clone()));
        waits.push(Wait {
            namespace: involved.namespace.clone().unwrap_or_default(),
            kind: involved.kind.clone().unwrap_or_default(),
            name: involved.name.clone().unwrap_or_default(),
            owner,
            asked,
            said: Some(message),
            reasons,
        });
    }
    waits.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    waits
}

/// The workload `involved` names, when it is still there (the same one: its uid) and has fewer
/// pods than it wants.
async fn short_workload(
    client: &kube::Client,
    involved: &k8s_openapi::api::core::v1::ObjectReference,
) -> Option<kube::api::DynamicObject> {
    let (group, version) = match involved.api_version.as_deref()?.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", involved.api_version.as_deref()?),
    };
    let kind = involved.kind.as_deref()?;
    let resource =
        kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(group, version, kind));
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(client.clone(), involved.namespace.as_deref()?, &resource);
    let object = tokio::time::timeout(
        crate::connect::REQUEST_TIMEOUT,
        api.get_opt(involved.name.as_deref()?),
    )
    .await
    .ok()?
    .ok()??;
    if object.metadata.uid != involved.uid {
        return None;
    }
    let number = |pointer: &str| {
        object
            .data
            .pointer(pointer)
            .and_then(serde_json::Value::as_i64)
    };
    let short = match kind {
        "Job" => !object
            .data
            .pointer("/status/conditions")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .any(|condition| {
                matches!(condition["type"].as_str(), Some("Complete" | "Failed"))
                    && condition["status"] == "True"
            }),
        "DaemonSet" => {
            number("/status/currentNumberScheduled") < number("/status/desiredNumberScheduled")
        }
        _ => number("/status/replicas").unwrap_or(0) < number("/spec/replicas").unwrap_or(1),
    };
    short.then_some(object)
}

/// A `FailedCreate` event's quota refusal: the quota and, per key, what was requested, used and
/// limited (`exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=4, used: …, limited: …`).
pub fn quota_refusal(message: &str) -> Option<(String, Vec<Reason>)> {
    let (_, rest) = message.split_once("exceeded quota: ")?;
    let (quota, rest) = rest.split_once(", requested: ")?;
    let (requested, rest) = rest.split_once(", used: ")?;
    let (used, limited) = rest.split_once(", limited: ")?;
    let pairs = |list: &str| -> BTreeMap<String, String> {
        list.split(',')
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    };
    let (used, limited) = (pairs(used), pairs(limited));
    let reasons = pairs(requested)
        .into_iter()
        .map(|(key, requested)| Reason::QuotaExceeded {
            used: used.get(&key).cloned().unwrap_or_default(),
            limited: limited.get(&key).cloned().unwrap_or_default(),
            key,
            requested,
            quota: quota.to_owned(),
        })
        .collect();
    Some((quota.to_owned(), reasons))
}

/// The GPU resources one refused pod asks for, from its quota reasons' `requests.<gpu>` keys.
pub fn asked_of_refusal(reasons: &[Reason]) -> Vec<(String, u64)> {
    reasons
        .iter()
        .filter_map(|reason| match reason {
            Reason::QuotaExceeded { key, requested, .. } => {
                let resource = key.strip_prefix("requests.")?;
                is_gpu_resource(resource)
                    .then(|| (resource.to_owned(), requested.parse().unwrap_or_default()))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_refusal_is_read_key_by_key() {
        let (quota, reasons) = quota_refusal(
            "Error creating: pods \"train-x\" is forbidden: exceeded quota: gpu-quota, requested: requests.cpu=2,requests.nvidia.com/gpu=4, used: requests.cpu=10,requests.nvidia.com/gpu=8, limited: requests.cpu=11,requests.nvidia.com/gpu=8",
        )
        .unwrap();
        assert_eq!(quota, "gpu-quota");
        assert_eq!(
            reasons[1],
            Reason::QuotaExceeded {
                quota: "gpu-quota".into(),
                key: "requests.nvidia.com/gpu".into(),
                requested: "4".into(),
                used: "8".into(),
                limited: "8".into(),
            }
        );
        assert_eq!(
            asked_of_refusal(&reasons),
            [("nvidia.com/gpu".to_owned(), 4)]
        );
        assert!(quota_refusal("Error creating: pods \"x\" is forbidden: no").is_none());
    }

    #[test]
    fn tolerations_match_taints_as_the_scheduler_matches_them() {
        let taint = Taint {
            key: "nvidia.com/gpu".into(),
            value: Some("present".into()),
            effect: "NoSchedule".into(),
            ..Taint::default()
        };
        let toleration = |key: &str, operator: &str, value: &str, effect: &str| Toleration {
            key: Some(key.into()).filter(|key: &String| !key.is_empty()),
            operator: Some(operator.into()),
            value: Some(value.into()).filter(|value: &String| !value.is_empty()),
            effect: Some(effect.into()).filter(|effect: &String| !effect.is_empty()),
            ..Toleration::default()
        };
        assert!(tolerates(
            &toleration("nvidia.com/gpu", "Exists", "", ""),
            &taint
        ));
        assert!(tolerates(&toleration("", "Exists", "", ""), &taint));
        assert!(tolerates(
            &toleration("nvidia.com/gpu", "Equal", "present", "NoSchedule"),
            &taint
        ));
        assert!(!tolerates(
            &toleration("nvidia.com/gpu", "Equal", "absent", "NoSchedule"),
            &taint
        ));
        assert!(!tolerates(
            &toleration("nvidia.com/gpu", "Exists", "", "NoExecute"),
            &taint
        ));
        assert_eq!(taint_text(&taint), "nvidia.com/gpu=present:NoSchedule");
    }
}
