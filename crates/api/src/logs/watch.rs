//! `watch_logs` and `stop_logs`.

use kubedesk_cluster::logs::{self, LogEvent};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;
use crate::subscriptions::Subscriptions;

/// The logs being read.
pub type LogStreams = Subscriptions<()>;

/// How long lines are gathered before they are sent on.
const GATHER: std::time::Duration = std::time::Duration::from_millis(100);

/// Reads a log: `send` gets what came, gathered over at most 100 ms, and answers `false` once
/// nobody listens.
pub async fn watch_logs(
    app: &App,
    request: ipc::WatchLogs,
    send: impl Fn(ipc::LogUpdate) -> bool + Send + Sync + 'static,
) -> Result<ipc::LogSubscription, ipc::Error> {
    let key = request.object;
    let client = client::client(app, &key.context).await?;
    let object = crate::objects::convert::object(app, &client, &key).await?;
    let mut follow = logs::follow(&client, object, super::options(request.options));
    let task = tokio::spawn(async move {
        while let Some(first) = follow.events.recv().await {
            let mut update = ipc::LogUpdate::default();
            add(&mut update, first);
            let deadline = tokio::time::Instant::now() + GATHER;
            while let Ok(Some(event)) =
                tokio::time::timeout_at(deadline, follow.events.recv()).await
            {
                add(&mut update, event);
            }
            if !send(update) {
                return;
            }
        }
    });
    Ok(ipc::LogSubscription {
        id: app.log_streams.add((), task),
    })
}

fn add(update: &mut ipc::LogUpdate, event: LogEvent) {
    match event {
        LogEvent::Line(line) => update.lines.push(ipc::LogLine {
            pod: line.pod,
            container: line.container,
            time: line.time,
            text: line.text,
        }),
        LogEvent::Joined(pod) => update.joined.push(pod),
        LogEvent::Ended { pod, error } => update.ended.push((pod, error)),
        LogEvent::Failed(message) => update.failed = Some(message),
    }
}

/// Stops reading a log.
pub fn stop_logs(app: &App, request: ipc::StopLogs) -> Result<(), ipc::Error> {
    app.log_streams.stop(request.id)
}
