//! What platforms leave in a cluster, in their real formats: KubeSphere's tenancy (workspace
//! templates, workspaces, workspace quotas) and DevOps (projects, Jenkins pipelines and their runs),
//! Tekton pipelines with runs, and Helm releases stored as Helm stores them.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Seeded, seed};
use crate::Cluster;

/// A CustomResourceDefinition (`group/version`) with one served version whose schema keeps
/// whatever it is given.
pub(super) fn crd(
    cluster: &Cluster,
    api_version: &str,
    kind: &str,
    plural: &str,
    namespaced: bool,
    short_names: &[&str],
    columns: Value,
) -> Seeded {
    let singular = kind.to_ascii_lowercase();
    let (group, version) = api_version.split_once('/').unwrap_or((api_version, "v1"));
    seed(
        cluster,
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        "",
        json!({"metadata": {"name": format!("{plural}.{group}")},
               "spec": {"group": group, "scope": if namespaced { "Namespaced" } else { "Cluster" },
                        "names": {"kind": kind, "plural": plural, "singular": singular, "listKind": format!("{kind}List"), "shortNames": short_names},
                        "versions": [{"name": version, "served": true, "storage": true, "subresources": {"status": {}},
                                      "additionalPrinterColumns": columns,
                                      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}),
    )?;
    Ok(())
}

/// KubeSphere's tenancy: a WorkspaceTemplate (what its console writes) and the Workspace its
/// controller derives, per workspace; workspace quotas, GPU keys included.
pub(super) fn workspaces(
    cluster: &Cluster,
    workspaces: &[(&str, &str, &str)],
    gpu_quota: &[(&str, &str)],
) -> Seeded {
    crd(
        cluster,
        "tenant.kubesphere.io/v1alpha2",
        "WorkspaceTemplate",
        "workspacetemplates",
        false,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "tenant.kubesphere.io/v1alpha1",
        "Workspace",
        "workspaces",
        false,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "quota.kubesphere.io/v1alpha2",
        "ResourceQuota",
        "resourcequotas",
        false,
        &[],
        json!([]),
    )?;
    for (name, alias, manager) in workspaces {
        seed(
            cluster,
            "tenant.kubesphere.io",
            "workspacetemplates",
            "",
            json!({"metadata": {"name": name, "annotations": {"kubesphere.io/alias-name": alias, "kubesphere.io/creator": "admin"},
                                "finalizers": ["finalizers.workspacetemplate.kubesphere.io"]},
                   "spec": {"template": {"metadata": {"labels": {}}, "spec": {"manager": manager}}}}),
        )?;
        seed(
            cluster,
            "tenant.kubesphere.io",
            "workspaces",
            "",
            json!({"metadata": {"name": name, "annotations": {"kubesphere.io/alias-name": alias, "kubesphere.io/creator": "admin"}},
                   "spec": {"manager": manager}}),
        )?;
    }
    for (workspace, gpus) in gpu_quota {
        seed(
            cluster,
            "quota.kubesphere.io",
            "resourcequotas",
            "",
            json!({"metadata": {"name": workspace, "labels": {"kubesphere.io/workspace": workspace}},
                   "spec": {"selector": {"kubesphere.io/workspace": workspace},
                            "quota": {"hard": {"limits.cpu": "512", "limits.memory": "4Ti", "requests.cpu": "384", "requests.memory": "3Ti", "requests.nvidia.com/gpu": gpus}}}}),
        )?;
    }
    Ok(())
}

/// A KubeSphere DevOps project (its namespace, with a generated name) with a Jenkins pipeline and
/// runs that succeeded, failed and are running, as ks-devops records them.
pub(super) fn devops(cluster: &Cluster, workspace: &str) -> Seeded {
    crd(
        cluster,
        "devops.kubesphere.io/v1alpha3",
        "DevOpsProject",
        "devopsprojects",
        false,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "devops.kubesphere.io/v1alpha3",
        "Pipeline",
        "pipelines",
        true,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "devops.kubesphere.io/v1alpha3",
        "PipelineRun",
        "pipelineruns",
        true,
        &["pr"],
        json!([
            {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
            {"name": "Pipeline", "type": "string", "jsonPath": ".spec.pipelineRef.name"},
        ]),
    )?;
    let namespace = "ml-ops-x7k2p";
    seed(
        cluster,
        "devops.kubesphere.io",
        "devopsprojects",
        "",
        json!({"metadata": {"name": namespace, "labels": {"kubesphere.io/workspace": workspace}, "annotations": {"kubesphere.io/creator": "alice"}},
               "spec": {}, "status": {"adminNamespace": namespace}}),
    )?;
    seed(
        cluster,
        "",
        "namespaces",
        "",
        json!({"metadata": {"name": namespace, "labels": {"kubesphere.io/devopsproject": namespace, "kubesphere.io/workspace": workspace, "kubesphere.io/namespace": namespace}}}),
    )?;
    let jenkinsfile = "pipeline {\n  agent { node { label 'base' } }\n  parameters { string(name: 'MODEL', defaultValue: 'llama-3-8b', description: 'model to fine-tune') }\n  stages {\n    stage('Checkout') { steps { git url: 'https://git.example.com/ml/train.git', branch: 'main' } }\n    stage('Train') { steps { container('base') { sh 'python train.py --model $MODEL' } } }\n    stage('Evaluate') { steps { container('base') { sh 'python eval.py' } } }\n    stage('Publish') { steps { container('base') { sh './publish.sh' } } }\n  }\n}\n";
    let pipeline = seed(
        cluster,
        "devops.kubesphere.io",
        "pipelines",
        namespace,
        json!({"metadata": {"name": "train-and-publish", "finalizers": ["pipeline.finalizers.kubesphere.io"],
                            "annotations": {"pipeline.devops.kubesphere.io/syncstatus": "successful", "pipeline.devops.kubesphere.io/synctime": "2026-11-20T08:00:00Z"}},
               "spec": {"type": "pipeline", "pipeline": {"name": "train-and-publish", "description": "Fine-tune, evaluate and publish a model",
                        "discarder": {"days_to_keep": "7", "num_to_keep": "10"},
                        "parameters": [{"name": "MODEL", "default_value": "llama-3-8b", "type": "string", "description": "model to fine-tune"}],
                        "disable_concurrent": true, "jenkinsfile": jenkinsfile}}}),
    )?;
    let stages = ["Checkout", "Train", "Evaluate", "Publish"];
    for (run, phase, state, result, reached, start, seconds) in [
        (
            12,
            "Succeeded",
            "FINISHED",
            "SUCCESS",
            4,
            "2026-11-24T09:00:00Z",
            2712,
        ),
        (
            13,
            "Failed",
            "FINISHED",
            "FAILURE",
            3,
            "2026-11-25T09:00:00Z",
            1840,
        ),
        (
            14,
            "Running",
            "RUNNING",
            "UNKNOWN",
            2,
            "2026-11-26T09:00:00Z",
            0,
        ),
    ] {
        let nodes: Vec<Value> = stages
            .iter()
            .enumerate()
            .take(reached)
            .map(|(index, stage)| {
                let last = index + 1 == reached;
                let (stage_state, stage_result) = if last { (state, result) } else { ("FINISHED", "SUCCESS") };
                json!({"id": format!("{}", 10 + index * 3), "displayName": stage, "type": "STAGE", "state": stage_state, "result": stage_result,
                       "startTime": start, "durationInMillis": 60_000 * (index + 1), "edges": [],
                       "steps": [{"id": format!("{}", 11 + index * 3), "displayName": "Shell Script", "state": stage_state, "result": stage_result, "durationInMillis": 55_000 * (index + 1)}]})
            })
            .collect();
        let (condition, status) = match phase {
            "Running" => ("Ready", "Unknown"),
            "Succeeded" => ("Succeeded", "True"),
            _ => ("Succeeded", "False"),
        };
        let mut run_status = json!({"phase": phase, "startTime": start, "updateTime": start,
                                    "conditions": [{"type": condition, "status": status, "reason": state, "lastProbeTime": start, "lastTransitionTime": start}]});
        if seconds > 0 {
            let end = chrono::DateTime::parse_from_rfc3339(start)
                .map(|time| time + chrono::Duration::seconds(seconds))
                .map_err(|error| json!({"message": error.to_string()}))?;
            run_status["completionTime"] =
                json!(end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        let summary = json!({"id": run.to_string(), "state": state, "result": result, "startTime": start, "durationInMillis": seconds * 1000, "causes": [{"shortDescription": "Started by user alice"}]});
        seed(
            cluster,
            "devops.kubesphere.io",
            "pipelineruns",
            namespace,
            json!({"metadata": {"name": format!("train-and-publish-{run}"),
                                "labels": {"devops.kubesphere.io/pipeline": "train-and-publish"},
                                "annotations": {"devops.kubesphere.io/creator": "alice", "devops.kubesphere.io/jenkins-pipelinerun-id": run.to_string(),
                                                "devops.kubesphere.io/jenkins-pipelinerun-status": summary.to_string(),
                                                "devops.kubesphere.io/jenkins-pipelinerun-stages-status": Value::Array(nodes).to_string()},
                                "ownerReferences": [{"apiVersion": "devops.kubesphere.io/v1alpha3", "kind": "Pipeline", "name": "train-and-publish", "uid": pipeline["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
                   "spec": {"pipelineRef": {"name": "train-and-publish", "namespace": namespace}, "parameters": [{"name": "MODEL", "value": "llama-3-8b"}]},
                   "status": run_status}),
        )?;
    }
    Ok(())
}

/// Tekton: a Task, a Pipeline over it, and a run that succeeded with its TaskRuns.
pub(super) fn tekton(cluster: &Cluster, namespace: &str) -> Seeded {
    let succeeded = json!([{"name": "Succeeded", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Succeeded\")].status"}]);
    crd(
        cluster,
        "tekton.dev/v1",
        "Task",
        "tasks",
        true,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "tekton.dev/v1",
        "Pipeline",
        "pipelines",
        true,
        &[],
        json!([]),
    )?;
    crd(
        cluster,
        "tekton.dev/v1",
        "PipelineRun",
        "pipelineruns",
        true,
        &["pr", "prs"],
        succeeded.clone(),
    )?;
    crd(
        cluster,
        "tekton.dev/v1",
        "TaskRun",
        "taskruns",
        true,
        &["tr", "trs"],
        succeeded,
    )?;
    let steps = json!([{"name": "build", "image": "golang:1.23", "script": "go build ./..."}, {"name": "test", "image": "golang:1.23", "script": "go test ./..."}]);
    seed(
        cluster,
        "tekton.dev",
        "tasks",
        namespace,
        json!({"metadata": {"name": "go-build"}, "spec": {"steps": steps}}),
    )?;
    seed(
        cluster,
        "tekton.dev",
        "pipelines",
        namespace,
        json!({"metadata": {"name": "ci"}, "spec": {"params": [{"name": "revision", "type": "string", "default": "main"}],
               "tasks": [{"name": "build", "taskRef": {"name": "go-build"}}, {"name": "image", "runAfter": ["build"], "taskRef": {"name": "go-build"}}]}}),
    )?;
    let (start, end) = ("2026-11-25T14:00:00Z", "2026-11-25T14:06:12Z");
    let done = |reason: &str, message: &str| json!([{"type": "Succeeded", "status": "True", "reason": reason, "message": message, "lastTransitionTime": end}]);
    let run = seed(
        cluster,
        "tekton.dev",
        "pipelineruns",
        namespace,
        json!({"metadata": {"name": "ci-run-7", "labels": {"tekton.dev/pipeline": "ci"}},
               "spec": {"pipelineRef": {"name": "ci"}, "params": [{"name": "revision", "value": "main"}], "timeouts": {"pipeline": "1h0m0s"}},
               "status": {"startTime": start, "completionTime": end, "conditions": done("Succeeded", "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0"),
                          "childReferences": [{"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": "ci-run-7-build", "pipelineTaskName": "build"},
                                              {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": "ci-run-7-image", "pipelineTaskName": "image"}]}}),
    )?;
    for task in ["build", "image"] {
        let name = format!("ci-run-7-{task}");
        let step = |step: &str| {
            json!({"name": step, "container": format!("step-{step}"), "imageID": "docker.io/library/golang@sha256:0000",
                                        "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": start, "finishedAt": end}})
        };
        seed(
            cluster,
            "tekton.dev",
            "taskruns",
            namespace,
            json!({"metadata": {"name": name, "labels": {"tekton.dev/pipeline": "ci", "tekton.dev/pipelineRun": "ci-run-7", "tekton.dev/pipelineTask": task, "tekton.dev/task": "go-build"},
                                "ownerReferences": [{"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "name": "ci-run-7", "uid": run["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
                   "spec": {"taskRef": {"name": "go-build", "kind": "Task"}, "timeout": "1h0m0s"},
                   "status": {"podName": format!("{name}-pod"), "startTime": start, "completionTime": end, "conditions": done("Succeeded", "All Steps have completed executing"),
                              "steps": [step("build"), step("test")]}}),
        )?;
    }
    Ok(())
}

/// One Helm release revision.
pub(super) struct Release<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub revision: u32,
    pub status: &'a str,
    pub chart: &'a str,
    pub chart_version: &'a str,
    pub app_version: &'a str,
    pub deployed: &'a str,
    pub values: Value,
    pub config: Value,
    pub manifest: &'a str,
}

/// Stores a release as Helm 3 does: a `helm.sh/release.v1` Secret whose `release` key holds
/// base64(gzip(JSON)), labelled for `helm list`.
pub(super) fn helm_release(cluster: &Cluster, release: &Release<'_>) -> Seeded {
    let description = match (release.status, release.revision) {
        ("superseded", _) | (_, 1) => "Install complete",
        _ => "Upgrade complete",
    };
    let body = json!({
        "name": release.name, "namespace": release.namespace, "version": release.revision,
        "info": {"first_deployed": release.deployed, "last_deployed": release.deployed, "deleted": "", "description": description, "status": release.status,
                 "notes": format!("{} {} is running in {}.", release.chart, release.app_version, release.namespace)},
        "chart": {"metadata": {"name": release.chart, "version": release.chart_version, "appVersion": release.app_version, "apiVersion": "v2",
                               "description": format!("A Helm chart for {}", release.chart), "type": "application"},
                  "lock": null, "templates": [], "values": release.values, "schema": null, "files": []},
        "config": release.config, "manifest": release.manifest,
    });
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(body.to_string().as_bytes())
        .and_then(|()| encoder.try_finish())
        .map_err(|error| json!({"message": error.to_string()}))?;
    let compressed = encoder.get_ref();
    let standard = base64::engine::general_purpose::STANDARD;
    // Helm's own base64 text, then the Secret's base64 of those bytes.
    let stored = standard.encode(standard.encode(compressed));
    let created = chrono::DateTime::parse_from_rfc3339(release.deployed)
        .map(|time| time.timestamp())
        .unwrap_or_default();
    seed(
        cluster,
        "",
        "secrets",
        release.namespace,
        json!({"metadata": {"name": format!("sh.helm.release.v1.{}.v{}", release.name, release.revision),
                            "labels": {"name": release.name, "owner": "helm", "status": release.status, "version": release.revision.to_string(), "createdAt": created.to_string()}},
               "type": "helm.sh/release.v1", "data": {"release": stored}}),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::demo;

    #[test]
    fn helm_releases_decode_as_helm_decodes_them() {
        let cluster = demo::dev().unwrap();
        let secret = cluster
            .store
            .get("/secrets", "default", "sh.helm.release.v1.web.v2")
            .unwrap();
        assert_eq!(secret["type"], "helm.sh/release.v1");
        assert_eq!(secret["metadata"]["labels"]["owner"], "helm");
        assert_eq!(secret["metadata"]["labels"]["status"], "deployed");
        let standard = base64::engine::general_purpose::STANDARD;
        let helm_text = standard
            .decode(secret["data"]["release"].as_str().unwrap())
            .unwrap();
        let compressed = standard.decode(helm_text).unwrap();
        assert_eq!(compressed[..3], [0x1f, 0x8b, 0x08], "gzip");
        let mut json = String::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .read_to_string(&mut json)
            .unwrap();
        let release: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(release["name"], "web");
        assert_eq!(release["version"], 2);
        assert_eq!(release["info"]["status"], "deployed");
        assert_eq!(release["chart"]["metadata"]["version"], "18.2.4");
        assert_eq!(release["config"], json!({"image": {"tag": "1.27"}}));
    }
}
