//! The command palette (Ctrl+K, or `:` as in k9s): every page, every kind by name or short name
//! (`deploy`, `po`, `no`), every other resource the selected cluster serves by kind or plural,
//! every cluster, and creating from YAML, found by typing and opened with Enter. `/` focuses the
//! table's filter. Keys typed into a field are left alone.

use kubedesk_ipc::{ListResources, ObjectKind, ServedResource, TableKind};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::ipc;
use crate::pages::workloads::kind_label;
use crate::route::{Area, CREATE_HREF, table_href};
use crate::state::{Contexts, Selection};

/// What an entry does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Goal {
    /// Opens a link.
    Go(String),
    /// Selects a cluster.
    Cluster(String),
}

/// One entry: what it shows, what else finds it, what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    label: String,
    group: String,
    aliases: Vec<String>,
    goal: Goal,
}

/// kubectl's short names and plural forms of each kind.
fn aliases(kind: TableKind) -> Vec<String> {
    let names: &[&str] = match kind {
        TableKind::Pods => &["po", "pod", "pods"],
        TableKind::Deployments => &["deploy", "deployment", "deployments"],
        TableKind::StatefulSets => &["sts", "statefulset", "statefulsets"],
        TableKind::DaemonSets => &["ds", "daemonset", "daemonsets"],
        TableKind::ReplicaSets => &["rs", "replicaset", "replicasets"],
        TableKind::Jobs => &["job", "jobs"],
        TableKind::CronJobs => &["cj", "cronjob", "cronjobs"],
        TableKind::Nodes => &["no", "node", "nodes"],
    };
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn entries(i18n: I18n, contexts: &[String], served: &[ServedResource]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = TableKind::ALL
        .into_iter()
        .map(|kind| Entry {
            label: i18n.t(kind_label(kind)).to_owned(),
            group: i18n.t(Msg::PaletteKind).to_owned(),
            aliases: aliases(kind),
            goal: Goal::Go(table_href(kind)),
        })
        .collect();
    entries.extend(Area::ALL.into_iter().map(|area| Entry {
        label: i18n.t(area.title()).to_owned(),
        group: i18n.t(Msg::PalettePage).to_owned(),
        aliases: vec![area.slug().to_owned()],
        goal: Goal::Go(area.href()),
    }));
    // The kinds with tables of their own are listed above already.
    entries.extend(
        served
            .iter()
            .filter(|resource| resource.table.is_none())
            .map(|resource| Entry {
                label: resource.kind.clone(),
                group: i18n.t(Msg::NavResources).to_owned(),
                aliases: vec![
                    resource.name.plural.clone(),
                    resource.kind.to_lowercase(),
                    format!("{}.{}", resource.name.plural, resource.name.group),
                ],
                goal: Goal::Go(table_href(ObjectKind::Resource(resource.name.clone()))),
            }),
    );
    entries.push(Entry {
        label: i18n.t(Msg::YamlCreateOpen).to_owned(),
        group: i18n.t(Msg::PalettePage).to_owned(),
        aliases: vec!["create".to_owned(), "apply".to_owned()],
        goal: Goal::Go(CREATE_HREF.to_owned()),
    });
    entries.extend(contexts.iter().map(|name| Entry {
        label: name.clone(),
        group: i18n.t(Msg::PaletteCluster).to_owned(),
        aliases: Vec::new(),
        goal: Goal::Cluster(name.clone()),
    }));
    entries
}

/// The entries `query` finds, best first: a name or short name it is, then what starts with it,
/// then what contains it.
fn matching(entries: Vec<Entry>, query: &str) -> Vec<Entry> {
    let query = query.trim().trim_start_matches(':').trim().to_lowercase();
    if query.is_empty() {
        return entries;
    }
    let mut ranked: Vec<(u8, Entry)> = entries
        .into_iter()
        .filter_map(|entry| {
            let label = entry.label.to_lowercase();
            let rank = if label == query || entry.aliases.contains(&query) {
                0
            } else if label.starts_with(&query)
                || entry.aliases.iter().any(|alias| alias.starts_with(&query))
            {
                1
            } else if label.contains(&query) {
                2
            } else {
                return None;
            };
            Some((rank, entry))
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, entry)| entry).collect()
}

/// Whether a key went to something the user types into.
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || element.has_attribute("contenteditable")
        })
}

/// The palette, and the window's keys that open it.
#[component]
pub fn Palette() -> impl IntoView {
    let i18n = use_i18n();
    let contexts: Contexts = expect_context();
    let selection: Selection = expect_context();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let chosen = RwSignal::new(0_usize);
    let input = NodeRef::<leptos::html::Input>::new();
    // What the selected cluster serves, asked when the palette first opens for it.
    let served = RwSignal::new((None::<String>, Vec::<ServedResource>::new()));
    let shown = Memo::new(move |_| {
        served.with(|(_, served)| matching(entries(i18n, &contexts.names(), served), &query.get()))
    });
    let show = move |start: &str| {
        let context = selection.context.get_untracked();
        if let Some(context) = context
            .filter(|context| served.with_untracked(|(asked, _)| asked.as_ref() != Some(context)))
        {
            served.set((Some(context.clone()), Vec::new()));
            spawn_local(async move {
                if let Ok(list) = ipc::call(&ListResources {
                    context: context.clone(),
                })
                .await
                {
                    served.update(|(asked, served)| {
                        if asked.as_ref() == Some(&context) {
                            *served = list;
                        }
                    });
                }
            });
        }
        query.set(start.to_owned());
        chosen.set(0);
        open.set(true);
        request_animation_frame(move || {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    };
    // The shell lives as long as the window, so the listener is never removed.
    let _ = window_event_listener(leptos::ev::keydown, move |event| {
        let key = event.key();
        if (event.ctrl_key() || event.meta_key()) && key.eq_ignore_ascii_case("k") {
            event.prevent_default();
            show("");
            return;
        }
        if open.get_untracked() || typing(&event) || event.ctrl_key() || event.meta_key() {
            return;
        }
        if key == ":" {
            event.prevent_default();
            show(":");
        } else if key == "/"
            && let Some(filter) = document()
                .get_element_by_id("table-filter")
                .and_then(|element| {
                    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok()
                })
        {
            event.prevent_default();
            let _ = filter.focus();
        }
    });
    let run = move |entry: Entry| {
        open.set(false);
        match entry.goal {
            Goal::Go(href) => {
                let _ = window().location().set_hash(&href);
            }
            Goal::Cluster(name) => selection.choose_context(contexts, name),
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let count = shown.with_untracked(Vec::len);
        match event.key().as_str() {
            "Escape" => open.set(false),
            "ArrowDown" if count > 0 => chosen.update(|at| *at = (*at + 1).min(count - 1)),
            "ArrowUp" => chosen.update(|at| *at = at.saturating_sub(1)),
            "Enter" => {
                if let Some(entry) =
                    shown.with_untracked(|shown| shown.get(chosen.get_untracked()).cloned())
                {
                    run(entry);
                }
            }
            _ => return,
        }
        event.prevent_default();
    };
    let list = move || {
        let items = shown.get();
        if items.is_empty() {
            return view! { <li class="palette__empty">{move || i18n.t(Msg::PaletteNoMatch)}</li> }
                .into_any();
        }
        items
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                let hint = entry.aliases.first().map(|alias| format!(":{alias}"));
                let label = entry.label.clone();
                let group = entry.group.clone();
                view! {
                    <li class="palette__item" class:is-selected=move || chosen.get() == index
                        aria-selected=move || (chosen.get() == index).to_string() role="option"
                        on:mousemove=move |_| chosen.set(index) on:click=move |_| run(entry.clone())>
                        <span class="palette__label">{label}</span>
                        <span class="palette__group">{group}</span>
                        {hint.map(|hint| view! { <span class="palette__alias">{hint}</span> })}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    move || {
        open.get().then(|| {
            view! {
                <div class="dialog-backdrop palette-backdrop" on:click=move |_| open.set(false)>
                    <div class="palette" role="dialog" aria-modal="true" id="palette" on:click=|event| event.stop_propagation()>
                        <input id="palette-input" class="input palette__input" type="text" node_ref=input
                            placeholder=move || i18n.t(Msg::PalettePlaceholder) prop:value=move || query.get()
                            on:input=move |event| { query.set(event_target_value(&event)); chosen.set(0); }
                            on:keydown=on_key />
                        <ul class="palette__list" role="listbox" id="palette-list">{list}</ul>
                        <p class="palette__hint">{move || i18n.t(Msg::PaletteHint)}</p>
                    </div>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str, aliases: Vec<String>) -> Entry {
        Entry {
            label: label.into(),
            group: String::new(),
            aliases,
            goal: Goal::Go(String::new()),
        }
    }

    #[test]
    fn short_names_come_first_then_prefixes_then_the_rest() {
        let all = vec![
            entry("Overview", vec!["overview".into()]),
            entry("Deployments", aliases(TableKind::Deployments)),
            entry("DaemonSets", aliases(TableKind::DaemonSets)),
            entry("Nodes", aliases(TableKind::Nodes)),
        ];
        let found = matching(all.clone(), ":ds");
        assert_eq!(found[0].label, "DaemonSets");
        let found = matching(all.clone(), "de");
        assert_eq!(found[0].label, "Deployments");
        let found = matching(
            vec![
                entry("DevOps", vec!["devops".into()]),
                entry("dev", Vec::new()),
            ],
            "dev",
        );
        assert_eq!(found[0].label, "dev", "a whole name first");
        let found = matching(all.clone(), "view");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].label, "Overview");
        assert!(matching(all.clone(), "zzz").is_empty());
        assert_eq!(
            matching(all, " : ").len(),
            4,
            "nothing typed shows everything"
        );
    }
}
