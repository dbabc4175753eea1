//! The keyring against a real Secret Service (gnome-keyring on a private bus) and without one.
//! Each test runs its body in a child process, because the Secret Service client connects to the
//! bus its process was started with.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use kubedesk_secrets::{Keyring, Secret};
use kubedesk_testkit::{SecretService, in_child, run_in_child};

#[test]
fn secrets_are_stored_in_the_secret_service_and_survive_a_new_connection() {
    if !in_child() {
        let service = SecretService::start();
        run_in_child(
            "secrets_are_stored_in_the_secret_service_and_survive_a_new_connection",
            &service.env(),
        );
        // What the child left behind is in the keyring, where secret-tool finds it.
        assert_eq!(service.lookup("gpu-prod/oidc").as_deref(), Some("rotated"));
        assert_eq!(service.lookup("edge/oidc"), None, "signed out");
        return;
    }
    let keyring = Keyring::open();
    assert_eq!(keyring.unavailable(), None, "{keyring:?}");
    assert_eq!(keyring.get("gpu-prod/oidc").unwrap(), None);
    keyring.set("gpu-prod/oidc", &Secret::new("first"));
    keyring.set("gpu-prod/oidc", &Secret::new("rotated"));
    keyring.set("edge/oidc", &Secret::new("other"));
    assert_eq!(
        keyring.unavailable(),
        None,
        "every write reached the keyring"
    );
    // A second connection (as after a restart) reads what the first stored.
    let again = Keyring::open();
    assert_eq!(
        again
            .get("gpu-prod/oidc")
            .unwrap()
            .as_ref()
            .map(Secret::expose),
        Some("rotated")
    );
    again.delete("edge/oidc").unwrap();
    again.delete("edge/oidc").unwrap();
    assert_eq!(keyring.get("edge/oidc").unwrap(), None);
}

#[test]
fn without_a_secret_service_secrets_stay_in_memory_and_the_keyring_says_why() {
    if run_in_child(
        "without_a_secret_service_secrets_stay_in_memory_and_the_keyring_says_why",
        &[(
            "DBUS_SESSION_BUS_ADDRESS".into(),
            "unix:path=/nonexistent/kubedesk-test-bus".into(),
        )],
    ) {
        let keyring = Keyring::open();
        let reason = keyring.unavailable().expect("no bus, no keyring");
        assert!(reason.contains("no Secret Service answered"), "{reason}");
        assert!(reason.contains("start gnome-keyring"), "{reason}");
        keyring.set("dev/oidc", &Secret::new("kept"));
        assert_eq!(
            keyring
                .get("dev/oidc")
                .unwrap()
                .as_ref()
                .map(Secret::expose),
            Some("kept")
        );
        keyring.delete("dev/oidc").unwrap();
        assert_eq!(keyring.get("dev/oidc").unwrap(), None);
    }
}

#[test]
fn a_secret_does_not_show_in_debug_output() {
    assert_eq!(format!("{:?}", Secret::new("s3cr3t")), "[redacted]");
}
