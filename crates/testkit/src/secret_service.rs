//! gnome-keyring's Secret Service on a private D-Bus session, unlocked with a dummy password,
//! its files in a scratch directory (real-servers.md §1).

use std::io::{BufRead as _, Write as _};
use std::process::{Child, Command, Stdio};

/// A private session bus with an unlocked login keyring; both stop when dropped.
#[derive(Debug)]
pub struct SecretService {
    dir: tempfile::TempDir,
    bus: Child,
    address: String,
}

impl SecretService {
    /// Starts the bus and unlocks gnome-keyring's secrets component on it.
    pub fn start() -> Self {
        for program in ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {program}")])
                    .stdout(Stdio::null())
                    .status()
                    .unwrap()
                    .success(),
                "{program} is missing: run `cargo xtask setup`, which installs dbus, gnome-keyring \
                 and libsecret-tools"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "data", "cache", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let socket = dir.path().join("run/bus");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let service = Self { dir, bus, address };
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .envs(service.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // An empty password creates no login keyring: any non-empty one does.
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"kubedesk-test")
            .unwrap();
        assert!(
            keyring.wait().unwrap().success(),
            "gnome-keyring-daemon --unlock failed"
        );
        service
    }

    /// The environment a process needs to use this Secret Service (and nothing of the user's).
    pub fn env(&self) -> Vec<(String, String)> {
        let path = |sub: &str| self.dir.path().join(sub).display().to_string();
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone()),
            ("XDG_RUNTIME_DIR".into(), path("run")),
            ("XDG_DATA_HOME".into(), path("data")),
            ("XDG_CACHE_HOME".into(), path("cache")),
        ]
    }

    /// Every secret stored in this keyring for KubeDesk's `account`, read with `secret-tool` as
    /// a user would read it.
    pub fn lookup(&self, account: &str) -> Option<String> {
        let output = Command::new("secret-tool")
            .args(["lookup", "service", "kubedesk", "username", account])
            .envs(self.env())
            .output()
            .unwrap();
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // gnome-keyring-daemon leaves when its bus goes.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
