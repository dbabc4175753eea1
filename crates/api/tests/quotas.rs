//! Projects' and workspaces' limits through the use-cases the Workspaces page calls, against the
//! simulated clusters: `gpu-prod` has KubeSphere's workspace quotas, `dev` has not. Quotas and
//! LimitRanges are made, changed and deleted; what Kubernetes would not count is refused with
//! what to write; the simulator's admission then refuses a pod beyond the quota, through the
//! same create-from-YAML use-case the window uses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

#[path = "support/served.rs"]
mod served;

use kubedesk_api::App;
use kubedesk_api::objects::apply_yaml;
use kubedesk_api::quotas::{
    delete_limit_range, delete_project_quota, delete_workspace_quota, get_tenancy,
    save_limit_range, save_project_quota, save_workspace_quota,
};
use kubedesk_ipc as ipc;
use kubedesk_sim::{Cluster, SimServer, demo};
use kubedesk_testkit::eventually_async;
use serde_json::json;

async fn serve(cluster: Cluster) -> (SimServer, tempfile::TempDir, App, String) {
    let name = cluster.name().to_owned();
    let (server, dir, app) = served::serve(cluster).await;
    (server, dir, app, name)
}

async fn tenancy(app: &App, context: &str) -> ipc::TenancyView {
    get_tenancy(
        app,
        ipc::GetTenancy {
            context: context.into(),
        },
    )
    .await
    .unwrap()
}

fn entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(key, amount)| ((*key).to_owned(), (*amount).to_owned()))
        .collect()
}

fn line<'a>(lines: &'a [ipc::QuotaLine], key: &str) -> &'a ipc::QuotaLine {
    lines
        .iter()
        .find(|line| line.key == key)
        .unwrap_or_else(|| panic!("{key} in {lines:?}"))
}

fn project<'a>(view: &'a ipc::TenancyView, name: &str) -> &'a ipc::ProjectView {
    view.projects
        .iter()
        .find(|project| project.name == name)
        .unwrap()
}

/// A pod asking for `gpus` GPUs, created as the window's YAML page creates it: the refusal, if
/// any.
async fn create_gpu_pod(
    app: &App,
    context: &str,
    namespace: &str,
    name: &str,
    gpus: u32,
) -> Option<String> {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  tolerations: [{{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}]\n  containers:\n  - name: main\n    image: nvcr.io/nvidia/pytorch:24.05-py3\n    resources:\n      limits: {{nvidia.com/gpu: \"{gpus}\", cpu: \"1\", memory: 1Gi}}\n"
    );
    let outcome = apply_yaml(
        app,
        ipc::ApplyYaml {
            context: context.into(),
            namespace: Some(namespace.into()),
            yaml,
            force: false,
            dry_run: false,
        },
    )
    .await
    .unwrap();
    let ipc::ApplyOutcome::Applied { documents } = outcome else {
        panic!("{outcome:?}");
    };
    match &documents[0].result {
        ipc::DocumentResult::Done { .. } => None,
        other => Some(format!("{other:?}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn project_quotas_and_default_limits_are_made_changed_and_deleted_and_admission_holds_to_them()
 {
    let (server, _dir, app, context) = serve(demo::gpu_prod().unwrap()).await;
    let seen = tenancy(&app, &context).await;
    assert!(seen.kubesphere_quotas);
    assert!(
        seen.gpu_resources
            .contains(&"nvidia.com/mig-1g.10gb".to_owned())
    );
    // The demo's quota as the KubeSphere console writes it: its GPU limits key counts nothing.
    let inference = project(&seen, "inference");
    let gpu_quota = &inference.quotas[0];
    assert_eq!(gpu_quota.name, "gpu-quota");
    let gpus = line(&gpu_quota.lines, "requests.nvidia.com/gpu");
    assert_eq!(
        (gpus.used.as_deref(), gpus.percent, gpus.counted),
        (Some("4"), Some(100), true)
    );
    assert!(!line(&gpu_quota.lines, "limits.nvidia.com/gpu").counted);

    server
        .cluster()
        .create(
            "",
            "namespaces",
            "",
            json!({"metadata": {"name": "team-q"}}),
        )
        .unwrap();
    // Refused before anything is sent, the key named with what to write.
    let refused = |outcome: ipc::QuotaOutcome| match outcome {
        ipc::QuotaOutcome::Invalid { key, message } => (key, message),
        ipc::QuotaOutcome::Saved => panic!("saved"),
    };
    let save = |hard: Vec<(String, String)>| {
        save_project_quota(
            &app,
            ipc::SaveProjectQuota {
                context: context.clone(),
                namespace: "team-q".into(),
                name: "team-q".into(),
                hard,
            },
        )
    };
    let (key, message) = refused(
        save(entries(&[("limits.nvidia.com/gpu", "2")]))
            .await
            .unwrap(),
    );
    assert_eq!(key, "limits.nvidia.com/gpu");
    assert!(
        message.contains("Write requests.nvidia.com/gpu instead"),
        "{message}"
    );
    let (key, message) = refused(
        save(entries(&[
            ("requests.nvidia.com/gpu", "2"),
            ("requests.cpu", "lots"),
        ]))
        .await
        .unwrap(),
    );
    assert_eq!(key, "requests.cpu");
    assert!(message.contains("\"lots\" is not an amount"), "{message}");
    assert!(
        project(&tenancy(&app, &context).await, "team-q")
            .quotas
            .is_empty()
    );

    // Made, then changed; the controller counts what is used.
    assert_eq!(
        save(entries(&[
            ("requests.nvidia.com/gpu", "2"),
            ("requests.cpu", "8"),
            ("pods", "")
        ]))
        .await
        .unwrap(),
        ipc::QuotaOutcome::Saved
    );
    assert_eq!(
        create_gpu_pod(&app, &context, "team-q", "first", 2).await,
        None
    );
    let counted = eventually_async("the quota controller to count the first pod", || async {
        let view = tenancy(&app, &context).await;
        let quota = project(&view, "team-q").quotas.first().cloned()?;
        (line(&quota.lines, "requests.nvidia.com/gpu")
            .used
            .as_deref()
            == Some("2"))
        .then_some(quota)
    })
    .await;
    assert_eq!(
        line(&counted.lines, "requests.nvidia.com/gpu").percent,
        Some(100)
    );
    assert_eq!(line(&counted.lines, "requests.cpu").hard, "8");
    assert!(
        counted.lines.iter().all(|line| line.key != "pods"),
        "a blank amount is no limit"
    );
    // Admission holds to it.
    let refusal = create_gpu_pod(&app, &context, "team-q", "second", 1)
        .await
        .unwrap();
    assert!(
        refusal.contains("exceeded quota: team-q, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=2"),
        "{refusal}"
    );
    assert_eq!(
        save(entries(&[
            ("requests.nvidia.com/gpu", "3"),
            ("requests.cpu", "8")
        ]))
        .await
        .unwrap(),
        ipc::QuotaOutcome::Saved
    );
    eventually_async("the raised quota to admit the second pod", || async {
        create_gpu_pod(&app, &context, "team-q", "second", 1)
            .await
            .is_none()
            .then_some(())
    })
    .await;

    // Default container limits: a request above its limit refused; made, changed, deleted.
    let save_defaults = |default: &[(&str, &str)], request: &[(&str, &str)]| {
        save_limit_range(
            &app,
            ipc::SaveLimitRange {
                context: context.clone(),
                namespace: "team-q".into(),
                name: "team-q".into(),
                default: entries(default),
                default_request: entries(request),
            },
        )
    };
    let (key, message) = refused(
        save_defaults(&[("cpu", "500m")], &[("cpu", "2")])
            .await
            .unwrap(),
    );
    assert_eq!(key, "cpu");
    assert!(
        message.contains("more than its default limit (500m)"),
        "{message}"
    );
    assert_eq!(
        save_defaults(
            &[("cpu", "1"), ("memory", "2Gi"), ("nvidia.com/gpu", "1")],
            &[("cpu", "250m")]
        )
        .await
        .unwrap(),
        ipc::QuotaOutcome::Saved
    );
    let view = tenancy(&app, &context).await;
    let range = &project(&view, "team-q").limit_ranges[0];
    assert_eq!(range.name, "team-q");
    assert_eq!(
        range.default,
        entries(&[("cpu", "1"), ("memory", "2Gi"), ("nvidia.com/gpu", "1")])
    );
    assert_eq!(range.default_request, entries(&[("cpu", "250m")]));
    let stored = server
        .cluster()
        .store
        .get("/limitranges", "team-q", "team-q")
        .unwrap();
    assert_eq!(stored["spec"]["limits"][0]["type"], "Container");
    delete_limit_range(
        &app,
        ipc::DeleteLimitRange {
            context: context.clone(),
            namespace: "team-q".into(),
            name: "team-q".into(),
        },
    )
    .await
    .unwrap();
    delete_project_quota(
        &app,
        ipc::DeleteProjectQuota {
            context: context.clone(),
            namespace: "team-q".into(),
            name: "team-q".into(),
        },
    )
    .await
    .unwrap();
    let view = tenancy(&app, &context).await;
    assert!(
        project(&view, "team-q").quotas.is_empty()
            && project(&view, "team-q").limit_ranges.is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_quota_is_kubesphere_s_where_it_exists_and_shared_over_its_projects_where_not()
{
    // With KubeSphere: its workspace quota, counted over the workspace's projects.
    let (server, _dir, app, context) = serve(demo::gpu_prod().unwrap()).await;
    let save = |context: String, workspace: &str, hard: Vec<(String, String)>| {
        save_workspace_quota(
            &app,
            ipc::SaveWorkspaceQuota {
                context,
                workspace: workspace.into(),
                hard,
            },
        )
    };
    assert_eq!(
        save(
            context.clone(),
            "ai-serving",
            entries(&[("requests.nvidia.com/gpu", "5"), ("limits.cpu", "64")])
        )
        .await
        .unwrap(),
        ipc::QuotaOutcome::Saved
    );
    let stored = server
        .cluster()
        .store
        .get("quota.kubesphere.io/resourcequotas", "", "ai-serving")
        .unwrap();
    assert_eq!(
        stored["spec"]["selector"],
        json!({"kubesphere.io/workspace": "ai-serving"})
    );
    assert_eq!(
        stored["spec"]["quota"]["hard"],
        json!({"requests.nvidia.com/gpu": "5", "limits.cpu": "64"})
    );
    let workspace = eventually_async("KubeSphere's controller to count ai-serving", || async {
        let view = tenancy(&app, &context).await;
        let workspace = view
            .workspaces
            .into_iter()
            .find(|workspace| workspace.name == "ai-serving")?;
        let lines = workspace.quota.clone()?;
        (line(&lines, "requests.nvidia.com/gpu").hard == "5"
            && line(&lines, "requests.nvidia.com/gpu").used.is_some())
        .then_some(workspace)
    })
    .await;
    assert!(!workspace.spread);
    assert_eq!(workspace.projects, ["inference"]);
    let gpus = line(workspace.quota.as_ref().unwrap(), "requests.nvidia.com/gpu");
    assert_eq!((gpus.used.as_deref(), gpus.percent), (Some("4"), Some(80)));
    // Its webhook refuses a pod beyond it (inference's own quota raised out of the way first).
    let mut own = server
        .cluster()
        .store
        .get("/resourcequotas", "inference", "gpu-quota")
        .unwrap();
    own["spec"]["hard"]["requests.nvidia.com/gpu"] = json!("16");
    server
        .cluster()
        .store
        .replace("/resourcequotas", "inference", "gpu-quota", None, own)
        .unwrap();
    let refusal = create_gpu_pod(&app, &context, "inference", "too-many", 2)
        .await
        .unwrap();
    assert!(
        refusal.contains("denied the request: exceeded quota: ai-serving"),
        "{refusal}"
    );
    delete_workspace_quota(
        &app,
        ipc::DeleteWorkspaceQuota {
            context: context.clone(),
            workspace: "ai-serving".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        server
            .cluster()
            .store
            .get("quota.kubesphere.io/resourcequotas", "", "ai-serving")
            .is_none()
    );
    assert_eq!(
        create_gpu_pod(&app, &context, "inference", "too-many", 2).await,
        None
    );

    // Without KubeSphere: shared out as a quota in each of the workspace's projects.
    let (dev, _dev_dir, dev_app, dev_context) = serve(demo::dev().unwrap()).await;
    for name in ["shop-web", "shop-api", "shop-db"] {
        dev.cluster()
            .create(
                "",
                "namespaces",
                "",
                json!({"metadata": {"name": name, "labels": {"kubesphere.io/workspace": "shop"}}}),
            )
            .unwrap();
    }
    let saved = save_workspace_quota(
        &dev_app,
        ipc::SaveWorkspaceQuota {
            context: dev_context.clone(),
            workspace: "shop".into(),
            hard: entries(&[
                ("requests.cpu", "1"),
                ("requests.memory", "3Gi"),
                ("count/deployments.apps", "10"),
            ]),
        },
    )
    .await
    .unwrap();
    assert_eq!(saved, ipc::QuotaOutcome::Saved);
    let shares: Vec<(String, serde_json::Value)> = ["shop-api", "shop-db", "shop-web"]
        .iter()
        .map(|project| {
            let share = dev
                .cluster()
                .store
                .get("/resourcequotas", project, "workspace-quota")
                .unwrap();
            assert_eq!(
                share["metadata"]["labels"]["kubedesk.io/workspace-quota"],
                "shop"
            );
            ((*project).to_owned(), share["spec"]["hard"].clone())
        })
        .collect();
    assert_eq!(
        shares,
        [
            (
                "shop-api".to_owned(),
                json!({"requests.cpu": "334m", "requests.memory": "1Gi", "count/deployments.apps": "4"})
            ),
            (
                "shop-db".to_owned(),
                json!({"requests.cpu": "333m", "requests.memory": "1Gi", "count/deployments.apps": "3"})
            ),
            (
                "shop-web".to_owned(),
                json!({"requests.cpu": "333m", "requests.memory": "1Gi", "count/deployments.apps": "3"})
            ),
        ]
    );
    let view = tenancy(&dev_app, &dev_context).await;
    assert!(!view.kubesphere_quotas);
    let shop = view
        .workspaces
        .iter()
        .find(|workspace| workspace.name == "shop")
        .unwrap();
    assert!(shop.spread);
    let lines = shop.quota.as_ref().unwrap();
    assert_eq!(line(lines, "requests.cpu").hard, "1");
    assert_eq!(line(lines, "requests.memory").hard, "3Gi");
    assert_eq!(line(lines, "count/deployments.apps").hard, "10");
    // A workspace with no projects has nothing to share its quota over.
    let refused = save_workspace_quota(
        &dev_app,
        ipc::SaveWorkspaceQuota {
            context: dev_context.clone(),
            workspace: "empty".into(),
            hard: entries(&[("pods", "4")]),
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(refused, ipc::QuotaOutcome::Invalid { ref message, .. } if message.contains("has no projects")),
        "{refused:?}"
    );
    delete_workspace_quota(
        &dev_app,
        ipc::DeleteWorkspaceQuota {
            context: dev_context.clone(),
            workspace: "shop".into(),
        },
    )
    .await
    .unwrap();
    let view = tenancy(&dev_app, &dev_context).await;
    assert!(
        view.workspaces
            .iter()
            .find(|workspace| workspace.name == "shop")
            .unwrap()
            .quota
            .is_none()
    );
}
