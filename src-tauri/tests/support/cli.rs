//! What the command line's tests share: running the `kubedesk` binary.

/// Runs `kubedesk` with `args`: its exit code, standard output and standard error.
pub fn kubedesk(args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kubedesk"))
        .args(args)
        .output()
        .expect("kubedesk runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("its output is UTF-8"),
        String::from_utf8(output.stderr).expect("its errors are UTF-8"),
    )
}
