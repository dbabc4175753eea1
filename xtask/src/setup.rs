//! Installs what the build and the tests need when it is missing: Debian packages, the wasm32
//! target, and the pinned wasm-bindgen-cli, tauri-driver and wasm-opt (binaryen from npm).

use std::path::PathBuf;
use std::process::Command;

use crate::shell::{self, Failure, Result};

/// Debian packages: WebKitGTK to build and run the app, Xvfb and WebKitWebDriver for headless runs
/// and end-to-end tests, ImageMagick and x11-utils for screenshots, a CJK font so Chinese renders,
/// the real Prometheus the simulator's metrics are scraped by in tests and the Alertmanager it
/// sends alerts to, Debian's docker-registry for image search, Python's venv for the
/// Python client the simulator is held to, tinyproxy and microsocks (HTTP CONNECT and SOCKS5) for
/// kubeconfig `proxy-url` tests, and
/// gnome-keyring on a private D-Bus (with secret-tool to read it back) for the keyring tests.
const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "webkit2gtk-driver",
    "imagemagick",
    "x11-utils",
    "fonts-wqy-microhei",
    "prometheus",
    "prometheus-alertmanager",
    "docker-registry",
    "python3-venv",
    "tinyproxy",
    "microsocks",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
];

/// The tauri-driver version the end-to-end tests use.
const TAURI_DRIVER: &str = "2.1.0";
/// Debian 12's binaryen 108 corrupts the externref table that current Rust emits; use npm's 132.
const BINARYEN: &str = "132";
/// The OpenID provider the simulator's and the app's sign-in are tested against.
const OIDC_PROVIDER: &str = "9.13.3";
/// The official Python client the simulator is tested with (reference/kube-api.md §12.4).
const PYTHON_CLIENT: &str = "22.6.0";

/// Installs everything that is missing.
pub fn run() -> Result {
    debian_packages()?;
    wasm_target()?;
    wasm_bindgen()?;
    tauri_driver()?;
    wasm_opt()?;
    python_client()?;
    oidc_provider()?;
    Ok(())
}

fn debian_packages() -> Result {
    if !shell::on_path("dpkg-query") || !shell::on_path("apt-get") {
        println!(
            "xtask: this is not a Debian or Ubuntu system, so nothing is installed for you. Install the \
             equivalents of: {}; and Node.js with npm.",
            PACKAGES.join(", ")
        );
        return Ok(());
    }
    let mut missing: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|package| !installed(package))
        .collect();
    if !shell::on_path("npm") {
        missing.extend(["nodejs", "npm"]);
    }
    // The simulator's fidelity tests run a real kubectl.
    if !shell::on_path("kubectl") {
        missing.push("kubernetes-client");
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    let root = shell::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if root {
            Command::new("apt-get")
        } else if shell::on_path("sudo") {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        } else {
            return Err(Failure(format!(
                "these packages are missing and there is no sudo to install them: {}",
                missing.join(" ")
            )));
        };
        command
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["-o", "DPkg::Lock::Timeout=600"])
            .args(args);
        shell::run(&mut command)
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

fn installed(package: &str) -> bool {
    shell::output(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Status}", package]))
        .is_some_and(|status| status.trim() == "installed")
}

fn wasm_target() -> Result {
    let installed = shell::output(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list)
            if list
                .lines()
                .any(|line| line.trim() == "wasm32-unknown-unknown") =>
        {
            Ok(())
        }
        Some(_) => {
            shell::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
        }
        None => Err(Failure(
            "rustup is needed to add the wasm32-unknown-unknown target; install it from rustup.rs"
                .into(),
        )),
    }
}

/// The folder `cargo install` puts programs in.
pub fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|home| home.join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(shell::root().join("Cargo.lock"))
        .map_err(|error| Failure(format!("cannot read Cargo.lock: {error}")))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|line| line.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(Failure(
        "Cargo.lock has no wasm-bindgen; run `cargo fetch` first".into(),
    ))
}

/// The path of the pinned wasm-bindgen.
pub fn wasm_bindgen_path() -> PathBuf {
    cargo_bin().join("wasm-bindgen")
}

fn wasm_bindgen() -> Result {
    let version = wasm_bindgen_version()?;
    let current = shell::output(Command::new(wasm_bindgen_path()).arg("--version"));
    if current.is_some_and(|current| current.split_whitespace().nth(1) == Some(version.as_str())) {
        return Ok(());
    }
    // `--locked` fails for this crate: a locked dependency is no longer in the registry index.
    shell::run(shell::cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))
}

/// The path of the pinned tauri-driver.
pub fn tauri_driver_path() -> PathBuf {
    cargo_bin().join("tauri-driver")
}

fn tauri_driver() -> Result {
    let installed = shell::output(shell::cargo().args(["install", "--list"]));
    if installed.is_some_and(|list| list.contains(&format!("tauri-driver v{TAURI_DRIVER}:")))
        && tauri_driver_path().is_file()
    {
        return Ok(());
    }
    shell::run(shell::cargo().args([
        "install",
        "tauri-driver",
        "--version",
        TAURI_DRIVER,
        "--locked",
    ]))
}

/// The path of the pinned wasm-opt.
pub fn wasm_opt_path() -> PathBuf {
    shell::root().join(".tools/node_modules/.bin/wasm-opt")
}

fn wasm_opt() -> Result {
    let current = shell::output(Command::new(wasm_opt_path()).arg("--version"));
    if current.is_some_and(|version| version.contains(&format!("version {BINARYEN}"))) {
        return Ok(());
    }
    let prefix = shell::root().join(".tools");
    shell::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN}")),
    )
}

/// The Python client, in its own virtual environment under `.tools/python`.
fn python_client() -> Result {
    let python = shell::root().join(".tools/python/bin/python");
    let installed = shell::output(
        Command::new(&python).args(["-c", "import kubernetes; print(kubernetes.__version__)"]),
    );
    if installed.is_some_and(|version| version.trim() == PYTHON_CLIENT) {
        return Ok(());
    }
    if !python.exists() {
        shell::run(
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(shell::root().join(".tools/python")),
        )?;
    }
    shell::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg(format!("kubernetes=={PYTHON_CLIENT}")),
    )
}

/// npm's oidc-provider, under `.tools/oidc`.
fn oidc_provider() -> Result {
    let prefix = shell::root().join(".tools/oidc");
    let manifest = prefix.join("node_modules/oidc-provider/package.json");
    let installed = std::fs::read_to_string(&manifest)
        .is_ok_and(|text| text.contains(&format!("\"version\": \"{OIDC_PROVIDER}\"")));
    if installed {
        return Ok(());
    }
    shell::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("oidc-provider@{OIDC_PROVIDER}")),
    )
}
