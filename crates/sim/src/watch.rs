//! WATCH: newline-delimited JSON events, replayed from a resource version or from now, with
//! bookmarks, timeouts and in-stream errors (§5 of reference/kube-api.md).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::catalogue::ResourceType;
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::Failure;
use crate::store::{Event, Store, WatchStart};
use crate::table;

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);
/// How long a watch without `timeoutSeconds` stays open (upstream: 30 to 60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// What the client asked to watch.
#[derive(Debug)]
pub struct WatchRequest {
    /// The resource type.
    pub resource: ResourceType,
    /// One namespace, or all.
    pub namespace: Option<String>,
    /// Label filter.
    pub labels: LabelSelector,
    /// Field filter.
    pub fields: FieldSelector,
    /// `resourceVersion`: `None` or `"0"` start from now with the current objects as ADDED.
    pub since: Option<String>,
    /// `allowWatchBookmarks`.
    pub bookmarks: bool,
    /// `sendInitialEvents`: the current objects, then a bookmark marking the end of them.
    pub initial_events: bool,
    /// `timeoutSeconds`.
    pub timeout: Option<Duration>,
    /// Whether each event's object is a one-row Table (`kubectl get -w`).
    pub table: bool,
}

/// A running watch, read one line at a time.
#[derive(Debug)]
pub struct Watch {
    request: WatchRequest,
    pending: VecDeque<Bytes>,
    live: Option<broadcast::Receiver<Arc<Event>>>,
    deadline: Instant,
    next_bookmark: Instant,
    revision: u64,
    headers_sent: bool,
}

impl Watch {
    /// Starts a watch over the store.
    pub fn start(store: &Store, request: WatchRequest) -> Result<Self, Failure> {
        let key = request.resource.store_key();
        let now = Instant::now();
        let mut watch = Self {
            deadline: now + request.timeout.unwrap_or(DEFAULT_TIMEOUT),
            next_bookmark: now + BOOKMARK_EVERY,
            pending: VecDeque::new(),
            live: None,
            revision: 0,
            headers_sent: false,
            request,
        };
        let from_now = matches!(watch.request.since.as_deref(), None | Some("" | "0"))
            || watch.request.initial_events;
        if from_now {
            let (objects, start) = store.watch_now(&key, watch.request.namespace.as_deref());
            watch.revision = start.revision;
            for object in &objects {
                if watch.wanted(object) {
                    let line = watch.line("ADDED", object);
                    watch.pending.push_back(line);
                }
            }
            if watch.request.initial_events {
                let bookmark = watch.bookmark(true);
                watch.pending.push_back(bookmark);
            }
            watch.begin(start);
            return Ok(watch);
        }
        let since: u64 = watch
            .request
            .since
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|_| {
                Failure::bad_request(format!(
                    "invalid resource version: {}",
                    watch.request.since.as_deref().unwrap_or_default()
                ))
            })?;
        match store.watch_after(&key, since) {
            Ok(start) => {
                watch.revision = since;
                watch.begin(start);
            }
            Err(expired) => {
                // Upstream delivers a post-parse error in the stream, with HTTP 200, then ends it.
                let status = Failure::expired(expired.requested, expired.oldest).body;
                watch
                    .pending
                    .push_back(encode(&json!({"type": "ERROR", "object": status})));
            }
        }
        Ok(watch)
    }

    fn begin(&mut self, start: WatchStart) {
        for event in start.backlog {
            self.take(&event);
        }
        self.live = Some(start.live);
    }

    fn wanted(&self, object: &Value) -> bool {
        self.request.labels.matches(object) && self.request.fields.matches(object)
    }

    fn take(&mut self, event: &Event) {
        if event.resource != self.request.resource.store_key() || event.revision <= self.revision {
            return;
        }
        if self
            .request
            .namespace
            .as_ref()
            .is_some_and(|namespace| *namespace != event.namespace)
            || !self.wanted(&event.object)
        {
            return;
        }
        self.revision = event.revision;
        let line = self.line(event.change.as_str(), &event.object);
        self.pending.push_back(line);
    }

    fn line(&mut self, kind: &str, object: &Value) -> Bytes {
        let object = if self.request.table {
            let revision = object
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .and_then(|version| version.parse().ok())
                .unwrap_or(self.revision);
            let table = table::table(
                &self.request.resource,
                std::slice::from_ref(object),
                revision,
                Utc::now(),
                !self.headers_sent,
            );
            self.headers_sent = true;
            table
        } else {
            object.clone()
        };
        encode(&json!({"type": kind, "object": object}))
    }

    fn bookmark(&self, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": self.revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let resource = &self.request.resource;
        encode(
            &json!({"type": "BOOKMARK", "object": {"kind": resource.kind, "apiVersion": resource.api_version(), "metadata": metadata}}),
        )
    }

    /// The next line of the stream, or `None` when the watch ends.
    pub async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Some(line);
            }
            let live = self.live.as_mut()?;
            let bookmarks = self.request.bookmarks;
            let next_bookmark = self.next_bookmark.min(self.deadline);
            tokio::select! {
                () = tokio::time::sleep_until(self.deadline) => return None,
                () = tokio::time::sleep_until(next_bookmark), if bookmarks => {
                    self.next_bookmark += BOOKMARK_EVERY;
                    let bookmark = self.bookmark(false);
                    self.pending.push_back(bookmark);
                }
                received = live.recv() => match received {
                    Ok(event) => self.take(&event),
                    // A client too slow to keep up, or a store going away: end the stream and let the
                    // client resume from the last version it saw.
                    Err(_) => return None,
                },
            }
        }
    }
}

fn encode(value: &Value) -> Bytes {
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}
