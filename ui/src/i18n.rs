//! The message catalogue (generated from `assets/messages`) and the current language.

use kubedesk_ipc::Language;
use leptos::prelude::*;

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

impl Msg {
    /// The message in a language.
    pub fn text(self, language: Language) -> &'static str {
        let table = match language {
            Language::En => TABLES[0],
            Language::ZhCn => TABLES[1],
        };
        table[self as usize]
    }
}

/// Fills the `{name}` placeholders of a message.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The language the user reads: the stored choice, else the system's, else English.
pub fn resolve_language(stored: Option<Language>, system_tag: Option<&str>) -> Language {
    stored
        .or_else(|| system_tag.and_then(Language::from_tag))
        .unwrap_or(Language::En)
}

/// The current language, shared by every component.
#[derive(Debug, Clone, Copy)]
pub struct I18n(RwSignal<Language>);

impl I18n {
    /// The message in the current language; reactive.
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self.0.get())
    }

    /// The message with its placeholders filled; reactive.
    pub fn tf(self, msg: Msg, args: &[(&str, &str)]) -> String {
        fill(self.t(msg), args)
    }

    /// The current language; reactive.
    pub fn language(self) -> Language {
        self.0.get()
    }

    /// Switches every visible string to another language.
    pub fn set_language(self, language: Language) {
        self.0.set(language);
    }
}

/// Makes the language available to every component below.
pub fn provide_i18n(language: Language) -> I18n {
    let i18n = I18n(RwSignal::new(language));
    provide_context(i18n);
    i18n
}

/// The language provided by [`provide_i18n`].
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            fill("{count} kubeconfig problem(s)", &[("count", "2")]),
            "2 kubeconfig problem(s)"
        );
        assert_eq!(
            fill(
                Msg::ProblemsMissingCluster.text(Language::ZhCn),
                &[("name", "prod")]
            ),
            "该上下文引用的集群“prod”在任何文件中都未定义。"
        );
    }

    #[test]
    fn every_message_differs_between_languages_where_it_should() {
        assert_eq!(Msg::NavClusters.text(Language::En), "Clusters");
        assert_eq!(Msg::NavClusters.text(Language::ZhCn), "集群");
    }

    #[test]
    fn the_stored_language_wins_over_the_system_language() {
        assert_eq!(
            resolve_language(Some(Language::En), Some("zh-CN")),
            Language::En
        );
        assert_eq!(resolve_language(None, Some("zh-CN")), Language::ZhCn);
        assert_eq!(resolve_language(None, Some("de-DE")), Language::En);
        assert_eq!(resolve_language(None, None), Language::En);
    }
}
