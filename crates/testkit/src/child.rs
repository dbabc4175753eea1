//! Runs a test again in a child process, for code that reads its environment once per process
//! (the Secret Service client connects to `DBUS_SESSION_BUS_ADDRESS`).

/// The variable that tells the child which test it is.
const CHILD: &str = "KUBEDESK_TEST_CHILD";

/// Whether this process is a test's child, started by [`run_in_child`].
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// In the test process: runs the test `test` of this test binary again in a child process with
/// `env` added, fails if the child fails, and answers `false`. In that child: answers `true`, and
/// the test goes on with its body.
pub fn run_in_child(test: &str, env: &[(String, String)]) -> bool {
    if std::env::var(CHILD).as_deref() == Ok(test) {
        return true;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{test} failed in its child process:\n{said}"
    );
    assert!(
        said.contains("1 passed"),
        "{test} did not run in its child process:\n{said}"
    );
    false
}
