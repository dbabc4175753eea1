//! Use-cases about logs: `watch_logs` reads a pod's or a workload's log onto a channel (followed
//! or not), `stop_logs` ends that, `save_logs` writes it to a file in the downloads folder.

mod save;
mod watch;

pub use save::save_logs;
pub use watch::{LogStreams, stop_logs, watch_logs};

use kubedesk_cluster::logs::LogOptions;
use kubedesk_ipc as ipc;

fn options(options: ipc::LogOptions) -> LogOptions {
    LogOptions {
        container: options.container.filter(|container| !container.is_empty()),
        previous: options.previous,
        tail: options.tail,
        since_seconds: options.since_seconds,
        follow: options.follow,
    }
}
