//! The Python calls a host makes: the addon calling a Python function it was given. Each belongs
//! to a chain, the request whose run made it (or the event chain), and runs on the thread
//! serving that chain: inline, on a direct call's own thread or the in-process host thread, or by
//! message, on the thread waiting on the rings for the chain's reply, which sends the answer.
//! Requests made from inside continue the chain, the same way (`CameBy`). The core's exchange
//! sends the answers of calls by message (`napi_client::session::exchange`).

use std::cell::Cell;

use napi_client::inprocess::{PythonArgs, PythonCallFailed, Refused, Stop};
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, PyException, PyRef, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use smallvec::SmallVec;

use napi_client::session::chains::{self, CameBy};

use crate::state::arity::fill_missing;
use crate::state::connection::Connection;
use crate::values::from_python::Converter;
use crate::values::keeping::Keeping;
use crate::values::to_python::PySink;

/// A call's arguments as Python objects: a few, on the stack.
type PyObjects = SmallVec<[Py<PyAny>; 4]>;

/// Runs a Python call made inline, on the thread making a direct call or on the in-process host
/// thread in an event turn: its arguments walked by the host straight into Python objects,
/// and its result walked into the host's heap. A Python exception is answered as a JS error
/// that remembers the exception.
pub fn run_walked<'py>(
    slf: &Bound<'py, Connection>,
    chain: ChainId,
    func: PyRef,
    args: &mut PythonArgs<'_>,
    result: &mut dyn ValueSink<Error = Failure>,
) -> Result<(), PythonCallFailed> {
    let (conn, py) = (slf.get(), slf.py());
    let cx = Converter::new(slf).map_err(|e| PythonCallFailed::Raised(as_js_error(conn, py, e)))?;
    // How the call failed if not by a Python exception (then the `PyErr` returned is not read).
    let failed = Cell::new(None);
    let given = |with_this: bool| -> PyResult<PyObjects> {
        let mut objects = PySink::new(&cx);
        let mut python = Keeping::new(&mut objects, || Refused);
        match args(with_this, &mut python) {
            Ok(()) => {
                drop(python);
                Ok(objects.into_finished())
            }
            Err(Stop::Sink(Refused)) => Err(python.kept.take().expect("a refusal keeps its exception")),
            Err(Stop::TooLarge) => {
                failed.set(Some(PythonCallFailed::TooLarge));
                Err(PyRuntimeError::new_err("the arguments are too large"))
            }
        }
    };
    let answer = |r: &Bound<'py, PyAny>| -> PyResult<()> {
        let mut host = Keeping::new(result, || PyRuntimeError::new_err("refused by the host"));
        let sent = cx.send_to(r, &mut host);
        if let Some(f) = host.kept.take() {
            failed.set(Some(PythonCallFailed::Failed(f)));
            return Ok(());
        }
        sent
    };
    let called = run(&cx, chain, CameBy::Inline, func, given, answer);
    // Let go of without its drop glue (about 19 instructions) when it sent no buffer.
    cx.end();
    if let Some(failed) = failed.into_inner() {
        return Err(failed);
    }
    called.map_err(|e| PythonCallFailed::Raised(as_js_error(conn, py, e)))
}

/// Runs the Python call `func(this?, *args)` of `chain`, which the host asked for by message.
/// A Python exception is answered as a JS error that remembers the exception.
pub fn run_by_message(cx: &Converter<'_, '_>, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
    let given = |with_this: bool| -> PyResult<Vec<Py<PyAny>>> {
        let mut py_args = Vec::with_capacity(args.len() + 1);
        if with_this {
            py_args.push(cx.to_python(this)?);
        }
        for a in args {
            py_args.push(cx.to_python(a)?);
        }
        Ok(py_args)
    };
    run(cx, chain, CameBy::Message, func, given, |r| cx.to_value(r)).map_err(|e| as_js_error(cx.conn.get(), cx.py, e))
}

/// A Python call of `chain` in either way it came: `func` looked up, called with what `given`
/// makes of its arguments (told whether `this` comes first) and `undefined` for those missing,
/// its result handed to `answer`.
/// (`A`, the arguments' container, is each way's own: a `SmallVec` on the stack inline, a `Vec`
/// by message.)
#[inline(always)]
fn run<'py, A, R>(
    cx: &Converter<'_, 'py>,
    chain: ChainId,
    came: CameBy,
    func: PyRef,
    given: impl FnOnce(bool) -> PyResult<A>,
    answer: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<R>,
) -> PyResult<R>
where
    A: AsRef<[Py<PyAny>]> + Extend<Py<PyAny>> + IntoIterator<Item = Py<PyAny>>,
{
    let (py, conn) = (cx.py, cx.conn.get());
    let call = || -> PyResult<R> {
        let (f, required) = conn.exported.callable(py, func.0)?;
        // `js.function(f, receives_this=True)` wraps callables that take `this` first.
        let mut py_args = given(cx.hooks.receives_this(&f))?;
        let n = py_args.as_ref().len();
        fill_missing(&mut py_args, n, required, || undefined(cx));
        let r = call_vector(py, &f, py_args)?;
        answer(&r)
    };
    chains::running(&conn.channel, chain, came, call)
}

/// `f(*args)` by vectorcall, as the arguments lie: no tuple made for it and freed after (a call
/// through a tuple has CPython unpack it into such a vector again for a Python function).
#[inline(always)]
fn call_vector<'py, A>(py: Python<'py>, f: &Bound<'py, PyAny>, args: A) -> PyResult<Bound<'py, PyAny>>
where
    A: AsRef<[Py<PyAny>]> + IntoIterator<Item = Py<PyAny>>,
{
    let objects = args.as_ref();
    // SAFETY: `Py<PyAny>` is `repr(transparent)` over a non-null `*mut PyObject`, so `objects`
    // is the array of `len` object pointers vectorcall reads (no offset flag: the callee may not
    // write before it); `f` and each argument are owned here, so alive for the call, made with
    // the GIL held (`py`).
    let called = unsafe { ffi::PyObject_Vectorcall(f.as_ptr(), objects.as_ptr().cast(), objects.len(), std::ptr::null_mut()) };
    // SAFETY: `called` is a new reference, or null with the exception set (taken here, before
    // an argument's release can run any code).
    let called = unsafe { Bound::from_owned_ptr_or_err(py, called) };
    // Let go of at once as `Bound`s: a `Py` dropped on this path goes to pyo3's pool
    // (`Exported::callable`).
    for arg in args {
        drop(arg.into_bound(py));
    }
    called
}

/// What JS's `undefined` is in Python for this host: a missing argument's value.
fn undefined(cx: &Converter<'_, '_>) -> Py<PyAny> {
    cx.primitive_value(&Value::Undefined).unwrap_or_else(|_| cx.py.None())
}

/// A Python exception as the host gets it: it becomes a JS error that remembers it.
fn as_js_error(conn: &Connection, py: Python<'_>, e: PyErr) -> PyException {
    let exc = e.value(py);
    let type_name = exc.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
    let message = exc.str().map(|s| s.to_string()).unwrap_or_default();
    let exception = PyRef(conn.exported.export(py, exc.as_any(), &conn.channel).unwrap_or(0));
    PyException { exception, type_name, message }
}
