//! The views' subscriptions (live tables, followed objects): each a task the app owns, with what
//! the view changes it through, ended by its stop command, by its channel closing, or with the app.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use kubedesk_ipc as ipc;

/// One subscription: what changes it, and the task that sends its updates.
#[derive(Debug)]
struct Subscription<T> {
    control: T,
    task: tokio::task::JoinHandle<()>,
}

/// Subscriptions by id.
#[derive(Debug)]
pub struct Subscriptions<T> {
    next: AtomicU64,
    entries: Mutex<HashMap<u64, Subscription<T>>>,
}

impl<T> Default for Subscriptions<T> {
    fn default() -> Self {
        Self {
            next: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Drop for Subscriptions<T> {
    fn drop(&mut self) {
        for entry in self
            .entries
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            entry.task.abort();
        }
    }
}

impl<T> Subscriptions<T> {
    /// Keeps a new subscription; answers with its id.
    pub(crate) fn add(&self, control: T, task: tokio::task::JoinHandle<()>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Subscription { control, task });
        id
    }

    /// Does `change` with subscription `id`'s control.
    pub(crate) fn with<R>(&self, id: u64, change: impl FnOnce(&T) -> R) -> Result<R, ipc::Error> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(&id).ok_or_else(|| unknown(id))?;
        Ok(change(&entry.control))
    }

    /// Ends subscription `id`.
    pub(crate) fn stop(&self, id: u64) -> Result<(), ipc::Error> {
        let entry = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id)
            .ok_or_else(|| unknown(id))?;
        entry.task.abort();
        Ok(())
    }
}

fn unknown(id: u64) -> ipc::Error {
    ipc::Error {
        code: ipc::ErrorCode::InvalidRequest,
        message: format!("there is no subscription {id}; it has ended"),
        hint: Some("Open the page again.".into()),
    }
}
