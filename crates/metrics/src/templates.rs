//! The dashboards KubeDesk ships, kept as native dashboards in `assets/dashboards/`: the cluster,
//! a node, a namespace and a workload over kube-state-metrics and the kubelets' cAdvisor, as
//! KubeSphere's console shows them; and the GPU dashboard over NVIDIA dcgm-exporter's metrics
//! (KubeSphere's GPU overview panels, Xid errors, and GPU use per pod).

use crate::dashboard::Dashboard;

/// A built-in dashboard: its id and its native JSON.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "cluster",
        include_str!("../../../assets/dashboards/cluster.json"),
    ),
    ("node", include_str!("../../../assets/dashboards/node.json")),
    (
        "namespace",
        include_str!("../../../assets/dashboards/namespace.json"),
    ),
    (
        "workload",
        include_str!("../../../assets/dashboards/workload.json"),
    ),
    ("gpu", include_str!("../../../assets/dashboards/gpu.json")),
];

/// The built-in dashboards, by id, in the order they are listed.
pub fn built_in() -> Vec<(&'static str, Dashboard)> {
    BUILT_IN
        .iter()
        .filter_map(|(id, text)| Some((*id, serde_json::from_str(text).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_dashboard_reads() {
        for (id, text) in BUILT_IN {
            let dashboard: Result<Dashboard, _> = serde_json::from_str(text);
            assert!(dashboard.is_ok(), "{id}: {dashboard:?}");
        }
        assert_eq!(built_in().len(), BUILT_IN.len());
    }
}
