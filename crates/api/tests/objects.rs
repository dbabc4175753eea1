//! Detail pages and actions through the use-cases the window calls: a followed Deployment with
//! the actions offered to an administrator and to a viewer, a scale the detail follows, a refused
//! action with the server's reason, and the subscription's end; a custom resource's table and
//! page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/updates.rs"]
mod updates;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kubedesk_api::objects::{run_action, stop_object, watch_object};
use kubedesk_api::resources::list_resources;
use kubedesk_api::tables::watch_table;
use kubedesk_api::{App, AppConfig, KubeconfigPaths};
use kubedesk_ipc as ipc;
use kubedesk_sim::auth::User;
use kubedesk_sim::{SimServer, demo};
use serde_json::json;

struct Setup {
    server: SimServer,
    _dir: tempfile::TempDir,
    app: App,
}

/// The dev cluster, with contexts `dev` (its administrator) and `jane` (who may only view
/// `sandbox`).
async fn setup() -> Setup {
    let cluster = demo::dev().unwrap();
    cluster.auth.add_token("t-jane", User::new("jane", &[]));
    cluster
        .create(
            "rbac.authorization.k8s.io",
            "rolebindings",
            "sandbox",
            json!({"metadata": {"name": "jane-views"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]}),
        )
        .unwrap();
    let server = SimServer::start(Arc::new(cluster), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: dev\n\
             clusters:\n- name: dev\n  cluster:\n    server: {}\n\
             users:\n- name: admin\n  user:\n    token: kubedesk-demo\n- name: jane\n  user:\n    token: t-jane\n\
             contexts:\n- name: dev\n  context:\n    cluster: dev\n    user: admin\n\
             - name: jane\n  context:\n    cluster: dev\n    user: jane\n    namespace: sandbox\n",
            server.url()
        ),
    )
    .unwrap();
    let app = App::new(AppConfig::in_memory(
        dir.path().join("config"),
        KubeconfigPaths::resolve(Some(OsString::from(&kubeconfig)), None),
    ));
    Setup {
        server,
        _dir: dir,
        app,
    }
}

fn api_deployment(context: &str) -> ipc::ObjectKey {
    ipc::ObjectKey {
        context: context.into(),
        kind: ipc::TableKind::Deployments.into(),
        namespace: Some("sandbox".into()),
        name: "api".into(),
    }
}

fn pods(update: &ipc::ObjectUpdate) -> usize {
    update
        .related
        .iter()
        .find(|related| related.kind == ipc::TableKind::Pods)
        .map_or(0, |related| related.rows.len())
}

fn offered(subscription: &ipc::ObjectSubscription) -> Vec<(ipc::ActionName, bool)> {
    subscription
        .actions
        .iter()
        .map(|action| (action.action, action.allowed))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_follows_a_deployment_and_scales_it() {
    let setup = setup().await;
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let subscription = watch_object(
        &setup.app,
        ipc::WatchObject {
            object: api_deployment("dev"),
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    assert_eq!(
        offered(&subscription),
        [
            (ipc::ActionName::Scale, true),
            (ipc::ActionName::Restart, true),
            (ipc::ActionName::Delete, true),
            (ipc::ActionName::Edit, true),
            (ipc::ActionName::Logs, true)
        ]
    );
    let found = updates::next(&mut updates, |update| pods(update) == 2).await;
    let description = found.description.unwrap();
    assert_eq!(description.containers[0].name, "api");
    assert_eq!(found.related[1].columns[0], "Ready");

    run_action(
        &setup.app,
        ipc::RunAction {
            object: api_deployment("dev"),
            action: ipc::ObjectAction::Scale { replicas: 4 },
        },
    )
    .await
    .unwrap();
    updates::next(&mut updates, |update| pods(update) == 4).await;

    stop_object(
        &setup.app,
        ipc::StopObject {
            id: subscription.id,
        },
    )
    .unwrap();
    let ended = stop_object(
        &setup.app,
        ipc::StopObject {
            id: subscription.id,
        },
    )
    .unwrap_err();
    assert_eq!(ended.code, ipc::ErrorCode::InvalidRequest);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_is_offered_only_reading_and_a_forced_action_is_refused_with_the_reason() {
    let setup = setup().await;
    let subscription = watch_object(
        &setup.app,
        ipc::WatchObject {
            object: api_deployment("jane"),
        },
        |_| true,
    )
    .await
    .unwrap();
    // The view role reads logs, and changes nothing.
    assert_eq!(
        offered(&subscription),
        [
            (ipc::ActionName::Scale, false),
            (ipc::ActionName::Restart, false),
            (ipc::ActionName::Delete, false),
            (ipc::ActionName::Edit, false),
            (ipc::ActionName::Logs, true)
        ]
    );
    let scale = &subscription.actions[0];
    assert_eq!(
        scale.missing.as_deref(),
        Some("patch deployments.apps/scale in sandbox")
    );

    let refused = run_action(
        &setup.app,
        ipc::RunAction {
            object: api_deployment("jane"),
            action: ipc::ObjectAction::Delete {
                propagation: ipc::Propagation::Background,
            },
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused
            .message
            .contains("User \"jane\" cannot delete resource \"deployments\""),
        "{refused:?}"
    );
    assert!(
        refused.hint.unwrap().contains("administrator"),
        "the hint says what to do"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn yaml_is_checked_previewed_and_created_in_the_contexts_namespace() {
    let setup = setup().await;
    let request = |yaml: &str, dry_run: bool| ipc::ApplyYaml {
        context: "jane".into(),
        namespace: None,
        yaml: yaml.into(),
        force: false,
        dry_run,
    };
    let invalid = kubedesk_api::objects::apply_yaml(
        &setup.app,
        request(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [\n",
            true,
        ),
    )
    .await
    .unwrap();
    let ipc::ApplyOutcome::Invalid { document, line, .. } = invalid else {
        panic!("{invalid:?}")
    };
    assert_eq!((document, line), (1, 6));

    // Jane may not create in sandbox (her context's namespace): the server's reason, per document.
    let config =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";
    let refused = kubedesk_api::objects::apply_yaml(&setup.app, request(config, true))
        .await
        .unwrap();
    let ipc::ApplyOutcome::Applied { documents } = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(documents[0].namespace.as_deref(), Some("sandbox"));
    let ipc::DocumentResult::Refused { message } = &documents[0].result else {
        panic!("{documents:?}")
    };
    assert!(message.contains("User \"jane\" cannot"), "{message}");

    let created = kubedesk_api::objects::apply_yaml(
        &setup.app,
        ipc::ApplyYaml {
            context: "dev".into(),
            namespace: Some("sandbox".into()),
            ..request(config, false)
        },
    )
    .await
    .unwrap();
    let ipc::ApplyOutcome::Applied { documents } = created else {
        panic!("{created:?}")
    };
    assert!(
        matches!(
            documents[0].result,
            ipc::DocumentResult::Done {
                change: ipc::Change::Created,
                ..
            }
        ),
        "{documents:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workloads_logs_are_followed_and_saved_with_a_pod_column() {
    let setup = setup().await;
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let options = ipc::LogOptions {
        tail: Some(2),
        follow: true,
        ..ipc::LogOptions::default()
    };
    let subscription = kubedesk_api::logs::watch_logs(
        &setup.app,
        ipc::WatchLogs {
            object: api_deployment("dev"),
            options: options.clone(),
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    let mut pods = std::collections::BTreeSet::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while pods.len() < 2 {
            let update: ipc::LogUpdate = updates.recv().await.unwrap();
            pods.extend(update.lines.into_iter().map(|line| line.pod));
        }
    })
    .await
    .expect("lines from both pods");
    kubedesk_api::logs::stop_logs(
        &setup.app,
        ipc::StopLogs {
            id: subscription.id,
        },
    )
    .unwrap();

    let saved = kubedesk_api::logs::save_logs(
        &setup.app,
        ipc::SaveLogs {
            object: api_deployment("dev"),
            options,
            timestamps: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(saved.lines, 4, "two lines of each pod");
    let text = std::fs::read_to_string(&saved.path).unwrap();
    assert!(saved.path.ends_with(".log"), "{}", saved.path);
    for pod in &pods {
        assert_eq!(
            text.lines()
                .filter(|line| line.starts_with(pod.as_str()))
                .count(),
            2,
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn any_served_resource_has_a_table_with_the_servers_columns_and_object_pages() {
    let setup = setup().await;
    let served = list_resources(
        &setup.app,
        ipc::ListResources {
            context: "dev".into(),
        },
    )
    .await
    .unwrap();
    let runs = served
        .iter()
        .find(|resource| resource.kind == "PipelineRun" && resource.name.group == "tekton.dev")
        .expect("Tekton's PipelineRuns are served");
    assert!(runs.namespaced && runs.table.is_none());
    let deployments = served
        .iter()
        .find(|resource| resource.kind == "Deployment")
        .unwrap();
    assert_eq!(deployments.table, Some(ipc::TableKind::Deployments));

    // The table has the definition's printer columns, and rows as the server prints them.
    let kind = ipc::ObjectKind::Resource(runs.name.clone());
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let subscription = watch_table(
        &setup.app,
        ipc::WatchTable {
            contexts: vec!["dev".into()],
            kind: kind.clone(),
            namespace: Some("sandbox".into()),
            query: ipc::TableQuery {
                limit: 50,
                ..ipc::TableQuery::default()
            },
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    assert_eq!(subscription.columns, ["Succeeded", "Age"]);
    let listed = updates::next(&mut updates, |update| {
        update.status == ipc::TableStatus::Live && update.total == 1
    })
    .await;
    assert_eq!(listed.rows[0].name, "ci-run-7");
    assert_eq!(listed.rows[0].cells[0], ipc::TableCell::Text("True".into()));

    // An object of it has its page, offering what any object offers.
    let run = ipc::ObjectKey {
        context: "dev".into(),
        kind,
        namespace: Some("sandbox".into()),
        name: "ci-run-7".into(),
    };
    let followed = watch_object(&setup.app, ipc::WatchObject { object: run }, |_| true)
        .await
        .unwrap();
    assert_eq!(followed.kind, "PipelineRun");
    assert_eq!(
        offered(&followed),
        [
            (ipc::ActionName::Delete, true),
            (ipc::ActionName::Edit, true)
        ]
    );

    // A resource the cluster does not serve is named in the error.
    let missing = watch_object(
        &setup.app,
        ipc::WatchObject {
            object: ipc::ObjectKey {
                context: "dev".into(),
                kind: ipc::ObjectKind::Resource(ipc::ResourceName {
                    group: "example.com".into(),
                    version: "v1".into(),
                    plural: "widgets".into(),
                }),
                namespace: None,
                name: "a".into(),
            },
        },
        |_| true,
    )
    .await
    .unwrap_err();
    assert_eq!(
        missing.message,
        "Context dev's cluster serves no resource example.com/v1/widgets."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_offers_what_its_storage_class_allows_and_says_what_stops_the_rest() {
    let setup = setup().await;
    setup
        .server
        .cluster()
        .create(
            "",
            "persistentvolumeclaims",
            "sandbox",
            json!({"metadata": {"name": "scratch"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local-path", "resources": {"requests": {"storage": "1Gi"}}}}),
        )
        .unwrap();
    setup
        .server
        .cluster()
        .create(
            "",
            "pods",
            "sandbox",
            json!({"metadata": {"name": "reader"},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}],
                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "scratch"}}]}}),
        )
        .unwrap();
    let volume = ipc::ObjectKey {
        context: "dev".into(),
        kind: ipc::ObjectKind::Resource(ipc::ResourceName {
            group: String::new(),
            version: "v1".into(),
            plural: "persistentvolumeclaims".into(),
        }),
        namespace: Some("sandbox".into()),
        name: "scratch".into(),
    };
    let followed = watch_object(
        &setup.app,
        ipc::WatchObject {
            object: volume.clone(),
        },
        |_| true,
    )
    .await
    .unwrap();
    let offer = |action: ipc::ActionName| {
        followed
            .actions
            .iter()
            .find(|offer| offer.action == action)
            .unwrap()
            .clone()
    };
    let expand = offer(ipc::ActionName::Expand);
    assert!(!expand.allowed);
    assert_eq!(
        expand.missing, None,
        "the administrator may; the class may not"
    );
    assert_eq!(
        expand.blocked.as_deref(),
        Some(
            "storage class local-path does not allow expansion (allowVolumeExpansion is not true)"
        )
    );
    assert!(!offer(ipc::ActionName::Snapshot).allowed);
    // Deleting it is allowed, with the pods that hold it named first.
    let delete = offer(ipc::ActionName::Delete);
    assert!(delete.allowed);
    assert_eq!(
        delete.warning,
        Some(ipc::ActionWarning::MountedBy(vec!["reader".into()]))
    );

    // Forced anyway, it is refused with the same reason and nothing changes.
    let refused = run_action(
        &setup.app,
        ipc::RunAction {
            object: volume,
            action: ipc::ObjectAction::Expand { size: "2Gi".into() },
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.message,
        "storage class local-path does not allow expansion (allowVolumeExpansion is not true)"
    );
    assert_eq!(
        setup
            .server
            .cluster()
            .store
            .get("/persistentvolumeclaims", "sandbox", "scratch")
            .unwrap()["spec"]["resources"]["requests"]["storage"],
        "1Gi"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn storage_forms_name_the_wrong_input_and_make_what_they_describe() {
    let setup = setup().await;
    let choices = kubedesk_api::storage::get_volume_choices(
        &setup.app,
        ipc::GetVolumeChoices {
            context: "dev".into(),
            namespace: "sandbox".into(),
        },
    )
    .await
    .unwrap();
    let local = choices
        .classes
        .iter()
        .find(|class| class.name == "local-path")
        .unwrap();
    assert_eq!(local.provisioner, "rancher.io/local-path");
    let volume = |size: &str| ipc::CreateVolume {
        context: "dev".into(),
        namespace: "sandbox".into(),
        volume: ipc::NewVolume {
            name: "cache".into(),
            size: size.into(),
            class: Some("local-path".into()),
            access_mode: "ReadWriteOnce".into(),
            source: ipc::VolumeSource::Empty,
        },
    };
    let invalid = kubedesk_api::storage::create_volume(&setup.app, volume("-1"))
        .await
        .unwrap();
    assert_eq!(
        invalid,
        ipc::FormOutcome::Invalid {
            field: ipc::FormField::Size,
            message: "\"-1\" is not a size: write it as a quantity such as 10Gi or 2Ti".into()
        }
    );
    let store = &setup.server.cluster().store;
    assert!(
        store
            .get("/persistentvolumeclaims", "sandbox", "cache")
            .is_none()
    );
    let done = kubedesk_api::storage::create_volume(&setup.app, volume("2Gi"))
        .await
        .unwrap();
    assert_eq!(
        done,
        ipc::FormOutcome::Done {
            made: vec!["cache".into()]
        }
    );
    assert_eq!(
        store
            .get("/persistentvolumeclaims", "sandbox", "cache")
            .unwrap()["spec"]["resources"]["requests"]["storage"],
        "2Gi"
    );
    // The same name again: the server's refusal, as an error.
    let taken = kubedesk_api::storage::create_volume(&setup.app, volume("2Gi"))
        .await
        .unwrap_err();
    assert!(
        taken
            .message
            .contains("persistentvolumeclaims \"cache\" already exists"),
        "{taken}"
    );

    let class = |binding_mode: &str| ipc::CreateStorageClass {
        context: "dev".into(),
        class: ipc::NewStorageClass {
            name: "fast".into(),
            provisioner: "csi.example.com".into(),
            reclaim_policy: "Delete".into(),
            binding_mode: binding_mode.into(),
            parameters: "type=ssd".into(),
            access_modes: vec!["ReadWriteOnce".into()],
            clone: true,
            snapshot: true,
            expansion: true,
            default: false,
        },
    };
    let invalid = kubedesk_api::storage::create_storage_class(&setup.app, class("Lazy"))
        .await
        .unwrap();
    assert!(
        matches!(&invalid, ipc::FormOutcome::Invalid { field: ipc::FormField::BindingMode, message } if message.contains("choose Immediate or WaitForFirstConsumer")),
        "{invalid:?}"
    );
    let done =
        kubedesk_api::storage::create_storage_class(&setup.app, class("WaitForFirstConsumer"))
            .await
            .unwrap();
    assert_eq!(
        done,
        ipc::FormOutcome::Done {
            made: vec!["fast".into()]
        },
        "the class alone: the dev cluster serves no snapshot API to make a snapshot class in"
    );
    assert_eq!(
        store
            .get("storage.k8s.io/storageclasses", "", "fast")
            .unwrap()["volumeBindingMode"],
        "WaitForFirstConsumer"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_s_offers_follow_its_state_as_pods_come_to_mount_it() {
    let setup = setup().await;
    let cluster = setup.server.cluster();
    cluster
        .create(
            "",
            "persistentvolumeclaims",
            "sandbox",
            json!({"metadata": {"name": "scratch"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local-path", "resources": {"requests": {"storage": "1Gi"}}}}),
        )
        .unwrap();
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let followed = watch_object(
        &setup.app,
        ipc::WatchObject {
            object: ipc::ObjectKey {
                context: "dev".into(),
                kind: ipc::ObjectKind::Resource(ipc::ResourceName {
                    group: String::new(),
                    version: "v1".into(),
                    plural: "persistentvolumeclaims".into(),
                }),
                namespace: Some("sandbox".into()),
                name: "scratch".into(),
            },
        },
        move |update| sender.send(update).is_ok(),
    )
    .await
    .unwrap();
    let delete_warning = |actions: &[ipc::OfferedAction]| {
        actions
            .iter()
            .find(|offer| offer.action == ipc::ActionName::Delete)
            .and_then(|offer| offer.warning.clone())
    };
    assert_eq!(
        delete_warning(&followed.actions),
        None,
        "no pod mounts it yet"
    );
    // A pod comes to mount it: the volume binds, and deleting it now names the pod.
    cluster
        .create(
            "",
            "pods",
            "sandbox",
            json!({"metadata": {"name": "reader"},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}],
                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "scratch"}}]}}),
        )
        .unwrap();
    let update = updates::next(&mut updates, |update: &ipc::ObjectUpdate| {
        update
            .actions
            .as_deref()
            .is_some_and(|actions| delete_warning(actions).is_some())
    })
    .await;
    assert_eq!(
        delete_warning(update.actions.as_deref().unwrap()),
        Some(ipc::ActionWarning::MountedBy(vec!["reader".into()]))
    );
    stop_object(&setup.app, ipc::StopObject { id: followed.id }).unwrap();
}
