//! Values from the host as Python objects: a protocol `Value` converted with a connection's
//! converter (`Converter`), and the outcome of a request or a promise as a value or an exception.

use napi_protocol::value_tree::{feed_in_place, ValueSink};
use napi_protocol::{BigIntValue, BufferKind, ErrorInfo, JsRef, ObjectId, Outcome, RefKind, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;
use smallvec::SmallVec;

use crate::state::js_buffer::{self, JSBuffer};
use crate::values::dates::date_to_py;
use crate::values::dict_keys;
use crate::values::from_python::{Converter, SAFE};

/// A list or dict being filled by a [`PySink`], and how many elements are still to come.
enum Filling<'py> {
    List(Vec<Py<PyAny>>, usize),
    Dict(Bound<'py, PyDict>, usize, String),
}

/// Makes Python objects of a pre-order walk (a [`ValueSink`]): of a protocol value that came
/// over the rings, or in-process of a host value as the host walks it. The lists and dicts
/// being filled wait on a stack of their own, so the thread's stack does not grow with the
/// depth. What came over the rings holds no more values than the decoder allows; an
/// in-process host's walk makes no more than its converter counts.
pub struct PySink<'c, 'a, 'py> {
    cx: &'c Converter<'a, 'py>,
    open: Vec<Filling<'py>>,
    /// The objects finished, in order.
    finished: SmallVec<[Py<PyAny>; 4]>,
}

impl<'c, 'a, 'py> PySink<'c, 'a, 'py> {
    pub fn new(cx: &'c Converter<'a, 'py>) -> Self {
        PySink { cx, open: Vec::new(), finished: SmallVec::new() }
    }

    /// The last object the walk finished, if it did.
    pub fn take(&mut self) -> Option<Py<PyAny>> {
        self.finished.pop()
    }

    /// Every object the walk finished, in order, the sink done with: let go of without its drop
    /// glue (a call of about 48 instructions) when it holds no memory, as after a walk of scalars.
    #[inline(always)]
    pub fn into_finished(mut self) -> SmallVec<[Py<PyAny>; 4]> {
        let finished = std::mem::take(&mut self.finished);
        if self.open.capacity() == 0 {
            std::mem::forget(self);
        }
        finished
    }

    /// Adds a finished object to the innermost container, finishing those it fills.
    fn add(&mut self, obj: Py<PyAny>) -> PyResult<()> {
        let py = self.cx.py;
        let mut done = Some(obj);
        while let Some(obj) = done.take() {
            let full = match self.open.last_mut() {
                None => {
                    self.finished.push(obj);
                    return Ok(());
                }
                Some(Filling::List(items, left)) => {
                    items.push(obj);
                    *left -= 1;
                    *left == 0
                }
                Some(Filling::Dict(d, left, key)) => {
                    d.set_item(dict_keys::key(py, key), obj)?;
                    *left -= 1;
                    *left == 0
                }
            };
            if full {
                done = Some(match self.open.pop() {
                    Some(Filling::List(items, _)) => PyList::new(py, items)?.into_any().unbind(),
                    Some(Filling::Dict(d, _, _)) => d.into_any().unbind(),
                    None => unreachable!("the container just filled"),
                });
            }
        }
        Ok(())
    }
}

impl ValueSink for PySink<'_, '_, '_> {
    type Error = PyErr;

    fn leaf(&mut self, mut v: Value) -> PyResult<()> {
        let obj = self.cx.leaf(&mut v)?;
        self.add(obj)
    }

    fn text(&mut self, text: &str) -> PyResult<()> {
        self.add(PyString::new(self.cx.py, text).into_any().unbind())
    }

    fn open_array(&mut self, len: usize) -> PyResult<()> {
        if len == 0 {
            return self.add(PyList::empty(self.cx.py).into_any().unbind());
        }
        self.open.push(Filling::List(Vec::with_capacity(len), len));
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> PyResult<()> {
        if len == 0 {
            return self.add(PyDict::new(self.cx.py).into_any().unbind());
        }
        self.open.push(Filling::Dict(dict_keys::with_room(self.cx.py, len)?, len, String::new()));
        Ok(())
    }

    fn key(&mut self, key: &str) -> PyResult<()> {
        if let Some(Filling::Dict(_, _, k)) = self.open.last_mut() {
            // The dict's one buffer for its keys, each written over the last.
            k.clear();
            k.push_str(key);
        }
        Ok(())
    }

    fn leaves(&mut self, items: Vec<Value>) -> PyResult<()> {
        let items = items.into_iter().map(|mut i| self.cx.leaf(&mut i)).collect::<PyResult<Vec<_>>>()?;
        self.add(PyList::new(self.cx.py, items)?.into_any().unbind())
    }

    fn leaf_object(&mut self, keys: &[&str], values: Vec<Value>) -> PyResult<()> {
        let py = self.cx.py;
        let d = dict_keys::with_room(py, values.len())?;
        for (key, mut v) in keys.iter().zip(values) {
            d.set_item(dict_keys::key(py, key), self.cx.leaf(&mut v)?)?;
        }
        self.add(d.into_any().unbind())
    }
}

impl<'py> Converter<'_, 'py> {
    /// `v` as a Python object, to any depth (see [`PySink`]).
    #[allow(clippy::wrong_self_convention, reason = "converts a protocol value, with this context's connection")]
    pub fn to_python(&self, v: Value) -> PyResult<Py<PyAny>> {
        if is_primitive(&v) {
            return self.primitive_value(&v);
        }
        let mut v = v;
        match &mut v {
            // A list of values that are no containers, the commonest copy: made directly.
            Value::Array(items) if items.iter().all(|i| !matches!(i, Value::Array(_) | Value::Object(_))) => {
                TREES_CONVERTED.with(|c| c.set(c.get() + 1));
                let mut sink = PySink::new(self);
                sink.leaves(std::mem::take(items))?;
                Ok(sink.take().expect("a walk ends with its value finished"))
            }
            _ => self.to_python_in_place(&mut v),
        }
    }

    /// `v`, no primitive, as a Python object, made from where its parts lie: what is left of `v`
    /// (its containers, keys and strings) stays for whoever allocated it to free
    /// (`napi_protocol::value_tree::feed_in_place`).
    pub fn to_python_in_place(&self, v: &mut Value) -> PyResult<Py<PyAny>> {
        if matches!(v, Value::Array(_) | Value::Object(_)) {
            TREES_CONVERTED.with(|c| c.set(c.get() + 1));
        }
        let mut sink = PySink::new(self);
        feed_in_place(v, &mut sink)?;
        Ok(sink.take().expect("a walk ends with its value finished"))
    }

    /// A value that is no container with elements (an empty list or dict is one), taken out of
    /// `v`.
    pub(crate) fn leaf(&self, v: &mut Value) -> PyResult<Py<PyAny>> {
        let py = self.py;
        Ok(match v {
            Value::Undefined | Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => self.primitive_value(v)?,
            Value::BigInt(b) => {
                let int = bigint_to_py(py, b)?;
                self.hooks.bigint_cls.bind(py).call1((int,))?.unbind()
            }
            Value::Array(_) => PyList::empty(py).into_any().unbind(),
            Value::Object(_) => PyDict::new(py).into_any().unbind(),
            Value::Date(ms) => {
                let ms = *ms;
                if ms.is_nan() {
                    py.None()
                } else {
                    date_to_py(py, ms)?
                }
            }
            Value::Bytes { kind, data } => {
                whole_elements(*kind, data.len() as u64)?;
                Py::new(py, JSBuffer::new(*kind, std::mem::take(data)))?.into_any()
            }
            Value::Shared { object, kind, region } => {
                let (object, kind, region) = (*object, *kind, *region);
                let channel = &self.conn.get().channel;
                if let Err(e) = whole_elements(kind, region.len) {
                    channel.queue_release(object);
                    return Err(e);
                }
                match channel.shm.memory(region) {
                    Some(memory) => Py::new(py, JSBuffer::over_shared(kind, memory, object.0, self.conn.clone().unbind()))?.into_any(),
                    None => {
                        channel.queue_release(object);
                        return Err(PyTypeError::new_err(format!("the host sent a buffer outside its shared memory ({region:?})")));
                    }
                }
            }
            Value::Js(r) => {
                self.conn.get().proxies.proxy(self.conn.as_any(), &self.conn.get().channel, std::mem::replace(r, empty_ref()))?
            }
            Value::Py { id, .. } => self.conn.get().exported.get(py, id.0)?,
            _ => return Err(PyTypeError::new_err("the host sent a value this client does not know")),
        })
    }

    /// A primitive as Python gets it from this host: `primitive_to_py`, except that undefined
    /// and null are `js.undefined` and `js.null` where the host tells them apart
    /// (`distinct_nulls`).
    #[inline(always)]
    pub fn primitive_value(&self, v: &Value) -> PyResult<Py<PyAny>> {
        if matches!(v, Value::Undefined | Value::Null) && self.conn.get().nulls_distinct() {
            let sentinel = if matches!(v, Value::Null) { &self.hooks.null } else { &self.hooks.undefined };
            return Ok(sentinel.clone_ref(self.py));
        }
        primitive_to_py(self.py, v)
    }

    /// The result of a request as a Python value, or the exception it stands for.
    /// A promise's outcome as `(fulfilled, value or exception)`.
    pub fn settlement(&self, outcome: Outcome) -> (bool, Py<PyAny>) {
        match self.outcome(outcome) {
            Ok(v) => (true, v),
            Err(e) => (false, e.into_value(self.py).into_any()),
        }
    }

    pub fn outcome(&self, outcome: Outcome) -> PyResult<Py<PyAny>> {
        let py = self.py;
        match outcome {
            Outcome::Ok(v) => self.to_python(v),
            Outcome::Thrown(t) => {
                if let Some(id) = t.python {
                    if let Ok(exc) = self.conn.get().exported.get(py, id.0) {
                        return Err(PyErr::from_value(exc.into_bound(py)));
                    }
                }
                let value = self.to_python(t.value)?;
                Err(self.raised(value, t.error))
            }
            Outcome::Failed(f) => {
                let kind = format!("{:?}", f.kind);
                Err(PyErr::from_value(self.hooks.failure.bind(py).call1((kind, f.message))?))
            }
            _ => Err(PyTypeError::new_err("the host sent an outcome this client does not know")),
        }
    }
}

thread_local! {
    /// How many protocol arrays and objects this thread made Python objects of.
    static TREES_CONVERTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many protocol arrays and objects (outermost) this thread made Python objects of: tests
/// check that in-process answers come with none.
pub fn trees_converted() -> u64 {
    TREES_CONVERTED.with(|c| c.get())
}

impl Converter<'_, '_> {
    /// The exception Python raises for thrown `value`, with what the host tells of it when it
    /// is an error.
    pub fn raised(&self, value: Py<PyAny>, error: Option<ErrorInfo>) -> PyErr {
        let py = self.py;
        // A Python exception thrown as a value (a rejected Python awaitable, say) comes back as
        // itself.
        if value.bind(py).is_instance_of::<pyo3::exceptions::PyBaseException>() {
            return PyErr::from_value(value.into_bound(py));
        }
        let exc = || -> PyResult<Bound<'_, PyAny>> {
            match error {
                Some(e) => {
                    let code = match e.code {
                        Some(c) => self.to_python(c)?,
                        None => py.None(),
                    };
                    let props = PyDict::new(py);
                    for (k, v) in e.props {
                        props.set_item(k, self.to_python(v)?)?;
                    }
                    self.hooks.js_error.bind(py).call1((value, Some(e.name), e.message, code, props))
                }
                None => self.hooks.js_error.bind(py).call1((value, None::<String>, "", py.None(), PyDict::new(py))),
            }
        };
        exc().map_or_else(|e| e, PyErr::from_value)
    }

    /// The exception Python raises for a JS error a direct call threw: `error` tells its name and
    /// message, and `described`, made by the host's walk into this thread's objects, is
    /// `[[code], {properties}]` (an empty list for no code).
    pub fn raised_error(&self, value: Py<PyAny>, error: ErrorInfo, described: Py<PyAny>) -> PyErr {
        let py = self.py;
        let exc = || -> PyResult<Bound<'_, PyAny>> {
            let described = described.bind(py);
            let code = described.get_item(0)?.get_item(0).map_or_else(|_| py.None(), Bound::unbind);
            let props = described.get_item(1)?;
            self.hooks.js_error.bind(py).call1((value, Some(error.name), error.message, code, props))
        };
        exc().map_or_else(|e| e, PyErr::from_value)
    }
}

/// What a reference taken out of a value leaves behind.
fn empty_ref() -> JsRef {
    JsRef { id: ObjectId(0), kind: RefKind::Object, class_proto: None, label: String::new() }
}

/// Refuses a buffer of `len` bytes that makes no whole number of `kind`'s elements: its
/// `memoryview` would claim elements its memory does not hold.
fn whole_elements(kind: BufferKind, len: u64) -> PyResult<()> {
    if !len.is_multiple_of(kind.element_size() as u64) {
        return Err(PyTypeError::new_err(format!(
            "the host sent a {} of {len} bytes, which is no whole number of {}-byte elements",
            js_buffer::kind_name(kind),
            kind.element_size()
        )));
    }
    Ok(())
}

/// Whether `v` converts with `primitive_to_py`.
pub fn is_primitive(v: &Value) -> bool {
    matches!(v, Value::Undefined | Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))
}

/// A primitive (undefined, null, a bool, a number, a string) as Python has it. Needs nothing
/// of a connection: a direct call's primitive answer takes this way. By reference: a
/// direct call's answer was just written in pieces, and moving it in read it back whole, a
/// store-forwarding stall. Inlined: the commonest answer's last step, a call of its own cost
/// a tenth of its instructions again.
#[inline(always)]
pub fn primitive_to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(match *v {
        Value::Undefined | Value::Null => py.None(),
        Value::Bool(b) => b.into_py_any(py)?,
        Value::Number(n) => match integral(n) {
            Some(i) => i.into_py_any(py)?,
            None => n.into_py_any(py)?,
        },
        Value::String(ref s) => s.as_str().into_py_any(py)?,
        _ => return Err(PyTypeError::new_err("internal error: a value that needs a connection to convert, taken for a primitive")),
    })
}

/// A number as the int Python gets for it: integral, at most 2^53 in magnitude, and not -0.
/// (A round trip through `i64` instead of `f64::fract`, which is a call into libm's `trunc`
/// on the baseline x86-64 target. The range is looked at first, NaN failing it: the
/// saturating cast's own checks for NaN and the range then need not be made, about 8
/// instructions of every number answer.)
#[inline(always)]
fn integral(n: f64) -> Option<i64> {
    if n.abs() <= SAFE {
        // SAFETY: `n` is not NaN (which fails every comparison) and at most 2^53 in magnitude,
        // so its truncation fits an `i64`.
        let i = unsafe { n.to_int_unchecked::<i64>() };
        return (i as f64 == n && !(i == 0 && n.is_sign_negative())).then_some(i);
    }
    None
}

fn bigint_to_py<'py>(py: Python<'py>, b: &BigIntValue) -> PyResult<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = b.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let int_type = py.import("builtins")?.getattr("int")?;
    let magnitude = int_type.call_method1("from_bytes", (PyBytes::new(py, &bytes), "little"))?;
    if b.negative {
        magnitude.neg()
    } else {
        Ok(magnitude)
    }
}
