//! The workload form's use-cases against the simulated GPU cluster and Debian's docker-registry
//! with images this test pushes: registries kept, searched and listed (open, asking for
//! credentials, down); a GPU Deployment's manifest from a draft as the simulator accepts it
//! (GPU requests equal to limits, product affinity, tolerations, an init container's mounts),
//! its pods landing on the GPU nodes; every wrong input named by its place in the form; and the
//! quota a draft would use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/served.rs"]
mod served;

use kubedesk_api::App;
use kubedesk_api::registries::{get_image_tags, save_registry, search_images};
use kubedesk_api::workload_form::{create_workload, get_workload_choices, preview_workload};
use kubedesk_ipc as ipc;
use kubedesk_sim::{SimServer, demo};
use kubedesk_testkit::{Access, Registry, eventually};
use serde_json::json;

async fn gpu_prod() -> (SimServer, tempfile::TempDir, App) {
    served::serve(demo::gpu_prod().unwrap()).await
}

fn save(url: &str, username: Option<&str>, password: Option<&str>) -> ipc::SaveRegistry {
    ipc::SaveRegistry {
        url: url.to_owned(),
        username: username.map(str::to_owned),
        password: password.map(str::to_owned),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registries_are_kept_once_they_answer_then_searched_and_their_tags_listed() {
    let (_server, _dir, app) = gpu_prod().await;
    let open = Registry::start(Access::Open).await;
    for (name, tag) in [
        ("ml/pytorch-cuda", "12.4"),
        ("ml/pytorch-cuda", "12.1"),
        ("team/app", "1.0"),
    ] {
        open.push(name, tag).await;
    }
    let locked = Registry::start(Access::Credentials).await;
    locked.push("ml/triton", "24.05").await;

    // Refused before anything is kept: not a URL, nothing there, credentials needed.
    let refusal = |result: Result<(), ipc::Error>| result.unwrap_err().message;
    assert!(
        refusal(save_registry(&app, save("registry.local:5000", None, None)).await)
            .contains("is not an http:// or https:// URL")
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    assert!(
        refusal(save_registry(&app, save(&format!("http://{closed}"), None, None)).await)
            .contains("cannot be reached")
    );
    assert!(
        refusal(save_registry(&app, save(&locked.url(), None, None)).await)
            .contains("asks for credentials")
    );
    save_registry(&app, save(&open.url(), None, None))
        .await
        .unwrap();
    save_registry(&app, save(&locked.url(), Some("ci"), Some("s3cret")))
        .await
        .unwrap();
    let config = std::fs::read_to_string(_dir.path().join("config/registries.json")).unwrap();
    assert!(
        !config.contains("s3cret"),
        "the password is kept in the keyring only: {config}"
    );

    let found = search_images(&app, ipc::SearchImages { query: "py".into() })
        .await
        .unwrap();
    assert_eq!(
        found
            .hits
            .iter()
            .map(|hit| hit.image.clone())
            .collect::<Vec<_>>(),
        [format!("{}/ml/pytorch-cuda", open.address())]
    );
    let found = search_images(
        &app,
        ipc::SearchImages {
            query: "triton".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        found.hits[0].image,
        format!("{}/ml/triton", locked.address())
    );
    assert!(found.failures.is_empty(), "{:?}", found.failures);
    let tags = get_image_tags(
        &app,
        ipc::GetImageTags {
            image: format!("{}/ml/pytorch-cuda", open.address()),
        },
    )
    .await
    .unwrap();
    assert_eq!(tags, ["12.1", "12.4"]);

    // A registry that goes away is named, the others still searched.
    let gone = locked.url();
    locked.stop().await;
    let found = search_images(
        &app,
        ipc::SearchImages {
            query: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(found.hits.len(), 2, "{:?}", found.hits);
    assert!(
        found.failures[0].contains(&format!("The registry at {gone} cannot be reached")),
        "{:?}",
        found.failures
    );
}

/// The namespace `lab`, with the ConfigMap `train-settings` the trainer reads.
fn lab(cluster: &kubedesk_sim::Cluster) {
    cluster
        .create("", "namespaces", "", json!({"metadata": {"name": "lab"}}))
        .unwrap();
    cluster
        .create(
            "",
            "configmaps",
            "lab",
            json!({"metadata": {"name": "train-settings"}, "data": {"mode": "fast", "level": "2"}}),
        )
        .unwrap();
}

/// A GPU training Deployment in `lab` as the form would send it.
fn trainer(image: &str) -> ipc::WorkloadDraft {
    ipc::WorkloadDraft {
        kind: ipc::WorkloadKind::Deployment,
        name: "trainer".into(),
        namespace: "lab".into(),
        replicas: "2".into(),
        containers: vec![ipc::ContainerDraft {
            name: "main".into(),
            image: image.into(),
            command: "python train.py --data '/data/set one'".into(),
            env: vec![
                ipc::EnvDraft {
                    name: "EPOCHS".into(),
                    from: ipc::EnvFrom::Value,
                    value: "3".into(),
                    key: String::new(),
                },
                ipc::EnvDraft {
                    name: "MODE".into(),
                    from: ipc::EnvFrom::ConfigMap,
                    value: "train-settings".into(),
                    key: "mode".into(),
                },
            ],
            ports: vec![ipc::PortDraft {
                port: "8080".into(),
                protocol: "TCP".into(),
            }],
            cpu_request: "2".into(),
            cpu_limit: "4".into(),
            memory_request: "8Gi".into(),
            memory_limit: "16Gi".into(),
            gpu_type: "nvidia.com/gpu".into(),
            gpu_count: "1".into(),
            mounts: vec![
                ipc::MountDraft {
                    volume: "data".into(),
                    path: "/data".into(),
                    read_only: false,
                },
                ipc::MountDraft {
                    volume: "settings".into(),
                    path: "/etc/train".into(),
                    read_only: true,
                },
            ],
            readiness: ipc::ProbeDraft {
                kind: ipc::ProbeKind::Http,
                path: "/healthz".into(),
                port: "8080".into(),
                command: String::new(),
            },
            ..ipc::ContainerDraft::default()
        }],
        init_containers: vec![ipc::ContainerDraft {
            name: "fetch".into(),
            image: "busybox:1.36".into(),
            command: "sh -c 'cp -r /seed/. /data'".into(),
            mounts: vec![ipc::MountDraft {
                volume: "data".into(),
                path: "/data".into(),
                read_only: false,
            }],
            ..ipc::ContainerDraft::default()
        }],
        volumes: vec![
            ipc::VolumeDraft {
                name: "data".into(),
                from: ipc::VolumeFrom::EmptyDir,
                object: String::new(),
            },
            ipc::VolumeDraft {
                name: "settings".into(),
                from: ipc::VolumeFrom::ConfigMap,
                object: "train-settings".into(),
            },
        ],
        gpu_products: vec!["NVIDIA-A100-SXM4-80GB".into()],
        tolerations: vec![ipc::TolerationDraft {
            key: "nvidia.com/gpu".into(),
            operator: "Exists".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        }],
    }
}

/// Whether `made` has everything `shown` has, with the same values (and perhaps more).
fn holds(made: &serde_json::Value, shown: &serde_json::Value) -> bool {
    match (made, shown) {
        (serde_json::Value::Object(made), serde_json::Value::Object(shown)) => shown
            .iter()
            .all(|(key, value)| made.get(key).is_some_and(|found| holds(found, value))),
        (serde_json::Value::Array(made), serde_json::Value::Array(shown)) => {
            made.len() == shown.len()
                && made
                    .iter()
                    .zip(shown)
                    .all(|(made, shown)| holds(made, shown))
        }
        (made, shown) => made == shown,
    }
}

fn invalid(outcome: ipc::WorkloadOutcome) -> (String, String) {
    match outcome {
        ipc::WorkloadOutcome::Invalid(problem) => (problem.field, problem.message),
        created => panic!("{created:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gpu_deployment_from_the_form_is_what_the_form_showed_and_its_pods_land_on_gpu_nodes() {
    let (server, _dir, app) = gpu_prod().await;
    let cluster = server.cluster().clone();
    lab(&cluster);
    let registry = Registry::start(Access::Open).await;
    registry.push("ml/pytorch-cuda", "12.4").await;
    save_registry(&app, save(&registry.url(), None, None))
        .await
        .unwrap();
    let image = format!("{}/ml/pytorch-cuda:12.4", registry.address());

    // What the cluster offers it.
    let choices = get_workload_choices(
        &app,
        ipc::GetWorkloadChoices {
            context: "gpu-prod".into(),
            namespace: "lab".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        choices
            .gpu_resources
            .contains(&"nvidia.com/mig-1g.10gb".to_owned())
    );
    assert!(
        choices
            .gpu_products
            .contains(&"NVIDIA-A100-SXM4-80GB".to_owned())
    );
    assert_eq!(choices.gpu_taints[0].key, "nvidia.com/gpu");
    assert!(
        choices.config_maps.contains(&(
            "train-settings".to_owned(),
            vec!["level".to_owned(), "mode".to_owned()]
        )),
        "{:?}",
        choices.config_maps
    );

    // Wrong inputs, each named by its place; nothing is sent.
    let create = |draft: ipc::WorkloadDraft| {
        create_workload(
            &app,
            ipc::CreateWorkload {
                context: "gpu-prod".into(),
                draft,
            },
        )
    };
    let mut draft = trainer(&image);
    draft.name = "Trainer_1".into();
    assert_eq!(invalid(create(draft).await.unwrap()).0, "name");
    let mut draft = trainer(&image);
    draft.containers[0].cpu_request = "lots".into();
    let (field, message) = invalid(create(draft).await.unwrap());
    assert_eq!(field, "containers.0.cpu_request");
    assert!(
        message.contains("\"lots\" is not an amount of CPU"),
        "{message}"
    );
    let mut draft = trainer(&image);
    draft.containers[0].memory_request = "32Gi".into();
    assert!(
        invalid(create(draft).await.unwrap())
            .1
            .contains("is more than its limit (16Gi)")
    );
    let mut draft = trainer(&image);
    draft.containers[0].gpu_count = "1.5".into();
    assert_eq!(
        invalid(create(draft).await.unwrap()).0,
        "containers.0.gpu_count"
    );
    let mut draft = trainer(&image);
    draft.init_containers[0].mounts[0].volume = "scratch".into();
    let (field, message) = invalid(create(draft).await.unwrap());
    assert_eq!(field, "init_containers.0.mounts.0.volume");
    assert!(
        message.contains("not one of the pod's volumes"),
        "{message}"
    );
    let missing = format!("{}/ml/pytorch-cuda:9.9", registry.address());
    let (field, message) = invalid(create(trainer(&missing)).await.unwrap());
    assert_eq!(field, "containers.0.image");
    assert!(
        message.contains("does not exist") && message.contains("its tags there are 12.4"),
        "{message}"
    );
    assert!(
        cluster
            .store
            .get("apps/deployments", "lab", "trainer")
            .is_none()
    );

    // The preview is the manifest that is made.
    let preview = preview_workload(
        &app,
        ipc::PreviewWorkload {
            context: "gpu-prod".into(),
            draft: trainer(&image),
        },
    )
    .await
    .unwrap();
    assert_eq!(preview.problem, None);
    let shown: serde_json::Value = serde_yaml::from_str(&preview.yaml.unwrap()).unwrap();
    assert_eq!(
        create(trainer(&image)).await.unwrap(),
        ipc::WorkloadOutcome::Created {
            name: "trainer".into()
        }
    );
    let made = cluster
        .store
        .get("apps/deployments", "lab", "trainer")
        .unwrap();
    assert!(
        holds(&made, &shown),
        "everything the preview showed is in what was made (the server adds its defaults):\n{made:#}\n{shown:#}"
    );
    let pod = &made["spec"]["template"]["spec"];
    let resources = &pod["containers"][0]["resources"];
    assert_eq!(resources["requests"]["nvidia.com/gpu"], "1");
    assert_eq!(
        resources["limits"]["nvidia.com/gpu"],
        resources["requests"]["nvidia.com/gpu"]
    );
    assert_eq!(
        pod["containers"][0]["command"],
        json!(["python", "train.py", "--data", "/data/set one"])
    );
    assert_eq!(
        pod["containers"][0]["env"][1]["valueFrom"]["configMapKeyRef"],
        json!({"name": "train-settings", "key": "mode"})
    );
    assert_eq!(
        pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            [0]["matchExpressions"][0],
        json!({"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-A100-SXM4-80GB"]})
    );
    assert_eq!(
        pod["tolerations"],
        json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
    );
    assert_eq!(
        pod["initContainers"][0]["volumeMounts"],
        json!([{"name": "data", "mountPath": "/data"}])
    );
    assert_eq!(
        pod["volumes"][1],
        json!({"name": "settings", "configMap": {"name": "train-settings"}})
    );

    // Its pods land on the A100 nodes.
    let nodes = eventually("the trainer's two pods to be bound", || {
        let (_, pods) = cluster.store.list("/pods", Some("lab"));
        let nodes: Vec<String> = pods
            .iter()
            .filter_map(|pod| pod["spec"]["nodeName"].as_str().map(str::to_owned))
            .collect();
        (nodes.len() == 2).then_some(nodes)
    })
    .await;
    assert!(
        nodes.iter().all(|node| node.starts_with("gpu-a100-0")),
        "{nodes:?}"
    );

    // A name taken is refused by the server, in its words.
    let refused = create(trainer(&image)).await.unwrap_err();
    assert!(
        refused.message.contains("already exists"),
        "{}",
        refused.message
    );

    // Its registry down, an image there cannot be checked, and nothing is sent.
    registry.stop().await;
    let mut draft = trainer(&image);
    draft.name = "trainer-2".into();
    let (field, message) = invalid(create(draft).await.unwrap());
    assert_eq!(field, "containers.0.image");
    assert!(
        message.contains("could not be checked") && message.contains("cannot be reached"),
        "{message}"
    );
    assert!(
        cluster
            .store
            .get("apps/deployments", "lab", "trainer-2")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quota_a_draft_would_use_is_shown_and_what_goes_over_is_marked() {
    let (server, _dir, app) = gpu_prod().await;
    let mut draft = trainer("nvcr.io/nvidia/tritonserver:24.05-py3");
    draft.namespace = "inference".into();
    draft.replicas = "1".into();
    draft.containers[0].cpu_request = "1".into();
    let preview = preview_workload(
        &app,
        ipc::PreviewWorkload {
            context: "gpu-prod".into(),
            draft: draft.clone(),
        },
    )
    .await
    .unwrap();
    let fit = |quota: &str, key: &str| {
        preview
            .quota
            .iter()
            .find(|fit| fit.quota == quota && fit.key == key)
            .unwrap_or_else(|| panic!("{quota} {key} in {:?}", preview.quota))
            .clone()
    };
    let gpus = fit("inference/gpu-quota", "requests.nvidia.com/gpu");
    assert_eq!(
        (
            gpus.used.as_str(),
            gpus.adds.as_str(),
            gpus.hard.as_str(),
            gpus.over
        ),
        ("4", "1", "4", true)
    );
    let workspace = fit("workspace ai-serving", "requests.nvidia.com/gpu");
    assert_eq!(
        (
            workspace.adds.as_str(),
            workspace.hard.as_str(),
            workspace.over
        ),
        ("1", "8", false)
    );
    assert_eq!(fit("inference/gpu-quota", "requests.cpu").adds, "1");
    assert_eq!(fit("inference/gpu-quota", "pods").adds, "1");
    assert!(
        preview
            .quota
            .iter()
            .all(|fit| fit.key != "limits.nvidia.com/gpu"),
        "a key Kubernetes does not count adds nothing"
    );

    // A container that leaves its CPU out gets the namespace's default request, as LimitRanger
    // gives it; the init container's default counts alone.
    server
        .cluster()
        .create(
            "",
            "limitranges",
            "inference",
            json!({"metadata": {"name": "inference"}, "spec": {"limits": [{"type": "Container",
                "default": {"cpu": "2"}, "defaultRequest": {"cpu": "750m"}}]}}),
        )
        .unwrap();
    draft.containers[0].cpu_request = String::new();
    draft.containers[0].cpu_limit = String::new();
    let preview = preview_workload(
        &app,
        ipc::PreviewWorkload {
            context: "gpu-prod".into(),
            draft,
        },
    )
    .await
    .unwrap();
    let cpu = preview
        .quota
        .iter()
        .find(|fit| fit.quota == "inference/gpu-quota" && fit.key == "requests.cpu")
        .unwrap();
    assert_eq!(cpu.adds, "750m");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stateful_set_and_a_job_from_the_form_are_accepted_and_run_their_pods() {
    let (server, _dir, app) = gpu_prod().await;
    let cluster = server.cluster().clone();
    lab(&cluster);
    let mut store = trainer("nvcr.io/nvidia/pytorch:24.05-py3");
    store.kind = ipc::WorkloadKind::StatefulSet;
    store.name = "shards".into();
    let mut job = trainer("nvcr.io/nvidia/pytorch:24.05-py3");
    job.kind = ipc::WorkloadKind::Job;
    job.name = "evaluate".into();
    job.replicas = "1".into();
    job.containers[0].readiness = ipc::ProbeDraft::default();
    for draft in [store, job] {
        let outcome = create_workload(
            &app,
            ipc::CreateWorkload {
                context: "gpu-prod".into(),
                draft,
            },
        )
        .await
        .unwrap();
        assert!(
            matches!(outcome, ipc::WorkloadOutcome::Created { .. }),
            "{outcome:?}"
        );
    }
    let set = cluster
        .store
        .get("apps/statefulsets", "lab", "shards")
        .unwrap();
    assert_eq!(set["spec"]["serviceName"], "shards");
    assert_eq!(set["spec"]["replicas"], 2);
    let job = cluster.store.get("batch/jobs", "lab", "evaluate").unwrap();
    assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    assert_eq!(
        (
            job["spec"]["parallelism"].clone(),
            job["spec"]["completions"].clone()
        ),
        (json!(1), json!(1))
    );
    // The StatefulSet's two pods and the Job's one are made by their controllers and bound.
    let bound = eventually("the StatefulSet's and the Job's pods to be bound", || {
        let (_, pods) = cluster.store.list("/pods", Some("lab"));
        let bound: Vec<String> = pods
            .iter()
            .filter(|pod| pod["spec"]["nodeName"].is_string())
            .map(|pod| {
                pod["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        (bound.len() == 3).then_some(bound)
    })
    .await;
    assert!(
        bound.contains(&"shards-0".to_owned()) && bound.contains(&"shards-1".to_owned()),
        "{bound:?}"
    );
}
