//! Number <-> string conversions as ECMAScript specifies them (`Number::toString`,
//! `StringToNumber`).

/// `Number.prototype.toString()` in base 10: the shortest digits that round-trip, laid out by
/// the spec's rules (plain notation for exponents -7..21, else `1e+21` style).
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if n < 0.0 {
        return format!("-{}", number_to_string(-n));
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde-x".
    let sci = format!("{n:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let e: i32 = exp.parse().expect("exponent is an integer");
    let point = e + 1; // the spec's n: position of the decimal point
    if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let sign = if point > 0 { "+" } else { "-" };
        let exp = (point - 1).abs();
        if k == 1 {
            format!("{digits}e{sign}{exp}")
        } else {
            format!("{}.{}e{sign}{exp}", &digits[..1], &digits[1..])
        }
    }
}

pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// `StringToNumber`: surrounding whitespace ignored, empty is 0, `0x`/`0o`/`0b` prefixes,
/// `Infinity`, decimal literals; anything else is NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_whitespace);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            return rest.chars().fold(0f64, |acc, c| acc * radix as f64 + c.to_digit(radix).unwrap() as f64);
        }
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    // A StrDecimalLiteral: digits, optional fraction, optional exponent; Rust's parser accepts a
    // superset (e.g. "inf", "nan"), so check the shape first.
    let bytes = body.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return f64::NAN;
    }
    if matches!(bytes.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return f64::NAN;
        }
        i += exp_digits;
    }
    if i != bytes.len() {
        return f64::NAN;
    }
    sign * body.parse::<f64>().unwrap_or(f64::NAN)
}

/// `ToInt32`: modulo 2^32, as signed.
pub fn to_int32(n: f64) -> i32 {
    to_uint32(n) as i32
}

/// `ToUint32`: truncate, then modulo 2^32.
pub fn to_uint32(n: f64) -> u32 {
    // Nearly every number an addon reads as an integer is in range, where a cast (which
    // truncates toward zero) is the answer; the general route calls `trunc` and the software
    // `fmod` of `rem_euclid`, about 90 instructions (a napi-rs `addI32(1, 2)` reads two).
    // NaN fails both comparisons.
    if (0.0..4294967296.0).contains(&n) {
        return n as u32;
    }
    if n > -2147483649.0 && n < 0.0 {
        return n as i32 as u32;
    }
    if !n.is_finite() {
        return 0;
    }
    let t = n.trunc();
    let m = t.rem_euclid(4294967296.0);
    m as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting_follows_the_spec() {
        for (n, s) in [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123.456, "123.456"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(number_to_string(n), s, "{n}");
        }
    }

    #[test]
    fn string_parsing_follows_the_spec() {
        assert_eq!(string_to_number("  12  "), 12.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x1f"), 31.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(string_to_number(".5"), 0.5);
        assert_eq!(string_to_number("5."), 5.0);
        assert!(string_to_number("inf").is_nan());
        assert!(string_to_number("1e").is_nan());
        assert!(string_to_number("-0x10").is_nan());
        assert!(string_to_number("12px").is_nan());
    }

    #[test]
    fn int32_wraps_modulo_two_to_the_32() {
        assert_eq!(to_int32(4294967297.0), 1);
        assert_eq!(to_int32(2147483648.0), i32::MIN);
        assert_eq!(to_int32(-1.9), -1);
        assert_eq!(to_int32(f64::NAN), 0);
        assert_eq!(to_uint32(-1.0), u32::MAX);
    }

    /// The cast taken in range agrees with the spec's route (truncate, then modulo 2^32) at
    /// every edge of that range and across it.
    #[test]
    fn integers_in_range_convert_as_the_general_route_does() {
        let general = |n: f64| if n.is_finite() { n.trunc().rem_euclid(4294967296.0) as u32 } else { 0 };
        let edges = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            -1.5,
            2.5,
            2147483647.0,
            2147483647.5,
            2147483648.0,
            -2147483648.0,
            -2147483648.5,
            -2147483649.0,
            -2147483649.5,
            4294967295.0,
            4294967295.9,
            4294967296.0,
            4294967296.5,
            -4294967296.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let spread = (-3000..3000).map(|i| i as f64 * 1_431_655.765);
        for n in edges.into_iter().chain(spread) {
            assert_eq!(to_uint32(n), general(n), "{n}");
            assert_eq!(to_int32(n), general(n) as i32, "{n}");
        }
    }
}
