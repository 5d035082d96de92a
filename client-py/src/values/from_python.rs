//! Python objects as values for a host (`napi_protocol::Value`), by a connection's converter
//! (`Cx`): primitives as they are, proxies as the host objects they stand for, buffers in the
//! message, in shared memory or (in-process) lent in place, other Python objects by reference.
//! `to_python.rs` converts the other way.

use std::cell::Cell;

use napi_protocol::value_tree::{Ancestors, TreeBuilder, ValueSink};
use napi_protocol::{BufferKind, JsRef, ObjectId, PyRef, RefKind, Value, ValueBudget};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use smallvec::SmallVec;

use crate::state::quick::Quick;
use crate::values::primitives::{bigint_words, int_number, primitive};
use crate::values::uploads::Uploads;

use crate::state::connection::Connection;
use crate::state::hooks::{dead_error, hooks, Hooks};
use crate::state::js_buffer::JSBuffer;
use crate::state::proxies::{JSMethod, JSRef};

pub struct Cx<'a, 'py> {
    pub py: Python<'py>,
    pub conn: &'a Bound<'py, Connection>,
    pub hooks: &'a Hooks,
    /// The buffers it sent.
    uploads: Uploads<'py>,
    /// The values this context may still send (`MAX_VALUES` a message, as the host decodes).
    budget: Cell<ValueBudget>,
}

/// A Python container being sent: its elements still to convert.
enum Sending<'py> {
    List(Bound<'py, PyList>, usize, usize),
    Tuple(Bound<'py, PyTuple>, usize),
    Dict(std::vec::IntoIter<(Bound<'py, PyString>, Bound<'py, PyAny>)>),
}

impl Sending<'_> {
    fn len(&self) -> usize {
        match self {
            Sending::List(_, _, len) => *len,
            Sending::Tuple(t, _) => t.len(),
            Sending::Dict(props) => props.len(),
        }
    }
}

/// The containers being sent, innermost last, with their addresses.
type Stack<'py> = SmallVec<[(Sending<'py>, usize); 8]>;

/// What one Python object becomes: a value, or a container sent element by element (with its
/// address, to tell a container that contains itself).
enum Converted<'py> {
    Value(Value),
    /// A `str`, whose text the sink copies from where it lies.
    Text(Bound<'py, PyString>),
    Container(Sending<'py>, usize),
}

impl Drop for Cx<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.uploads.end(&self.conn.get().channel);
    }
}

impl<'a, 'py> Cx<'a, 'py> {
    /// Copies what the addon wrote into the writable buffers this context sent.
    #[inline(always)]
    pub fn write_back(&self) -> PyResult<()> {
        self.uploads.write_back(&self.conn.get().channel)
    }

    pub fn new(conn: &'a Bound<'py, Connection>) -> PyResult<Self> {
        let py = conn.py();
        Ok(Cx { py, conn, hooks: hooks(py)?, uploads: Uploads::default(), budget: Cell::new(ValueBudget::default()) })
    }

    /// A buffer made in Python (`js.buffer`, `js.typedarray`, `js.arraybuffer`) at its first
    /// pass: it moves into a block of this host's shared memory and from then on is that host
    /// object, as a `js.alloc` buffer is (identity, and writes seen on both sides). While views
    /// of its bytes are out (a memoryview, a numpy array), they cannot move: it goes as a copy
    /// then, the addon's writes copied back when the call returns.
    fn send_local_buffer(&self, obj: &Bound<'py, PyAny>, buf: &JSBuffer) -> PyResult<Value> {
        if buf.local_views() == 0 {
            let nbytes = buf.bytes().len();
            let fresh =
                self.conn.call_method1(pyo3::intern!(self.py, "new_buffer"), (crate::state::js_buffer::kind_name(buf.kind), nbytes))?;
            // (The request let go of the GIL: another thread may have moved it, or taken a view.)
            if let Ok(fresh) = fresh.cast_into::<JSBuffer>() {
                buf.move_into(fresh.unbind());
            }
            if let Some((object, conn)) = buf.host_object() {
                if conn.is(self.conn) {
                    return Ok(self.proxy_value(ObjectId(object)));
                }
            }
        }
        Ok(self.uploads.send_bytes(&self.conn.get().channel, buf.kind, buf.bytes(), Some(obj)))
    }

    /// `obj` as a value for the host (a protocol tree, for the rings): see [`Cx::send_to`].
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
        let mut tree = TreeBuilder::default();
        self.send_to(obj, &mut tree)?;
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

    /// Walks `obj` into `sink` in pre-order, to any depth: the containers being sent wait on a
    /// stack of their own, so the thread's stack does not grow with the depth. The sink
    /// is a protocol tree for the rings, or in-process the host's heap itself. A container
    /// that contains itself is refused, as `json.dumps` refuses it, and so is one of more than
    /// `MAX_VALUES` values.
    pub fn send_to<S: ValueSink + ?Sized>(&self, obj: &Bound<'py, PyAny>, sink: &mut S) -> PyResult<()>
    where
        PyErr: From<S::Error>,
    {
        if let Some(items) = self.primitives(obj)? {
            return Ok(sink.leaves(items)?);
        }
        match self.convert(obj)? {
            Converted::Value(v) => Ok(sink.leaf(v)?),
            Converted::Text(t) => Ok(sink.text(&t.to_string_lossy())?),
            Converted::Container(c, address) => self.send_container(c, address, sink),
        }
    }

    /// Walks container `first` (at `address`) and everything in it into `sink`.
    fn send_container<S: ValueSink + ?Sized>(&self, first: Sending<'py>, address: usize, sink: &mut S) -> PyResult<()>
    where
        PyErr: From<S::Error>,
    {
        // A value counts one, a container and each of its elements: a value that is no
        // container is one whatever it is, and bounds nothing.
        self.take(1)?;
        let mut open: Stack<'py> = SmallVec::new();
        let mut inside = Ancestors::default();
        self.enter(first, address, &mut open, &mut inside, sink)?;
        while let Some((top, _)) = open.last_mut() {
            let next = match top {
                Sending::List(l, next, len) if *next < *len => {
                    *next += 1;
                    Some(
                        l.get_item(*next - 1)
                            .map_err(|_| PyRuntimeError::new_err("a list changed size while it was sent to JavaScript"))?,
                    )
                }
                Sending::Tuple(t, next) if *next < t.len() => {
                    *next += 1;
                    Some(t.get_item(*next - 1)?)
                }
                Sending::Dict(props) => match props.next() {
                    Some((k, v)) => {
                        sink.key(&k.to_string_lossy())?;
                        Some(v)
                    }
                    None => None,
                },
                _ => None,
            };
            match next {
                // Filled (the sink closed it with its last element).
                None => {
                    open.pop();
                    inside.leave();
                }
                Some(item) => match self.convert(&item)? {
                    Converted::Value(v) => sink.leaf(v)?,
                    Converted::Text(t) => sink.text(&t.to_string_lossy())?,
                    Converted::Container(c, address) => self.enter(c, address, &mut open, &mut inside, sink)?,
                },
            }
        }
        Ok(())
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
        self.take(items.len() as u64 + 1)?;
        Ok(Some(items))
    }

    /// Starts sending container `c`: refused when it is one it is inside of; its elements
    /// counted and opened in the sink.
    fn enter<S: ValueSink + ?Sized>(
        &self,
        c: Sending<'py>,
        address: usize,
        open: &mut Stack<'py>,
        inside: &mut Ancestors<usize>,
        sink: &mut S,
    ) -> PyResult<()>
    where
        PyErr: From<S::Error>,
    {
        let len = c.len();
        if !inside.enter(address) {
            return Err(PyValueError::new_err("a list or dict that contains itself cannot be sent to JavaScript (it would never end)"));
        }
        self.take(len as u64)?;
        match c {
            Sending::Dict(_) => sink.open_object(len)?,
            _ => sink.open_array(len)?,
        }
        if len > 0 {
            open.push((c, address));
        } else {
            inside.leave();
        }
        Ok(())
    }

    /// Takes `n` values of what this context may still send.
    fn take(&self, n: u64) -> PyResult<()> {
        let mut budget = self.budget.get();
        let taken = budget.take(n);
        self.budget.set(budget);
        if taken {
            Ok(())
        } else {
            Err(PyValueError::new_err(napi_protocol::too_many_values()))
        }
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
        let address = obj.as_ptr() as usize;
        if let Ok(l) = obj.cast::<PyList>() {
            return Ok(Converted::Container(Sending::List(l.clone(), 0, l.len()), address));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return Ok(Converted::Container(Sending::Tuple(t.clone(), 0), address));
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let mut props = Vec::with_capacity(d.len());
            crate::values::dict_keys::each_item(d, |k, v| {
                let Ok(key) = k.cast::<PyString>() else {
                    return Err(PyTypeError::new_err(format!("dict keys sent to JavaScript must be str, not {}", k.get_type().name()?)));
                };
                props.push((key.clone(), v));
                Ok(())
            })?;
            return Ok(Converted::Container(Sending::Dict(props.into_iter()), address));
        }
        self.object_value(obj).map(Converted::Value)
    }

    /// An object that is no list, tuple or dict as a value (a `str` too, as a whole).
    pub fn value_of(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        match primitive(self.hooks, obj) {
            Some(v) => Ok(v),
            None => self.object_value(obj),
        }
    }

    /// `value_of` of an object that is no primitive (`primitive` answered `None`). Inlined into
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
        // SAFETY: a type check of a live object. A plain function (a lambda, a callback) is
        // nothing else below: it skips the class checks on its way to the export.
        if unsafe { pyo3::ffi::PyFunction_Check(obj.as_ptr()) } != 0 {
            return Ok(Value::Py { id: PyRef(self.conn.get().exported.export(self.py, obj, &self.conn.get().channel)?), callable: true });
        }
        if let Ok(r) = obj.cast::<JSRef>() {
            return self.proxy(r);
        }
        if let Ok(m) = obj.cast::<JSMethod>() {
            // As in JS, passing `obj.f` passes the function, not a binding.
            return self.value_of(m.get().func.bind(self.py).as_any());
        }
        if let Ok(b) = obj.cast::<JSBuffer>() {
            let b = b.get();
            // A buffer from this host goes back as the very object it is.
            if let Some((object, conn)) = b.host_object() {
                if !conn.is(self.conn) {
                    return Err(PyTypeError::new_err(format!(
                        "{} belongs to another addon host and cannot be passed to this one",
                        obj.repr()?
                    )));
                }
                return Ok(Value::Js(JsRef { id: ObjectId(object), kind: RefKind::Object, class_proto: None, label: String::new() }));
            }
            return self.send_local_buffer(obj, b);
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(self.uploads.send_bytes(&self.conn.get().channel, BufferKind::Buffer, b.as_bytes(), None));
        }
        if obj.is_instance(h.datetime_cls.bind(self.py))? {
            let seconds: f64 = obj.call_method0("timestamp")?.extract()?;
            return Ok(Value::Date((seconds * 1000.0).round()));
        }
        if is_buffer(obj) {
            return self.uploads.send_buffer(&self.conn.get().channel, obj);
        }
        if obj.is_instance(h.addon_cls.bind(self.py))? {
            // An addon stands for its exports, as `require()` gives them in JS (it is callable
            // too, and would otherwise become a new function that calls it).
            return self.to_value(&obj.getattr(pyo3::intern!(self.py, "_napi_export_value"))?);
        }
        let callable = obj.is_callable();
        if !callable {
            // An awaitable becomes a JS promise that settles when it does.
            let promise = h.awaitable.bind(self.py).call1((self.conn, obj))?;
            if !promise.is_none() {
                return self.value_of(&promise);
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

fn is_buffer(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyObject_CheckBuffer only inspects the object's type.
    unsafe { pyo3::ffi::PyObject_CheckBuffer(obj.as_ptr()) != 0 }
}
