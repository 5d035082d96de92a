//! `Promise.all`, `Promise.allSettled`, `Promise.any` and `Promise.race` (ECMA-262 27.2.4). Each
//! resolves every item with `Promise.resolve` and subscribes with `then`; the element functions
//! share a state object (the values array, how many are still pending, the result promise) and
//! know their index, as the spec's closures do.

use std::rc::Rc;

use super::super::object::{BuiltinWithFn, Callable, Function, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::Builder;
use super::super::value::Value;
use super::super::{JsResult, Runtime, Thrown};
use super::coerce::arg;
use super::iterator::iterate;

pub fn install(b: &mut Builder, promise: ObjectId) {
    b.method(promise, "all", 1, all);
    b.method(promise, "allSettled", 1, all_settled);
    b.method(promise, "any", 1, any);
    b.method(promise, "race", 1, race);
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    All,
    AllSettled,
    Any,
}

fn function_with(rt: &Runtime, f: BuiltinWithFn, captured: Vec<Value>) -> Value {
    let class = ObjectClass::Function(Function { callable: Callable::BuiltinWith(f, Rc::new(captured)), is_class: false });
    Value::Object(rt.heap.borrow_mut().new_object(class, Some(rt.realm.function_prototype)))
}

/// `Promise.resolve(item)` through `this.resolve`, then `.then(on_fulfilled, on_rejected)`.
fn subscribe(rt: &Runtime, ctor: &Value, item: Value, on_fulfilled: Value, on_rejected: Value) -> JsResult<()> {
    let resolve = rt.get_named(ctor, "resolve")?;
    if !rt.is_callable(&resolve) {
        return Err(rt.type_error("Promise resolve or reject function is not callable".into()));
    }
    let next = rt.call(&resolve, ctor.clone(), &[item])?;
    let then = rt.get_named(&next, "then")?;
    rt.call(&then, next, &[on_fulfilled, on_rejected])?;
    Ok(())
}

/// The state the element functions share: `values`, `remaining`, `promise`.
fn state(rt: &Runtime, p: ObjectId) -> Value {
    let s = Value::Object(rt.new_plain_object());
    let values = Value::Object(rt.new_array(Vec::new()));
    let _ = rt.set_named(&s, "values", values);
    let _ = rt.set_named(&s, "remaining", Value::Number(1.0));
    let _ = rt.set_named(&s, "promise", Value::Object(p));
    s
}

/// Counts one settled element down; at zero the result promise settles with the values.
fn count_down(rt: &Runtime, s: &Value, kind: Kind) -> JsResult<()> {
    let remaining = rt.to_number(&rt.get_named(s, "remaining")?)? - 1.0;
    rt.set_named(s, "remaining", Value::Number(remaining))?;
    if remaining == 0.0 {
        let Value::Object(p) = rt.get_named(s, "promise")? else { return Ok(()) };
        let values = rt.get_named(s, "values")?;
        if kind == Kind::Any {
            let errors = rt.list_from_array_like(&values)?;
            rt.reject_promise(p, super::error::aggregate_error(rt, errors, "All promises were rejected"));
        } else {
            rt.resolve_promise(p, values);
        }
    }
    Ok(())
}

/// An element function: `captured` is [state, index, called-flag object, kind, which].
fn element(rt: &Runtime, captured: &[Value], _: Value, args: &[Value]) -> JsResult<Value> {
    let (s, index, flag) = (&captured[0], &captured[1], &captured[2]);
    if rt.to_boolean(&rt.get_named(flag, "called")?) {
        return Ok(Value::Undefined);
    }
    rt.set_named(flag, "called", Value::Bool(true))?;
    let kind = match rt.to_number(&captured[3])? as u8 {
        0 => Kind::All,
        1 => Kind::AllSettled,
        _ => Kind::Any,
    };
    let fulfilled = rt.to_boolean(&captured[4]);
    let v = arg(args, 0);
    let stored = if kind == Kind::AllSettled {
        let o = Value::Object(rt.new_plain_object());
        rt.set_named(&o, "status", Value::str(if fulfilled { "fulfilled" } else { "rejected" }))?;
        rt.set_named(&o, if fulfilled { "value" } else { "reason" }, v)?;
        o
    } else {
        v
    };
    let values = rt.get_named(s, "values")?;
    rt.set(&values, rt.to_property_key(index)?, stored)?;
    count_down(rt, s, kind)?;
    Ok(Value::Undefined)
}

fn combine(rt: &Runtime, this: Value, args: &[Value], kind: Kind) -> JsResult<Value> {
    let p = rt.new_promise();
    let (resolve, reject) = (rt.resolving_function(p, false), rt.resolving_function(p, true));
    let s = state(rt, p);
    let mut index = 0usize;
    let result = iterate(rt, &arg(args, 0), |item| {
        let values = rt.get_named(&s, "values")?;
        rt.set(&values, PropertyKey::Index(index as u32), Value::Undefined)?;
        let remaining = rt.to_number(&rt.get_named(&s, "remaining")?)?;
        rt.set_named(&s, "remaining", Value::Number(remaining + 1.0))?;
        let flag = Value::Object(rt.new_plain_object());
        let captured = |fulfilled: bool| {
            vec![s.clone(), Value::Number(index as f64), flag.clone(), Value::Number(kind as u8 as f64), Value::Bool(fulfilled)]
        };
        let (on_fulfilled, on_rejected) = match kind {
            Kind::All => (function_with(rt, element, captured(true)), reject.clone()),
            Kind::AllSettled => (function_with(rt, element, captured(true)), function_with(rt, element, captured(false))),
            Kind::Any => (resolve.clone(), function_with(rt, element, captured(false))),
        };
        index += 1;
        subscribe(rt, &this, item, on_fulfilled, on_rejected)
    });
    match result {
        Err(Thrown(e)) => rt.reject_promise(p, e),
        Ok(()) => count_down(rt, &s, kind)?,
    }
    Ok(Value::Object(p))
}

fn all(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    combine(rt, this, args, Kind::All)
}

fn all_settled(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    combine(rt, this, args, Kind::AllSettled)
}

fn any(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    combine(rt, this, args, Kind::Any)
}

fn race(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let p = rt.new_promise();
    let (resolve, reject) = (rt.resolving_function(p, false), rt.resolving_function(p, true));
    if let Err(Thrown(e)) = iterate(rt, &arg(args, 0), |item| subscribe(rt, &this, item, resolve.clone(), reject.clone())) {
        rt.reject_promise(p, e);
    }
    Ok(Value::Object(p))
}
