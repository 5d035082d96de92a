//! Comparing values as JavaScript does: `===` and `==`, `SameValue` and `SameValueZero`, and
//! `<` (`IsLessThan`, which `>`, `<=` and `>=` are made of). The built-ins and the script
//! evaluator share them.

use std::cmp::Ordering;

use num_traits::FromPrimitive;

use super::bigint::BigInt;
use super::typed_elements::string_to_bigint;
use super::value::Value;
use super::{JsResult, Runtime};

impl Runtime {
    /// `a === b`.
    pub fn strict_equals(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Number(x), Value::Number(y)) => x == y,
            (Value::String(x), Value::String(y)) => x == y,
            (Value::BigInt(x), Value::BigInt(y)) => x == y,
            (Value::Symbol(x), Value::Symbol(y)) | (Value::Object(x), Value::Object(y)) => x == y,
            _ => false,
        }
    }

    /// SameValue: NaN equals NaN and -0 differs from +0 (`Object.is`).
    pub fn same_value(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            _ => self.strict_equals(a, b),
        }
    }

    /// SameValueZero: `===` except that NaN equals NaN (`includes`, Map and Set keys).
    pub fn same_value_zero(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) if x.is_nan() && y.is_nan() => true,
            _ => self.strict_equals(a, b),
        }
    }

    /// `IsLooselyEqual`: `a == b`.
    pub fn loosely_equals(&self, a: &Value, b: &Value) -> JsResult<bool> {
        use Value::*;
        Ok(match (a, b) {
            (Undefined | Null, Undefined | Null) => true,
            (Undefined | Null, _) | (_, Undefined | Null) => false,
            (Number(_), String(_)) => self.strict_equals(a, &Number(self.to_number(b)?)),
            (String(_), Number(_)) => self.strict_equals(&Number(self.to_number(a)?), b),
            (BigInt(x), String(s)) | (String(s), BigInt(x)) => string_to_bigint(&s.to_rust_string()).is_some_and(|y| **x == y),
            (Bool(x), _) => self.loosely_equals(&Number(f64::from(u8::from(*x))), b)?,
            (_, Bool(y)) => self.loosely_equals(a, &Number(f64::from(u8::from(*y))))?,
            (Object(_), Object(_)) => self.strict_equals(a, b),
            (Object(_), _) => {
                let p = self.to_primitive(a, None)?;
                self.loosely_equals(&p, b)?
            }
            (_, Object(_)) => {
                let p = self.to_primitive(b, None)?;
                self.loosely_equals(a, &p)?
            }
            (BigInt(x), Number(n)) | (Number(n), BigInt(x)) => bigint_vs_number(x, *n) == Some(Ordering::Equal),
            _ => self.strict_equals(a, b),
        })
    }

    /// `IsLessThan(a, b, LeftFirst)`: whether `a < b`, `None` when the two do not compare (a
    /// NaN, or a string that is no BigInt against a BigInt; then `<`, `>`, `<=` and `>=` are all
    /// false). Both sides become primitives first (objects by `valueOf`/`toString`, hint
    /// "number"), in source order: `left_first` is false for `>` and `<=`, which evaluate as
    /// `b < a` but convert `a` first. Two strings then compare as strings (`[2] < [10]` is
    /// false, as `"2" < "10"` is).
    pub fn is_less_than(&self, a: &Value, b: &Value, left_first: bool) -> JsResult<Option<bool>> {
        let (pa, pb) = if left_first {
            let pa = self.to_primitive(a, Some("number"))?;
            (pa, self.to_primitive(b, Some("number"))?)
        } else {
            let pb = self.to_primitive(b, Some("number"))?;
            (self.to_primitive(a, Some("number"))?, pb)
        };
        let big_of = |s: &super::string::JsString| string_to_bigint(&s.to_rust_string());
        Ok(match (&pa, &pb) {
            (Value::String(x), Value::String(y)) => Some(x.to_utf16() < y.to_utf16()),
            (Value::BigInt(x), Value::String(s)) => big_of(s).map(|y| x.to_big() < y.to_big()),
            (Value::String(s), Value::BigInt(y)) => big_of(s).map(|x| x.to_big() < y.to_big()),
            _ => match (self.to_numeric(&pa)?, self.to_numeric(&pb)?) {
                (Value::Number(x), Value::Number(y)) => x.partial_cmp(&y).map(Ordering::is_lt),
                (Value::BigInt(x), Value::BigInt(y)) => Some(x.to_big() < y.to_big()),
                (Value::BigInt(x), Value::Number(n)) => bigint_vs_number(&x, n).map(Ordering::is_lt),
                (Value::Number(n), Value::BigInt(y)) => bigint_vs_number(&y, n).map(Ordering::is_gt),
                _ => None,
            },
        })
    }
}

/// How the BigInt `x` compares with the number `n`, exactly (`None` for NaN): a BigInt past 2^53
/// has no number of its own, so converting it would make `2n ** 64n + 1n == 2 ** 64` true.
fn bigint_vs_number(x: &BigInt, n: f64) -> Option<Ordering> {
    if n.is_nan() {
        return None;
    }
    if n.is_infinite() {
        return Some(if n > 0.0 { Ordering::Less } else { Ordering::Greater });
    }
    // A finite number's integral part converts exactly; its fraction decides a tie.
    let floor = n.floor();
    let whole = num_bigint::BigInt::from_f64(floor).expect("a finite number");
    Some(x.to_big().cmp(&whole).then(if n > floor { Ordering::Less } else { Ordering::Equal }))
}
