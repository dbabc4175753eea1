//! A kubeadm control plane as a cluster shows it: static pods in `kube-system` (mirror pods owned
//! by their node, labelled `component` and `tier=control-plane`), the leader-election Leases of
//! the scheduler and the controller manager, and etcd's metrics, served through the pod proxy
//! when etcd listens for them on the pod's address (`--listen-metrics-urls=http://0.0.0.0:2381`).

use serde_json::json;

use super::{Seeded, running, seed};
use crate::Cluster;

/// The control plane's components: name, image, CPU request.
const COMPONENTS: &[(&str, &str, &str)] = &[
    ("etcd", "registry.k8s.io/etcd:3.5.16-0", "100m"),
    (
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.32.4",
        "250m",
    ),
    (
        "kube-controller-manager",
        "registry.k8s.io/kube-controller-manager:v1.32.4",
        "200m",
    ),
    (
        "kube-scheduler",
        "registry.k8s.io/kube-scheduler:v1.32.4",
        "100m",
    ),
];

/// The control plane of a single-node cluster on `node`, its etcd the leader of one member.
pub(super) fn single_node(cluster: &Cluster, node: &str) -> Seeded {
    let mut labelled = cluster
        .store
        .get("/nodes", "", node)
        .ok_or_else(|| json!({"message": format!("no node {node}")}))?;
    labelled["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = json!("");
    cluster
        .store
        .replace("/nodes", "", node, None, labelled)
        .map_err(|error| json!({"message": error.to_string()}))?;
    for (index, (component, image, cpu)) in COMPONENTS.iter().enumerate() {
        let mut annotations = json!({
            "kubernetes.io/config.source": "file",
            "kubernetes.io/config.mirror": format!("{:032x}", index + 1),
        });
        if *component == "etcd" {
            let metrics = "# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.\n\
                # TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n\
                # HELP etcd_server_is_leader Whether or not this member is a leader. 1 if is, 0 otherwise.\n\
                # TYPE etcd_server_is_leader gauge\netcd_server_is_leader 1\n\
                # HELP etcd_server_leader_changes_seen_total The number of leader changes seen.\n\
                # TYPE etcd_server_leader_changes_seen_total counter\netcd_server_leader_changes_seen_total 1\n";
            annotations["sim.kubedesk.io/serves"] =
                json!(json!({"2381/metrics": metrics}).to_string());
        }
        let mut status = running(component, image, 200 + index);
        status["podIP"] = json!("10.0.0.16");
        status["qosClass"] = json!("Burstable");
        seed(
            cluster,
            "",
            "pods",
            "kube-system",
            json!({
                "metadata": {
                    "name": format!("{component}-{node}"),
                    "labels": {"component": component, "tier": "control-plane"},
                    "annotations": annotations,
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": format!("node-{node}"), "controller": true}],
                },
                "spec": {
                    "nodeName": node, "hostNetwork": true, "priorityClassName": "system-node-critical",
                    "containers": [{"name": component, "image": image, "resources": {"requests": {"cpu": cpu}}}],
                },
                "status": status,
            }),
        )?;
    }
    for component in ["kube-scheduler", "kube-controller-manager"] {
        seed(
            cluster,
            "coordination.k8s.io",
            "leases",
            "kube-system",
            json!({
                "metadata": {"name": component},
                "spec": {
                    "holderIdentity": format!("{node}_6f1c2a9e-3d4b-4c8e-9a51-{:012x}", component.len()),
                    "leaseDurationSeconds": 15, "leaseTransitions": 1,
                    "acquireTime": "2026-11-05T09:12:44.000000Z",
                    "renewTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                },
            }),
        )?;
    }
    Ok(())
}
