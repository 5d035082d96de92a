//! IEEE 754 binary16, the element type of `Float16Array`, `DataView.prototype.getFloat16` and
//! `Math.f16round`. Numbers round to it straight from binary64: going through `f32` first would
//! round twice and break ties that the single rounding keeps (2049 * 2^-11 + 2^-30 is one).

/// The bits of the binary16 nearest `x` (ties to even; past the largest finite value, ±Infinity;
/// NaN as the quiet NaN 0x7E00 with NaN's sign, as V8 stores it).
pub fn f64_to_f16_bits(x: f64) -> u16 {
    let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
    if x.is_nan() {
        return sign | 0x7E00;
    }
    let a = x.abs();
    // 65520 is halfway between 65504 (the largest, odd mantissa) and 2^16, so it and everything
    // above round up to Infinity.
    if a >= 65520.0 {
        return sign | 0x7C00;
    }
    // Below 2^-14 the values are subnormal: multiples of 2^-24. Scaling by a power of two is
    // exact, so one rounding of the scaled value is the rounding of `a`; 1024 carries into the
    // smallest normal exponent by itself.
    if a < f64::powi(2.0, -14) {
        return sign | (a * f64::powi(2.0, 24)).round_ties_even() as u16;
    }
    let exponent = ((a.to_bits() >> 52) & 0x7FF) as i32 - 1023;
    // 1024..=2048 including the implicit bit; 2048 carries into the next exponent when added.
    let mantissa = (a * f64::powi(2.0, 10 - exponent)).round_ties_even() as u16;
    sign | ((((exponent + 15) as u16) << 10) + (mantissa - 1024))
}

/// The number a binary16 holds (exact: every binary16 is a binary64).
pub fn f16_bits_to_f64(h: u16) -> f64 {
    let magnitude = match (h >> 10) & 0x1F {
        0 => f64::from(h & 0x3FF) * f64::powi(2.0, -24),
        0x1F if h & 0x3FF == 0 => f64::INFINITY,
        0x1F => f64::NAN,
        e => f64::from(0x400 | (h & 0x3FF)) * f64::powi(2.0, i32::from(e) - 25),
    };
    if h & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// `Math.f16round`: `x` rounded to the nearest binary16, as a number.
pub fn f16round(x: f64) -> f64 {
    f16_bits_to_f64(f64_to_f16_bits(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_as_node_24_does() {
        // node 24: Math.f16round(v) and the bits of new Float16Array([v]) for each v.
        let cases: &[(f64, u16, f64)] = &[
            (65504.0, 0x7BFF, 65504.0),
            (65519.99, 0x7BFF, 65504.0),
            (65520.0, 0x7C00, f64::INFINITY),
            (-65520.0, 0xFC00, f64::NEG_INFINITY),
            (f64::powi(2.0, -24), 0x0001, f64::powi(2.0, -24)),
            (f64::powi(2.0, -25), 0x0000, 0.0),
            (f64::powi(2.0, -25) + f64::powi(2.0, -60), 0x0001, f64::powi(2.0, -24)),
            (3.0 * f64::powi(2.0, -25), 0x0002, f64::powi(2.0, -23)),
            (f64::powi(2.0, -14) - f64::powi(2.0, -26), 0x0400, f64::powi(2.0, -14)),
            (0.1, 0x2E66, 0.0999755859375),
            (1.0 / 3.0, 0x3555, 0.333251953125),
            (-0.0, 0x8000, -0.0),
            (1.0 + f64::powi(2.0, -11), 0x3C00, 1.0),
            (1.0 + 3.0 * f64::powi(2.0, -11), 0x3C02, 1.001953125),
            (2049.0 * f64::powi(2.0, -11) + f64::powi(2.0, -30), 0x3C01, 1.0009765625),
            (f64::INFINITY, 0x7C00, f64::INFINITY),
        ];
        for &(x, bits, back) in cases {
            assert_eq!(f64_to_f16_bits(x), bits, "{x}");
            assert_eq!(f16round(x).to_bits(), back.to_bits(), "{x}");
        }
        assert_eq!(f64_to_f16_bits(f64::NAN), 0x7E00);
        assert_eq!(f64_to_f16_bits(-f64::NAN), 0xFE00);
        assert!(f16round(f64::NAN).is_nan());
    }

    #[test]
    fn every_binary16_survives_a_round_trip() {
        for h in 0..=u16::MAX {
            let x = f16_bits_to_f64(h);
            if x.is_nan() {
                continue;
            }
            assert_eq!(f64_to_f16_bits(x), h, "{h:#06x}");
        }
    }
}
