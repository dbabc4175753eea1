//! The typed IPC client: the only place that touches `window.__TAURI__`.

use kubedesk_ipc::{CHANNEL_ARG, Command, Error, ErrorCode, Event, REQUEST_ARG};
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

/// A view's subscription: the id it is changed and stopped with, and its channel. Made once per
/// view; each [`Held::subscribe`] replaces the one held. A subscription answered after the view
/// moved on (another one asked for, or the view gone) is stopped at once and its messages are
/// never handed on, so a slow answer cannot bring back what the view no longer shows.
pub struct Held<S: 'static> {
    id: leptos::prelude::RwSignal<Option<u64>>,
    channel: leptos::prelude::StoredValue<Option<Channel>, leptos::prelude::LocalStorage>,
    /// Raised by each stop; a subscription asked for under an older one is stale.
    generation: leptos::prelude::StoredValue<u64>,
    /// The command that ends a subscription, made of its id.
    ending: fn(u64) -> S,
}

impl<S> Clone for Held<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Held<S> {}

impl<S> std::fmt::Debug for Held<S> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Held")
            .field("id", &self.id)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl<S: Command + 'static> Held<S> {
    /// Holds nothing yet; `ending` makes the command that ends a subscription.
    pub fn new(ending: fn(u64) -> S) -> Self {
        Self {
            id: leptos::prelude::RwSignal::new(None),
            channel: leptos::prelude::StoredValue::new_local(None),
            generation: leptos::prelude::StoredValue::new(0),
            ending,
        }
    }

    /// The subscription's id, once it is held.
    pub fn id(self) -> Option<u64> {
        use leptos::prelude::GetUntracked as _;
        self.id.get_untracked()
    }

    /// Drops the channel at once and ends the subscription held, and any still being asked for.
    pub fn stop(self) {
        use leptos::prelude::{Set as _, SetValue as _, UpdateValue as _};
        self.generation
            .try_update_value(|generation| *generation += 1);
        self.channel.try_set_value(None);
        if let Some(id) = self.id() {
            self.id.set(None);
            self.end(id);
        }
    }

    /// Stops what is held at once, then subscribes with `request`, handing its messages to
    /// `handler` while it is still the one wanted. `id` reads the subscription's id from the
    /// answer. The answer comes back while it is wanted; `Ok(None)` when the view moved on
    /// meanwhile (the subscription, or its failure, no longer matters to it).
    pub fn subscribe<C: Command + 'static, M: serde::de::DeserializeOwned + 'static>(
        self,
        request: C,
        id: fn(&C::Output) -> u64,
        mut handler: impl FnMut(M) + 'static,
    ) -> impl std::future::Future<Output = Result<Option<C::Output>, Error>> {
        use leptos::prelude::{GetValue as _, Set as _, SetValue as _};
        self.stop();
        let generation = self.generation;
        let ticket = generation.get_value();
        let wanted = move || generation.try_get_value() == Some(ticket);
        async move {
            let answer = subscribe(&request, move |message: M| {
                if wanted() {
                    handler(message);
                }
            })
            .await;
            match answer {
                Ok((output, channel)) if wanted() => {
                    self.id.set(Some(id(&output)));
                    self.channel.set_value(Some(channel));
                    Ok(Some(output))
                }
                Ok((output, _channel)) => {
                    self.end(id(&output));
                    Ok(None)
                }
                Err(error) if wanted() => Err(error),
                Err(_) => Ok(None),
            }
        }
    }

    fn end(self, id: u64) {
        let request = (self.ending)(id);
        leptos::task::spawn_local(async move {
            let _ = call(&request).await;
        });
    }
}

/// The receiving end of a subscription's channel: its handler stays alive as long as this does.
#[derive(Debug)]
pub struct Channel {
    channel: JsValue,
    /// Kept for as long as the channel may call it.
    _handler: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        // Messages still in flight find a handler that does nothing, not a freed one. (It holds
        // nothing and is left to the JavaScript side; `new Function` is barred by the CSP.)
        let nothing = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {}).into_js_value();
        let _ = js_sys::Reflect::set(&self.channel, &JsValue::from_str("onmessage"), &nothing);
    }
}

/// Sends a subscribing command with a new channel, whose messages (typed `M`) go to `handler`;
/// the channel lives until the returned [`Channel`] is dropped.
async fn subscribe<C: Command, M: serde::de::DeserializeOwned + 'static>(
    request: &C,
    mut handler: impl FnMut(M) + 'static,
) -> Result<(C::Output, Channel), Error> {
    let fail = |detail: String| internal(C::NAME, &detail);
    let core = js_sys::Reflect::get(&window_tauri(), &JsValue::from_str("core"))
        .map_err(|error| fail(format!("{error:?}")))?;
    let constructor: js_sys::Function = js_sys::Reflect::get(&core, &JsValue::from_str("Channel"))
        .map_err(|error| fail(format!("{error:?}")))?
        .into();
    let channel = js_sys::Reflect::construct(&constructor, &js_sys::Array::new())
        .map_err(|error| fail(format!("{error:?}")))?;
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        // A message that does not decode is not this subscription's; the contract makes that a bug.
        if let Ok(message) = serde_wasm_bindgen::from_value::<M>(message) {
            handler(message);
        }
    });
    js_sys::Reflect::set(&channel, &JsValue::from_str("onmessage"), closure.as_ref())
        .map_err(|error| fail(format!("{error:?}")))?;
    let output = send(request, Some(&channel)).await?;
    Ok((
        output,
        Channel {
            channel,
            _handler: closure,
        },
    ))
}

fn window_tauri() -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
        .unwrap_or(JsValue::UNDEFINED)
}

/// Sends a command to the backend and waits for its answer.
pub async fn call<C: Command>(request: &C) -> Result<C::Output, Error> {
    send(request, None).await
}

async fn send<C: Command>(request: &C, channel: Option<&JsValue>) -> Result<C::Output, Error> {
    // JSON-compatible: maps become plain objects and `None` becomes `null`, as the backend expects.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let request = request
        .serialize(&serializer)
        .map_err(|error| internal(C::NAME, &error.to_string()))?;
    let args = js_sys::Object::new();
    js_sys::Reflect::set(&args, &JsValue::from_str(REQUEST_ARG), &request)
        .map_err(|error| internal(C::NAME, &format!("{error:?}")))?;
    if let Some(channel) = channel {
        js_sys::Reflect::set(&args, &JsValue::from_str(CHANNEL_ARG), channel)
            .map_err(|error| internal(C::NAME, &format!("{error:?}")))?;
    }
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
