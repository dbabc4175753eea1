//! The image registries the workload form searches: kept in `registries.json` in the
//! configuration folder (URL and user name), each password in the keyring under
//! `registry/<url>`, never in a file. A registry is asked before it is kept; a search asks every
//! one and says which could not be searched and why.

use kubedesk_cluster::registry::{Registry, RegistryError, parse_image};
use kubedesk_ipc as ipc;
use kubedesk_secrets::Secret;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::kept::{JsonMap, keyring};

/// A registry as kept: its user name (the password is in the keyring).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Kept {
    username: Option<String>,
}

/// The registries, by URL.
pub(crate) type RegistryStore = JsonMap<Kept>;

const SECRET: &str = "The registry password";

fn account(url: &str) -> String {
    format!("registry/{url}")
}

fn refused(error: &RegistryError) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("{}.", capitalised(&error.to_string())),
        hint: Some(
            "Check the URL, the user name and the password; what you typed is kept.".to_owned(),
        ),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The registry kept at `url`, with its password from the keyring.
async fn open(app: &App, url: &str, kept: &Kept) -> Result<Registry, ipc::Error> {
    let credentials = match &kept.username {
        Some(username) => {
            let account = account(url);
            let password = keyring(app, SECRET, move |keyring| keyring.get(&account)).await?;
            Some((
                username.clone(),
                password.unwrap_or_else(|| Secret::new("")),
            ))
        }
        None => None,
    };
    Registry::new(url, credentials).map_err(|error| refused(&error))
}

/// The registries kept.
pub async fn get_registries(
    app: &App,
    _request: ipc::GetRegistries,
) -> Result<Vec<ipc::RegistryView>, ipc::Error> {
    Ok(app
        .registries
        .all()?
        .into_iter()
        .map(|(url, kept)| ipc::RegistryView {
            url,
            username: kept.username,
        })
        .collect())
}

/// Keeps a registry once it answers with the credentials given (or those kept for it).
pub async fn save_registry(app: &App, request: ipc::SaveRegistry) -> Result<(), ipc::Error> {
    let username = request
        .username
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    let probe = Registry::new(&request.url, None).map_err(|error| refused(&error))?;
    let url = probe.url().to_owned();
    let password = match (&username, request.password) {
        (None, _) => None,
        (Some(_), Some(typed)) if !typed.is_empty() => Some(Secret::new(typed)),
        (Some(_), _) => {
            let account = account(&url);
            keyring(app, SECRET, move |keyring| keyring.get(&account)).await?
        }
    };
    if username.is_some() && password.is_none() {
        return Err(ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: format!("No password is kept for {url}. Type it."),
            hint: None,
        });
    }
    let registry = Registry::new(&url, username.clone().zip(password.clone()))
        .map_err(|error| refused(&error))?;
    registry.check().await.map_err(|error| refused(&error))?;
    let account = account(&url);
    keyring(app, SECRET, move |keyring| match password {
        Some(password) => {
            keyring.set(&account, &password);
            Ok(())
        }
        None => keyring.delete(&account),
    })
    .await?;
    app.registries.save(&url, Some(Kept { username }))
}

/// Forgets a registry and its password.
pub async fn remove_registry(app: &App, request: ipc::RemoveRegistry) -> Result<(), ipc::Error> {
    let account = account(&request.url);
    keyring(app, SECRET, move |keyring| keyring.delete(&account)).await?;
    app.registries.save(&request.url, None)
}

/// Every registry's repositories matching the query; the registries that could not be searched
/// say why.
pub async fn search_images(
    app: &App,
    request: ipc::SearchImages,
) -> Result<ipc::ImageSearch, ipc::Error> {
    let mut found = ipc::ImageSearch::default();
    for (url, kept) in app.registries.all()? {
        let registry = open(app, &url, &kept).await?;
        match registry.search(&request.query).await {
            Ok(repositories) => found
                .hits
                .extend(repositories.into_iter().map(|repository| ipc::ImageHit {
                    registry: url.clone(),
                    image: format!("{}/{repository}", registry.host()),
                })),
            Err(error) => found
                .failures
                .push(format!("{}.", capitalised(&error.to_string()))),
        }
    }
    Ok(found)
}

/// The registry kept for an image's host, if one is.
pub(crate) async fn registry_of(app: &App, image: &str) -> Result<Option<Registry>, ipc::Error> {
    let Some(host) = parse_image(image).host else {
        return Ok(None);
    };
    for (url, kept) in app.registries.all()? {
        let registry = open(app, &url, &kept).await?;
        if registry.host() == host {
            return Ok(Some(registry));
        }
    }
    Ok(None)
}

/// An image's tags, from its registry.
pub async fn get_image_tags(
    app: &App,
    request: ipc::GetImageTags,
) -> Result<Vec<String>, ipc::Error> {
    let Some(registry) = registry_of(app, &request.image).await? else {
        return Err(ipc::Error {
            code: ipc::ErrorCode::InvalidRequest,
            message: format!("No registry kept in KubeDesk holds {}.", request.image),
            hint: Some("Add its registry in Settings to list its tags.".to_owned()),
        });
    };
    let repository = parse_image(&request.image).repository;
    registry
        .tags(&repository)
        .await
        .map_err(|error| refused(&error))
}
