//! Building the UI and the app, and the `demo` and `test` commands built on them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, Failure, Result};
use crate::{setup, xvfb};

/// `cargo xtask build`: the UI and the app.
pub fn run(release: bool) -> Result {
    build_ui()?;
    build_app(release)
}

/// Builds the UI into `ui/dist`: wasm (size-optimised profile), wasm-bindgen, wasm-opt, and the static files.
pub fn build_ui() -> Result {
    let root = shell::root();
    shell::run(shell::cargo().args([
        "build",
        "-p",
        "kubedesk-ui",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/kubedesk_ui.wasm");
    let dist = root.join("ui/dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .map_err(|error| Failure(format!("cannot clear {}: {error}", dist.display())))?;
    }
    shell::run(
        Command::new(setup::wasm_bindgen_path())
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--remove-name-section",
                "--remove-producers-section",
                "--out-dir",
            ])
            .arg(&dist)
            .arg(&wasm),
    )?;
    let bundle = dist.join("kubedesk_ui_bg.wasm");
    shell::run(
        Command::new(setup::wasm_opt_path())
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-reference-types",
                "--enable-sign-ext",
                "--enable-mutable-globals",
            ])
            .arg(&bundle)
            .arg("-o")
            .arg(&bundle),
    )?;
    copy(&root.join("ui/index.html"), &dist.join("index.html"))?;
    copy(&root.join("ui/main.js"), &dist.join("main.js"))?;
    copy(
        &root.join("assets/icons/app/icon.png"),
        &dist.join("icon.png"),
    )?;
    for style in ["tokens.css", "app.css"] {
        copy(
            &root.join("assets/styles").join(style),
            &dist.join("styles").join(style),
        )?;
    }
    Ok(())
}

/// Builds the app binary; release builds serve the embedded UI through Tauri's custom protocol.
pub fn build_app(release: bool) -> Result {
    let mut cargo = shell::cargo();
    cargo.args(["build", "-p", "kubedesk"]);
    if release {
        cargo.args(["--release", "--features", "custom-protocol"]);
    }
    shell::run(&mut cargo)
}

/// The built app.
pub fn app_path(release: bool) -> PathBuf {
    target_dir()
        .join(if release { "release" } else { "debug" })
        .join("kubedesk")
}

/// Cargo's target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"))
}

fn copy(from: &Path, to: &Path) -> Result {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| Failure(format!("cannot create {}: {error}", parent.display())))?;
    }
    std::fs::copy(from, to).map(drop).map_err(|error| {
        Failure(format!(
            "cannot copy {} to {}: {error}",
            from.display(),
            to.display()
        ))
    })
}

/// `cargo xtask demo`: sets up, builds and opens the app. Without a display it runs under Xvfb and
/// writes a screenshot.
pub fn demo() -> Result {
    setup::run()?;
    run(true)?;
    let app = app_path(true);
    let sim = DemoClusters::start(&app)?;
    println!(
        "xtask: the demo clusters answer; their kubeconfig is {} (kubectl works with it too)",
        sim.kubeconfig.display()
    );
    let has_display = std::env::var_os("DISPLAY").is_some_and(|display| !display.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display {
        return shell::run(Command::new(app).env("KUBECONFIG", &sim.kubeconfig));
    }
    println!(
        "xtask: there is no display (DISPLAY is unset), so KubeDesk runs under Xvfb, a virtual display."
    );
    let screen = xvfb::Xvfb::start()?;
    let mut child = Command::new(&app)
        .env("DISPLAY", screen.display())
        .env("KUBECONFIG", &sim.kubeconfig)
        .spawn()
        .map_err(|error| Failure(format!("could not start {}: {error}", app.display())))?;
    let shot = target_dir().join("kubedesk-demo.png");
    let painted = screen.wait_until_settled(&shot, std::time::Duration::from_secs(60));
    match painted {
        Ok(()) => println!(
            "xtask: KubeDesk is running; a screenshot of its window is at {}",
            shot.display()
        ),
        Err(error) => {
            let _ = child.kill();
            return Err(error);
        }
    }
    if std::io::stdin().is_terminal() {
        println!("xtask: press Ctrl-C to stop it.");
        let _ = child.wait();
    } else {
        let _ = child.kill();
        let _ = child.wait();
    }
    Ok(())
}

/// `kubedesk sim` running the demo clusters, stopped when dropped.
struct DemoClusters {
    child: std::process::Child,
    kubeconfig: PathBuf,
}

impl DemoClusters {
    fn start(app: &Path) -> Result<Self> {
        let kubeconfig = target_dir().join("demo").join("kubeconfig");
        let _ = std::fs::remove_file(&kubeconfig);
        let child = Command::new(app)
            .arg("sim")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--prometheus")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|error| Failure(format!("could not start {} sim: {error}", app.display())))?;
        let mut sim = Self { child, kubeconfig };
        // `kubedesk sim` writes the kubeconfig once the clusters answer.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !sim.kubeconfig.is_file() {
            if let Ok(Some(status)) = sim.child.try_wait() {
                return Err(Failure(format!(
                    "kubedesk sim stopped before the demo clusters were up ({status})"
                )));
            }
            if std::time::Instant::now() > deadline {
                return Err(Failure(
                    "the demo clusters did not come up within 60 s".into(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(sim)
    }
}

impl Drop for DemoClusters {
    /// Interrupts `kubedesk sim` as Ctrl-C would, so that it stops its Prometheus too; kills it
    /// when it has not ended in 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask test`: every test, as CI runs it.
pub fn test() -> Result {
    setup::run()?;
    shell::run(shell::cargo().args(["fmt", "--all", "--check"]))?;
    build_ui()?;
    shell::run(shell::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    shell::run(shell::cargo().args([
        "clippy",
        "-p",
        "kubedesk-ui",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The end-to-end tests drive the app binary that this same nextest build produces.
    shell::run(
        shell::cargo()
            .args(["nextest", "run", "--workspace", "--no-fail-fast"])
            .env("KUBEDESK_APP", app_path(false))
            .env("KUBEDESK_TAURI_DRIVER", setup::tauri_driver_path()),
    )
}
