//! The control plane as a cluster lets a user see it: the static pods of a kubeadm control plane
//! in `kube-system` (`tier=control-plane`), the leaders the scheduler and the controller manager
//! elected (their Leases), and the etcd leader, from each etcd member's own metrics through the
//! API server's pod proxy when etcd serves them on the pod's address. Managed clusters run their
//! control plane out of sight: then there is nothing to list, and the overview says so.

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

use crate::connect::REQUEST_TIMEOUT;

/// The control plane's members, leaders, and etcd's leader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlPlane {
    /// One per control-plane pod, by component then node.
    pub members: Vec<Member>,
    /// The scheduler's and the controller manager's elected leaders, where their Leases can be
    /// read.
    pub leaders: Vec<Leader>,
    /// Which etcd member leads, or why that cannot be seen.
    pub etcd_leader: EtcdLeader,
}

/// One control-plane pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// `etcd`, `kube-apiserver`, `kube-controller-manager`, `kube-scheduler`.
    pub component: String,
    /// The pod's name.
    pub pod: String,
    /// The node it runs on.
    pub node: String,
    /// Whether it is Ready.
    pub ready: bool,
    /// Its containers' restarts.
    pub restarts: i32,
    /// Its image's tag (`v1.32.4`, `3.5.16-0`).
    pub version: String,
}

/// A leader-election Lease's holder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leader {
    /// The component that elected it.
    pub component: String,
    /// The holder: the node, from `<node>_<uuid>`.
    pub holder: String,
}

/// The etcd leader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EtcdLeader {
    /// No etcd pod is visible.
    #[default]
    NoMembers,
    /// The member (pod) whose metrics say it leads.
    Member(String),
    /// Why the members' metrics could not be read, in the API server's words.
    NotVisible(String),
}

/// Reads the control plane; `None` when the user may not list `kube-system`'s pods.
pub async fn control_plane(client: &kube::Client) -> Result<Option<ControlPlane>, kube::Error> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "kube-system");
    let params = ListParams::default().labels("tier=control-plane");
    let listed = match tokio::time::timeout(REQUEST_TIMEOUT, pods.list(&params)).await {
        Ok(Ok(list)) => list.items,
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => return Ok(None),
        Ok(Err(error)) => return Err(error),
        Err(_) => return Err(kube::Error::Service("no answer in time".into())),
    };
    let mut members: Vec<Member> = listed.iter().map(member).collect();
    members.sort_by(|a, b| (&a.component, &a.node).cmp(&(&b.component, &b.node)));
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-system");
    let mut leaders = Vec::new();
    for component in ["kube-scheduler", "kube-controller-manager"] {
        // A Lease the user may not read, or a cluster that elects no leader, leaves it out.
        let Ok(Ok(lease)) = tokio::time::timeout(REQUEST_TIMEOUT, leases.get(component)).await
        else {
            continue;
        };
        let spec = lease.spec.unwrap_or_default();
        if let Some(holder) = spec.holder_identity.filter(|holder| !holder.is_empty()) {
            leaders.push(Leader {
                component: component.to_owned(),
                holder: holder.split('_').next().unwrap_or_default().to_owned(),
            });
        }
    }
    let etcd_leader = etcd_leader(client, &members).await;
    Ok(Some(ControlPlane {
        members,
        leaders,
        etcd_leader,
    }))
}

fn member(pod: &Pod) -> Member {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    Member {
        component: labels.get("component").cloned().unwrap_or_default(),
        pod: pod.metadata.name.clone().unwrap_or_default(),
        node: spec.node_name.unwrap_or_default(),
        ready: status
            .conditions
            .iter()
            .flatten()
            .any(|condition| condition.type_ == "Ready" && condition.status == "True"),
        restarts: status
            .container_statuses
            .iter()
            .flatten()
            .map(|container| container.restart_count)
            .sum(),
        version: spec
            .containers
            .first()
            .and_then(|container| container.image.as_deref())
            .and_then(|image| image.rsplit_once(':'))
            .map(|(_, tag)| tag.to_owned())
            .unwrap_or_default(),
    }
}

/// Asks each etcd member's metrics (port 2381, kubeadm's `--listen-metrics-urls`) through the pod
/// proxy which one leads.
async fn etcd_leader(client: &kube::Client, members: &[Member]) -> EtcdLeader {
    let mut reason = None;
    for member in members.iter().filter(|member| member.component == "etcd") {
        let path = format!(
            "/api/v1/namespaces/kube-system/pods/http:{}:2381/proxy/metrics",
            member.pod
        );
        let request = match http::Request::get(path).body(Vec::new()) {
            Ok(request) => request,
            Err(error) => return EtcdLeader::NotVisible(error.to_string()),
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, client.request_text(request)).await {
            Ok(Ok(metrics)) => {
                if metrics.lines().any(|line| {
                    line.split_whitespace().collect::<Vec<_>>() == ["etcd_server_is_leader", "1"]
                }) {
                    return EtcdLeader::Member(member.pod.clone());
                }
            }
            Ok(Err(kube::Error::Api(status))) => {
                reason.get_or_insert(status.message);
            }
            Ok(Err(error)) => {
                reason.get_or_insert(error.to_string());
            }
            Err(_) => {
                reason.get_or_insert_with(|| "no answer in time".to_owned());
            }
        }
    }
    match reason {
        Some(reason) => EtcdLeader::NotVisible(reason),
        None if members.iter().any(|member| member.component == "etcd") => {
            EtcdLeader::NotVisible("no member says it leads".to_owned())
        }
        None => EtcdLeader::NoMembers,
    }
}
