#!/usr/bin/env python3
"""Writes crates/sim/src/protobuf/schema.rs: the field numbers of the Kubernetes messages that kubectl
sends as protobuf, read from the k8s-pb crate's prost attributes, with their JSON names read from
k8s-openapi's deserializers.

    python3 crates/sim/tools/protobuf_schema.py ~/.cargo/registry/src/*/k8s-pb-0.9.0 \
        ~/.cargo/registry/src/*/k8s-openapi-0.29.0 > crates/sim/src/protobuf/schema.rs
"""
import os
import re
import sys

PB, OPENAPI = sys.argv[1], sys.argv[2]

# What kubectl's generators (`kubectl create <kind>`) and `kubectl auth can-i` POST as protobuf.
ROOTS = [
    "api.core.v1.ConfigMap", "api.core.v1.Namespace", "api.core.v1.Secret",
    "api.core.v1.ServiceAccount", "api.core.v1.Service", "api.core.v1.ResourceQuota",
    "api.apps.v1.Deployment", "api.batch.v1.Job", "api.batch.v1.CronJob",
    "api.rbac.v1.Role", "api.rbac.v1.ClusterRole", "api.rbac.v1.RoleBinding",
    "api.rbac.v1.ClusterRoleBinding", "api.scheduling.v1.PriorityClass",
    "api.networking.v1.Ingress", "api.policy.v1.PodDisruptionBudget",
    "api.authorization.v1.SelfSubjectAccessReview", "api.authorization.v1.SelfSubjectRulesReview",
    "api.authentication.v1.TokenRequest", "api.authentication.v1.SelfSubjectReview",
]
# Messages whose JSON form is not an object of their fields.
SPECIAL = {
    "apimachinery.pkg.apis.meta.v1.Time": "Time",
    "apimachinery.pkg.apis.meta.v1.Duration": "Duration",
    "apimachinery.pkg.apis.meta.v1.FieldsV1": "RawJson",
    "apimachinery.pkg.runtime.RawExtension": "RawJson",
    "apimachinery.pkg.api.resource.Quantity": "Quantity",
    "apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
}

# Rust field name -> JSON name, from k8s-openapi's `"podIP" => Field::Key_pod_ip` lines.
json_names = {}
for root, _, files in os.walk(os.path.join(OPENAPI, "src", "v1_35")):
    for f in files:
        for json, rust in re.findall(r'"([^"]+)" => Field::Key_(\w+)', open(os.path.join(root, f)).read()):
            json_names.setdefault(rust.removeprefix("r#"), set()).add(json)


# Go fields whose protobuf name k8s-pb splits differently from k8s-openapi.
RENAMED = {"u_id": "uid", "non_resource_ur_ls": "nonResourceURLs", "target_ww_ns": "targetWWNs"}
# Embedded Go structs: their fields sit inline in the parent's JSON, written here as an empty name.
INLINE = {"ephemeral_container_common", "ingress_rule_value", "local_object_reference", "volume_source"}


def json_name(rust):
    if rust in RENAMED:
        return RENAMED[rust]
    if rust in INLINE:
        return ""
    known = json_names.get(rust)
    if known and len(known) == 1:
        return next(iter(known))
    parts = rust.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


# Parse every struct: module path -> name -> [(tag, rust name, kind, label, type text)].
structs = {}
FIELD = re.compile(r'#\[prost\(([^)]*)\)\]\s*pub (r#)?(\w+):\s*(.*?),\s*\n\s*(?=///|#\[|$)', re.S)
for root, _, files in os.walk(os.path.join(PB, "src")):
    for f in files:
        path = os.path.join(root, f)
        module = os.path.relpath(root, os.path.join(PB, "src")).replace(os.sep, ".")
        text = open(path).read()
        for m in re.finditer(r'pub struct (\w+) \{(.*?)\n\}', text, re.S):
            fields = []
            for attr, _, name, ty in FIELD.findall(m.group(2) + "\n"):
                tag = int(re.search(r'tag = "(\d+)"', attr).group(1))
                fields.append((tag, name, attr, " ".join(ty.split())))
            structs[f"{module}.{m.group(1)}"] = fields


def resolve(module, ty):
    """The message a field's Rust type names, as a full path."""
    inner = re.findall(r'((?:super::)*(?:\w+::)*[A-Z]\w*)', ty)
    inner = [t for t in inner if t.split("::")[-1] not in ("Option", "Vec", "BTreeMap", "String")]
    assert inner, (module, ty)
    target = inner[-1]
    parts = module.split(".")
    segments = target.split("::")
    while segments and segments[0] == "super":
        parts.pop()
        segments.pop(0)
    return ".".join(parts + segments)


def const(path):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', path.split(".")[-1]).upper() + "_" + \
        "_".join(p.upper() for p in path.split(".")[-3:-1])


out, seen, queue = [], set(), list(ROOTS)
while queue:
    path = queue.pop(0)
    if path in seen or path in SPECIAL:
        continue
    seen.add(path)
    module = path.rsplit(".", 1)[0]
    rows = []
    for tag, name, attr, ty in structs[path]:
        kind_word = attr.split(",")[0].strip()
        repeated = "repeated" in attr
        if kind_word.startswith("btree_map"):
            value = re.search(r'btree_map = "string, (\w+)"', attr).group(1)
            if value == "message":
                target = resolve(module, ty)
                queue.append(target)
                value_kind = f"Kind::Special(Special::{SPECIAL[target]})" if target in SPECIAL \
                    else f"Kind::Message(&{const(target)})"
            else:
                value_kind = {"string": "Kind::String", "bytes": "Kind::Bytes"}[value]
            kind = f"Kind::Map(&{value_kind})"
        elif kind_word == "message":
            target = resolve(module, ty)
            queue.append(target)
            kind = f"Kind::Special(Special::{SPECIAL[target]})" if target in SPECIAL \
                else f"Kind::Message(&{const(target)})"
        else:
            kind = {"string": "Kind::String", "bool": "Kind::Bool", "int32": "Kind::Int32",
                    "int64": "Kind::Int64", "double": "Kind::Double",
                    "bytes": "Kind::Bytes"}[kind_word]
        rows.append(f'        Field {{ tag: {tag}, json: "{json_name(name)}", kind: {kind}, '
                    f'repeated: {"true" if repeated else "false"} }},')
    out.append(f'pub(super) static {const(path)}: Message = Message {{\n'
               f'    name: "{path.split(".")[-1]}",\n    fields: &[\n' + "\n".join(rows) + "\n    ],\n};\n")

GROUPS = {"core": "", "apps": "apps", "batch": "batch", "rbac": "rbac.authorization.k8s.io",
          "scheduling": "scheduling.k8s.io", "networking": "networking.k8s.io", "policy": "policy",
          "authorization": "authorization.k8s.io", "authentication": "authentication.k8s.io"}


def api_version(path):
    _, group, version, _ = path.split(".")
    return f"{GROUPS[group]}/{version}" if GROUPS[group] else version


roots = "\n".join(f'    ("{api_version(r)}", "{r.split(".")[-1]}", &{const(r)}),' for r in ROOTS)
print("//! Field numbers and JSON names of the Kubernetes messages kubectl POSTs as protobuf.\n"
      "//!\n//! Generated by `crates/sim/tools/protobuf_schema.py` from k8s-pb 0.9.0 (field numbers) and\n"
      "//! k8s-openapi 0.29.0 (JSON names); do not edit by hand.\n\n"
      "use super::{Field, Kind, Message, Special};\n\n"
      "/// The top-level messages by API version and kind.\n"
      f"pub(super) static ROOTS: &[(&str, &str, &Message)] = &[\n{roots}\n];\n")
print("\n".join(sorted(out)))
