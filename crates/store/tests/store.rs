//! The offline store on real SQLite files: what is written reads back; secret values never reach
//! the file; the limits drop the least recently viewed first; a snapshot round-trips exactly; a
//! damaged, truncated, foreign or newer file is refused with a message naming it; a full disk is
//! reported while reads go on; a writer killed with SIGKILL mid-write leaves a consistent store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::path::{Path, PathBuf};

use kubedesk_store::{Limits, Store, StoreError, Write, resource_id};
use serde_json::{Value, json};

fn pods() -> String {
    resource_id("", "v1", "pods")
}

fn put(context: &str, resource: &str, namespace: &str, name: &str, object: Value) -> Write {
    Write::Put {
        context: context.into(),
        resource: resource.into(),
        namespace: namespace.into(),
        name: name.into(),
        cells: Some(json!([name, "Running"]).to_string()),
        object: Some(object.to_string()),
    }
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ml",
           "managedFields": [{"manager": "kubectl"}]}, "status": {"phase": "Running"}})
}

fn open(dir: &Path) -> Store {
    Store::open(&dir.join("store.db"), Limits::default()).unwrap()
}

#[test]
fn what_is_written_reads_back_and_a_relist_forgets_what_it_did_not_see() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.write(Write::Cluster {
        context: "prod".into(),
        summary: json!({"nodes": 3}),
    });
    store.write(Write::Listed {
        context: "prod".into(),
        resource: pods(),
        kind: "Pod".into(),
        columns: json!(["Ready", "Status"]),
    });
    for name in ["a", "b", "c"] {
        store.write(put("prod", &pods(), "ml", name, pod(name)));
    }
    store.write(put("prod", &pods(), "web", "d", pod("d")));
    store.write(Write::Events {
        context: "prod".into(),
        about: "/v1/pods/ml/a".into(),
        events: vec![json!({"metadata": {"uid": "e1"}, "reason": "Pulled"})],
    });
    // What is known of a cluster is merged key by key.
    store.write(Write::Cluster {
        context: "prod".into(),
        summary: json!({"served": ["pods"]}),
    });
    store.flush();
    assert_eq!(
        store.clusters().unwrap()[0].summary,
        json!({"nodes": 3, "served": ["pods"]})
    );
    let listing = store.listing("prod", &pods()).unwrap().unwrap();
    assert_eq!(
        (listing.kind.as_str(), listing.columns),
        ("Pod", json!(["Ready", "Status"]))
    );
    let names = |namespace: Option<&str>| -> Vec<String> {
        store
            .rows("prod", &pods(), namespace)
            .unwrap()
            .into_iter()
            .map(|row| row.name)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(names(None), ["a", "b", "c", "d"]);
    assert_eq!(names(Some("ml")), ["a", "b", "c"]);
    let a = store.object("prod", &pods(), "ml", "a").unwrap().unwrap();
    assert_eq!(a.object["status"]["phase"], "Running");
    assert_eq!(
        a.object["metadata"].get("managedFields"),
        None,
        "managed fields are not kept"
    );
    let rows = store.rows("prod", &pods(), Some("ml")).unwrap();
    let a = rows.iter().find(|row| row.name == "a").unwrap();
    assert_eq!(a.cells, json!(["a", "Running"]).to_string());
    assert_eq!(
        store.events("prod", "/v1/pods/ml/a").unwrap()[0]["reason"],
        "Pulled"
    );

    // A relist of ml that saw only b: a and c are gone from ml; web is another namespace.
    let since = kubedesk_store::now_ms() + 1;
    while kubedesk_store::now_ms() < since {
        std::thread::yield_now();
    }
    store.write(put("prod", &pods(), "ml", "b", pod("b")));
    store.write(Write::Relisted {
        context: "prod".into(),
        resource: pods(),
        namespace: Some("ml".into()),
        since,
    });
    store.write(Write::Delete {
        context: "prod".into(),
        resource: pods(),
        namespace: "web".into(),
        name: "d".into(),
    });
    store.flush();
    assert_eq!(names(None), ["b"]);

    // It is all there after the app closes and opens again.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.rows("prod", &pods(), None).unwrap().len(), 1);
    store.forget("prod");
    assert!(store.clusters().unwrap().is_empty());
    assert!(store.rows("prod", &pods(), None).unwrap().is_empty());
    assert!(store.events("prod", "/v1/pods/ml/a").unwrap().is_empty());
}

/// Every file of the store (with its write-ahead log and shared memory) as bytes.
fn bytes_of(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn secret_values_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // "hunter2-correct-horse" in base64, as `data` holds it; the same in stringData and in the
    // annotation kubectl apply leaves.
    let encoded = "aHVudGVyMi1jb3JyZWN0LWhvcnNl";
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "ml", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": format!("{{\"data\":{{\"password\":\"{encoded}\"}},\"stringData\":{{\"token\":\"plain-s3cret-token\"}}}}"),
            "owner": "data-team"}},
        "data": {"password": encoded},
        "stringData": {"token": "plain-s3cret-token"},
    });
    store.write(put(
        "prod",
        &resource_id("", "v1", "secrets"),
        "ml",
        "db",
        secret.clone(),
    ));
    // Even under another resource name, a Secret is a Secret.
    store.write(put("prod", "custom/v1/things", "ml", "db", secret));
    // Managed fields are never kept, of any object.
    let mut managed = pod("managed");
    managed["metadata"]["managedFields"] =
        json!([{"manager": "kubectl-edit-hunter2", "operation": "Update"}]);
    store.write(put("prod", &pods(), "ml", "managed", managed));
    store.flush();
    let kept = store
        .object("prod", &pods(), "ml", "managed")
        .unwrap()
        .unwrap()
        .object;
    assert_eq!(kept["metadata"].get("managedFields"), None);
    assert_eq!(kept["metadata"]["name"], "managed");
    let stored = store
        .object("prod", &resource_id("", "v1", "secrets"), "ml", "db")
        .unwrap()
        .unwrap()
        .object;
    assert_eq!(stored.get("data"), None);
    assert_eq!(stored.get("stringData"), None);
    assert_eq!(
        stored["metadata"]["annotations"],
        json!({"owner": "data-team"})
    );
    assert_eq!(stored["type"], "Opaque", "what is not a value stays");
    drop(store);
    let bytes = bytes_of(dir.path());
    assert!(
        contains(&bytes, "data-team"),
        "the search finds what is stored"
    );
    for value in [encoded, "plain-s3cret-token", "hunter2"] {
        assert!(!contains(&bytes, value), "{value} is in the store's files");
    }
}

#[test]
fn the_limits_drop_the_least_recently_viewed_resources_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let limits = Limits {
        per_cluster: 60_000,
        total: 80_000,
        file: None,
    };
    let store = Store::open(&path, limits).unwrap();
    let big = |name: &str| json!({"metadata": {"name": name}, "padding": "x".repeat(1_000)});
    let fill = |context: &str, resource: &str, count: usize| {
        store.write(Write::Listed {
            context: context.into(),
            resource: resource.into(),
            kind: "Thing".into(),
            columns: json!([]),
        });
        store.flush();
        for index in 0..count {
            let name = format!("{resource}-{index}");
            store.write(put(context, resource, "", &name, big(&name)));
        }
        store.flush();
    };
    // About 21 kB each: both fit in the cluster's 60 kB.
    fill("prod", "old/v1/things", 20);
    fill("prod", "new/v1/things", 20);
    assert_eq!(store.rows("prod", "old/v1/things", None).unwrap().len(), 20);
    // Viewing the old one again makes the new one the least recently viewed.
    store.write(Write::Viewed {
        context: "prod".into(),
        resource: "old/v1/things".into(),
    });
    fill("prod", "third/v1/things", 20);
    assert!(
        store
            .rows("prod", "new/v1/things", None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.rows("prod", "old/v1/things", None).unwrap().len(), 20);
    assert_eq!(
        store.rows("prod", "third/v1/things", None).unwrap().len(),
        20
    );
    let sizes = store.sizes().unwrap();
    assert!(sizes.total <= 60_000, "{sizes:?}");
    // Another cluster: within its own limit, but the total drops the least recently viewed of all.
    fill("dev", "dev/v1/things", 50);
    let sizes = store.sizes().unwrap();
    assert!(sizes.total <= 80_000, "{sizes:?}");
    assert!(
        store
            .rows("prod", "old/v1/things", None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.rows("prod", "third/v1/things", None).unwrap().len(),
        20
    );
    assert_eq!(store.rows("dev", "dev/v1/things", None).unwrap().len(), 50);
    assert!(sizes.file_bytes > 0);
    // Lower limits set while it runs apply at once: prod's third resource, viewed before dev's,
    // goes.
    store.set_limits(Limits {
        per_cluster: 60_000,
        total: 60_000,
        file: None,
    });
    store.flush();
    let sizes = store.sizes().unwrap();
    assert!(sizes.total <= 60_000, "{sizes:?}");
    assert!(
        store
            .rows("prod", "third/v1/things", None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.rows("dev", "dev/v1/things", None).unwrap().len(), 50);
}

fn everything(store: &Store, context: &str) -> Value {
    let mut rows = store.rows(context, &pods(), None).unwrap();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    json!({
        "clusters": store.clusters().unwrap().iter().filter(|cluster| cluster.context == context)
            .map(|cluster| json!([cluster.summary, cluster.seen_at])).collect::<Vec<_>>(),
        "listing": store.listing(context, &pods()).unwrap().map(|listing| json!([listing.kind, listing.columns, listing.seen_at])),
        "rows": rows.iter().map(|row| json!([row.namespace, row.name, row.cells, row.seen_at])).collect::<Vec<_>>(),
        "objects": rows.iter().map(|row| store.object(context, &pods(), &row.namespace, &row.name).unwrap().map(|object| json!([object.object, object.seen_at]))).collect::<Vec<_>>(),
        "events": store.events(context, "/v1/pods/ml/a").unwrap(),
    })
}

#[test]
fn a_cluster_exported_to_a_snapshot_opens_read_only_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for context in ["prod", "dev"] {
        store.write(Write::Cluster {
            context: context.into(),
            summary: json!({"name": context}),
        });
        store.write(Write::Listed {
            context: context.into(),
            resource: pods(),
            kind: "Pod".into(),
            columns: json!(["Ready"]),
        });
        for name in ["a", "b"] {
            store.write(put(context, &pods(), "ml", name, pod(name)));
        }
        store.write(Write::Events {
            context: context.into(),
            about: "/v1/pods/ml/a".into(),
            events: vec![json!({"metadata": {"uid": "e1"}, "reason": context})],
        });
    }
    store.flush();
    let file = dir.path().join("prod.kubedesk");
    store.export("prod", &file).unwrap();
    let snapshot = Store::open_snapshot(&file).unwrap();
    assert_eq!(snapshot.snapshot_of().unwrap().context, "prod");
    assert_eq!(everything(&snapshot, "prod"), everything(&store, "prod"));
    assert_eq!(
        snapshot.clusters().unwrap().len(),
        1,
        "only the cluster exported"
    );
    // Read-only: a write is not taken.
    snapshot.write(put("prod", &pods(), "ml", "c", pod("c")));
    snapshot.flush();
    assert_eq!(snapshot.rows("prod", &pods(), None).unwrap().len(), 2);

    let again = store.export("prod", &file).unwrap_err();
    assert!(matches!(again, StoreError::Exists { .. }));
    assert!(
        again
            .to_string()
            .contains("exists already; choose a new file name")
    );
    let not_snapshot = Store::open_snapshot(&dir.path().join("store.db")).unwrap_err();
    assert_eq!(
        not_snapshot.to_string(),
        format!(
            "{} is not a KubeDesk snapshot; export one from Settings → Offline data",
            dir.path().join("store.db").display()
        )
    );
}

#[test]
fn a_damaged_foreign_or_newer_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |path: &PathBuf| Store::open(path, Limits::default()).unwrap_err();

    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        "this is not a database, it is a shopping list\n".repeat(200),
    )
    .unwrap();
    let error = refused(&garbage);
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(&format!(
            "{} is damaged or is not a KubeDesk offline store",
            garbage.display()
        )),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .ends_with("move it aside and KubeDesk starts a new one")
    );

    // A store cut in half, as a full disk or a bad copy leaves it.
    let truncated = dir.path().join("truncated.db");
    {
        let store = Store::open(&truncated, Limits::default()).unwrap();
        for index in 0..2_000 {
            let name = format!("pod-{index}");
            store.write(put("prod", &pods(), "ml", &name, pod(&name)));
        }
        store.flush();
    }
    // Fold the write-ahead log in, then cut the file.
    sqlite(&truncated, "PRAGMA wal_checkpoint(TRUNCATE);");
    let length = std::fs::metadata(&truncated).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .unwrap();
    file.set_len(length / 2).unwrap();
    drop(file);
    let error = refused(&truncated);
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");

    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer, Limits::default()).unwrap());
    set_pragma(&newer, "user_version", 99);
    let error = refused(&newer);
    assert_eq!(
        error.to_string(),
        format!(
            "{} was written by a newer KubeDesk (store version 99, this one reads 1); update KubeDesk, or move the file aside to start a new one",
            newer.display()
        )
    );

    let foreign = dir.path().join("foreign.db");
    drop(Store::open(&foreign, Limits::default()).unwrap());
    set_pragma(&foreign, "application_id", 7);
    let error = refused(&foreign);
    assert!(
        error.to_string().contains("another program's database"),
        "{error}"
    );
    // Nothing was overwritten: the foreign file still has its id.
    assert!(Store::open(&foreign, Limits::default()).is_err());
}

/// Runs `sql` on the file at `path` with a connection of its own, as another program would.
fn sqlite(path: &Path, sql: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

fn set_pragma(path: &Path, pragma: &str, value: i64) {
    sqlite(path, &format!("PRAGMA {pragma} = {value};"));
}

#[test]
fn a_full_disk_is_reported_while_what_was_stored_reads_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = Store::open(
        &path,
        Limits {
            file: Some(256 * 1024),
            ..Limits::default()
        },
    )
    .unwrap();
    store.write(put("prod", &pods(), "ml", "first", pod("first")));
    store.flush();
    assert!(store.failure().is_none());
    for index in 0..2_000 {
        let name = format!("pod-{index}");
        store.write(put(
            "prod",
            &pods(),
            "ml",
            &name,
            json!({"padding": "y".repeat(500), "name": name}),
        ));
    }
    // One larger than the whole file may be: whichever batch the writer commits it in fails.
    store.write(put(
        "prod",
        &pods(),
        "ml",
        "huge",
        json!({"padding": "z".repeat(300 * 1024)}),
    ));
    store.flush();
    let failure = store.failure().expect("the writes fail");
    assert!(matches!(*failure, StoreError::Full { .. }), "{failure:?}");
    assert_eq!(
        failure.to_string(),
        format!(
            "the disk holding {} is full; free some space or lower the offline store's limit in Settings",
            path.display()
        )
    );
    // What was committed before is still there.
    assert!(
        store
            .object("prod", &pods(), "ml", "first")
            .unwrap()
            .is_some()
    );
    // Once there is room again, writes succeed and the failure is gone.
    store.forget("prod");
    store.write(put("prod", &pods(), "ml", "after", pod("after")));
    store.flush();
    assert!(store.failure().is_none(), "{:?}", store.failure());
    assert!(
        store
            .object("prod", &pods(), "ml", "after")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_writer_killed_mid_write_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubedesk-store-load"))
        .arg(&path)
        .arg("0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it write until it says 20,000 pods are committed.
    let progress = std::io::BufReader::new(child.stdout.take().unwrap());
    let committed = std::io::BufRead::lines(progress)
        .map_while(Result::ok)
        .find(|line| line == "committed 20000");
    assert!(committed.is_some(), "the writer commits 20,000 pods");
    // SIGKILL, in the middle of its writes.
    child.kill().unwrap();
    child.wait().unwrap();
    let store = Store::open(&path, Limits::default()).expect("the store opens consistent");
    let rows = store.rows("load", &pods(), None).unwrap();
    assert!(rows.len() >= 20_000, "{}", rows.len());
    // Every object is whole.
    for row in rows.iter().step_by(997) {
        let object = store
            .object("load", &pods(), &row.namespace, &row.name)
            .unwrap()
            .unwrap();
        assert_eq!(object.object["metadata"]["name"], row.name.as_str());
    }
    // And it takes writes again.
    store.write(put("load", &pods(), "ml", "after", pod("after")));
    store.flush();
    assert!(store.failure().is_none());
}
