//! YAML applied with server-side apply against the simulator: several documents created (a dry
//! run first, changing nothing), an edit that conflicts with kubectl's fields and is then forced,
//! an edit of an object changed meanwhile, a kind the cluster does not serve, and an object the
//! server refuses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/sim.rs"]
mod sim;

use kubedesk_cluster::actions::ObjectRef;
use kubedesk_cluster::apply::{self, Change, DiffLine, Options, Refusal};
use kubedesk_cluster::detail;
use kubedesk_cluster::tables::Kind;
use kubedesk_sim::{SimServer, demo};

async fn server() -> SimServer {
    sim::serve(demo::dev().unwrap()).await
}

const TWO: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
      - name: worker
        image: busybox:1.36
";

#[tokio::test(flavor = "multi_thread")]
async fn several_documents_are_previewed_then_created_then_unchanged() {
    let server = server().await;
    let cluster = server.cluster().clone();
    let client = sim::client(&server, None);
    let documents = apply::parse(TWO).unwrap();

    let preview = apply::apply(
        &client,
        &documents,
        "sandbox",
        Options {
            dry_run: true,
            ..Options::default()
        },
    )
    .await;
    assert_eq!(preview.len(), 2);
    for outcome in &preview {
        let (change, lines) = outcome.result.as_ref().unwrap();
        assert_eq!(*change, Change::Created, "{outcome:?}");
        assert!(lines.iter().all(|line| matches!(line, DiffLine::Added(_))));
    }
    assert_eq!(preview[1].namespace.as_deref(), Some("sandbox"));
    assert_eq!(preview[1].line, 8);
    assert!(
        cluster
            .store
            .get("/configmaps", "sandbox", "settings")
            .is_none(),
        "a dry run changes nothing"
    );

    let applied = apply::apply(&client, &documents, "sandbox", Options::default()).await;
    assert!(
        applied.iter().all(|outcome| outcome.result.is_ok()),
        "{applied:?}"
    );
    let stored = cluster
        .store
        .get("/configmaps", "sandbox", "settings")
        .unwrap();
    assert_eq!(stored["data"]["mode"], "fast");
    assert_eq!(
        stored["metadata"]["managedFields"][0]["manager"],
        "kubedesk"
    );

    let again = apply::apply(&client, &documents, "sandbox", Options::default()).await;
    assert!(
        again
            .iter()
            .all(|outcome| matches!(outcome.result, Ok((Change::Unchanged, _)))),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_of_kubectls_fields_conflicts_until_forced() {
    let server = server().await;
    let client = sim::client(&server, None);
    let api = ObjectRef {
        resource: Kind::Deployments.into(),
        namespace: Some("sandbox".into()),
        name: "api".into(),
    };
    let text = apply::editable(&detail::get(&client, &api).await.unwrap());
    let edited = text.replace("ghcr.io/example/api:2.3.1", "ghcr.io/example/api:2.4.0");
    assert_ne!(text, edited);
    let documents = apply::parse(&edited).unwrap();

    let refused = apply::apply(&client, &documents, "default", Options::default()).await;
    let Err(Refusal::Conflicts { message, fields }) = &refused[0].result else {
        panic!("{refused:?}")
    };
    assert!(
        message.starts_with("Apply failed with 1 conflict"),
        "{message}"
    );
    assert_eq!(fields[0].manager, "kubectl-client-side-apply");
    assert_eq!(
        fields[0].field,
        ".spec.template.spec.containers[name=\"api\"].image"
    );

    let forced = apply::apply(
        &client,
        &documents,
        "default",
        Options {
            force: true,
            ..Options::default()
        },
    )
    .await;
    let Ok((Change::Configured, lines)) = &forced[0].result else {
        panic!("{forced:?}")
    };
    // (Keys keep the server's order or are sorted, as serde_json is built: compare lines' ends.)
    let has = |wanted: &dyn Fn(&DiffLine) -> bool| lines.iter().any(wanted);
    assert!(
        has(
            &|line| matches!(line, DiffLine::Removed(text) if text.ends_with("image: ghcr.io/example/api:2.3.1"))
        ),
        "{lines:?}"
    );
    assert!(
        has(
            &|line| matches!(line, DiffLine::Added(text) if text.ends_with("image: ghcr.io/example/api:2.4.0"))
        ),
        "{lines:?}"
    );

    // The text still holds the resource version it was read at: the object changed since.
    let stale = apply::apply(&client, &documents, "default", Options::default()).await;
    let Err(Refusal::Server(message)) = &stale[0].result else {
        panic!("{stale:?}")
    };
    assert!(
        message.contains("the object has been modified"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_kinds_and_refused_objects_say_why() {
    let server = server().await;
    let client = sim::client(&server, None);
    let documents = apply::parse(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    )
    .unwrap();
    let outcomes = apply::apply(&client, &documents, "default", Options::default()).await;
    assert_eq!(
        outcomes[0].result.as_ref().unwrap_err().to_string(),
        "the cluster serves no Widget in example.com/v1; check the apiVersion and kind, or install its CRD first"
    );
    let refused = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(refused.contains("Bad_Name"), "{refused}");
    assert!(refused.contains("Invalid value"), "{refused}");
}
