//! The namespace controllers: every namespace gets its `default` ServiceAccount and the
//! `kube-root-ca.crt` ConfigMap; a terminating namespace has its contents deleted, then its
//! `kubernetes` finalizer removed, and goes.

use serde_json::{Value, json};

use super::replace;
use crate::Cluster;
use crate::deletion::{self, DeleteOptions, Propagation};
use crate::objects::field;

const NAMESPACES: &str = "/namespaces";

/// One pass over every namespace.
pub fn pass(cluster: &Cluster) {
    let (_, namespaces) = cluster.store.list(NAMESPACES, None);
    for namespace in &namespaces {
        if namespace.pointer("/metadata/deletionTimestamp").is_some() {
            drain(cluster, namespace);
        } else {
            furnish(cluster, field(namespace, "/metadata/name"));
        }
    }
}

/// What every namespace has: the service account pods run as, and the cluster's CA for them.
fn furnish(cluster: &Cluster, namespace: &str) {
    if cluster
        .store
        .get("/serviceaccounts", namespace, "default")
        .is_none()
    {
        let _ = cluster.create(
            "",
            "serviceaccounts",
            namespace,
            json!({"metadata": {"name": "default"}}),
        );
    }
    if cluster
        .store
        .get("/configmaps", namespace, "kube-root-ca.crt")
        .is_none()
    {
        let ca = cluster.root_ca().unwrap_or_default();
        let _ = cluster.create(
            "",
            "configmaps",
            namespace,
            json!({"metadata": {"name": "kube-root-ca.crt", "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}}, "data": {"ca.crt": ca}}),
        );
    }
}

/// Deletes what a terminating namespace holds; once it is empty, lets it go.
fn drain(cluster: &Cluster, namespace: &Value) {
    let name = field(namespace, "/metadata/name");
    let options = DeleteOptions::propagating(Propagation::Background);
    let mut remaining = 0;
    for resource in cluster
        .catalogue()
        .iter()
        .filter(|resource| resource.namespaced && !resource.review)
    {
        let (_, objects) = cluster.store.list(&resource.store_key(), Some(name));
        remaining += objects.len();
        for object in objects
            .iter()
            .filter(|object| object.pointer("/metadata/deletionTimestamp").is_none())
        {
            // Already gone is what was wanted.
            let _ = deletion::delete(
                cluster,
                resource,
                name,
                field(object, "/metadata/name"),
                &options,
            );
        }
    }
    if remaining > 0 {
        return;
    }
    let mut next = namespace.clone();
    next["spec"]["finalizers"] = json!([]);
    replace(cluster, NAMESPACES, namespace, next);
    if let (Some(saved), Some(resource)) = (
        cluster.store.get(NAMESPACES, "", name),
        cluster.resource("", "namespaces"),
    ) {
        deletion::finish_if_finalized(cluster, &resource, &saved);
    }
}
