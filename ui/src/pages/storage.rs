//! Storage: live tables of volumes, volume snapshots, storage classes, snapshot classes and
//! persistent volumes in the selected cluster (or all of them), with the columns the server prints
//! for each; each object opens its page. Volumes and storage classes are created from forms.

pub mod forms;

use kubedesk_ipc::{ObjectKind, ResourceName};
use leptos::prelude::*;

use crate::components::live_table::ClusterTable;
use crate::i18n::{Msg, use_i18n};
use crate::route::Hash;
use crate::state::{Contexts, Loadable, Selection, default_namespace};
use forms::{ClassForm, VolumeForm};

/// One tab: its name in the URL, its label, and the resource it lists.
struct Tab {
    slug: &'static str,
    label: Msg,
    group: &'static str,
    plural: &'static str,
}

const TABS: [Tab; 5] = [
    Tab {
        slug: "volumes",
        label: Msg::StorageVolumes,
        group: "",
        plural: "persistentvolumeclaims",
    },
    Tab {
        slug: "snapshots",
        label: Msg::StorageSnapshots,
        group: "snapshot.storage.k8s.io",
        plural: "volumesnapshots",
    },
    Tab {
        slug: "classes",
        label: Msg::StorageClasses,
        group: "storage.k8s.io",
        plural: "storageclasses",
    },
    Tab {
        slug: "snapshot-classes",
        label: Msg::StorageSnapshotClasses,
        group: "snapshot.storage.k8s.io",
        plural: "volumesnapshotclasses",
    },
    Tab {
        slug: "persistent-volumes",
        label: Msg::StoragePersistentVolumes,
        group: "",
        plural: "persistentvolumes",
    },
];

impl Tab {
    fn href(&self) -> String {
        format!("#/storage/{}", self.slug)
    }

    fn kind(&self) -> ObjectKind {
        ObjectKind::Resource(ResourceName {
            group: self.group.to_owned(),
            version: "v1".to_owned(),
            plural: self.plural.to_owned(),
        })
    }
}

/// The tab a `#/storage/…` fragment names; volumes when it names none.
fn chosen(hash: &str) -> usize {
    let path = hash.trim_start_matches('#').trim_start_matches('/');
    let slug = path.split(['/', '?']).nth(1).unwrap_or_default();
    TABS.iter().position(|tab| tab.slug == slug).unwrap_or(0)
}

/// The storage tabs and the live table of the one chosen.
#[component]
pub fn StoragePage() -> impl IntoView {
    let i18n = use_i18n();
    let Hash(hash) = expect_context();
    let tab = Memo::new(move |_| chosen(&hash.get()));
    let selection: Selection = expect_context();
    let Contexts(contexts) = expect_context();
    let creating = RwSignal::new(false);
    // The create button of the tab, for the selected cluster.
    let create = move || {
        let label = match TABS[tab.get()].slug {
            "volumes" => Msg::StorageCreateVolume,
            "classes" => Msg::StorageCreateClass,
            _ => return None,
        };
        Some(view! {
            <button type="button" class="button button--primary" id="storage-create"
                disabled=move || selection.context.get().is_none()
                on:click=move |_| creating.set(true)>
                {move || i18n.t(label)}
            </button>
        })
    };
    let form = move || {
        if !creating.get() {
            return None;
        }
        let context = selection.context.get_untracked()?;
        Some(match TABS[tab.get_untracked()].slug {
            "classes" => view! { <ClassForm context open=creating /> }.into_any(),
            _ => {
                let namespace = selection
                    .namespace
                    .get_untracked()
                    .or_else(|| match contexts.get_untracked() {
                        Loadable::Ready(list) => default_namespace(&list, Some(&context)),
                        _ => None,
                    })
                    .unwrap_or_else(|| "default".to_owned());
                view! { <VolumeForm context namespace open=creating /> }.into_any()
            }
        })
    };
    let tabs = TABS
        .iter()
        .enumerate()
        .map(|(index, choice)| {
            view! {
                <a class="tab" class:is-active=move || tab.get() == index href=choice.href()
                    data-tab=choice.slug role="tab" aria-selected=move || (tab.get() == index).to_string()>
                    {move || i18n.t(choice.label)}
                </a>
            }
        })
        .collect_view();
    view! {
        <section class="page page--fill" data-page="storage">
            <header class="page__header page__header--actions">
                <div>
                    <h1 class="page__title">{move || i18n.t(Msg::StorageTitle)}</h1>
                    <p class="page__subtitle">{move || i18n.t(Msg::StorageSubtitle)}</p>
                </div>
                {create}
            </header>
            <nav class="tabs" role="tablist">{tabs}</nav>
            <ClusterTable kind=Signal::derive(move || TABS[tab.get()].kind()) />
            {form}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tab_round_trips_through_its_link() {
        for (index, tab) in TABS.iter().enumerate() {
            assert_eq!(chosen(&tab.href()), index);
        }
        assert_eq!(chosen("#/storage"), 0);
        assert_eq!(chosen("#/storage/nowhere"), 0);
    }
}
