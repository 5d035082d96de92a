//! Calling built-ins the way an addon reaches them: by path from the global object (for tests
//! of this crate and the crates above, with the `testing` feature).

use std::rc::Rc;

use super::object::{BuiltinFn, Callable, Function, ObjectClass};
use super::value::Value;
use super::{JsResult, Runtime};

/// Runs `f` on a thread with a stack like the host's JS thread: tests that walk to `MAX_DEPTH`
/// need more than a debug build's default 2 MiB test thread.
pub fn on_a_host_sized_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(64 << 20).spawn(f).expect("spawn").join().expect("test thread");
}

/// `globalThis.a.b.c` for the path "a.b.c".
pub fn global(rt: &Runtime, path: &str) -> Value {
    path.split('.').fold(Value::Object(rt.realm.global), |v, name| rt.get_named(&v, name).expect("path resolves"))
}

/// Calls the function at `path` with its parent object as `this`.
pub fn call(rt: &Runtime, path: &str, args: &[Value]) -> JsResult<Value> {
    let (parent, _) = path.rsplit_once('.').unwrap_or(("globalThis", path));
    rt.call(&global(rt, path), global(rt, parent), args)
}

/// Calls `this.name(...args)`.
pub fn method(rt: &Runtime, this: &Value, name: &str, args: &[Value]) -> JsResult<Value> {
    let f = rt.get_named(this, name)?;
    rt.call(&f, this.clone(), args)
}

/// `JSON.stringify(v)`, which the expected values (recorded with `node -e`) are written in.
pub fn json(rt: &Runtime, v: &Value) -> String {
    match call(rt, "JSON.stringify", std::slice::from_ref(v)).expect("stringify") {
        Value::String(s) => s.to_rust_string(),
        other => format!("{other:?}"),
    }
}

/// `JSON.parse(text)`, to build inputs.
pub fn parse(rt: &Runtime, text: &str) -> Value {
    call(rt, "JSON.parse", &[Value::str(text)]).expect("valid JSON")
}

/// `"Name: message"` of what `r` threw, as node prints `e.name + ": " + e.message`.
pub fn thrown(rt: &Runtime, r: JsResult<Value>) -> String {
    let e = r.expect_err("expected a throw").0;
    let part = |n| rt.get_named(&e, n).unwrap().to_display(rt);
    format!("{}: {}", part("name"), part("message"))
}

pub fn runtime() -> Rc<Runtime> {
    Runtime::new(Box::new(crate::NoNative))
}

/// A function object running `f`, standing in for the JS callback a test would pass.
pub fn builtin_function(rt: &Runtime, f: BuiltinFn) -> Value {
    let class = ObjectClass::Function(Function { callable: Callable::Builtin(f), is_class: false });
    Value::Object(rt.heap.borrow_mut().new_object(class, Some(rt.realm.function_prototype)))
}
