//! The prototypes of primitive wrappers (`Boolean`, `Number`, `String`, `BigInt`) and `Date`.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime};

pub fn install(b: &mut Builder, realm: &Realm) {
    for proto in [realm.boolean_prototype, realm.number_prototype, realm.string_prototype, realm.bigint_prototype, realm.date_prototype] {
        b.method(proto, "valueOf", 0, primitive_value_of);
        b.method(proto, "toString", 0, primitive_to_string);
    }
    b.method(realm.number_prototype, "toFixed", 1, number_to_fixed);
    // tree-sitter's binding keeps `"".slice` at init to cut the strings its input callback returns.
    b.method(realm.string_prototype, "slice", 2, string_slice);
    b.constructor(realm.global, "Boolean", 1, boolean_ctor, realm.boolean_prototype);
    b.constructor(realm.global, "Number", 1, number_ctor, realm.number_prototype);
    b.constructor(realm.global, "String", 1, string_ctor, realm.string_prototype);
}

/// The primitive a wrapper (or a primitive `this`) holds.
fn this_primitive(rt: &Runtime, this: &Value) -> JsResult<Value> {
    match this {
        Value::Object(id) => match rt.heap.borrow().get(*id).map(|o| o.class.clone()) {
            Some(ObjectClass::Primitive(v)) => Ok(v),
            Some(ObjectClass::Date(t)) => Ok(Value::Number(t)),
            _ => Err(rt.type_error("valueOf called on an incompatible receiver".into())),
        },
        other => Ok(other.clone()),
    }
}

fn primitive_value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_primitive(rt, &this)
}

fn primitive_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = this_primitive(rt, &this)?;
    Ok(Value::String(rt.to_string(&v)?))
}

fn boolean_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let v = Value::Bool(rt.to_boolean(&super::arg(args, 0)));
    wrap_if_new(rt, v, nt)
}

fn number_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let v = match args.first() {
        None => Value::Number(0.0),
        Some(Value::BigInt(b)) => Value::Number(b.to_f64()),
        Some(v) => Value::Number(rt.to_number(v)?),
    };
    wrap_if_new(rt, v, nt)
}

fn string_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let v = match args.first() {
        None => Value::str(""),
        Some(Value::Symbol(s)) if nt.is_none() => {
            let d = rt.symbol_description(*s).map(|d| d.to_rust_string()).unwrap_or_default();
            Value::String(format!("Symbol({d})").into())
        }
        Some(v) => Value::String(rt.to_string(v)?),
    };
    wrap_if_new(rt, v, nt)
}

fn wrap_if_new(rt: &Runtime, v: Value, new_target: Option<ObjectId>) -> JsResult<Value> {
    Ok(match new_target {
        Some(_) => Value::Object(rt.to_object(&v).expect("primitives wrap")),
        None => v,
    })
}

/// `String.prototype.slice(start, end)`, in UTF-16 code units; negative indices count from the
/// end (ECMA-262 22.1.3.22).
fn string_slice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if matches!(this, Value::Undefined | Value::Null) {
        return Err(rt.type_error("String.prototype.slice called on null or undefined".into()));
    }
    let units = rt.to_string(&this)?.to_utf16();
    let len = units.len() as f64;
    let index = |v: Option<&Value>, default: f64| -> JsResult<usize> {
        let n = match v {
            None | Some(Value::Undefined) => default,
            Some(v) => rt.to_number(v)?,
        };
        // ToIntegerOrInfinity (NaN is 0), then relative to the end when negative.
        let n = if n.is_nan() { 0.0 } else { n.trunc() };
        let n = if n < 0.0 { (len + n).max(0.0) } else { n.min(len) };
        Ok(n as usize)
    };
    let from = index(args.first(), 0.0)?;
    let to = index(args.get(1), len)?;
    Ok(Value::String(JsString::from_utf16(&units[from..to.max(from)])))
}

/// `Number.prototype.toFixed(digits)`.
fn number_to_fixed(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Value::Number(n) = this_primitive(rt, &this)? else {
        return Err(rt.type_error("Number.prototype.toFixed requires that 'this' be a Number".into()));
    };
    let digits = match args.first() {
        None | Some(Value::Undefined) => 0.0,
        Some(v) => rt.to_number(v)?.trunc(),
    };
    if !(0.0..=100.0).contains(&digits) {
        return Err(rt.range_error("toFixed() digits argument must be between 0 and 100".into()));
    }
    if !n.is_finite() || n.abs() >= 1e21 {
        return Ok(Value::String(rt.to_string(&Value::Number(n))?));
    }
    Ok(Value::String(format!("{:.*}", digits as usize, n).into()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{json, method, runtime, thrown};
    use super::*;

    #[test]
    fn slice_counts_utf16_units_and_negative_indices_from_the_end() {
        // node: const s = "héllo😀w"; [s.slice(1), s.slice(-3), s.slice(2, -1), s.slice(4, 2),
        //   s.slice(NaN, "3"), s.slice(-100, 100), s.slice(6, 7).length]
        //   -> ["éllo😀w","😀w","llo😀","","hél","héllo😀w",1]
        let rt = runtime();
        let s = Value::str("héllo😀w");
        let slice = |args: &[Value]| json(&rt, &method(&rt, &s, "slice", args).unwrap());
        let n = Value::Number;
        assert_eq!(slice(&[n(1.0)]), r#""éllo😀w""#);
        assert_eq!(slice(&[n(-3.0)]), r#""😀w""#);
        assert_eq!(slice(&[n(2.0), n(-1.0)]), r#""llo😀""#);
        assert_eq!(slice(&[n(4.0), n(2.0)]), r#""""#);
        assert_eq!(slice(&[n(f64::NAN), Value::str("3")]), r#""hél""#);
        assert_eq!(slice(&[n(-100.0), n(100.0)]), r#""héllo😀w""#);
        let half = method(&rt, &s, "slice", &[n(6.0), n(7.0)]).unwrap();
        assert!(matches!(half, Value::String(h) if h.len_utf16() == 1));
    }

    #[test]
    fn slice_converts_its_receiver_and_refuses_null() {
        // node: String.prototype.slice.call(12345, 1, 3) -> "23";
        //   String.prototype.slice.call(null) throws
        //   TypeError: String.prototype.slice called on null or undefined
        let rt = runtime();
        let f = rt.get_named(&Value::Object(rt.realm.string_prototype), "slice").unwrap();
        let out = rt.call(&f, Value::Number(12345.0), &[Value::Number(1.0), Value::Number(3.0)]).unwrap();
        assert_eq!(json(&rt, &out), r#""23""#);
        assert_eq!(thrown(&rt, rt.call(&f, Value::Null, &[])), "TypeError: String.prototype.slice called on null or undefined");
    }
}
