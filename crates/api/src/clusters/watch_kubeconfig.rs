//! Watching the kubeconfig: the app follows edits to the files without a restart.

use std::time::Duration;

use kubedesk_cluster::{Fingerprint, KubeconfigPaths};

use crate::App;

/// How often the files are looked at. Polling a handful of files once a second costs nothing and
/// sees every way of saving (in place, by rename, by a tool that recreates the file).
const POLL: Duration = Duration::from_secs(1);

/// A watch over the kubeconfig files, made by [`watch_kubeconfig`].
#[derive(Debug)]
pub struct KubeconfigWatch {
    paths: KubeconfigPaths,
    seen: Fingerprint,
}

/// Starts watching the files as they are now.
pub fn watch_kubeconfig(app: &App) -> KubeconfigWatch {
    let paths = app.kubeconfig.clone();
    let seen = paths.fingerprint();
    KubeconfigWatch { paths, seen }
}

impl KubeconfigWatch {
    /// Waits until a file is edited, replaced, created or removed.
    pub async fn changed(&mut self) {
        loop {
            tokio::time::sleep(POLL).await;
            let now = self.paths.fingerprint();
            if now != self.seen {
                self.seen = now;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::AppConfig;

    #[tokio::test]
    async fn an_edit_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kubeconfig");
        std::fs::write(&file, "clusters: []\n").unwrap();
        let app = App::new(AppConfig::in_memory(
            dir.path().join("config"),
            KubeconfigPaths::resolve(Some(OsString::from(&file)), None),
        ));
        let mut watch = watch_kubeconfig(&app);
        std::fs::write(&file, "clusters: []\ncontexts: []\n").unwrap();
        tokio::time::timeout(Duration::from_secs(10), watch.changed())
            .await
            .expect("the edit is seen within a few polls");
    }
}
