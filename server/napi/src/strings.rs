//! Strings in UTF-8, Latin-1 and UTF-16, with Node's buffer-size rules; property keys and
//! "external" strings (which this host always copies, as Node does for short ones).

use std::cell::RefCell;
use std::ffi::{c_char, c_void};

use super::callback::native_finalizer;
use super::entry::{self, fail, Cx, NapiResult};
use super::pointers::Out;
use super::types::*;
use napi_link::recent::{self, Recent};
use napi_runtime::object::Finalization;
use napi_runtime::property::PropertyKey;
use napi_runtime::props::hash_of;
use napi_runtime::{JsString, Value};

/// `NAPI_AUTO_LENGTH`.
const AUTO_LENGTH: usize = usize::MAX;

/// The units of a string argument: `length` of them, or up to the terminating zero for
/// `NAPI_AUTO_LENGTH`. Node accepts a null pointer only with length 0, and lengths up to
/// `INT_MAX`.
///
/// # Safety
/// Unless `length` is 0, `ptr` is null, or valid for reads of `length` units, or (for
/// `NAPI_AUTO_LENGTH`) of units up to and including a zero, unchanged for all of `'a`: what
/// Node-API asks of a string and its length.
unsafe fn c_units<'a, T: Copy + Default + PartialEq>(ptr: *const T, length: usize) -> NapiResult<&'a [T]> {
    if length == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || (length != AUTO_LENGTH && length > i32::MAX as usize) {
        return fail(status::INVALID_ARG);
    }
    let len = if length == AUTO_LENGTH {
        let mut n = 0;
        // SAFETY: with NAPI_AUTO_LENGTH the string is terminated (the caller's promise), and
        // no unit past the terminator is read.
        while unsafe { *ptr.add(n) } != T::default() {
            n += 1;
        }
        n
    } else {
        length
    };
    // SAFETY: `len` units at `ptr` (non-null, checked above) are readable for `'a` (the
    // caller's promise; the terminator's position for NAPI_AUTO_LENGTH).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 string argument (invalid sequences replaced, as V8 does).
///
/// # Safety
/// `ptr` holds `length` bytes, or is NUL-terminated for `NAPI_AUTO_LENGTH` (see `c_units`).
pub unsafe fn read_utf8(ptr: *const c_char, length: usize) -> NapiResult<JsString> {
    // SAFETY: the caller's promise, passed on.
    Ok(JsString::from_utf8_lossy(unsafe { c_units(ptr as *const u8, length) }?))
}

/// A Latin-1 string argument.
///
/// # Safety
/// `ptr` holds `length` bytes, or is NUL-terminated for `NAPI_AUTO_LENGTH` (see `c_units`).
unsafe fn read_latin1(ptr: *const c_char, length: usize) -> NapiResult<JsString> {
    // SAFETY: the caller's promise, passed on.
    Ok(JsString::from_latin1(unsafe { c_units(ptr as *const u8, length) }?))
}

/// A UTF-16 string argument.
///
/// # Safety
/// As for [`c_units`]: `ptr` holds `length` units, or is zero-terminated for `NAPI_AUTO_LENGTH`.
unsafe fn read_utf16(ptr: *const u16, length: usize) -> NapiResult<JsString> {
    // SAFETY: the caller's promise, passed on.
    Ok(JsString::from_utf16(unsafe { c_units(ptr, length) }?))
}

/// A name as property access wants it: its text, the key it makes and that key's hash, made
/// once for all the times the name comes back.
struct Name {
    text: JsString,
    key: PropertyKey,
    hash: u64,
}

impl Name {
    fn new(bytes: &[u8]) -> Name {
        let text = JsString::from_utf8_lossy(bytes);
        let key = PropertyKey::from_string(text.clone());
        Name { hash: hash_of(&key), text, key }
    }
}

thread_local! {
    static NAMES: RefCell<Recent<Name>> = RefCell::default();
}

/// `read_utf8` for a property name, reused when recently read: an addon names the same
/// properties again and again (the fields of every object it makes), as V8 internalizes them.
/// The cache holds plain strings, which no runtime owns, so runtimes sharing a thread share it.
///
/// # Safety
/// `ptr` holds `length` bytes, or is NUL-terminated for `NAPI_AUTO_LENGTH` (see `c_units`).
pub unsafe fn read_name(ptr: *const c_char, length: usize) -> NapiResult<JsString> {
    // SAFETY: the caller's promise, passed on.
    unsafe { with_name(ptr, length, |name| name.text.clone()) }
}

/// The property key a name argument makes, and its hash (`napi_runtime::props::hash_of`).
///
/// # Safety
/// As for [`read_name`].
// Inlined, with `with_name`, into each caller: returned through memory, the key was written in
// 8-byte pieces and read back in a 16-byte one, which waited for the writes (a failed store
// forwarding, a twentieth of `makeObject16`'s time in `napi_set_named_property`).
#[inline(always)]
pub unsafe fn read_key(ptr: *const c_char, length: usize) -> NapiResult<(PropertyKey, u64)> {
    // SAFETY: the caller's promise, passed on.
    unsafe { with_name(ptr, length, |name| (name.key.clone(), name.hash)) }
}

/// `take` of the name at `ptr`, from the cache when it holds it.
///
/// # Safety
/// As for [`read_name`].
#[inline(always)]
unsafe fn with_name<T>(ptr: *const c_char, length: usize, take: impl FnOnce(&Name) -> T) -> NapiResult<T> {
    // SAFETY: the caller's promise, passed on.
    let bytes = unsafe { c_units(ptr as *const u8, length) }?;
    if bytes.len() > recent::LONGEST {
        return Ok(take(&Name::new(bytes)));
    }
    Ok(NAMES.with(|names| take(names.borrow_mut().get_or_make(bytes, || Name::new(bytes)))))
}

fn create(env: napi_env, name: &'static str, result: Out<napi_value>, make: impl FnOnce() -> NapiResult<JsString>) -> napi_status {
    entry::plain(env, name, move |cx| {
        let s = make()?;
        cx.ret(result, Value::String(s))
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_utf8(env: napi_env, str: *const c_char, length: usize, result: Out<napi_value>) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` bytes, or is NUL-terminated for NAPI_AUTO_LENGTH.
    create(env, "napi_create_string_utf8", result, || unsafe { read_utf8(str, length) })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_latin1(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: Out<napi_value>,
) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` bytes, or is zero-terminated for NAPI_AUTO_LENGTH.
    create(env, "napi_create_string_latin1", result, || unsafe { read_latin1(str, length) })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_string_utf16(env: napi_env, str: *const u16, length: usize, result: Out<napi_value>) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` UTF-16 units, or is zero-terminated for NAPI_AUTO_LENGTH.
    create(env, "napi_create_string_utf16", result, || unsafe { read_utf16(str, length) })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_utf8(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: Out<napi_value>,
) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` bytes, or is NUL-terminated for NAPI_AUTO_LENGTH.
    create(env, "node_api_create_property_key_utf8", result, || unsafe { read_name(str, length) })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_latin1(
    env: napi_env,
    str: *const c_char,
    length: usize,
    result: Out<napi_value>,
) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` bytes, or is zero-terminated for NAPI_AUTO_LENGTH.
    create(env, "node_api_create_property_key_latin1", result, || unsafe { read_latin1(str, length) })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_property_key_utf16(
    env: napi_env,
    str: *const u16,
    length: usize,
    result: Out<napi_value>,
) -> napi_status {
    // SAFETY: Node-API: `str` holds `length` UTF-16 units, or is zero-terminated for NAPI_AUTO_LENGTH.
    create(env, "node_api_create_property_key_utf16", result, || unsafe { read_utf16(str, length) })
}

/// External strings: the host copies the text (its strings are values, not heap objects), but
/// answers `copied = false` as Node does for these, and frees the addon's memory the way Node
/// would once the string dies: its finalizer runs at the next collection (or at teardown), never
/// while the addon may still be reading the memory it just handed over.
fn create_external(
    env: napi_env,
    name: &'static str,
    result: Out<napi_value>,
    copied: Out<bool>,
    finalize: (napi_finalize, *mut c_void, *mut c_void),
    make: impl FnOnce() -> NapiResult<JsString>,
) -> napi_status {
    entry::plain(env, name, move |cx| {
        let s = make()?;
        cx.ret(result, Value::String(s))?;
        if let Some(copied) = copied.optional() {
            copied.write(false);
        }
        if let (Some(cb), data, hint) = finalize {
            let f = Finalization::new(cx.env.id, native_finalizer(cb), data as usize, hint as usize, cx.rt.next_seq());
            cx.rt.post_finalizer(f);
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
    result: Out<napi_value>,
    copied: Out<bool>,
) -> napi_status {
    create_external(
        env,
        "node_api_create_external_string_latin1",
        result,
        copied,
        (finalize_callback, str as *mut c_void, finalize_hint),
        // SAFETY: Node-API: `str` holds `length` bytes, or is zero-terminated for
        // NAPI_AUTO_LENGTH.
        || unsafe { read_latin1(str as *const c_char, length) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_external_string_utf16(
    env: napi_env,
    str: *mut u16,
    length: usize,
    finalize_callback: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_value>,
    copied: Out<bool>,
) -> napi_status {
    create_external(
        env,
        "node_api_create_external_string_utf16",
        result,
        copied,
        (finalize_callback, str as *mut c_void, finalize_hint),
        // SAFETY: Node-API: `str` holds `length` UTF-16 units, or is zero-terminated for
        // NAPI_AUTO_LENGTH.
        || unsafe { read_utf16(str, length) },
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
/// first, then cut, then copied again cost two allocations each time.
///
/// # Safety
/// `buf` is null or valid for writes of `bufsize` units while the call lasts, memory of the
/// addon's own: what Node-API asks of a buffer and its size.
#[expect(clippy::too_many_arguments, reason = "the getters' C arguments, passed on, and how each one encodes")]
unsafe fn get_string<T: Copy + Default>(
    env: napi_env,
    name: &'static str,
    value: napi_value,
    buf: *mut T,
    bufsize: usize,
    result: Out<usize>,
    encode: impl FnOnce(&JsString, &mut [T]) -> usize,
    full_length: impl FnOnce(&JsString) -> usize,
) -> napi_status {
    entry::plain(env, name, move |cx| {
        cx.value(value)?;
        let s = string(cx, value)?;
        if buf.is_null() {
            result.write(full_length(&s))?;
            return Ok(());
        }
        let written = if bufsize == 0 {
            0
        } else {
            // SAFETY: `bufsize` units at `buf` (non-null, checked) are writable (the caller's
            // promise), memory of the addon's own that no value of ours overlaps; at most
            // `bufsize - 1` are written through the slice, then the terminator after them.
            unsafe {
                let units = std::slice::from_raw_parts_mut(buf, bufsize - 1);
                let written = encode(&s, units);
                *buf.add(written) = T::default();
                written
            }
        };
        if let Some(result) = result.optional() {
            result.write(written);
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
    result: Out<usize>,
) -> napi_status {
    // SAFETY: Node-API: `buf` is null or has room for `bufsize` bytes.
    unsafe { get_string(env, "napi_get_value_string_utf8", value, buf as *mut u8, bufsize, result, write_utf8_prefix, JsString::len_utf8) }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_latin1(
    env: napi_env,
    value: napi_value,
    buf: *mut c_char,
    bufsize: usize,
    result: Out<usize>,
) -> napi_status {
    // V8's WriteOneByte keeps the low byte of each UTF-16 unit.
    let encode = |s: &JsString, out: &mut [u8]| write_utf16_prefix(s, out, |u| u as u8);
    // SAFETY: Node-API: `buf` is null or has room for `bufsize` bytes.
    unsafe { get_string(env, "napi_get_value_string_latin1", value, buf as *mut u8, bufsize, result, encode, JsString::len_utf16) }
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_value_string_utf16(
    env: napi_env,
    value: napi_value,
    buf: *mut u16,
    bufsize: usize,
    result: Out<usize>,
) -> napi_status {
    let encode = |s: &JsString, out: &mut [u16]| write_utf16_prefix(s, out, |u| u);
    // SAFETY: Node-API: `buf` is null or has room for `bufsize` UTF-16 units.
    unsafe { get_string(env, "napi_get_value_string_utf16", value, buf, bufsize, result, encode, JsString::len_utf16) }
}
