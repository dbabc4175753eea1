//! The one error type that crosses the boundary between backend and UI.

use serde::{Deserialize, Serialize};

/// What went wrong, for the user: what failed, with which input, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    /// What the UI branches on.
    pub code: ErrorCode,
    /// What failed and with which input, in a full sentence.
    pub message: String,
    /// What the user can do about it, when there is something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The cases the UI treats differently. A code exists only where the UI acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself was malformed; a bug between UI and backend.
    InvalidRequest,
    /// A file the app keeps (settings and the like) could not be read or written.
    Storage,
    /// A cluster cannot be used now: its kubeconfig entries or its credentials; the Clusters page
    /// says more.
    Unavailable,
    /// Anything else: show the message.
    Internal,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
