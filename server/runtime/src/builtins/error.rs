//! The error constructors: `Error` and the native errors (`EvalError`, `RangeError`,
//! `ReferenceError`, `SyntaxError`, `TypeError`, `URIError`), `AggregateError`, the `cause`
//! option, `Error.captureStackTrace` (V8's, which node-addon-api and others call) and
//! `Error.prototype.toString`.

use super::super::convert::ErrorKind;
use super::super::object::{BuiltinFn, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg};
use super::iterator::iterate;

pub fn install(b: &mut Builder, realm: &Realm) {
    let kinds = [
        ("Error", realm.error_prototype, error_ctor as BuiltinFn),
        ("EvalError", realm.eval_error_prototype, eval_error_ctor),
        ("RangeError", realm.range_error_prototype, range_error_ctor),
        ("ReferenceError", realm.reference_error_prototype, reference_error_ctor),
        ("SyntaxError", realm.syntax_error_prototype, syntax_error_ctor),
        ("TypeError", realm.type_error_prototype, type_error_ctor),
        ("URIError", realm.uri_error_prototype, uri_error_ctor),
    ];
    let mut error = None;
    for (name, proto, ctor) in kinds {
        let c = b.constructor(realm.global, name, 1, ctor, proto);
        b.value(proto, "name", Value::str(name));
        b.value(proto, "message", Value::str(""));
        match error {
            None => error = Some(c),
            // The native errors' constructors inherit from Error, as their prototypes do.
            Some(e) => b.heap.obj_mut(c).proto = Some(e),
        }
    }
    let error = error.expect("Error comes first");
    let aggregate = b.constructor(realm.global, "AggregateError", 2, aggregate_error_ctor, realm.aggregate_error_prototype);
    b.heap.obj_mut(aggregate).proto = Some(error);
    b.value(realm.aggregate_error_prototype, "name", Value::str("AggregateError"));
    b.value(realm.aggregate_error_prototype, "message", Value::str(""));
    b.method(realm.error_prototype, "toString", 0, error_to_string);
    b.method(error, "captureStackTrace", 2, capture_stack_trace);
    b.heap.put(error, PropertyKey::name("stackTraceLimit"), Property::data(Value::Number(10.0)));
}

/// Shared body of the error constructors: `Error(msg)` and `new Error(msg)` both construct, with
/// the prototype of `new.target` when there is one; `options.cause` becomes an own `cause`.
fn construct(rt: &Runtime, kind: ErrorKind, message: &Value, options: &Value, new_target: Option<ObjectId>) -> JsResult<ObjectId> {
    let id = rt.new_error(kind, "".into(), None);
    if let Some(target) = new_target {
        adopt_prototype(rt, id, target)?;
    }
    rt.heap.borrow_mut().obj_mut(id).props.clear();
    let message = match message {
        Value::Undefined => None,
        v => Some(rt.to_string(v)?),
    };
    if let Value::Object(opts) = options {
        if rt.has(*opts, &PropertyKey::name("cause"))? {
            let cause = rt.get_named(options, "cause")?;
            rt.heap.borrow_mut().put(id, PropertyKey::name("cause"), Property::hidden(cause));
        }
    }
    rt.init_error(id, message, None);
    debug_assert!(matches!(rt.heap.borrow().obj(id).class, ObjectClass::Error));
    Ok(id)
}

fn native(rt: &Runtime, kind: ErrorKind, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, kind, &arg(args, 0), &arg(args, 1), nt).map(Value::Object)
}

fn error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::Error, args, nt)
}

fn eval_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::EvalError, args, nt)
}

fn range_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::RangeError, args, nt)
}

fn reference_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::ReferenceError, args, nt)
}

fn syntax_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::SyntaxError, args, nt)
}

fn type_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::TypeError, args, nt)
}

fn uri_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    native(rt, ErrorKind::URIError, args, nt)
}

/// `AggregateError(errors, message, options)`: `errors` is any iterable, kept as an own,
/// non-enumerable array.
fn aggregate_error_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let id = construct(rt, ErrorKind::AggregateError, &arg(args, 1), &arg(args, 2), nt)?;
    let mut errors = Vec::new();
    iterate(rt, &arg(args, 0), |e| {
        errors.push(e);
        Ok(())
    })?;
    let list = rt.new_array(errors);
    rt.heap.borrow_mut().put(id, PropertyKey::name("errors"), Property::hidden(Value::Object(list)));
    Ok(Value::Object(id))
}

/// An `AggregateError` holding `errors` (what `Promise.any` rejects with).
pub(super) fn aggregate_error(rt: &Runtime, errors: Vec<Value>, message: &str) -> Value {
    let id = rt.new_error(ErrorKind::AggregateError, message.into(), None);
    let list = rt.new_array(errors);
    rt.heap.borrow_mut().put(id, PropertyKey::name("errors"), Property::hidden(Value::Object(list)));
    Value::Object(id)
}

/// `Error.captureStackTrace(obj)`: gives `obj` a `stack` string as V8 does ("Name: message" and
/// the frames, of which the host has none to show).
fn capture_stack_trace(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let target = arg(args, 0);
    let Value::Object(id) = target else {
        return Err(rt.type_error("Invalid argument".into()));
    };
    let header = error_to_string(rt, target.clone(), &[], None)?;
    let stack = format!("{}\n    at <native>", header.to_display(rt));
    rt.heap.borrow_mut().put(id, PropertyKey::name("stack"), Property::hidden(Value::String(stack.into())));
    Ok(Value::Undefined)
}

fn error_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(rt.type_error("Error.prototype.toString requires that 'this' be an Object".to_string()));
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
