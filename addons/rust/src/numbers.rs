//! Numbers and booleans: i32, u32, i64, f64, bool in and out, and the conversions Node-API
//! applies to out-of-range or fractional arguments (`napi_get_value_int32` etc.).

use napi_derive::napi;

/// `addI32(a, b)`: wrapping i32 addition.
#[napi]
pub fn add_i32(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// `addU32(a, b)`: wrapping u32 addition.
#[napi]
pub fn add_u32(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// `addI64(a, b)`: wrapping i64 addition (returned as a JS number).
#[napi]
pub fn add_i64(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

/// `mulF64(a, b)`.
#[napi]
pub fn mul_f64(a: f64, b: f64) -> f64 {
    a * b
}

/// `echoI32(n)`: the argument as `napi_get_value_int32` reads it.
#[napi]
pub fn echo_i32(n: i32) -> i32 {
    n
}

/// `echoU32(n)`: the argument as `napi_get_value_uint32` reads it.
#[napi]
pub fn echo_u32(n: u32) -> u32 {
    n
}

/// `echoI64(n)`: the argument as `napi_get_value_int64` reads it.
#[napi]
pub fn echo_i64(n: i64) -> i64 {
    n
}

/// `echoF64(n)`: the argument as `napi_get_value_double` reads it.
#[napi]
pub fn echo_f64(n: f64) -> f64 {
    n
}

/// `not(b)`.
#[napi]
pub fn not(b: bool) -> bool {
    !b
}

/// `isEven(n)`.
#[napi]
pub fn is_even(n: i64) -> bool {
    n % 2 == 0
}

/// `clamp(x, lo, hi)`: f64 clamp (NaN stays NaN).
#[napi]
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        x.max(lo).min(hi)
    }
}
