//! Writes pods into an offline store as the live tables do, and says how long it took:
//! `kubedesk-store-load STORE COUNT` writes COUNT pods of context `load` and exits;
//! with COUNT 0 it writes for ever, saying `committed N` after each thousand (the
//! crash-consistency test kills it with SIGKILL mid-write).

use std::path::PathBuf;
use std::process::ExitCode;

use kubedesk_store::{Limits, Store, Write, resource_id};
use serde_json::json;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: kubedesk-store-load STORE COUNT (0: until killed)");
        return ExitCode::from(2);
    };
    let Ok(count) = count.parse::<u64>() else {
        eprintln!("COUNT must be a whole number, not {count:?}");
        return ExitCode::from(2);
    };
    let path = PathBuf::from(path);
    let store = match Store::open(&path, Limits::default()) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let mut written = 0_u64;
    while count == 0 || written < count {
        store.write(pod(written));
        written += 1;
        if count == 0 && written.is_multiple_of(1000) {
            store.flush();
            println!("committed {written}");
        }
    }
    store.flush();
    if let Some(failure) = store.failure() {
        eprintln!("{failure}");
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {written} pods in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}

/// The `index`-th pod, shaped as the API serves one, with its table row.
fn pod(index: u64) -> Write {
    let name = format!("load-{index:07}");
    let namespace = format!("team-{}", index % 20);
    Write::Put {
        context: "load".into(),
        resource: resource_id("", "v1", "pods"),
        namespace: namespace.clone(),
        name: name.clone(),
        object: Some(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": format!("00000000-0000-0000-0000-{index:012}"),
                         "labels": {"app": "load", "shard": (index % 7).to_string()},
                         "creationTimestamp": "2026-11-26T10:00:00Z"},
            "spec": {"nodeName": format!("node-{}", index % 50),
                     "containers": [{"name": "main", "image": "registry.example.com/load:1.0",
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
            "status": {"phase": "Running", "podIP": format!("10.1.{}.{}", (index / 250) % 250, index % 250),
                       "containerStatuses": [{"name": "main", "ready": true, "restartCount": index % 3,
                                              "image": "registry.example.com/load:1.0", "state": {"running": {"startedAt": "2026-11-26T10:00:05Z"}}}]}
        }).to_string()),
        cells: Some(json!([
            "1/1",
            "Running",
            index % 3,
            "10.1.0.1",
            format!("node-{}", index % 50),
            "",
            "2026-11-26T10:00:00Z"
        ])
        .to_string()),
    }
}
