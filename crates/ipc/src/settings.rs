//! The user's preferences: language, theme, OpenID Connect sign-in for contexts, and the columns
//! each table shows.

use serde::{Deserialize, Serialize};

use crate::Command;

/// The preferences the app remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The UI language; `None` follows the system's language.
    #[serde(default)]
    pub language: Option<Language>,
    /// Light, dark, or whatever the system prefers.
    #[serde(default)]
    pub theme: Theme,
    /// OpenID Connect sign-in set in the app, by context: for contexts whose kubeconfig does not
    /// say how to sign in, or to sign in otherwise than it says.
    #[serde(default)]
    pub sign_in: std::collections::BTreeMap<String, SignInSettings>,
    /// The columns hidden in each kind's table, by the kind's name in the URL (`pods`).
    #[serde(default)]
    pub hidden_columns: std::collections::BTreeMap<String, Vec<String>>,
    /// How large the offline store may grow.
    #[serde(default)]
    pub offline_limits: crate::OfflineLimits,
}

/// How to sign in to a context's OpenID provider (a public client, with PKCE).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInSettings {
    /// The issuer URL, exactly as the provider names itself.
    pub issuer: String,
    /// The client ID registered for KubeDesk.
    pub client_id: String,
    /// Scopes besides `openid` and `offline_access` (`email`, `groups`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Extra parameters for the authorization request (`audience`, `connector_id`).
    #[serde(default)]
    pub extra_parameters: std::collections::BTreeMap<String, String>,
}

/// The languages the message catalogue has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    /// English.
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Language {
    /// Every language, in the order a picker lists them.
    pub const ALL: [Language; 2] = [Language::En, Language::ZhCn];

    /// The BCP 47 tag of the language.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhCn => "zh-CN",
        }
    }

    /// The language that best matches a BCP 47 tag such as `zh-Hans-CN` or `en-GB`.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "zh" => Some(Language::ZhCn),
            _ => None,
        }
    }
}

/// The colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system's light or dark preference.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Reads the stored settings (defaults when none are stored yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetSettings {}

impl Command for GetSettings {
    const NAME: &'static str = "get_settings";
    type Output = Settings;
}

/// Stores new settings and answers with what was stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveSettings {
    /// The settings to keep.
    pub settings: Settings,
}

impl Command for SaveSettings {
    const NAME: &'static str = "save_settings";
    type Output = Settings;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_from_the_system_map_to_the_catalogue() {
        assert_eq!(Language::from_tag("zh-Hans-CN"), Some(Language::ZhCn));
        assert_eq!(Language::from_tag("zh_CN.UTF-8"), Some(Language::ZhCn));
        assert_eq!(Language::from_tag("en-GB"), Some(Language::En));
        assert_eq!(Language::from_tag("fr-FR"), None);
    }

    #[test]
    fn settings_written_by_an_older_version_still_read() {
        let settings: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings, Settings::default());
        let settings: Settings =
            serde_json::from_str(r#"{"language":"zh-CN","theme":"dark"}"#).unwrap();
        assert_eq!(settings.language, Some(Language::ZhCn));
        assert_eq!(settings.theme, Theme::Dark);
    }
}
