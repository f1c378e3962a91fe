//! Amounts between UI units ("1.5") and base units (1_500_000 with 6 decimals).

use crate::error::{Result, TesseraError};

/// Parses a non-negative decimal amount with at most `decimals` fractional digits into base
/// units. Refuses signs, exponents, empty parts, too many decimals and overflow, naming the value.
pub fn parse_ui_amount(s: &str, decimals: u8) -> Result<u64> {
    let bad = |why: &str| TesseraError::Invalid(format!("invalid amount `{s}`: {why}"));
    let t = s.trim();
    if t.starts_with('-') {
        return Err(bad("must not be negative"));
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(bad("expected a number like 1.5"));
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("expected digits and at most one decimal point, like 1.5"));
    }
    if frac.len() > usize::from(decimals) {
        return Err(bad(&format!("the mint has {decimals} decimals; too precise")));
    }
    // All digits from here on: the value is the digits with the fraction padded to the mint's
    // decimals (no power of ten is computed, so any decimals up to 255 work); leading zeros
    // dropped, anything past u64 is refused.
    let digits = format!("{int}{frac}{}", "0".repeat(usize::from(decimals) - frac.len()));
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse::<u64>().map_err(|_| bad("too large for a u64 amount"))
}

/// Formats base units with the mint's decimals, trailing zeros trimmed ("1.5", "2", "0.000001").
pub fn format_ui_amount(amount: u64, decimals: u8) -> String {
    let d = usize::from(decimals);
    let digits = format!("{amount:0>width$}", width = d + 1);
    let (int, frac) = digits.split_at(digits.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ui_amounts() {
        assert_eq!(parse_ui_amount("1.5", 6).unwrap(), 1_500_000);
        assert_eq!(parse_ui_amount("2", 6).unwrap(), 2_000_000);
        assert_eq!(parse_ui_amount("0.000001", 6).unwrap(), 1);
        assert_eq!(parse_ui_amount(".5", 1).unwrap(), 5);
        assert_eq!(parse_ui_amount("7", 0).unwrap(), 7);
        assert_eq!(parse_ui_amount("18446744073709.551615", 6).unwrap(), u64::MAX);
    }

    #[test]
    fn refuses_bad_amounts_naming_the_value() {
        for (s, d, why) in [
            ("-1", 6, "negative"),
            ("1.0000001", 6, "too precise"),
            ("1.5", 0, "too precise"),
            ("abc", 6, "digits"),
            ("1e6", 6, "digits"),
            ("", 6, "number"),
            (".", 6, "number"),
            ("1.2.3", 6, "digits"),
            ("18446744073709.551616", 6, "too large"),
        ] {
            let e = parse_ui_amount(s, d).unwrap_err().to_string();
            assert!(e.contains(&format!("`{s}`")) && e.contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn formats_ui_amounts() {
        assert_eq!(format_ui_amount(1_500_000, 6), "1.5");
        assert_eq!(format_ui_amount(2_000_000, 6), "2");
        assert_eq!(format_ui_amount(1, 6), "0.000001");
        assert_eq!(format_ui_amount(42, 0), "42");
        for v in [0u64, 1, 999_999, 1_000_000, 123_456_789, u64::MAX] {
            assert_eq!(parse_ui_amount(&format_ui_amount(v, 6), 6).unwrap(), v);
        }
    }
}
