//! Storage: live tables of volumes, volume snapshots, storage classes, snapshot classes and
//! persistent volumes in the selected cluster (or all of them), with the columns the server prints
//! for each; each object opens its page.

use kubedesk_ipc::{ObjectKind, ResourceName};
use leptos::prelude::*;

use crate::components::live_table::ClusterTable;
use crate::i18n::{Msg, use_i18n};
use crate::route::Hash;

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
            <header class="page__header">
                <h1 class="page__title">{move || i18n.t(Msg::StorageTitle)}</h1>
                <p class="page__subtitle">{move || i18n.t(Msg::StorageSubtitle)}</p>
            </header>
            <nav class="tabs" role="tablist">{tabs}</nav>
            <ClusterTable kind=Signal::derive(move || TABS[tab.get()].kind()) />
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
