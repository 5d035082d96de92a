//! Python objects as values for a host (`napi_protocol::Value`), by a connection's converter
//! (`Converter`): what each object becomes is decided here, to any depth: primitives as they are (ints
//! as JS numbers up to 2^53 in magnitude, `BigInt`s beyond), lists, tuples and dicts element by
//! element, proxies as the host objects they stand for, other Python objects by reference;
//! buffers are made by `buffers.rs`. `to_python.rs` converts the other way.

use napi_client::inprocess::Arg;
use napi_client::session::buffers::{self, fits_inline};
use napi_protocol::quick::{QuickArg, QUICK_ITEM};
use napi_protocol::value_tree::{string_value, TreeBuilder, ValueSink};
use napi_protocol::{BigIntValue, JsRef, ObjectId, PyRef, RefKind, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::proxy::object::{JSMethod, JSRef};
use crate::state::connection::Connection;
use crate::state::hooks::{dead_error, hooks, is_function, Hooks};
use crate::values::buffers::Uploads;
use crate::values::containers::{self, Budget, Converted, Sending};
use crate::values::dates::py_to_date;
use napi_client::session::direct::{Args, Quick};

/// A connection's converter of Python objects into values for its host and back, for one
/// request or call: the buffers it sent are written back and ended with it.
pub struct Converter<'a, 'py> {
    pub py: Python<'py>,
    pub conn: &'a Bound<'py, Connection>,
    pub hooks: &'a Hooks,
    /// The buffers it sent.
    uploads: Uploads<'a, 'py>,
    /// The values this converter may still send (`MAX_VALUES` a message, as the host decodes).
    budget: Budget,
}

impl Drop for Converter<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.uploads.end(&self.conn.get().channel);
    }
}

impl<'a, 'py> Converter<'a, 'py> {
    /// Copies what the addon wrote into the writable buffers this converter sent.
    #[inline(always)]
    pub fn write_back(&self) -> PyResult<()> {
        self.uploads.write_back(&self.conn.get().channel)
    }

    /// Copies the addon's `written` bytes back into `target`, one of `uploads`.
    #[inline(always)]
    pub fn copy_back(&self, target: &Bound<'py, PyAny>, written: &[u8]) -> PyResult<()> {
        crate::values::buffers::written_back(target, written)
    }

    // Inlined as it was before it had `for_call` beside it: out of line, a Python callback's
    // call (`python_calls::run_walked`) paid a call for it.
    #[inline(always)]
    pub fn new(conn: &'a Bound<'py, Connection>) -> PyResult<Self> {
        Self::with_uploads(conn, Uploads::default())
    }

    /// `new` with the hooks looked up already (a compact call's, which classified its
    /// arguments with them): no second look, and no failure to handle.
    #[inline(always)]
    pub fn with_hooks(conn: &'a Bound<'py, Connection>, hooks: &'a Hooks) -> Self {
        Converter { py: conn.py(), conn, hooks, uploads: Uploads::default(), budget: Budget::default() }
    }

    /// Done with, where its drop (a call of the drop glue, about 19 instructions) is spared
    /// when it holds nothing to end: nearly always, as a call of plain values records no
    /// buffer. Its other parts own nothing.
    #[inline(always)]
    pub fn end(mut self) {
        if self.uploads.forgettable() {
            std::mem::forget(self);
        }
    }

    /// The converter of a call of a function proxy, recording the buffers it sends as copies
    /// in the core's `uploads` (`direct::call_function` writes them back and ends them).
    pub fn for_call(conn: &'a Bound<'py, Connection>, uploads: &'a buffers::Uploads<Bound<'py, PyAny>>) -> PyResult<Self> {
        Self::with_uploads(conn, Uploads::Call(uploads))
    }

    #[inline(always)]
    fn with_uploads(conn: &'a Bound<'py, Connection>, uploads: Uploads<'a, 'py>) -> PyResult<Self> {
        let py = conn.py();
        Ok(Converter { py, conn, hooks: hooks(py)?, uploads, budget: Budget::default() })
    }

    /// `obj` as an argument of a direct call, served in-process under the JS lock (D81), pushed
    /// onto the call's arguments (`made`); whether it is left to the host (`Arg::Later`). Numbers,
    /// the commonest arguments, are made where they go (inlined into the caller's loop: a value
    /// handed back from a function is read in wider loads than it was written with, a
    /// store-forwarding stall per argument). A string's text is lent as it lies in its object;
    /// other values that own no copy of anything are made now (a proxy's id, a buffer's region);
    /// lists, tuples and dicts are left to the host (`Arg::Later`), to go into its heap under the
    /// JS lock straight from the Python objects, unless the call is `relayed` to the host's
    /// thread: their walk would then be one more hand-off between the two threads. Anything
    /// else is `to_value`'s, as by message: the two differ only in the forms a host reading this
    /// thread's objects in place can take (a message must carry a finished tree).
    #[inline(always)]
    pub fn push_arg<'o>(&self, obj: &'o Bound<'py, PyAny>, relayed: bool, made: &mut Args<'o>) -> PyResult<bool> {
        if let Some(n) = number(obj) {
            // Written into its slot as it is read: returned as an `Arg` first, the whole 56-byte
            // value was built on the stack and then copied into the slot, for every number.
            made.push(Arg::Number(n));
            return Ok(false);
        }
        let arg = self.arg_not_number(obj, relayed)?;
        let later = matches!(arg, Arg::Later);
        made.push(arg);
        Ok(later)
    }

    /// `push_arg`'s argument that is not a number.
    #[inline(always)]
    fn arg_not_number<'o>(&self, obj: &'o Bound<'py, PyAny>, relayed: bool) -> PyResult<Arg<'o>> {
        if let Ok(s) = obj.cast::<PyString>() {
            // Unless it holds lone surrogates: its text as every other conversion makes it.
            if let Ok(text) = s.to_str() {
                return Ok(Arg::Text(text));
            }
        } else if is_function(obj) {
            // A callback, the commonest argument after numbers and strings: `to_value` would
            // look at it as each primitive and container again first.
            return Ok(Arg::Value(self.function_value(obj)?));
        } else if Self::is_container(obj) && !relayed {
            return Ok(Arg::Later);
        }
        // Bytes are lent as they lie in their object (immutable), copied once, into the host's
        // Buffer: a few always; more only when relayed, so that the host thread copies them and
        // its addon then reads lines of its own CPU, where a copy into shared memory made here
        // would cross line by line. Otherwise more go as `to_value` sends them (shared memory,
        // copied there once).
        if let Ok(b) = obj.cast::<PyBytes>() {
            if relayed || fits_inline(b.as_bytes().len()) {
                return Ok(Arg::Bytes(b.as_bytes()));
            }
        }
        // A callable, a proxy, a buffer; or a relayed call's container, made here as a tree.
        Ok(Arg::Value(self.to_value(obj)?))
    }

    /// `obj` as a compact argument: a primitive as a request would make it (`primitive`, in its
    /// order), a `str` of at most `QUICK_ITEM` bytes of UTF-8 (one with lone surrogates is made as
    /// a request makes it), or a `bytes` (not a subclass) of at most `QUICK_ITEM` bytes, which
    /// becomes a `Buffer` as a request's would; `None` for anything else.
    #[inline(always)]
    pub fn quick_arg<'o>(h: &Hooks, obj: &'o Bound<'_, PyAny>) -> Option<QuickArg<'o>> {
        match scalar(h, obj) {
            Some(Scalar::Undefined) => return Some(QuickArg::Undefined),
            Some(Scalar::Null) => return Some(QuickArg::Null),
            Some(Scalar::Bool(b)) => return Some(QuickArg::Bool(b)),
            Some(Scalar::Number(n)) => return Some(QuickArg::Number(n)),
            Some(Scalar::Str(s)) => {
                let text = s.to_str().ok()?;
                return (text.len() <= QUICK_ITEM).then_some(QuickArg::Text(text));
            }
            None => {}
        }
        if obj.is_exact_instance_of::<PyBytes>() {
            let bytes = obj.cast::<PyBytes>().ok()?.as_bytes();
            return (bytes.len() <= QUICK_ITEM).then_some(QuickArg::Bytes(bytes));
        }
        None
    }

    /// `obj` as a value for the host (a protocol tree, for the rings): see [`Converter::send_to`].
    pub fn to_value(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        // The commonest value, handed back as it is, with no builder to go through.
        if let Some(v) = primitive(self.hooks, obj) {
            return Ok(v);
        }
        // No container either (a callable, a proxy, a buffer): a value of its own, with no
        // builder to go through either.
        if !Self::is_container(obj) {
            return self.object_value(obj);
        }
        // Walked: its elements come back through this file's dispatch, each an object of its own.
        let mut tree = TreeBuilder::default();
        self.send_walked(obj, &mut tree)?;
        Ok(tree.take().expect("a walk ends with its value finished"))
    }

    /// Whether `obj` is walked into its sink rather than made a value first: a list, tuple or
    /// dict (sent element by element, as a container) or a `str` (its text copied by the sink).
    /// In-process, such an operand is left to the host to walk into its heap.
    pub fn is_walked(obj: &Bound<'py, PyAny>) -> bool {
        obj.cast::<PyString>().is_ok() || Self::is_container(obj)
    }

    /// Whether `obj` is a list, tuple or dict, sent element by element.
    pub fn is_container(obj: &Bound<'py, PyAny>) -> bool {
        obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() || obj.cast::<PyDict>().is_ok()
    }

    /// Walks `obj` into `sink` in pre-order, to any depth (`containers.rs`): the sink is a
    /// protocol tree for the rings, or in-process the host's heap itself.
    /// A primitive, the commonest (a Python callback's result), goes to the sink at once, with
    /// no look for a list of them and no call of `convert`.
    pub fn send_to<S: ValueSink + ?Sized>(&self, obj: &Bound<'py, PyAny>, sink: &mut S) -> PyResult<()>
    where
        PyErr: From<S::Error>,
    {
        match scalar(self.hooks, obj) {
            // Its text copied by the sink, as `convert` has it.
            Some(Scalar::Str(t)) => Ok(sink.text(&t.to_string_lossy())?),
            Some(s) => Ok(sink.leaf(s.value())?),
            None => self.send_walked(obj, sink),
        }
    }

    /// `send_to` for what is no primitive: a container (a direct call's argument left to the
    /// host), or what `to_value` looked at already.
    pub fn send_walked<S: ValueSink + ?Sized>(&self, obj: &Bound<'py, PyAny>, sink: &mut S) -> PyResult<()>
    where
        PyErr: From<S::Error>,
    {
        if let Some(items) = self.primitives(obj)? {
            return Ok(sink.leaves(items)?);
        }
        match self.convert(obj)? {
            Converted::Value(v) => Ok(sink.leaf(v)?),
            Converted::Text(t) => Ok(sink.text(&t.to_string_lossy())?),
            Converted::Container(c, address) => containers::send_container(c, address, sink, &self.budget, |item| self.convert(item)),
        }
    }

    /// A list of primitives other than strings, the commonest container, converted directly;
    /// `None` for anything else (a list is given up at its first element that is no primitive,
    /// or a `str`, whose text the sink copies itself).
    fn primitives(&self, obj: &Bound<'py, PyAny>) -> PyResult<Option<Vec<Value>>> {
        let Ok(l) = obj.cast::<PyList>() else { return Ok(None) };
        if l.len() as u64 >= napi_protocol::MAX_VALUES {
            return Ok(None); // refused by the count before anything is converted
        }
        let mut items = Vec::with_capacity(l.len());
        for item in l.iter() {
            if item.cast::<PyString>().is_ok() {
                return Ok(None);
            }
            match primitive(self.hooks, &item) {
                Some(v) => items.push(v),
                None => return Ok(None),
            }
        }
        self.budget.take(items.len() as u64 + 1)?;
        Ok(Some(items))
    }

    /// The function of a call or construction, with how its last direct call went. Nearly
    /// always a proxy: converted as one, with no look at the other kinds of value.
    pub fn callee<'b>(&self, f: &'b Bound<'py, PyAny>) -> PyResult<(Value, Option<&'b Quick>)> {
        match f.cast::<JSRef>() {
            Ok(r) => Ok((self.proxy(r)?, Some(&r.get().quick))),
            Err(_) => Ok((self.to_value(f)?, None)),
        }
    }

    /// One object, converted unless it is a container to send element by element.
    fn convert(&self, obj: &Bound<'py, PyAny>) -> PyResult<Converted<'py>> {
        if let Ok(t) = obj.cast::<PyString>() {
            return Ok(Converted::Text(t.clone()));
        }
        if let Some(v) = primitive(self.hooks, obj) {
            return Ok(Converted::Value(v));
        }
        if let Some((c, address)) = Sending::of(obj)? {
            return Ok(Converted::Container(c, address));
        }
        self.object_value(obj).map(Converted::Value)
    }

    /// An object that is no primitive (`primitive` answered `None`) nor a container. Inlined into
    /// its callers: a call of its own cost a direct call's callable argument 15-20 instructions.
    #[inline(always)]
    fn object_value(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let h = self.hooks;
        if let Ok(i) = obj.cast::<PyInt>() {
            // `primitive` took the plain ints in the safe range: a plain one here is beyond it.
            // A subclass other than `BigInt` in that range is a number still.
            if !obj.is_exact_instance_of::<PyInt>() && !obj.is_instance(h.bigint_cls.bind(self.py))? {
                if let Some(n) = int_number(obj) {
                    return Ok(Value::Number(n));
                }
            }
            return Ok(Value::BigInt(bigint_words(i)?));
        }
        // A plain function (a lambda, a callback) is nothing else below: it skips the class
        // checks on its way to the export.
        if is_function(obj) {
            return self.function_value(obj);
        }
        if let Ok(r) = obj.cast::<JSRef>() {
            return self.proxy(r);
        }
        if let Ok(m) = obj.cast::<JSMethod>() {
            // As in JS, passing `obj.f` passes the function, not a binding.
            return self.proxy(m.get().func.bind(self.py));
        }
        if obj.is_instance(h.addon_cls.bind(self.py))? {
            // An addon stands for its exports, as `require()` gives them in JS (it is callable
            // too, and would otherwise become a new function that calls it).
            return self.to_value(&obj.getattr(pyo3::intern!(self.py, "_napi_export_value"))?);
        }
        // Buffers first: no date is one, and the look for a date may search `sys.modules`.
        if is_buffer(obj) {
            return self.uploads.buffer_value(self.conn, obj);
        }
        if let Some(ms) = py_to_date(obj)? {
            return Ok(Value::Date(ms));
        }
        self.by_reference(obj)
    }

    /// A plain Python function (`is_function`), held by the host by reference.
    #[inline(always)]
    fn function_value(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let conn = self.conn.get();
        Ok(Value::Py { id: PyRef(conn.exported.export(self.py, obj, &conn.channel)?), callable: true })
    }

    /// An object that stays in Python, held by the host by reference: a function, or an object
    /// (an awaitable as a JS promise that settles when it does).
    fn by_reference(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let callable = obj.is_callable();
        if !callable {
            let promise = self.hooks.awaitable.bind(self.py).call1((self.conn, obj))?;
            if let Ok(promise) = promise.cast::<JSRef>() {
                return self.proxy(promise);
            }
        }
        let id = self.conn.get().exported.export(self.py, obj, &self.conn.get().channel)?;
        Ok(Value::Py { id: PyRef(id), callable })
    }

    /// A proxy, as the host object it stands for (one of this host's only).
    pub fn proxy(&self, r: &Bound<'py, JSRef>) -> PyResult<Value> {
        let js = r.get();
        if !js.conn.is(self.conn) {
            return Err(self.foreign(r.as_any(), js));
        }
        Ok(self.proxy_value(ObjectId(js.id)))
    }

    /// The host object `id` (of this host), as a value to send.
    pub fn proxy_value(&self, id: ObjectId) -> Value {
        Value::Js(JsRef { id, kind: RefKind::Object, class_proto: None, label: String::new() })
    }

    /// The error for a proxy of another host's object: each host has a heap of its own, so
    /// the object cannot be named here (copying it would silently break identity).
    fn foreign(&self, obj: &Bound<'py, PyAny>, r: &JSRef) -> PyErr {
        let owner = r.conn.get();
        // A proxy whose host died: stale after a restart, else the crash itself.
        if let Some(dead) = owner.channel.dead() {
            return dead_error(self.py, &dead);
        }
        let repr = obj.repr().map(|s| s.to_string()).unwrap_or_else(|_| "a JavaScript object".into());
        PyTypeError::new_err(format!(
            "{repr} lives in {} and cannot be passed to an addon of {}: load both addons into one napi_python.Host to share objects",
            owner.channel.process.name(),
            self.conn.get().channel.process.name()
        ))
    }
}

/// Whether `obj` has the buffer protocol (a `JSBuffer`, bytes, a memoryview, a numpy array...):
/// it goes as a buffer (`buffers.rs`).
fn is_buffer(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyObject_CheckBuffer only inspects the object's type.
    unsafe { ffi::PyObject_CheckBuffer(obj.as_ptr()) != 0 }
}

/// 2^53: up to it, every integer has a double of its own.
pub const SAFE: f64 = 9007199254740992.0;

/// `obj` as a JS primitive if it is one that needs no lookup to cross: None (undefined), the
/// `undefined` and `null` sentinels, a bool, a float, a str, or an int (not `BigInt`) in the
/// safe integer range. `None` for anything else (which `to_value` goes on to convert).
#[inline(always)]
pub fn primitive(h: &Hooks, obj: &Bound<'_, PyAny>) -> Option<Value> {
    scalar(h, obj).map(Scalar::value)
}

/// A primitive as `primitive` finds it, before it is made a value of either form (a protocol
/// value, a compact argument): one order of checks for both.
enum Scalar<'a, 'py> {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Str(&'a Bound<'py, PyString>),
}

impl Scalar<'_, '_> {
    /// The protocol value it is.
    #[inline(always)]
    fn value(self) -> Value {
        match self {
            Scalar::Undefined => Value::Undefined,
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Number(n) => Value::Number(n),
            Scalar::Str(s) => string_value(s.to_string_lossy().into_owned()),
        }
    }
}

#[inline(always)]
fn scalar<'a, 'py>(h: &Hooks, obj: &'a Bound<'py, PyAny>) -> Option<Scalar<'a, 'py>> {
    if obj.is_none() || obj.is(&h.undefined) {
        return Some(Scalar::Undefined);
    }
    if obj.is(&h.null) {
        return Some(Scalar::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Some(Scalar::Bool(b.is_true()));
    }
    if let Some(n) = number(obj) {
        return Some(Scalar::Number(n));
    }
    obj.cast::<PyString>().ok().map(Scalar::Str)
}

/// A float, or an int (not a bool or a `BigInt`) of at most 2^53 in magnitude, as a JS number.
/// Beyond, an int is a `BigInt` (`to_value`).
#[inline(always)]
fn number(obj: &Bound<'_, PyAny>) -> Option<f64> {
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
fn int_number(obj: &Bound<'_, PyAny>) -> Option<f64> {
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

/// A Python int as a `BigInt`'s sign and 64-bit words, least significant first.
fn bigint_words(i: &Bound<'_, PyInt>) -> PyResult<BigIntValue> {
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
