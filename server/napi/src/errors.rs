//! Errors and exceptions: throwing, creating errors with codes, the pending exception, the last
//! error info, and fatal errors.

use std::ffi::c_char;
use std::io::Write;

use super::entry::{self, fail, Cx, NapiResult};
use super::pointers::Out;
use super::strings::read_utf8;
use super::types::*;
use napi_runtime::convert::ErrorKind;
use napi_runtime::{Env, JsString, Thrown, Value};

#[no_mangle]
pub unsafe extern "C" fn napi_throw(env: napi_env, error: napi_value) -> napi_status {
    entry::js(env, "napi_throw", move |cx| {
        let v = cx.value(error)?;
        cx.rt.throw(v);
        Ok(())
    })
}

/// `napi_throw_*_error`: message required, code optional (both C strings).
///
/// # Safety
/// `code` and `msg` are null or NUL-terminated strings, as Node-API asks.
unsafe fn throw_new(env: napi_env, name: &'static str, kind: ErrorKind, code: *const c_char, msg: *const c_char) -> napi_status {
    entry::js(env, name, move |cx| {
        if msg.is_null() {
            return fail(status::INVALID_ARG);
        }
        // SAFETY: NUL-terminated (the caller's promise), read as such (NAPI_AUTO_LENGTH).
        let message = unsafe { read_utf8(msg, usize::MAX) }?;
        // SAFETY: as `msg`.
        let code = if code.is_null() { None } else { Some(Value::String(unsafe { read_utf8(code, usize::MAX) }?)) };
        let e = cx.rt.new_error(kind, message, code);
        cx.rt.throw(Value::Object(e));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_throw_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status {
    // SAFETY: Node-API: `code` and `msg` are null or NUL-terminated.
    unsafe { throw_new(env, "napi_throw_error", ErrorKind::Error, code, msg) }
}

#[no_mangle]
pub unsafe extern "C" fn napi_throw_type_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status {
    // SAFETY: Node-API: `code` and `msg` are null or NUL-terminated.
    unsafe { throw_new(env, "napi_throw_type_error", ErrorKind::TypeError, code, msg) }
}

#[no_mangle]
pub unsafe extern "C" fn napi_throw_range_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status {
    // SAFETY: Node-API: `code` and `msg` are null or NUL-terminated.
    unsafe { throw_new(env, "napi_throw_range_error", ErrorKind::RangeError, code, msg) }
}

#[no_mangle]
pub unsafe extern "C" fn node_api_throw_syntax_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status {
    // SAFETY: Node-API: `code` and `msg` are null or NUL-terminated.
    unsafe { throw_new(env, "node_api_throw_syntax_error", ErrorKind::SyntaxError, code, msg) }
}

/// `napi_create_*_error`: message and code are JS strings (code may be null).
fn create(cx: &Cx, kind: ErrorKind, code: napi_value, msg: napi_value, result: Out<napi_value>) -> NapiResult {
    let m = cx.value(msg)?;
    let slot = result.required()?;
    let Value::String(message) = m else { return fail(status::STRING_EXPECTED) };
    let code = if code.is_null() {
        None
    } else {
        match cx.value(code)? {
            c @ Value::String(_) => Some(c),
            _ => return fail(status::STRING_EXPECTED),
        }
    };
    slot.write(cx.handle(Value::Object(cx.rt.new_error(kind, message, code))));
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_error(env: napi_env, code: napi_value, msg: napi_value, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_error", move |cx| create(cx, ErrorKind::Error, code, msg, result))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_type_error(env: napi_env, code: napi_value, msg: napi_value, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_type_error", move |cx| create(cx, ErrorKind::TypeError, code, msg, result))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_range_error(env: napi_env, code: napi_value, msg: napi_value, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_range_error", move |cx| create(cx, ErrorKind::RangeError, code, msg, result))
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_syntax_error(
    env: napi_env,
    code: napi_value,
    msg: napi_value,
    result: Out<napi_value>,
) -> napi_status {
    entry::plain(env, "node_api_create_syntax_error", move |cx| create(cx, ErrorKind::SyntaxError, code, msg, result))
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_error(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_error", move |cx| {
        let v = cx.value(value)?;
        result.write(cx.rt.is_error(&v))?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_exception_pending(env: napi_env, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_exception_pending", move |cx| {
        result.write(cx.rt.is_exception_pending())?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_and_clear_last_exception(env: napi_env, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_and_clear_last_exception", move |cx| {
        let slot = result.required()?;
        let exc = cx.rt.take_exception().unwrap_or(Value::Undefined);
        slot.write(cx.handle(exc));
        Ok(())
    })
}

/// Reads the last error without clearing it first (the raw form: it reports on the call before).
#[no_mangle]
pub unsafe extern "C" fn napi_get_last_error_info(env: napi_env, result: Out<*const napi_extended_error_info>) -> napi_status {
    entry::with_env(env, |e| last_error_info(e, result)).unwrap_or(status::INVALID_ARG)
}

/// `napi_get_last_error_info` for the env `e`.
fn last_error_info(e: &Env, result: Out<*const napi_extended_error_info>) -> napi_status {
    let Some(result) = result.optional() else {
        e.set_last_error(status::INVALID_ARG, None);
        return status::INVALID_ARG;
    };
    let code = e.last_status.get();
    let mut info = e.error_info.borrow_mut();
    info.error_code = code;
    let custom = e.last_message.borrow();
    info.error_message = match (custom.as_ref().filter(|_| e.last_message_current.get()), code) {
        (_, status::OK) => std::ptr::null(),
        (Some(custom), _) => custom.as_ptr(),
        (None, c) => status::MESSAGES.get(c as usize).map_or(std::ptr::null(), |m| m.as_ptr()),
    };
    // The env owns the struct, so the pointer outlives this call.
    result.write(&**info as *const napi_extended_error_info);
    status::OK
}

/// Ends the host as Node does: the message on stderr, then abort.
#[no_mangle]
pub unsafe extern "C" fn napi_fatal_error(location: *const c_char, location_len: usize, message: *const c_char, message_len: usize) -> ! {
    let text = |p: *const c_char, len: usize| -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: Node-API: each of `location` and `message` holds its length in bytes, or is
        // NUL-terminated for NAPI_AUTO_LENGTH.
        unsafe { read_utf8(p, len) }.map(|s: JsString| s.to_rust_string()).unwrap_or_default()
    };
    let (loc, msg) = (text(location, location_len), text(message, message_len));
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "FATAL ERROR: {loc} {msg}");
    let _ = err.flush();
    std::process::abort();
}

#[no_mangle]
pub unsafe extern "C" fn napi_run_script(env: napi_env, script: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_run_script", move |cx| {
        cx.value(script)?;
        result.required()?;
        let Value::String(source) = cx.value(script)? else { return fail(status::STRING_EXPECTED) };
        // Expressions over globals, parsed by a real parser and evaluated over the host's
        // values (napi-script); anything else throws a SyntaxError naming it. A script that
        // throws leaves its exception pending and answers node's generic failure (V8's compile
        // or run gave nothing), not napi_pending_exception.
        match napi_script::run(cx.rt, &source.to_rust_string()) {
            Ok(v) => cx.ret(result, v),
            Err(Thrown(e)) => {
                cx.rt.throw(e);
                fail(status::GENERIC_FAILURE)
            }
        }
    })
}

/// Node raises `err` as an uncaught exception (`process.on('uncaughtException')`, else the
/// process ends). Here uncaught exceptions go to the client's uncaught hook —
/// `sys.unraisablehook` by default — and the host goes on.
#[no_mangle]
pub unsafe extern "C" fn napi_fatal_exception(env: napi_env, err: napi_value) -> napi_status {
    entry::plain(env, "napi_fatal_exception", move |cx| {
        let v = cx.value(err)?;
        cx.rt.report_uncaught(v);
        Ok(())
    })
}
