"""Reads every object of every demo cluster through the official Python client's typed models.

The models check required fields: one object that misses one fails its whole list with ValueError,
so a clean run proves the demo data is valid against the Kubernetes schemas. Prints, per context,
how many objects of each kind it read, as JSON.
"""

import json
import sys

from kubernetes import client, config, watch

LISTS = [
    ("CoreV1Api", "list_namespace"), ("CoreV1Api", "list_node"), ("CoreV1Api", "list_pod_for_all_namespaces"),
    ("CoreV1Api", "list_service_for_all_namespaces"), ("CoreV1Api", "list_config_map_for_all_namespaces"),
    ("CoreV1Api", "list_secret_for_all_namespaces"), ("CoreV1Api", "list_event_for_all_namespaces"),
    ("CoreV1Api", "list_persistent_volume_claim_for_all_namespaces"), ("CoreV1Api", "list_persistent_volume"),
    ("CoreV1Api", "list_resource_quota_for_all_namespaces"), ("CoreV1Api", "list_limit_range_for_all_namespaces"),
    ("CoreV1Api", "list_service_account_for_all_namespaces"),
    ("AppsV1Api", "list_deployment_for_all_namespaces"), ("AppsV1Api", "list_replica_set_for_all_namespaces"),
    ("AppsV1Api", "list_stateful_set_for_all_namespaces"), ("AppsV1Api", "list_daemon_set_for_all_namespaces"),
    ("BatchV1Api", "list_job_for_all_namespaces"), ("BatchV1Api", "list_cron_job_for_all_namespaces"),
    ("NetworkingV1Api", "list_ingress_for_all_namespaces"), ("NetworkingV1Api", "list_ingress_class"),
    ("StorageV1Api", "list_storage_class"), ("StorageV1Api", "list_csi_driver"),
    ("RbacAuthorizationV1Api", "list_cluster_role"), ("RbacAuthorizationV1Api", "list_cluster_role_binding"),
    ("RbacAuthorizationV1Api", "list_role_for_all_namespaces"), ("RbacAuthorizationV1Api", "list_role_binding_for_all_namespaces"),
    ("SchedulingV1Api", "list_priority_class"), ("PolicyV1Api", "list_pod_disruption_budget_for_all_namespaces"),
    ("ApiextensionsV1Api", "list_custom_resource_definition"),
]


def read(context):
    api_client = config.new_client_from_config(config_file=sys.argv[1], context=context)
    counts = {}
    for api_name, method in LISTS:
        listed = getattr(getattr(client, api_name)(api_client), method)()
        counts[method] = len(listed.items)
    # Custom resources through their definitions, as a dynamic client would.
    custom = client.CustomObjectsApi(api_client)
    for crd in client.ApiextensionsV1Api(api_client).list_custom_resource_definition().items:
        version = crd.spec.versions[0].name
        found = custom.list_cluster_custom_object(crd.spec.group, version, crd.spec.names.plural)
        counts[f"{crd.spec.names.plural}.{crd.spec.group}"] = len(found["items"])
    # A watch from the list's version ends cleanly after its timeout.
    pods = client.CoreV1Api(api_client)
    version = pods.list_pod_for_all_namespaces(limit=1).metadata.resource_version
    events = list(watch.Watch().stream(pods.list_pod_for_all_namespaces, resource_version=version, timeout_seconds=1))
    counts["watch_events"] = len(events)
    counts["version"] = client.VersionApi(api_client).get_code().git_version
    return counts


contexts, _ = config.list_kube_config_contexts(config_file=sys.argv[1])
print(json.dumps({context["name"]: read(context["name"]) for context in contexts}))
