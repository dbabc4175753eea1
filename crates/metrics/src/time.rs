//! A dashboard's time range made absolute, and the step its queries run at: Grafana's notation
//! (`now`, `now-6h`, `now-1d/d`, an RFC 3339 time, epoch milliseconds) read at a moment, and a
//! step that keeps a range to at most [`MAX_POINTS`] points, never below the scrape interval.

use crate::dashboard::TimeRange;

/// The most points a range query asks for: 6 hours at 15 s.
pub const MAX_POINTS: u64 = 1440;

/// Why a time cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the time {0:?} is not understood; write now, now-15m, now-6h, now-7d, a time such as 2026-11-27T06:00:00Z, or milliseconds since 1970"
)]
pub struct TimeError(pub String);

/// A range in seconds since the epoch, and the step between its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Its start.
    pub start: i64,
    /// Its end.
    pub end: i64,
    /// Seconds between points.
    pub step: u64,
}

/// Seconds in a unit of Grafana's relative times.
fn unit_seconds(unit: &str) -> Option<i64> {
    Some(match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        "M" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    })
}

/// `text` as seconds since the epoch, `now` being `now`.
pub fn instant(text: &str, now: i64) -> Result<i64, TimeError> {
    let wrong = || TimeError(text.to_owned());
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("now") {
        // `now-1d/d`: the rounding is to the start of the unit.
        let (offset, round) = rest.split_once('/').unwrap_or((rest, ""));
        let mut at = now;
        if !offset.is_empty() {
            let sign = match offset.as_bytes()[0] {
                b'-' => -1,
                b'+' => 1,
                _ => return Err(wrong()),
            };
            let body = &offset[1..];
            let split = body
                .find(|character: char| !character.is_ascii_digit())
                .ok_or_else(wrong)?;
            let count: i64 = body[..split].parse().map_err(|_| wrong())?;
            at += sign * count * unit_seconds(&body[split..]).ok_or_else(wrong)?;
        }
        if !round.is_empty() {
            let unit = unit_seconds(round).ok_or_else(wrong)?;
            at -= at.rem_euclid(unit);
        }
        return Ok(at);
    }
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return text.parse::<i64>().map(|ms| ms / 1000).map_err(|_| wrong());
    }
    rfc3339(text).ok_or_else(wrong)
}

/// `2026-11-27T06:00:00Z` (fractions and offsets allowed) as seconds since the epoch.
fn rfc3339(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b' ')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|character: char| character.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        zone if zone.len() == 6 => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (zone.get(1..3)?.parse::<i64>().ok()? * 3600
                + zone.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let of_era = year - era * 400;
    let of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let of_era_days = of_era * 365 + of_era / 4 - of_era / 100 + of_year;
    let days = era * 146_097 + of_era_days - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// `range` read at `now`, with a step of at least `least` seconds (the scrape interval, or a
/// panel's minimum) that keeps it to at most [`MAX_POINTS`] points.
pub fn span(range: &TimeRange, now: i64, least: u64) -> Result<Span, TimeError> {
    let start = instant(&range.from, now)?;
    let end = instant(&range.to, now)?;
    if end <= start {
        return Err(TimeError(format!("{} to {}", range.from, range.to)));
    }
    let length = u64::try_from(end - start).unwrap_or(1);
    let step = length.div_ceil(MAX_POINTS).max(least).max(1);
    Ok(Span { start, end, step })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    #[test]
    fn relative_and_absolute_times_are_read_as_grafana_reads_them() {
        assert_eq!(instant("now", NOW), Ok(NOW));
        assert_eq!(instant("now-6h", NOW), Ok(NOW - 6 * 3600));
        assert_eq!(instant("now+5m", NOW), Ok(NOW + 300));
        assert_eq!(
            instant("now-1d/d", NOW),
            Ok((NOW - 86_400) / 86_400 * 86_400)
        );
        assert_eq!(instant("2026-11-27T06:00:00Z", NOW), Ok(1_795_759_200));
        assert_eq!(
            instant("2026-11-27T07:00:00.500+01:00", NOW),
            Ok(1_795_759_200)
        );
        assert_eq!(instant("1795759200000", NOW), Ok(1_795_759_200));
        for wrong in ["yesterday", "now-6", "now-6q", "2026-13-01T00:00:00Z", ""] {
            let error = instant(wrong, NOW).unwrap_err().to_string();
            assert!(error.contains(&format!("{wrong:?}")), "{error}");
        }
    }

    #[test]
    fn six_hours_run_at_fifteen_seconds_and_an_hour_at_the_scrape_interval() {
        let range = |from: &str| TimeRange {
            from: from.to_owned(),
            to: "now".to_owned(),
        };
        assert_eq!(span(&range("now-6h"), NOW, 15).unwrap().step, 15);
        assert_eq!(span(&range("now-1h"), NOW, 15).unwrap().step, 15);
        assert_eq!(span(&range("now-1h"), NOW, 1).unwrap().step, 3);
        assert_eq!(span(&range("now-7d"), NOW, 15).unwrap().step, 420);
        assert!(span(&range("now+1h"), NOW, 15).is_err());
    }
}
