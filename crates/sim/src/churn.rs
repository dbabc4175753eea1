//! Load for benchmarks: running pods whose containers restart, so many a second that every watch
//! of pods sees a steady stream of changes (`Cluster::churn`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::Cluster;

/// How many pod changes a second, and which pods get them next.
#[derive(Debug, Default)]
pub struct Churn {
    per_second: AtomicU32,
    next: AtomicUsize,
    pods: Mutex<Vec<(String, String)>>,
}

impl Churn {
    /// Sets the rate (0 stops it).
    pub fn set(&self, per_second: u32) {
        self.per_second.store(per_second, Ordering::Relaxed);
    }
}

/// One tick's share (`tick_ms` of a second) of the changes: the next pods in turn count one more
/// container restart.
pub(crate) fn on_tick(cluster: &Cluster, tick_ms: u32) {
    let churn = &cluster.churn;
    let count = churn.per_second.load(Ordering::Relaxed) * tick_ms / 1000;
    if count == 0 {
        return;
    }
    let mut pods = churn
        .pods
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if pods.is_empty() {
        cluster.store.visit("/pods", None, |pod| {
            let text = |pointer: &str| {
                pod.pointer(pointer)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            pods.push((text("/metadata/namespace"), text("/metadata/name")));
        });
    }
    if pods.is_empty() {
        return;
    }
    for _ in 0..count {
        let at = churn.next.fetch_add(1, Ordering::Relaxed) % pods.len();
        let (namespace, name) = &pods[at];
        let Some(mut pod) = cluster.store.get("/pods", namespace, name) else {
            continue;
        };
        if let Some(status) = pod.pointer_mut("/status/containerStatuses/0") {
            let restarts = status["restartCount"].as_i64().unwrap_or(0) + 1;
            status["restartCount"] = json!(restarts);
        }
        let _ = cluster.store.replace("/pods", namespace, name, None, pod);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restarts(cluster: &Cluster) -> i64 {
        let (_, pods) = cluster.store.list("/pods", None);
        pods.iter()
            .filter_map(|pod| pod.pointer("/status/containerStatuses/0/restartCount"))
            .filter_map(Value::as_i64)
            .sum()
    }

    #[test]
    fn each_tick_restarts_its_share_of_pods_in_turn() {
        let cluster = crate::demo::dev().unwrap();
        let before = restarts(&cluster);
        let revision = cluster.store.revision();
        on_tick(&cluster, 100);
        assert_eq!(cluster.store.revision(), revision, "no churn, no change");
        cluster.churn.set(50);
        on_tick(&cluster, 100);
        assert_eq!(restarts(&cluster), before + 5);
        assert_eq!(
            cluster.store.revision(),
            revision + 5,
            "one change per restart"
        );
    }
}
