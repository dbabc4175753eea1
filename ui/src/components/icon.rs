//! The icon set: Lucide, copied unchanged into `assets/icons/lucide` with its licence.

use leptos::prelude::*;

/// The icons the UI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum IconName {
    Activity,
    Boxes,
    Building,
    CircleCheck,
    Construction,
    Cpu,
    FileText,
    HardDrive,
    Languages,
    LayoutDashboard,
    Layers,
    Monitor,
    Moon,
    Network,
    RefreshCw,
    Server,
    Settings,
    Store,
    Sun,
    TriangleAlert,
    Workflow,
}

impl IconName {
    fn svg(self) -> &'static str {
        match self {
            IconName::Activity => include_str!("../../../assets/icons/lucide/activity.svg"),
            IconName::Boxes => include_str!("../../../assets/icons/lucide/boxes.svg"),
            IconName::Building => include_str!("../../../assets/icons/lucide/building-2.svg"),
            IconName::CircleCheck => include_str!("../../../assets/icons/lucide/circle-check.svg"),
            IconName::Construction => include_str!("../../../assets/icons/lucide/construction.svg"),
            IconName::Cpu => include_str!("../../../assets/icons/lucide/cpu.svg"),
            IconName::FileText => include_str!("../../../assets/icons/lucide/file-text.svg"),
            IconName::HardDrive => include_str!("../../../assets/icons/lucide/hard-drive.svg"),
            IconName::Languages => include_str!("../../../assets/icons/lucide/languages.svg"),
            IconName::LayoutDashboard => {
                include_str!("../../../assets/icons/lucide/layout-dashboard.svg")
            }
            IconName::Layers => include_str!("../../../assets/icons/lucide/layers.svg"),
            IconName::Monitor => include_str!("../../../assets/icons/lucide/monitor.svg"),
            IconName::Moon => include_str!("../../../assets/icons/lucide/moon.svg"),
            IconName::Network => include_str!("../../../assets/icons/lucide/network.svg"),
            IconName::RefreshCw => include_str!("../../../assets/icons/lucide/refresh-cw.svg"),
            IconName::Server => include_str!("../../../assets/icons/lucide/server.svg"),
            IconName::Settings => include_str!("../../../assets/icons/lucide/settings.svg"),
            IconName::Store => include_str!("../../../assets/icons/lucide/store.svg"),
            IconName::Sun => include_str!("../../../assets/icons/lucide/sun.svg"),
            IconName::TriangleAlert => {
                include_str!("../../../assets/icons/lucide/triangle-alert.svg")
            }
            IconName::Workflow => include_str!("../../../assets/icons/lucide/workflow.svg"),
        }
    }
}

/// An icon drawn in the current text colour.
#[component]
pub fn Icon(name: IconName) -> impl IntoView {
    view! { <span class="icon" aria-hidden="true" inner_html=name.svg()></span> }
}
