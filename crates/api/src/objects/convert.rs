//! Object types between the domain and the wire.

use kubedesk_cluster::actions::{Action, ActionKind, DrainOptions, ObjectRef, Propagation};
use kubedesk_cluster::detail::{Detail, Presence};
use kubedesk_cluster::storage::Switches;
use kubedesk_cluster::storage::create::VolumeSettings;
use kubedesk_ipc as ipc;

use crate::App;
use crate::tables::convert::{cell, row, table_kind};
use kubedesk_cluster::Client;

/// The object `key` names, its resource resolved in its cluster.
pub(crate) async fn object(
    app: &App,
    client: &Client,
    key: &ipc::ObjectKey,
) -> Result<ObjectRef, ipc::Error> {
    Ok(ObjectRef {
        resource: crate::resources::resolve(app, client, &key.context, &key.kind).await?,
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    })
}

pub(super) fn action_name(action: ActionKind) -> ipc::ActionName {
    match action {
        ActionKind::Scale => ipc::ActionName::Scale,
        ActionKind::Restart => ipc::ActionName::Restart,
        ActionKind::Delete => ipc::ActionName::Delete,
        ActionKind::Trigger => ipc::ActionName::Trigger,
        ActionKind::Cordon => ipc::ActionName::Cordon,
        ActionKind::Uncordon => ipc::ActionName::Uncordon,
        ActionKind::Drain => ipc::ActionName::Drain,
        ActionKind::Edit => ipc::ActionName::Edit,
        ActionKind::Logs => ipc::ActionName::Logs,
        ActionKind::Expand => ipc::ActionName::Expand,
        ActionKind::Clone => ipc::ActionName::Clone,
        ActionKind::Snapshot => ipc::ActionName::Snapshot,
        ActionKind::Restore => ipc::ActionName::Restore,
        ActionKind::MakeDefault => ipc::ActionName::MakeDefault,
        ActionKind::Switches => ipc::ActionName::Switches,
        ActionKind::VolumeSettings => ipc::ActionName::VolumeSettings,
    }
}

pub(super) fn action(action: &ipc::ObjectAction) -> Action {
    match action {
        ipc::ObjectAction::Scale { replicas } => Action::Scale(*replicas),
        ipc::ObjectAction::Restart => Action::Restart,
        ipc::ObjectAction::Delete { propagation } => Action::Delete(match propagation {
            ipc::Propagation::Background => Propagation::Background,
            ipc::Propagation::Foreground => Propagation::Foreground,
            ipc::Propagation::Orphan => Propagation::Orphan,
        }),
        ipc::ObjectAction::Trigger => Action::Trigger,
        ipc::ObjectAction::Cordon => Action::Cordon,
        ipc::ObjectAction::Uncordon => Action::Uncordon,
        ipc::ObjectAction::Drain {
            force,
            delete_local_data,
        } => Action::Drain(DrainOptions {
            force: *force,
            delete_local_data: *delete_local_data,
            ..DrainOptions::default()
        }),
        ipc::ObjectAction::Expand { size } => Action::Expand(size.clone()),
        ipc::ObjectAction::Clone { name } => Action::Clone(name.clone()),
        ipc::ObjectAction::Snapshot { name, class } => Action::Snapshot {
            name: name.clone(),
            class: class.clone(),
        },
        ipc::ObjectAction::Restore { name } => Action::Restore(name.clone()),
        ipc::ObjectAction::MakeDefault => Action::MakeDefault,
        ipc::ObjectAction::Switches {
            clone,
            snapshot,
            expansion,
            access_modes,
        } => Action::Switches {
            switches: Switches {
                clone: *clone,
                snapshot: *snapshot,
                expansion: *expansion,
            },
            access_modes: access_modes.clone(),
        },
        ipc::ObjectAction::VolumeSettings {
            reclaim_policy,
            labels,
        } => Action::VolumeSettings(VolumeSettings {
            reclaim_policy: reclaim_policy.clone(),
            labels: labels.clone(),
        }),
    }
}

fn time(time: Option<impl ToString>) -> Option<String> {
    time.map(|time| time.to_string())
}

pub(super) fn update(detail: Detail) -> ipc::ObjectUpdate {
    ipc::ObjectUpdate {
        presence: match detail.presence {
            Presence::Loading => ipc::Presence::Loading,
            Presence::Found => ipc::Presence::Found,
            Presence::Gone => ipc::Presence::Gone,
            Presence::Failed(message) => ipc::Presence::Failed { message },
            Presence::Offline { as_of, message } => ipc::Presence::Offline {
                as_of: as_of.to_string(),
                message,
            },
        },
        description: detail
            .description
            .map(|description| ipc::ObjectDescription {
                uid: description.uid,
                owners: description
                    .owners
                    .into_iter()
                    .map(|owner| ipc::ObjectOwner {
                        kind: owner.kind,
                        name: owner.name,
                        table: owner.table.map(table_kind),
                    })
                    .collect(),
                labels: description.labels,
                annotations: description.annotations,
                facts: description
                    .facts
                    .into_iter()
                    .map(|fact| ipc::ObjectFact {
                        name: fact.name.into_owned(),
                        value: cell(fact.value),
                    })
                    .collect(),
                conditions: description
                    .conditions
                    .into_iter()
                    .map(|condition| ipc::ObjectCondition {
                        kind: condition.kind,
                        status: condition.status,
                        reason: condition.reason,
                        message: condition.message,
                        last_transition: time(condition.last_transition),
                    })
                    .collect(),
                containers: description
                    .containers
                    .into_iter()
                    .map(|container| ipc::ObjectContainer {
                        name: container.name,
                        init: container.init,
                        image: container.image,
                        ports: container.ports,
                        requests: container.requests,
                        limits: container.limits,
                        probes: container
                            .probes
                            .into_iter()
                            .map(|(kind, how)| (kind.to_owned(), how))
                            .collect(),
                        state: container.state,
                        ready: container.ready,
                        restarts: container.restarts,
                    })
                    .collect(),
                yaml: description.yaml,
                replicas: description.replicas,
                editable_yaml: description.editable,
            }),
        events: detail
            .events
            .into_iter()
            .map(|event| ipc::ObjectEvent {
                kind: event.kind,
                reason: event.reason,
                message: event.message,
                count: event.count,
                last_seen: time(event.last_seen),
                source: event.source,
            })
            .collect(),
        related: detail
            .related
            .into_iter()
            .map(|related| ipc::RelatedRows {
                kind: table_kind(related.kind),
                columns: related
                    .kind
                    .columns()
                    .iter()
                    .map(|column| (*column).to_owned())
                    .collect(),
                rows: related.rows.into_iter().map(row).collect(),
            })
            .collect(),
        actions: None,
    }
}
