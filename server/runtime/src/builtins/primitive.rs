//! The prototypes of primitive wrappers (`Boolean`, `Number`, `String`, `BigInt`) and `Date`.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};

pub fn install(b: &mut Builder, realm: &Realm) {
    for proto in [realm.bigint_prototype, realm.date_prototype] {
        b.method(proto, "valueOf", 0, primitive_value_of);
        b.method(proto, "toString", 0, primitive_to_string);
    }
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

#[cfg(test)]
mod tests {
    use super::super::testing::{json, method, runtime, thrown};
    use super::*;
}
