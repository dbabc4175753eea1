//! Use-cases about the resources a cluster serves: `list_resources` for the page that lists them,
//! and the lookup that turns a resource named in a URL into one the cluster serves, its kind and
//! scope from discovery (kept per context, asked again when a name is not found).

mod list;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kubedesk_cluster::Client;
use kubedesk_cluster::resources::{self, Resource};
use kubedesk_ipc as ipc;

pub use list::list_resources;

use crate::App;
use crate::tables::convert;

/// What each context's cluster served when last asked.
#[derive(Debug, Default)]
pub struct Served {
    by_context: Mutex<HashMap<String, Arc<Vec<Resource>>>>,
}

impl Served {
    fn get(&self, context: &str) -> Option<Arc<Vec<Resource>>> {
        let known = self
            .by_context
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        known.get(context).cloned()
    }

    fn set(&self, context: &str, served: Vec<Resource>) -> Arc<Vec<Resource>> {
        let served = Arc::new(served);
        let mut known = self
            .by_context
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        known.insert(context.to_owned(), served.clone());
        served
    }
}

/// Asks the cluster of `context` what it serves, and keeps the answer.
async fn discover(
    app: &App,
    client: &Client,
    context: &str,
) -> Result<Arc<Vec<Resource>>, ipc::Error> {
    let served = match resources::served(client).await {
        Ok(served) => served,
        // A cluster that does not answer is read as it served when last seen.
        Err(error) => {
            return app
                .store
                .as_ref()
                .ok()
                .and_then(|store| crate::offline::served(store, context))
                .map(Arc::new)
                .ok_or_else(|| {
                    crate::clusters::client::unavailable(
                        format!(
                            "The resources context {context} serves could not be read: {error}"
                        ),
                        "The Clusters page shows the cluster's state; reload once it is ready.",
                    )
                });
        }
    };
    crate::offline::keep_served(app, context, &served);
    Ok(app.served.set(context, served))
}

/// The resource `kind` names in the cluster of `context`.
pub(crate) async fn resolve(
    app: &App,
    client: &Client,
    context: &str,
    kind: &ipc::ObjectKind,
) -> Result<Resource, ipc::Error> {
    let name = match kind {
        ipc::ObjectKind::Kind(kind) => return Ok(convert::kind(*kind).into()),
        ipc::ObjectKind::Resource(name) => name,
    };
    let find =
        |served: &[Resource]| resources::find(served, &name.group, &name.version, &name.plural);
    if let Some(found) = app.served.get(context).and_then(|served| find(&served)) {
        return Ok(found);
    }
    find(&discover(app, client, context).await?).ok_or_else(|| not_served(context, name))
}

/// The resource `kind` names among those a read-only cluster served.
pub(crate) fn resolve_kept(
    served: &[Resource],
    context: &str,
    kind: &ipc::ObjectKind,
) -> Result<Resource, ipc::Error> {
    match kind {
        ipc::ObjectKind::Kind(kind) => Ok(convert::kind(*kind).into()),
        ipc::ObjectKind::Resource(name) => {
            resources::find(served, &name.group, &name.version, &name.plural)
                .ok_or_else(|| not_served(context, name))
        }
    }
}

fn not_served(context: &str, name: &ipc::ResourceName) -> ipc::Error {
    let qualified = if name.group.is_empty() {
        format!("{}/{}", name.version, name.plural)
    } else {
        format!("{}/{}/{}", name.group, name.version, name.plural)
    };
    ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("Context {context}'s cluster serves no resource {qualified}."),
        hint: Some(
            "Its definition may have been removed; API resources lists what the cluster serves."
                .into(),
        ),
    }
}
