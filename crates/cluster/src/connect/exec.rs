//! Exec credential plugins (`client.authentication.k8s.io` v1 and v1beta1), run as kubectl runs
//! them but from a desktop app: the command is looked up on the PATH of the user's login shell as
//! well (plugins installed through Homebrew, asdf or the gcloud SDK are on it, a desktop launcher's
//! PATH lacks them), a missing command is reported with its `installHint`, and a plugin that hangs
//! is stopped after a timeout.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use tokio::sync::OnceCell;

/// How long a plugin may run before it counts as hung.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(30);

/// What a plugin answered with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// A bearer token.
    pub token: Option<String>,
    /// A client certificate, PEM.
    pub client_certificate_data: Option<String>,
    /// Its key, PEM.
    pub client_key_data: Option<String>,
    /// When the credential expires (RFC 3339), if it does.
    pub expiration_timestamp: Option<String>,
}

/// Why a plugin gave no credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The entry names no command.
    #[error("the exec entry names no command")]
    NoCommand,
    /// The command is on no PATH.
    #[error("the credential plugin {command:?} was not found on your PATH or your login shell's{}", hint.as_deref().map(|hint| format!("; {hint}")).unwrap_or_default())]
    NotFound {
        /// The command.
        command: String,
        /// The entry's `installHint`.
        hint: Option<String>,
    },
    /// The plugin needs a terminal, which a desktop app has not.
    #[error(
        "the credential plugin {command:?} asks for a terminal (interactiveMode: Always); run it once in a terminal, or set interactiveMode to IfAvailable"
    )]
    NeedsTerminal {
        /// The command.
        command: String,
    },
    /// The plugin could not be started.
    #[error("the credential plugin {command:?} could not be started: {detail}")]
    Start {
        /// The command.
        command: String,
        /// The operating system's reason.
        detail: String,
    },
    /// The plugin ended with an error.
    #[error("the credential plugin {command:?} failed ({status}): {stderr}")]
    Failed {
        /// The command.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on standard error, trimmed.
        stderr: String,
    },
    /// The plugin printed something that is not an ExecCredential.
    #[error("the credential plugin {command:?} printed no ExecCredential: {detail}")]
    Garbage {
        /// The command.
        command: String,
        /// The parser's reason.
        detail: String,
    },
    /// The plugin did not finish in time and was stopped.
    #[error("the credential plugin {command:?} did not answer within {seconds} s and was stopped")]
    TimedOut {
        /// The command.
        command: String,
        /// The timeout.
        seconds: u64,
    },
}

#[derive(Deserialize)]
struct ExecCredential {
    status: Option<Credential>,
}

/// Runs the plugin and reads its credential.
pub async fn run(exec: &ExecConfig, timeout: Duration) -> Result<Credential, ExecError> {
    let command = exec.command.clone().ok_or(ExecError::NoCommand)?;
    if matches!(exec.interactive_mode, Some(ExecInteractiveMode::Always)) {
        return Err(ExecError::NeedsTerminal { command });
    }
    let search = search_path().await;
    let program = resolve(&command, &search).ok_or_else(|| ExecError::NotFound {
        command: command.clone(),
        hint: exec.install_hint.clone(),
    })?;
    let version = exec
        .api_version
        .clone()
        .unwrap_or_else(|| "client.authentication.k8s.io/v1".to_owned());
    let info = serde_json::json!({"kind": "ExecCredential", "apiVersion": version, "spec": {"interactive": false}});
    let mut process = tokio::process::Command::new(&program);
    process
        .args(exec.args.iter().flatten())
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        // The plugin's own helpers are found on the same PATH.
        .env("PATH", &search)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for variable in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (variable.get("name"), variable.get("value")) {
            process.env(name, value);
        }
    }
    let child = process.spawn().map_err(|error| ExecError::Start {
        command: command.clone(),
        detail: error.to_string(),
    })?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            return Err(ExecError::Start {
                command,
                detail: error.to_string(),
            });
        }
        // Dropping the wait drops the child, which kills it.
        Err(_) => {
            return Err(ExecError::TimedOut {
                command,
                seconds: timeout.as_secs(),
            });
        }
    };
    if !output.status.success() {
        return Err(ExecError::Failed {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let parsed: ExecCredential =
        serde_json::from_slice(&output.stdout).map_err(|error| ExecError::Garbage {
            command: command.clone(),
            detail: error.to_string(),
        })?;
    let credential = parsed.status.unwrap_or_default();
    if credential.token.is_none() && credential.client_certificate_data.is_none() {
        return Err(ExecError::Garbage {
            command,
            detail: "its status holds neither a token nor a client certificate".into(),
        });
    }
    Ok(credential)
}

/// A command with a path separator is taken as it is; a bare name is looked up on `search`.
fn resolve(command: &str, search: &OsStr) -> Option<PathBuf> {
    if command.contains(std::path::MAIN_SEPARATOR) {
        return Some(PathBuf::from(command)).filter(|path| path.is_file());
    }
    std::env::split_paths(search)
        .map(|directory| directory.join(command))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// This process's PATH, then the login shell's entries it lacks; asked of the shell once.
async fn search_path() -> OsString {
    static LOGIN: OnceCell<Option<OsString>> = OnceCell::const_new();
    let login = LOGIN.get_or_init(login_shell_path).await;
    let mut entries: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    for entry in login.iter().flat_map(std::env::split_paths) {
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    std::env::join_paths(entries).unwrap_or_default()
}

/// The PATH the user's login shell sets up (`$SHELL -l -c`), within five seconds.
async fn login_shell_path() -> Option<OsString> {
    let shell = std::env::var_os("SHELL").filter(|shell| !shell.is_empty())?;
    path_from_shell(Path::new(&shell)).await
}

async fn path_from_shell(shell: &Path) -> Option<OsString> {
    let output = tokio::process::Command::new(shell)
        .args(["-l", "-c", "printf %s \"$PATH\""])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(5), output)
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    output
        .status
        .success()
        .then(|| OsString::from(text.lines().last().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(dir: &Path, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn config(command: &str) -> ExecConfig {
        ExecConfig {
            api_version: Some("client.authentication.k8s.io/v1beta1".into()),
            command: Some(command.into()),
            args: None,
            env: None,
            drop_env: None,
            install_hint: Some("brew install example-login".into()),
            interactive_mode: None,
            provide_cluster_info: false,
            cluster: None,
            other: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_missing_plugin_says_how_to_install_it() {
        let error = run(&config("kubedesk-no-such-plugin"), EXEC_TIMEOUT)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the credential plugin \"kubedesk-no-such-plugin\" was not found on your PATH or your login shell's; brew install example-login"
        );
    }

    #[tokio::test]
    async fn a_hanging_plugin_is_stopped_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = plugin(dir.path(), "slow", "sleep 30");
        let started = std::time::Instant::now();
        let error = run(&config(path.to_str().unwrap()), Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(error, ExecError::TimedOut { .. }), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn the_plugin_gets_its_env_and_exec_info_and_its_answer_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = plugin(
            dir.path(),
            "echoing",
            r#"case "$KUBERNETES_EXEC_INFO" in *v1beta1*) ;; *) exit 9;; esac
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}' "$TOKEN_FROM_ENV""#,
        );
        let mut exec = config(path.to_str().unwrap());
        exec.env = Some(vec![
            [
                ("name".to_owned(), "TOKEN_FROM_ENV".to_owned()),
                ("value".to_owned(), "t-123".to_owned()),
            ]
            .into(),
        ]);
        let credential = run(&exec, EXEC_TIMEOUT).await.unwrap();
        assert_eq!(credential.token.as_deref(), Some("t-123"));
        assert_eq!(
            credential.expiration_timestamp.as_deref(),
            Some("2099-01-01T00:00:00Z")
        );
        exec.interactive_mode = Some(ExecInteractiveMode::Always);
        assert!(matches!(
            run(&exec, EXEC_TIMEOUT).await,
            Err(ExecError::NeedsTerminal { .. })
        ));
    }

    #[tokio::test]
    async fn the_login_shell_path_is_read_from_the_shell() {
        let dir = tempfile::tempdir().unwrap();
        let shell = plugin(
            dir.path(),
            "fake-shell",
            "printf 'motd line\\n'; printf %s /opt/homebrew/bin:/home/u/.asdf/shims",
        );
        let path = path_from_shell(&shell).await.unwrap();
        assert_eq!(
            path,
            OsString::from("/opt/homebrew/bin:/home/u/.asdf/shims")
        );
        let found = resolve(
            "fake-shell",
            &OsString::from(format!("/nowhere:{}", dir.path().display())),
        );
        assert_eq!(found, Some(shell));
    }
}
