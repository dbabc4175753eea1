//! A virtual display for running the app without a screen, and screenshots of it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::shell::{Failure, Result};

/// A running Xvfb, stopped when dropped.
pub struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb on the first free display number from 90 up.
    pub fn start() -> Result<Self> {
        for number in 90..190 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            {
                continue;
            }
            let display = format!(":{number}");
            let mut child = Command::new("Xvfb")
                .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|error| {
                    Failure(format!(
                        "could not start Xvfb ({error}); run `cargo xtask setup`"
                    ))
                })?;
            let socket = format!("/tmp/.X11-unix/X{number}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return Ok(Self { child, display });
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
        }
        Err(Failure(
            "could not start Xvfb on any display from :90 to :189".into(),
        ))
    }

    /// The `DISPLAY` value.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Takes a screenshot of the whole screen.
    pub fn screenshot(&self, to: &Path) -> Result {
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(to)
            .env("DISPLAY", &self.display)
            .stderr(Stdio::null())
            .status()
            .map_err(|error| {
                Failure(format!(
                    "could not run ImageMagick's import ({error}); run `cargo xtask setup`"
                ))
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure(format!(
                "import could not take a screenshot of {}",
                self.display
            )))
        }
    }

    /// Polls screenshots until the screen shows a painted UI (many colours, not a blank window),
    /// and returns how long that took.
    pub fn wait_until_painted(&self, shot: &Path, limit: Duration) -> Result<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.screenshot(shot).is_ok() && colours(shot) >= 64 {
                return Ok(start.elapsed());
            }
        }
        Err(Failure(format!(
            "the window did not paint within {limit:?}; the last screenshot is {}",
            shot.display()
        )))
    }
}

impl Xvfb {
    /// After the first paint, polls until two screenshots in a row show the same pixels (the UI has
    /// loaded what it asked for), for at most `limit`; the last screenshot stays at `shot`.
    pub fn wait_until_settled(&self, shot: &Path, limit: Duration) -> Result {
        self.wait_until_painted(shot, limit)?;
        let start = Instant::now();
        let mut previous = signature(shot);
        while start.elapsed() < limit {
            self.screenshot(shot)?;
            let current = signature(shot);
            if current.is_some() && current == previous {
                return Ok(());
            }
            previous = current;
        }
        Ok(())
    }
}

/// A hash of an image's pixels (not of its file, which carries timestamps).
fn signature(image: &Path) -> Option<String> {
    let output = Command::new("identify")
        .args(["-format", "%#"])
        .arg(image)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The number of distinct colours in an image.
fn colours(image: &Path) -> u64 {
    let output = Command::new("identify")
        .args(["-format", "%k"])
        .arg(image)
        .output();
    output
        .ok()
        .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
        .unwrap_or(0)
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
