//! `watch_object` and `stop_object`.

use kubedesk_cluster::Client;
use kubedesk_cluster::access;
use kubedesk_cluster::actions::{self, ActionKind, ObjectRef};
use kubedesk_cluster::detail::{self, Presence};
use kubedesk_cluster::storage;
use kubedesk_ipc as ipc;

use super::convert;
use crate::App;
use crate::clusters::client;
use crate::offline::read_only::ReadOnly;
use crate::offline::{KeptObject, PATIENCE};
use crate::subscriptions::Subscriptions;
use crate::tables::UPDATE_EVERY;

/// The followed objects' subscriptions.
pub type Followed = Subscriptions<()>;

/// Follows an object: `send` gets its detail now and whenever it changes, and answers `false`
/// once nobody listens. The answer says which actions the user may take on it, as the server's
/// access reviews say. An object seen before is shown as last seen (the offline store) while its
/// cluster has not answered or cannot be reached, read-only; each time it is seen it is kept.
pub async fn watch_object(
    app: &App,
    request: ipc::WatchObject,
    send: impl Fn(ipc::ObjectUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::ObjectSubscription, ipc::Error> {
    let key = request.object;
    let client = match client::cluster(app, &key.context).await? {
        client::Cluster::Live(client) => client,
        client::Cluster::Kept(kept) => return watch_kept(app, &kept, &key, send),
    };
    let object = convert::object(app, &client, &key).await?;
    let kept = KeptObject::of(app, &key.context, &object);
    let mut last_seen = kept.as_ref().and_then(KeptObject::read);
    // An object seen before does not wait for a cluster slow to answer (or not answering): it
    // opens read-only as last seen, and the permissions are asked again once it answers.
    let asked = permissions(&client, &object, &key.context);
    let answer = if last_seen.is_some() {
        tokio::time::timeout(PATIENCE, asked).await.ok()
    } else {
        Some(asked.await)
    };
    let access: Option<Vec<(ActionKind, Vec<String>)>> = match answer {
        Some(Ok(access)) => Some(access),
        Some(Err(error)) if last_seen.is_none() => return Err(error),
        Some(Err(_)) | None => None,
    };
    let actions = match &access {
        Some(access) => offers(&client, &object, access).await,
        None => read_only(&object, &key.context),
    };
    let kind = object.resource.kind.clone();
    // What a volume's or persistent volume's state allows changes with it (bound, mounted).
    let follows_state = storage_state(&object);
    let watch = detail::follow(&client, object.clone());
    let context = key.context;
    let task = tokio::spawn(async move {
        let mut changes = watch.changes();
        let mut access = access;
        let mut was_offline = false;
        loop {
            let mut live = changes.borrow_and_update().clone();
            let shown =
                match (&live.presence, &last_seen) {
                    (Presence::Found, _) => {
                        if let Some(kept) = &kept {
                            last_seen = kept.keep(&live);
                        }
                        None
                    }
                    (Presence::Loading, Some((object_seen, events, as_of))) => Some(
                        detail::stored(&object.resource, object_seen, events.clone(), *as_of, None),
                    ),
                    (Presence::Failed(message), Some((object_seen, events, as_of))) => {
                        Some(detail::stored(
                            &object.resource,
                            object_seen,
                            events.clone(),
                            *as_of,
                            Some(message.clone()),
                        ))
                    }
                    _ => None,
                };
            // As last seen, read-only: nothing is done to (or edited from) what may be stale.
            let offline = shown.is_some();
            if let Some(shown) = shown {
                live = shown;
            }
            let mut update = convert::update(live);
            if offline {
                update.actions = Some(read_only(&object, &context));
            } else {
                let asked_now = access.is_none();
                if asked_now {
                    access = permissions(&client, &object, &context).await.ok();
                }
                if let Some(access) = &access
                    && (follows_state || was_offline || asked_now)
                {
                    update.actions = Some(offers(&client, &object, access).await);
                }
            }
            was_offline = offline;
            if !send(update) || changes.changed().await.is_err() {
                return;
            }
            tokio::time::sleep(UPDATE_EVERY).await;
        }
    });
    let id = app.followed.add((), task);
    Ok(ipc::ObjectSubscription { id, kind, actions })
}

/// Shows an object of a read-only cluster as kept, once: it never changes, and nothing may be
/// done with it.
fn watch_kept(
    app: &App,
    kept: &ReadOnly,
    key: &ipc::ObjectKey,
    send: impl Fn(ipc::ObjectUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::ObjectSubscription, ipc::Error> {
    let object = ObjectRef {
        resource: crate::resources::resolve_kept(&kept.served(), &key.context, &key.kind)?,
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    };
    let refusal = kept.refusal().message;
    let actions: Vec<ipc::OfferedAction> = actions::offered(&object.resource)
        .iter()
        .map(|action| refused(*action, refusal.clone()))
        .collect();
    let update = match kept.object(&object).read() {
        Some((seen, events, as_of)) => {
            let mut update =
                convert::update(detail::stored(&object.resource, &seen, events, as_of, None));
            update.presence = ipc::Presence::ReadOnly {
                as_of: as_of.to_string(),
                source: kept.source.clone(),
            };
            update
        }
        None => ipc::ObjectUpdate {
            presence: ipc::Presence::Failed {
                message: format!(
                    "{object} was not kept: KubeDesk keeps an object once its page or table was opened while its cluster answered."
                ),
            },
            ..ipc::ObjectUpdate::default()
        },
    };
    let task = tokio::spawn(async move {
        send(update);
    });
    let id = app.followed.add((), task);
    Ok(ipc::ObjectSubscription {
        id,
        kind: object.resource.kind,
        actions,
    })
}

/// `action`, not allowed because `blocked`.
fn refused(action: ActionKind, blocked: String) -> ipc::OfferedAction {
    ipc::OfferedAction {
        action: convert::action_name(action),
        allowed: false,
        missing: None,
        blocked: Some(blocked),
        choices: Vec::new(),
        warning: None,
    }
}

/// Each action `object` offers with the permissions it misses, as the server's access reviews
/// say.
async fn permissions(
    client: &Client,
    object: &ObjectRef,
    context: &str,
) -> Result<Vec<(ActionKind, Vec<String>)>, ipc::Error> {
    let offered = actions::offered(&object.resource);
    let mut asked = Vec::new();
    let mut spans = Vec::new();
    for action in offered {
        let needs = action.needs(object);
        spans.push(needs.len());
        asked.extend(needs);
    }
    let verdicts = access::can(client, &asked).await.map_err(|error| {
        client::unavailable(
            format!(
                "What you may do with {object} in context {context} could not be read: {}",
                kubedesk_cluster::health::message(&error)
            ),
            "The Clusters page shows the cluster's state; reload once it is ready.",
        )
    })?;
    let mut answers = asked.iter().zip(verdicts);
    Ok(offered
        .iter()
        .zip(spans)
        .map(|(action, span)| {
            let missing = answers
                .by_ref()
                .take(span)
                .filter(|(_, verdict)| !verdict.allowed)
                .map(|(asked, _)| permission(asked))
                .collect();
            (*action, missing)
        })
        .collect())
}

/// The actions of an object shown as last seen: none may be taken until its cluster answers.
fn read_only(object: &ObjectRef, context: &str) -> Vec<ipc::OfferedAction> {
    let blocked = format!(
        "this is {object} as KubeDesk last saw it; read-only until context {context} answers"
    );
    actions::offered(&object.resource)
        .iter()
        .map(|action| refused(*action, blocked.clone()))
        .collect()
}

/// Whether what may be done with `object` depends on its state and its storage class: a volume
/// (PersistentVolumeClaim) or a persistent volume.
fn storage_state(object: &ObjectRef) -> bool {
    object.resource.group.is_empty()
        && matches!(
            object.resource.plural.as_str(),
            "persistentvolumeclaims" | "persistentvolumes"
        )
}

/// The actions offered on `object` as it is now: each allowed when the user's access allows it
/// (`access`: the permissions each misses) and the object does not stop it.
async fn offers(
    client: &Client,
    object: &ObjectRef,
    access: &[(ActionKind, Vec<String>)],
) -> Vec<ipc::OfferedAction> {
    let namespace = object.namespace.as_deref().unwrap_or_default();
    let is_volume = access
        .iter()
        .any(|(action, _)| *action == ActionKind::Expand);
    // A volume's storage class decides what may be done with it, whatever the user's access.
    let volume = if is_volume {
        storage::capabilities(client, namespace, &object.name)
            .await
            .ok()
            .map(|(_, allowed)| allowed)
    } else {
        None
    };
    // Deleting a volume that pods mount waits for them; deleting a bound volume loses its claim.
    let delete_warning = if is_volume {
        storage::users(client, namespace, &object.name)
            .await
            .ok()
            .filter(|pods| !pods.is_empty())
            .map(ipc::ActionWarning::MountedBy)
    } else if storage_state(object) {
        storage::claim_of(client, &object.name)
            .await
            .ok()
            .flatten()
            .map(ipc::ActionWarning::BoundTo)
    } else {
        None
    };
    access
        .iter()
        .map(|(action, missing)| {
            let (blocked, choices) = match (&volume, action) {
                (Some(volume), ActionKind::Expand) => (volume.expand.as_ref().err(), Vec::new()),
                (Some(volume), ActionKind::Clone) => (volume.clone.as_ref().err(), Vec::new()),
                (Some(volume), ActionKind::Snapshot) => (
                    volume.snapshot.as_ref().err(),
                    volume.snapshot_classes.clone(),
                ),
                _ => (None, Vec::new()),
            };
            ipc::OfferedAction {
                action: convert::action_name(*action),
                allowed: missing.is_empty() && blocked.is_none(),
                missing: (!missing.is_empty()).then(|| missing.join(", ")),
                blocked: blocked.map(ToString::to_string),
                choices,
                warning: (*action == ActionKind::Delete)
                    .then(|| delete_warning.clone())
                    .flatten(),
            }
        })
        .collect()
}

/// A permission as `kubectl auth can-i` is asked it: `patch deployments.apps/scale in sandbox`.
fn permission(action: &access::Action) -> String {
    let resource = match (action.group.as_str(), action.resource.split_once('/')) {
        ("", _) => action.resource.clone(),
        (group, Some((base, sub))) => format!("{base}.{group}/{sub}"),
        (group, None) => format!("{}.{group}", action.resource),
    };
    match &action.namespace {
        Some(namespace) => format!("{} {resource} in {namespace}", action.verb),
        None => format!("{} {resource}", action.verb),
    }
}

/// Stops following an object.
pub fn stop_object(app: &App, request: ipc::StopObject) -> Result<(), ipc::Error> {
    app.followed.stop(request.id)
}
