//! Numbers as the tables show them: cores, bytes in binary units, counts.

/// CPU cores: whole above ten, else to one decimal (`896`, `3.5`).
pub fn cores(cores: f64) -> String {
    // A sum of nothing is -0.0 in Rust; it shows as 0.
    let cores = cores + 0.0;
    if cores >= 10.0 || cores.fract() == 0.0 {
        format!("{cores:.0}")
    } else {
        format!("{cores:.1}")
    }
}

/// Bytes in the largest binary unit that keeps the number at least one (`6.0 TiB`, `512 MiB`).
pub fn bytes(bytes: f64) -> String {
    let bytes = bytes + 0.0;
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A count that arrives as a number: `58`.
pub fn count(count: f64) -> String {
    format!("{:.0}", count.max(0.0) + 0.0)
}

/// How long ago an RFC 3339 UTC time (`2026-11-26T12:33:12Z`) was, read as kubectl reads ages:
/// `45s`, `3m`, `5h`, `2d`; `None` when the time does not parse.
pub fn age(time: &str, now_seconds: i64) -> Option<String> {
    Some(duration((now_seconds - unix_seconds(time)?).max(0)))
}

/// When something was last seen, as a reader takes it in: the moment (`2026-11-26 22:30 UTC`)
/// and how long ago it was (`5m`).
pub fn last_seen(time: &str, now_seconds: i64) -> (String, String) {
    (moment(time), age(time, now_seconds).unwrap_or_default())
}

/// An RFC 3339 UTC time as a reader takes it in: `2026-11-26 22:30 UTC`.
fn moment(time: &str) -> String {
    match (time.get(0..10), time.get(11..16)) {
        (Some(day), Some(clock)) => format!("{day} {clock} UTC"),
        _ => time.to_owned(),
    }
}

/// A span of seconds as kubectl writes it: `45s`, `3m`, `5h`, `2d`.
pub fn duration(seconds: i64) -> String {
    match seconds.max(0) {
        seconds @ 0..120 => format!("{seconds}s"),
        seconds @ 120..7200 => format!("{}m", seconds / 60),
        seconds @ 7200..172_800 => format!("{}h", seconds / 3600),
        seconds => format!("{}d", seconds / 86_400),
    }
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.frac]Z`.
fn unix_seconds(time: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !time.ends_with('Z') || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_read_as_a_person_writes_them() {
        assert_eq!(cores(896.0), "896");
        assert_eq!(cores(3.5), "3.5");
        assert_eq!(cores(4.0), "4");
        assert_eq!(bytes(6.0 * 1024f64.powi(4)), "6.0 TiB");
        assert_eq!(bytes(512.0 * 1024f64.powi(2)), "512 MiB");
        assert_eq!(bytes(64.0 * 1024f64.powi(3)), "64.0 GiB");
        assert_eq!(bytes(100.0), "100 B");
        assert_eq!(count(58.0), "58");
        assert_eq!(count(-0.0), "0");
        assert_eq!(cores(-0.0), "0");
    }

    #[test]
    fn a_last_seen_moment_reads_as_a_time_and_an_age() {
        let now = 1_795_000_000; // 2026-11-18T11:06:40Z
        assert_eq!(
            last_seen("2026-11-18T11:01:40.123456Z", now),
            ("2026-11-18 11:01 UTC".to_owned(), "5m".to_owned())
        );
    }

    #[test]
    fn ages_read_as_kubectl_reads_them() {
        let now = unix_seconds("2026-11-26T12:00:00Z").unwrap();
        assert_eq!(now, 1_795_694_400);
        assert_eq!(age("2026-11-26T11:59:15Z", now).as_deref(), Some("45s"));
        assert_eq!(age("2026-11-26T11:57:00Z", now).as_deref(), Some("3m"));
        assert_eq!(age("2026-11-26T07:00:00.5Z", now).as_deref(), Some("5h"));
        assert_eq!(age("2026-11-20T12:00:00Z", now).as_deref(), Some("6d"));
        assert_eq!(age("not a time", now), None);
        // A Job's run time reads the same way.
        assert_eq!(duration(34), "34s");
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(-3), "0s");
    }
}
