//! Functions: creating them, reading their call info, calling and constructing.

use std::ffi::{c_char, c_void};

use super::callback::{native_callback, CallbackInfo};
use super::entry::{self, fail, Cx, NapiResult, OrStatus};
use super::pointers::{self, Out};
use super::strings::read_utf8;
use super::types::*;
use napi_runtime::handles::HandleStack;
use napi_runtime::native::Callback;
use napi_runtime::object::{Callable, Function, ObjectClass};
use napi_runtime::property::{Property, PropertyKey};
use napi_runtime::{JsString, NativeFn, ObjectId, Value};

/// A function object for a native callback, with `name`, `length` and (for plain functions)
/// `prototype` as V8 gives them. `receiver` makes it a class member that checks its `this`.
pub fn new_function(cx: &Cx, name: &str, cb: NativeFn<Callback>, data: usize, is_class: bool, receiver: Option<ObjectId>) -> ObjectId {
    let callable = Callable::Native { env: cx.env.id, cb, data, receiver };
    let fn_proto = cx.rt.realm().function_prototype;
    let mut heap = cx.rt.heap_mut();
    let id = heap.new_object(ObjectClass::Function(Function { callable, is_class }), Some(fn_proto));
    let fixed = |v| Property { writable: false, ..Property::hidden(v) };
    heap.put(id, PropertyKey::name("length"), fixed(Value::Number(0.0)));
    heap.put(id, PropertyKey::name("name"), fixed(Value::str(name)));
    if !is_class && receiver.is_none() {
        // Functions made by Node-API are constructors, so they carry a `prototype` (classes get
        // theirs from napi_define_class; class members have none).
        let proto = heap.new_object(ObjectClass::Plain, Some(cx.rt.realm().object_prototype));
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
///
/// # Safety
/// As for [`read_utf8`]: `name` is null, or holds `length` bytes, or is NUL-terminated for
/// `NAPI_AUTO_LENGTH`.
pub unsafe fn name_arg(name: *const c_char, length: usize, optional: bool) -> NapiResult<JsString> {
    if name.is_null() {
        return if optional { Ok("".into()) } else { fail(status::INVALID_ARG) };
    }
    if length != usize::MAX && length > i32::MAX as usize {
        return fail(status::INVALID_ARG);
    }
    // SAFETY: the caller's promise, passed on.
    unsafe { read_utf8(name, length) }
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_function(
    env: napi_env,
    utf8name: *const c_char,
    length: usize,
    cb: napi_callback,
    data: *mut c_void,
    result: Out<napi_value>,
) -> napi_status {
    // Node's NAPI_PREAMBLE: refused while an exception is pending.
    entry::js(env, "napi_create_function", move |cx| {
        let slot = result.required()?;
        let Some(cb) = cb else { return fail(status::INVALID_ARG) };
        // SAFETY: Node-API: `utf8name` is null, or holds `length` bytes, or is NUL-terminated for
        // NAPI_AUTO_LENGTH.
        let name = unsafe { name_arg(utf8name, length, true) }?;
        let f = new_function(cx, &name.to_rust_string(), native_callback(cb), data as usize, false, None);
        slot.write(cx.handle(Value::Object(f)));
        Ok(())
    })
}

/// Writes the handles `first`, `first + 1`... to the `count` slots at `argv`, in order. One or
/// two, as most callbacks take, are written straight: the loop made of the general case
/// (vectorised, a plain loop after it for what is left) took about 20 instructions for two.
///
/// # Safety
/// `argv` has room for `count` handles.
#[inline(always)]
unsafe fn write_handles(argv: *mut napi_value, first: usize, count: usize) {
    let handle = |i: usize| (first + i) as napi_value;
    // SAFETY: each slot written is among the `count` the caller promised.
    unsafe {
        match count {
            1 => argv.write(handle(0)),
            2 => {
                argv.write(handle(0));
                argv.add(1).write(handle(1));
            }
            _ => (0..count).for_each(|i| argv.add(i).write(handle(i))),
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_cb_info(
    env: napi_env,
    cbinfo: napi_callback_info,
    argc: Out<usize>,
    argv: *mut napi_value,
    this_arg: Out<napi_value>,
    data: Out<*mut c_void>,
) -> napi_status {
    entry::plain(env, "napi_get_cb_info", move |cx| {
        if cbinfo.is_null() {
            return fail(status::INVALID_ARG);
        }
        // SAFETY: a callback info is only given to a callback, pointing to `invoke`'s
        // `CallbackInfo` for as long as the callback runs (Node-API's contract, as in node).
        let info = unsafe { &*cbinfo.cast::<CallbackInfo>() };
        // SAFETY: with `argv` given, Node-API makes `argc` in-out: the addon set it to the room
        // at `argv`.
        let room = if argv.is_null() { 0 } else { unsafe { argc.read() }? };
        // The arguments that fit, their handles made in one go, in one borrow of the handles:
        // one look at the room, each clone made in its slot (a clone made first and moved in
        // went through the stack in pieces); the frame read in the same look.
        let frame = cx.rt.frame_args(info.frame, room).or_status(status::INVALID_ARG)?;
        if frame.given > 0 {
            // SAFETY: Node-API: `argv` (non-null, or the room would be 0) has room for `room`
            // handles, and `given` is at most that.
            unsafe { write_handles(argv, frame.first, frame.given) };
        }
        // The room past the arguments gets the constant `undefined` handle, as V8 gives its one
        // undefined there: node-addon-api asks for room for six on every call, and a handle
        // made each time was most of what a call with none cost here.
        let undefined = HandleStack::UNDEFINED as napi_value;
        for i in frame.given..room {
            // SAFETY: as above.
            unsafe { argv.add(i).write(undefined) };
        }
        if let Some(argc) = argc.optional() {
            argc.write(frame.argc);
        }
        if let Some(this_arg) = this_arg.optional() {
            this_arg.write(info.this);
        }
        if let Some(data) = data.optional() {
            data.write(frame.data as *mut c_void);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_new_target(env: napi_env, cbinfo: napi_callback_info, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_new_target", move |cx| {
        if cbinfo.is_null() {
            return fail(status::INVALID_ARG);
        }
        let slot = result.required()?;
        // SAFETY: as in `napi_get_cb_info`.
        let info = unsafe { &*cbinfo.cast::<CallbackInfo>() };
        let target = cx.rt.frame(info.frame).map(|f| f.new_target);
        let target = target.or_status(status::INVALID_ARG)?;
        slot.write(match target {
            Some(t) => cx.handle(Value::Object(t)),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

/// The `argc` values at `argv` (null allowed only when `argc` is 0). Inlined, the common call
/// with none made in line: out of line, an empty vector cost a call of 24 instructions, its
/// answer written through memory and read back.
///
/// # Safety
/// As for [`pointers::array`]: unless `argc` is 0, `argv` is null or holds `argc` handles.
#[inline(always)]
unsafe fn args(cx: &Cx, argc: usize, argv: *const napi_value) -> NapiResult<Vec<Value>> {
    if argc == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the caller's promise, passed on.
    unsafe { some_args(cx, argc, argv) }
}

/// [`args`] of one or more: copied in one look at the handles (`HandleStack::copy_all`), where
/// each was a borrow of its own.
///
/// # Safety
/// As for [`args`].
unsafe fn some_args(cx: &Cx, argc: usize, argv: *const napi_value) -> NapiResult<Vec<Value>> {
    // SAFETY: the caller's promise, passed on.
    let handles = unsafe { pointers::array(argv, argc) }?;
    // The runtime's spare vector (`args_vec`), which a native callee gives back.
    let mut args = cx.rt.args_vec(argc);
    if !cx.rt.handles().copy_all(handles.iter().map(|h| *h as usize), &mut args) {
        return fail(status::INVALID_ARG);
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
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_call_function", move |cx| {
        let this = cx.value(recv)?;
        // SAFETY: Node-API: `argv` holds `argc` handles.
        let args = unsafe { args(cx, argc, argv) }?;
        let callable = cx.callable(func)?;
        let r = cx.rt.call_found(callable, this, args)?;
        if let Some(result) = result.optional() {
            result.write(cx.handle(r));
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
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_new_instance", move |cx| {
        cx.value(constructor)?;
        // SAFETY: Node-API: `argv` holds `argc` handles.
        let args = unsafe { args(cx, argc, argv) }?;
        result.required()?;
        let ctor = cx.function(constructor)?;
        let r = cx.rt.construct(&ctor, &args)?;
        cx.ret(result, r)
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::rc::Rc;

    use super::*;
    use crate::entry::{env_handle, with_env};
    use napi_runtime::{EnvId, Runtime};

    /// The addon's side of the call: its arguments' handles taken, as every addon takes them.
    unsafe extern "C" fn takes_its_arguments(env: napi_env, info: napi_callback_info) -> napi_value {
        let (mut argc, mut argv) = (4usize, [std::ptr::null_mut(); 4]);
        // SAFETY: the env and info of this call; `argv` has room for `argc` handles.
        let got = unsafe {
            napi_get_cb_info(
                env,
                info,
                Out::from_raw(&mut argc),
                argv.as_mut_ptr(),
                Out::from_raw(std::ptr::null_mut()),
                Out::from_raw(std::ptr::null_mut()),
            )
        };
        assert_eq!((got, argc), (status::OK, 3));
        argv[1]
    }

    /// `f` with a runtime, entered, and a function of it whose callback is `cb` with `data`.
    fn with_function(cb: crate::callback::CallbackFn, data: usize, f: impl FnOnce(&Runtime, &Value)) {
        let rt = crate::layer::new_runtime();
        let id = rt.add_env(8, CString::new("file:///test.node").unwrap());
        let env = env_handle(&rt, id);
        let _entered = Runtime::enter(&rt);
        let cb = native_callback(cb);
        let func = with_env(env, |e| Value::Object(new_function(&Cx { rt: &rt, env: e }, "f", cb, data, false, None))).unwrap();
        f(&rt, &func);
    }

    /// `with_function`, called from a second env's code: `f` gets that env's id and handle,
    /// inside a scope of its own.
    fn with_caller(cb: crate::callback::CallbackFn, data: usize, f: impl FnOnce(&Runtime, &Value, EnvId, napi_env)) {
        with_function(cb, data, |rt, func| {
            let id = rt.add_env(8, CString::new("file:///caller.node").unwrap());
            let scope = rt.handles_mut().open(false);
            f(rt, func, id, env_handle(rt, id));
            rt.handles_mut().close(scope).unwrap();
        });
    }

    thread_local! {
        /// The room `records_its_arguments` asks for, and what it was given: `argc` as it came
        /// back, each slot's value (`None` for a slot left unwritten), `this` and `data`.
        static ROOM: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        static GIVEN: std::cell::RefCell<(usize, Vec<Option<String>>, String, usize)> = Default::default();
    }

    /// The addon's side of a call that asks for `ROOM` argument slots, `this` and `data`.
    unsafe extern "C" fn records_its_arguments(env: napi_env, info: napi_callback_info) -> napi_value {
        let room = ROOM.get();
        let (mut argc, mut argv) = (room, vec![std::ptr::null_mut(); room + 1]);
        let (mut this, mut data) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the env and info of this call; `argv` has room for `argc` handles (one more,
        // to see that nothing is written past them).
        let got = unsafe {
            napi_get_cb_info(env, info, Out::from_raw(&mut argc), argv.as_mut_ptr(), Out::from_raw(&mut this), Out::from_raw(&mut data))
        };
        assert_eq!(got, status::OK);
        let value = |h: napi_value| {
            let show = |found: Option<(&Runtime, &napi_runtime::Env)>| found?.0.handles().get(h as usize).map(|v| format!("{v:?}"));
            // SAFETY: `env` is the env this call was given.
            unsafe { napi_runtime::env::EnvSlot::with_entered(env.cast_const().cast(), show) }
        };
        let slots = argv.iter().map(|h| if h.is_null() { None } else { value(*h) }).collect();
        GIVEN.set((argc, slots, value(this).unwrap_or_default(), data as usize));
        std::ptr::null_mut()
    }

    /// The slots past the arguments hold `undefined`, as many as the room, and nothing past the
    /// room is written; arguments past the room are left out, while `argc` says how many came;
    /// `this` and `data` are the call's.
    #[test]
    fn the_room_past_the_arguments_is_undefined_and_arguments_past_the_room_are_left_out() {
        with_function(records_its_arguments, 7, |rt, func| {
            let [one, two, undefined] = [Some("Number(1.0)"), Some("Number(2.0)"), Some("Undefined")].map(|s| s.map(String::from));
            let cases = [
                (6, vec![one.clone(), two.clone(), undefined.clone(), undefined.clone(), undefined.clone(), undefined.clone(), None]),
                (2, vec![one.clone(), two.clone(), None]),
                (1, vec![one.clone(), None]),
                (0, vec![None]),
            ];
            let receiver = Value::Object(rt.heap_mut().new_object(ObjectClass::Plain, None));
            let shown = format!("{receiver:?}");
            for (room, slots) in cases {
                ROOM.set(room);
                let scope = rt.handles_mut().open(false);
                let args = vec![Value::Number(1.0), Value::Number(2.0)];
                rt.call_in_scope(func, receiver.clone(), args).map_err(|_| "thrown").unwrap();
                rt.handles_mut().close(scope).unwrap();
                let (argc, given, this, data) = GIVEN.take();
                assert_eq!((argc, &given, &this, data), (2, &slots, &shown, 7), "room for {room}");
            }
        });
    }

    /// The addon's side of a call that answers its `data`, as a number.
    unsafe extern "C" fn answers_its_data(env: napi_env, info: napi_callback_info) -> napi_value {
        let mut data = std::ptr::null_mut();
        let mut answer = std::ptr::null_mut();
        // SAFETY: the env and info of this call; the out-pointers are live locals.
        unsafe {
            let none = Out::from_raw(std::ptr::null_mut());
            assert_eq!(
                napi_get_cb_info(env, info, none, std::ptr::null_mut(), Out::from_raw(std::ptr::null_mut()), Out::from_raw(&mut data)),
                status::OK
            );
            assert_eq!(crate::values::napi_create_double(env, data as usize as f64, Out::from_raw(&mut answer)), status::OK);
        }
        answer
    }

    /// `napi_call_function` calls what can be called, a function or a proxy of one, and answers
    /// `napi_invalid_arg` for any other value, for no handle and for a handle of no slot,
    /// recording it as the last error and calling nothing.
    #[test]
    fn only_a_function_or_a_proxy_of_one_is_called() {
        with_caller(answers_its_data, 5, |rt, func, id, env| {
            let Value::Object(target) = func else { unreachable!() };
            let handler = rt.heap_mut().new_object(ObjectClass::Plain, None);
            let proxy = Value::Object(rt.new_proxy(*target, handler));
            let plain = Value::Object(rt.heap_mut().new_object(ObjectClass::Plain, None));
            let handle = |v: &Value| rt.handles_mut().push(v.clone()) as napi_value;
            let (func, proxy, plain, number) = (handle(func), handle(&proxy), handle(&plain), handle(&Value::Number(1.0)));
            let nowhere = (1usize << 40) as napi_value;
            let recv = handle(&Value::Undefined);
            let call = |f: napi_value| {
                let mut result = std::ptr::null_mut();
                // SAFETY: `env` is this thread's runtime's env; no arguments; `result` a live local.
                let s = unsafe { napi_call_function(env, recv, f, 0, std::ptr::null(), Out::from_raw(&mut result)) };
                let answer = rt.handles().get(result as usize).filter(|_| !result.is_null()).cloned();
                (s, rt.env(id).unwrap().last_status.get(), answer)
            };
            for (name, f) in [("a function", func), ("a proxy of one", proxy)] {
                let (s, last, answer) = call(f);
                assert_eq!((s, last), (status::OK, status::OK), "{name}");
                assert!(matches!(answer, Some(Value::Number(n)) if n == 5.0), "{name}: {answer:?}");
            }
            for (name, f) in
                [("an object", plain), ("a number", number), ("no handle", std::ptr::null_mut()), ("a handle of no slot", nowhere)]
            {
                let (s, last, answer) = call(f);
                assert_eq!((s, last, answer.is_none()), (status::INVALID_ARG, status::INVALID_ARG, true), "{name}");
            }
        });
    }

    /// `napi_call_function` hands the callee the values of its argument handles, in order (a
    /// string among numbers and booleans cloned, the others copied); a handle of no slot among
    /// them, or no `argv` for some, is `napi_invalid_arg` with nothing called.
    #[test]
    fn the_arguments_given_are_the_callees_in_order_and_a_bad_one_calls_nothing() {
        with_caller(records_its_arguments, 3, |rt, func, _, env| {
            let handle = |v: Value| rt.handles_mut().push(v) as napi_value;
            let values = [Value::Number(1.5), Value::str("text"), Value::Bool(true)];
            let shown: Vec<_> = values.iter().map(|v| Some(format!("{v:?}"))).collect();
            let (func, recv) = (handle(func.clone()), handle(Value::Undefined));
            let argv: Vec<_> = values.into_iter().map(handle).collect();
            let call = |argc: usize, argv: *const napi_value| {
                let mut result = std::ptr::null_mut();
                // SAFETY: `env` is this thread's runtime's env; `argv` holds `argc` handles (or
                // is null); `result` is a live local.
                unsafe { napi_call_function(env, recv, func, argc, argv, Out::from_raw(&mut result)) }
            };
            ROOM.set(3);
            assert_eq!(call(3, argv.as_ptr()), status::OK);
            let (argc, given, _, data) = GIVEN.take();
            assert_eq!((argc, &given[..3], given[3].is_none(), data), (3, &shown[..], true, 3));
            let nowhere = (1usize << 40) as napi_value;
            for (name, argv) in [("a handle of no slot", vec![argv[0], nowhere]), ("no argv", vec![])] {
                let argv = if argv.is_empty() { std::ptr::null() } else { argv.as_ptr() };
                assert_eq!(call(2, argv), status::INVALID_ARG, "{name}");
                assert_eq!(GIVEN.take().1, Vec::<Option<String>>::new(), "{name}: nothing called");
            }
        });
    }

    /// A call's arguments and their handles are forgotten, not dropped, when none owns memory:
    /// a string among them must still be let go of once the call and its scope are over.
    #[test]
    fn a_string_argument_is_let_go_of_after_the_call_whatever_came_with_it() {
        with_function(takes_its_arguments, 0, |rt, func| {
            let text: Rc<str> = "argument".into();
            for round in 0..2 {
                let string = || Value::String(JsString::Text(text.clone()));
                // A string among plain words, then plain words only (forgotten, not dropped).
                let args = if round == 0 { vec![Value::Number(1.0), string(), Value::Bool(true)] } else { vec![Value::Number(1.0); 3] };
                let scope = rt.handles_mut().open(false);
                let answer = rt.call_in_scope(func, Value::Undefined, args).map_err(|_| "thrown").unwrap();
                drop(answer);
                rt.handles_mut().close(scope).unwrap();
                assert_eq!(Rc::strong_count(&text), 1, "round {round}: the string let go of");
            }
        });
    }

    thread_local! {
        /// The last status `throws_its_data` found recorded as it began.
        static ENTERED_WITH: std::cell::Cell<i32> = const { std::cell::Cell::new(-1) };
    }

    /// The addon's side of a call that notes the last status it began with and throws its
    /// `data` as a number, or answers nothing when it is 0.
    unsafe extern "C" fn throws_its_data(env: napi_env, info: napi_callback_info) -> napi_value {
        ENTERED_WITH.set(with_env(env, |e| e.last_status.get()).unwrap());
        let (mut data, mut thrown) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the env and info of this call; the out-pointers are live locals.
        unsafe {
            let none = Out::from_raw(std::ptr::null_mut());
            let got =
                napi_get_cb_info(env, info, none, std::ptr::null_mut(), Out::from_raw(std::ptr::null_mut()), Out::from_raw(&mut data));
            assert_eq!(got, status::OK);
            if !data.is_null() {
                assert_eq!(crate::values::napi_create_double(env, data as usize as f64, Out::from_raw(&mut thrown)), status::OK);
                assert_eq!(crate::errors::napi_throw(env, thrown), status::OK);
            }
        }
        std::ptr::null_mut()
    }

    /// A callback begins with no last error, whatever its env recorded before (the way in
    /// clears it); what it throws is its call's answer, taken so that none is left pending;
    /// one that throws nothing answers undefined.
    #[test]
    fn a_callback_begins_with_no_last_error_and_what_it_throws_is_its_calls_answer() {
        for data in [0, 3] {
            with_function(throws_its_data, data, |rt, func| {
                rt.env(EnvId(0)).unwrap().set_last_error(status::INVALID_ARG, None);
                let scope = rt.handles_mut().open(false);
                let answer = rt.call_in_scope(func, Value::Undefined, Vec::new());
                rt.handles_mut().close(scope).unwrap();
                assert_eq!(ENTERED_WITH.replace(-1), status::OK, "data {data}: the last error cleared");
                match answer {
                    Ok(Value::Undefined) => assert_eq!(data, 0),
                    Err(napi_runtime::Thrown(Value::Number(n))) => assert_eq!(n, data as f64),
                    _ => panic!("data {data}: answered neither undefined nor its data thrown"),
                }
                assert!(!rt.is_exception_pending(), "data {data}: nothing left pending");
            });
        }
    }
}
