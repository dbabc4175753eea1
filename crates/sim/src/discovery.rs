//! `/version` and API discovery, legacy and aggregated (§2 of reference/kube-api.md).

use serde_json::{Value, json};

use crate::catalogue::ResourceType;

/// The aggregated discovery formats, as clients name them in Accept.
pub const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
/// The older aggregated format kubectl 1.29 asks for.
pub const AGGREGATED_V2BETA1: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/// `/version`: minor 32, so the kubectl dispatcher runs kubectl 1.32.
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.4",
        "gitCommit": "59526cd4867447956156ae3a602fcbac10f2c332", "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:03:58Z", "goVersion": "go1.23.8", "compiler": "gc", "platform": "linux/amd64",
    })
}

/// The aggregated format an Accept header asks for first, if any.
pub fn aggregated_format(accept: &str) -> Option<&'static str> {
    accept
        .split(',')
        .map(|entry| entry.replace(' ', ""))
        .find_map(|entry| {
            if entry == AGGREGATED_V2 {
                Some(AGGREGATED_V2)
            } else if entry == AGGREGATED_V2BETA1 {
                Some(AGGREGATED_V2BETA1)
            } else {
                None
            }
        })
}

/// `GET /api`, legacy.
pub fn core_versions(address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]})
}

/// The group-versions of the named groups, in catalogue order.
fn groups(catalogue: &[ResourceType]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for resource in catalogue
        .iter()
        .filter(|resource| !resource.group.is_empty())
    {
        match groups.iter_mut().find(|(name, _)| *name == resource.group) {
            Some((_, versions)) if !versions.contains(&resource.version) => {
                versions.push(resource.version.clone())
            }
            Some(_) => {}
            None => groups.push((resource.group.clone(), vec![resource.version.clone()])),
        }
    }
    groups
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|version| json!({"groupVersion": format!("{name}/{version}"), "version": version}))
        .collect();
    json!({"name": name, "versions": versions, "preferredVersion": versions.first().cloned().unwrap_or(Value::Null)})
}

/// `GET /apis`, legacy.
pub fn group_list(catalogue: &[ResourceType]) -> Value {
    let groups: Vec<Value> = groups(catalogue)
        .iter()
        .map(|(name, versions)| group_json(name, versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`, when the group exists.
pub fn group(catalogue: &[ResourceType], name: &str) -> Option<Value> {
    let (name, versions) = groups(catalogue)
        .into_iter()
        .find(|(group, _)| group == name)?;
    let mut group = group_json(&name, &versions);
    group["kind"] = json!("APIGroup");
    group["apiVersion"] = json!("v1");
    Some(group)
}

/// `GET /api/v1` or `/apis/{group}/{version}`, when that group-version exists.
pub fn resource_list(catalogue: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let members: Vec<&ResourceType> = catalogue
        .iter()
        .filter(|resource| resource.group == group && resource.version == version)
        .collect();
    if members.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for resource in members {
        let mut entry = json!({
            "name": resource.plural, "singularName": resource.singular, "namespaced": resource.namespaced,
            "kind": resource.kind, "verbs": resource.verbs(),
        });
        if !resource.short_names.is_empty() {
            entry["shortNames"] = json!(resource.short_names);
        }
        if !resource.categories.is_empty() {
            entry["categories"] = json!(resource.categories);
        }
        resources.push(entry);
        for sub in &resource.subresources {
            let (sub_group, sub_version, sub_kind) = &sub.response;
            let mut entry = json!({"name": format!("{}/{}", resource.plural, sub.name), "singularName": "", "namespaced": resource.namespaced, "kind": sub_kind, "verbs": sub.verbs});
            if sub_group != group || sub_version != version {
                entry["group"] = json!(sub_group);
                entry["version"] = json!(sub_version);
            }
            resources.push(entry);
        }
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
}

/// `GET /api` (core group only) or `/apis` (the others) in aggregated form.
pub fn aggregated(catalogue: &[ResourceType], core: bool, format: &str) -> Value {
    let api_version = if format == AGGREGATED_V2 {
        "apidiscovery.k8s.io/v2"
    } else {
        "apidiscovery.k8s.io/v2beta1"
    };
    let names: Vec<(String, Vec<String>)> = if core {
        vec![(String::new(), vec!["v1".to_owned()])]
    } else {
        groups(catalogue)
    };
    let items: Vec<Value> = names
        .iter()
        .map(|(name, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|version| {
                    let resources: Vec<Value> = catalogue
                        .iter()
                        .filter(|resource| resource.group == *name && resource.version == *version)
                        .map(|resource| {
                            let subresources: Vec<Value> = resource
                                .subresources
                                .iter()
                                .map(|sub| json!({"subresource": sub.name, "responseKind": {"group": sub.response.0, "version": sub.response.1, "kind": sub.response.2}, "verbs": sub.verbs}))
                                .collect();
                            json!({
                                "resource": resource.plural,
                                "responseKind": {"group": resource.group, "version": resource.version, "kind": resource.kind},
                                "scope": if resource.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": resource.singular,
                                "verbs": resource.verbs(),
                                "shortNames": resource.short_names,
                                "categories": resource.categories,
                                "subresources": subresources,
                            })
                        })
                        .collect();
                    json!({"version": version, "freshness": "Current", "resources": resources})
                })
                .collect();
            json!({"metadata": {"name": name}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items})
}

/// Every group-version of the catalogue as OpenAPI v3 names it (`api/v1`, `apis/apps/v1`).
fn openapi_paths(catalogue: &[ResourceType]) -> Vec<(String, String, String)> {
    let mut paths: Vec<(String, String, String)> = Vec::new();
    for resource in catalogue {
        let path = if resource.group.is_empty() {
            format!("api/{}", resource.version)
        } else {
            format!("apis/{}/{}", resource.group, resource.version)
        };
        if !paths.iter().any(|(known, _, _)| *known == path) {
            paths.push((path, resource.group.clone(), resource.version.clone()));
        }
    }
    paths
}

/// `GET /openapi/v3`: the index of group-version documents.
pub fn openapi_index(catalogue: &[ResourceType]) -> Value {
    let paths: serde_json::Map<String, Value> = openapi_paths(catalogue)
        .into_iter()
        .map(|(path, group, version)| {
            let url = format!(
                "/openapi/v3/{path}?hash={}",
                openapi_hash(catalogue, &group, &version)
            );
            (path, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// A stable hash of a group-version's document, so kubectl's cache notices a change.
fn openapi_hash(catalogue: &[ResourceType], group: &str, version: &str) -> String {
    let kinds: Vec<&str> = catalogue
        .iter()
        .filter(|resource| resource.group == group && resource.version == version)
        .map(|resource| resource.kind.as_str())
        .collect();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in kinds.join(",").bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016X}")
}

/// `GET /openapi/v3/{api/v1 | apis/g/v}`: one PATCH operation per kind, carrying its group,
/// version and kind and the `fieldValidation` parameter, which is what kubectl's create and apply
/// check before writing. Component schemas are not served yet, so `kubectl explain` finds none.
pub fn openapi_document(catalogue: &[ResourceType], path: &str) -> Option<Value> {
    let (_, group, version) = openapi_paths(catalogue)
        .into_iter()
        .find(|(known, _, _)| known == path)?;
    let mut paths = serde_json::Map::new();
    for resource in catalogue
        .iter()
        .filter(|resource| resource.group == group && resource.version == version)
    {
        let base = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let scope = if resource.namespaced {
            "/namespaces/{namespace}"
        } else {
            ""
        };
        let operation = json!({"patch": {
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": resource.kind},
            "parameters": [
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                {"name": "force", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": {"description": "OK"}}}});
        paths.insert(
            format!("{base}{scope}/{}/{{name}}", resource.plural),
            operation,
        );
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "components": {"schemas": {}}, "paths": paths}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::builtin;

    #[test]
    fn aggregated_discovery_follows_the_first_format_the_client_accepts() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(aggregated_format(kubectl), Some(AGGREGATED_V2));
        assert_eq!(
            aggregated_format(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            ),
            Some(AGGREGATED_V2BETA1)
        );
        assert_eq!(aggregated_format("application/json, */*"), None);
    }

    #[test]
    fn the_core_group_is_only_under_api_and_scale_names_its_own_group() {
        let catalogue = builtin();
        let core = aggregated(&catalogue, true, AGGREGATED_V2);
        assert_eq!(core["items"][0]["metadata"]["name"], "");
        let apis = group_list(&catalogue);
        assert!(
            apis["groups"]
                .as_array()
                .unwrap()
                .iter()
                .all(|group| group["name"] != "")
        );
        let apps = resource_list(&catalogue, "apps", "v1").unwrap();
        let scale = apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == "deployments/scale")
            .unwrap();
        assert_eq!(scale["group"], "autoscaling");
    }
}
