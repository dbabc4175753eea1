//! Waiting in tests for what no event announces (a count in the simulator's store, a port that
//! starts listening), and reading the process's memory for the measurement examples.

use std::time::Duration;

/// Asks `probe` every 20 ms until it answers, for at most 30 s; fails naming `what` otherwise.
pub async fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(found) = probe() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("waited 30 s for {what}"))
}

/// As [`eventually`], for a probe that itself waits (one that asks a server).
pub async fn eventually_async<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut probe: impl FnMut() -> F,
) -> T {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("waited 30 s for {what}"))
}

/// This process's proportional set size in MiB (Linux's `smaps_rollup`), 0 where unreadable.
pub fn pss_mib() -> f64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    text.lines()
        .find(|line| line.starts_with("Pss:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}
