//! Python's primitives as JS primitives: None, the `undefined` and `null` sentinels, bools,
//! floats, strs, and ints (a JS number up to 2^53 in magnitude, a `BigInt` beyond). The
//! commonest values, made on every call's hot path without a converter.

use napi_protocol::value_tree::string_value;
use napi_protocol::{BigIntValue, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString};

use crate::state::hooks::Hooks;

/// 2^53: up to it, every integer has a double of its own.
pub const SAFE: f64 = 9007199254740992.0;

/// `obj` as a JS primitive if it is one that needs no lookup to cross: None (undefined), the
/// `undefined` and `null` sentinels, a bool, a float, a str, or an int (not `BigInt`) in the
/// safe integer range. `None` for anything else (which `to_value` goes on to convert).
#[inline(always)]
pub fn primitive(h: &Hooks, obj: &Bound<'_, PyAny>) -> Option<Value> {
    if obj.is_none() || obj.is(&h.undefined) {
        return Some(Value::Undefined);
    }
    if obj.is(&h.null) {
        return Some(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if let Some(n) = number(obj) {
        return Some(Value::Number(n));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Some(string_value(s.to_string_lossy().into_owned()));
    }
    None
}

/// A float, or an int (not a bool or a `BigInt`) of at most 2^53 in magnitude, as a JS number.
/// Beyond, an int is a `BigInt` (`to_value`).
#[inline(always)]
pub fn number(obj: &Bound<'_, PyAny>) -> Option<f64> {
    if obj.is_exact_instance_of::<PyInt>() {
        // PyLong_AsDouble reads an int of one digit straight out (its fast path), where an
        // `i64` extraction went through PyLong_AsLong and its overflow checks: about 40
        // instructions an argument.
        // SAFETY: a live int object, with the GIL held.
        let d = unsafe { ffi::PyLong_AsDouble(obj.as_ptr()) };
        if d.abs() < SAFE && (d != -1.0 || !has_error(obj.py())) {
            // Below 2^53 in magnitude, the double is the int itself.
            return Some(d);
        }
        // Too large for a double, or at 2^53, which 2^53 + 1 rounds to as well: exactly.
        return int_number(obj);
    }
    obj.cast::<PyFloat>().ok().map(|f| f.value())
}

/// An int as a JS number if it is at most 2^53 in magnitude, where every integer has a double
/// of its own (2^53 + 1 would cross as 2^53).
pub fn int_number(obj: &Bound<'_, PyAny>) -> Option<f64> {
    let v = obj.extract::<i64>().ok()?;
    (v.unsigned_abs() <= SAFE as u64).then_some(v as f64)
}

/// Whether an exception is set; the failure of a C-API call that answers -1 only then is
/// taken (cleared) here.
#[cold]
fn has_error(_py: Python<'_>) -> bool {
    // SAFETY: the GIL is held (`_py`).
    unsafe {
        if ffi::PyErr_Occurred().is_null() {
            return false;
        }
        ffi::PyErr_Clear();
    }
    true
}

pub fn bigint_words(i: &Bound<'_, PyInt>) -> PyResult<BigIntValue> {
    // `int`'s own methods, not the object's: a subclass may define its `__abs__`, `bit_length`
    // or `to_bytes` to answer anything. `int.__abs__` answers a plain int.
    let py = i.py();
    let int = py.get_type::<PyInt>();
    let negative = int.call_method1("__lt__", (i, 0))?.is_truthy()?;
    let abs = int.call_method1("__abs__", (i,))?;
    let bits: usize = abs.call_method0("bit_length")?.extract()?;
    let nbytes = bits.div_ceil(64) * 8;
    let bytes = abs.call_method1("to_bytes", (nbytes, "little"))?;
    let bytes = bytes.cast::<PyBytes>()?.as_bytes();
    if bytes.len() != nbytes {
        return Err(PyTypeError::new_err(format!("int.to_bytes answered {} bytes where {nbytes} were asked for", bytes.len())));
    }
    let words = bytes.chunks_exact(8).map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect();
    Ok(BigIntValue { negative, words })
}
