//! `save_logs`: a log as it is now, written to a file in the downloads folder.

use kubedesk_cluster::logs::{self, LogEvent};
use kubedesk_ipc as ipc;

use crate::App;
use crate::clusters::client;

/// Reads the log once (not followed) and writes it, a pod column first when several pods wrote
/// it; answers with the file.
pub async fn save_logs(app: &App, request: ipc::SaveLogs) -> Result<ipc::SavedLogs, ipc::Error> {
    let key = request.object;
    let client = client::client(app, &key.context).await?;
    let name = key.name.clone();
    let object = crate::objects::convert::object(app, &client, &key).await?;
    let options = super::options(ipc::LogOptions {
        follow: false,
        ..request.options
    });
    let mut follow = logs::follow(&client, object.clone(), options);
    let mut lines = Vec::new();
    let mut problem = None;
    while let Some(event) = follow.events.recv().await {
        match event {
            LogEvent::Line(line) => lines.push(line),
            LogEvent::Ended {
                error: Some(error), ..
            }
            | LogEvent::Failed(error) => problem = Some(error),
            LogEvent::Joined(_) | LogEvent::Ended { error: None, .. } => {}
        }
    }
    if lines.is_empty()
        && let Some(problem) = problem
    {
        return Err(ipc::Error {
            code: ipc::ErrorCode::Internal,
            message: format!("The log of {object} could not be read: {problem}"),
            hint: None,
        });
    }
    let several = lines.windows(2).any(|pair| pair[0].pod != pair[1].pod);
    let mut text = String::new();
    for line in &lines {
        if request.timestamps
            && let Some(time) = &line.time
        {
            text.push_str(time);
            text.push(' ');
        }
        if several {
            text.push_str(&line.pod);
            text.push(' ');
        }
        text.push_str(&line.text);
        text.push('\n');
    }
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let path = app.downloads.join(format!("{name}-{stamp}.log"));
    let failed = |error: std::io::Error| ipc::Error {
        code: ipc::ErrorCode::Storage,
        message: format!(
            "The log could not be written to {}: {error}",
            path.display()
        ),
        hint: Some("Check that the downloads folder exists and may be written to.".into()),
    };
    std::fs::create_dir_all(&app.downloads).map_err(failed)?;
    std::fs::write(&path, text).map_err(failed)?;
    Ok(ipc::SavedLogs {
        path: path.display().to_string(),
        lines: lines.len(),
    })
}
