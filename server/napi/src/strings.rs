//! Strings in UTF-8, Latin-1 and UTF-16, with Node's buffer-size rules; property keys and
//! "external" strings (which this host always copies, as Node does for short ones).

use std::cell::RefCell;
use std::ffi::{c_char, c_void};

use super::entry::{self, fail, out, Cx, NapiResult};
use super::types::*;
use napi_runtime::object::Finalization;
use napi_runtime::recent::{self, Recent};
use napi_runtime::{JsString, Value};

/// `NAPI_AUTO_LENGTH`.
const AUTO_LENGTH: usize = usize::MAX;

/// The bytes of a C string argument: `length` bytes, or up to the NUL for `NAPI_AUTO_LENGTH`.
/// Node accepts a null pointer only with length 0, and lengths up to `INT_MAX`.
fn c_units<T: Copy + Default + PartialEq>(ptr: *const T, length: usize) -> NapiResult<&'static [T]> {
    if length == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || (length != AUTO_LENGTH && length > i32::MAX as usize) {
        return fail(status::INVALID_ARG);
    }
    let len = if length == AUTO_LENGTH {
        let mut n = 0;
        // SAFETY: with NAPI_AUTO_LENGTH the addon promises a terminated string.
        while unsafe { *ptr.add(n) } != T::default() {
            n += 1;
        }
        n
    } else {
        length
    };
    // SAFETY: the addon promises `len` readable units at `ptr` (non-null, checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

pub fn read_utf8(ptr: *const c_char, length: usize) -> NapiResult<JsString> {
    Ok(JsString::from_utf8_lossy(c_units(ptr as *const u8, length)?))
}

thread_local! {
    static NAMES: RefCell<Recent<JsString>> = RefCell::default();
}

/// `read_utf8` for a property name, reused when recently read: an addon names the same
/// properties again and again (the fields of every object it makes), as V8 internalizes them.
/// The cache holds plain strings, which no runtime owns, so runtimes sharing a thread share it.
pub fn read_name(ptr: *const c_char, length: usize) -> NapiResult<JsString> {
    let bytes = c_units(ptr as *const u8, length)?;
    if bytes.len() > recent::LONGEST {
        return Ok(JsString::from_utf8_lossy(bytes));
    }
    Ok(NAMES.with(|names| names.borrow_mut().get_or_make(bytes, || JsString::from_utf8_lossy(bytes)).clone()))
}

fn create(env: napi_env, name: &'static str, result: *mut napi_value, make: impl FnOnce() -> NapiResult<JsString>) -> napi_status {
    entry::plain(env, name, |cx| {
        let s = make()?;
        cx.ret(result, Value::String(s))
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_utf8(env: napi_env, str: *const c_char, length: usize, result: *mut napi_value) -> napi_status {
    create(env, "napi_create_string_utf8", result, || read_utf8(str, length))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_latin1(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: *mut napi_value,
) -> napi_status {
    create(env, "napi_create_string_latin1", result, || Ok(JsString::from_latin1(c_units(str as *const u8, length)?)))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_utf16(env: napi_env, str: *const u16, length: usize, result: *mut napi_value) -> napi_status {
    create(env, "napi_create_string_utf16", result, || Ok(JsString::from_utf16(c_units(str, length)?)))
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_utf8(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: *mut napi_value,
) -> napi_status {
    create(env, "node_api_create_property_key_utf8", result, || read_name(str, length))
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_latin1(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: *mut napi_value,
) -> napi_status {
    create(env, "node_api_create_property_key_latin1", result, || Ok(JsString::from_latin1(c_units(str as *const u8, length)?)))
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_utf16(
    env: napi_env,
    str: *const u16,
    length: usize,
    result: *mut napi_value,
) -> napi_status {
    create(env, "node_api_create_property_key_utf16", result, || Ok(JsString::from_utf16(c_units(str, length)?)))
}

/// External strings: the host copies the text (its strings are values, not heap objects), but
/// answers `copied = false` as Node does for these, and frees the addon's memory the way Node
/// would once the string dies: its finalizer runs at the next collection (or at teardown), never
/// while the addon may still be reading the memory it just handed over.
fn create_external(
    env: napi_env,
    name: &'static str,
    result: *mut napi_value,
    copied: *mut bool,
    finalize: (napi_finalize, *mut c_void, *mut c_void),
    make: impl FnOnce() -> NapiResult<JsString>,
) -> napi_status {
    entry::plain(env, name, |cx| {
        let s = make()?;
        cx.ret(result, Value::String(s))?;
        if !copied.is_null() {
            *out(copied)? = false;
        }
        if let (Some(cb), data, hint) = finalize {
            let f = Finalization { env: cx.env.id, cb: cb as usize, data: data as usize, hint: hint as usize, seq: cx.rt.next_seq() };
            cx.rt.post_finalizers.borrow_mut().push(f);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_external_string_latin1(
    env: napi_env,
    str: *mut c_char,
    length: usize,
    finalize_callback: napi_finalize,
    finalize_hint: *mut c_void,
    result: *mut napi_value,
    copied: *mut bool,
) -> napi_status {
    create_external(
        env,
        "node_api_create_external_string_latin1",
        result,
        copied,
        (finalize_callback, str as *mut c_void, finalize_hint),
        || Ok(JsString::from_latin1(c_units(str as *const u8, length)?)),
    )
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_external_string_utf16(
    env: napi_env,
    str: *mut u16,
    length: usize,
    finalize_callback: napi_finalize,
    finalize_hint: *mut c_void,
    result: *mut napi_value,
    copied: *mut bool,
) -> napi_status {
    create_external(
        env,
        "node_api_create_external_string_utf16",
        result,
        copied,
        (finalize_callback, str as *mut c_void, finalize_hint),
        || Ok(JsString::from_utf16(c_units(str, length)?)),
    )
}

fn string(cx: &Cx, value: napi_value) -> NapiResult<JsString> {
    match cx.value(value)? {
        Value::String(s) => Ok(s),
        _ => fail(status::STRING_EXPECTED),
    }
}

/// The shared shape of the three getters: with no buffer, report the full length (in `T` units,
/// without terminator); with a buffer, write at most `bufsize - 1` units and a terminator, and
/// report how many were written. `encode` writes into the buffer itself and answers how many
/// units it wrote: strings are read on most calls into an addon, and a copy of the text made
/// first, then cut, then copied again cost two allocations each time (D50).
fn get_string<T: Copy + Default>(
    env: napi_env,
    name: &'static str,
    value: napi_value,
    buf: *mut T,
    bufsize: usize,
    result: *mut usize,
    encode: impl FnOnce(&JsString, &mut [T]) -> usize,
    full_length: impl FnOnce(&JsString) -> usize,
) -> napi_status {
    entry::plain(env, name, |cx| {
        cx.value(value)?;
        let s = string(cx, value)?;
        if buf.is_null() {
            *out(result)? = full_length(&s);
            return Ok(());
        }
        let written = if bufsize == 0 {
            0
        } else {
            // SAFETY: the addon promises `bufsize` writable units at `buf` (non-null, checked),
            // memory of its own that no value of ours overlaps; at most `bufsize - 1` are
            // written through the slice, then the terminator after them.
            unsafe {
                let units = std::slice::from_raw_parts_mut(buf, bufsize - 1);
                let written = encode(&s, units);
                *buf.add(written) = T::default();
                written
            }
        };
        if !result.is_null() {
            *out(result)? = written;
        }
        Ok(())
    })
}

/// Writes the UTF-8 of `s` into `out`, cut so as not to split a character; answers the bytes
/// written.
fn write_utf8_prefix(s: &JsString, out: &mut [u8]) -> usize {
    let converted;
    let text = match s.as_str() {
        Some(text) => text,
        None => {
            converted = s.to_rust_string();
            &converted
        }
    };
    let mut end = out.len().min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out[..end].copy_from_slice(&text.as_bytes()[..end]);
    end
}

/// Writes the first UTF-16 units of `s` into `out`, each through `unit`; answers how many.
fn write_utf16_prefix<T>(s: &JsString, out: &mut [T], unit: impl Fn(u16) -> T) -> usize {
    fn fill<T>(out: &mut [T], units: impl Iterator<Item = u16>, unit: impl Fn(u16) -> T) -> usize {
        let mut n = 0;
        for (slot, u) in out.iter_mut().zip(units) {
            *slot = unit(u);
            n += 1;
        }
        n
    }
    match s {
        JsString::Text(text) => fill(out, text.encode_utf16(), unit),
        JsString::Units(units) => fill(out, units.iter().copied(), unit),
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_utf8(
    env: napi_env,
    value: napi_value,
    buf: *mut c_char,
    bufsize: usize,
    result: *mut usize,
) -> napi_status {
    get_string(env, "napi_get_value_string_utf8", value, buf as *mut u8, bufsize, result, write_utf8_prefix, JsString::len_utf8)
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_latin1(
    env: napi_env,
    value: napi_value,
    buf: *mut c_char,
    bufsize: usize,
    result: *mut usize,
) -> napi_status {
    // V8's WriteOneByte keeps the low byte of each UTF-16 unit.
    get_string(
        env,
        "napi_get_value_string_latin1",
        value,
        buf as *mut u8,
        bufsize,
        result,
        |s, out| write_utf16_prefix(s, out, |u| u as u8),
        JsString::len_utf16,
    )
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_utf16(
    env: napi_env,
    value: napi_value,
    buf: *mut u16,
    bufsize: usize,
    result: *mut usize,
) -> napi_status {
    get_string(
        env,
        "napi_get_value_string_utf16",
        value,
        buf,
        bufsize,
        result,
        |s, out| write_utf16_prefix(s, out, |u| u),
        JsString::len_utf16,
    )
}
