//! Where a context's OpenID Connect settings come from: the user's `oidc` auth-provider (what
//! `kubectl config set-credentials --auth-provider=oidc` writes), or a kubelogin exec plugin
//! (`kubectl oidc-login get-token --oidc-issuer-url=… --oidc-client-id=…`), or the app's settings.

use base64::Engine as _;
use kube::config::{AuthInfo, AuthProviderConfig, ExecConfig};
use kubedesk_secrets::Secret;

/// Why a kubeconfig user's OpenID Connect settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A field the provider or plugin needs is missing.
    #[error("the {entry} has no {field}; add it to the user's entry")]
    Missing {
        /// `oidc auth-provider` or `kubelogin plugin`.
        entry: &'static str,
        /// The missing field or flag.
        field: &'static str,
    },
    /// The inline CA is not base64.
    #[error("the provider's CA data is not base64: {detail}")]
    CaData {
        /// The decoder's reason.
        detail: String,
    },
    /// The CA file cannot be read.
    #[error("the provider's CA file {file} cannot be read: {detail}")]
    CaFile {
        /// The file.
        file: String,
        /// The system's reason.
        detail: String,
    },
}

/// How to sign in to a context's OpenID provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The issuer, exactly as the provider names itself.
    pub issuer: String,
    /// The client registered for KubeDesk (or kubectl) at the provider.
    pub client_id: String,
    /// The client secret of a confidential client; public clients have none.
    pub client_secret: Option<Secret>,
    /// Scopes asked for besides `openid` (`offline_access` is always asked for, for a refresh
    /// token).
    pub scopes: Vec<String>,
    /// Extra parameters for the authorization request, such as `audience` or `connector_id`.
    pub extra_parameters: Vec<(String, String)>,
    /// The provider's CA (PEM), when it is not one the platform trusts.
    pub ca: Option<Vec<u8>>,
}

impl OidcSettings {
    /// Settings for an issuer and client with no scopes or parameters beyond the default.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret: None,
            scopes: Vec::new(),
            extra_parameters: Vec::new(),
            ca: None,
        }
    }

    /// The settings a kubeconfig user implies, if it signs in with OpenID Connect.
    pub fn from_user(auth: &AuthInfo) -> Result<Option<Self>, SettingsError> {
        if let Some(provider) = auth.auth_provider.as_ref().filter(|p| p.name == "oidc") {
            return Self::from_auth_provider(provider).map(Some);
        }
        match &auth.exec {
            Some(exec) => Self::from_kubelogin(exec),
            None => Ok(None),
        }
    }

    fn from_auth_provider(provider: &AuthProviderConfig) -> Result<Self, SettingsError> {
        let field = |name: &str| provider.config.get(name).filter(|value| !value.is_empty());
        let required = |name: &'static str| {
            field(name).cloned().ok_or(SettingsError::Missing {
                entry: "oidc auth-provider",
                field: name,
            })
        };
        let mut settings = Self::new(required("idp-issuer-url")?, required("client-id")?);
        settings.client_secret = field("client-secret").map(Secret::new);
        settings.scopes = field("extra-scopes")
            .map(|scopes| scopes.split(',').map(str::trim).map(String::from).collect())
            .unwrap_or_default();
        settings.ca = ca(
            field("idp-certificate-authority-data").map(String::as_str),
            field("idp-certificate-authority").map(String::as_str),
        )?;
        Ok(settings)
    }

    /// kubelogin, run as `kubectl oidc-login get-token …` or `kubelogin get-token …`.
    fn from_kubelogin(exec: &ExecConfig) -> Result<Option<Self>, SettingsError> {
        let command = exec.command.as_deref().unwrap_or_default();
        let args = exec.args.as_deref().unwrap_or_default();
        let program = std::path::Path::new(command)
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let skip = match (program, args.first().map(String::as_str)) {
            ("kubelogin", Some("get-token")) => 1,
            ("kubectl" | "kubectl-oidc_login", Some("oidc-login")) => 2,
            ("kubectl-oidc_login", Some("get-token")) => 1,
            _ => return Ok(None),
        };
        // Flags as `--name=value` or `--name value`.
        let mut flags: Vec<(&str, &str)> = Vec::new();
        let mut rest = args.iter().skip(skip).map(String::as_str);
        while let Some(arg) = rest.next() {
            let Some(flag) = arg.strip_prefix("--") else {
                continue;
            };
            match flag.split_once('=') {
                Some((name, value)) => flags.push((name, value)),
                None => flags.push((flag, rest.next().unwrap_or_default())),
            }
        }
        let get = |name: &str| {
            flags
                .iter()
                .find(|(flag, _)| *flag == name)
                .map(|(_, v)| *v)
        };
        let all = |name: &'static str| {
            flags
                .iter()
                .filter(move |(flag, _)| *flag == name)
                .map(|(_, value)| *value)
        };
        let missing = |field| SettingsError::Missing {
            entry: "kubelogin plugin",
            field,
        };
        let issuer = get("oidc-issuer-url").ok_or_else(|| missing("--oidc-issuer-url"))?;
        let client_id = get("oidc-client-id").ok_or_else(|| missing("--oidc-client-id"))?;
        let mut settings = Self::new(issuer, client_id);
        settings.client_secret = get("oidc-client-secret").map(Secret::new);
        settings.scopes = all("oidc-extra-scope")
            .flat_map(|scopes| scopes.split(','))
            .map(String::from)
            .collect();
        settings.extra_parameters = all("oidc-auth-request-extra-params")
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        settings.ca = ca(
            get("certificate-authority-data"),
            get("certificate-authority"),
        )?;
        Ok(Some(settings))
    }
}

/// The provider's CA from inline base64 data or a file.
fn ca(data: Option<&str>, file: Option<&str>) -> Result<Option<Vec<u8>>, SettingsError> {
    if let Some(data) = data {
        return base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map(Some)
            .map_err(|error| SettingsError::CaData {
                detail: error.to_string(),
            });
    }
    file.map(|file| {
        std::fs::read(file).map_err(|error| SettingsError::CaFile {
            file: file.to_owned(),
            detail: error.to_string(),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(pairs: &[(&str, &str)]) -> AuthInfo {
        AuthInfo {
            auth_provider: Some(AuthProviderConfig {
                name: "oidc".into(),
                config: pairs
                    .iter()
                    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                    .collect(),
                ..AuthProviderConfig::default()
            }),
            ..AuthInfo::default()
        }
    }

    #[test]
    fn a_broken_entry_says_what_it_lacks() {
        let error = OidcSettings::from_user(&provider(&[("idp-issuer-url", "https://id.example")]))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the oidc auth-provider has no client-id; add it to the user's entry"
        );
        let error = OidcSettings::from_user(&provider(&[
            ("idp-issuer-url", "https://id.example"),
            ("client-id", "kubedesk"),
            ("idp-certificate-authority-data", "not base64!"),
        ]))
        .unwrap_err();
        assert!(matches!(error, SettingsError::CaData { .. }), "{error}");
        let kubelogin = AuthInfo {
            exec: Some(ExecConfig {
                command: Some("kubelogin".into()),
                args: Some(vec![
                    "get-token".into(),
                    "--oidc-issuer-url=https://id.example".into(),
                ]),
                ..ExecConfig::default()
            }),
            ..AuthInfo::default()
        };
        assert_eq!(
            OidcSettings::from_user(&kubelogin).unwrap_err(),
            SettingsError::Missing {
                entry: "kubelogin plugin",
                field: "--oidc-client-id"
            }
        );
        let plain = AuthInfo {
            token: Some("t".to_owned().into()),
            ..AuthInfo::default()
        };
        assert_eq!(OidcSettings::from_user(&plain), Ok(None));
    }
}
