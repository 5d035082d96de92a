//! Functions: creating them, reading their call info, calling and constructing.

use std::ffi::{c_char, c_void};

use super::entry::{self, fail, input, out, Cx, NapiResult, OrStatus};
use super::strings::read_utf8;
use super::types::*;
use napi_runtime::object::{Callable, Function, ObjectClass};
use napi_runtime::property::{Property, PropertyKey};
use napi_runtime::{JsString, ObjectId, Value};

/// A function object for a native callback, with `name`, `length` and (for plain functions)
/// `prototype` as V8 gives them. `receiver` makes it a class member that checks its `this`.
pub fn new_function(cx: &Cx, name: &str, cb: usize, data: usize, is_class: bool, receiver: Option<ObjectId>) -> ObjectId {
    let callable = Callable::Native { env: cx.env.id, cb, data, receiver };
    let fn_proto = cx.rt.realm.function_prototype;
    let mut heap = cx.rt.heap.borrow_mut();
    let id = heap.new_object(ObjectClass::Function(Function { callable, is_class }), Some(fn_proto));
    let fixed = |v| Property { writable: false, ..Property::hidden(v) };
    heap.put(id, PropertyKey::name("length"), fixed(Value::Number(0.0)));
    heap.put(id, PropertyKey::name("name"), fixed(Value::str(name)));
    if !is_class && receiver.is_none() {
        // Functions made by Node-API are constructors, so they carry a `prototype` (classes get
        // theirs from napi_define_class; class members have none).
        let proto = heap.new_object(ObjectClass::Plain, Some(cx.rt.realm.object_prototype));
        heap.put(proto, PropertyKey::name("constructor"), Property::hidden(Value::Object(id)));
        heap.put(
            id,
            PropertyKey::name("prototype"),
            Property { enumerable: false, configurable: false, ..Property::data(Value::Object(proto)) },
        );
    }
    id
}

/// A function or class name argument: `length` bytes or NUL-terminated; null is allowed for
/// functions (anonymous) when `optional`.
pub fn name_arg(name: *const c_char, length: usize, optional: bool) -> NapiResult<JsString> {
    if name.is_null() {
        return if optional { Ok("".into()) } else { fail(status::INVALID_ARG) };
    }
    if length != usize::MAX && length > i32::MAX as usize {
        return fail(status::INVALID_ARG);
    }
    read_utf8(name, length)
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_function(
    env: napi_env,
    utf8name: *const c_char,
    length: usize,
    cb: napi_callback,
    data: *mut c_void,
    result: *mut napi_value,
) -> napi_status {
    entry::plain(env, "napi_create_function", |cx| {
        let slot = out(result)?;
        let Some(cb) = cb else { return fail(status::INVALID_ARG) };
        let name = name_arg(utf8name, length, true)?;
        let f = new_function(cx, &name.to_rust_string(), cb as usize, data as usize, false, None);
        *slot = cx.handle(Value::Object(f));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_cb_info(
    env: napi_env,
    cbinfo: napi_callback_info,
    argc: *mut usize,
    argv: *mut napi_value,
    this_arg: *mut napi_value,
    data: *mut *mut c_void,
) -> napi_status {
    entry::plain(env, "napi_get_cb_info", |cx| {
        if cbinfo.is_null() {
            return fail(status::INVALID_ARG);
        }
        // The frame stays borrowed while handles are made (another cell): no copy of the
        // arguments on every call.
        let frames = cx.rt.frames.borrow();
        let frame = frames.get(cbinfo as usize - 1).or_status(status::INVALID_ARG)?;
        if !argv.is_null() {
            let capacity = *out(argc)?;
            for i in 0..capacity {
                let v = frame.args.get(i).cloned().unwrap_or(Value::Undefined);
                // SAFETY: the addon promises `*argc` writable slots at `argv`.
                unsafe { *argv.add(i) = cx.handle(v) };
            }
        }
        if !argc.is_null() {
            *out(argc)? = frame.args.len();
        }
        if !this_arg.is_null() {
            *out(this_arg)? = cx.handle(frame.this.clone());
        }
        if !data.is_null() {
            *out(data)? = frame.data as *mut c_void;
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_new_target(env: napi_env, cbinfo: napi_callback_info, result: *mut napi_value) -> napi_status {
    entry::plain(env, "napi_get_new_target", |cx| {
        if cbinfo.is_null() {
            return fail(status::INVALID_ARG);
        }
        let slot = out(result)?;
        let target = cx.rt.frames.borrow().get(cbinfo as usize - 1).map(|f| f.new_target);
        let target = target.or_status(status::INVALID_ARG)?;
        *slot = match target {
            Some(t) => cx.handle(Value::Object(t)),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The `argc` values at `argv` (null allowed only when `argc` is 0).
fn args(cx: &Cx, argc: usize, argv: *const napi_value) -> NapiResult<Vec<Value>> {
    if argc == 0 {
        return Ok(Vec::new());
    }
    input(argv)?;
    // SAFETY: the addon promises `argc` handles at `argv` (non-null, checked).
    let handles = unsafe { std::slice::from_raw_parts(argv, argc) };
    // The runtime's spare vector (`args_vec`), which a native callee gives back.
    let mut args = cx.rt.args_vec(argc);
    for h in handles {
        args.push(cx.value(*h)?);
    }
    Ok(args)
}

#[no_mangle]
pub unsafe extern "C" fn napi_call_function(
    env: napi_env,
    recv: napi_value,
    func: napi_value,
    argc: usize,
    argv: *const napi_value,
    result: *mut napi_value,
) -> napi_status {
    entry::js(env, "napi_call_function", |cx| {
        let this = cx.value(recv)?;
        let args = args(cx, argc, argv)?;
        let f = cx.function(func)?;
        let r = cx.rt.call_owned(&f, this, args)?;
        if !result.is_null() {
            *out(result)? = cx.handle(r);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_new_instance(
    env: napi_env,
    constructor: napi_value,
    argc: usize,
    argv: *const napi_value,
    result: *mut napi_value,
) -> napi_status {
    entry::js(env, "napi_new_instance", |cx| {
        cx.value(constructor)?;
        let args = args(cx, argc, argv)?;
        out(result)?;
        let ctor = cx.function(constructor)?;
        let r = cx.rt.construct(&ctor, &args)?;
        cx.ret(result, r)
    })
}
