//! `Result` errors: a plain reason, a `Status` code, a custom string code, TypeError/RangeError,
//! and a caught panic.

use napi::bindgen_prelude::{JsRangeError, JsTypeError};
use napi::{Env, Error, Result, Status};
use napi_derive::napi;

/// `failPlain(msg)`: always throws `Error::from_reason(msg)`.
#[napi]
pub fn fail_plain(msg: String) -> Result<()> {
    Err(Error::from_reason(msg))
}

/// `failInvalidArg(msg)`: always throws `Error::new(Status::InvalidArg, msg)`.
#[napi]
pub fn fail_invalid_arg(msg: String) -> Result<u32> {
    Err(Error::new(Status::InvalidArg, msg))
}

/// `checkedDiv(a, b)`: `a / b` (truncating), or a `GenericFailure` error for division by zero
/// and an `InvalidArg` error for the one overflowing case (`-2**31 / -1`).
#[napi]
pub fn checked_div(a: i32, b: i32) -> Result<i32> {
    if b == 0 {
        return Err(Error::new(Status::GenericFailure, "division by zero"));
    }
    a.checked_div(b).ok_or_else(|| Error::new(Status::InvalidArg, format!("{a} / {b} overflows i32")))
}

/// `parseInt32(s)`: Rust's `str::parse::<i32>`; its error message as `InvalidArg`.
#[napi]
pub fn parse_int32(s: String) -> Result<i32> {
    s.trim().parse::<i32>().map_err(|e| Error::new(Status::InvalidArg, format!("cannot parse {s:?}: {e}")))
}

/// `failWithCode(code, msg)`: an error whose status is an arbitrary string code.
#[napi]
pub fn fail_with_code(code: String, msg: String) -> Result<(), String> {
    Err(Error::new(code, msg))
}

/// `throwTypeError(msg)`: throws a `TypeError` with code "InvalidArg".
#[napi]
pub fn throw_type_error(env: Env, msg: String) {
    unsafe { JsTypeError::from(Error::new(Status::InvalidArg, msg)).throw_into(env.raw()) };
}

/// `throwRangeError(msg)`: throws a `RangeError` with code "ERR_OUT_OF_RANGE".
#[napi]
pub fn throw_range_error(env: Env, msg: String) {
    unsafe { JsRangeError::from(Error::new("ERR_OUT_OF_RANGE", msg)).throw_into(env.raw()) };
}

/// `panics(msg)`: panics; napi-rs catches it (`catch_unwind`) and throws instead.
#[napi(catch_unwind)]
pub fn panics(msg: String) -> u32 {
    panic!("{}", msg)
}
