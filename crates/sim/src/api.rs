//! The HTTP surface: routes a request to discovery or to a verb on a resource, and answers in the
//! format the client accepts.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::Cluster;
use crate::admission;
use crate::auth::{self, Attributes, CertificateUser, User};
use crate::catalogue::{self, ResourceType};
use crate::deletion;
use crate::discovery;
use crate::eviction;
use crate::faults;
use crate::logs;
use crate::managed;
use crate::metrics;
use crate::objects;
use crate::patch;
use crate::protobuf;
use crate::proxy;
use crate::query::Query;
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::Failure;
use crate::store::StoreError;
use crate::table;
use crate::watch::{Watch, WatchRequest};

/// A response body: a whole document or a stream of watch events.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The largest request body accepted (upstream's limit is 3 MiB).
const BODY_LIMIT: usize = 3 * 1024 * 1024;

/// Answers one request. Never fails: every problem is a `Status` response.
pub async fn handle(cluster: &Arc<Cluster>, request: Request<Incoming>) -> Response<Body> {
    // The whole body is read first, within the limit, so everything after works on bytes.
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            let failure = Failure::too_large();
            return json_response(failure.code, &failure.body);
        }
        Err(error) => {
            let failure =
                Failure::bad_request(format!("the request body could not be read: {error}"));
            return json_response(failure.code, &failure.body);
        }
    };
    answer(cluster, Request::from_parts(parts, bytes)).await
}

/// Answers a request whose body has been read. Never fails and never panics on any input: every
/// problem is a `Status` response. The fuzz target and the robustness tests call this.
pub async fn answer(cluster: &Arc<Cluster>, request: Request<Bytes>) -> Response<Body> {
    if request.body().len() > BODY_LIMIT {
        let failure = Failure::too_large();
        return json_response(failure.code, &failure.body);
    }
    let path = request.uri().path().to_owned();
    // The exporters' metrics, for Prometheus to scrape: outside the Kubernetes API and its RBAC.
    if path == "/_kubedesk/metrics" {
        return respond(
            200,
            metrics::CONTENT_TYPE,
            metrics::render(cluster, Utc::now()).into_bytes(),
        );
    }
    if let Some(action) = path.strip_prefix("/_kubedesk/faults") {
        return match admin(cluster, action, request).await {
            Ok(response) => response,
            Err(failure) => json_response(failure.code, &failure.body),
        };
    }
    let latency = cluster.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let certificate = request.extensions().get::<CertificateUser>();
    let Ok(user) = cluster.auth.authenticate(authorization, certificate).await else {
        let failure = Failure::unauthorized();
        return json_response(failure.code, &failure.body);
    };
    match route(cluster, request, &user).await {
        Ok(response) => response,
        Err(failure) => json_response(failure.code, &failure.body),
    }
}

/// `/_kubedesk/faults`: GET the faults in force; PUT new ones; POST `/drop-watches` ends every watch,
/// `/expire-watches` makes the next resumed watch get 410, `/restart` does both and forgets history.
async fn admin(
    cluster: &Arc<Cluster>,
    action: &str,
    request: Request<Bytes>,
) -> Result<Response<Body>, Failure> {
    let method = request.method().clone();
    match (method, action) {
        (Method::GET, "" | "/") => Ok(json_response(
            200,
            &serde_json::to_value(cluster.faults.config()).unwrap_or_default(),
        )),
        (Method::PUT, "" | "/") => {
            let body = read_body(request, "application/json").await?;
            let config: faults::FaultConfig = serde_json::from_value(body).map_err(|error| {
                Failure::bad_request(format!("the fault settings are malformed: {error}"))
            })?;
            config
                .validate()
                .map_err(|error| Failure::bad_request(error.0))?;
            cluster.faults.set(config.clone());
            Ok(json_response(
                200,
                &serde_json::to_value(config).unwrap_or_default(),
            ))
        }
        (Method::POST, "/drop-watches") => {
            cluster.store.end_watches();
            Ok(json_response(200, &json!({"dropped": true})))
        }
        (Method::POST, "/expire-watches") => {
            cluster.store.expire_next_watch();
            cluster.store.end_watches();
            Ok(json_response(200, &json!({"expired": true})))
        }
        (Method::POST, "/restart") => {
            cluster.store.compact();
            cluster.store.end_watches();
            Ok(json_response(200, &json!({"restarted": true})))
        }
        _ => Err(Failure::no_such_path()),
    }
}

fn json_response(code: u16, value: &Value) -> Response<Body> {
    respond(
        code,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

fn respond(code: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed_unsync());
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// One resource request, parsed from the path.
struct Target {
    resource: ResourceType,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
    /// After `…/{name}/proxy`: the path asked of the pod (`/metrics`).
    proxied: Option<String>,
}

async fn route(
    cluster: &Arc<Cluster>,
    request: Request<Bytes>,
    user: &User,
) -> Result<Response<Body>, Failure> {
    let accept = request
        .headers()
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let host = request
        .headers()
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let path = request.uri().path().to_owned();
    let query = Query::parse(request.uri().query().unwrap_or(""));
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let catalogue = cluster.catalogue();
    let catalogue = catalogue.as_slice();
    let get = request.method() == Method::GET;
    let document = |value: Value| Ok(json_response(200, &value));
    let resource_request = matches!(
        segments.as_slice(),
        ["api", "v1", _, ..] | ["apis", _, _, _, ..]
    );
    if !resource_request {
        let attributes = Attributes::Path {
            verb: request.method().as_str().to_ascii_lowercase(),
            path: path.clone(),
        };
        authorize(cluster, user, &attributes)?;
    }
    match segments.as_slice() {
        ["version"] if get => document(discovery::version()),
        ["healthz" | "livez" | "readyz"] if get => {
            Ok(respond(200, "text/plain; charset=utf-8", b"ok".to_vec()))
        }
        ["api"] if get => match discovery::aggregated_format(&accept) {
            Some(format) => Ok(respond(
                200,
                format,
                serde_json::to_vec(&discovery::aggregated(catalogue, true, format))
                    .unwrap_or_default(),
            )),
            None => document(discovery::core_versions(&host)),
        },
        ["apis"] if get => match discovery::aggregated_format(&accept) {
            Some(format) => Ok(respond(
                200,
                format,
                serde_json::to_vec(&discovery::aggregated(catalogue, false, format))
                    .unwrap_or_default(),
            )),
            None => document(discovery::group_list(catalogue)),
        },
        ["api", "v1"] if get => discovery::resource_list(catalogue, "", "v1")
            .map_or_else(|| Err(Failure::no_such_path()), document),
        ["apis", group] if get => discovery::group(catalogue, group)
            .map_or_else(|| Err(Failure::no_such_path()), document),
        ["apis", group, version] if get => discovery::resource_list(catalogue, group, version)
            .map_or_else(|| Err(Failure::no_such_path()), document),
        ["openapi", "v3"] if get => document(discovery::openapi_index(catalogue)),
        ["openapi", "v3", rest @ ..] if get => {
            discovery::openapi_document(catalogue, &rest.join("/"))
                .map_or_else(|| Err(Failure::no_such_path()), document)
        }
        ["api", "v1", rest @ ..] => {
            let target = target(catalogue, "", "v1", rest)?;
            verb(cluster, request, user, target, &query, &accept).await
        }
        ["apis", group, version, rest @ ..] => {
            let target = target(catalogue, group, version, rest)?;
            verb(cluster, request, user, target, &query, &accept).await
        }
        _ => Err(Failure::no_such_path()),
    }
}

fn target(
    catalogue: &[ResourceType],
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Target, Failure> {
    let find = |plural: &str| {
        catalogue
            .iter()
            .find(|resource| {
                resource.group == group && resource.version == version && resource.plural == plural
            })
            .cloned()
    };
    let owned = |segment: Option<&&str>| segment.map(|segment| (*segment).to_owned());
    // `namespaces/{ns}/{resource}…` is a namespaced collection; `namespaces/{name}[/{sub}]` is a Namespace.
    if let ["namespaces", namespace, plural, tail @ ..] = rest
        && let Some(resource) = find(plural).filter(|resource| resource.namespaced)
        && (tail.len() <= 2 || tail.get(1) == Some(&"proxy"))
    {
        return Ok(Target {
            resource,
            namespace: Some((*namespace).to_owned()),
            name: owned(tail.first()),
            subresource: owned(tail.get(1)),
            proxied: (tail.get(1) == Some(&"proxy"))
                .then(|| format!("/{}", tail.get(2..).unwrap_or_default().join("/"))),
        });
    }
    match rest {
        [plural, tail @ ..] if tail.len() <= 2 => {
            let resource = find(plural).ok_or_else(Failure::no_such_path)?;
            if resource.namespaced && !tail.is_empty() {
                return Err(Failure::no_such_path());
            }
            Ok(Target {
                resource,
                namespace: None,
                name: owned(tail.first()),
                subresource: owned(tail.get(1)),
                proxied: None,
            })
        }
        _ => Err(Failure::no_such_path()),
    }
}

async fn verb(
    cluster: &Arc<Cluster>,
    request: Request<Bytes>,
    user: &User,
    target: Target,
    query: &Query,
    accept: &str,
) -> Result<Response<Body>, Failure> {
    if let Some(sub) = &target.subresource
        && !target
            .resource
            .subresources
            .iter()
            .any(|known| &known.name == sub)
    {
        return Err(Failure::no_such_path());
    }
    let method = request.method().clone();
    let raw_query = request.uri().query().map(str::to_owned);
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    // Who writes, for field management: the request's field manager, else its user agent's
    // program, as upstream names it.
    let manager = query
        .get("fieldManager")
        .filter(|manager| !manager.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            request
                .headers()
                .get(hyper::header::USER_AGENT)
                .and_then(|agent| agent.to_str().ok())
                .and_then(|agent| agent.split('/').next())
                .filter(|program| !program.is_empty())
                .unwrap_or("unknown")
                .to_owned()
        });
    let verb = match (&method, target.name.is_some()) {
        (&Method::GET, false) if query.flag("watch") => "watch",
        (&Method::GET, false) => "list",
        (&Method::GET, true) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "other",
    };
    let attributes = Attributes::Resource {
        verb: verb.to_owned(),
        group: target.resource.group.clone(),
        resource: target.resource.plural.clone(),
        subresource: target.subresource.clone(),
        namespace: target.namespace.clone(),
        name: target.name.clone(),
    };
    authorize(cluster, user, &attributes)?;
    if target.resource.review {
        if method != Method::POST || target.name.is_some() {
            return Err(Failure::method_not_allowed());
        }
        let body = read_body(request, &content_type).await?;
        return review(cluster, user, &target, body);
    }
    if cluster.faults.fails(verb) {
        let message = format!(
            "Internal error occurred: injected fault: {verb} {}",
            target.resource.qualified()
        );
        return Err(Failure {
            code: 500,
            body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": "InternalError", "code": 500}),
        });
    }
    let writes = method != Method::GET;
    let defines_types = target.resource.store_key() == catalogue::crd_store_key();
    let answer = match (method, target.name.is_some()) {
        (Method::GET, false) if query.flag("watch") => watch(cluster, target, query, accept),
        (Method::GET, false) => list(cluster, &target, query, accept),
        (Method::GET, true) if target.subresource.as_deref() == Some("log") => {
            log(cluster, &target, query)
        }
        (Method::GET, true) if target.subresource.as_deref() == Some("proxy") => {
            let object = stored(cluster, &split_port(&target))?;
            let asked = proxy::Asked {
                namespace: namespace_of(&target),
                name: target.name.as_deref().unwrap_or_default(),
                path: target.proxied.as_deref().unwrap_or("/"),
                query: raw_query.as_deref(),
            };
            match target.resource.plural.as_str() {
                "services" => proxy::service(cluster, &object, asked).await,
                _ => proxy::pod(&object, asked).await,
            }
        }
        (Method::GET, true) => get(cluster, &target, accept),
        (Method::POST, false) => {
            let body = read_body(request, &content_type).await?;
            create(cluster, &target, body, query, &manager)
        }
        (Method::POST, true) if target.subresource.as_deref() == Some("eviction") => {
            let body = read_body(request, &content_type).await?;
            let name = target.name.as_deref().unwrap_or_default();
            eviction::evict(
                cluster,
                &target.resource,
                namespace_of(&target),
                name,
                &body,
                query,
            )
            .map(|status| json_response(201, &status))
        }
        (Method::PUT, true) => {
            let body = read_body(request, &content_type).await?;
            replace(cluster, &target, body, &manager)
        }
        (Method::PATCH, true) => {
            let body = read_body(request, &content_type).await?;
            patch(cluster, &target, body, &content_type, query, &manager)
        }
        (Method::DELETE, true) => {
            let body = read_body(request, &content_type).await?;
            delete(cluster, &target, &body, query)
        }
        (Method::DELETE, false) => delete_collection(cluster, &target, query),
        _ => Err(Failure::method_not_allowed()),
    };
    // A written CustomResourceDefinition changes what the server serves, at once.
    if writes && defines_types && answer.is_ok() {
        cluster.refresh_custom_resources();
    }
    answer
}

fn authorize(cluster: &Cluster, user: &User, attributes: &Attributes) -> Result<(), Failure> {
    if auth::authorize(&cluster.store, user, attributes).allowed {
        return Ok(());
    }
    let (group, resource, name) = match attributes {
        Attributes::Resource {
            group,
            resource,
            name,
            ..
        } => (
            group.as_str(),
            resource.as_str(),
            name.as_deref().unwrap_or_default(),
        ),
        Attributes::Path { .. } => ("", "", ""),
    };
    Err(Failure::forbidden(
        auth::forbidden_message(user, attributes),
        json!({"name": name, "group": group, "kind": resource}),
    ))
}

/// Answers a review (SelfSubjectAccessReview and kin): the request with its `status` filled in.
fn review(
    cluster: &Cluster,
    user: &User,
    target: &Target,
    mut body: Value,
) -> Result<Response<Body>, Failure> {
    let kind = target.resource.kind.as_str();
    if !body.is_object() {
        return Err(Failure::bad_request(format!(
            "the body of the request is not a {kind}"
        )));
    }
    let spec = body["spec"].clone();
    // SubjectAccessReviews ask about someone else, named in the spec.
    let subject = match kind {
        "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            let groups: Vec<&str> = spec["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            User {
                name: spec["user"].as_str().unwrap_or_default().to_owned(),
                groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            }
        }
        _ => user.clone(),
    };
    let status = match kind {
        "SelfSubjectReview" => json!({"userInfo": {"username": user.name, "groups": user.groups}}),
        "SelfSubjectRulesReview" => auth::rules_review(
            &cluster.store,
            user,
            spec["namespace"].as_str().unwrap_or_default(),
        ),
        _ => {
            let text =
                |value: &Value, key: &str| value[key].as_str().unwrap_or_default().to_owned();
            let optional = |value: &Value, key: &str| {
                value[key]
                    .as_str()
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned)
            };
            let resource = &spec["resourceAttributes"];
            let attributes = if resource.is_object() {
                let namespace = match kind {
                    "LocalSubjectAccessReview" => target.namespace.clone(),
                    _ => optional(resource, "namespace"),
                };
                Attributes::Resource {
                    verb: text(resource, "verb"),
                    group: text(resource, "group"),
                    resource: text(resource, "resource"),
                    subresource: optional(resource, "subresource"),
                    namespace,
                    name: optional(resource, "name"),
                }
            } else {
                let path = &spec["nonResourceAttributes"];
                Attributes::Path {
                    verb: text(path, "verb"),
                    path: text(path, "path"),
                }
            };
            let decision = auth::authorize(&cluster.store, &subject, &attributes);
            let mut status = json!({"allowed": decision.allowed});
            if !decision.reason.is_empty() {
                status["reason"] = decision.reason.into();
            }
            status
        }
    };
    body["status"] = status;
    body["metadata"] = json!({"creationTimestamp": null});
    Ok(json_response(201, &body))
}

async fn read_body(request: Request<Bytes>, content_type: &str) -> Result<Value, Failure> {
    let base = content_type.split(';').next().unwrap_or_default().trim();
    let yaml = matches!(base, "application/yaml" | "application/apply-patch+yaml");
    let json = matches!(
        base,
        "application/json"
            | "application/merge-patch+json"
            | "application/strategic-merge-patch+json"
            | "application/json-patch+json"
            | ""
    );
    let protobuf = base == protobuf::MEDIA_TYPE;
    if !yaml && !json && !protobuf {
        return Err(Failure::unsupported_media_type());
    }
    let bytes = request.into_body();
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    if protobuf {
        return protobuf::to_json(&bytes).map_err(|error| {
            Failure::bad_request(format!(
                "the body of the request could not be decoded: {error}"
            ))
        });
    }
    let parsed = if yaml {
        serde_yaml::from_slice::<Value>(&bytes).map_err(|error| error.to_string())
    } else {
        serde_json::from_slice::<Value>(&bytes).map_err(|error| error.to_string())
    };
    parsed.map_err(|error| {
        Failure::bad_request(format!(
            "the body of the request could not be decoded: {error}"
        ))
    })
}

fn namespace_of(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or("")
}

/// The namespace a write goes to must exist, as upstream's admission checks.
fn require_namespace(cluster: &Cluster, target: &Target) -> Result<(), Failure> {
    let Some(namespace) = target.namespace.as_deref() else {
        return Ok(());
    };
    if let Some(found) = cluster.store.get("/namespaces", "", namespace) {
        if found.pointer("/metadata/deletionTimestamp").is_some() {
            let name = target.name.as_deref().unwrap_or_default();
            return Err(Failure::forbidden(
                format!(
                    "{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                    target.resource.qualified()
                ),
                json!({"name": name, "group": target.resource.group, "kind": target.resource.plural}),
            ));
        }
        return Ok(());
    }
    let namespaces = cluster
        .resource("", "namespaces")
        .ok_or_else(Failure::no_such_path)?;
    Err(Failure::not_found(&namespaces, namespace))
}

fn selectors(target: &Target, query: &Query) -> Result<(LabelSelector, FieldSelector), Failure> {
    let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or(""))
        .map_err(|error| Failure::bad_request(error.0))?;
    let fields = FieldSelector::parse(
        query.get("fieldSelector").unwrap_or(""),
        supported_fields(&target.resource),
    )
    .map_err(|error| Failure::bad_request(error.0))?;
    Ok((labels, fields))
}

fn supported_fields(resource: &ResourceType) -> &'static [&'static str] {
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "events") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "secrets") => &["type"],
        ("", "nodes") => &["spec.unschedulable"],
        ("", "namespaces") => &["status.phase"],
        ("apps", "replicasets") => &["status.replicas"],
        ("batch", "jobs") => &["status.successful"],
        _ => &[],
    }
}

fn list(
    cluster: &Cluster,
    target: &Target,
    query: &Query,
    accept: &str,
) -> Result<Response<Body>, Failure> {
    if query.flag("sendInitialEvents") {
        return Err(Failure::invalid_options(
            "ListOptions",
            "sendInitialEvents",
            "Forbidden: sendInitialEvents is forbidden for list",
        ));
    }
    if query.get("resourceVersionMatch").is_some() && query.get("resourceVersion").is_none() {
        return Err(Failure::invalid_options(
            "ListOptions",
            "resourceVersionMatch",
            "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        ));
    }
    let (labels, fields) = selectors(target, query)?;
    // Pagination: the token carries the list's resource version and the last key of the page.
    let mut listed_at = None;
    let mut after = None;
    if let Some(token) = query.get("continue").filter(|token| !token.is_empty()) {
        let decoded = base64::engine::general_purpose::URL_SAFE
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        let parts = decoded.as_ref().and_then(|token| {
            Some((
                token["rv"].as_u64()?,
                token["ns"].as_str()?.to_owned(),
                token["name"].as_str()?.to_owned(),
            ))
        });
        let Some((rv, namespace, name)) = parts else {
            return Err(Failure::bad_request(
                "continue key is not valid: the token could not be decoded",
            ));
        };
        listed_at = Some(rv);
        after = Some((namespace, name));
    }
    let limit = query
        .get("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .filter(|limit| *limit > 0 && query.get("resourceVersion") != Some("0"));
    let page = cluster.store.page(
        &target.resource.store_key(),
        target.namespace.as_deref(),
        after
            .as_ref()
            .map(|(namespace, name)| (namespace.as_str(), name.as_str())),
        limit,
        |object| labels.matches(object) && fields.matches(object),
    );
    let revision = listed_at.unwrap_or(page.revision);
    let items = page.items;
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if page.remaining > 0
        && let Some(last) = items.last()
    {
        let namespace = objects::field(last, "/metadata/namespace");
        let name = objects::field(last, "/metadata/name");
        let token = base64::engine::general_purpose::URL_SAFE.encode(
            serde_json::to_vec(&json!({"rv": revision, "ns": namespace, "name": name}))
                .unwrap_or_default(),
        );
        metadata["continue"] = json!(token);
        if query.get("labelSelector").is_none() && query.get("fieldSelector").is_none() {
            metadata["remainingItemCount"] = json!(page.remaining);
        }
    }
    if table::wants_table(accept) {
        let mut table = table::table(&target.resource, &items, revision, Utc::now(), true);
        table["metadata"] = metadata;
        return Ok(json_response(200, &table));
    }
    Ok(json_response(
        200,
        &json!({"kind": format!("{}List", target.resource.kind), "apiVersion": target.resource.api_version(), "metadata": metadata, "items": items}),
    ))
}

fn stored(cluster: &Cluster, target: &Target) -> Result<Value, Failure> {
    let name = target.name.as_deref().unwrap_or_default();
    cluster
        .store
        .get(&target.resource.store_key(), namespace_of(target), name)
        .ok_or_else(|| Failure::not_found(&target.resource, name))
}

fn get(cluster: &Cluster, target: &Target, accept: &str) -> Result<Response<Body>, Failure> {
    let object = stored(cluster, target)?;
    if target.subresource.as_deref() == Some("scale") {
        return Ok(json_response(200, &scale_of(&object)));
    }
    if table::wants_table(accept) && target.subresource.is_none() {
        let revision = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|version| version.parse().ok())
            .unwrap_or(0);
        return Ok(json_response(
            200,
            &table::table(&target.resource, &[object], revision, Utc::now(), true),
        ));
    }
    Ok(json_response(200, &object))
}

/// The `autoscaling/v1` Scale of a workload.
fn scale_of(object: &Value) -> Value {
    let metadata = &object["metadata"];
    let selector = object
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": metadata["name"], "namespace": metadata["namespace"], "uid": metadata["uid"], "resourceVersion": metadata["resourceVersion"], "creationTimestamp": metadata["creationTimestamp"]},
        "spec": {"replicas": object.pointer("/spec/replicas").cloned().unwrap_or(json!(0))},
        "status": {"replicas": object.pointer("/status/replicas").cloned().unwrap_or(json!(0)), "selector": selector},
    })
}

fn create(
    cluster: &Cluster,
    target: &Target,
    body: Value,
    query: &Query,
    manager: &str,
) -> Result<Response<Body>, Failure> {
    if target.subresource.is_some() {
        return Err(Failure::method_not_allowed());
    }
    require_namespace(cluster, target)?;
    let mut object =
        objects::prepare_create(&target.resource, namespace_of(target), body, Utc::now())?;
    admission::admit(cluster, &target.resource, namespace_of(target), &mut object)?;
    managed::record_update(None, &mut object, manager, &objects::timestamp(Utc::now()));
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if query.get("dryRun") == Some("All") {
        return Ok(json_response(201, &object));
    }
    match cluster.store.create(
        &target.resource.store_key(),
        namespace_of(target),
        &name,
        object,
    ) {
        Ok(created) => Ok(json_response(201, &created)),
        Err(_) => Err(Failure::already_exists(&target.resource, &name)),
    }
}

fn write_error(target: &Target, error: StoreError) -> Failure {
    let name = target.name.as_deref().unwrap_or_default();
    match error {
        StoreError::AlreadyExists => Failure::already_exists(&target.resource, name),
        StoreError::NotFound => Failure::not_found(&target.resource, name),
        StoreError::Conflict => Failure::conflict(&target.resource, name),
    }
}

fn replace(
    cluster: &Cluster,
    target: &Target,
    mut body: Value,
    manager: &str,
) -> Result<Response<Body>, Failure> {
    let current = stored(cluster, target)?;
    let name = target.name.as_deref().unwrap_or_default();
    // A stale resource version in the body is a conflict; an empty one writes unconditionally.
    let expected = objects::field(&body, "/metadata/resourceVersion").to_owned();
    let expected = Some(expected.as_str()).filter(|version| !version.is_empty());
    let scale = target.subresource.as_deref() == Some("scale");
    let next = if scale {
        let mut next = current.clone();
        next["spec"]["replicas"] = body.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
        objects::prepare_replace(&current, next, None)
    } else {
        objects::check_type(&target.resource, &mut body)?;
        let found = objects::field(&body, "/metadata/name");
        if !found.is_empty() && found != name {
            return Err(Failure::bad_request(format!(
                "the name of the object ({found}) does not match the name on the URL ({name})"
            )));
        }
        objects::prepare_replace(&current, body, target.subresource.as_deref())
    };
    let mut next = next;
    if target.subresource.as_deref() != Some("status") {
        managed::record_update(
            Some(&current),
            &mut next,
            manager,
            &objects::timestamp(Utc::now()),
        );
    }
    admission::admit_update(cluster, &target.resource, &current, &next)?;
    let saved = cluster
        .store
        .replace(
            &target.resource.store_key(),
            namespace_of(target),
            name,
            expected,
            next,
        )
        .map_err(|error| write_error(target, error))?;
    deletion::finish_if_finalized(cluster, &target.resource, &saved);
    Ok(json_response(
        200,
        &if scale { scale_of(&saved) } else { saved },
    ))
}

fn patch(
    cluster: &Cluster,
    target: &Target,
    body: Value,
    content_type: &str,
    query: &Query,
    manager: &str,
) -> Result<Response<Body>, Failure> {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let name = target.name.as_deref().unwrap_or_default().to_owned();
    let apply = base == "application/apply-patch+yaml";
    if apply && query.get("fieldManager").is_none_or(str::is_empty) {
        return Err(Failure::invalid_options(
            "PatchOptions",
            "fieldManager",
            "Required value: is required for apply patch",
        ));
    }
    if !apply && query.flag("force") {
        return Err(Failure::invalid_options(
            "PatchOptions",
            "force",
            "Forbidden: may not be specified for non-apply patch",
        ));
    }
    let key = target.resource.store_key();
    let now = objects::timestamp(Utc::now());
    let force = query.flag("force");
    let dry_run = query.get("dryRun") == Some("All");
    // Read, patch, write back only if nobody wrote in between; retry when somebody did.
    for _ in 0..5 {
        let Some(current) = cluster.store.get(&key, namespace_of(target), &name) else {
            if apply && target.subresource.is_none() {
                require_namespace(cluster, target)?;
                let mut object = body.clone();
                if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    metadata.insert("name".into(), json!(name));
                }
                // The applier owns what it applied, not the defaults the server adds.
                let applied = managed::apply(None, &object, manager, force, &now)
                    .map_err(|conflicts| apply_conflict(&conflicts))?;
                let owners = applied.pointer("/metadata/managedFields").cloned();
                let mut object = objects::prepare_create(
                    &target.resource,
                    namespace_of(target),
                    applied,
                    Utc::now(),
                )?;
                if let Some(owners) = owners {
                    object["metadata"]["managedFields"] = owners;
                }
                admission::admit(cluster, &target.resource, namespace_of(target), &mut object)?;
                if dry_run {
                    return Ok(json_response(201, &object));
                }
                let created = cluster
                    .store
                    .create(&key, namespace_of(target), &name, object)
                    .map_err(|error| write_error(target, error))?;
                return Ok(json_response(201, &created));
            }
            return Err(Failure::not_found(&target.resource, &name));
        };
        let version = current
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // A resource version in the patch is a precondition: the writer's copy must be current.
        let expected = objects::field(&body, "/metadata/resourceVersion");
        if !expected.is_empty() && expected != version {
            return Err(Failure::conflict(&target.resource, &name));
        }
        let scale = target.subresource.as_deref() == Some("scale");
        let mut patched = if scale {
            scale_of(&current)
        } else {
            current.clone()
        };
        match base.as_str() {
            "application/merge-patch+json" => patch::merge(&mut patched, &body),
            "application/strategic-merge-patch+json" if target.resource.custom => {
                return Err(Failure { code: 415, body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "strategic merge patch format is not supported", "reason": "UnsupportedMediaType", "code": 415}) });
            }
            "application/strategic-merge-patch+json" => patch::strategic(&mut patched, &body),
            "application/json-patch+json" => patch::json(&mut patched, body.clone()).map_err(|error| Failure { code: 422, body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": error.to_string(), "reason": "Invalid", "code": 422}) })?,
            "application/apply-patch+yaml" => {
                patched = managed::apply(Some(&current), &body, manager, force, &now)
                    .map_err(|conflicts| apply_conflict(&conflicts))?;
            }
            _ => return Err(Failure::unsupported_media_type()),
        }
        let next = if scale {
            let mut next = current.clone();
            next["spec"]["replicas"] = patched
                .pointer("/spec/replicas")
                .cloned()
                .unwrap_or(json!(0));
            objects::prepare_replace(&current, next, None)
        } else {
            objects::check_type(&target.resource, &mut patched)?;
            objects::prepare_replace(&current, patched, target.subresource.as_deref())
        };
        let mut next = next;
        if !apply && target.subresource.as_deref() != Some("status") {
            managed::record_update(Some(&current), &mut next, manager, &now);
        }
        admission::admit_update(cluster, &target.resource, &current, &next)?;
        if dry_run {
            return Ok(json_response(
                200,
                &if scale { scale_of(&next) } else { next },
            ));
        }
        match cluster
            .store
            .replace(&key, namespace_of(target), &name, Some(&version), next)
        {
            Ok(saved) => {
                deletion::finish_if_finalized(cluster, &target.resource, &saved);
                return Ok(json_response(
                    200,
                    &if scale { scale_of(&saved) } else { saved },
                ));
            }
            Err(StoreError::Conflict) => continue,
            Err(error) => return Err(write_error(target, error)),
        }
    }
    Err(Failure::conflict(&target.resource, &name))
}

/// 409 for an apply that would take fields other managers own, in upstream's words.
fn apply_conflict(conflicts: &[managed::Conflict]) -> Failure {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|conflict| {
            json!({"reason": "FieldManagerConflict",
                   "message": format!("conflict with \"{}\" using {}", conflict.manager, conflict.api_version),
                   "field": managed::path_text(&conflict.path)})
        })
        .collect();
    Failure {
        code: 409,
        body: json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": managed::conflict_message(conflicts), "reason": "Conflict",
                     "details": {"causes": causes}, "code": 409}),
    }
}

fn delete(
    cluster: &Cluster,
    target: &Target,
    body: &Value,
    query: &Query,
) -> Result<Response<Body>, Failure> {
    if target.subresource.is_some() {
        return Err(Failure::method_not_allowed());
    }
    let options = deletion::DeleteOptions::parse(body, query)?;
    let name = target.name.as_deref().unwrap_or_default();
    let deleted = deletion::delete(
        cluster,
        &target.resource,
        namespace_of(target),
        name,
        &options,
    )?;
    Ok(json_response(200, &deleted))
}

fn delete_collection(
    cluster: &Cluster,
    target: &Target,
    query: &Query,
) -> Result<Response<Body>, Failure> {
    let (labels, fields) = selectors(target, query)?;
    let options = deletion::DeleteOptions::parse(&Value::Null, query)?;
    let (_, objects) = cluster
        .store
        .list(&target.resource.store_key(), target.namespace.as_deref());
    let mut items = Vec::new();
    for object in objects
        .iter()
        .filter(|object| labels.matches(object) && fields.matches(object))
    {
        let namespace = objects::field(object, "/metadata/namespace");
        let name = objects::field(object, "/metadata/name");
        if let Ok(deleted) = deletion::delete(cluster, &target.resource, namespace, name, &options)
        {
            items.push(deleted);
        }
    }
    let revision = cluster.store.revision();
    Ok(json_response(
        200,
        &json!({"kind": format!("{}List", target.resource.kind), "apiVersion": target.resource.api_version(), "metadata": {"resourceVersion": revision.to_string()}, "items": items}),
    ))
}

fn log(cluster: &Arc<Cluster>, target: &Target, query: &Query) -> Result<Response<Body>, Failure> {
    let pod = stored(cluster, target)?;
    let container = logs::container(&pod, query.get("container"), query.flag("previous"))?;
    let number = |key: &str| query.get(key).and_then(|value| value.parse::<i64>().ok());
    let now = Utc::now();
    let since = number("sinceSeconds")
        .map(|seconds| now - chrono::Duration::seconds(seconds))
        .or_else(|| {
            query
                .get("sinceTime")
                .and_then(|stamp| chrono::DateTime::parse_from_rfc3339(stamp).ok())
                .map(|stamp| stamp.with_timezone(&Utc))
        });
    let request = logs::LogRequest {
        container,
        follow: query.flag("follow"),
        tail: number("tailLines"),
        since,
        timestamps: query.flag("timestamps"),
        limit_bytes: number("limitBytes").and_then(|limit| usize::try_from(limit).ok()),
    };
    let stream = logs::LogStream::new(&pod, request, now);
    let store = cluster.clone();
    let body = futures_util::stream::unfold((stream, store), |(mut stream, store)| async move {
        let chunk = stream.next(&store.store).await?;
        Some((Ok::<_, Infallible>(Frame::data(chunk)), (stream, store)))
    });
    let mut response = Response::new(StreamBody::new(body).boxed_unsync());
    if let Ok(value) = "text/plain".parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    Ok(response)
}

/// The target named without its proxy scheme and port (`https:web:8443` names `web`).
fn split_port(target: &Target) -> Target {
    let asked = target.name.as_deref().unwrap_or_default();
    let name = asked
        .trim_start_matches("https:")
        .trim_start_matches("http:")
        .split(':')
        .next()
        .unwrap_or_default();
    Target {
        resource: target.resource.clone(),
        namespace: target.namespace.clone(),
        name: Some(name.to_owned()),
        subresource: None,
        proxied: None,
    }
}

fn watch(
    cluster: &Cluster,
    target: Target,
    query: &Query,
    accept: &str,
) -> Result<Response<Body>, Failure> {
    let initial_events = query.flag("sendInitialEvents");
    let match_rule = query.get("resourceVersionMatch");
    if initial_events && match_rule != Some("NotOlderThan") {
        return Err(Failure::invalid_options(
            "ListOptions",
            "sendInitialEvents",
            "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ));
    }
    if !initial_events && match_rule.is_some() {
        return Err(Failure::invalid_options(
            "ListOptions",
            "resourceVersionMatch",
            "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ));
    }
    let (labels, fields) = selectors(&target, query)?;
    let request = WatchRequest {
        resource: target.resource,
        namespace: target.namespace,
        labels,
        fields,
        since: query.get("resourceVersion").map(str::to_owned),
        bookmarks: query.flag("allowWatchBookmarks"),
        initial_events,
        timeout: query
            .get("timeoutSeconds")
            .and_then(|seconds| seconds.parse().ok())
            .map(Duration::from_secs),
        table: table::wants_table(accept),
    };
    let watch = Watch::start(&cluster.store, request)?;
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        watch
            .next()
            .await
            .map(|line| (Ok::<_, Infallible>(Frame::data(line)), watch))
    });
    let mut response = Response::new(StreamBody::new(stream).boxed_unsync());
    if let Ok(value) = "application/json".parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    Ok(response)
}
