//! `watch_object` and `stop_object`.

use kubedesk_cluster::Client;
use kubedesk_cluster::access;
use kubedesk_cluster::actions::{self, ActionKind, ObjectRef};
use kubedesk_cluster::detail;
use kubedesk_cluster::storage;
use kubedesk_ipc as ipc;

use super::convert;
use crate::App;
use crate::clusters::client;
use crate::subscriptions::Subscriptions;
use crate::tables::UPDATE_EVERY;

/// The followed objects' subscriptions.
pub type Followed = Subscriptions<()>;

/// Follows an object: `send` gets its detail now and whenever it changes, and answers `false`
/// once nobody listens. The answer says which actions the user may take on it, as the server's
/// access reviews say.
pub async fn watch_object(
    app: &App,
    request: ipc::WatchObject,
    send: impl Fn(ipc::ObjectUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::ObjectSubscription, ipc::Error> {
    let key = request.object;
    let client = client::client(app, &key.context).await?;
    let object = convert::object(app, &client, &key).await?;
    let offered = actions::offered(&object.resource);
    let mut asked = Vec::new();
    let mut spans = Vec::new();
    for action in offered {
        let needs = action.needs(&object);
        spans.push(needs.len());
        asked.extend(needs);
    }
    let verdicts = access::can(&client, &asked).await.map_err(|error| {
        client::unavailable(
            format!(
                "What you may do with {object} in context {} could not be read: {error}",
                key.context
            ),
            "The Clusters page shows the cluster's state; reload once it is ready.",
        )
    })?;
    let mut answers = asked.iter().zip(verdicts);
    // Each action with the permissions it misses.
    let access: Vec<(ActionKind, Vec<String>)> = offered
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
        .collect();
    let actions = offers(&client, &object, &access).await;
    let kind = object.resource.kind.clone();
    // What a volume's or persistent volume's state allows changes with it (bound, mounted).
    let follows_state = storage_state(&object);
    let watch = detail::follow(&client, object.clone());
    let task = tokio::spawn(async move {
        let mut changes = watch.changes();
        loop {
            let mut update = convert::update(changes.borrow_and_update().clone());
            if follows_state {
                update.actions = Some(offers(&client, &object, &access).await);
            }
            if !send(update) || changes.changed().await.is_err() {
                return;
            }
            tokio::time::sleep(UPDATE_EVERY).await;
        }
    });
    let id = app.followed.add((), task);
    Ok(ipc::ObjectSubscription { id, kind, actions })
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
