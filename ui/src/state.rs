//! The state shared across the shell, each piece under its own newtype key.

use kubedesk_ipc::{ContextList, Error, Settings};
use leptos::prelude::*;

/// Something that arrives from the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Loadable<T> {
    /// Asked for, not answered yet.
    Loading,
    /// Answered.
    Ready(T),
    /// The backend said no.
    Failed(Error),
}

/// The kubeconfig's contexts and problems.
#[derive(Debug, Clone, Copy)]
pub struct Contexts(pub RwSignal<Loadable<ContextList>>);

/// The user's settings as last stored.
#[derive(Debug, Clone, Copy)]
pub struct SettingsState(pub RwSignal<Settings>);

/// What the top bar has selected: the context and the namespace (`None`: all namespaces).
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    /// The selected context's name.
    pub context: RwSignal<Option<String>>,
    /// The selected namespace.
    pub namespace: RwSignal<Option<String>>,
}

/// The context selected when the list arrives: the current context, else the first one.
pub fn initial_context(list: &ContextList) -> Option<String> {
    list.current
        .clone()
        .or_else(|| list.contexts.first().map(|context| context.name.clone()))
}

/// The namespace a context opens in: its default namespace, else all namespaces.
pub fn default_namespace(list: &ContextList, context: Option<&str>) -> Option<String> {
    list.contexts
        .iter()
        .find(|row| Some(row.name.as_str()) == context)
        .and_then(|row| row.namespace.clone())
}

#[cfg(test)]
mod tests {
    use kubedesk_ipc::ContextRow;

    use super::*;

    fn row(name: &str, namespace: Option<&str>) -> ContextRow {
        ContextRow {
            name: name.into(),
            cluster: "c".into(),
            user: "u".into(),
            server: "https://s".into(),
            namespace: namespace.map(Into::into),
            file: "/f".into(),
        }
    }

    #[test]
    fn the_current_context_is_selected_first_and_opens_in_its_namespace() {
        let list = ContextList {
            contexts: vec![row("a", None), row("b", Some("ml"))],
            current: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(initial_context(&list).as_deref(), Some("b"));
        assert_eq!(default_namespace(&list, Some("b")).as_deref(), Some("ml"));
        assert_eq!(default_namespace(&list, Some("a")), None);
    }

    #[test]
    fn without_a_current_context_the_first_is_selected() {
        let list = ContextList {
            contexts: vec![row("a", None), row("b", None)],
            ..Default::default()
        };
        assert_eq!(initial_context(&list).as_deref(), Some("a"));
        assert_eq!(initial_context(&ContextList::default()), None);
    }
}
