//! The control plane card of the overview: the control-plane pods, the elected leaders, and the
//! etcd leader where etcd lets it be seen.

use kubedesk_ipc::ControlPlaneInfo;
use leptos::prelude::*;

use crate::components::table::TableHead;
use crate::i18n::{Msg, use_i18n};

/// The control plane; what cannot be seen says why.
#[component]
pub fn ControlPlaneCard(plane: Option<ControlPlaneInfo>) -> impl IntoView {
    let i18n = use_i18n();
    let body = match plane {
        None => view! { <p class="card__intro">{move || i18n.t(Msg::ControlPlaneHidden)}</p> }
            .into_any(),
        Some(plane) if plane.members.is_empty() => {
            view! { <p class="card__intro">{move || i18n.t(Msg::ControlPlaneManaged)}</p> }
                .into_any()
        }
        Some(plane) => {
            let leader_of = |component: &str| {
                plane
                    .leaders
                    .iter()
                    .find(|leader| leader.component == component)
                    .map(|leader| leader.holder.clone())
            };
            let etcd_leader = plane.etcd_leader.clone();
            let rows = plane
                .members
                .iter()
                .map(|member| {
                    let leads = match member.component.as_str() {
                        "etcd" => etcd_leader.as_deref() == Some(member.pod.as_str()),
                        component => leader_of(component).as_deref() == Some(member.node.as_str()),
                    };
                    let ready = member.ready;
                    view! {
                        <tr data-component=member.component.clone()>
                            <td class="cell--strong">
                                {member.component.clone()}
                                {leads.then(|| view! { <span class="tag tag--accent">{move || i18n.t(Msg::ControlPlaneLeader)}</span> })}
                            </td>
                            <td>{member.node.clone()}</td>
                            <td>{move || i18n.t(if ready { Msg::OverviewNodeReady } else { Msg::OverviewNodeNotReady })}</td>
                            <td class="cell--number">{member.restarts}</td>
                            <td class="cell--mono">{member.version.clone()}</td>
                        </tr>
                    }
                })
                .collect_view();
            let etcd = match (plane.etcd_leader.clone(), plane.etcd_leader_hidden.clone()) {
                (Some(pod), _) => Some(view! {
                    <p class="card__intro" id="etcd-leader">{move || i18n.tf(Msg::ControlPlaneEtcdLeader, &[("member", &pod)])}</p>
                }.into_any()),
                (None, Some(reason)) => Some(view! {
                    <p class="card__intro" id="etcd-leader">{move || i18n.tf(Msg::ControlPlaneEtcdHidden, &[("reason", &reason)])}</p>
                }.into_any()),
                (None, None) => None,
            };
            view! {
                <table class="table" id="control-plane-table">
                    <TableHead columns=&[Msg::ControlPlaneColComponent, Msg::OverviewColNode, Msg::ClustersColStatus, Msg::ControlPlaneColRestarts, Msg::ClustersColVersion] />
                    <tbody>{rows}</tbody>
                </table>
                {etcd}
            }
            .into_any()
        }
    };
    view! {
        <div class="card card--table" id="overview-control-plane">
            <h2 class="card__title card__title--padded">{move || i18n.t(Msg::ControlPlaneTitle)}</h2>
            {body}
        </div>
    }
}
