//! The state shared across the shell, each piece under its own newtype key.

use std::collections::BTreeMap;

use kubedesk_ipc::{
    ClusterHealth, ContextList, Error, GetClusterHealth, ListContexts, ReadOnlyCluster, Settings,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;

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

impl Contexts {
    /// The usable contexts' names, once the list is loaded (tracked).
    pub fn names(self) -> Vec<String> {
        match self.0.get() {
            Loadable::Ready(list) => list.contexts.into_iter().map(|row| row.name).collect(),
            _ => Vec::new(),
        }
    }

    /// The read-only clusters (snapshots opened, kept clusters whose contexts are gone), once
    /// the list is loaded (tracked).
    pub fn read_only(self) -> Vec<ReadOnlyCluster> {
        match self.0.get() {
            Loadable::Ready(list) => list.read_only,
            _ => Vec::new(),
        }
    }

    /// The read-only cluster named `name`, if it is one (tracked).
    pub fn read_only_named(self, name: &str) -> Option<ReadOnlyCluster> {
        self.read_only()
            .into_iter()
            .find(|cluster| cluster.name == name)
    }
}

/// Each context's cluster health, as last checked; a cluster that cannot be used is checked again
/// on its own, less and less often.
#[derive(Debug, Clone, Copy)]
pub struct Healths {
    /// The states, by context.
    pub states: RwSignal<BTreeMap<String, Loadable<ClusterHealth>>>,
    /// Per context: the latest check's number (a newer check makes older retries moot) and how
    /// many checks in a row found the cluster unusable.
    retries: StoredValue<BTreeMap<String, (u64, u32)>>,
}

impl Healths {
    /// No context checked yet.
    pub fn new() -> Self {
        Self {
            states: RwSignal::new(BTreeMap::new()),
            retries: StoredValue::new(BTreeMap::new()),
        }
    }
}

/// How long to wait before checking an unusable cluster again, after `failures` checks in a row
/// found it so: 5 s, doubling, at most 5 minutes.
pub fn retry_delay(failures: u32) -> std::time::Duration {
    let seconds = 5u64.saturating_mul(1 << failures.saturating_sub(1).min(10));
    std::time::Duration::from_secs(seconds.min(300))
}

/// Connects to one context and records how its cluster is doing; the others are not held up. A
/// cluster that cannot be used is checked again later, as long as no newer check was asked for.
pub async fn check_health(healths: Healths, context: String) {
    let number = healths.retries.try_update_value(|retries| {
        let entry = retries.entry(context.clone()).or_insert((0, 0));
        entry.0 += 1;
        entry.0
    });
    let Some(number) = number else { return };
    healths.states.update(|map| {
        map.entry(context.clone()).or_insert(Loadable::Loading);
    });
    let answer = ipc::call(&GetClusterHealth {
        context: context.clone(),
    })
    .await;
    let usable = matches!(answer, Ok(ClusterHealth::Ready { .. }));
    healths.states.update(|map| {
        map.insert(
            context.clone(),
            match answer {
                Ok(health) => Loadable::Ready(health),
                Err(error) => Loadable::Failed(error),
            },
        );
    });
    let failures = healths.retries.try_update_value(|retries| {
        let entry = retries.entry(context.clone()).or_insert((number, 0));
        entry.1 = if usable { 0 } else { entry.1 + 1 };
        entry.1
    });
    if let Some(failures) = failures.filter(|failures| *failures > 0) {
        set_timeout(
            move || {
                let latest = healths
                    .retries
                    .try_with_value(|retries| retries.get(&context).map(|entry| entry.0));
                if latest == Some(Some(number)) {
                    spawn_local(check_health(healths, context));
                }
            },
            retry_delay(failures),
        );
    }
}

/// The user's settings as last stored.
#[derive(Debug, Clone, Copy)]
pub struct SettingsState(pub RwSignal<Settings>);

/// Shows changed settings at once and stores them.
#[derive(Debug, Clone, Copy)]
pub struct ChangeSettings(pub Callback<Settings>);

/// What the top bar has selected: the context and the namespace (`None`: all namespaces).
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    /// The selected context's name.
    pub context: RwSignal<Option<String>>,
    /// The selected namespace.
    pub namespace: RwSignal<Option<String>>,
    /// Whether tables show every cluster at once (with a cluster column).
    pub all_clusters: RwSignal<bool>,
}

impl Selection {
    /// Selects the context `name`, in its default namespace.
    pub fn choose_context(self, Contexts(contexts): Contexts, name: String) {
        if let Loadable::Ready(list) = contexts.get_untracked() {
            self.namespace.set(default_namespace(&list, Some(&name)));
        }
        self.context.set(Some(name));
    }
}

/// The backend's answer to `request(context, namespace)` for the selected context and namespace,
/// asked again whenever they change (or a signal `request` reads does); an answer for a context
/// no longer selected is dropped. Asked again for the same selection, the last answer stays
/// shown until the new one comes.
pub fn for_selection<C>(
    selection: Selection,
    request: impl Fn(String, Option<String>) -> C + 'static,
) -> RwSignal<Loadable<C::Output>>
where
    C: kubedesk_ipc::Command + 'static,
    C::Output: Clone + PartialEq + Send + Sync + 'static,
{
    let answer = RwSignal::new(Loadable::Loading);
    // What was last asked, and how many times: only the latest question's answer is shown.
    let asked_for = StoredValue::new((0_u64, None::<(String, Option<String>)>));
    Effect::new(move || {
        let Some(context) = selection.context.get() else {
            return;
        };
        let namespace = selection.namespace.get();
        let asked = request(context.clone(), namespace.clone());
        let (count, last) = asked_for.get_value();
        let selected = Some((context, namespace));
        if last != selected {
            answer.set(Loadable::Loading);
        }
        let question = count + 1;
        asked_for.set_value((question, selected));
        spawn_local(async move {
            let answered = ipc::call(&asked).await;
            if asked_for.try_get_value().map(|(latest, _)| latest) == Some(question) {
                let next = match answered {
                    Ok(output) => Loadable::Ready(output),
                    Err(error) => Loadable::Failed(error),
                };
                // The same answer again changes nothing shown (an open confirmation stays).
                if answer.with_untracked(|shown| *shown != next) {
                    answer.set(next);
                }
            }
        });
    });
    answer
}

/// A count that goes up every `period` while the calling component lives: read it in a request
/// to ask again that often.
pub fn ticking(period: std::time::Duration) -> RwSignal<u64> {
    let tick = RwSignal::new(0_u64);
    let interval = set_interval_with_handle(move || tick.update(|count| *count += 1), period).ok();
    on_cleanup(move || {
        if let Some(interval) = interval {
            interval.clear();
        }
    });
    tick
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

/// The context to select after the list is (re)loaded: the one selected before while it still
/// exists, else the current context, else the first.
pub fn context_after_load(list: &ContextList, before: Option<&str>) -> Option<String> {
    before
        .filter(|name| {
            list.contexts.iter().any(|row| row.name == *name)
                || list.read_only.iter().any(|cluster| cluster.name == *name)
        })
        .map(str::to_owned)
        .or_else(|| initial_context(list))
}

/// Reads the kubeconfig (again), selects a context (the namespace changes only with the
/// context), and checks every context's cluster, each on its own.
pub async fn load_contexts(Contexts(contexts): Contexts, selection: Selection, healths: Healths) {
    let loaded = match ipc::call(&ListContexts {}).await {
        Ok(list) => {
            for row in &list.contexts {
                spawn_local(check_health(healths, row.name.clone()));
            }
            let before = selection.context.get_untracked();
            let context = context_after_load(&list, before.as_deref());
            if context != before {
                selection
                    .namespace
                    .set(default_namespace(&list, context.as_deref()));
                selection.context.set(context);
            }
            Loadable::Ready(list)
        }
        Err(error) => Loadable::Failed(error),
    };
    contexts.set(loaded);
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
            sign_in_issuer: None,
            kept_as_of: None,
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
    fn a_reload_keeps_the_selected_context_while_it_exists() {
        let list = ContextList {
            contexts: vec![row("a", None), row("b", None)],
            current: Some("a".into()),
            ..Default::default()
        };
        assert_eq!(context_after_load(&list, Some("b")).as_deref(), Some("b"));
        assert_eq!(
            context_after_load(&list, Some("gone")).as_deref(),
            Some("a")
        );
        assert_eq!(context_after_load(&list, None).as_deref(), Some("a"));
        // A read-only cluster selected stays selected while it is listed.
        let list = ContextList {
            read_only: vec![ReadOnlyCluster {
                name: "snap".into(),
                source: kubedesk_ipc::ReadOnlySource::Removed {
                    context: "snap".into(),
                },
                as_of: None,
            }],
            ..list
        };
        assert_eq!(
            context_after_load(&list, Some("snap")).as_deref(),
            Some("snap")
        );
    }

    #[test]
    fn unusable_clusters_are_checked_again_less_and_less_often() {
        let delays: Vec<u64> = (1..=9)
            .map(|failures| retry_delay(failures).as_secs())
            .collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(retry_delay(u32::MAX).as_secs(), 300);
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
