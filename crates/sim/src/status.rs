//! `Status` objects: every error the server answers with, worded as the real API server words it.

use serde_json::{Value, json};

use crate::catalogue::ResourceType;

/// An error answer: the HTTP code and the `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The HTTP status code (also `code` in the body).
    pub code: u16,
    /// The `Status` object.
    pub body: Value,
}

impl Failure {
    fn new(code: u16, reason: &str, message: String, details: Value) -> Self {
        let mut body = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code,
        });
        if !details.is_null() {
            body["details"] = details;
        }
        Self { code, body }
    }

    /// 404 for an object: `pods "nope" not found`.
    pub fn not_found(resource: &ResourceType, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", resource.qualified()),
            json!({"name": name, "group": resource.group, "kind": resource.plural}),
        )
    }

    /// 404 for a path no resource answers.
    pub fn no_such_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
            json!({}),
        )
    }

    /// 409 when the name is taken.
    pub fn already_exists(resource: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", resource.qualified()),
            json!({"name": name, "group": resource.group, "kind": resource.plural}),
        )
    }

    /// 409 when the object changed since the writer read it.
    pub fn conflict(resource: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                resource.qualified()
            ),
            json!({"name": name, "group": resource.group, "kind": resource.plural}),
        )
    }

    /// 422 for an invalid field: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: …`.
    pub fn invalid(resource: &ResourceType, name: &str, field: &str, detail: &str) -> Self {
        Self::invalid_fields(resource, name, &[(field, detail.to_owned())])
    }

    /// 422 for several invalid fields, listed in brackets as upstream aggregates them:
    /// `StorageClass.storage.k8s.io "fast" is invalid: [parameters: Forbidden: …, …]`. A kind of
    /// a named group is qualified with it (`Deployment.apps`).
    pub fn invalid_fields(resource: &ResourceType, name: &str, fields: &[(&str, String)]) -> Self {
        let kind = if resource.group.is_empty() {
            resource.kind.clone()
        } else {
            format!("{}.{}", resource.kind, resource.group)
        };
        let mut each = fields
            .iter()
            .map(|(field, detail)| format!("{field}: {detail}"));
        let listed = if fields.len() == 1 {
            each.next().unwrap_or_default()
        } else {
            format!("[{}]", each.collect::<Vec<_>>().join(", "))
        };
        let causes: Vec<Value> = fields
            .iter()
            .map(|(field, detail)| json!({"reason": "FieldValueInvalid", "message": detail, "field": field}))
            .collect();
        Self::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {listed}"),
            json!({"name": name, "group": resource.group, "kind": resource.kind, "causes": causes}),
        )
    }

    /// 422 for query parameters that contradict each other.
    pub fn invalid_options(kind: &str, field: &str, detail: &str) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{kind}.meta.k8s.io \"\" is invalid: {field}: {detail}"),
            json!({"kind": format!("{kind}.meta.k8s.io"), "causes": [{"reason": "FieldValueForbidden", "message": detail, "field": field}]}),
        )
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message.into(), Value::Null)
    }

    /// 401 for credentials the server does not accept.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized".into(), Value::Null)
    }

    /// 403 with RBAC's wording (see `auth::forbidden_message`).
    pub fn forbidden(message: String, details: Value) -> Self {
        Self::new(403, "Forbidden", message, details)
    }

    /// 405 for a verb the path does not take.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
            json!({}),
        )
    }

    /// 415 for a body format the server does not read.
    pub fn unsupported_media_type() -> Self {
        Self::new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf".into(), json!({}))
    }

    /// 413 for a body over the limit.
    pub fn too_large() -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728".into(),
            json!({}),
        )
    }

    /// 429 when an eviction would break a PodDisruptionBudget, with the budget's arithmetic.
    pub fn disruption_budget(detail: String) -> Self {
        Self::new(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            json!({"causes": [{"reason": "DisruptionBudget", "message": detail}]}),
        )
    }

    /// 500 with a message.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message.into(), Value::Null)
    }

    /// 410 as an in-stream watch error.
    pub fn expired(requested: u64, oldest: u64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
            Value::Null,
        )
    }
}
