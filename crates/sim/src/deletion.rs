//! Deletion as the API server and its garbage collector do it: preconditions, finalizers, graceful
//! pod termination, and owner-reference cascades (background, foreground, orphan).

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::catalogue::ResourceType;
use crate::objects::{field, timestamp};
use crate::query::Query;
use crate::status::Failure;
use crate::store::StoreError;
use crate::{Cluster, Timer};

/// The longest a terminating pod is kept before the simulated kubelet removes it. Real pods take up
/// to their grace period (30 s by default); the demo and tests need not wait that long to see it.
const MOST_GRACE: Duration = Duration::from_secs(2);

/// How dependents are treated when their owner is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// The owner goes now; the garbage collector deletes its dependents.
    Background,
    /// The dependents go first, then the owner.
    Foreground,
    /// The dependents stay, without their owner reference.
    Orphan,
}

/// A `DeleteOptions`, from the body or the query.
#[derive(Debug, Clone)]
pub struct DeleteOptions {
    /// How dependents are treated.
    pub propagation: Propagation,
    /// Seconds a pod may take to terminate; 0 removes it at once.
    pub grace_seconds: Option<i64>,
    /// Delete only if the object still has this uid.
    pub uid: Option<String>,
    /// Delete only if the object is still at this resource version.
    pub resource_version: Option<String>,
    /// Answer as if deleted, change nothing.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// How controllers and the garbage collector delete: no preconditions, the object's own grace
    /// period, dependents by `propagation`.
    pub fn propagating(propagation: Propagation) -> Self {
        Self {
            propagation,
            grace_seconds: None,
            uid: None,
            resource_version: None,
            dry_run: false,
        }
    }

    /// Reads the options; the body wins over the query, as upstream merges them.
    pub fn parse(body: &Value, query: &Query) -> Result<Self, Failure> {
        let text = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| query.get(key).map(str::to_owned))
        };
        let orphan = body
            .get("orphanDependents")
            .and_then(Value::as_bool)
            .or_else(|| {
                query
                    .get("orphanDependents")
                    .map(|_| query.flag("orphanDependents"))
            });
        let propagation = match (text("propagationPolicy").as_deref(), orphan) {
            (Some("Foreground"), _) => Propagation::Foreground,
            (Some("Orphan"), _) | (None, Some(true)) => Propagation::Orphan,
            (Some("Background") | None, _) => Propagation::Background,
            (Some(other), _) => {
                return Err(Failure::bad_request(format!(
                    "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
                )));
            }
        };
        let grace_seconds = body
            .get("gracePeriodSeconds")
            .and_then(Value::as_i64)
            .or_else(|| {
                query
                    .get("gracePeriodSeconds")
                    .and_then(|seconds| seconds.parse().ok())
            });
        let dry_run = body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|modes| modes.iter().any(|mode| mode == "All"))
            || query.get("dryRun") == Some("All");
        Ok(Self {
            propagation,
            grace_seconds,
            uid: body
                .pointer("/preconditions/uid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            resource_version: body
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_owned),
            dry_run,
        })
    }
}

/// Deletes one object and answers with what the client sees: the object as it was removed, or the
/// object still terminating (finalizers, graceful pods).
pub fn delete(
    cluster: &Cluster,
    resource: &ResourceType,
    namespace: &str,
    name: &str,
    options: &DeleteOptions,
) -> Result<Value, Failure> {
    let key = resource.store_key();
    let current = cluster
        .store
        .get(&key, namespace, name)
        .ok_or_else(|| Failure::not_found(resource, name))?;
    if options
        .uid
        .as_deref()
        .is_some_and(|uid| uid != field(&current, "/metadata/uid"))
        || options
            .resource_version
            .as_deref()
            .is_some_and(|version| version != field(&current, "/metadata/resourceVersion"))
    {
        return Err(Failure::conflict(resource, name));
    }
    if options.dry_run {
        return Ok(current);
    }
    let uid = field(&current, "/metadata/uid").to_owned();
    if options.propagation == Propagation::Foreground {
        cascade(cluster, &uid, Propagation::Foreground);
    }
    // A namespace's `spec.finalizers` (`kubernetes`) hold it until its contents are gone.
    let has_finalizers = ["/metadata/finalizers", "/spec/finalizers"]
        .iter()
        .any(|pointer| {
            current
                .pointer(pointer)
                .and_then(Value::as_array)
                .is_some_and(|finalizers| !finalizers.is_empty())
        });
    let pod_grace = (resource.group.is_empty() && resource.plural == "pods")
        .then(|| {
            options
                .grace_seconds
                .or_else(|| {
                    current
                        .pointer("/spec/terminationGracePeriodSeconds")
                        .and_then(Value::as_i64)
                })
                .unwrap_or(30)
        })
        .filter(|grace| *grace > 0 && current.pointer("/spec/nodeName").is_some());
    let result = if has_finalizers || pod_grace.is_some() {
        // The object stays, marked for deletion, until its finalizers are gone or the pod stops.
        if current.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(current);
        }
        let mut marked = current.clone();
        marked["metadata"]["deletionTimestamp"] = json!(timestamp(Utc::now()));
        if resource.group.is_empty() && resource.plural == "namespaces" {
            marked["status"]["phase"] = json!("Terminating");
        }
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(pod_grace.unwrap_or(0));
        let version = field(&current, "/metadata/resourceVersion").to_owned();
        let saved = cluster
            .store
            .replace(&key, namespace, name, Some(&version), marked)
            .map_err(|error| store_failure(resource, name, &error))?;
        if let Some(grace) = pod_grace.filter(|_| !has_finalizers) {
            let wait = Duration::from_secs(u64::try_from(grace).unwrap_or(0)).min(MOST_GRACE);
            cluster.schedule(
                Instant::now() + wait,
                Timer::Remove {
                    key: key.clone(),
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                },
            );
        }
        saved
    } else {
        cluster
            .store
            .delete(&key, namespace, name)
            .map_err(|error| store_failure(resource, name, &error))?
    };
    match options.propagation {
        Propagation::Background => cascade(cluster, &uid, Propagation::Background),
        Propagation::Orphan => orphan(cluster, &uid),
        Propagation::Foreground => {}
    }
    Ok(result)
}

fn store_failure(resource: &ResourceType, name: &str, error: &StoreError) -> Failure {
    match error {
        StoreError::NotFound => Failure::not_found(resource, name),
        StoreError::Conflict | StoreError::AlreadyExists => Failure::conflict(resource, name),
    }
}

/// Every object whose owner references name `uid`: its resource type, namespace and name.
fn dependents(cluster: &Cluster, uid: &str) -> Vec<(ResourceType, String, String)> {
    let mut found = Vec::new();
    for resource in cluster.catalogue().iter() {
        let (_, objects) = cluster.store.list(&resource.store_key(), None);
        for object in objects {
            let owned = object
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|owners| owners.iter().any(|owner| owner["uid"] == uid));
            if owned {
                found.push((
                    resource.clone(),
                    field(&object, "/metadata/namespace").to_owned(),
                    field(&object, "/metadata/name").to_owned(),
                ));
            }
        }
    }
    found
}

/// Deletes the dependents of `uid`, and theirs, as the garbage collector does.
fn cascade(cluster: &Cluster, uid: &str, propagation: Propagation) {
    let options = DeleteOptions::propagating(propagation);
    for (resource, namespace, name) in dependents(cluster, uid) {
        // A dependent already gone is fine: something else deleted it first.
        let _ = delete(cluster, &resource, &namespace, &name, &options);
    }
}

/// Removes the owner reference to `uid` from its dependents.
fn orphan(cluster: &Cluster, uid: &str) {
    for (resource, namespace, name) in dependents(cluster, uid) {
        let key = resource.store_key();
        let Some(mut object) = cluster.store.get(&key, &namespace, &name) else {
            continue;
        };
        let version = field(&object, "/metadata/resourceVersion").to_owned();
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            let owners = metadata
                .get_mut("ownerReferences")
                .and_then(Value::as_array_mut);
            // An empty list is left out, as the real server's `omitempty` leaves it out.
            if owners.is_some_and(|owners| {
                owners.retain(|owner| owner["uid"] != uid);
                owners.is_empty()
            }) {
                metadata.remove("ownerReferences");
            }
        }
        let _ = cluster
            .store
            .replace(&key, &namespace, &name, Some(&version), object);
    }
}

/// After a write: an object marked for deletion whose last finalizer is gone is removed now.
pub fn finish_if_finalized(cluster: &Cluster, resource: &ResourceType, saved: &Value) {
    let marked = saved.pointer("/metadata/deletionTimestamp").is_some();
    let finalizers = ["/metadata/finalizers", "/spec/finalizers"]
        .iter()
        .any(|pointer| {
            saved
                .pointer(pointer)
                .and_then(Value::as_array)
                .is_some_and(|finalizers| !finalizers.is_empty())
        });
    let graceful_pod = resource.plural == "pods"
        && saved
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .is_some_and(|grace| grace > 0);
    if marked && !finalizers && !graceful_pod {
        let _ = cluster.store.delete(
            &resource.store_key(),
            field(saved, "/metadata/namespace"),
            field(saved, "/metadata/name"),
        );
    }
}
