//! The contract test: every command of `kubedesk-ipc` goes through Tauri's real IPC layer (on its
//! mock runtime, with the app's own configuration and capabilities) and must be registered under
//! its contract name, accept the contract's request and answer with the contract's output or the
//! boundary error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use kubedesk_api::{App, AppConfig};
use kubedesk_ipc as ipc;
use kubedesk_ipc::Command;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    name: &str,
    request: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let request = InvokeRequest {
        cmd: name.to_owned(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        // Subscriptions also take a channel; other commands ignore it.
        body: InvokeBody::Json(
            serde_json::json!({ ipc::REQUEST_ARG: request, ipc::CHANNEL_ARG: "__CHANNEL__:7" }),
        ),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_owned(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize().unwrap())
}

/// The app on the mock runtime, with a window; the app and the folder must outlive the window.
struct TestApp {
    window: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _app: tauri::App<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

fn app_window() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = AppConfig::in_memory(dir.path().join("config"), empty_kubeconfig(dir.path()));
    let app = kubedesk::builder(mock_builder(), App::new(config))
        .build(tauri::generate_context!("../tauri.conf.json"))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        window,
        _app: app,
        _dir: dir,
    }
}

fn empty_kubeconfig(dir: &std::path::Path) -> kubedesk_api::KubeconfigPaths {
    let file = dir.join("kubeconfig");
    std::fs::write(&file, "clusters: []\n").unwrap();
    kubedesk_api::KubeconfigPaths::resolve(Some(file.into_os_string()), None)
}

#[test]
fn every_contract_command_is_registered_under_its_name_and_answers_with_its_output_type() {
    let app = app_window();
    let webview = &app.window;
    let samples = ipc::sample_requests();
    assert_eq!(samples.len(), ipc::COMMAND_NAMES.len());
    for (name, request) in samples {
        match invoke(webview, name, request) {
            Ok(output) => {
                let checked = ipc::check_output(name, output.clone()).expect("a contract command");
                assert!(
                    checked.is_ok(),
                    "`{name}` answered {output} which is not its output type: {checked:?}"
                );
            }
            Err(error) => {
                let parsed: Result<ipc::Error, _> = serde_json::from_value(error.clone());
                assert!(
                    parsed.is_ok(),
                    "`{name}` failed outside the contract (unregistered or misnamed?): {error}"
                );
            }
        }
    }
}

#[test]
fn an_unknown_command_is_refused_by_the_ipc_layer() {
    // Proves the test above can fail: a name that is not registered does not answer.
    let app = app_window();
    let webview = &app.window;
    let error = invoke(webview, "no_such_command", serde_json::json!({})).unwrap_err();
    assert!(
        serde_json::from_value::<ipc::Error>(error.clone()).is_err(),
        "{error}"
    );
}

#[test]
fn settings_saved_through_the_ipc_layer_are_read_back() {
    let app = app_window();
    let webview = &app.window;
    let settings = ipc::Settings {
        language: Some(ipc::Language::ZhCn),
        theme: ipc::Theme::Light,
        sign_in: Default::default(),
        hidden_columns: Default::default(),
        offline_limits: ipc::OfflineLimits {
            per_cluster_mib: 100,
            total_mib: 300,
        },
    };
    let saved = invoke(
        webview,
        ipc::SaveSettings::NAME,
        serde_json::to_value(ipc::SaveSettings {
            settings: settings.clone(),
        })
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_value::<ipc::Settings>(saved).unwrap(),
        settings
    );
    let read = invoke(webview, ipc::GetSettings::NAME, serde_json::json!({})).unwrap();
    assert_eq!(
        serde_json::from_value::<ipc::Settings>(read).unwrap(),
        settings
    );
}
