//! A stand-in for the user's browser, given to the app as `BROWSER`: a script that hands the
//! address the app opens to the test through a named pipe, so the test wakes when it is opened.

use std::path::PathBuf;
use std::time::Duration;

/// The script and its pipe, in a folder of their own; removed when dropped.
#[derive(Debug)]
pub struct BrowserScript {
    _dir: tempfile::TempDir,
    /// The program to give the app as `BROWSER`.
    pub program: PathBuf,
    pipe: PathBuf,
}

impl BrowserScript {
    /// Writes the script and makes its pipe (`mkfifo`).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("opened");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&pipe)
                .status()
                .unwrap()
                .success(),
            "mkfifo makes the pipe"
        );
        let program = dir.path().join("browser.sh");
        std::fs::write(
            &program,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", pipe.display()),
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self {
            _dir: dir,
            program,
            pipe,
        }
    }

    /// The address the app opens, once it opens one (at most 30 s from now).
    pub async fn opened(&self) -> String {
        // Opening the pipe to read waits for the script to open it to write.
        tokio::time::timeout(
            Duration::from_secs(30),
            tokio::fs::read_to_string(&self.pipe),
        )
        .await
        .expect("the app opened the browser within 30 s")
        .unwrap()
    }
}

impl Default for BrowserScript {
    fn default() -> Self {
        Self::new()
    }
}
