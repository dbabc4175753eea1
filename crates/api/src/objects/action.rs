//! `run_action`: takes an action on an object and says what it did, or why it could not.

use kubedesk_cluster::actions::{self, ActionError};
use kubedesk_ipc as ipc;

use super::convert;
use crate::App;
use crate::clusters::client;

/// Takes the action.
pub async fn run_action(app: &App, request: ipc::RunAction) -> Result<ipc::ActionDone, ipc::Error> {
    let client = client::client(app, &request.object.context).await?;
    let object = convert::object(app, &client, &request.object).await?;
    let done = actions::run(&client, &object, &convert::action(&request.action))
        .await
        .map_err(|error| {
            let hint = match &error {
                ActionError::NotOffered { .. } => None,
                ActionError::Invalid(_) => Some("Change the value and try again."),
                ActionError::Server { code: Some(403), .. } => {
                    Some("Your access does not allow it; ask the cluster's administrator.")
                }
                ActionError::Server { code: Some(404), .. } => {
                    Some("It was deleted meanwhile; the table shows what is there now.")
                }
                ActionError::Server { .. } => Some("Try again; the Clusters page shows the cluster's state."),
                ActionError::NotDrained { .. } => Some(
                    "The node stays cordoned. Allow what the reasons name, or wait for the disruption budget, and drain again.",
                ),
            };
            ipc::Error {
                code: ipc::ErrorCode::Internal,
                message: error.to_string(),
                hint: hint.map(str::to_owned),
            }
        })?;
    Ok(ipc::ActionDone {
        affected: done.affected,
        skipped: done.skipped,
    })
}
