//! The `pods/eviction` subresource, as `kubectl drain` uses it: a pod is deleted unless that
//! would leave a PodDisruptionBudget that selects it with fewer healthy pods than it needs, which
//! is answered 429 with the budget's arithmetic, in upstream's words.

use serde_json::{Value, json};

use crate::Cluster;
use crate::catalogue::ResourceType;
use crate::deletion::{self, DeleteOptions};
use crate::objects::field;
use crate::query::Query;
use crate::selector::LabelSelector;
use crate::status::Failure;

const BUDGETS: &str = "policy/poddisruptionbudgets";

/// Evicts pod `name` in `namespace`: the answer is 201 with a `Status` of success, or the
/// failure that stopped it.
pub fn evict(
    cluster: &Cluster,
    pods: &ResourceType,
    namespace: &str,
    name: &str,
    body: &Value,
    query: &Query,
) -> Result<Value, Failure> {
    let pod = cluster
        .store
        .get(&pods.store_key(), namespace, name)
        .ok_or_else(|| Failure::not_found(pods, name))?;
    let found = field(body, "/metadata/name");
    if !found.is_empty() && found != name {
        return Err(Failure::bad_request(format!(
            "name in URL does not match name in Eviction object: {name} != {found}"
        )));
    }
    let options = DeleteOptions::parse(body.get("deleteOptions").unwrap_or(&Value::Null), query)?;
    // A pod already going, or one that is not running, is no disruption.
    let phase = field(&pod, "/status/phase");
    let ignores_budgets = pod.pointer("/metadata/deletionTimestamp").is_some()
        || matches!(phase, "Succeeded" | "Failed" | "Pending");
    if !ignores_budgets {
        check_budgets(cluster, pods, namespace, &pod)?;
    }
    deletion::delete(cluster, pods, namespace, name, &options)?;
    Ok(
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    )
}

fn check_budgets(
    cluster: &Cluster,
    pods: &ResourceType,
    namespace: &str,
    pod: &Value,
) -> Result<(), Failure> {
    let (_, budgets) = cluster.store.list(BUDGETS, Some(namespace));
    let selecting: Vec<(Value, LabelSelector)> = budgets
        .into_iter()
        .filter_map(|budget| {
            let selector = LabelSelector::from_object(&budget["spec"]["selector"])?;
            Some((budget, selector))
        })
        .filter(|(_, selector)| selector.matches(pod))
        .collect();
    let [(budget, selector)] = selecting.as_slice() else {
        return if selecting.is_empty() {
            Ok(())
        } else {
            Err(Failure::internal(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ))
        };
    };
    let (_, candidates) = cluster.store.list(&pods.store_key(), Some(namespace));
    let selected: Vec<&Value> = candidates
        .iter()
        .filter(|candidate| selector.matches(candidate))
        .filter(|candidate| candidate.pointer("/metadata/deletionTimestamp").is_none())
        .filter(|candidate| !matches!(field(candidate, "/status/phase"), "Succeeded" | "Failed"))
        .collect();
    let expected = i64::try_from(selected.len()).unwrap_or(i64::MAX);
    let healthy = i64::try_from(selected.iter().filter(|pod| ready(pod)).count()).unwrap_or(0);
    let spec = &budget["spec"];
    let desired = if let Some(minimum) = spec.get("minAvailable") {
        scaled(minimum, expected)
    } else if let Some(maximum) = spec.get("maxUnavailable") {
        (expected - scaled(maximum, expected)).max(0)
    } else {
        0
    };
    // An unready pod may go while the budget is met (the default `IfHealthyBudget` policy).
    let allowed = if ready(pod) {
        healthy - desired > 0
    } else {
        healthy >= desired
    };
    if allowed {
        return Ok(());
    }
    Err(Failure::disruption_budget(format!(
        "The disruption budget {} needs {desired} healthy pods and has {healthy} currently",
        field(budget, "/metadata/name")
    )))
}

/// A number, or a percentage of `of` rounded up, as the disruption controller scales them.
fn scaled(value: &Value, of: i64) -> i64 {
    match value {
        Value::Number(number) => number.as_i64().unwrap_or(0),
        Value::String(text) => text
            .strip_suffix('%')
            .and_then(|percent| percent.parse::<i64>().ok())
            .map_or(0, |percent| (percent * of + 99) / 100),
        _ => 0,
    }
}

fn ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|condition| condition["type"] == "Ready" && condition["status"] == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_scale_numbers_and_percentages_up() {
        assert_eq!(scaled(&json!(2), 10), 2);
        assert_eq!(scaled(&json!("50%"), 3), 2);
        assert_eq!(scaled(&json!("100%"), 4), 4);
        assert_eq!(scaled(&json!("junk"), 4), 0);
    }
}
