//! `BigInt` (conversion from numbers and strings), `BigInt.asIntN`, `BigInt.asUintN` and
//! `BigInt.prototype` (`toString(radix)`, `toLocaleString`, `valueOf`). Arithmetic is
//! `num-bigint`'s; the host's own BigInt keeps Node-API's sign-and-words form.

use std::rc::Rc;

use num_bigint::{BigInt as Big, Sign};
use num_traits::{One, Zero};

use super::super::bigint::BigInt;
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of, to_integer};
use super::define::to_string_tag;

pub fn install(b: &mut Builder, realm: &Realm) {
    let bigint = b.constructor(realm.global, "BigInt", 1, bigint_ctor, realm.bigint_prototype);
    b.method(bigint, "asIntN", 2, as_int_n);
    b.method(bigint, "asUintN", 2, as_uint_n);
    let p = realm.bigint_prototype;
    b.method(p, "toString", 0, to_string);
    b.method(p, "toLocaleString", 0, to_locale_string);
    b.method(p, "valueOf", 0, value_of);
    to_string_tag(b, realm, p, "BigInt");
}

fn bigint_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    if nt.is_some() {
        return Err(rt.type_error("BigInt is not a constructor".into()));
    }
    let prim = rt.to_primitive(&arg(args, 0), Some("number"))?;
    match prim {
        Value::Number(n) => {
            if !n.is_finite() || n.trunc() != n {
                let shown = rt.to_string(&Value::Number(n))?;
                return Err(rt.range_error(format!("The number {shown} cannot be converted to a BigInt because it is not an integer")));
            }
            let big = num_bigint::BigInt::from(n as i128);
            let exact = if n.abs() < 1e38 { big } else { f64_to_big(n) };
            Ok(Value::BigInt(Rc::new(BigInt::from_big(&exact))))
        }
        other => Ok(Value::BigInt(rt.to_bigint(&other)?)),
    }
}

/// The exact integer value of a large finite double.
fn f64_to_big(n: f64) -> Big {
    let bits = n.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let mut b = Big::from(mantissa);
    if exponent > 0 {
        b <<= exponent as usize;
    } else {
        b >>= (-exponent) as usize;
    }
    if n < 0.0 {
        -b
    } else {
        b
    }
}

/// `ToIndex(bits)` for asIntN/asUintN.
fn bits_arg(rt: &Runtime, v: &Value) -> JsResult<u64> {
    let n = to_integer(rt, v)?;
    if !(0.0..=9007199254740991.0).contains(&n) {
        return Err(rt.range_error("Invalid value: not (convertible to) a safe integer".into()));
    }
    Ok(n as u64)
}

fn as_n(rt: &Runtime, args: &[Value], signed: bool) -> JsResult<Value> {
    let bits = bits_arg(rt, &arg(args, 0))?;
    let b = rt.to_bigint(&arg(args, 1))?.to_big();
    if bits == 0 {
        return Ok(Value::BigInt(Rc::new(BigInt::new(false, Vec::new()))));
    }
    if bits > 1 << 30 {
        return Err(rt.range_error("Maximum BigInt size exceeded".into()));
    }
    let modulus = Big::one() << bits as usize;
    let mut m = ((b % &modulus) + &modulus) % &modulus;
    if signed && m >= (Big::one() << (bits as usize - 1)) {
        m -= &modulus;
    }
    Ok(Value::BigInt(Rc::new(BigInt::from_big(&m))))
}

fn as_int_n(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    as_n(rt, args, true)
}

fn as_uint_n(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    as_n(rt, args, false)
}

fn this_bigint(rt: &Runtime, this: &Value, method: &str) -> JsResult<Rc<BigInt>> {
    match this {
        Value::BigInt(b) => Ok(b.clone()),
        Value::Object(id) => match class_of(rt, &Value::Object(*id)).as_ref() {
            Some(ObjectClass::Primitive(Value::BigInt(b))) => Ok(b.clone()),
            _ => Err(rt.type_error(format!("BigInt.prototype.{method} requires that 'this' be a BigInt"))),
        },
        _ => Err(rt.type_error(format!("BigInt.prototype.{method} requires that 'this' be a BigInt"))),
    }
}

fn to_string(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let b = this_bigint(rt, &this, "toString")?;
    let radix = match arg(args, 0) {
        Value::Undefined => 10.0,
        v => to_integer(rt, &v)?,
    };
    if !(2.0..=36.0).contains(&radix) {
        return Err(rt.range_error("toString() radix argument must be between 2 and 36".into()));
    }
    Ok(Value::String(b.to_big().to_str_radix(radix as u32).into()))
}

fn to_locale_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let b = this_bigint(rt, &this, "toLocaleString")?.to_big();
    let digits = b.magnitude().to_str_radix(10);
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if b.sign() == Sign::Minus && !b.is_zero() { "-" } else { "" };
    Ok(Value::String(format!("{sign}{grouped}").into()))
}

fn value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::BigInt(this_bigint(rt, &this, "valueOf")?))
}
