//! Container logs: one pod's, or one stream merged from every pod of a workload (pods that appear
//! later join it, each line tagged with its pod). Lines are always read with the server's
//! timestamps, so showing them is the viewer's choice and a stream that breaks (a restarted
//! container) is resumed after the last line seen, without repeating it.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{AsyncBufReadExt as _, StreamExt as _};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::runtime::WatchStreamExt as _;
use kube::runtime::watcher::{self, Event, watcher};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::actions::ObjectRef;
use crate::tables::Kind;

/// How long to wait before resuming a followed stream that ended while its pod still runs.
const RESUME_AFTER: Duration = Duration::from_secs(1);

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container; the pod's first when `None`.
    pub container: Option<String>,
    /// The previous (terminated) container's log.
    pub previous: bool,
    /// Only the last lines.
    pub tail: Option<i64>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Keep reading as lines come.
    pub follow: bool,
}

/// One line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The pod.
    pub pod: String,
    /// The container.
    pub container: String,
    /// When the container wrote it (RFC 3339, as the server sent it).
    pub time: Option<String>,
    /// The line.
    pub text: String,
}

/// What a followed log reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// New lines.
    Line(LogLine),
    /// A pod's stream started.
    Joined(String),
    /// A pod's stream ended: why, when it failed.
    Ended {
        /// The pod.
        pod: String,
        /// The server's message, when it refused.
        error: Option<String>,
    },
    /// The pods to read cannot be found: why.
    Failed(String),
}

/// A followed log. Dropping it stops every stream.
#[derive(Debug)]
pub struct LogFollow {
    /// The events, in order per pod.
    pub events: mpsc::UnboundedReceiver<LogEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LogFollow {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the log of `object` (a pod, or a workload whose pods are merged).
pub fn follow(client: &kube::Client, object: ObjectRef, options: LogOptions) -> LogFollow {
    let (sender, events) = mpsc::unbounded_channel();
    let client = client.clone();
    let task = tokio::spawn(async move {
        let namespace = object.namespace.clone().unwrap_or_default();
        let pods: Api<Pod> = Api::namespaced(client.clone(), &namespace);
        if object.resource.table() == Some(Kind::Pods) {
            read_pod(pods, object.name.clone(), options, sender).await;
            return;
        }
        let selector = match selector(&client, &object).await {
            Ok(selector) => selector,
            Err(error) => {
                let _ = sender.send(LogEvent::Failed(error.to_string()));
                return;
            }
        };
        // Every pod the selector matches gets its own reader, once, as it starts running.
        let mut readers = tokio::task::JoinSet::new();
        let mut reading = HashSet::new();
        let config = watcher::Config::default().labels(&selector);
        let mut changes = std::pin::pin!(watcher(pods.clone(), config).default_backoff());
        while let Some(change) = changes.next().await {
            let found = match change {
                Ok(Event::Apply(pod) | Event::InitApply(pod)) => pod,
                // Not following, the pods running now are read once.
                Ok(Event::InitDone) if !options.follow => break,
                Ok(_) => continue,
                Err(error) => {
                    let _ = sender.send(LogEvent::Failed(error.to_string()));
                    continue;
                }
            };
            let name = found.metadata.name.clone().unwrap_or_default();
            let running = found
                .status
                .as_ref()
                .and_then(|status| status.phase.as_deref())
                == Some("Running");
            if running
                && found.metadata.deletion_timestamp.is_none()
                && reading.insert(name.clone())
            {
                readers.spawn(read_pod(
                    pods.clone(),
                    name,
                    options.clone(),
                    sender.clone(),
                ));
            }
        }
        while readers.join_next().await.is_some() {}
    });
    LogFollow { events, task }
}

/// Why a workload's pods cannot be found.
#[derive(Debug, thiserror::Error)]
enum SelectorError {
    /// The workload cannot be read.
    #[error("{}", crate::health::message(.0))]
    Read(kube::Error),
    /// It has no selector.
    #[error("{0} selects no pods: it has no spec.selector")]
    Missing(String),
}

/// The label selector of a workload's pods (`spec.selector`), as text.
async fn selector(client: &kube::Client, object: &ObjectRef) -> Result<String, SelectorError> {
    let found = object
        .api(client)
        .get(&object.name)
        .await
        .map_err(SelectorError::Read)?;
    let value = serde_json::to_value(found)
        .map_err(|error| SelectorError::Read(kube::Error::SerdeError(error)))?;
    let selector = &value["spec"]["selector"];
    let mut terms: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect();
    for expression in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        terms.push(match expression["operator"].as_str() {
            Some("In") => format!("{key} in ({})", values.join(",")),
            Some("NotIn") => format!("{key} notin ({})", values.join(",")),
            Some("DoesNotExist") => format!("!{key}"),
            _ => key.to_owned(),
        });
    }
    if terms.is_empty() {
        return Err(SelectorError::Missing(object.to_string()));
    }
    Ok(terms.join(","))
}

/// Reads one pod's log into `sender`; followed, a stream that ends while the pod still runs
/// (its container restarted) is resumed after the last line seen.
async fn read_pod(
    pods: Api<Pod>,
    name: String,
    options: LogOptions,
    sender: mpsc::UnboundedSender<LogEvent>,
) {
    let container = match &options.container {
        Some(container) => container.clone(),
        None => match pods.get(&name).await {
            Ok(pod) => pod
                .spec
                .and_then(|spec| {
                    spec.containers
                        .first()
                        .map(|container| container.name.clone())
                })
                .unwrap_or_default(),
            Err(error) => {
                let _ = sender.send(LogEvent::Ended {
                    pod: name,
                    error: Some(crate::health::message(&error)),
                });
                return;
            }
        },
    };
    let _ = sender.send(LogEvent::Joined(name.clone()));
    let mut last: Option<String> = None;
    loop {
        let mut params = LogParams {
            container: Some(container.clone()),
            follow: options.follow,
            previous: options.previous,
            tail_lines: options.tail,
            since_seconds: options.since_seconds,
            timestamps: true,
            ..LogParams::default()
        };
        if let Some(time) = last.as_deref().and_then(|time| time.parse().ok()) {
            params.tail_lines = None;
            params.since_seconds = None;
            params.since_time = Some(time);
        }
        let stream = match pods.log_stream(&name, &params).await {
            Ok(stream) => stream,
            Err(error) => {
                let _ = sender.send(LogEvent::Ended {
                    pod: name,
                    error: Some(crate::health::message(&error)),
                });
                return;
            }
        };
        let mut lines = std::pin::pin!(stream.lines());
        while let Some(Ok(line)) = lines.next().await {
            let (time, text) = match line.split_once(' ') {
                Some((time, text)) if time.parse::<jiff::Timestamp>().is_ok() => {
                    (Some(time.to_owned()), text.to_owned())
                }
                _ => (None, line),
            };
            // A resumed stream starts at the last second seen: what was sent already is skipped.
            if let (Some(seen), Some(time)) = (&last, &time)
                && time <= seen
            {
                continue;
            }
            if time.is_some() {
                last.clone_from(&time);
            }
            let line = LogLine {
                pod: name.clone(),
                container: container.clone(),
                time,
                text,
            };
            if sender.send(LogEvent::Line(line)).is_err() {
                return;
            }
        }
        let still_running = options.follow
            && pods.get_opt(&name).await.ok().flatten().is_some_and(|pod| {
                pod.metadata.deletion_timestamp.is_none()
                    && pod.status.and_then(|status| status.phase).as_deref() == Some("Running")
            });
        if !still_running {
            let _ = sender.send(LogEvent::Ended {
                pod: name,
                error: None,
            });
            return;
        }
        tokio::time::sleep(RESUME_AFTER).await;
    }
}
