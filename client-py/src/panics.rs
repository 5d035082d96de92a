//! Rust panics as ordinary Python exceptions. PyO3 raises a panic that reaches Python as
//! `PanicException`, a `BaseException` that `except Exception` does not catch, so a bug of ours
//! (or data that finds one) would pass every handler a user wrote. The entry points that run on
//! what Python or a host hands over catch the panic first and raise an `AddonError` that says
//! what happened instead.

use std::panic::AssertUnwindSafe;

use pyo3::prelude::*;

use crate::hooks::hooks;

/// Runs `f`, turning a panic into an `AddonError`.
#[inline]
pub fn caught<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(internal_error(py, &*payload)),
    }
}

/// The exception a panic with `payload` becomes.
#[cold]
pub fn internal_error(py: Python<'_>, payload: &(dyn std::any::Any + Send)) -> PyErr {
    let message = format!("internal error in napi_python (please report it): {}", napi_functions::entry::panic_message(payload));
    match hooks(py).and_then(|h| h.failure.bind(py).call1(("Internal", &message))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
    }
}
