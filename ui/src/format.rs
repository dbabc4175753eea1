//! Numbers as the tables show them: cores, bytes in binary units, counts.

/// CPU cores: whole above ten, else to one decimal (`896`, `3.5`).
pub fn cores(cores: f64) -> String {
    if cores >= 10.0 || cores.fract() == 0.0 {
        format!("{cores:.0}")
    } else {
        format!("{cores:.1}")
    }
}

/// Bytes in the largest binary unit that keeps the number at least one (`6.0 TiB`, `512 MiB`).
pub fn bytes(bytes: f64) -> String {
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
    format!("{:.0}", count.max(0.0))
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
    }
}
