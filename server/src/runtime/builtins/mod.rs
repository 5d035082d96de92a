//! Host built-ins: the few JavaScript library functions addons reach through Node-API.
//!
//! Each takes `(runtime, this, args, new_target)`; `new_target` is set when called with `new`.

mod error;
mod json;
mod object;
mod primitive;
mod symbol;

use super::heap::ObjectId;
use super::realm::{Builder, Realm};
use super::value::Value;
use super::{JsResult, Runtime};

/// `Function.prototype` itself: callable, does nothing.
pub fn noop(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Undefined)
}

/// The `i`th argument or `undefined`.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

pub fn install(b: &mut Builder, realm: &Realm) {
    b.value(realm.global, "globalThis", Value::Object(realm.global));
    object::install(b, realm);
    error::install(b, realm);
    symbol::install(b, realm);
    primitive::install(b, realm);
    json::install(b, realm);
}
