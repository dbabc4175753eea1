//! What redrawing an hour of GPU history costs: a chart of 3,600 one-second samples of two lines
//! and a threshold drawn as SVG, as the GPUs page draws it at each sample, and a whole GPU card's
//! five charts. As the baseline in the same run, plotters drawing the same lines point by point
//! (what the chart would cost without reducing each pixel column to its lowest and highest value).
//!
//! ```sh
//! cargo run --release -p kubedesk-ui --example chart
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark stops at the first failure and prints its figures"
)]

use std::time::{Duration, Instant};

use kubedesk_ui::charts::{self, Line, Shape, Threshold, TimeChart, Unit};
use plotters::prelude::*;

const SAMPLES: i64 = 3600;
const SIZE: (u32, u32) = (480, 170);
const ROUNDS: usize = 200;

fn clock(ms: i64) -> String {
    let seconds = ms / 1000;
    format!("{:02}:{:02}", seconds / 3600 % 24, seconds / 60 % 60)
}

/// The median and 95th percentile of `rounds` runs of `work`.
fn timed(mut work: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut size = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        size = std::hint::black_box(work());
        times.push(started.elapsed());
    }
    times.sort();
    (times[ROUNDS / 2], times[ROUNDS * 95 / 100], size)
}

fn main() {
    let times: Vec<i64> = (0..SAMPLES)
        .map(|second| 1_795_000_000_000 + second * 1000)
        .collect();
    // A GPU warming under a load that comes and goes.
    let wave = |second: i64, low: f64, high: f64| {
        let phase = (second as f64 / 90.0).sin() * 0.5 + 0.5;
        Some(low + (high - low) * phase + (second % 7) as f64)
    };
    let utilization: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 20.0, 90.0)).collect();
    let activity: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 10.0, 60.0)).collect();
    let temperature: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 45.0, 80.0)).collect();
    let power: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 90.0, 390.0)).collect();
    let memory: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 1e10, 7e10)).collect();
    let sm: Vec<Option<f64>> = (0..SAMPLES).map(|s| wave(s, 210.0, 1410.0)).collect();
    let memory_clock: Vec<Option<f64>> = (0..SAMPLES).map(|_| Some(1593.0)).collect();
    let span = (times[0], times[times.len() - 1]);
    let line = |name: &str, values| Line {
        name: name.to_owned(),
        times: &times,
        values,
    };
    let chart = |unit, lines, thresholds: Vec<Threshold>, top| TimeChart {
        unit,
        lines,
        thresholds,
        span,
        top,
        shape: Shape::Lines,
        bottom: None,
        legend: true,
    };
    let one = chart(
        Unit::Percent,
        vec![line("GPU", &utilization), line("Memory", &activity)],
        Vec::new(),
        Some(100.0),
    );
    let card = [
        one.clone(),
        chart(
            Unit::Bytes,
            vec![line("Used", &memory)],
            Vec::new(),
            Some(8e10),
        ),
        chart(
            Unit::Celsius,
            vec![line("Temperature", &temperature)],
            vec![Threshold {
                name: "Slowdown".into(),
                value: 87.0,
            }],
            None,
        ),
        chart(
            Unit::Watts,
            vec![line("Draw", &power)],
            vec![Threshold {
                name: "Limit".into(),
                value: 400.0,
            }],
            None,
        ),
        chart(
            Unit::Megahertz,
            vec![line("SM", &sm), line("Memory", &memory_clock)],
            Vec::new(),
            Some(1593.0),
        ),
    ];

    let (median, p95, size) = timed(|| charts::draw(&one, SIZE, &clock).unwrap().svg.len());
    let (card_median, card_p95, _) = timed(|| {
        card.iter()
            .map(|chart| charts::draw(chart, SIZE, &clock).unwrap().svg.len())
            .sum()
    });
    // The baseline: plotters drawing every point of the same two lines.
    let (base_median, base_p95, base_size) = timed(|| {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            let mut built = ChartBuilder::on(&root)
                .margin(6)
                .x_label_area_size(20)
                .y_label_area_size(52)
                .build_cartesian_2d(span.0..span.1, 0.0..100.0)
                .unwrap();
            built
                .configure_mesh()
                .x_label_formatter(&|time| clock(*time))
                .draw()
                .unwrap();
            for values in [&utilization, &activity] {
                built
                    .draw_series(LineSeries::new(
                        times
                            .iter()
                            .zip(values.iter())
                            .map(|(t, v)| (*t, v.unwrap())),
                        &BLUE,
                    ))
                    .unwrap();
            }
            root.present().unwrap();
        }
        svg.len()
    });
    println!(
        "An hour of 1 Hz samples (3,600 points per line), drawn at {}x{} px, {ROUNDS} rounds:",
        SIZE.0, SIZE.1
    );
    println!(
        "  one chart, two lines:       median {:.2} ms, p95 {:.2} ms, SVG {:.1} KiB",
        median.as_secs_f64() * 1000.0,
        p95.as_secs_f64() * 1000.0,
        size as f64 / 1024.0
    );
    println!(
        "  a GPU card's five charts:   median {:.2} ms, p95 {:.2} ms",
        card_median.as_secs_f64() * 1000.0,
        card_p95.as_secs_f64() * 1000.0
    );
    println!(
        "  baseline, every point:      median {:.2} ms, p95 {:.2} ms, SVG {:.1} KiB",
        base_median.as_secs_f64() * 1000.0,
        base_p95.as_secs_f64() * 1000.0,
        base_size as f64 / 1024.0
    );
    println!(
        "  one chart against the baseline: {:.2}x the time, {:.2}x the SVG",
        median.as_secs_f64() / base_median.as_secs_f64(),
        size as f64 / base_size as f64
    );
}
