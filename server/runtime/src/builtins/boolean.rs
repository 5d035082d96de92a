//! `Boolean` and `Boolean.prototype` (`toString`, `valueOf`).

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, class_of};

pub fn install(b: &mut Builder, realm: &Realm) {
    b.constructor(realm.global, "Boolean", 1, boolean_ctor, realm.boolean_prototype);
    b.method(realm.boolean_prototype, "toString", 0, to_string);
    b.method(realm.boolean_prototype, "valueOf", 0, value_of);
}

fn boolean_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let v = Value::Bool(rt.to_boolean(&arg(args, 0)));
    match nt {
        None => Ok(v),
        Some(nt) => {
            let id = rt.to_object(&v).expect("booleans box");
            adopt_prototype(rt, id, nt)?;
            Ok(Value::Object(id))
        }
    }
}

fn this_boolean(rt: &Runtime, this: &Value, method: &str) -> JsResult<bool> {
    match this {
        Value::Bool(b) => Ok(*b),
        Value::Object(id) => match class_of(rt, &Value::Object(*id)).as_ref() {
            Some(ObjectClass::Primitive(Value::Bool(b))) => Ok(*b),
            _ => Err(rt.type_error(format!("Boolean.prototype.{method} requires that 'this' be a Boolean"))),
        },
        _ => Err(rt.type_error(format!("Boolean.prototype.{method} requires that 'this' be a Boolean"))),
    }
}

fn to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::str(if this_boolean(rt, &this, "toString")? { "true" } else { "false" }))
}

fn value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_boolean(rt, &this, "valueOf").map(Value::Bool)
}
