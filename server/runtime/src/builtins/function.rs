//! `Function` and `Function.prototype`: `call`, `apply`, `bind`, `toString` and
//! `[Symbol.hasInstance]`. The constructor compiles source text, which a host without a
//! JavaScript engine cannot do: it throws the `EvalError` node throws when code generation from
//! strings is disallowed (`--disallow-code-generation-from-strings`), never a wrong answer.

use std::rc::Rc;

use super::super::convert::ErrorKind;
use super::super::object::{BoundFunction, Callable, Function, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey, Slot};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe};

/// V8's message when code generation from strings is disallowed.
pub const NO_CODE_GENERATION: &str = "Code generation from strings disallowed for this context";

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.function_prototype;
    b.constructor(realm.global, "Function", 1, function_ctor, p);
    b.method(p, "call", 1, call);
    b.method(p, "apply", 2, apply);
    b.method(p, "bind", 1, bind);
    b.method(p, "toString", 0, function_to_string);
    let has_instance = b.function("[Symbol.hasInstance]", 1, has_instance);
    let frozen = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Object(has_instance)) };
    b.heap.put(p, PropertyKey::Symbol(realm.symbol_has_instance), frozen);
    // Function.prototype is itself a function named "" of length 0.
    let fixed = |v| Property { writable: false, ..Property::hidden(v) };
    b.heap.put(p, PropertyKey::name("length"), fixed(Value::Number(0.0)));
    b.heap.put(p, PropertyKey::name("name"), fixed(Value::str("")));
    b.method(realm.global, "eval", 1, eval);
}

/// `EvalError: Code generation from strings disallowed for this context`.
pub fn code_generation_error(rt: &Runtime) -> super::super::Thrown {
    rt.error(ErrorKind::EvalError, NO_CODE_GENERATION.into())
}

fn function_ctor(rt: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Err(code_generation_error(rt))
}

/// `eval(x)`: a non-string argument is returned as it is (the spec's first step, which needs no
/// compiler); a string would be compiled, and is refused as node refuses it.
fn eval(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match arg(args, 0) {
        Value::String(_) => Err(code_generation_error(rt)),
        other => Ok(other),
    }
}

fn require_function(rt: &Runtime, this: &Value, method: &str) -> JsResult<()> {
    if rt.is_callable(this) {
        return Ok(());
    }
    let shown = describe(rt, this);
    Err(rt.type_error(match this {
        Value::Object(_) | Value::Undefined | Value::Null => {
            format!("Function.prototype.{method} was called on {shown}, which is {} and not a function", article(rt, this))
        }
        _ => format!("Function.prototype.{method} was called on {shown}, which is {} and not a function", article(rt, this)),
    }))
}

/// "an object", "a number", "a string"..., as V8's message says what the receiver was.
fn article(rt: &Runtime, v: &Value) -> String {
    let t = match v {
        Value::Null => "null",
        Value::Object(_) => "object",
        other => rt.typeof_string(other),
    };
    match t {
        "object" | "undefined" => format!("an {t}"),
        "null" => "null".into(),
        _ => format!("a {t}"),
    }
}

fn call(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    require_function(rt, &this, "call")?;
    rt.call(&this, arg(args, 0), args.get(1..).unwrap_or(&[]))
}

fn apply(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    require_function(rt, &this, "apply")?;
    let list = match arg(args, 1) {
        Value::Undefined | Value::Null => Vec::new(),
        v => rt.list_from_array_like(&v)?,
    };
    rt.call_owned(&this, arg(args, 0), list)
}

fn bind(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !rt.is_callable(&this) {
        return Err(rt.type_error("Bind must be called on a function".into()));
    }
    let Value::Object(target) = this else { unreachable!("callables are objects") };
    let bound_args: Vec<Value> = args.get(1..).unwrap_or(&[]).to_vec();
    // `length` is the target's own numeric length less the bound arguments; `name` is
    // "bound " + the target's string name.
    let length = match rt.has_own(target, &PropertyKey::name("length"))? {
        true => match rt.get_named(&this, "length")? {
            Value::Number(n) if n.is_infinite() => n.max(0.0),
            Value::Number(n) => (super::coerce::integer_of(n) - bound_args.len() as f64).max(0.0),
            _ => 0.0,
        },
        false => 0.0,
    };
    let name = match rt.get_named(&this, "name")? {
        Value::String(s) => s.to_rust_string(),
        _ => String::new(),
    };
    let proto = rt.prototype_of(target)?;
    let bound = Rc::new(BoundFunction { target, this: arg(args, 0), args: bound_args });
    let class = ObjectClass::Function(Function { callable: Callable::Bound(bound), is_class: false });
    let id = rt.heap.borrow_mut().new_object(class, proto);
    let fixed = |v| Property { writable: false, ..Property::hidden(v) };
    let mut heap = rt.heap.borrow_mut();
    heap.put(id, PropertyKey::name("length"), fixed(Value::Number(length)));
    heap.put(id, PropertyKey::name("name"), fixed(Value::String(format!("bound {name}").into())));
    Ok(Value::Object(id))
}

/// Every function here is native code to V8's eyes: `function name() { [native code] }`.
fn function_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !rt.is_callable(&this) {
        return Err(rt.type_error("Function.prototype.toString requires that 'this' be a Function".into()));
    }
    let Value::Object(id) = this else { unreachable!() };
    let bound = matches!(rt.heap.borrow().get(id).and_then(|o| o.function()).map(|f| &f.callable), Some(Callable::Bound(_)));
    if bound {
        return Ok(Value::str("function () { [native code] }"));
    }
    let name = match rt.stored_property(id, &PropertyKey::name("name")) {
        Some(Property { slot: Slot::Data(Value::String(s)), .. }) => s.to_rust_string(),
        _ => String::new(),
    };
    Ok(Value::String(format!("function {name}() {{ [native code] }}").into()))
}

fn has_instance(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !rt.is_callable(&this) {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(rt.ordinary_has_instance(&this, &arg(args, 0))?))
}
