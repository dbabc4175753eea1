//! Values written in Grafana's units, by their ids (`bytes`, `percentunit`, `celsius`, `watt`,
//! `hertz`, `Bps`, `s`, `short`, …), as Grafana writes them: the backend's reports and the UI's
//! chart axes, tooltips and stats share this one writer.

/// `value` scaled into the largest of `units` (each `factor` times the one before) that keeps
/// it at least 1, with `decimals` (or as many as its size needs).
fn scaled(value: f64, factor: f64, units: &[&str], decimals: Option<u32>) -> String {
    let mut scaled = value;
    let mut unit = 0;
    while scaled.abs() >= factor && unit + 1 < units.len() {
        scaled /= factor;
        unit += 1;
    }
    format!("{} {}", number(scaled, decimals), units[unit])
        .trim_end()
        .to_owned()
}

/// A number with `decimals`, or with as many as its size needs (`1234`, `12.3`, `1.23`).
fn number(value: f64, decimals: Option<u32>) -> String {
    // -0.0 is written 0.
    let value = value + 0.0;
    let asked = decimals.is_some();
    let decimals = decimals.map_or_else(
        || match value.abs() {
            magnitude if magnitude == 0.0 || magnitude >= 100.0 => 0,
            magnitude if magnitude >= 10.0 => 1,
            _ => 2,
        },
        |decimals| decimals.min(10) as usize,
    );
    let text = format!("{value:.decimals$}");
    // Needless zeros go when the decimals were not asked for.
    if !asked && decimals > 0 && text.contains('.') {
        return text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    text
}

/// A duration in seconds as its largest whole unit writes it (`450 ms`, `2.5 min`, `3 hour`).
fn seconds(value: f64, decimals: Option<u32>) -> String {
    let magnitude = value.abs();
    let (divisor, unit) = match magnitude {
        m if m != 0.0 && m < 1e-6 => (1e-9, "ns"),
        m if m != 0.0 && m < 1e-3 => (1e-6, "µs"),
        m if m != 0.0 && m < 1.0 => (1e-3, "ms"),
        m if m < 60.0 => (1.0, "s"),
        m if m < 3600.0 => (60.0, "min"),
        m if m < 86_400.0 => (3600.0, "hour"),
        m if m < 604_800.0 => (86_400.0, "day"),
        _ => (604_800.0, "week"),
    };
    format!("{} {unit}", number(value / divisor, decimals))
}

/// The unit ids [`format`] writes, besides `none`.
pub const IDS: &[&str] = &[
    "percent",
    "percentunit",
    "bytes",
    "decbytes",
    "deckbytes",
    "decmbytes",
    "decgbytes",
    "kbytes",
    "mbytes",
    "binBps",
    "Bps",
    "bps",
    "hertz",
    "watt",
    "kwatt",
    "celsius",
    "fahrenheit",
    "s",
    "ms",
    "µs",
    "us",
    "ns",
    "reqps",
    "ops",
    "short",
];

/// `id` as one of [`IDS`], when it is one.
pub fn known(id: &str) -> Option<&'static str> {
    IDS.iter().copied().find(|known| *known == id)
}

/// The unit a multiple of a unit is drawn in, and what its values are multiplied by
/// (`mbytes` is drawn in `bytes`, times 2^20), so that a chart's axis is ticked in whole units
/// of the size its values reach (20 GiB, not 19.5 GiB for 20,000 MiB).
pub fn base(id: &str) -> (&str, f64) {
    match id {
        "kbytes" => ("bytes", 1024.0),
        "mbytes" => ("bytes", 1024.0 * 1024.0),
        "deckbytes" => ("decbytes", 1e3),
        "decmbytes" => ("decbytes", 1e6),
        "decgbytes" => ("decbytes", 1e9),
        "kwatt" => ("watt", 1e3),
        other => (other, 1.0),
    }
}

/// `value` in Grafana's unit `unit` (`None`, `none` and unknown ids: the number alone, with
/// SI-scaled `short` rules for `short`).
pub fn format(unit: Option<&str>, value: f64, decimals: Option<u32>) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    const BINARY: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    const DECIMAL: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    const BINARY_RATE: [&str; 7] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s", "PiB/s", "EiB/s"];
    const DECIMAL_RATE: [&str; 7] = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s", "EB/s"];
    const BITS_RATE: [&str; 6] = ["bps", "kbps", "Mbps", "Gbps", "Tbps", "Pbps"];
    const HERTZ: [&str; 5] = ["Hz", "kHz", "MHz", "GHz", "THz"];
    const WATTS: [&str; 4] = ["W", "kW", "MW", "GW"];
    const SHORT: [&str; 6] = ["", "K", "Mil", "Bil", "Tri", "Quadr"];
    match unit.unwrap_or("none") {
        "percent" => format!("{} %", number(value, decimals)),
        "percentunit" => format!("{} %", number(value * 100.0, decimals)),
        "bytes" => scaled(value, 1024.0, &BINARY, decimals),
        "decbytes" => scaled(value, 1000.0, &DECIMAL, decimals),
        "deckbytes" => scaled(value * 1e3, 1000.0, &DECIMAL, decimals),
        "decmbytes" => scaled(value * 1e6, 1000.0, &DECIMAL, decimals),
        "decgbytes" => scaled(value * 1e9, 1000.0, &DECIMAL, decimals),
        "kbytes" => scaled(value * 1024.0, 1024.0, &BINARY, decimals),
        "mbytes" => scaled(value * 1024.0 * 1024.0, 1024.0, &BINARY, decimals),
        "binBps" => scaled(value, 1024.0, &BINARY_RATE, decimals),
        "Bps" => scaled(value, 1000.0, &DECIMAL_RATE, decimals),
        "bps" => scaled(value, 1000.0, &BITS_RATE, decimals),
        "hertz" => scaled(value, 1000.0, &HERTZ, decimals),
        "watt" => scaled(value, 1000.0, &WATTS, decimals),
        "kwatt" => scaled(value * 1000.0, 1000.0, &WATTS, decimals),
        "celsius" => format!("{} °C", number(value, decimals)),
        "fahrenheit" => format!("{} °F", number(value, decimals)),
        "s" => seconds(value, decimals),
        "ms" => seconds(value / 1e3, decimals),
        "µs" | "us" => seconds(value / 1e6, decimals),
        "ns" => seconds(value / 1e9, decimals),
        "reqps" => format!("{} req/s", number(value, decimals)),
        "ops" => format!("{} ops/s", number(value, decimals)),
        "short" => scaled(value, 1000.0, &SHORT, decimals),
        _ => number(value, decimals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multiple_is_written_as_its_base_unit_would_write_it() {
        for id in IDS {
            let (base, factor) = base(id);
            assert_eq!(
                format(Some(base), 1536.0 * factor, None),
                format(Some(id), 1536.0, None),
                "{id}"
            );
        }
    }

    #[test]
    fn every_known_id_is_written_in_its_unit() {
        for id in IDS {
            assert_ne!(format(Some(id), 1e6, None), "1000000", "{id}");
            assert_eq!(known(id), Some(*id));
        }
        assert_eq!(known("a-plugin-unit"), None);
    }

    #[test]
    fn values_are_written_in_grafana_s_units() {
        assert_eq!(format(Some("percentunit"), 0.4567, None), "45.7 %");
        assert_eq!(format(Some("percent"), 97.0, None), "97 %");
        assert_eq!(format(Some("bytes"), 42_949_672_960.0, None), "40 GiB");
        assert_eq!(format(Some("decbytes"), 1_500_000.0, Some(1)), "1.5 MB");
        assert_eq!(format(Some("decmbytes"), 40_960.0, None), "41 GB");
        assert_eq!(format(Some("binBps"), 1536.0, None), "1.5 KiB/s");
        assert_eq!(format(Some("hertz"), 1_410_000_000.0, None), "1.41 GHz");
        assert_eq!(format(Some("watt"), 312.4, None), "312 W");
        assert_eq!(format(Some("celsius"), 64.0, None), "64 °C");
        assert_eq!(format(Some("s"), 0.25, None), "250 ms");
        assert_eq!(format(Some("s"), 5400.0, None), "1.5 hour");
        assert_eq!(format(Some("short"), 12_345.0, None), "12.3 K");
        assert_eq!(format(Some("short"), 12.0, None), "12");
        assert_eq!(format(None, 1.23456, Some(2)), "1.23");
        assert_eq!(
            format(None, 3.1, Some(2)),
            "3.10",
            "decimals asked for are kept"
        );
        assert_eq!(format(Some("a-plugin-unit"), 7.0, None), "7");
        assert_eq!(format(Some("bytes"), f64::NAN, None), "NaN");
        assert_eq!(format(Some("percent"), -0.0, None), "0 %");
    }
}
