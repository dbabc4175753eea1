//! Detail pages' data against the simulator: a Deployment with its containers, events, ReplicaSet
//! and pods, following a scale and a delete; a node with the pods it runs; and an object the user
//! may not read; a custom resource, which has no page of its own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use std::time::Duration;

use kubedesk_cluster::actions::{self, Action, ActionKind, ObjectRef, Propagation};
use kubedesk_cluster::detail::{self, Detail, DetailWatch, Presence};
use kubedesk_cluster::resources;
use kubedesk_cluster::tables::{Cell, Kind};
use kubedesk_sim::auth::User;
use kubedesk_sim::{SimServer, demo};

async fn server() -> SimServer {
    let cluster = demo::dev().unwrap();
    cluster.auth.add_token("t-nobody", User::new("nobody", &[]));
    sim::serve(cluster).await
}

/// Waits until the followed detail satisfies `check`.
async fn until(watch: &DetailWatch, what: &str, check: impl Fn(&Detail) -> bool) -> Detail {
    let mut changes = watch.changes();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let detail = changes.borrow_and_update().clone();
            if check(&detail) {
                return detail;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never: {what}; last {:?}", watch.changes().borrow()))
}

fn pods(detail: &Detail) -> usize {
    detail
        .related
        .iter()
        .find(|related| related.kind == Kind::Pods)
        .map_or(0, |related| related.rows.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_is_followed_with_its_replica_sets_pods_and_events() {
    let server = server().await;
    let client = sim::client(&server, None);
    let api = ObjectRef {
        resource: Kind::Deployments.into(),
        namespace: Some("sandbox".into()),
        name: "api".into(),
    };
    let watch = detail::follow(&client, api.clone());
    let detail = until(&watch, "the deployment and its two pods", |detail| {
        detail.presence == Presence::Found && pods(detail) == 2
    })
    .await;
    let description = detail.description.as_ref().unwrap();
    assert_eq!(description.name, "api");
    assert_eq!(description.containers[0].image, "ghcr.io/example/api:2.3.1");
    assert!(
        description
            .facts
            .iter()
            .any(|fact| fact.name == "Ready" && fact.value == Cell::Text("2/2".into())),
        "{:?}",
        description.facts
    );
    assert!(description.yaml.contains("kind: Deployment"));
    let sets = &detail.related[0];
    assert_eq!(sets.kind, Kind::ReplicaSets);
    assert_eq!(sets.rows.len(), 1);

    actions::run(&client, &api, &Action::Scale(3))
        .await
        .unwrap();
    let scaled = until(&watch, "three pods and a scaling event", |detail| {
        pods(detail) == 3
            && detail
                .events
                .iter()
                .any(|event| event.reason == "ScalingReplicaSet" && event.message.contains("to 3"))
    })
    .await;
    assert_eq!(scaled.events[0].source, "deployment-controller");

    actions::run(&client, &api, &Action::Delete(Propagation::Background))
        .await
        .unwrap();
    until(&watch, "the deployment gone", |detail| {
        detail.presence == Presence::Gone && detail.description.is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_lists_the_pods_it_runs_and_a_forbidden_object_says_why() {
    let server = server().await;
    let node = ObjectRef {
        resource: Kind::Nodes.into(),
        namespace: None,
        name: "dev-01".into(),
    };
    let watch = detail::follow(&sim::client(&server, None), node.clone());
    let detail = until(&watch, "the node with its pods", |detail| pods(detail) >= 7).await;
    let description = detail.description.unwrap();
    assert!(
        description
            .facts
            .iter()
            .any(|fact| fact.name == "CPU" && fact.value == Cell::Text("16 / 16".into())),
        "{:?}",
        description.facts
    );
    assert!(description.containers.is_empty());

    let refused = detail::follow(&sim::client(&server, Some("t-nobody")), node);
    let detail = until(&refused, "a refusal", |detail| {
        matches!(detail.presence, Presence::Failed(_))
    })
    .await;
    let Presence::Failed(message) = detail.presence else {
        unreachable!()
    };
    assert!(
        message.contains("User \"nobody\" cannot watch resource \"nodes\"")
            || message.contains("User \"nobody\" cannot list resource \"nodes\""),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_resource_is_followed_with_its_conditions_owner_and_yaml_and_can_be_deleted() {
    let server = server().await;
    let client = sim::client(&server, None);
    let served = resources::served(&client).await.unwrap();
    let task_runs = resources::find(&served, "tekton.dev", "v1", "taskruns").unwrap();
    assert_eq!(
        actions::offered(&task_runs),
        [ActionKind::Delete, ActionKind::Edit]
    );
    let run = ObjectRef {
        resource: task_runs,
        namespace: Some("sandbox".into()),
        name: "ci-run-7-build".into(),
    };
    let watch = detail::follow(&client, run.clone());
    let found = until(&watch, "the TaskRun is found", |detail| {
        detail.presence == Presence::Found
    })
    .await;
    let description = found.description.unwrap();
    assert_eq!(description.name, "ci-run-7-build");
    assert_eq!(
        (
            description.owners[0].kind.as_str(),
            description.owners[0].name.as_str(),
            description.owners[0].table
        ),
        ("PipelineRun", "ci-run-7", None)
    );
    let succeeded = &description.conditions[0];
    assert_eq!(
        (succeeded.kind.as_str(), succeeded.status.as_str()),
        ("Succeeded", "True")
    );
    assert_eq!(description.labels["tekton.dev/pipelineRun"], "ci-run-7");
    // The columns its definition prints come first, as the server prints them.
    assert_eq!(description.facts[0].name, "Succeeded");
    assert_eq!(description.facts[0].value, Cell::Text("True".into()));
    assert!(
        description
            .facts
            .iter()
            .any(|fact| fact.name == "Created" && matches!(fact.value, Cell::Time(Some(_))))
    );
    assert!(description.containers.is_empty());
    assert!(description.yaml.contains("podName: ci-run-7-build-pod"));
    assert!(description.editable.contains("kind: TaskRun"));

    // What only the kinds with pages of their own do is refused; deleting works as for any.
    let refused = actions::run(&client, &run, &Action::Scale(2)).await;
    assert!(
        refused.as_ref().is_err_and(
            |error| error.to_string() == "TaskRun sandbox/ci-run-7-build cannot be scaled"
        ),
        "{refused:?}"
    );
    actions::run(&client, &run, &Action::Delete(Propagation::Background))
        .await
        .unwrap();
    until(&watch, "the TaskRun is gone", |detail| {
        detail.presence == Presence::Gone
    })
    .await;
}
