//! `Number`, its constants and statics, `Number.prototype` (`toString(radix)`, `toFixed`,
//! `toExponential`, `toPrecision`), and the global `parseInt`, `parseFloat`, `isNaN` and
//! `isFinite` (the same function objects as `Number.parseInt` and `Number.parseFloat`).
//!
//! Decimal digits come from Rust's formatter, which is exact: `{:.N}` of a double prints its
//! exact binary value's digits, so rounding them here half away from zero gives what V8's exact
//! bignum conversions give (Rust's own rounding of a tie is half to even: `0.5.toFixed(0)` must
//! be "1", not "0").

use super::super::number::{is_js_whitespace, number_to_string};
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, class_of, to_integer};

pub fn install(b: &mut Builder, realm: &Realm) {
    let number = b.constructor(realm.global, "Number", 1, number_ctor, realm.number_prototype);
    let constant = |b: &mut Builder, target: ObjectId, name: &str, v: f64| {
        let p = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Number(v)) };
        b.heap.put(target, PropertyKey::name(name), p);
    };
    constant(b, number, "EPSILON", f64::EPSILON);
    constant(b, number, "MAX_SAFE_INTEGER", 9007199254740991.0);
    constant(b, number, "MIN_SAFE_INTEGER", -9007199254740991.0);
    constant(b, number, "MAX_VALUE", f64::MAX);
    constant(b, number, "MIN_VALUE", 5e-324);
    constant(b, number, "NaN", f64::NAN);
    constant(b, number, "NEGATIVE_INFINITY", f64::NEG_INFINITY);
    constant(b, number, "POSITIVE_INFINITY", f64::INFINITY);
    b.method(number, "isFinite", 1, number_is_finite);
    b.method(number, "isInteger", 1, number_is_integer);
    b.method(number, "isNaN", 1, number_is_nan);
    b.method(number, "isSafeInteger", 1, number_is_safe_integer);
    let parse_float = b.method(realm.global, "parseFloat", 1, parse_float);
    let parse_int = b.method(realm.global, "parseInt", 2, parse_int);
    b.value(number, "parseFloat", Value::Object(parse_float));
    b.value(number, "parseInt", Value::Object(parse_int));
    b.method(realm.global, "isNaN", 1, global_is_nan);
    b.method(realm.global, "isFinite", 1, global_is_finite);
    let g = realm.global;
    constant(b, g, "NaN", f64::NAN);
    constant(b, g, "Infinity", f64::INFINITY);
    let undefined = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Undefined) };
    b.heap.put(g, PropertyKey::name("undefined"), undefined);
    let p = realm.number_prototype;
    b.method(p, "toString", 1, to_string);
    b.method(p, "toLocaleString", 0, to_locale_string);
    b.method(p, "valueOf", 0, value_of);
    b.method(p, "toFixed", 1, to_fixed);
    b.method(p, "toExponential", 1, to_exponential);
    b.method(p, "toPrecision", 1, to_precision);
}

fn number_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let n = match args.first() {
        None => 0.0,
        Some(v) => match rt.to_numeric(v)? {
            Value::BigInt(b) => b.to_f64(),
            Value::Number(n) => n,
            _ => unreachable!("to_numeric answers numbers and BigInts"),
        },
    };
    match nt {
        None => Ok(Value::Number(n)),
        Some(nt) => {
            let id = rt.to_object(&Value::Number(n)).expect("numbers box");
            adopt_prototype(rt, id, nt)?;
            Ok(Value::Object(id))
        }
    }
}

/// The number `this` is (a number or a Number wrapper), or V8's TypeError for `method`.
fn this_number(rt: &Runtime, this: &Value, method: &str) -> JsResult<f64> {
    match this {
        Value::Number(n) => Ok(*n),
        Value::Object(id) => match class_of(rt, &Value::Object(*id)).as_ref() {
            Some(ObjectClass::Primitive(Value::Number(n))) => Ok(*n),
            _ => Err(rt.type_error(format!("Number.prototype.{method} requires that 'this' be a Number"))),
        },
        _ => Err(rt.type_error(format!("Number.prototype.{method} requires that 'this' be a Number"))),
    }
}

fn value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_number(rt, &this, "valueOf").map(Value::Number)
}

fn to_locale_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let n = this_number(rt, &this, "toLocaleString")?;
    Ok(Value::String(locale_format(n).into()))
}

/// en-US grouping with at most three fraction digits, as `Intl.NumberFormat` formats by default.
pub fn locale_format(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 && n.is_sign_negative() {
        return "-0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let fixed = fixed_digits(n.abs(), 3);
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if n < 0.0 && (int != "0" || !frac.is_empty()) { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// V8's `DoubleToRadixCString`: fraction digits only as far as the double's precision, rounded
/// to even, integer digits past 2^53 as zeros.
pub fn to_radix_string(value: f64, radix: u32) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if value == 0.0 {
        return "0".into();
    }
    let radix_f = radix as f64;
    let negative = value < 0.0;
    let value = value.abs();
    let mut integer = value.floor();
    let mut fraction = value - integer;
    let next_up = f64::from_bits(value.to_bits() + 1);
    let mut delta = (0.5 * (next_up - value)).max(f64::from_bits(1));
    let mut frac_digits: Vec<u8> = Vec::new();
    if fraction >= delta {
        loop {
            fraction *= radix_f;
            delta *= radix_f;
            let digit = fraction as usize;
            frac_digits.push(DIGITS[digit]);
            fraction -= digit as f64;
            if (fraction > 0.5 || (fraction == 0.5 && digit & 1 == 1)) && fraction + delta > 1.0 {
                // Round up, carrying through the digits already written.
                loop {
                    match frac_digits.pop() {
                        None => {
                            integer += 1.0;
                            break;
                        }
                        Some(c) => {
                            let d = (c as char).to_digit(36).expect("a digit") as usize;
                            if d + 1 < radix as usize {
                                frac_digits.push(DIGITS[d + 1]);
                                break;
                            }
                        }
                    }
                }
                break;
            }
            if fraction < delta {
                break;
            }
        }
    }
    let exponent = |x: f64| -> i64 {
        let bits = x.to_bits();
        ((bits >> 52) & 0x7ff) as i64 - 0x3ff - 52
    };
    let mut int_digits: Vec<u8> = Vec::new();
    while exponent(integer / radix_f) > 0 {
        integer /= radix_f;
        int_digits.push(b'0');
    }
    loop {
        let remainder = integer % radix_f;
        int_digits.push(DIGITS[remainder as usize]);
        integer = (integer - remainder) / radix_f;
        if integer <= 0.0 {
            break;
        }
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.extend(int_digits.iter().rev().map(|&b| b as char));
    if !frac_digits.is_empty() {
        out.push('.');
        out.extend(frac_digits.iter().map(|&b| b as char));
    }
    out
}

fn to_string(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let n = this_number(rt, &this, "toString")?;
    let radix = match arg(args, 0) {
        Value::Undefined => 10.0,
        v => to_integer(rt, &v)?,
    };
    if !(2.0..=36.0).contains(&radix) {
        return Err(rt.range_error("toString() radix argument must be between 2 and 36".into()));
    }
    Ok(Value::String(if radix == 10.0 { number_to_string(n) } else { to_radix_string(n, radix as u32) }.into()))
}

/// Rounds the decimal digit string `digits` (no point) to `keep` digits, half away from zero;
/// answers the digits and whether a carry added a digit in front.
fn round_digits(digits: &str, keep: usize) -> (String, bool) {
    if digits.len() <= keep {
        return (format!("{digits:0<keep$}"), false);
    }
    let mut kept: Vec<u8> = digits.as_bytes()[..keep].to_vec();
    if digits.as_bytes()[keep] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                return (String::from_utf8(kept).expect("ascii"), true);
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    (String::from_utf8(kept).expect("ascii"), false)
}

/// `x` (finite, >= 0) with `f` fraction digits, rounded half up from its exact value.
fn fixed_digits(x: f64, f: usize) -> String {
    // The exact expansion of a double has at most 1074 fraction digits.
    let exact = format!("{x:.1100}");
    let (int, frac) = exact.split_once('.').expect("a point");
    let all = format!("{int}{frac}");
    let (rounded, carried) = round_digits(&all, int.len() + f);
    let int_len = int.len() + carried as usize;
    let (i, fr) = rounded.split_at(int_len);
    let i = i.trim_start_matches('0');
    let i = if i.is_empty() { "0" } else { i };
    if f == 0 {
        i.to_string()
    } else {
        format!("{i}.{fr}")
    }
}

fn to_fixed(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let n = this_number(rt, &this, "toFixed")?;
    let f = to_integer(rt, &arg(args, 0))?;
    if !(0.0..=100.0).contains(&f) {
        return Err(rt.range_error("toFixed() digits argument must be between 0 and 100".into()));
    }
    if !n.is_finite() || n.abs() >= 1e21 {
        return Ok(Value::String(number_to_string(n).into()));
    }
    let s = fixed_digits(n.abs(), f as usize);
    // A negative number keeps its sign even when it rounds to zero (`(-0.4).toFixed(0)` is
    // "-0"), but -0 itself prints "0".
    let negative = n < 0.0;
    Ok(Value::String(if negative { format!("-{s}") } else { s }.into()))
}

/// The first `p` significant digits of `x` (finite, > 0), rounded half up, and the decimal
/// exponent of the first.
fn significant_digits(x: f64, p: usize) -> (String, i32) {
    let exact = format!("{x:.1100e}");
    let (mantissa, exp) = exact.split_once('e').expect("an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut e: i32 = exp.parse().expect("an integer exponent");
    let (rounded, carried) = round_digits(digits, p);
    if carried {
        e += 1;
    }
    (rounded[..p].to_string(), e)
}

/// The shortest digits that round-trip, and the exponent of the first (what `toString` and
/// `toExponential()` without an argument use).
fn shortest_digits(x: f64) -> (String, i32) {
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("an exponent");
    (mantissa.chars().filter(|c| *c != '.').collect(), exp.parse().expect("an integer exponent"))
}

fn exponential(digits: &str, e: i32) -> String {
    let (first, rest) = digits.split_at(1);
    let sign = if e < 0 { "-" } else { "+" };
    if rest.is_empty() {
        format!("{first}e{sign}{}", e.abs())
    } else {
        format!("{first}.{rest}e{sign}{}", e.abs())
    }
}

fn to_exponential(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let n = this_number(rt, &this, "toExponential")?;
    let fraction = arg(args, 0);
    let f = to_integer(rt, &fraction)?;
    if !n.is_finite() {
        return Ok(Value::String(number_to_string(n).into()));
    }
    if !(0.0..=100.0).contains(&f) {
        return Err(rt.range_error("toExponential() argument must be between 0 and 100".into()));
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let x = n.abs();
    let body = if x == 0.0 {
        let zeros = if matches!(fraction, Value::Undefined) { 0 } else { f as usize };
        exponential(&"0".repeat(zeros + 1), 0)
    } else if matches!(fraction, Value::Undefined) {
        let (d, e) = shortest_digits(x);
        exponential(&d, e)
    } else {
        let (d, e) = significant_digits(x, f as usize + 1);
        exponential(&d, e)
    };
    Ok(Value::String(format!("{sign}{body}").into()))
}

fn to_precision(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let n = this_number(rt, &this, "toPrecision")?;
    let precision = arg(args, 0);
    if matches!(precision, Value::Undefined) {
        return Ok(Value::String(number_to_string(n).into()));
    }
    let p = to_integer(rt, &precision)?;
    if !n.is_finite() {
        return Ok(Value::String(number_to_string(n).into()));
    }
    if !(1.0..=100.0).contains(&p) {
        return Err(rt.range_error("toPrecision() argument must be between 1 and 100".into()));
    }
    let p = p as usize;
    let sign = if n < 0.0 { "-" } else { "" };
    let x = n.abs();
    let (digits, e) = if x == 0.0 { ("0".repeat(p), 0) } else { significant_digits(x, p) };
    let body = if e < -6 || e >= p as i32 {
        exponential(&digits, e)
    } else if e >= 0 {
        let (int, frac) = digits.split_at(e as usize + 1);
        if frac.is_empty() {
            int.to_string()
        } else {
            format!("{int}.{frac}")
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-e - 1) as usize))
    };
    Ok(Value::String(format!("{sign}{body}").into()))
}

fn number_is_finite(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::Number(n) if n.is_finite())))
}

fn number_is_integer(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::Number(n) if n.is_finite() && n.trunc() == n)))
}

fn number_is_nan(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::Number(n) if n.is_nan())))
}

fn number_is_safe_integer(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::Number(n) if n.is_finite() && n.trunc() == n && n.abs() <= 9007199254740991.0)))
}

fn global_is_nan(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(rt.to_number(&arg(args, 0))?.is_nan()))
}

fn global_is_finite(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(rt.to_number(&arg(args, 0))?.is_finite()))
}

/// `parseFloat`: the longest prefix that is a decimal literal (or `Infinity`).
fn parse_float(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = rt.to_string(&arg(args, 0))?.to_rust_string();
    let t = s.trim_start_matches(is_js_whitespace);
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    if t[i..].starts_with("Infinity") {
        return Ok(Value::Number(if b.first() == Some(&b'-') { f64::NEG_INFINITY } else { f64::INFINITY }));
    }
    let digits_from = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let int_end = digits_from(i);
    let mut end = int_end;
    let mut any = int_end > i;
    if b.get(end) == Some(&b'.') {
        let frac_end = digits_from(end + 1);
        if frac_end > end + 1 || any {
            any = any || frac_end > end + 1;
            end = frac_end;
        }
    }
    if !any {
        return Ok(Value::Number(f64::NAN));
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut j = end + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_end = digits_from(j);
        if exp_end > j {
            end = exp_end;
        }
    }
    let text = t[..end].trim_end_matches('.');
    Ok(Value::Number(text.parse::<f64>().unwrap_or(f64::NAN)))
}

/// `parseInt(string, radix)`.
fn parse_int(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = rt.to_string(&arg(args, 0))?.to_rust_string();
    let mut radix = super::super::number::to_int32(rt.to_number(&arg(args, 1))?);
    let t = s.trim_start_matches(is_js_whitespace);
    let (negative, mut t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut strip_prefix = true;
    if radix != 0 {
        if !(2..=36).contains(&radix) {
            return Ok(Value::Number(f64::NAN));
        }
        if radix != 16 {
            strip_prefix = false;
        }
    } else {
        radix = 10;
    }
    if strip_prefix && (t.starts_with("0x") || t.starts_with("0X")) {
        t = &t[2..];
        radix = 16;
    }
    let digits: &str = &t[..t.find(|c: char| !c.is_digit(radix as u32)).unwrap_or(t.len())];
    if digits.is_empty() {
        return Ok(Value::Number(f64::NAN));
    }
    let n = if radix == 10 {
        // Decimal digits are converted exactly (correctly rounded), as the spec allows and V8 does.
        digits.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        digits.chars().fold(0f64, |acc, c| acc * radix as f64 + c.to_digit(radix as u32).expect("a digit") as f64)
    };
    Ok(Value::Number(if negative { -n } else { n }))
}
