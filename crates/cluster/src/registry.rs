//! OCI registries the user configures: whether one answers as a registry (and is Harbor), its
//! repositories matching a search (Harbor's search API; elsewhere Distribution's catalog, paged,
//! searched here, as Distribution has no search), a repository's tags, and whether an image
//! exists (a manifest HEAD with every manifest and index type accepted, so nothing is
//! down-converted). Credentials are sent as Basic; a registry that answers 401 with a Bearer
//! challenge (Distribution's token auth, Harbor, Docker Hub) is asked for a token at its realm,
//! with the same credentials, and the request tried again once.

use std::time::Duration;

use base64::Engine as _;
use kubedesk_secrets::Secret;

use crate::https::{Https, HttpsError};

/// How long one request to a registry may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most repositories read from a catalog.
const MOST_REPOSITORIES: usize = 10_000;
/// The manifest and index types a registry may hold; all are accepted.
const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Why a registry did not answer as one.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// What was given is not a URL.
    #[error(
        "\"{url}\" is not an http:// or https:// URL (write it as https://registry.example.com)"
    )]
    NotUrl {
        /// What was given.
        url: String,
    },
    /// Nothing answered.
    #[error("the registry at {url} cannot be reached: {cause}")]
    Unreachable {
        /// The registry.
        url: String,
        /// Why.
        cause: HttpsError,
    },
    /// It wants credentials that were not given, or refused those given.
    #[error("the registry at {url} {}", if *.given { "refused the user name and password given" } else { "asks for credentials: give its user name and password" })]
    Unauthorized {
        /// The registry.
        url: String,
        /// Whether credentials were sent.
        given: bool,
    },
    /// It answered, but not as a registry.
    #[error("{url} is not an OCI registry: GET /v2/ answered HTTP {status}")]
    NotRegistry {
        /// The URL.
        url: String,
        /// Its answer.
        status: u16,
    },
    /// It answered a request with an error.
    #[error("the registry at {url} answered {path} with HTTP {status}")]
    Status {
        /// The registry.
        url: String,
        /// What was asked.
        path: String,
        /// Its answer.
        status: u16,
    },
    /// Its answer could not be read.
    #[error("the registry at {url} answered {path} with what is not JSON: {detail}")]
    Unreadable {
        /// The registry.
        url: String,
        /// What was asked.
        path: String,
        /// Why.
        detail: String,
    },
}

/// A registry and the credentials it is asked with.
#[derive(Debug, Clone)]
pub struct Registry {
    https: Https,
    url: String,
    host: String,
    credentials: Option<(String, Secret)>,
}

/// What kind of registry answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Distribution (or any other): searched through its catalog.
    Distribution,
    /// Harbor: searched through its search API.
    Harbor,
}

/// An image reference split as the container runtime splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (`registry.example.com:5000`), when the reference names one.
    pub host: Option<String>,
    /// The repository (`ml/pytorch`).
    pub repository: String,
    /// The tag or digest (`2.3`, `sha256:…`); `latest` when none is given.
    pub reference: String,
}

/// Splits `image` as the runtime does: a first part with a '.' or ':' (or `localhost`) is the
/// registry's host.
pub fn parse_image(image: &str) -> ImageRef {
    let image = image.trim();
    let (host, rest) = match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first.to_owned()), rest)
        }
        _ => (None, image),
    };
    let (repository, reference) = if let Some((repository, digest)) = rest.split_once('@') {
        (repository.to_owned(), digest.to_owned())
    } else {
        match rest.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => {
                (repository.to_owned(), tag.to_owned())
            }
            _ => (rest.to_owned(), "latest".to_owned()),
        }
    };
    ImageRef {
        host,
        repository,
        reference,
    }
}

impl Registry {
    /// The registry at `url`, asked with `credentials` (user name and password) where given.
    pub fn new(url: &str, credentials: Option<(String, Secret)>) -> Result<Self, RegistryError> {
        let trimmed = url.trim().trim_end_matches('/');
        let uri = trimmed.parse::<http::Uri>().ok().filter(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https"))
                && uri.host().is_some()
                && uri.path().trim_matches('/').is_empty()
        });
        let Some(uri) = uri else {
            return Err(RegistryError::NotUrl {
                url: url.to_owned(),
            });
        };
        let host = uri
            .authority()
            .map(|authority| authority.as_str().to_owned())
            .unwrap_or_default();
        let https = Https::new(None).map_err(|cause| RegistryError::Unreachable {
            url: trimmed.to_owned(),
            cause,
        })?;
        Ok(Self {
            https,
            url: trimmed.to_owned(),
            host,
            credentials: credentials.filter(|(user, _)| !user.trim().is_empty()),
        })
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its host as image references name it (`registry.example.com:5000`).
    pub fn host(&self) -> &str {
        &self.host
    }

    fn basic(&self) -> Option<String> {
        self.credentials.as_ref().map(|(user, password)| {
            let pair = format!("{user}:{}", password.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        })
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        authorization: Option<&str>,
        accept: Option<&str>,
    ) -> Result<http::Response<Vec<u8>>, RegistryError> {
        let mut request = http::Request::builder().method(method).uri(url);
        if let Some(authorization) = authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        if let Some(accept) = accept {
            request = request.header(http::header::ACCEPT, accept);
        }
        let request = request
            .body(Vec::new())
            .map_err(|_| RegistryError::NotUrl {
                url: url.to_owned(),
            })?;
        self.https
            .send(request, TIMEOUT)
            .await
            .map_err(|cause| RegistryError::Unreachable {
                url: self.url.clone(),
                cause,
            })
    }

    /// Asks `path`: with Basic credentials, and after a Bearer challenge with a token from the
    /// challenge's realm.
    async fn ask(
        &self,
        method: &str,
        path: &str,
        accept: Option<&str>,
    ) -> Result<http::Response<Vec<u8>>, RegistryError> {
        let url = format!("{}{path}", self.url);
        let basic = self.basic();
        let answer = self.send(method, &url, basic.as_deref(), accept).await?;
        if answer.status() != http::StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        let challenge = answer
            .headers()
            .get(http::header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if let Some(token) = self.token(&challenge).await? {
            let bearer = format!("Bearer {token}");
            let again = self.send(method, &url, Some(&bearer), accept).await?;
            if again.status() != http::StatusCode::UNAUTHORIZED {
                return Ok(again);
            }
        }
        Err(RegistryError::Unauthorized {
            url: self.url.clone(),
            given: self.credentials.is_some(),
        })
    }

    /// A token from a Bearer challenge's realm, asked with the credentials; none without
    /// credentials or a usable challenge.
    async fn token(&self, challenge: &str) -> Result<Option<String>, RegistryError> {
        let Some(parameters) = challenge.strip_prefix("Bearer ") else {
            return Ok(None);
        };
        let basic = match self.basic() {
            Some(basic) => basic,
            None => return Ok(None),
        };
        let mut realm = None;
        let mut query = Vec::new();
        for part in parameters.split(',') {
            let Some((key, value)) = part.trim().split_once('=') else {
                continue;
            };
            let value = value.trim_matches('"');
            match key {
                "realm" => realm = Some(value.to_owned()),
                "service" | "scope" => query.push(format!("{key}={}", encode(value))),
                _ => {}
            }
        }
        let Some(realm) = realm else {
            return Ok(None);
        };
        let url = if query.is_empty() {
            realm
        } else {
            format!("{realm}?{}", query.join("&"))
        };
        let answer = self.send("GET", &url, Some(&basic), None).await?;
        if !answer.status().is_success() {
            return Ok(None);
        }
        let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap_or_default();
        Ok(body["token"]
            .as_str()
            .or(body["access_token"].as_str())
            .map(str::to_owned))
    }

    async fn json(&self, path: &str) -> Result<serde_json::Value, RegistryError> {
        let answer = self.ask("GET", path, None).await?;
        if !answer.status().is_success() {
            return Err(RegistryError::Status {
                url: self.url.clone(),
                path: path.to_owned(),
                status: answer.status().as_u16(),
            });
        }
        serde_json::from_slice(answer.body()).map_err(|error| RegistryError::Unreadable {
            url: self.url.clone(),
            path: path.to_owned(),
            detail: error.to_string(),
        })
    }

    /// Whether it answers as a registry, and which kind.
    pub async fn check(&self) -> Result<Flavour, RegistryError> {
        let answer = self.ask("GET", "/v2/", None).await?;
        if !answer.status().is_success() {
            return Err(RegistryError::NotRegistry {
                url: self.url.clone(),
                status: answer.status().as_u16(),
            });
        }
        let harbor = match self.ask("GET", "/api/v2.0/systeminfo", None).await {
            Ok(info) if info.status().is_success() => {
                serde_json::from_slice::<serde_json::Value>(info.body())
                    .is_ok_and(|info| info.get("harbor_version").is_some())
            }
            _ => false,
        };
        Ok(if harbor {
            Flavour::Harbor
        } else {
            Flavour::Distribution
        })
    }

    /// The repositories whose name contains `query` (all of them for an empty one), sorted.
    pub async fn search(&self, query: &str) -> Result<Vec<String>, RegistryError> {
        let query = query.trim().to_lowercase();
        let mut found: Vec<String> =
            match self.check().await? {
                Flavour::Harbor => {
                    let answer = self
                        .json(&format!("/api/v2.0/search?q={}", encode(&query)))
                        .await?;
                    answer["repository"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|hit| hit["repository_name"].as_str().map(str::to_owned))
                        .collect()
                }
                Flavour::Distribution => {
                    let mut all: Vec<String> = Vec::new();
                    let mut path = "/v2/_catalog?n=1000".to_owned();
                    loop {
                        let answer = self.ask("GET", &path, None).await?;
                        if !answer.status().is_success() {
                            return Err(RegistryError::Status {
                                url: self.url.clone(),
                                path,
                                status: answer.status().as_u16(),
                            });
                        }
                        let next = next_page(answer.headers());
                        let body: serde_json::Value = serde_json::from_slice(answer.body())
                            .map_err(|error| RegistryError::Unreadable {
                                url: self.url.clone(),
                                path: path.clone(),
                                detail: error.to_string(),
                            })?;
                        all.extend(
                            body["repositories"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|name| name.as_str().map(str::to_owned)),
                        );
                        match next {
                            Some(next) if all.len() < MOST_REPOSITORIES => path = next,
                            _ => break,
                        }
                    }
                    all.into_iter()
                        .filter(|name| name.to_lowercase().contains(&query))
                        .collect()
                }
            };
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// A repository's tags (none for one emptied of its images).
    pub async fn tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        let answer = self.json(&format!("/v2/{repository}/tags/list")).await?;
        let mut tags: Vec<String> = answer["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|tag| tag.as_str().map(str::to_owned))
            .collect();
        tags.sort();
        Ok(tags)
    }

    /// Whether the image `repository:reference` exists.
    pub async fn exists(&self, repository: &str, reference: &str) -> Result<bool, RegistryError> {
        let path = format!("/v2/{repository}/manifests/{reference}");
        let answer = self.ask("HEAD", &path, Some(MANIFEST_TYPES)).await?;
        match answer.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            status => Err(RegistryError::Status {
                url: self.url.clone(),
                path,
                status,
            }),
        }
    }
}

/// The next page of a catalog, from its `Link: </v2/_catalog?last=…&n=…>; rel="next"` header.
fn next_page(headers: &http::HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    let (target, relation) = link.split_once(';')?;
    relation.contains("rel=\"next\"").then(|| {
        target
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned()
    })
}

/// Percent-encodes what a query value may not hold as is.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_are_split_as_the_runtime_splits_them() {
        let split = |image: &str| {
            let parsed = parse_image(image);
            (parsed.host, parsed.repository, parsed.reference)
        };
        assert_eq!(split("nginx"), (None, "nginx".into(), "latest".into()));
        assert_eq!(
            split("127.0.0.1:5000/ml/pytorch:2.3"),
            (
                Some("127.0.0.1:5000".into()),
                "ml/pytorch".into(),
                "2.3".into()
            )
        );
        assert_eq!(
            split("nvcr.io/nvidia/pytorch:24.05-py3"),
            (
                Some("nvcr.io".into()),
                "nvidia/pytorch".into(),
                "24.05-py3".into()
            )
        );
        assert_eq!(
            split("localhost/app@sha256:abc"),
            (Some("localhost".into()), "app".into(), "sha256:abc".into())
        );
        assert_eq!(
            split("team/app"),
            (None, "team/app".into(), "latest".into())
        );
        assert!(Registry::new("registry.local:5000", None).is_err());
        assert!(Registry::new("https://registry.local/v2/", None).is_err());
        assert_eq!(
            Registry::new("http://127.0.0.1:5000/", None)
                .unwrap()
                .host(),
            "127.0.0.1:5000"
        );
    }
}
