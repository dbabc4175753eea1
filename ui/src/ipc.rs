//! The typed IPC client: the only place that touches `window.__TAURI__`.

use kubedesk_ipc::{Command, Error, ErrorCode, Event, REQUEST_ARG};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Calls `handler` with every event of type `E` the backend sends, for as long as the window lives.
pub async fn listen<E: Event + 'static>(mut handler: impl FnMut(E) + 'static) -> Result<(), Error> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload =
            js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        // A payload that does not decode is not this event; the contract makes that a bug.
        if let Ok(event) = serde_wasm_bindgen::from_value::<E>(payload) {
            handler(event);
        }
    });
    tauri_listen(E::NAME, &closure)
        .await
        .map_err(|error| internal(E::NAME, &format!("{error:?}")))?;
    // The listener stays for the window's life, so its closure must too.
    closure.forget();
    Ok(())
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
