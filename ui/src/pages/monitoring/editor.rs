//! The panel editor, over the dashboard: a panel's title, what it draws, its unit and size, and
//! its PromQL queries (each with a legend format; the cluster's metric names offered to insert),
//! previewed on the cluster's Prometheus with the dashboard's variables before it is saved. What
//! Prometheus refuses is shown on the preview with the query; what cannot be saved is named, and
//! what was typed stays.

use kubedesk_ipc::{
    GetMetricNames, PanelPlace, PanelShape, PanelSpec, PanelView, PreviewPanel, QuerySpec,
    SavePanel, VariableChoice, units,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Panel;
use crate::components::notice::{Notice, NoticeBanner};
use crate::i18n::{Msg, use_i18n};
use crate::ipc;

/// The shapes offered, by the `<select>`'s values, with their labels.
const SHAPES: [(&str, Msg); 10] = [
    ("lines", Msg::PanelEditorShapeLines),
    ("areas", Msg::PanelEditorShapeAreas),
    ("stacked", Msg::PanelEditorShapeStacked),
    ("bars", Msg::PanelEditorShapeBars),
    ("stat", Msg::PanelEditorShapeStat),
    ("gauge", Msg::PanelEditorShapeGauge),
    ("bar_gauge", Msg::PanelEditorShapeBarGauge),
    ("table", Msg::PanelEditorShapeTable),
    ("text", Msg::PanelEditorShapeText),
    ("heatmap", Msg::PanelEditorShapeHeatmap),
];

/// The `<select>` value of `shape`.
fn shape_value(shape: &PanelShape) -> &'static str {
    match shape {
        PanelShape::TimeSeries => "lines",
        PanelShape::Area { stacked: false } => "areas",
        PanelShape::Area { stacked: true } => "stacked",
        PanelShape::Bars => "bars",
        PanelShape::Stat => "stat",
        PanelShape::Gauge => "gauge",
        PanelShape::BarGauge => "bar_gauge",
        PanelShape::Table => "table",
        PanelShape::Text { .. } => "text",
        PanelShape::Heatmap => "heatmap",
    }
}

/// The shape of a `<select>` value, a text panel with `content`.
fn shape_of(value: &str, content: String) -> PanelShape {
    match value {
        "areas" => PanelShape::Area { stacked: false },
        "stacked" => PanelShape::Area { stacked: true },
        "bars" => PanelShape::Bars,
        "stat" => PanelShape::Stat,
        "gauge" => PanelShape::Gauge,
        "bar_gauge" => PanelShape::BarGauge,
        "table" => PanelShape::Table,
        "text" => PanelShape::Text { content },
        "heatmap" => PanelShape::Heatmap,
        _ => PanelShape::TimeSeries,
    }
}

/// `query` with `metric` written in at its end: right after an opening bracket, a comma or an
/// operator, else after a space.
fn with_metric(query: &str, metric: &str) -> String {
    let query = query.trim_end();
    match query.chars().last() {
        None => metric.to_owned(),
        Some('(' | '{' | '[' | ',' | '=' | '~' | '+' | '-' | '*' | '/') => {
            format!("{query}{metric}")
        }
        Some(_) => format!("{query} {metric}"),
    }
}

/// Thresholds as the editor writes them: `green, 80 orange, 90 red`.
fn thresholds_text(thresholds: &[(Option<f64>, String)]) -> String {
    thresholds
        .iter()
        .map(|(value, colour)| match value {
            Some(value) => format!("{value} {colour}"),
            None => colour.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Thresholds read back; the part that is neither a colour nor a value and a colour is returned.
fn thresholds_of(text: &str) -> Result<Vec<(Option<f64>, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .enumerate()
        .map(
            |(index, part)| match part.split_whitespace().collect::<Vec<_>>().as_slice() {
                [colour] if index == 0 => Ok((None, (*colour).to_owned())),
                [value, colour] => value
                    .parse::<f64>()
                    .map(|value| (Some(value), (*colour).to_owned()))
                    .map_err(|_| part.to_owned()),
                _ => Err(part.to_owned()),
            },
        )
        .collect()
}

/// What the dashboard page gives the editor: where the panel goes, and what it is run with.
#[derive(Clone)]
pub struct Editing {
    /// The context whose Prometheus previews it.
    pub context: String,
    /// The dashboard.
    pub id: String,
    /// The panel edited, or `None` for a new one.
    pub place: Option<PanelPlace>,
    /// The panel as it is.
    pub panel: PanelSpec,
    /// The dashboard's range and variables.
    pub from: String,
    /// Its end.
    pub to: String,
    /// The variables chosen.
    pub variables: Vec<VariableChoice>,
}

/// The editor; `done` is called with whether the panel was saved.
#[component]
pub fn PanelEditor(editing: Editing, done: Callback<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let Editing {
        context,
        id,
        place,
        panel,
        from,
        to,
        variables,
    } = editing;
    let title = RwSignal::new(panel.title.clone());
    let shape = RwSignal::new(shape_value(&panel.shape).to_owned());
    let content = RwSignal::new(match &panel.shape {
        PanelShape::Text { content } => content.clone(),
        _ => String::new(),
    });
    let unit = RwSignal::new(panel.unit.clone().unwrap_or_default());
    let width = RwSignal::new(panel.width.to_string());
    let height = RwSignal::new(panel.height.to_string());
    let thresholds = RwSignal::new(thresholds_text(&panel.thresholds));
    let queries = RwSignal::new(if panel.queries.is_empty() {
        vec![QuerySpec::default()]
    } else {
        panel.queries.clone()
    });
    let focused = RwSignal::new(0_usize);
    let preview = RwSignal::new(None::<PanelView>);
    let outcome = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    let metrics = RwSignal::new(Vec::<String>::new());
    {
        let context = context.clone();
        spawn_local(async move {
            // Without names the queries are typed whole; Prometheus says why on the preview.
            if let Ok(names) = ipc::call(&GetMetricNames { context }).await {
                metrics.set(names);
            }
        });
    }
    let kept = StoredValue::new(panel);
    // The panel as typed; a size that is not a number is named.
    let typed = move || -> Result<PanelSpec, String> {
        let number = |text: String, label: Msg| {
            text.trim().parse::<u32>().map_err(|_| {
                i18n.tf(
                    Msg::PanelEditorNotNumber,
                    &[("field", i18n.t(label)), ("value", text.trim())],
                )
            })
        };
        let unit = unit.get_untracked();
        let steps = thresholds_of(&thresholds.get_untracked())
            .map_err(|part| i18n.tf(Msg::PanelEditorBadThreshold, &[("part", &part)]))?;
        Ok(PanelSpec {
            title: title.get_untracked(),
            shape: shape_of(&shape.get_untracked(), content.get_untracked()),
            unit: (!unit.trim().is_empty()).then(|| unit.trim().to_owned()),
            width: number(width.get_untracked(), Msg::PanelEditorWidth)?,
            height: number(height.get_untracked(), Msg::PanelEditorHeight)?,
            thresholds: steps,
            queries: if shape.get_untracked() == "text" {
                Vec::new()
            } else {
                queries.get_untracked()
            },
            ..kept.get_value()
        })
    };
    let run_preview = {
        let (context, id) = (context.clone(), id.clone());
        move |_| {
            let panel = match typed() {
                Ok(panel) => panel,
                Err(why) => return outcome.set(Some(Notice::Failed(why))),
            };
            let request = PreviewPanel {
                context: context.clone(),
                id: id.clone(),
                panel,
                from: from.clone(),
                to: to.clone(),
                variables: variables.clone(),
            };
            busy.set(true);
            outcome.set(None);
            spawn_local(async move {
                match ipc::call(&request).await {
                    Ok(view) => preview.set(Some(view)),
                    Err(error) => outcome.set(Some(Notice::Failed(error.to_string()))),
                }
                busy.set(false);
            });
        }
    };
    let save = move |_| {
        let panel = match typed() {
            Ok(panel) => panel,
            Err(why) => return outcome.set(Some(Notice::Failed(why))),
        };
        let request = SavePanel {
            id: id.clone(),
            place,
            panel,
        };
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            match ipc::call(&request).await {
                Ok(()) => done.run(true),
                // What was typed stays, to be corrected.
                Err(error) => {
                    outcome.set(Some(Notice::Failed(error.to_string())));
                    busy.set(false);
                }
            }
        });
    };
    let insert_metric = move |event: leptos::ev::Event| {
        let metric = event_target_value(&event);
        if metric.trim().is_empty() {
            return;
        }
        let at = focused.get_untracked();
        queries.update(|queries| {
            if let Some(query) = queries.get_mut(at) {
                query.expr = with_metric(&query.expr, metric.trim());
            }
        });
    };
    // Rows made again only when a query is added or removed: typing keeps its field.
    let count = Memo::new(move |_| queries.with(Vec::len));
    let query_rows = move || {
        (0..count.get())
            .map(|index| {
                let expr = move || queries.with(|queries| queries.get(index).map(|query| query.expr.clone()).unwrap_or_default());
                let legend = move || queries.with(|queries| queries.get(index).map(|query| query.legend.clone()).unwrap_or_default());
                let instant = move || queries.with(|queries| queries.get(index).is_some_and(|query| query.instant));
                let edit = move |change: &dyn Fn(&mut QuerySpec)| {
                    queries.update(|queries| {
                        if let Some(query) = queries.get_mut(index) {
                            change(query);
                        }
                    });
                };
                let number = (index + 1).to_string();
                view! {
                    <div class="panel-editor__query" data-query=index>
                        <label class="field">
                            <span class="field__label">{i18n.tf(Msg::PanelEditorQuery, &[("number", &number)])}</span>
                            <textarea class="input promql" rows="3" spellcheck="false"
                                prop:value=expr
                                on:focus=move |_| focused.set(index)
                                on:input=move |event| {
                                    let text = event_target_value(&event);
                                    edit(&|query| query.expr.clone_from(&text));
                                }></textarea>
                        </label>
                        <div class="panel-editor__query-options">
                            <label class="field field--inline">
                                <span class="field__label">{i18n.t(Msg::PanelEditorLegend)}</span>
                                <input type="text" class="input" placeholder="{{Hostname}} GPU {{gpu}}" prop:value=legend
                                    on:input=move |event| {
                                        let text = event_target_value(&event);
                                        edit(&|query| query.legend.clone_from(&text));
                                    } />
                            </label>
                            <label class="choice">
                                <input type="checkbox" prop:checked=instant
                                    on:change=move |event| {
                                        let checked = event_target_checked(&event);
                                        edit(&|query| query.instant = checked);
                                    } />
                                {i18n.t(Msg::PanelEditorInstant)}
                            </label>
                            <button type="button" class="button button--small" data-remove-query=index
                                disabled=move || count.get() < 2
                                on:click=move |_| queries.update(|queries| { queries.remove(index); })>
                                {i18n.t(Msg::PanelEditorRemoveQuery)}
                            </button>
                        </div>
                    </div>
                }
            })
            .collect_view()
    };
    let shapes = SHAPES
        .iter()
        .map(|(value, label)| {
            let value = *value;
            view! { <option value=value selected=move || shape.get() == value>{i18n.t(*label)}</option> }
        })
        .collect_view();
    let heading = if place.is_some() {
        Msg::PanelEditorTitleEdit
    } else {
        Msg::PanelEditorTitleNew
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog dialog--form panel-editor" role="dialog" aria-modal="true" id="panel-editor">
                <h2 class="dialog__title">{i18n.t(heading)}</h2>
                <div class="panel-editor__fields">
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorName)}</span>
                        <input type="text" class="input" id="panel-title" prop:value=move || title.get()
                            on:input=move |event| title.set(event_target_value(&event)) />
                    </label>
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorShape)}</span>
                        <select class="select" id="panel-shape" on:change=move |event| shape.set(event_target_value(&event))>
                            {shapes}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorUnit)}</span>
                        <input type="text" class="input" id="panel-unit" list="panel-units" placeholder="celsius"
                            prop:value=move || unit.get() on:input=move |event| unit.set(event_target_value(&event)) />
                        <datalist id="panel-units">
                            {units::IDS.iter().map(|id| view! { <option value=*id></option> }).collect_view()}
                        </datalist>
                    </label>
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorWidth)}</span>
                        <input type="number" class="input" id="panel-width" min="1" max="24"
                            prop:value=move || width.get() on:input=move |event| width.set(event_target_value(&event)) />
                    </label>
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorHeight)}</span>
                        <input type="number" class="input" id="panel-height" min="2" max="40"
                            prop:value=move || height.get() on:input=move |event| height.set(event_target_value(&event)) />
                    </label>
                </div>
                <label class="field">
                    <span class="field__label">{i18n.t(Msg::PanelEditorThresholds)}</span>
                    <input type="text" class="input" id="panel-thresholds" placeholder="green, 80 orange, 90 red"
                        prop:value=move || thresholds.get() on:input=move |event| thresholds.set(event_target_value(&event)) />
                </label>
                <Show when=move || shape.get() == "text"
                    fallback=move || view! {
                        <p class="help">{i18n.t(Msg::PanelEditorQueriesHelp)}</p>
                        <div class="panel-editor__queries" id="panel-queries">{query_rows}</div>
                        <div class="panel-editor__query-tools">
                            <button type="button" class="button button--small" id="panel-add-query"
                                on:click=move |_| queries.update(|queries| queries.push(QuerySpec::default()))>
                                {i18n.t(Msg::PanelEditorAddQuery)}
                            </button>
                            <label class="field field--inline">
                                <span class="field__label">{i18n.t(Msg::PanelEditorMetrics)}</span>
                                <input type="text" class="input" id="panel-metric" list="panel-metric-names"
                                    on:change=move |event| {
                                        insert_metric(event.clone());
                                        if let Some(input) = event.target().and_then(|target| {
                                            wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(target).ok()
                                        }) {
                                            input.set_value("");
                                        }
                                    } />
                                <datalist id="panel-metric-names">
                                    {move || metrics.get().into_iter().map(|name| view! { <option value=name></option> }).collect_view()}
                                </datalist>
                            </label>
                        </div>
                    }>
                    <label class="field">
                        <span class="field__label">{i18n.t(Msg::PanelEditorContent)}</span>
                        <textarea class="input" id="panel-content" rows="6" prop:value=move || content.get()
                            on:input=move |event| content.set(event_target_value(&event))></textarea>
                    </label>
                </Show>
                {move || outcome.get().map(|notice| view! { <NoticeBanner notice id="panel-outcome" /> })}
                <div class="panel-editor__preview" id="panel-preview">
                    {move || preview.get().map(|view| view! { <Panel panel=Signal::derive(move || view.clone()) actions=None /> })}
                </div>
                <div class="dialog__buttons">
                    <button type="button" class="button" id="panel-cancel" on:click=move |_| done.run(false)>
                        {i18n.t(Msg::PanelEditorCancel)}
                    </button>
                    <button type="button" class="button" id="panel-preview-run" disabled=move || busy.get() on:click=run_preview>
                        {i18n.t(Msg::PanelEditorPreview)}
                    </button>
                    <button type="button" class="button button--primary" id="panel-save" disabled=move || busy.get() on:click=save>
                        {i18n.t(Msg::PanelEditorSave)}
                    </button>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_comes_back_from_its_select_value() {
        for shape in [
            PanelShape::TimeSeries,
            PanelShape::Area { stacked: false },
            PanelShape::Area { stacked: true },
            PanelShape::Bars,
            PanelShape::Stat,
            PanelShape::Gauge,
            PanelShape::BarGauge,
            PanelShape::Table,
            PanelShape::Text {
                content: "# GPUs".into(),
            },
            PanelShape::Heatmap,
        ] {
            assert_eq!(shape_of(shape_value(&shape), "# GPUs".into()), shape);
        }
        assert_eq!(SHAPES.len(), 10);
    }

    #[test]
    fn thresholds_are_written_and_read_as_colour_steps() {
        let steps = vec![
            (None, "green".to_owned()),
            (Some(80.0), "orange".to_owned()),
            (Some(92.5), "#f2495c".to_owned()),
        ];
        let text = thresholds_text(&steps);
        assert_eq!(text, "green, 80 orange, 92.5 #f2495c");
        assert_eq!(thresholds_of(&text), Ok(steps));
        assert_eq!(thresholds_of(""), Ok(Vec::new()));
        assert_eq!(thresholds_of("green, hot red"), Err("hot red".to_owned()));
        assert_eq!(thresholds_of("green, red"), Err("red".to_owned()));
    }

    #[test]
    fn a_metric_is_written_at_the_end_of_the_query() {
        assert_eq!(with_metric("", "up"), "up");
        assert_eq!(with_metric("sum(", "up"), "sum(up");
        assert_eq!(with_metric("rate(  ", "x_total"), "rate(x_total");
        assert_eq!(with_metric("up or", "down"), "up or down");
    }
}
