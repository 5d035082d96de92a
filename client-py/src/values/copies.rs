//! Values an in-process host walks straight from its heap into new Python objects, with no
//! protocol tree between: a direct call's copied answer, a promise's settlement.

use napi_client::inprocess::{CopyInto, Refused, Settlement, Stop};
use pyo3::prelude::*;

use crate::values::from_python::Converter;
use crate::values::keeping::Keeping;
use crate::values::to_python::PySink;

/// A promise's settlement as `(fulfilled, value or exception)`: a fulfilled value walked by the
/// host straight into Python objects (the exception why, when a part of it could not be made);
/// a rejection, or a value too large to copy, from its protocol outcome.
pub fn settlement_made(cx: &Converter<'_, '_>, settlement: Settlement<'_>) -> (bool, Py<PyAny>) {
    if settlement.fulfilled {
        match copied_into_python(cx, settlement.walk) {
            Ok(value) => return (true, value),
            Err(Stop::Sink(e)) => return (false, e.into_value(cx.py).into_any()),
            Err(Stop::TooLarge) => {}
        }
    }
    cx.settlement((settlement.outcome)())
}

/// What `copy` walks, the host's values, as new Python objects: the value made, or the exception
/// of the part that could not be made (`Stop::Sink`), or `Stop::TooLarge`.
pub fn copied_into_python(cx: &Converter<'_, '_>, copy: &mut CopyInto<'_, Refused>) -> Result<Py<PyAny>, Stop<PyErr>> {
    let mut objects = PySink::new(cx);
    let mut python = Keeping::new(&mut objects, || Refused);
    match copy(&mut python) {
        Ok(()) => Ok(objects.take().expect("a copy ends with its value finished")),
        Err(Stop::Sink(Refused)) => Err(Stop::Sink(python.kept.take().expect("a refusal keeps its exception"))),
        Err(Stop::TooLarge) => Err(Stop::TooLarge),
    }
}
