//! How many positional arguments a Python callable the host holds requires: a JS function called
//! with fewer arguments than it declares sees `undefined` for the rest, so the host's calls of a
//! Python callable fill its missing required positional parameters with `None` the same way
//! (a binding calls `onwork(err)`, a `def onwork(err, result)` raised TypeError where
//! no caller could see it). Read once, when the callable is first sent, not at every call.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFunction, PyTuple};

use crate::state::hooks::Hooks;

/// How many positional arguments `f` requires (its positional parameters without a default),
/// counting `this` for a `js.function(f, receives_this=True)`; 0 for what is not callable or
/// has no signature Python can tell (a builtin without one): such a call is made as it comes.
pub fn required_positional(hooks: &Hooks, f: &Bound<'_, PyAny>) -> usize {
    if !f.is_callable() {
        return 0;
    }
    let py = f.py();
    // `js.function(f, receives_this=True)` is called with `this` first: `f`'s own count.
    let f = if hooks.receives_this(f) { f.getattr(intern!(py, "_fn")).unwrap_or_else(|_| f.clone()) } else { f.clone() };
    if let Some(n) = of_plain_function(&f) {
        return n;
    }
    if f.get_type().is(hooks.method_type.bind(py)) {
        // A bound method: its function's, less the instance it is bound to.
        if let Some(n) = f.getattr(intern!(py, "__func__")).ok().and_then(|func| of_plain_function(&func)) {
            return n.saturating_sub(1);
        }
    }
    by_signature(&f).unwrap_or(0)
}

/// A plain function's count from its code and defaults (a few attribute reads, no
/// `inspect`); `None` for anything else, or for a wrapper (`functools.wraps`), whose own
/// parameters are usually `*args` and whose signature is the wrapped function's.
fn of_plain_function(f: &Bound<'_, PyAny>) -> Option<usize> {
    let py = f.py();
    if !f.is_exact_instance_of::<PyFunction>() {
        return None;
    }
    if let Ok(dict) = f.getattr(intern!(py, "__dict__")) {
        if dict.cast::<PyDict>().is_ok_and(|d| d.contains(intern!(py, "__wrapped__")).unwrap_or(true)) {
            return None;
        }
    }
    let code = f.getattr(intern!(py, "__code__")).ok()?;
    let positional: usize = code.getattr(intern!(py, "co_argcount")).ok()?.extract().ok()?;
    let defaults = f.getattr(intern!(py, "__defaults__")).ok()?;
    let with_default = defaults.cast::<PyTuple>().map_or(0, |d| d.len());
    Some(positional.saturating_sub(with_default))
}

/// Any other callable's count, from `inspect.signature` (a class, a callable instance, a
/// `functools.partial`, a wrapper); `None` when Python cannot tell.
fn by_signature(f: &Bound<'_, PyAny>) -> Option<usize> {
    let py = f.py();
    let inspect = py.import(intern!(py, "inspect")).ok()?;
    let signature = inspect.call_method1(intern!(py, "signature"), (f,)).ok()?;
    let parameter = inspect.getattr(intern!(py, "Parameter")).ok()?;
    let (positional_only, either, empty) = (
        parameter.getattr(intern!(py, "POSITIONAL_ONLY")).ok()?,
        parameter.getattr(intern!(py, "POSITIONAL_OR_KEYWORD")).ok()?,
        parameter.getattr(intern!(py, "empty")).ok()?,
    );
    let mut required = 0;
    for p in signature.getattr(intern!(py, "parameters")).ok()?.call_method0(intern!(py, "values")).ok()?.try_iter().ok()? {
        let p = p.ok()?;
        let kind = p.getattr(intern!(py, "kind")).ok()?;
        let positional = kind.eq(&positional_only).ok()? || kind.eq(&either).ok()?;
        if positional && p.getattr(intern!(py, "default")).ok()?.is(&empty) {
            required += 1;
        }
    }
    Some(required)
}

/// `args` with `undefined` (what JS's `undefined` becomes in Python: `None`, or `js.undefined`
/// where the host tells the two apart) appended up to `required`.
pub fn fill_missing<A: Extend<Py<PyAny>>>(args: &mut A, given: usize, required: usize, undefined: impl Fn() -> Py<PyAny>) {
    args.extend((given..required).map(|_| undefined()));
}
