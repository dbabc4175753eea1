//! Opening a sign-in page in the user's browser.

use std::ffi::OsStr;

/// Opens `url` with `browser` (`BROWSER`), or with the desktop's default browser.
pub(super) fn open(browser: Option<&OsStr>, url: &str) -> std::io::Result<()> {
    let mut command = match browser {
        Some(browser) => tokio::process::Command::new(browser),
        None if cfg!(target_os = "macos") => tokio::process::Command::new("open"),
        None if cfg!(target_os = "windows") => {
            let mut command = tokio::process::Command::new("rundll32");
            command.arg("url.dll,FileProtocolHandler");
            command
        }
        None => tokio::process::Command::new("xdg-open"),
    };
    // The browser outlives this call; tokio reaps it when it exits.
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}
