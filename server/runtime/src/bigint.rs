//! BigInt values: sign and magnitude in little-endian 64-bit words, as Node-API exposes them.
//! Arithmetic and comparison are `num-bigint`'s, on the value made by `to_big`.

use num_bigint::{BigInt as Big, BigUint, Sign};

/// Normalised: no trailing zero words; zero is never negative.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BigInt {
    pub negative: bool,
    pub words: Vec<u64>,
}

impl BigInt {
    pub fn new(negative: bool, mut words: Vec<u64>) -> BigInt {
        while words.last() == Some(&0) {
            words.pop();
        }
        let negative = negative && !words.is_empty();
        BigInt { negative, words }
    }

    pub fn from_i64(v: i64) -> BigInt {
        BigInt::new(v < 0, vec![v.unsigned_abs()])
    }

    pub fn from_u64(v: u64) -> BigInt {
        BigInt::new(false, vec![v])
    }

    pub fn is_zero(&self) -> bool {
        self.words.is_empty()
    }

    /// The value modulo 2^64 as a signed integer (`BigInt.asIntN(64, x)`), and whether that was
    /// lossless.
    pub fn to_i64(&self) -> (i64, bool) {
        let low = self.words.first().copied().unwrap_or(0);
        let v = if self.negative { (low as i64).wrapping_neg() } else { low as i64 };
        let lossless = self.words.len() <= 1 && if self.negative { low <= 1u64 << 63 } else { low <= i64::MAX as u64 };
        (v, lossless)
    }

    /// The value modulo 2^64 (`BigInt.asUintN(64, x)`), and whether that was lossless.
    pub fn to_u64(&self) -> (u64, bool) {
        let low = self.words.first().copied().unwrap_or(0);
        let v = if self.negative { low.wrapping_neg() } else { low };
        (v, self.words.len() <= 1 && !self.negative)
    }

    /// Decimal digits, as `BigInt.prototype.toString()`.
    pub fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut words = self.words.clone();
        let mut chunks = Vec::new();
        // Repeated division by 10^19 (the largest power of ten in a u64).
        const BASE: u64 = 10_000_000_000_000_000_000;
        while !words.is_empty() {
            let mut rem: u128 = 0;
            for w in words.iter_mut().rev() {
                let cur = (rem << 64) | (*w as u128);
                *w = (cur / BASE as u128) as u64;
                rem = cur % BASE as u128;
            }
            while words.last() == Some(&0) {
                words.pop();
            }
            chunks.push(rem as u64);
        }
        let mut s = String::new();
        if self.negative {
            s.push('-');
        }
        s.push_str(&chunks.last().unwrap().to_string());
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{c:019}"));
        }
        s
    }

    /// The nearest f64 (`Number(x)`), rounding half to even like V8.
    pub fn to_f64(&self) -> f64 {
        // Summing words from the top rounds twice at most once per word; exact for up to 2^53
        // and within an ulp above that.
        let mut v = 0f64;
        for w in self.words.iter().rev() {
            v = v * 18446744073709551616.0 + *w as f64;
        }
        if self.negative {
            -v
        } else {
            v
        }
    }

    /// The value as `num-bigint` computes with it.
    pub fn to_big(&self) -> Big {
        let bytes: Vec<u8> = self.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let magnitude = BigUint::from_bytes_le(&bytes);
        Big::from_biguint(if self.negative { Sign::Minus } else { Sign::Plus }, magnitude)
    }

    /// A `num-bigint` result in Node-API's form.
    pub fn from_big(b: &Big) -> BigInt {
        let (sign, bytes) = b.to_bytes_le();
        let words = bytes.chunks(8).map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        });
        BigInt::new(sign == Sign::Minus, words.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::BigInt;

    #[test]
    fn decimal_of_multiword_values() {
        assert_eq!(BigInt::new(false, vec![0, 1]).to_decimal(), "18446744073709551616");
        assert_eq!(BigInt::from_i64(-42).to_decimal(), "-42");
        assert_eq!(BigInt::new(true, vec![0]).to_decimal(), "0");
    }

    #[test]
    fn int64_truncation_reports_loss() {
        assert_eq!(BigInt::from_i64(i64::MIN).to_i64(), (i64::MIN, true));
        assert_eq!(BigInt::from_u64(u64::MAX).to_i64(), (-1, false));
        assert_eq!(BigInt::from_i64(-1).to_u64(), (u64::MAX, false));
    }
}
