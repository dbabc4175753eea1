//! A time series chart on a page: drawn by `charts::draw` as SVG each time its data changes, with
//! a tooltip that follows the pointer and says every line's value at the nearest sample. The
//! pointer's place is kept across redraws, so a chart updated every second keeps its tooltip.

use leptos::prelude::*;

use crate::charts::{self, Line, Shape, Threshold, TimeChart, Unit};

/// A chart's data, owned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartData {
    /// When each sample was taken, ms since the epoch.
    pub times: Vec<i64>,
    /// Each line's name and values (one per time).
    pub lines: Vec<(String, Vec<Option<f64>>)>,
    /// Thresholds: name and value.
    pub thresholds: Vec<(String, f64)>,
    /// The top of the value axis, when fixed.
    pub top: Option<f64>,
    /// The bottom of the value axis, when fixed.
    pub bottom: Option<f64>,
    /// How the lines are drawn.
    pub shape: Shape,
    /// Whether the series are listed below the chart (many series) rather than above its plot.
    pub legend_below: bool,
}

/// The size every chart is drawn at; the page scales it to the card's width.
const SIZE: (u32, u32) = (480, 170);

/// A time as the chart's axis and tooltip write it: the local time of day.
pub fn clock(ms: i64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!(
            "{:02}:{:02}:{:02}",
            date.get_hours(),
            date.get_minutes(),
            date.get_seconds()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let seconds = ms.div_euclid(1000);
        format!(
            "{:02}:{:02}:{:02}",
            seconds / 3600 % 24,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

/// Now, in ms, for how long a chart took to draw (`data-draw-ms`, read by the window benchmark).
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.performance())
            .map_or(0.0, |performance| performance.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// About how many pixel columns a chart's plot has.
const PLOT_COLUMNS: i64 = 400;

/// Whether `now` draws differently from `drawn`: anything but its newest samples changed, or they
/// move the chart by a pixel column at least (an hour's chart is redrawn every 9 s, not every
/// second, as nothing on it would move before).
fn moves_a_column(drawn: &ChartData, now: &ChartData) -> bool {
    let (Some(first), Some(last), Some(newest)) =
        (drawn.times.first(), drawn.times.last(), now.times.last())
    else {
        return true;
    };
    let column = (last - first) / PLOT_COLUMNS;
    // A span made longer or shorter (another time range) by a column or more is drawn again.
    let resized = now
        .times
        .first()
        .is_some_and(|now_first| ((newest - now_first) - (last - first)).abs() >= column.max(1));
    drawn.thresholds != now.thresholds
        || drawn.top != now.top
        || drawn.bottom != now.bottom
        || drawn.shape != now.shape
        || drawn.lines.len() != now.lines.len()
        || drawn
            .lines
            .iter()
            .zip(&now.lines)
            .any(|(drawn, now)| drawn.0 != now.0)
        || resized
        || newest - last >= column.max(1)
        || newest < last
}

/// The axis's labels drop the seconds when they are zero.
fn axis_clock(ms: i64) -> String {
    let shown = clock(ms);
    shown
        .strip_suffix(":00")
        .map(str::to_owned)
        .unwrap_or(shown)
}

/// The chart titled `title`, of `data` in `unit`; `id` names it for tests.
#[component]
pub fn TimeSeries(
    title: String,
    unit: Unit,
    data: Signal<ChartData>,
    #[prop(into)] id: String,
) -> impl IntoView {
    // Where the pointer is, as a fraction of the plot's width.
    let pointer = RwSignal::new(None::<f64>);
    // What is drawn: the data, once its newest samples move the chart by a pixel column.
    let shown = Memo::new(move |previous: Option<&ChartData>| {
        let now = data.get();
        match previous {
            Some(previous) if !moves_a_column(previous, &now) => previous.clone(),
            _ => now,
        }
    });
    let drawn = Memo::new(move |_| {
        let started = now_ms();
        shown.with(|data| {
            let span = match (data.times.first(), data.times.last()) {
                (Some(first), Some(last)) => (*first, *last),
                _ => (0, 1000),
            };
            let chart = TimeChart {
                unit,
                lines: data
                    .lines
                    .iter()
                    .map(|(name, values)| Line {
                        name: name.clone(),
                        times: &data.times,
                        values,
                    })
                    .collect(),
                thresholds: data
                    .thresholds
                    .iter()
                    .map(|(name, value)| Threshold {
                        name: name.clone(),
                        value: *value,
                    })
                    .collect(),
                span,
                top: data.top,
                bottom: data.bottom,
                shape: data.shape,
                legend: !data.legend_below,
            };
            let drawn = charts::draw(&chart, SIZE, &axis_clock).ok();
            (drawn, span, now_ms() - started)
        })
    });
    let on_move = move |event: leptos::ev::MouseEvent| {
        let Some(target) = event.current_target() else {
            return;
        };
        use wasm_bindgen::JsCast;
        let Ok(element) = target.dyn_into::<web_sys::Element>() else {
            return;
        };
        let bounds = element.get_bounding_client_rect();
        let (Some(chart), _, _) = drawn.get_untracked() else {
            return;
        };
        if bounds.width() <= 0.0 {
            return;
        }
        let x = (f64::from(event.client_x()) - bounds.left()) / bounds.width() * f64::from(SIZE.0);
        let (left, right) = (f64::from(chart.plot_x.0), f64::from(chart.plot_x.1));
        pointer.set(((left..=right).contains(&x)).then(|| (x - left) / (right - left)));
    };
    let tooltip = move || {
        let fraction = pointer.get()?;
        let (chart, span, _) = drawn.get();
        let chart = chart?;
        shown.with(|data| {
            let at = charts::nearest(&data.times, span, fraction)?;
            let rows = data
                .lines
                .iter()
                .enumerate()
                .map(|(index, (name, values))| {
                    let value = values
                        .get(at)
                        .copied()
                        .flatten()
                        .map_or_else(|| "—".to_owned(), |value| unit.format(value));
                    let color = charts::PALETTE[index % charts::PALETTE.len()];
                    let swatch = format!("rgb({}, {}, {})", color.0, color.1, color.2);
                    view! {
                        <div class="chart__tooltip-row">
                            <span class="chart__swatch" style:background=swatch></span>
                            {name.clone()}": "<strong>{value}</strong>
                        </div>
                    }
                })
                .collect_view();
            // The guide's place, in % of the chart's width, at the sample's time.
            let time = data.times[at];
            let width = (span.1 - span.0).max(1) as f64;
            let plot = f64::from(chart.plot_x.0)
                + (time - span.0) as f64 / width * f64::from(chart.plot_x.1 - chart.plot_x.0);
            let left = plot / f64::from(SIZE.0) * 100.0;
            let flip = left > 60.0;
            // Placed through the CSSOM (`style:`): the window's CSP refuses style attributes.
            let (from_left, from_right) = if flip {
                ("auto".to_owned(), format!("{:.2}%", 100.0 - left))
            } else {
                (format!("{left:.2}%"), "auto".to_owned())
            };
            Some(view! {
                <div class="chart__guide" style:left=format!("{left:.2}%")></div>
                <div class="chart__tooltip" role="tooltip" style:left=from_left style:right=from_right>
                    <div class="chart__tooltip-time">{clock(time)}</div>
                    {rows}
                </div>
            })
        })
    };
    let svg = move || {
        drawn.with(|(chart, _, _)| {
            chart
                .as_ref()
                .map(|chart| chart.svg.clone())
                .unwrap_or_default()
        })
    };
    // Many series are listed below the chart, where they wrap, rather than above its plot.
    let legend = move || {
        shown.with(|data| {
            data.legend_below.then(|| {
                let entries = data
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(index, (name, _))| {
                        let color = charts::PALETTE[index % charts::PALETTE.len()];
                        let swatch = format!("rgb({}, {}, {})", color.0, color.1, color.2);
                        view! {
                            <li class="chart__legend-entry">
                                <span class="chart__swatch" style:background=swatch></span>
                                {name.clone()}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="chart__legend">{entries}</ul> }
            })
        })
    };
    view! {
        <figure class="chart" data-chart=id data-draw-ms=move || drawn.with(|(_, _, took)| format!("{took:.2}"))>
            <figcaption class="chart__title">{title}</figcaption>
            <div
                class="chart__plot"
                on:mousemove=on_move
                on:mouseleave=move |_| pointer.set(None)
            >
                <div class="chart__svg" inner_html=svg></div>
                {tooltip}
            </div>
            {legend}
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(from: i64, to: i64) -> ChartData {
        ChartData {
            times: (from..=to).map(|second| second * 1000).collect(),
            lines: vec![("GPU".into(), (from..=to).map(|_| Some(1.0)).collect())],
            thresholds: Vec::new(),
            top: Some(100.0),
            ..ChartData::default()
        }
    }

    #[test]
    fn an_hour_is_redrawn_when_a_pixel_column_has_passed_and_a_minute_every_second() {
        let hour = seconds(0, 3600);
        assert!(!moves_a_column(&hour, &seconds(1, 3601)));
        assert!(!moves_a_column(&hour, &seconds(8, 3608)));
        assert!(moves_a_column(&hour, &seconds(9, 3609)));
        // Another time range: an hour after a quarter of it.
        assert!(moves_a_column(&hour, &seconds(2700, 3600)));
        let minute = seconds(0, 60);
        assert!(moves_a_column(&minute, &seconds(0, 61)));
        // Anything else that changes is drawn at once.
        let mut renamed = seconds(1, 3601);
        renamed.lines[0].0 = "GPU 利用率".into();
        assert!(moves_a_column(&hour, &renamed));
        assert!(moves_a_column(&ChartData::default(), &hour));
    }

    #[test]
    fn the_axis_drops_zero_seconds_and_the_tooltip_keeps_them() {
        assert_eq!(clock(36_005_000), "10:00:05");
        assert_eq!(axis_clock(36_000_000), "10:00");
        assert_eq!(axis_clock(36_005_000), "10:00:05");
    }
}
