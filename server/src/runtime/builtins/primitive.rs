//! The prototypes of primitive wrappers (`Boolean`, `Number`, `String`, `BigInt`) and `Date`.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};

pub fn install(b: &mut Builder, realm: &Realm) {
    for proto in [realm.boolean_prototype, realm.number_prototype, realm.string_prototype, realm.bigint_prototype, realm.date_prototype] {
        b.method(proto, "valueOf", 0, primitive_value_of);
        b.method(proto, "toString", 0, primitive_to_string);
    }
    b.method(realm.number_prototype, "toFixed", 1, number_to_fixed);
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
