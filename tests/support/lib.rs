//! The end-to-end harness: drives the real KubeDesk window through WebDriver.
//!
//! [`Window::open`] starts Xvfb and tauri-driver (which starts WebKitWebDriver, which starts the
//! app) in their own process groups, with the kubeconfig and throwaway configuration folder the
//! test gives, and opens a WebDriver session. Dropping the [`Window`], also when a test fails,
//! stops every process it started. Screenshots go to `target/e2e-screenshots/<test>/`.

#![allow(
    clippy::expect_used,
    reason = "the harness runs inside tests: a failure here is a failed test, with its message"
)]

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use thirtyfour;
use thirtyfour::prelude::*;

/// How long the harness waits for a process or an element before it fails the test.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How often a condition in the page is checked while waiting for it.
const POLL: Duration = Duration::from_millis(50);

/// What the app is started with.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// The value of `KUBECONFIG`; `None` leaves it unset.
    pub kubeconfig: Option<OsString>,
    /// The app's configuration folder.
    pub config_dir: PathBuf,
    /// `HOME` for the app, so `~/.kube/config` is the test's and not the user's.
    pub home: PathBuf,
    /// More environment for the app (a Secret Service's bus, `BROWSER`).
    pub env: Vec<(String, String)>,
}

/// A process group the harness started, stopped on drop: SIGTERM, then SIGKILL.
#[derive(Debug)]
struct Group {
    child: Child,
    name: &'static str,
}

impl Group {
    fn spawn(name: &'static str, command: &mut Command) -> Self {
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("could not start {name} ({error}); run `cargo xtask setup` first")
            });
        Self { child, name }
    }

    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }

    fn exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // tauri-driver must get SIGTERM, not SIGKILL, or WebKitWebDriver is orphaned.
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.exited() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (the app, WebKit's processes) goes now.
        self.signal("-KILL");
        let _ = self.child.wait();
        let _ = self.name;
    }
}

/// A virtual display.
#[derive(Debug)]
struct Display {
    _group: Group,
    name: String,
}

impl Display {
    fn start() -> Self {
        // Tests run in parallel processes: start from a number tied to this process and move on
        // when a display number is taken.
        let first = 200 + (std::process::id() % 500);
        for number in first..first + 100 {
            let socket = format!("/tmp/.X11-unix/X{number}");
            if Path::new(&socket).exists() || Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let name = format!(":{number}");
            let mut group = Group::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    .args([&name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            let up = poll(Duration::from_secs(10), || {
                Path::new(&socket).exists() || group.exited()
            });
            if up && !group.exited() {
                return Self {
                    _group: group,
                    name,
                };
            }
        }
        panic!("could not start Xvfb on any display number");
    }
}

/// The real app window, driven through WebDriver.
#[derive(Debug)]
pub struct Window {
    /// The WebDriver session; the app quits when it ends.
    pub driver: WebDriver,
    screenshots: PathBuf,
    shots: usize,
    // Dropped last-to-first: the driver's group, then the display.
    _driver_group: Group,
    _display: Display,
}

impl Window {
    /// Starts a display, tauri-driver and the app, and opens a session once the UI is up.
    pub async fn open(test: &str, launch: &Launch) -> Self {
        let app = app_path();
        assert!(
            app.is_file(),
            "the app is not built at {}; run `cargo xtask test`, which builds it",
            app.display()
        );
        let display = Display::start();
        let port = free_port();
        let native_port = free_port();
        let mut command = Command::new(tauri_driver_path());
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ])
            .env("DISPLAY", &display.name)
            .env("KUBEDESK_CONFIG_DIR", &launch.config_dir)
            .env("HOME", &launch.home)
            .env_remove("KUBECONFIG");
        // The app is tauri-driver's grandchild and writes where it writes: kept for the test to read.
        let screenshots = workspace_root().join("target/e2e-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&screenshots);
        std::fs::create_dir_all(&screenshots).expect("the screenshot folder");
        let log = std::fs::File::create(screenshots.join("app.log")).expect("the app's log file");
        command
            .stdout(log.try_clone().expect("the log file, twice"))
            .stderr(log);
        if let Some(kubeconfig) = &launch.kubeconfig {
            command.env("KUBECONFIG", kubeconfig);
        }
        command.envs(launch.env.iter().map(|(name, value)| (name, value)));
        let mut group = Group::spawn("tauri-driver", &mut command);
        // tauri-driver opens its port before WebKitWebDriver opens its own: wait for both.
        let listening = poll(PATIENCE, || {
            (accepts(port) && accepts(native_port)) || group.exited()
        });
        assert!(
            listening && !group.exited(),
            "tauri-driver did not start listening on 127.0.0.1:{port}"
        );

        let mut caps = Capabilities::new();
        caps.set("tauri:options", serde_json::json!({ "application": app }))
            .expect("the tauri:options capability");
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("a WebDriver session with the app");
        let window = Self {
            driver,
            screenshots,
            shots: 0,
            _driver_group: group,
            _display: display,
        };
        window.find("main#content").await;
        window
    }

    /// What the app and tauri-driver printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.screenshots.join("app.log")).unwrap_or_default()
    }

    /// Waits for an element to be displayed.
    pub async fn find(&self, css: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .wait(PATIENCE, POLL)
            .and_displayed()
            .first()
            .await
            .unwrap_or_else(|error| panic!("`{css}` did not appear: {error}"))
    }

    /// Waits for an element to be displayed, and clicks it.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("`{css}` could not be clicked: {error}"));
    }

    /// Waits until an element's text contains `text`, and returns the whole text. The text is
    /// read in the page in one step: finding the element and then asking for its text would fail
    /// whenever a live page redraws it in between, as it may every few milliseconds under load.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let selector = serde_json::Value::String(css.to_owned()).to_string();
        // An SVG element has no innerText: its textContent stands for it.
        let read = format!(
            "(element => element ? (element.innerText ?? element.textContent) : '')(document.querySelector({selector}))"
        );
        loop {
            let last = self
                .eval(&read)
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if last.contains(text) {
                return last;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never contained {text:?}; it last read {last:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Evaluates a JavaScript expression in the page.
    pub async fn eval(&self, expression: &str) -> serde_json::Value {
        self.driver
            .execute(format!("return {expression};"), vec![])
            .await
            .expect("script runs")
            .json()
            .clone()
    }

    /// Waits until a JavaScript expression is not null, for `limit` at most; answers its value.
    pub async fn wait_for_value(&self, expression: &str, limit: Duration) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let value = self.eval(expression).await;
            if !value.is_null() {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{expression} stayed null for {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until a JavaScript expression is `expected`; one that throws (an element it reads is
    /// not there yet) is tried again.
    pub async fn wait_for_eval(&self, expression: &str, expected: serde_json::Value) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let last = match self
                .driver
                .execute(format!("return {expression};"), vec![])
                .await
            {
                Ok(answer) => answer.json().clone(),
                Err(error) => serde_json::Value::String(format!("the script threw: {error}")),
            };
            if last == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{expression}` never became {expected}; it last was {last}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Saves a screenshot of the window as `NN-name.png` and returns its path.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.shots += 1;
        let path = self
            .screenshots
            .join(format!("{:02}-{name}.png", self.shots));
        // The DOM may be ahead of what is painted: let two frames render before taking the picture.
        let frames = "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        self.driver
            .execute_async(frames, vec![])
            .await
            .expect("frames render");
        let png = self.driver.screenshot_as_png().await.expect("a screenshot");
        std::fs::write(&path, png).expect("the screenshot is saved");
        path
    }

    /// Ends the session (the app quits) and stops every process.
    pub async fn close(self) {
        let Window { driver, .. } = self;
        let _ = driver.quit().await;
    }
}

/// The built app: `KUBEDESK_APP`, or the debug binary in this workspace's target folder.
pub fn app_path() -> PathBuf {
    std::env::var_os("KUBEDESK_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/kubedesk"))
}

fn tauri_driver_path() -> PathBuf {
    std::env::var_os("KUBEDESK_TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// The repository root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Checks a condition every 20 ms until it holds or `limit` passes.
fn poll(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
