//! The typed IPC client: the only place that touches `window.__TAURI__`.

use kubedesk_ipc::{Command, Error, ErrorCode, REQUEST_ARG};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Sends a command to the backend and waits for its answer.
pub async fn call<C: Command>(request: &C) -> Result<C::Output, Error> {
    // JSON-compatible: maps become plain objects and `None` becomes `null`, as the backend expects.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let request = request
        .serialize(&serializer)
        .map_err(|error| internal(C::NAME, &error.to_string()))?;
    let args = js_sys::Object::new();
    js_sys::Reflect::set(&args, &JsValue::from_str(REQUEST_ARG), &request)
        .map_err(|error| internal(C::NAME, &format!("{error:?}")))?;
    match tauri_invoke(C::NAME, args.into()).await {
        Ok(output) => serde_wasm_bindgen::from_value(output)
            .map_err(|error| internal(C::NAME, &error.to_string())),
        Err(error) => Err(
            serde_wasm_bindgen::from_value::<Error>(error.clone()).unwrap_or_else(|_| {
                internal(
                    C::NAME,
                    &error.as_string().unwrap_or_else(|| format!("{error:?}")),
                )
            }),
        ),
    }
}

fn internal(command: &str, detail: &str) -> Error {
    Error {
        code: ErrorCode::Internal,
        message: format!(
            "The command `{command}` failed between the window and the backend: {detail}"
        ),
        hint: Some("This is a bug in KubeDesk; please report it with this message.".to_owned()),
    }
}
