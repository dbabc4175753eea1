//! Charts drawn with plotters as SVG, in one palette and one axis style: a time series chart
//! of one or more lines in a unit, with threshold lines (a limit, a slowdown temperature) and a
//! legend. A long series is reduced to the lowest and highest value of each pixel column before
//! it is drawn, so an hour of samples draws as fast as a few minutes and keeps its peaks.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a chart's values are, and how its axis writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Percent, 0 to 100.
    Percent,
    /// Bytes, written in the binary unit the largest value needs.
    Bytes,
    /// Degrees Celsius.
    Celsius,
    /// Watts.
    Watts,
    /// Megahertz.
    Megahertz,
    /// A Grafana unit id (`bytes`, `celsius`, `percentunit`; `none` for a plain number): each
    /// label written by `kubedesk_ipc::units`, as Grafana writes it.
    Grafana(&'static str),
}

impl Unit {
    /// The factor values are divided by for the axis, and the unit's symbol, for a chart whose
    /// values reach `top`.
    fn scale(self, top: f64) -> (f64, &'static str) {
        match self {
            Unit::Percent => (1.0, "%"),
            Unit::Celsius => (1.0, "°C"),
            Unit::Watts => (1.0, "W"),
            Unit::Megahertz => (1.0, "MHz"),
            Unit::Grafana(_) => (1.0, ""),
            Unit::Bytes => {
                const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
                let mut factor = 1.0;
                let mut unit = 0;
                while top / factor >= 1024.0 && unit + 1 < UNITS.len() {
                    factor *= 1024.0;
                    unit += 1;
                }
                (factor, UNITS[unit])
            }
        }
    }

    /// The unit of a dashboard panel: a Grafana unit id KubeDesk writes, else a plain number.
    /// Bytes are drawn as [`Unit::Bytes`] (the axis in the one binary unit its top needs); a
    /// multiple of a unit (`mbytes`) is named by its base, its values to be converted with
    /// `kubedesk_ipc::units::base`.
    pub fn grafana(id: Option<&str>) -> Self {
        match id.map(|id| kubedesk_ipc::units::base(id).0) {
            Some("bytes") => Unit::Bytes,
            id => Unit::Grafana(id.and_then(kubedesk_ipc::units::known).unwrap_or("none")),
        }
    }

    /// `value` with its unit, as a tooltip writes it.
    pub fn format(self, value: f64) -> String {
        if let Unit::Grafana(id) = self {
            return kubedesk_ipc::units::format(Some(id), value, None);
        }
        let (factor, symbol) = self.scale(value.abs());
        let scaled = value / factor;
        if scaled.abs() >= 100.0 || scaled.fract() == 0.0 {
            format!("{scaled:.0} {symbol}")
        } else {
            format!("{scaled:.1} {symbol}")
        }
    }
}

/// One line of a chart: its name and its values at times (ms since the epoch), a `None` where
/// it was not read (the line breaks there).
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    /// Its name, in the legend.
    pub name: String,
    /// When each value was read.
    pub times: &'a [i64],
    /// The values, one per time.
    pub values: &'a [Option<f64>],
}

/// A horizontal line at a value that matters: a limit, a slowdown temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// Its name, in the legend.
    pub name: String,
    /// Where it is.
    pub value: f64,
}

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Lines.
    #[default]
    Lines,
    /// Lines with the area below them filled, each series on the ones before when `stacked`.
    Area {
        /// Whether the series stack.
        stacked: bool,
    },
    /// A bar per point.
    Bars,
}

/// A time series chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeChart<'a> {
    /// What the values are.
    pub unit: Unit,
    /// How its series are drawn.
    pub shape: Shape,
    /// The lines, drawn in the palette's order.
    pub lines: Vec<Line<'a>>,
    /// The thresholds, dashed.
    pub thresholds: Vec<Threshold>,
    /// The time span shown, ms since the epoch.
    pub span: (i64, i64),
    /// The top of the value axis, when it is fixed (100 %, the memory's size); else the largest
    /// value or threshold, with room above it.
    pub top: Option<f64>,
    /// The bottom of the value axis, when fixed; else 0, or the lowest value below it.
    pub bottom: Option<f64>,
    /// Whether the legend is drawn above the plot (else the page lists the series itself).
    pub legend: bool,
}

/// A chart drawn: its SVG, and where its plot lies in it, for a pointer's position.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The SVG document.
    pub svg: String,
    /// The plot's left and right edges, in the SVG's pixels.
    pub plot_x: (i32, i32),
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(String);

/// The palette every chart draws its lines in, one colour per line in order: mid tones that read
/// on the light and the dark theme alike.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0x3b, 0x82, 0xf6),
    RGBColor(0x10, 0xb9, 0x81),
    RGBColor(0xf5, 0x9e, 0x0b),
    RGBColor(0xa8, 0x55, 0xf7),
    RGBColor(0xec, 0x48, 0x99),
    RGBColor(0x06, 0xb6, 0xd4),
];
/// Thresholds are drawn in red.
const THRESHOLD: RGBColor = RGBColor(0xef, 0x44, 0x44);
/// Axis labels and lines: the grey the theme's faint text uses, readable on both themes.
const AXIS: RGBColor = RGBColor(0x8a, 0x96, 0xa8);
const FONT: &str = "sans-serif";
const FONT_SIZE: u32 = 11;
/// The row above the plot that holds the legend, px.
const LEGEND_HEIGHT: u32 = 18;

/// The steps a time axis may be ticked at, seconds.
const TIME_STEPS: [i64; 11] = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/// Tick times for the span `from..to` (ms): whole multiples of the smallest step that gives at
/// most `most` ticks.
fn time_ticks(from: i64, to: i64, most: i64) -> Vec<i64> {
    let seconds = ((to - from) / 1000).max(1);
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|step| seconds / step < most)
        .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1])
        * 1000;
    let first = from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
    (0..)
        .map(|index| first + index * step)
        .take_while(|tick| *tick <= to)
        .collect()
}

/// One pixel column's points being gathered: its lowest and highest.
struct Column {
    index: i64,
    low: (i64, f64),
    high: (i64, f64),
}

impl Column {
    /// Its points, in time order, onto `run`.
    fn end(self, run: &mut Vec<(i64, f64)>) {
        let (first, second) = if self.low.0 <= self.high.0 {
            (self.low, self.high)
        } else {
            (self.high, self.low)
        };
        run.push(first);
        if second != first {
            run.push(second);
        }
    }
}

/// The points of `line` between `from` and `to` as runs without gaps, each reduced to its lowest
/// and highest value per pixel column (in time order) when it has more points than columns.
fn runs(line: &Line<'_>, span: (i64, i64), columns: u32, factor: f64) -> Vec<Vec<(i64, f64)>> {
    let width = (span.1 - span.0).max(1) as f64;
    let column = |time: i64| ((time - span.0) as f64 / width * f64::from(columns)) as i64;
    let mut runs = Vec::new();
    let mut run: Vec<(i64, f64)> = Vec::new();
    let mut gathering: Option<Column> = None;
    for (time, value) in line.times.iter().zip(line.values) {
        if *time < span.0 || *time > span.1 {
            continue;
        }
        let Some(value) = value.filter(|value| value.is_finite()) else {
            if let Some(column) = gathering.take() {
                column.end(&mut run);
            }
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
            continue;
        };
        let point = (*time, value / factor);
        let index = column(*time);
        match &mut gathering {
            Some(column) if column.index == index => {
                if point.1 < column.low.1 {
                    column.low = point;
                }
                if point.1 > column.high.1 {
                    column.high = point;
                }
            }
            _ => {
                if let Some(column) = gathering.take() {
                    column.end(&mut run);
                }
                gathering = Some(Column {
                    index,
                    low: point,
                    high: point,
                });
            }
        }
    }
    if let Some(column) = gathering.take() {
        column.end(&mut run);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Draws `chart` as an SVG of `size` pixels, with `clock` writing the time axis's labels.
pub fn draw(
    chart: &TimeChart<'_>,
    size: (u32, u32),
    clock: &dyn Fn(i64) -> String,
) -> Result<Drawn, ChartError> {
    let error = |error: &dyn std::fmt::Display| ChartError(error.to_string());
    let (from, to) = (chart.span.0, chart.span.1.max(chart.span.0 + 1000));
    // Stacked series are drawn at the sum of those before them.
    let stacked: Vec<Vec<Option<f64>>> = match chart.shape {
        Shape::Area { stacked: true } => {
            let mut sums: Vec<f64> = Vec::new();
            chart
                .lines
                .iter()
                .map(|line| {
                    sums.resize(sums.len().max(line.values.len()), 0.0);
                    line.values
                        .iter()
                        .zip(&mut sums)
                        .map(|(value, sum)| {
                            value.filter(|value| value.is_finite()).map(|value| {
                                *sum += value;
                                *sum
                            })
                        })
                        .collect()
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let lines: Vec<Line<'_>> = if stacked.is_empty() {
        chart.lines.clone()
    } else {
        chart
            .lines
            .iter()
            .zip(&stacked)
            .map(|(line, values)| Line {
                name: line.name.clone(),
                times: line.times,
                values,
            })
            .collect()
    };
    let finite = || {
        lines
            .iter()
            .flat_map(|line| line.values.iter().flatten())
            .chain(chart.thresholds.iter().map(|threshold| &threshold.value))
            .copied()
            .filter(|value| value.is_finite())
    };
    let highest = finite().fold(0.0_f64, f64::max);
    let lowest = finite().fold(0.0_f64, f64::min);
    let top = chart.top.unwrap_or(highest * 1.1).max(highest);
    let bottom = chart.bottom.unwrap_or(lowest * 1.1).min(lowest);
    let top = if top > bottom { top } else { bottom + 1.0 };
    let (factor, symbol) = chart.unit.scale(top.max(-bottom));
    let mut svg = String::new();
    let plot_x = {
        let root: DrawingArea<SVGBackend<'_>, Shift> =
            SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let (legend, plot) = root.split_vertically(if chart.legend { LEGEND_HEIGHT } else { 0 });
        let mut built = ChartBuilder::on(&plot)
            .margin(6)
            .margin_right(12)
            .x_label_area_size(20)
            .y_label_area_size(52)
            .build_cartesian_2d(
                (from..to).with_key_points(time_ticks(from, to, 6)),
                bottom / factor..top / factor,
            )
            .map_err(|e| error(&e))?;
        let unit = chart.unit;
        let label = |value: &f64| {
            if let Unit::Grafana(id) = unit {
                kubedesk_ipc::units::format(Some(id), *value, None)
            } else if value.abs() >= 100.0 || value.fract() == 0.0 {
                format!("{value:.0} {symbol}")
            } else {
                format!("{value:.1} {symbol}")
            }
        };
        built
            .configure_mesh()
            .y_labels(5)
            .x_label_formatter(&|time| clock(*time))
            .y_label_formatter(&label)
            .label_style((FONT, FONT_SIZE).into_font().color(&AXIS))
            .axis_style(AXIS.mix(0.6))
            .bold_line_style(AXIS.mix(0.2))
            .light_line_style(TRANSPARENT)
            .set_all_tick_mark_size(3)
            .draw()
            .map_err(|e| error(&e))?;
        let (pixels, _) = built.plotting_area().get_pixel_range();
        let columns = u32::try_from(pixels.end - pixels.start).unwrap_or(1).max(1);
        let threshold = ShapeStyle::from(&THRESHOLD).stroke_width(1);
        let mut entries = Vec::new();
        // A bar is as wide as the time between points, less a gap, and a pixel at least.
        let points = lines
            .iter()
            .map(|line| line.times.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let bar = ((to - from) / i64::try_from(points).unwrap_or(1) * 4 / 5)
            .max((to - from) / i64::from(columns));
        // Stacked areas are painted from the top series down, so each shows above the next.
        let order: Vec<usize> = match chart.shape {
            Shape::Area { stacked: true } => (0..lines.len()).rev().collect(),
            _ => (0..lines.len()).collect(),
        };
        for index in order {
            let line = &lines[index];
            let color = PALETTE[index % PALETTE.len()];
            let style = ShapeStyle::from(&color).stroke_width(2);
            for run in runs(line, (from, to), columns, factor) {
                // A point alone (the first scrape, a gap on each side) is a dot: no line has it.
                if let ([point], false) = (run.as_slice(), chart.shape == Shape::Bars) {
                    built
                        .draw_series(std::iter::once(Circle::new(*point, 2, style.filled())))
                        .map_err(|e| error(&e))?;
                    continue;
                }
                match chart.shape {
                    Shape::Lines => {
                        built
                            .draw_series(LineSeries::new(run, style))
                            .map_err(|e| error(&e))?;
                    }
                    Shape::Area { .. } => {
                        let base = bottom.max(0.0) / factor;
                        built
                            .draw_series(
                                AreaSeries::new(run, base, color.mix(0.3)).border_style(style),
                            )
                            .map_err(|e| error(&e))?;
                    }
                    Shape::Bars => {
                        let fill = ShapeStyle::from(&color.mix(0.8)).filled();
                        built
                            .draw_series(run.into_iter().map(|(time, value)| {
                                Rectangle::new(
                                    [(time - bar / 2, 0.0), (time + bar / 2, value)],
                                    fill,
                                )
                            }))
                            .map_err(|e| error(&e))?;
                    }
                }
            }
        }
        for (index, line) in lines.iter().enumerate() {
            let style = ShapeStyle::from(&PALETTE[index % PALETTE.len()]).stroke_width(2);
            entries.push((line.name.as_str(), style, false));
        }
        for line in &chart.thresholds {
            let value = line.value / factor;
            built
                .draw_series(DashedLineSeries::new(
                    [(from, value), (to, value)],
                    5,
                    4,
                    threshold,
                ))
                .map_err(|e| error(&e))?;
            entries.push((line.name.as_str(), threshold, true));
        }
        // The legend, in a row above the plot where it hides no line: a swatch (dashed for a
        // threshold) and the name of each, from the plot's left edge.
        let font = (FONT, FONT_SIZE).into_font().color(&AXIS);
        let middle = (LEGEND_HEIGHT / 2) as i32;
        let mut x = pixels.start;
        if !chart.legend {
            entries.clear();
        }
        for (name, style, dashed) in entries {
            let segments: &[(i32, i32)] = if dashed {
                &[(0, 5), (9, 14)]
            } else {
                &[(0, 14)]
            };
            for (start, end) in segments {
                legend
                    .draw(&PathElement::new(
                        vec![(x + start, middle), (x + end, middle)],
                        style,
                    ))
                    .map_err(|e| error(&e))?;
            }
            legend
                .draw(&Text::new(
                    name.to_owned(),
                    (x + 18, middle),
                    font.pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|e| error(&e))?;
            let (width, _) = legend
                .estimate_text_size(name, &font)
                .map_err(|e| error(&e))?;
            x += 18 + i32::try_from(width).unwrap_or(0) + 14;
        }
        root.present().map_err(|e| error(&e))?;
        (pixels.start, pixels.end)
    };
    Ok(Drawn { svg, plot_x })
}

/// A heatmap: one row of cells per bucket (lowest at the bottom), one column per time, each
/// cell's colour from how large its value is against the largest.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap<'a> {
    /// When each column was read, ms since the epoch.
    pub times: &'a [i64],
    /// Each bucket's name and values (one per time), bottom to top.
    pub rows: Vec<(&'a str, &'a [Option<f64>])>,
}

/// Draws `heatmap` as an SVG of `size` pixels, with `clock` writing the time axis's labels.
pub fn draw_heatmap(
    heatmap: &Heatmap<'_>,
    size: (u32, u32),
    clock: &dyn Fn(i64) -> String,
) -> Result<Drawn, ChartError> {
    let error = |error: &dyn std::fmt::Display| ChartError(error.to_string());
    let (from, to) = match (heatmap.times.first(), heatmap.times.last()) {
        (Some(first), Some(last)) => (*first, (*last).max(*first + 1000)),
        _ => (0, 1000),
    };
    let highest = heatmap
        .rows
        .iter()
        .flat_map(|(_, values)| values.iter().flatten())
        .copied()
        .filter(|value| value.is_finite())
        .fold(0.0_f64, f64::max);
    let count = heatmap.rows.len().max(1);
    // A column is as wide as the time to the next one.
    let width = heatmap
        .times
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .min()
        .unwrap_or(1000)
        .max(1);
    let mut svg = String::new();
    let plot_x = {
        let root: DrawingArea<SVGBackend<'_>, Shift> =
            SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let names: Vec<&str> = heatmap.rows.iter().map(|(name, _)| *name).collect();
        let mut built = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(12)
            .x_label_area_size(20)
            .y_label_area_size(52)
            .build_cartesian_2d(
                (from..to + width).with_key_points(time_ticks(from, to, 6)),
                0..count,
            )
            .map_err(|e| error(&e))?;
        let label = |row: &usize| {
            names
                .get(*row)
                .map(|name| (*name).to_owned())
                .unwrap_or_default()
        };
        built
            .configure_mesh()
            .y_labels(count.min(8))
            .x_label_formatter(&|time| clock(*time))
            .y_label_formatter(&label)
            .label_style((FONT, FONT_SIZE).into_font().color(&AXIS))
            .axis_style(AXIS.mix(0.6))
            .disable_mesh()
            .set_all_tick_mark_size(3)
            .draw()
            .map_err(|e| error(&e))?;
        let cold = PALETTE[0];
        for (row, (_, values)) in heatmap.rows.iter().enumerate() {
            let cells = heatmap
                .times
                .iter()
                .zip(values.iter())
                .filter_map(|(time, value)| {
                    let value = value.filter(|value| value.is_finite() && *value > 0.0)?;
                    let share = if highest > 0.0 { value / highest } else { 0.0 };
                    Some(Rectangle::new(
                        [(*time, row), (*time + width, row + 1)],
                        cold.mix(0.15 + 0.85 * share).filled(),
                    ))
                });
            built.draw_series(cells).map_err(|e| error(&e))?;
        }
        let (pixels, _) = built.plotting_area().get_pixel_range();
        root.present().map_err(|e| error(&e))?;
        (pixels.start, pixels.end)
    };
    Ok(Drawn { svg, plot_x })
}

/// The index of the time in `times` nearest to where a pointer is, `fraction` of the way across
/// the plot of a chart spanning `span`; `None` when there are no times.
pub fn nearest(times: &[i64], span: (i64, i64), fraction: f64) -> Option<usize> {
    let at = span.0 + ((span.1 - span.0) as f64 * fraction.clamp(0.0, 1.0)) as i64;
    let after = times.partition_point(|time| *time < at);
    [after.checked_sub(1), (after < times.len()).then_some(after)]
        .into_iter()
        .flatten()
        .min_by_key(|index| (times[*index] - at).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(ms: i64) -> String {
        let seconds = ms / 1000;
        format!("{:02}:{:02}", seconds / 3600 % 24, seconds / 60 % 60)
    }

    /// The text of every `<text>` element in `svg`.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|element| {
                let body = element.split_once('>')?.1;
                Some(body.split_once("</text>")?.0.trim().to_owned())
            })
            .collect()
    }

    #[test]
    fn a_time_chart_has_clock_ticks_unit_labels_a_legend_and_its_threshold() {
        let times: Vec<i64> = (0..600).map(|second| 36_000_000 + second * 1000).collect();
        let values: Vec<Option<f64>> = (0..600)
            .map(|second| Some(60.0 + f64::from(second % 20)))
            .collect();
        let chart = TimeChart {
            unit: Unit::Celsius,
            lines: vec![Line {
                name: "GPU 0".into(),
                times: &times,
                values: &values,
            }],
            thresholds: vec![Threshold {
                name: "Slowdown".into(),
                value: 87.0,
            }],
            span: (times[0], times[599]),
            top: Some(100.0),
            shape: Shape::Lines,
            bottom: None,
            legend: true,
        };
        let drawn = draw(&chart, (480, 180), &clock).unwrap();
        let texts = texts(&drawn.svg);
        // Ten minutes from 10:00, ticked every two minutes.
        for expected in [
            "10:00", "10:02", "10:04", "10:06", "10:08", "0 °C", "100 °C", "GPU 0", "Slowdown",
        ] {
            assert!(
                texts.iter().any(|text| text == expected),
                "{expected:?} is not among {texts:?}"
            );
        }
        assert!(
            drawn.plot_x.0 > 40 && drawn.plot_x.1 < 480,
            "{:?}",
            drawn.plot_x
        );
        // The line is drawn in the palette's first colour, the threshold dashed in red.
        assert!(drawn.svg.contains("stroke=\"#3B82F6\""), "{}", drawn.svg);
        assert!(drawn.svg.contains("stroke=\"#EF4444\""));
    }

    #[test]
    fn bytes_are_drawn_in_the_binary_unit_the_top_needs() {
        let times = [0, 1000];
        let values = [
            Some(20.0 * 1024.0 * 1024.0 * 1024.0),
            Some(40.0 * 1024.0 * 1024.0 * 1024.0),
        ];
        let chart = TimeChart {
            unit: Unit::Bytes,
            lines: vec![Line {
                name: "Used".into(),
                times: &times,
                values: &values,
            }],
            thresholds: Vec::new(),
            span: (0, 1000),
            top: Some(80.0 * 1024.0 * 1024.0 * 1024.0),
            shape: Shape::Lines,
            bottom: None,
            legend: true,
        };
        let texts = texts(&draw(&chart, (480, 180), &clock).unwrap().svg);
        assert!(texts.iter().any(|text| text == "80 GiB"), "{texts:?}");
        assert_eq!(Unit::Bytes.format(42_949_672_960.0), "40 GiB");
        assert_eq!(Unit::Watts.format(312.4), "312 W");
        assert_eq!(Unit::Percent.format(7.25), "7.2 %");
    }

    #[test]
    fn an_hour_of_samples_keeps_each_columns_peaks_and_breaks_at_gaps() {
        let times: Vec<i64> = (0..3600).map(|second| second * 1000).collect();
        let mut values: Vec<Option<f64>> = (0..3600)
            .map(|second| Some(f64::from(second % 7)))
            .collect();
        values[1800] = Some(100.0);
        values[2000] = None;
        let line = Line {
            name: "GPU".into(),
            times: &times,
            values: &values,
        };
        let runs = runs(&line, (0, 3_599_000), 400, 1.0);
        assert_eq!(runs.len(), 2, "the missing sample breaks the line");
        let points: usize = runs.iter().map(Vec::len).sum();
        // At most the lowest and highest of each column (the last time falls on column 400),
        // and the column of the gap split in two.
        assert!(points <= 2 * 401 + 2, "{points} points for 400 columns");
        assert!(points >= 400, "{points} points for 400 columns");
        assert!(
            runs[0].iter().any(|point| point.1 == 100.0),
            "the peak is kept"
        );
        assert!(runs.iter().flatten().any(|point| point.1 == 0.0));
        assert!(runs.iter().flatten().any(|point| point.1 == 6.0));
        // Each run stays in time order.
        for run in &runs {
            assert!(run.windows(2).all(|pair| pair[0].0 <= pair[1].0));
        }
    }

    #[test]
    fn stacked_areas_reach_the_sum_bars_are_drawn_and_grafana_units_label_the_axis() {
        let times = [0, 60_000, 120_000];
        let first = [Some(1.0), Some(2.0), Some(3.0)];
        let second = [Some(4.0), None, Some(6.0)];
        let chart = |shape| TimeChart {
            unit: Unit::grafana(Some("percent")),
            shape,
            lines: vec![
                Line {
                    name: "a".into(),
                    times: &times,
                    values: &first,
                },
                Line {
                    name: "b".into(),
                    times: &times,
                    values: &second,
                },
            ],
            thresholds: Vec::new(),
            span: (0, 120_000),
            top: None,
            bottom: None,
            legend: false,
        };
        let highest_label = |shape| {
            let svg = draw(&chart(shape), (480, 180), &clock).unwrap().svg;
            let labels: Vec<f64> = texts(&svg)
                .iter()
                .filter_map(|text| text.strip_suffix(" %")?.parse().ok())
                .collect();
            assert!(labels.contains(&0.0), "{labels:?}");
            (labels.into_iter().fold(0.0, f64::max), svg)
        };
        let (lines, svg) = highest_label(Shape::Lines);
        assert!(lines <= 6.6, "{lines}");
        assert!(
            !texts(&svg).iter().any(|text| text == "a"),
            "no legend drawn"
        );
        let (stacked, _) = highest_label(Shape::Area { stacked: true });
        assert!(stacked >= 8.0, "the stack reaches 3 + 6: {stacked}");
        let (_, bars) = highest_label(Shape::Bars);
        assert!(bars.matches("<rect").count() >= 5, "{bars}");
        assert_eq!(Unit::grafana(Some("no-such-unit")), Unit::Grafana("none"));
        assert_eq!(Unit::grafana(Some("mbytes")), Unit::Bytes);
        assert_eq!(Unit::grafana(Some("kwatt")), Unit::Grafana("watt"));
    }

    #[test]
    fn a_heatmap_has_a_cell_per_bucket_and_time_darker_where_larger() {
        let times = [0, 60_000, 120_000];
        let low = [Some(1.0), Some(2.0), None];
        let high = [Some(10.0), Some(0.0), Some(5.0)];
        let heatmap = Heatmap {
            times: &times,
            rows: vec![("0.5", &low), ("+Inf", &high)],
        };
        let svg = draw_heatmap(&heatmap, (480, 170), &clock).unwrap().svg;
        // Cells with a value above zero: two of the low bucket, two of the high one.
        let cells: Vec<&str> = svg
            .split("<rect")
            .skip(1)
            .filter(|cell| cell.contains("fill=\"#3B82F6\""))
            .collect();
        assert_eq!(cells.len(), 4, "{svg}");
        let opacity = |cell: &str| -> f64 {
            let (_, rest) = cell.split_once("opacity=\"").unwrap();
            rest.split('"').next().unwrap().parse().unwrap()
        };
        let opacities: Vec<f64> = cells.iter().map(|cell| opacity(cell)).collect();
        let largest = opacities.iter().copied().fold(0.0, f64::max);
        assert!(
            (largest - 1.0).abs() < 1e-9,
            "the largest value is the darkest: {opacities:?}"
        );
        let texts = texts(&svg);
        for expected in ["0.5", "+Inf", "00:00", "00:01"] {
            assert!(
                texts.iter().any(|text| text == expected),
                "{expected:?} is not among {texts:?}"
            );
        }
    }

    #[test]
    fn the_pointer_finds_the_nearest_sample() {
        let times = [0, 1000, 2000, 4000];
        assert_eq!(nearest(&times, (0, 4000), 0.0), Some(0));
        assert_eq!(nearest(&times, (0, 4000), 0.3), Some(1));
        assert_eq!(nearest(&times, (0, 4000), 0.8), Some(3));
        assert_eq!(nearest(&times, (0, 4000), 2.0), Some(3));
        assert_eq!(nearest(&[], (0, 4000), 0.5), None);
    }

    #[test]
    fn ticks_fall_on_whole_minutes() {
        assert_eq!(
            time_ticks(30_000, 330_000, 6),
            vec![60_000, 120_000, 180_000, 240_000, 300_000]
        );
        assert_eq!(time_ticks(0, 3_600_000, 6).len(), 5);
    }
}
