//! Storage forms: `get_volume_choices` says what a new volume may be made from,
//! `create_volume` and `create_storage_class` make them. An input that is wrong comes back as
//! [`ipc::FormOutcome::Invalid`] naming it; what the server refuses, as an error with its message.

use kubedesk_cluster::storage::Switches;
use kubedesk_cluster::storage::create::{
    self, ClassChoice, Field, FormError, NewClass, NewVolume, SourceChoice, VolumeSource,
};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;

/// What a new volume in the namespace may be made from.
pub async fn get_volume_choices(
    app: &App,
    request: ipc::GetVolumeChoices,
) -> Result<ipc::VolumeChoices, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let choices = create::volume_choices(&client, &request.namespace)
        .await
        .map_err(|error| ipc::Error {
            code: ipc::ErrorCode::Internal,
            message: error.to_string(),
            hint: Some("Try again; the Clusters page shows the cluster's state.".to_owned()),
        })?;
    let source = |choice: SourceChoice| ipc::VolumeSourceChoice {
        name: choice.name,
        size: choice.size,
        class: choice.class,
    };
    Ok(ipc::VolumeChoices {
        classes: choices
            .classes
            .into_iter()
            .map(|class: ClassChoice| ipc::StorageClassChoice {
                name: class.name,
                default: class.default,
                access_modes: class.access_modes,
                provisioner: class.provisioner,
            })
            .collect(),
        snapshots: choices.snapshots.into_iter().map(source).collect(),
        volumes: choices.volumes.into_iter().map(source).collect(),
    })
}

/// Creates the volume, or names the input that stops it.
pub async fn create_volume(
    app: &App,
    request: ipc::CreateVolume,
) -> Result<ipc::FormOutcome, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let volume = request.volume;
    let volume = NewVolume {
        name: volume.name,
        size: volume.size,
        class: volume.class,
        access_mode: volume.access_mode,
        source: match volume.source {
            ipc::VolumeSource::Empty => VolumeSource::Empty,
            ipc::VolumeSource::Snapshot(name) => VolumeSource::Snapshot(name),
            ipc::VolumeSource::Clone(name) => VolumeSource::Clone(name),
        },
    };
    outcome(
        create::create_volume(&client, &request.namespace, &volume)
            .await
            .map(|made| {
                vec![
                    made.pointer("/metadata/name")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                ]
            }),
    )
}

/// Creates the storage class (and a snapshot class for its driver when it needs one), or names
/// the input that stops it.
pub async fn create_storage_class(
    app: &App,
    request: ipc::CreateStorageClass,
) -> Result<ipc::FormOutcome, ipc::Error> {
    let client = client::client(app, &request.context).await?;
    let class = request.class;
    let name = class.name.trim().to_owned();
    let class = NewClass {
        name: class.name,
        provisioner: class.provisioner,
        reclaim_policy: class.reclaim_policy,
        binding_mode: class.binding_mode,
        parameters: class.parameters,
        access_modes: class.access_modes,
        switches: Switches {
            clone: class.clone,
            snapshot: class.snapshot,
            expansion: class.expansion,
        },
        default: class.default,
    };
    outcome(
        create::create_class(&client, &class)
            .await
            .map(|made| std::iter::once(name).chain(made.snapshot_class).collect()),
    )
}

fn outcome(result: Result<Vec<String>, FormError>) -> Result<ipc::FormOutcome, ipc::Error> {
    match result {
        Ok(made) => Ok(ipc::FormOutcome::Done { made }),
        Err(FormError::Field { field, message }) => Ok(ipc::FormOutcome::Invalid {
            field: form_field(field),
            message,
        }),
        // What the server refused: the form stays as typed.
        Err(error) => Err(ipc::Error {
            code: ipc::ErrorCode::Internal,
            message: error.to_string(),
            hint: Some(
                "Change what the message names and try again; what you typed is kept.".to_owned(),
            ),
        }),
    }
}

pub(crate) fn form_field(field: Field) -> ipc::FormField {
    match field {
        Field::Name => ipc::FormField::Name,
        Field::Size => ipc::FormField::Size,
        Field::Class => ipc::FormField::Class,
        Field::AccessMode => ipc::FormField::AccessMode,
        Field::Source => ipc::FormField::Source,
        Field::Provisioner => ipc::FormField::Provisioner,
        Field::ReclaimPolicy => ipc::FormField::ReclaimPolicy,
        Field::BindingMode => ipc::FormField::BindingMode,
        Field::Parameters => ipc::FormField::Parameters,
        Field::Labels => ipc::FormField::Labels,
    }
}
