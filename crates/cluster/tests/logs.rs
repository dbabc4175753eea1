//! Logs against the simulator: one pod's last lines; a pod followed across its container's
//! restart; a Deployment's pods merged and followed, a replaced pod's successor joining the stream;
//! and what the server refuses, said.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use std::time::Duration;

use kubedesk_cluster::actions::ObjectRef;
use kubedesk_cluster::logs::{self, LogEvent, LogFollow, LogOptions};
use kubedesk_cluster::tables::Kind;
use kubedesk_sim::{SimServer, demo};

async fn server() -> SimServer {
    sim::serve(demo::dev().unwrap()).await
}

/// The events until `done` holds for what came so far.
async fn until(
    follow: &mut LogFollow,
    what: &str,
    done: impl Fn(&[LogEvent]) -> bool,
) -> Vec<LogEvent> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !done(&seen) {
            match follow.events.recv().await {
                Some(event) => seen.push(event),
                None => break,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never: {what}; saw {seen:?}"));
    assert!(
        done(&seen),
        "never: {what}; the stream ended after {seen:?}"
    );
    seen
}

fn pods_of(cluster: &kubedesk_sim::Cluster, namespace: &str) -> Vec<String> {
    cluster
        .store
        .list("/pods", Some(namespace))
        .1
        .iter()
        .filter(|pod| pod.pointer("/metadata/deletionTimestamp").is_none())
        .map(|pod| pod["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pods_last_lines_come_with_their_times_and_the_stream_ends() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let pod = pods_of(&cluster, "sandbox").remove(0);
    let mut follow = logs::follow(
        &sim::client(&server, None),
        ObjectRef {
            resource: Kind::Pods.into(),
            namespace: Some("sandbox".into()),
            name: pod.clone(),
        },
        LogOptions {
            tail: Some(3),
            ..LogOptions::default()
        },
    );
    let events = until(&mut follow, "the end", |events| {
        events
            .iter()
            .any(|event| matches!(event, LogEvent::Ended { .. }))
    })
    .await;
    let lines: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            LogEvent::Line(line) => Some(line),
            _ => None,
        })
        .collect();
    assert_eq!(lines.len(), 3, "{events:?}");
    assert!(
        lines
            .iter()
            .all(|line| line.pod == pod && line.container == "api")
    );
    assert!(
        lines[0]
            .time
            .as_deref()
            .is_some_and(|time| time.ends_with('Z'))
    );
    assert!(lines[0].text.contains("INFO api: GET"), "{:?}", lines[0]);
    assert_eq!(events.last(), Some(&LogEvent::Ended { pod, error: None }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployments_pods_are_merged_and_a_replacement_joins() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let before = pods_of(&cluster, "sandbox");
    let mut follow = logs::follow(
        &sim::client(&server, None),
        ObjectRef {
            resource: Kind::Deployments.into(),
            namespace: Some("sandbox".into()),
            name: "api".into(),
        },
        LogOptions {
            tail: Some(1),
            follow: true,
            ..LogOptions::default()
        },
    );
    let line_from = |events: &[LogEvent], pod: &str| {
        events
            .iter()
            .any(|event| matches!(event, LogEvent::Line(line) if line.pod == pod))
    };
    until(&mut follow, "a line from each pod", |events| {
        before.iter().all(|pod| line_from(events, pod))
    })
    .await;

    // The first pod goes; its ReplicaSet's new pod joins the same stream.
    cluster
        .store
        .delete("/pods", "sandbox", &before[0])
        .unwrap();
    let events = until(&mut follow, "a line from the replacement", |events| {
        events.iter().any(|event| match event {
            LogEvent::Line(line) => !before.contains(&line.pod),
            _ => false,
        })
    })
    .await;
    assert!(
        events.iter().any(
            |event| matches!(event, LogEvent::Ended { pod, error: None } if *pod == before[0])
        ),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_server_refuses_is_said() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let pod = pods_of(&cluster, "sandbox").remove(0);
    let client = sim::client(&server, None);
    let object = ObjectRef {
        resource: Kind::Pods.into(),
        namespace: Some("sandbox".into()),
        name: pod.clone(),
    };
    let mut previous = logs::follow(
        &client,
        object.clone(),
        LogOptions {
            previous: true,
            ..LogOptions::default()
        },
    );
    let events = until(&mut previous, "a refusal", |events| {
        events
            .iter()
            .any(|event| matches!(event, LogEvent::Ended { .. }))
    })
    .await;
    let Some(LogEvent::Ended {
        error: Some(message),
        ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    assert!(
        message.contains("previous terminated container \"api\""),
        "{message}"
    );

    let mut missing = logs::follow(
        &client,
        ObjectRef {
            resource: Kind::Deployments.into(),
            namespace: Some("sandbox".into()),
            name: "nope".into(),
        },
        LogOptions::default(),
    );
    let events = until(&mut missing, "a failure", |events| !events.is_empty()).await;
    assert_eq!(
        events[0],
        LogEvent::Failed("deployments.apps \"nope\" not found".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_followed_pod_is_read_on_across_its_containers_restart() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let pod = pods_of(&cluster, "sandbox").remove(0);
    let mut follow = logs::follow(
        &sim::client(&server, None),
        ObjectRef {
            resource: Kind::Pods.into(),
            namespace: Some("sandbox".into()),
            name: pod.clone(),
        },
        LogOptions {
            follow: true,
            tail: Some(2),
            ..LogOptions::default()
        },
    );
    let text = |event: &LogEvent| match event {
        LogEvent::Line(line) => Some(line.text.clone()),
        _ => None,
    };
    let before = until(&mut follow, "the first lines", |events| {
        events.iter().filter_map(text).count() >= 2
    })
    .await;
    assert!(
        before
            .iter()
            .filter_map(text)
            .all(|line| !line.ends_with("request=0")),
        "the pod ran for a while: {before:?}"
    );

    // The container restarts: the kubelet's stream of the old one ends, and the new one's log
    // (from its first line) follows in the same stream, nothing said twice.
    let mut restarted = cluster.store.get("/pods", "sandbox", &pod).unwrap();
    let status = restarted
        .pointer_mut("/status/containerStatuses/0")
        .unwrap();
    status["restartCount"] = serde_json::json!(1);
    status["state"] =
        serde_json::json!({"running": {"startedAt": jiff::Timestamp::now().to_string()}});
    cluster
        .store
        .replace("/pods", "sandbox", &pod, None, restarted)
        .unwrap();
    let after = until(&mut follow, "the new container's first line", |events| {
        events
            .iter()
            .filter_map(text)
            .any(|line| line.ends_with("request=0"))
    })
    .await;
    assert!(
        !after
            .iter()
            .any(|event| matches!(event, LogEvent::Ended { .. })),
        "{after:?}"
    );
    let times: Vec<String> = before
        .iter()
        .chain(&after)
        .filter_map(|event| match event {
            LogEvent::Line(line) => line.time.clone(),
            _ => None,
        })
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] < pair[1]),
        "in order, none twice: {times:?}"
    );
}
