//! Comparing values as JavaScript does: `===` and `==`, `SameValue` and `SameValueZero`, and
//! `<` (`IsLessThan`, which `>`, `<=` and `>=` are made of). The built-ins and the script
//! evaluator share them.

use num_traits::ToPrimitive;

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
            (BigInt(x), String(s)) | (String(s), BigInt(x)) => match self.to_bigint(&String(s.clone())) {
                Ok(y) => **x == *y,
                Err(_) => false,
            },
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
            (BigInt(x), Number(n)) | (Number(n), BigInt(x)) => n.is_finite() && n.trunc() == *n && x.to_big().to_f64() == Some(*n),
            _ => self.strict_equals(a, b),
        })
    }

    /// `IsLessThan(a, b)`: whether `a < b`, `None` when either side is NaN (then `<`, `>`, `<=`
    /// and `>=` are all false).
    pub fn is_less_than(&self, a: &Value, b: &Value) -> JsResult<Option<bool>> {
        if let (Value::String(x), Value::String(y)) = (a, b) {
            return Ok(Some(x.to_utf16() < y.to_utf16()));
        }
        let (x, y) = (self.to_numeric(a)?, self.to_numeric(b)?);
        Ok(match (&x, &y) {
            (Value::Number(x), Value::Number(y)) => {
                if x.is_nan() || y.is_nan() {
                    None
                } else {
                    Some(x < y)
                }
            }
            (Value::BigInt(x), Value::BigInt(y)) => Some(x.to_big() < y.to_big()),
            (Value::BigInt(x), Value::Number(n)) => {
                if n.is_nan() {
                    None
                } else {
                    Some(x.to_big().to_f64().unwrap_or(0.0) < *n)
                }
            }
            (Value::Number(n), Value::BigInt(y)) => {
                if n.is_nan() {
                    None
                } else {
                    Some(*n < y.to_big().to_f64().unwrap_or(0.0))
                }
            }
            _ => None,
        })
    }
}
