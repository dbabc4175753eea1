//! A simulated Kubernetes API server, faithful enough that unmodified kubectl and kube-rs work
//! against it. It stands in for a real cluster in the demo and in every test of the project, since
//! no real kube-apiserver can be installed on our machines.
//!
//! The specification is `reference/kube-api.md` in the shared folder. This crate shares no code
//! with `kubedesk-cluster`: a simulator built on the client's reading of the API would agree with
//! the client's mistakes, so it is held to real clients instead.

mod admission;
mod api;
pub mod auth;
pub mod catalogue;
pub mod churn;
mod controllers;
mod deletion;
pub mod demo;
mod discovery;
mod events;
mod eviction;
pub mod faults;
mod logs;
mod managed;
mod metrics;
mod objects;
mod patch;
mod protobuf;
mod proxy;
mod quantity;
mod query;
mod scheduler;
mod selector;
mod status;
pub mod store;
mod table;
pub mod tls;
mod watch;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::catalogue::ResourceType;
use crate::store::Store;

/// How many changes each cluster keeps for watches to replay.
const HISTORY: usize = 10_000;

/// One simulated cluster: its resource types and its objects.
#[derive(Debug)]
pub struct Cluster {
    name: String,
    /// The built-in types and those of the CustomResourceDefinitions in the store.
    catalogue: RwLock<Arc<Vec<ResourceType>>>,
    /// The cluster's objects.
    pub store: Store,
    /// Latency and errors injected into requests.
    pub faults: faults::Faults,
    /// Who may connect: tokens, and whether credentials are required.
    pub auth: auth::Authentication,
    /// Pod changes made every second, for benchmarks.
    pub churn: churn::Churn,
    /// What the simulated kubelet does when its time comes.
    timers: Mutex<Vec<(tokio::time::Instant, Timer)>>,
    /// The CA of a TLS server, PEM, for the `kube-root-ca.crt` ConfigMaps.
    root_ca: RwLock<Option<String>>,
}

/// Something the simulated kubelet does later.
#[derive(Debug)]
pub(crate) enum Timer {
    /// Removes a terminating object once its grace period is over.
    Remove {
        key: String,
        namespace: String,
        name: String,
    },
    /// Ends a run-to-completion pod's containers successfully.
    Finish { namespace: String, name: String },
}

impl Cluster {
    /// An empty cluster with the built-in resource types, and the namespaces and RBAC roles every
    /// cluster has.
    pub fn new(name: impl Into<String>) -> Self {
        let cluster = Self {
            name: name.into(),
            catalogue: RwLock::new(Arc::new(catalogue::builtin())),
            store: Store::new(HISTORY),
            timers: Mutex::new(Vec::new()),
            root_ca: RwLock::new(None),
            faults: faults::Faults::default(),
            auth: auth::Authentication::default(),
            churn: churn::Churn::default(),
        };
        for namespace in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            // The names are valid and new, so creating them cannot fail.
            let _ = cluster.create(
                "",
                "namespaces",
                "",
                json!({"metadata": {"name": namespace}}),
            );
        }
        for (plural, object) in auth::bootstrap_objects() {
            let _ = cluster.create("rbac.authorization.k8s.io", plural, "", object);
        }
        // The API server's own Service.
        let _ = cluster.create(
            "",
            "services",
            "default",
            json!({"metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                   "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], "sessionAffinity": "None"}}),
        );
        cluster
    }

    /// The CA a TLS server of this cluster answers with, PEM.
    pub(crate) fn root_ca(&self) -> Option<String> {
        self.root_ca
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The cluster's name, as its kubeconfig context is named.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The resource types the cluster serves now.
    pub fn catalogue(&self) -> Arc<Vec<ResourceType>> {
        self.catalogue
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Serves the resource types of every CustomResourceDefinition in the store, and forgets the
    /// objects of those that were deleted, as the real API server does.
    pub(crate) fn refresh_custom_resources(&self) {
        let (_, definitions) = self.store.list(&catalogue::crd_store_key(), None);
        let mut types = catalogue::builtin();
        types.extend(definitions.iter().flat_map(catalogue::from_crd));
        let mut slot = self
            .catalogue
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for gone in slot
            .iter()
            .filter(|old| old.custom && !types.iter().any(|new| new.store_key() == old.store_key()))
        {
            let (_, objects) = self.store.list(&gone.store_key(), None);
            for object in objects {
                let namespace = objects::field(&object, "/metadata/namespace");
                let name = objects::field(&object, "/metadata/name");
                let _ = self.store.delete(&gone.store_key(), namespace, name);
            }
        }
        *slot = Arc::new(types);
    }

    /// Does `timer` at `when`: what the kubelet does once time has passed.
    pub(crate) fn schedule(&self, when: tokio::time::Instant, timer: Timer) {
        self.timers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((when, timer));
    }

    /// Runs the timers whose time has come.
    fn run_due(&self, now: tokio::time::Instant) {
        let due: Vec<_> = {
            let mut timers = self
                .timers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (due, later) = timers.drain(..).partition(|(when, _)| *when <= now);
            *timers = later;
            due
        };
        for (_, timer) in due {
            match timer {
                Timer::Remove {
                    key,
                    namespace,
                    name,
                } => {
                    // Still there and still terminating: a client may have removed it already.
                    if self
                        .store
                        .get(&key, &namespace, &name)
                        .is_some_and(|object| {
                            object.pointer("/metadata/deletionTimestamp").is_some()
                        })
                    {
                        let _ = self.store.delete(&key, &namespace, &name);
                    }
                }
                Timer::Finish { namespace, name } => scheduler::finish(self, &namespace, &name),
            }
        }
    }

    /// A resource type by group and plural.
    pub fn resource(&self, group: &str, plural: &str) -> Option<ResourceType> {
        self.catalogue()
            .iter()
            .find(|resource| resource.group == group && resource.plural == plural)
            .cloned()
    }

    /// Creates an object as a POST would, for seeding demo data and tests; answers with the stored
    /// object or the `Status` the server would have answered.
    pub fn create(
        &self,
        group: &str,
        plural: &str,
        namespace: &str,
        object: Value,
    ) -> Result<Value, Value> {
        let resource = self
            .resource(group, plural)
            .ok_or_else(|| status::Failure::no_such_path().body)?;
        // Seeded objects keep their creation time and field managers, as objects restored from
        // storage do.
        let created = object.pointer("/metadata/creationTimestamp").cloned();
        let managers = object.pointer("/metadata/managedFields").cloned();
        let mut object = objects::prepare_create(&resource, namespace, object, chrono::Utc::now())
            .map_err(|failure| failure.body)?;
        if let Some(created) = created.filter(Value::is_string) {
            object["metadata"]["creationTimestamp"] = created;
        }
        if let Some(managers) = managers.filter(Value::is_array) {
            object["metadata"]["managedFields"] = managers;
        }
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = if resource.namespaced { namespace } else { "" };
        let created = self
            .store
            .create(&resource.store_key(), namespace, &name, object)
            .map_err(|_| status::Failure::already_exists(&resource, &name).body)?;
        if resource.store_key() == catalogue::crd_store_key() {
            self.refresh_custom_resources();
        }
        Ok(created)
    }
}

/// The body of a response: a whole document, or a stream of watch events or log lines.
pub type ResponseBody = api::Body;

/// Answers one request as the server would, without a socket: for fuzzing and robustness tests.
pub async fn respond(
    cluster: &Arc<Cluster>,
    request: hyper::Request<bytes::Bytes>,
) -> hyper::Response<ResponseBody> {
    api::answer(cluster, request).await
}

/// A cluster served over HTTP on a loopback port; stops serving when dropped.
#[derive(Debug)]
pub struct SimServer {
    address: SocketAddr,
    cluster: Arc<Cluster>,
    task: JoinHandle<()>,
    /// The CA behind the server's certificate and its users' client certificates, over TLS.
    authority: Option<Arc<tls::Authority>>,
}

impl SimServer {
    /// Serves `cluster` over plain HTTP on `address` (port 0: the OS picks one).
    pub async fn start(cluster: Arc<Cluster>, address: SocketAddr) -> std::io::Result<Self> {
        Self::serve(cluster, address, None).await
    }

    /// Serves `cluster` over TLS on `address`, with a new CA behind the server's certificate and
    /// the client certificates it accepts.
    pub async fn start_tls(cluster: Arc<Cluster>, address: SocketAddr) -> std::io::Result<Self> {
        let authority = tls::Authority::generate().map_err(std::io::Error::other)?;
        *cluster
            .root_ca
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(authority.certificate_pem());
        Self::serve(cluster, address, Some(Arc::new(authority))).await
    }

    async fn serve(
        cluster: Arc<Cluster>,
        address: SocketAddr,
        authority: Option<Arc<tls::Authority>>,
    ) -> std::io::Result<Self> {
        let acceptor = match &authority {
            Some(authority) => Some((
                tokio_rustls::TlsAcceptor::from(
                    authority.server_config().map_err(std::io::Error::other)?,
                ),
                authority.clone(),
            )),
            None => None,
        };
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let served = cluster.clone();
        let task = tokio::spawn(async move {
            // The connections belong to this task: aborting it drops the set, which aborts them.
            let mut connections = JoinSet::new();
            // The simulated kubelet and the controllers' clock.
            let mut kubelet = tokio::time::interval(std::time::Duration::from_millis(100));
            let mut reconciled = 0;
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    now = kubelet.tick() => {
                        served.run_due(now);
                        churn::on_tick(&served, 100);
                        controllers::on_time(&served);
                        // The controllers look again only when something changed.
                        let revision = served.store.revision();
                        if revision != reconciled {
                            controllers::reconcile(&served);
                            reconciled = revision;
                        }
                        continue;
                    }
                };
                let Ok((stream, _)) = accepted else {
                    continue;
                };
                // Go's servers, the real API server among them, disable Nagle's algorithm; without
                // this every response waits out the client's delayed ACK (about 200 ms).
                let _ = stream.set_nodelay(true);
                let cluster = served.clone();
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    match acceptor {
                        None => serve_connection(cluster, TokioIo::new(stream), None).await,
                        Some((acceptor, authority)) => {
                            // A failed handshake is the client's to report.
                            let Ok(stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let user = stream.get_ref().1.peer_certificates().map(|certificates| {
                                auth::CertificateUser(authority.client_user(certificates))
                            });
                            serve_connection(cluster, TokioIo::new(stream), user).await;
                        }
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Self {
            address,
            cluster,
            task,
            authority,
        })
    }

    /// The server's base URL, `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let scheme = if self.authority.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.address)
    }

    /// The cluster served.
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// The CA a TLS server's certificate and client certificates come from.
    pub fn authority(&self) -> Option<&tls::Authority> {
        self.authority.as_deref()
    }
}

/// Serves HTTP/1.1 on one connection; `user` is who its verified client certificate names.
async fn serve_connection<I>(
    cluster: Arc<Cluster>,
    io: I,
    certificate: Option<auth::CertificateUser>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        let cluster = cluster.clone();
        if let Some(certificate) = &certificate {
            request.extensions_mut().insert(certificate.clone());
        }
        async move { Ok::<_, Infallible>(api::handle(&cluster, request).await) }
    });
    // A client that hangs up mid-request is its own business.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await;
}

/// A kubeconfig with one context per server, each named after its cluster; the first is current.
/// Over TLS the user is the cluster's administrator by client certificate (`O=system:masters`),
/// as kubeadm's admin.conf has it, and the CA is trusted; over plain HTTP, where clients send no
/// credentials, the token is only there to be ignored.
pub fn kubeconfig(servers: &[&SimServer]) -> String {
    use base64::Engine as _;
    let base64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let mut clusters = String::new();
    let mut users = String::new();
    let mut contexts = String::new();
    for server in servers {
        let name = server.cluster.name();
        clusters.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {}\n",
            server.url()
        ));
        let admin = server.authority().and_then(|authority| {
            authority
                .client_certificate("kubernetes-admin", Some(auth::MASTERS))
                .ok()
        });
        match (server.authority(), admin) {
            (Some(authority), Some(admin)) => {
                clusters.push_str(&format!(
                    "    certificate-authority-data: {}\n",
                    base64(&authority.certificate_pem())
                ));
                users.push_str(&format!(
                    "- name: {name}-admin\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
                    base64(&admin.certificate_pem),
                    base64(&admin.key_pem)
                ));
            }
            _ => users.push_str(&format!(
                "- name: {name}-admin\n  user:\n    token: kubedesk-demo\n"
            )),
        }
        contexts.push_str(&format!("- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-admin\n    namespace: default\n"));
    }
    let current = servers
        .first()
        .map(|server| server.cluster.name())
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n{clusters}users:\n{users}contexts:\n{contexts}"
    )
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
