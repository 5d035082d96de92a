//! Primitives, symbols, BigInts, dates, externals, `typeof`, `===` and the `coerce_to_*` family.

use std::ffi::{c_char, c_void};
use std::rc::Rc;

use super::callback::native_finalizer;
use super::entry::{self, fail, Cx, NapiResult, OrStatus};
use super::pointers::{self, Out};
use super::strings::read_utf8;
use super::types::*;
use napi_runtime::bigint::BigInt;
use napi_runtime::handles::HandleStack;
use napi_runtime::number::{to_int32, to_uint32};
use napi_runtime::object::{Finalization, ObjectClass};
use napi_runtime::{Type, Value};

#[no_mangle]
pub unsafe extern "C" fn napi_get_undefined(env: napi_env, result: Out<napi_value>) -> napi_status {
    // The constant handles: no handle made for them (`HandleStack`).
    entry::plain(env, "napi_get_undefined", move |_| result.write(HandleStack::UNDEFINED as napi_value))
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_null(env: napi_env, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_null", move |_| result.write(HandleStack::NULL as napi_value))
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_global(env: napi_env, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_global", move |cx| cx.ret(result, Value::Object(cx.rt.realm().global)))
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_boolean(env: napi_env, value: bool, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_boolean", move |_| result.write(HandleStack::boolean(value) as napi_value))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_int32(env: napi_env, value: i32, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_int32", move |cx| cx.ret_with(result, || Value::Number(value as f64)))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_uint32(env: napi_env, value: u32, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_uint32", move |cx| cx.ret_with(result, || Value::Number(value as f64)))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_int64(env: napi_env, value: i64, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_int64", move |cx| cx.ret_with(result, || Value::Number(value as f64)))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_double(env: napi_env, value: f64, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_double", move |cx| cx.ret_with(result, || Value::Number(value)))
}

/// The number getters: Node checks the value, then the out-pointer, then the type.
// `convert` a type of its own for each getter, not a `fn` pointer: the body takes it with the
// arguments, and a pointer would be called, not inlined, once the body is passed out of line
// (`entry::traced_keeping`).
fn get_number<T>(env: napi_env, name: &'static str, value: napi_value, result: Out<T>, convert: impl FnOnce(f64) -> T) -> napi_status {
    entry::plain(env, name, move |cx| {
        // Read where its handle holds it: a copy of the value, made and dropped, cost more than
        // the rest of the getter.
        let Some(n) = cx.rt.number_at(value as usize) else { return fail(status::INVALID_ARG) };
        let slot = result.required()?;
        match n {
            Some(n) => slot.write(convert(n)),
            None => return fail(status::NUMBER_EXPECTED),
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_double(env: napi_env, value: napi_value, result: Out<f64>) -> napi_status {
    get_number(env, "napi_get_value_double", value, result, |n| n)
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_int32(env: napi_env, value: napi_value, result: Out<i32>) -> napi_status {
    get_number(env, "napi_get_value_int32", value, result, to_int32)
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_uint32(env: napi_env, value: napi_value, result: Out<u32>) -> napi_status {
    get_number(env, "napi_get_value_uint32", value, result, to_uint32)
}

/// Node's int64 getter: truncation, 0 for non-finite values, saturation outside the range
/// (recorded under node 20: 1e20 gives INT64_MAX).
fn to_int64(n: f64) -> i64 {
    if n.is_finite() {
        n as i64
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_int64(env: napi_env, value: napi_value, result: Out<i64>) -> napi_status {
    get_number(env, "napi_get_value_int64", value, result, to_int64)
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_bool(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_get_value_bool", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        let Value::Bool(b) = v else { return fail(status::BOOLEAN_EXPECTED) };
        slot.write(b);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_typeof(env: napi_env, value: napi_value, result: Out<i32>) -> napi_status {
    entry::plain(env, "napi_typeof", move |cx| {
        result.write(match cx.rt.type_at(value as usize).or_status(status::INVALID_ARG)? {
            Type::Undefined => valuetype::UNDEFINED,
            Type::Null => valuetype::NULL,
            Type::Boolean => valuetype::BOOLEAN,
            Type::Number => valuetype::NUMBER,
            Type::String => valuetype::STRING,
            Type::Symbol => valuetype::SYMBOL,
            Type::Object => valuetype::OBJECT,
            Type::Function => valuetype::FUNCTION,
            Type::External => valuetype::EXTERNAL,
            Type::BigInt => valuetype::BIGINT,
        })?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_strict_equals(env: napi_env, lhs: napi_value, rhs: napi_value, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_strict_equals", move |cx| {
        let (a, b) = (cx.value(lhs)?, cx.value(rhs)?);
        result.write(cx.rt.strict_equals(&a, &b))?;
        Ok(())
    })
}

/// Node's coercions report a failed conversion twice: the exception V8 threw is left pending
/// and the status names the expected type.
fn coerce(cx: &Cx, expected: napi_status, r: Result<Value, napi_runtime::Thrown>) -> NapiResult<Value> {
    r.map_err(|t| {
        cx.rt.throw(t.0);
        entry::Fail::Status(expected)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_coerce_to_bool(env: napi_env, value: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_coerce_to_bool", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        slot.write(cx.handle(Value::Bool(cx.rt.to_boolean(&v))));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_coerce_to_number(env: napi_env, value: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_coerce_to_number", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        let n = coerce(cx, status::NUMBER_EXPECTED, cx.rt.to_number(&v).map(Value::Number))?;
        slot.write(cx.handle(n));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_coerce_to_string(env: napi_env, value: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_coerce_to_string", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        let s = coerce(cx, status::STRING_EXPECTED, cx.rt.to_string(&v).map(Value::String))?;
        slot.write(cx.handle(s));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_coerce_to_object(env: napi_env, value: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_coerce_to_object", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        let o = match cx.rt.to_object(&v) {
            Some(id) => Ok(Value::Object(id)),
            None => Err(cx.rt.type_error("Cannot convert undefined or null to object".into())),
        };
        let o = coerce(cx, status::OBJECT_EXPECTED, o)?;
        slot.write(cx.handle(o));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_symbol(env: napi_env, description: napi_value, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_symbol", move |cx| {
        let slot = result.required()?;
        let desc = if description.is_null() {
            None
        } else {
            match cx.value(description)? {
                Value::String(s) => Some(s),
                _ => return fail(status::STRING_EXPECTED),
            }
        };
        slot.write(cx.handle(Value::Symbol(cx.rt.new_symbol(desc))));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_symbol_for(
    env: napi_env,
    utf8description: *const c_char,
    length: usize,
    result: Out<napi_value>,
) -> napi_status {
    entry::plain(env, "node_api_symbol_for", move |cx| {
        // SAFETY: Node-API: `utf8description` holds `length` bytes, or is NUL-terminated when
        // `length` is NAPI_AUTO_LENGTH.
        let key = unsafe { read_utf8(utf8description, length) }?;
        cx.ret(result, Value::Symbol(cx.rt.symbol_for(key)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_bigint_int64(env: napi_env, value: i64, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_bigint_int64", move |cx| cx.ret(result, Value::BigInt(Rc::new(BigInt::from_i64(value)))))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_bigint_uint64(env: napi_env, value: u64, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_bigint_uint64", move |cx| cx.ret(result, Value::BigInt(Rc::new(BigInt::from_u64(value)))))
}

/// V8's limit on BigInt size: 2^30 bits.
const MAX_BIGINT_WORDS: usize = (1 << 30) / 64;

#[no_mangle]
pub unsafe extern "C" fn napi_create_bigint_words(
    env: napi_env,
    sign_bit: i32,
    word_count: usize,
    words: *const u64,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_bigint_words", move |cx| {
        if words.is_null() {
            return fail(status::INVALID_ARG);
        }
        let slot = result.required()?;
        if word_count > i32::MAX as usize {
            return fail(status::INVALID_ARG);
        }
        if word_count > MAX_BIGINT_WORDS {
            return Err(cx.rt.range_error("Maximum BigInt size exceeded".into()).into());
        }
        // SAFETY: Node-API: `words` holds `word_count` words.
        let ws = unsafe { pointers::array(words, word_count) }?.to_vec();
        slot.write(cx.handle(Value::BigInt(Rc::new(BigInt::new(sign_bit != 0, ws)))));
        Ok(())
    })
}

fn bigint(cx: &Cx, value: napi_value) -> NapiResult<Rc<BigInt>> {
    match cx.value(value)? {
        Value::BigInt(b) => Ok(b),
        _ => fail(status::BIGINT_EXPECTED),
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_bigint_int64(
    env: napi_env,
    value: napi_value,
    result: Out<i64>,
    lossless: Out<bool>,
) -> napi_status {
    entry::plain(env, "napi_get_value_bigint_int64", move |cx| {
        cx.value(value)?;
        let (result, lossless) = (result.required()?, lossless.required()?);
        let (n, exact) = bigint(cx, value)?.to_i64();
        result.write(n);
        lossless.write(exact);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_bigint_uint64(
    env: napi_env,
    value: napi_value,
    result: Out<u64>,
    lossless: Out<bool>,
) -> napi_status {
    entry::plain(env, "napi_get_value_bigint_uint64", move |cx| {
        cx.value(value)?;
        let (result, lossless) = (result.required()?, lossless.required()?);
        let (n, exact) = bigint(cx, value)?.to_u64();
        result.write(n);
        lossless.write(exact);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_bigint_words(
    env: napi_env,
    value: napi_value,
    sign_bit: Out<i32>,
    word_count: Out<usize>,
    words: *mut u64,
) -> napi_status {
    entry::plain(env, "napi_get_value_bigint_words", move |cx| {
        cx.value(value)?;
        let count = word_count.required()?;
        let b = bigint(cx, value)?;
        if sign_bit.is_null() && words.is_null() {
            count.write(b.words.len());
            return Ok(());
        }
        let sign = sign_bit.required()?;
        if words.is_null() {
            return fail(status::INVALID_ARG);
        }
        // SAFETY: with `words` given, Node-API makes `word_count` in-out: the addon set it to
        // the room at `words`.
        let room = unsafe { word_count.read() }?;
        let n = room.min(b.words.len());
        // SAFETY: Node-API: `words` (non-null) has room for `room` words, the addon's memory; at
        // most that many are written.
        unsafe { std::ptr::copy_nonoverlapping(b.words.as_ptr(), words, n) };
        sign.write(b.negative as i32);
        count.write(b.words.len());
        Ok(())
    })
}

/// `TimeClip`: NaN outside ±8.64e15 ms, integral otherwise (and never -0).
fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > 8.64e15 {
        f64::NAN
    } else {
        t.trunc() + 0.0
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_date(env: napi_env, time: f64, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_create_date", move |cx| {
        let slot = result.required()?;
        let id = cx.rt.new_date(time_clip(time));
        slot.write(cx.handle(Value::Object(id)));
        Ok(())
    })
}

fn date_value(cx: &Cx, value: napi_value) -> NapiResult<Option<f64>> {
    let v = cx.value(value)?;
    Ok(match v {
        Value::Object(id) => match cx.rt.heap().get(id).map(|o| &o.class) {
            Some(ObjectClass::Date(t)) => Some(*t),
            _ => None,
        },
        _ => None,
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_date(env: napi_env, value: napi_value, is_date: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_date", move |cx| {
        let d = date_value(cx, value)?;
        is_date.write(d.is_some())?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_date_value(env: napi_env, value: napi_value, result: Out<f64>) -> napi_status {
    entry::js(env, "napi_get_date_value", move |cx| {
        let d = date_value(cx, value)?;
        let slot = result.required()?;
        slot.write(d.or_status(status::DATE_EXPECTED)?);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_external(
    env: napi_env,
    data: *mut c_void,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_value>,
) -> napi_status {
    // Node's NAPI_PREAMBLE: refused while an exception is pending.
    entry::js(env, "napi_create_external", move |cx| {
        let slot = result.required()?;
        let class = ObjectClass::External { env: cx.env.id, data: data as usize };
        let id = cx.rt.heap_mut().new_object(class, None);
        // V8's externals take no properties: a write is ignored, a definition refused.
        cx.rt.heap_mut().obj_mut(id).extensible = false;
        if let Some(cb) = finalize_cb {
            // A finalizer of its own, not a wrap: napi_wrap, napi_unwrap and napi_remove_wrap
            // see no wrap on an external, as in node.
            let seq = cx.rt.next_seq();
            let f = Finalization::new(cx.env.id, native_finalizer(cb), data as usize, finalize_hint as usize, seq);
            cx.rt.heap_mut().obj_mut(id).finalizers.push(f);
        }
        slot.write(cx.handle(Value::Object(id)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_external(env: napi_env, value: napi_value, result: Out<*mut c_void>) -> napi_status {
    entry::plain(env, "napi_get_value_external", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        let data = match v {
            Value::Object(id) => match cx.rt.heap().get(id).map(|o| &o.class) {
                Some(ObjectClass::External { data, .. }) => Some(*data),
                _ => None,
            },
            _ => None,
        };
        slot.write(data.or_status(status::INVALID_ARG)? as *mut c_void);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_adjust_external_memory(env: napi_env, change_in_bytes: i64, adjusted_value: Out<i64>) -> napi_status {
    entry::plain(env, "napi_adjust_external_memory", move |cx| {
        let slot = adjusted_value.required()?;
        // The host has no collector heuristics to feed; it keeps the running total Node reports.
        let total = cx.env.external_memory.get().saturating_add(change_in_bytes).max(0);
        cx.env.external_memory.set(total);
        slot.write(total);
        Ok(())
    })
}
