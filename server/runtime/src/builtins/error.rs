//! `Error`, `TypeError`, `RangeError`, `SyntaxError` and `Error.prototype.toString`.

use super::super::convert::ErrorKind;
use super::super::heap::ObjectId;
use super::super::object::BuiltinFn;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::arg;

pub fn install(b: &mut Builder, realm: &Realm) {
    let protos = [
        ("Error", realm.error_prototype, error_ctor as BuiltinFn),
        ("TypeError", realm.type_error_prototype, type_error_ctor),
        ("RangeError", realm.range_error_prototype, range_error_ctor),
        ("SyntaxError", realm.syntax_error_prototype, syntax_error_ctor),
    ];
    for (name, proto, ctor) in protos {
        b.constructor(realm.global, name, 1, ctor, proto);
        b.value(proto, "name", Value::str(name));
        b.value(proto, "message", Value::str(""));
    }
    b.method(realm.error_prototype, "toString", 0, error_to_string);
    // The native errors Node-API has no constructor function for: plain Errors whose
    // prototype (found through the constructor called) names them.
    for (name, ctor) in
        [("ReferenceError", reference_error_ctor as BuiltinFn), ("URIError", uri_error_ctor), ("EvalError", eval_error_ctor)]
    {
        let proto = b.heap.new_object(ObjectClass::Plain, Some(realm.error_prototype));
        b.constructor(realm.global, name, 1, ctor, proto);
        b.value(proto, "name", Value::str(name));
        b.value(proto, "message", Value::str(""));
    }
}

/// A constructor whose instances take their prototype from the global constructor `name`, so
/// `ReferenceError("x")` (no `new`) gets `ReferenceError.prototype` too.
fn global_kind_ctor(rt: &Runtime, name: &str, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    let target = match new_target {
        Some(t) => t,
        None => match rt.get_named(&Value::Object(rt.realm.global), name)? {
            Value::Object(c) => c,
            _ => return Err(rt.type_error(format!("{name} is not available"))),
        },
    };
    construct(rt, ErrorKind::Error, args, Some(target))
}

fn reference_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    global_kind_ctor(rt, "ReferenceError", args, nt)
}

fn uri_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    global_kind_ctor(rt, "URIError", args, nt)
}

fn eval_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    global_kind_ctor(rt, "EvalError", args, nt)
}

/// Shared body of the error constructors: `Error(msg)` and `new Error(msg)` both construct, with
/// the prototype of `new.target` when there is one.
fn construct(rt: &Runtime, kind: ErrorKind, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    let message = match arg(args, 0) {
        Value::Undefined => None,
        v => Some(rt.to_string(&v)?),
    };
    let id = rt.new_error(kind, "".into(), None);
    if let Some(target) = new_target {
        if let Value::Object(p) = rt.get_named(&Value::Object(target), "prototype")? {
            rt.set_prototype(id, Some(p));
        }
    }
    rt.heap.borrow_mut().obj_mut(id).props.clear();
    rt.init_error(id, message, None);
    if let Value::Object(opts) = arg(args, 1) {
        if rt.has(opts, &super::super::property::PropertyKey::name("cause")) {
            let cause = rt.get_named(&Value::Object(opts), "cause")?;
            rt.heap.borrow_mut().put(
                id,
                super::super::property::PropertyKey::name("cause"),
                super::super::property::Property::hidden(cause),
            );
        }
    }
    debug_assert!(matches!(rt.heap.borrow().obj(id).class, ObjectClass::Error));
    Ok(Value::Object(id))
}

fn error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, ErrorKind::Error, args, nt)
}

fn type_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, ErrorKind::TypeError, args, nt)
}

fn range_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, ErrorKind::RangeError, args, nt)
}

fn syntax_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, ErrorKind::SyntaxError, args, nt)
}

fn error_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(rt.type_error("Error.prototype.toString requires that 'this' be an Object".into()));
    }
    let part = |name: &str, default: &str| -> JsResult<String> {
        Ok(match rt.get_named(&this, name)? {
            Value::Undefined => default.to_string(),
            v => rt.to_string(&v)?.to_rust_string(),
        })
    };
    let name = part("name", "Error")?;
    let msg = part("message", "")?;
    Ok(Value::String(
        match (name.is_empty(), msg.is_empty()) {
            (_, true) => name,
            (true, false) => msg,
            (false, false) => format!("{name}: {msg}"),
        }
        .into(),
    ))
}
