//! What this crate's tests of subscriptions share: waiting for the update they expect.

use std::time::Duration;

/// The next update that satisfies `check`, within 20 s.
pub async fn next<T>(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<T>,
    check: impl Fn(&T) -> bool,
) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let update = updates.recv().await.expect("the subscription sends");
            if check(&update) {
                return update;
            }
        }
    })
    .await
    .expect("the update comes")
}
