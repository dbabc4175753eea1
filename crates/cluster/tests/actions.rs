//! Actions against the simulator: scale, restart, delete with each propagation, trigger a
//! CronJob, cordon, uncordon and drain (static pods skipped, unmanaged pods and disruption budgets
//! stopping it with the reason), and the access each one needs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use std::time::Duration;

use kubedesk_cluster::access;
use kubedesk_cluster::actions::{
    self, Action, ActionError, ActionKind, DrainOptions, ObjectRef, Propagation,
};
use kubedesk_cluster::tables::Kind;
use kubedesk_sim::auth::User;
use kubedesk_sim::{Cluster, SimServer, demo};
use kubedesk_testkit::eventually;
use serde_json::{Value, json};

async fn server() -> SimServer {
    let cluster = demo::dev().unwrap();
    cluster.auth.add_token("t-jane", User::new("jane", &[]));
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "sandbox",
            json!({"metadata": {"name": "jane-edits"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]}),
        )
        .unwrap();
    sim::serve(cluster).await
}

fn object(kind: Kind, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        resource: kind.into(),
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
    }
}

/// The live objects (not terminating) of `resource` in `namespace`.
fn live(cluster: &Cluster, resource: &str, namespace: &str) -> Vec<Value> {
    let (_, objects) = cluster.store.list(resource, Some(namespace));
    objects
        .into_iter()
        .filter(|object| object.pointer("/metadata/deletionTimestamp").is_none())
        .collect()
}

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn scaling_and_restarting_a_deployment_roll_its_pods() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let client = sim::client(&server, None);
    let api = object(Kind::Deployments, Some("sandbox"), "api");

    actions::run(&client, &api, &Action::Scale(3))
        .await
        .unwrap();
    eventually("three api pods", || {
        (live(&cluster, "/pods", "sandbox").len() == 3).then_some(())
    })
    .await;

    actions::run(&client, &api, &Action::Restart).await.unwrap();
    let deployment = cluster
        .store
        .get("apps/deployments", "sandbox", "api")
        .unwrap();
    let restarted = text(
        &deployment,
        "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
    );
    assert!(
        restarted.ends_with('Z'),
        "the restart time is set: {deployment}"
    );
    let before: Vec<String> = live(&cluster, "/pods", "sandbox")
        .iter()
        .map(|pod| text(pod, "/metadata/uid").to_owned())
        .collect();
    eventually("three new pods replace the old ones", || {
        let pods = live(&cluster, "/pods", "sandbox");
        (pods.len() == 3
            && pods
                .iter()
                .all(|pod| !before.contains(&text(pod, "/metadata/uid").to_owned())))
        .then_some(())
    })
    .await;

    let refused = actions::run(&client, &api, &Action::Scale(-1))
        .await
        .unwrap_err();
    assert!(matches!(refused, ActionError::Invalid(_)), "{refused}");
    assert!(refused.to_string().contains("0 or more"), "{refused}");
    let not_offered = actions::run(
        &client,
        &object(Kind::Pods, Some("sandbox"), "anything"),
        &Action::Scale(2),
    )
    .await
    .unwrap_err();
    assert_eq!(
        not_offered.to_string(),
        "Pod sandbox/anything cannot be scaled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_keeps_or_removes_dependents_as_asked() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let client = sim::client(&server, None);

    actions::run(
        &client,
        &object(Kind::Deployments, Some("sandbox"), "api"),
        &Action::Delete(Propagation::Orphan),
    )
    .await
    .unwrap();
    eventually("the deployment is gone", || {
        cluster
            .store
            .get("apps/deployments", "sandbox", "api")
            .is_none()
            .then_some(())
    })
    .await;
    let sets = live(&cluster, "apps/replicasets", "sandbox");
    assert_eq!(sets.len(), 1, "the replica set stays");
    assert!(sets[0].pointer("/metadata/ownerReferences/0").is_none());

    let set = text(&sets[0], "/metadata/name").to_owned();
    actions::run(
        &client,
        &object(Kind::ReplicaSets, Some("sandbox"), &set),
        &Action::Delete(Propagation::Foreground),
    )
    .await
    .unwrap();
    eventually("the replica set and its pods are gone", || {
        (live(&cluster, "apps/replicasets", "sandbox").is_empty()
            && cluster.store.list("/pods", Some("sandbox")).1.is_empty())
        .then_some(())
    })
    .await;

    let missing = actions::run(
        &client,
        &object(Kind::Deployments, Some("sandbox"), "api"),
        &Action::Delete(Propagation::Background),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            missing,
            ActionError::Server {
                code: Some(404),
                ..
            }
        ),
        "{missing}"
    );
    assert!(
        missing
            .to_string()
            .contains("deployments.apps \"api\" not found"),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn triggering_a_cronjob_starts_a_job_it_owns() {
    let server = server().await;
    let cluster = server.cluster().clone();
    cluster
        .create(
            "batch",
            "cronjobs",
            "sandbox",
            json!({"metadata": {"name": "report"},
                   "spec": {"schedule": "0 3 * * *", "jobTemplate": {
                       "metadata": {"labels": {"app": "report"}},
                       "spec": {"template": {"spec": {"restartPolicy": "Never",
                           "containers": [{"name": "report", "image": "busybox:1.36"}]}}}}}}),
        )
        .unwrap();
    let client = sim::client(&server, None);
    let done = actions::run(
        &client,
        &object(Kind::CronJobs, Some("sandbox"), "report"),
        &Action::Trigger,
    )
    .await
    .unwrap();
    let [job_name] = done.affected.as_slice() else {
        panic!("one job: {done:?}")
    };
    assert!(job_name.starts_with("report-manual-"), "{job_name}");
    let job = cluster
        .store
        .get("batch/jobs", "sandbox", job_name)
        .unwrap();
    assert_eq!(text(&job, "/metadata/ownerReferences/0/kind"), "CronJob");
    assert_eq!(text(&job, "/metadata/ownerReferences/0/name"), "report");
    assert_eq!(
        text(
            &job,
            "/metadata/annotations/cronjob.kubernetes.io~1instantiate"
        ),
        "manual"
    );
    assert_eq!(text(&job, "/metadata/labels/app"), "report");
    eventually("the job's pod", || {
        live(&cluster, "/pods", "sandbox")
            .iter()
            .any(|pod| text(pod, "/metadata/ownerReferences/0/name") == job_name)
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn draining_evicts_what_may_move_and_says_what_stops_it() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let client = sim::client(&server, None);
    let node = object(Kind::Nodes, None, "dev-01");
    let unschedulable = || {
        cluster
            .store
            .get("/nodes", "", "dev-01")
            .and_then(|node| node.pointer("/spec/unschedulable").cloned())
    };

    actions::run(&client, &node, &Action::Cordon).await.unwrap();
    assert_eq!(unschedulable(), Some(json!(true)));
    actions::run(&client, &node, &Action::Uncordon)
        .await
        .unwrap();
    assert_eq!(unschedulable(), None);

    // A pod no controller manages stops the drain unless forced; nothing is evicted.
    cluster
        .create(
            "",
            "pods",
            "default",
            json!({"metadata": {"name": "scratch"},
                   "spec": {"nodeName": "dev-01", "containers": [{"name": "sh", "image": "busybox:1.36"}]}}),
        )
        .unwrap();
    let stopped = actions::run(&client, &node, &Action::Drain(DrainOptions::default()))
        .await
        .unwrap_err();
    let ActionError::NotDrained { left, .. } = &stopped else {
        panic!("{stopped}")
    };
    assert_eq!(left.len(), 1, "{stopped}");
    assert_eq!(left[0].0, "default/scratch");
    assert!(left[0].1.contains("no controller"), "{stopped}");
    assert_eq!(
        unschedulable(),
        Some(json!(true)),
        "the node stays cordoned"
    );
    assert_eq!(
        live(&cluster, "/pods", "sandbox").len(),
        2,
        "nothing was evicted"
    );

    // A disruption budget that needs both api pods keeps them, and says so.
    cluster
        .create(
            "policy",
            "poddisruptionbudgets",
            "sandbox",
            json!({"metadata": {"name": "api"}, "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api"}}}}),
        )
        .unwrap();
    let options = DrainOptions {
        force: true,
        timeout: Duration::from_millis(300),
        ..DrainOptions::default()
    };
    let stopped = actions::run(&client, &node, &Action::Drain(options))
        .await
        .unwrap_err();
    let message = stopped.to_string();
    assert!(
        message.contains("The disruption budget api needs 2 healthy pods and has 2 currently"),
        "{message}"
    );

    assert!(
        !message.contains("scratch"),
        "forced, the unmanaged pod went: {message}"
    );
    assert!(
        live(&cluster, "/pods", "default")
            .iter()
            .all(|pod| text(pod, "/metadata/name") != "scratch")
    );

    cluster
        .store
        .delete("policy/poddisruptionbudgets", "sandbox", "api")
        .unwrap();
    let done = actions::run(&client, &node, &Action::Drain(options))
        .await
        .unwrap();
    assert!(
        done.affected
            .iter()
            .any(|pod| pod.starts_with("sandbox/api-")),
        "{done:?}"
    );
    assert!(
        done.skipped
            .iter()
            .any(|(pod, why)| pod.starts_with("kube-system/etcd-") && why.contains("static pod")),
        "{done:?}"
    );
    eventually("the api pods are replaced and wait for a node", || {
        let pods = live(&cluster, "/pods", "sandbox");
        (pods.len() == 2
            && pods
                .iter()
                .all(|pod| text(pod, "/status/phase") == "Pending"))
        .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_action_asks_for_the_access_it_needs() {
    let server = server().await;
    let api = object(Kind::Deployments, Some("sandbox"), "api");
    let node = object(Kind::Nodes, None, "dev-01");
    let ask = |kind: ActionKind, object: &ObjectRef| kind.needs(object);
    for (token, allowed) in [(None, true), (Some("t-jane"), false)] {
        let client = sim::client(&server, token);
        for (kind, object) in [
            (ActionKind::Scale, &api),
            (ActionKind::Restart, &api),
            (ActionKind::Delete, &api),
            (ActionKind::Drain, &node),
        ] {
            let verdicts = access::can(&client, &ask(kind, object)).await.unwrap();
            assert_eq!(
                verdicts.iter().all(|verdict| verdict.allowed),
                allowed,
                "{kind:?} for {token:?}: {verdicts:?}"
            );
        }
    }
    let scale = ask(ActionKind::Scale, &api);
    assert_eq!(scale[0].resource, "deployments/scale");
    assert_eq!(scale[0].name.as_deref(), Some("api"));
}
