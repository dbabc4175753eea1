//! Resource quantities (`500m`, `2`, `16Gi`, `1e3`) as the scheduler and quota admission count
//! them: in thousandths of the unit, so CPU millicores and whole bytes are both exact.

use serde_json::Value;

/// A quantity in thousandths of its unit (`500m` CPU is 500, `1Ki` is 1,024,000).
pub type Milli = i128;

/// Parses a quantity as Kubernetes writes it; `None` for anything else.
pub fn parse(text: &str) -> Option<Milli> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (number, exponent): (&str, i32) = match suffix {
        "" => (number, 0),
        "n" => (number, -9),
        "u" => (number, -6),
        "m" => (number, -3),
        "k" => (number, 3),
        "M" => (number, 6),
        "G" => (number, 9),
        "T" => (number, 12),
        "P" => (number, 15),
        "E" => (number, 18),
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let power = match suffix {
                "Ki" => 1,
                "Mi" => 2,
                "Gi" => 3,
                "Ti" => 4,
                "Pi" => 5,
                _ => 6,
            };
            let base = decimal_milli(number, 0)?;
            return base.checked_mul(1024_i128.checked_pow(power)?);
        }
        _ => {
            // Scientific notation: `1e3`, `5E-3`.
            let exponent: i32 = suffix.strip_prefix(['e', 'E'])?.parse().ok()?;
            (number, exponent)
        }
    };
    decimal_milli(number, exponent)
}

/// `number × 10^exponent × 1000`, rounded up as Kubernetes rounds sub-milli amounts.
fn decimal_milli(number: &str, exponent: i32) -> Option<Milli> {
    if number.is_empty() {
        return None;
    }
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    let scale = exponent + 3 - i32::try_from(fraction.len()).ok()?;
    let value = if scale >= 0 {
        mantissa.checked_mul(10_i128.checked_pow(scale.unsigned_abs())?)?
    } else {
        let divisor = 10_i128.checked_pow(scale.unsigned_abs())?;
        (mantissa + divisor - 1) / divisor
    };
    Some(if negative { -value } else { value })
}

/// A quantity from JSON: a string, or a bare number as some clients send.
pub fn from_json(value: &Value) -> Option<Milli> {
    match value {
        Value::String(text) => parse(text),
        Value::Number(number) => number.as_i64().map(|whole| Milli::from(whole) * 1000),
        _ => None,
    }
}

/// Writes an amount back as Kubernetes would show it: `2`, `500m`, `16Gi`.
pub fn format(amount: Milli) -> String {
    if amount % 1000 != 0 {
        return format!("{amount}m");
    }
    let whole = amount / 1000;
    for (suffix, power) in [
        ("Ei", 6),
        ("Pi", 5),
        ("Ti", 4),
        ("Gi", 3),
        ("Mi", 2),
        ("Ki", 1),
    ] {
        let unit = 1024_i128.pow(power);
        if whole != 0 && whole % unit == 0 {
            return format!("{}{suffix}", whole / unit);
        }
    }
    whole.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_in_every_notation_kubernetes_writes() {
        assert_eq!(parse("500m"), Some(500));
        assert_eq!(parse("2"), Some(2000));
        assert_eq!(parse("0.5"), Some(500));
        assert_eq!(parse("1Ki"), Some(1_024_000));
        assert_eq!(parse("16Gi"), Some(16 * 1024 * 1024 * 1024 * 1000));
        assert_eq!(parse("1G"), Some(1_000_000_000_000));
        assert_eq!(parse("1e3"), Some(1_000_000));
        assert_eq!(parse("100n"), Some(1), "sub-milli amounts round up");
        for bad in ["", "abc", "1Q", "Gi", "1.2.3", "--1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn amounts_are_written_back_in_their_shortest_exact_form() {
        assert_eq!(format(500), "500m");
        assert_eq!(format(4000), "4");
        assert_eq!(format(parse("16Gi").unwrap()), "16Gi");
        assert_eq!(format(parse("1500Mi").unwrap()), "1500Mi");
    }
}
