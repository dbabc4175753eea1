//! Container logs: followed over a channel, and saved to a file.

use serde::{Deserialize, Serialize};

use crate::Command;
use crate::objects::ObjectKey;

/// What to read of a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Reads the log of a pod, or of every pod of a workload merged; lines arrive on the `channel`
/// argument as [`LogUpdate`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchLogs {
    /// The pod or workload.
    pub object: ObjectKey,
    /// What to read.
    pub options: LogOptions,
}

impl Command for WatchLogs {
    const NAME: &'static str = "watch_logs";
    type Output = LogSubscription;
}

/// A log being read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSubscription {
    /// The id to stop it with.
    pub id: u64,
}

/// What came since the last update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogUpdate {
    /// New lines, in order per pod.
    pub lines: Vec<LogLine>,
    /// Pods whose stream started.
    pub joined: Vec<String>,
    /// Pods whose stream ended, with the server's reason when it refused.
    pub ended: Vec<(String, Option<String>)>,
    /// Why the pods cannot be read at all.
    pub failed: Option<String>,
}

/// One line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The pod.
    pub pod: String,
    /// The container.
    pub container: String,
    /// When it was written (RFC 3339).
    pub time: Option<String>,
    /// The line.
    pub text: String,
}

/// Stops reading a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopLogs {
    /// The subscription.
    pub id: u64,
}

impl Command for StopLogs {
    const NAME: &'static str = "stop_logs";
    type Output = ();
}

/// Saves a log (as it is now: not followed) to a file in the downloads folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveLogs {
    /// The pod or workload.
    pub object: ObjectKey,
    /// What to read (`follow` is ignored).
    pub options: LogOptions,
    /// Prefix each line with its time.
    pub timestamps: bool,
}

impl Command for SaveLogs {
    const NAME: &'static str = "save_logs";
    type Output = SavedLogs;
}

/// A saved log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLogs {
    /// The file.
    pub path: String,
    /// How many lines it holds.
    pub lines: usize,
}
