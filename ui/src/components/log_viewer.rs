//! The log viewer: a pod's log, or a workload's pods merged with a pod column; the container,
//! the previous container, how far back, following; timestamps, wrapping and a search that
//! highlights, all in the window without asking again; and a download.

use kubedesk_ipc::{
    LogLine, LogOptions, LogSubscription, LogUpdate, ObjectKey, SaveLogs, StopLogs, WatchLogs,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notice::{Notice, NoticeBanner};
use crate::i18n::{Msg, use_i18n};
use crate::ipc;

/// The most lines kept; older ones go first.
const MOST_LINES: usize = 5_000;

/// The viewer of `object`'s log; `containers` are its containers by name, the first the default.
#[component]
pub fn LogViewer(object: ObjectKey, containers: Vec<String>, several_pods: bool) -> impl IntoView {
    let i18n = use_i18n();
    let options = RwSignal::new(LogOptions {
        container: containers.first().cloned(),
        tail: Some(500),
        follow: true,
        ..LogOptions::default()
    });
    let lines = RwSignal::new(Vec::<LogLine>::new());
    let notes = RwSignal::new(Vec::<String>::new());
    let timestamps = RwSignal::new(false);
    let wrap = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<Notice>);
    // Whether the view follows the newest line (the user has not scrolled up).
    let stick = RwSignal::new(true);
    let held = ipc::Held::new(|id| StopLogs { id });
    let body = NodeRef::<leptos::html::Div>::new();
    let watched = object.clone();
    Effect::new(move || {
        let request = WatchLogs {
            object: watched.clone(),
            options: options.get(),
        };
        lines.set(Vec::new());
        notes.set(Vec::new());
        stick.set(true);
        let on_update = move |update: LogUpdate| {
            if !update.lines.is_empty() {
                lines.update(|kept| {
                    kept.extend(update.lines);
                    // Several pods' lines merge in time order (RFC 3339 sorts as text).
                    if !kept.is_sorted_by(|a, b| a.time <= b.time) {
                        kept.sort_by(|a, b| a.time.cmp(&b.time));
                    }
                    let over = kept.len().saturating_sub(MOST_LINES);
                    kept.drain(..over);
                });
            }
            let mut said: Vec<String> = update
                .ended
                .into_iter()
                .map(|(pod, error)| match error {
                    Some(message) => {
                        i18n.tf(Msg::LogsEndedError, &[("pod", &pod), ("message", &message)])
                    }
                    None => i18n.tf(Msg::LogsEnded, &[("pod", &pod)]),
                })
                .collect();
            said.extend(update.failed);
            if !said.is_empty() {
                notes.update(|notes| notes.extend(said));
            }
        };
        let answer = held.subscribe(request, |answer: &LogSubscription| answer.id, on_update);
        spawn_local(async move {
            if let Err(error) = answer.await {
                notes.set(vec![error.to_string()]);
            }
        });
    });
    on_cleanup(move || held.stop());
    // New lines scroll into view while the user follows the end.
    Effect::new(move || {
        lines.track();
        if stick.get_untracked()
            && let Some(element) = body.get_untracked()
        {
            element.set_scroll_top(element.scroll_height());
        }
    });
    let on_scroll = move |_| {
        if let Some(element) = body.get_untracked() {
            let bottom =
                element.scroll_top() + element.client_height() + 24 >= element.scroll_height();
            stick.set(bottom);
        }
    };
    let download = {
        let object = object.clone();
        move |_| {
            let request = SaveLogs {
                object: object.clone(),
                options: options.get_untracked(),
                timestamps: timestamps.get_untracked(),
            };
            spawn_local(async move {
                saved.set(Some(match ipc::call(&request).await {
                    Ok(done) => Notice::Done(i18n.tf(
                        Msg::LogsSaved,
                        &[("lines", &done.lines.to_string()), ("path", &done.path)],
                    )),
                    Err(error) => Notice::Failed(error.to_string()),
                }));
            });
        }
    };
    let matches = move || {
        let query = search.get().to_ascii_lowercase();
        (!query.is_empty()).then(|| {
            let count = lines.with(|lines| {
                lines
                    .iter()
                    .filter(|line| line.text.to_ascii_lowercase().contains(&query))
                    .count()
            });
            i18n.tf(Msg::LogsMatches, &[("count", &count.to_string())])
        })
    };
    let rendered = move || {
        let query = search.get().to_ascii_lowercase();
        let show_time = timestamps.get();
        lines.with(|lines| {
            lines
                .iter()
                .map(|line| {
                    let hit = !query.is_empty() && line.text.to_ascii_lowercase().contains(&query);
                    view! {
                        <div class="log__line" class:log__line--hit=hit>
                            {show_time.then(|| view! { <span class="log__time">{shown_time(line.time.as_deref())}</span> })}
                            {several_pods.then(|| view! { <span class="log__pod">{line.pod.clone()}</span> })}
                            <span class="log__text">{highlight(&line.text, &query)}</span>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let container_options = containers
        .iter()
        .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
        .collect_view();
    let number = |value: String| value.parse::<i64>().ok();
    view! {
        <div class="card log-viewer">
            <div class="log-tools">
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::LogsContainer)}</span>
                    <select id="logs-container" class="select" on:change=move |event| {
                        let chosen = event_target_value(&event);
                        options.update(|options| options.container = Some(chosen));
                    }>{container_options}</select>
                </label>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::LogsTail)}</span>
                    <select id="logs-tail" class="select" on:change=move |event| {
                        let tail = number(event_target_value(&event));
                        options.update(|options| options.tail = tail);
                    }>
                        <option value="100">"100"</option>
                        <option value="500" selected>"500"</option>
                        <option value="1000">"1000"</option>
                        <option value="all">{move || i18n.t(Msg::LogsTailAll)}</option>
                    </select>
                </label>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::LogsSince)}</span>
                    <select id="logs-since" class="select" on:change=move |event| {
                        let since = number(event_target_value(&event));
                        options.update(|options| options.since_seconds = since);
                    }>
                        <option value="all" selected>{move || i18n.t(Msg::LogsSinceAll)}</option>
                        <option value="300">{move || i18n.t(Msg::LogsSince5m)}</option>
                        <option value="3600">{move || i18n.t(Msg::LogsSince1h)}</option>
                        <option value="86400">{move || i18n.t(Msg::LogsSince24h)}</option>
                    </select>
                </label>
                <label class="choice">
                    <input id="logs-follow" type="checkbox" checked on:change=move |event| {
                        let follow = event_target_checked(&event);
                        options.update(|options| options.follow = follow);
                    } />
                    {move || i18n.t(Msg::LogsFollow)}
                </label>
                <label class="choice">
                    <input id="logs-previous" type="checkbox" on:change=move |event| {
                        let previous = event_target_checked(&event);
                        options.update(|options| options.previous = previous);
                    } />
                    {move || i18n.t(Msg::LogsPrevious)}
                </label>
                <label class="choice">
                    <input id="logs-timestamps" type="checkbox" on:change=move |event| timestamps.set(event_target_checked(&event)) />
                    {move || i18n.t(Msg::LogsTimestamps)}
                </label>
                <label class="choice">
                    <input id="logs-wrap" type="checkbox" on:change=move |event| wrap.set(event_target_checked(&event)) />
                    {move || i18n.t(Msg::LogsWrap)}
                </label>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Msg::LogsSearch)}</span>
                    <input id="logs-search" class="input" type="search" placeholder=move || i18n.t(Msg::LogsSearchPlaceholder)
                        on:input=move |event| search.set(event_target_value(&event)) />
                </label>
                <span class="live-table__status" id="logs-matches">{matches}</span>
                <button type="button" class="button" id="logs-download" on:click=download>{move || i18n.t(Msg::LogsDownload)}</button>
            </div>
            {move || saved.get().map(|notice| view! { <NoticeBanner notice id="logs-saved" /> })}
            <For each=move || notes.get().into_iter().enumerate() key=|(index, _)| *index let:note>
                <div class="banner banner--warning log-note">{note.1}</div>
            </For>
            <div class="log" id="logs-body" class:log--wrap=move || wrap.get() node_ref=body on:scroll=on_scroll>
                {move || lines.with(Vec::is_empty).then(|| view! { <div class="log__empty">{move || i18n.t(Msg::LogsWaiting)}</div> })}
                {rendered}
            </div>
        </div>
    }
}

/// A line's time as the server sent it, without a fraction of nothing (`.000000000`).
fn shown_time(time: Option<&str>) -> String {
    let time = time.unwrap_or_default();
    match time.split_once('.') {
        Some((seconds, fraction))
            if fraction
                .trim_end_matches('Z')
                .bytes()
                .all(|digit| digit == b'0') =>
        {
            format!("{seconds}Z")
        }
        _ => time.to_owned(),
    }
}

/// The text with each occurrence of `query` (lower-case ASCII) marked.
fn highlight(text: &str, query: &str) -> AnyView {
    if query.is_empty() {
        return text.to_owned().into_any();
    }
    let lower = text.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(query) {
        let start = at + found;
        let end = start + query.len();
        parts.push(text[at..start].to_owned().into_any());
        parts.push(view! { <mark>{text[start..end].to_owned()}</mark> }.into_any());
        at = end;
    }
    parts.push(text[at..].to_owned().into_any());
    parts.into_iter().collect_view().into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_lose_only_an_empty_fraction() {
        assert_eq!(
            shown_time(Some("2026-11-26T17:05:52.000000000Z")),
            "2026-11-26T17:05:52Z"
        );
        assert_eq!(
            shown_time(Some("2026-11-26T17:05:52.123456789Z")),
            "2026-11-26T17:05:52.123456789Z"
        );
        assert_eq!(shown_time(None), "");
    }
}
