//! `Promise`: the constructor, `Promise.resolve` / `Promise.reject`, and `then` / `catch` /
//! `finally` — what addons reach (napi-rs awaits JS promises through `then`). The combinators
//! (`all`, `race`...) are in `promise_combinators`.

use super::super::object::{Callable, Function, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime, Thrown};
use super::coerce::arg;
use super::define::{species_getter, to_string_tag};

pub fn install(b: &mut Builder, realm: &Realm) {
    let proto = realm.promise_prototype;
    let promise = b.constructor(realm.global, "Promise", 1, promise_ctor, proto);
    b.method(promise, "resolve", 1, promise_resolve);
    b.method(promise, "reject", 1, promise_reject);
    super::promise_combinators::install(b, promise);
    species_getter(b, realm, promise);
    b.method(proto, "then", 2, promise_then);
    b.method(proto, "catch", 1, promise_catch);
    b.method(proto, "finally", 1, promise_finally);
    to_string_tag(b, realm, proto, "Promise");
}

fn this_promise(rt: &Runtime, this: &Value, method: &str) -> JsResult<ObjectId> {
    match this {
        Value::Object(id) if rt.is_promise(this) => Ok(*id),
        other => Err(rt.type_error(format!("Method Promise.prototype.{method} called on incompatible receiver {}", other.to_display(rt)))),
    }
}

fn promise_ctor(rt: &Runtime, _: Value, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    if new_target.is_none() {
        return Err(rt.type_error("Promise constructor cannot be invoked without 'new'".into()));
    }
    let executor = arg(args, 0);
    if !rt.is_callable(&executor) {
        return Err(rt.type_error(format!("Promise resolver {} is not a function", executor.to_display(rt))));
    }
    let p = rt.new_promise();
    let (res, rej) = (rt.resolving_function(p, false), rt.resolving_function(p, true));
    if let Err(Thrown(e)) = rt.call(&executor, Value::Undefined, &[res, rej]) {
        rt.reject_promise(p, e);
    }
    Ok(Value::Object(p))
}

fn promise_resolve(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    if rt.is_promise(&v) {
        return Ok(v);
    }
    let p = rt.new_promise();
    rt.resolve_promise(p, v);
    Ok(Value::Object(p))
}

fn promise_reject(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let p = rt.new_promise();
    rt.reject_promise(p, arg(args, 0));
    Ok(Value::Object(p))
}

fn promise_then(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let p = this_promise(rt, &this, "then")?;
    Ok(Value::Object(rt.promise_then(p, arg(args, 0), arg(args, 1))))
}

fn promise_catch(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let p = this_promise(rt, &this, "catch")?;
    Ok(Value::Object(rt.promise_then(p, Value::Undefined, arg(args, 0))))
}

fn promise_finally(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let p = this_promise(rt, &this, "finally")?;
    let on_finally = arg(args, 0);
    let Value::Object(f) = on_finally else {
        return Ok(Value::Object(rt.promise_then(p, on_finally.clone(), on_finally)));
    };
    if !rt.is_callable(&on_finally) {
        return Ok(Value::Object(rt.promise_then(p, on_finally.clone(), on_finally)));
    }
    let handler = |reject| {
        let class = ObjectClass::Function(Function { callable: Callable::Finally { on_finally: f, reject }, is_class: false });
        Value::Object(rt.heap.borrow_mut().new_object(class, Some(rt.realm.function_prototype)))
    };
    Ok(Value::Object(rt.promise_then(p, handler(false), handler(true))))
}

#[cfg(test)]
mod tests {
    use super::super::super::promise::PromiseState;
    use super::super::super::value::Value;
    use crate::testing::{global, runtime};

    #[test]
    fn then_runs_in_the_microtask_checkpoint_with_the_value() {
        let rt = runtime();
        let resolve = crate::testing::global(&rt, "Promise.resolve");
        let p = rt.call(&resolve, Value::Undefined, &[Value::Number(41.0)]).unwrap();
        let Value::Object(pid) = p else { panic!("a promise") };
        let derived = rt.promise_then(pid, Value::Undefined, Value::Undefined);
        assert!(matches!(rt.promise_state(derived), Some(PromiseState::Pending)));
        rt.run_microtasks();
        assert!(matches!(rt.promise_state(derived), Some(PromiseState::Fulfilled(Value::Number(n))) if n == 41.0));
        let _ = global;
    }

    #[test]
    fn a_promise_resolved_with_itself_rejects_with_a_type_error() {
        let rt = runtime();
        let p = rt.new_promise();
        rt.resolve_promise(p, Value::Object(p));
        assert!(matches!(rt.promise_state(p), Some(PromiseState::Rejected(_))));
    }

    #[test]
    fn a_promise_follows_a_thenable() {
        let rt = runtime();
        let inner = rt.new_promise();
        let outer = rt.new_promise();
        rt.resolve_promise(outer, Value::Object(inner));
        rt.run_microtasks();
        assert!(matches!(rt.promise_state(outer), Some(PromiseState::Pending)));
        rt.resolve_promise(inner, Value::str("x"));
        rt.run_microtasks();
        assert!(matches!(rt.promise_state(outer), Some(PromiseState::Fulfilled(Value::String(_)))));
    }
}
