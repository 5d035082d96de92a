//! New objects of the built-in kinds as the runtime's users make them (the Node-API functions,
//! the host, the built-ins): each with its realm prototype and the own properties it starts
//! with, so that one made by `napi_create_date` is the one `new Date` makes.

use std::rc::Rc;

use super::convert::ErrorKind;
use super::object::{ArrayBufferData, Backing, Callable, Function, ObjectClass, View};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
use super::regexp::RegExpData;
use super::string::JsString;
use super::value::Value;
use super::{JsResult, Runtime};

impl Runtime {
    /// A new plain object with `Object.prototype` as prototype.
    pub fn new_plain_object(&self) -> ObjectId {
        let proto = self.realm.object_prototype;
        self.heap.borrow_mut().new_object(ObjectClass::Plain, Some(proto))
    }

    /// A new Date object of time value `t` (already clipped).
    pub fn new_date(&self, t: f64) -> ObjectId {
        self.heap.borrow_mut().new_object(ObjectClass::Date(t), Some(self.realm.date_prototype))
    }

    /// Compiles `source` with `flags` into a new RegExp object (`lastIndex` 0) whose prototype
    /// is `proto`, or V8's SyntaxError.
    pub fn new_regexp(&self, source: &JsString, flags: &str, proto: ObjectId) -> JsResult<ObjectId> {
        let data = RegExpData::compile(source, flags).map_err(|m| self.error(ErrorKind::SyntaxError, m))?;
        let id = self.heap.borrow_mut().new_object(ObjectClass::RegExp(Rc::new(data)), Some(proto));
        let last_index = Property { writable: true, enumerable: false, configurable: false, ..Property::hidden(Value::Number(0.0)) };
        self.heap.borrow_mut().put(id, PropertyKey::name("lastIndex"), last_index);
        Ok(id)
    }

    /// A new object standing for the remote (Python) object `py`, which the layer above keeps
    /// alive while this object lives.
    pub fn new_remote_object(&self, py: u64) -> ObjectId {
        self.heap.borrow_mut().new_object(ObjectClass::Remote(py), Some(self.realm.object_prototype))
    }

    /// A new function standing for the remote (Python) callable `py`: calling it calls out
    /// through `Outside::call_python`. Its `name` is "" and its `length` 0, as nothing of the
    /// callable's own is known here.
    pub fn new_remote_function(&self, py: u64) -> ObjectId {
        let class = ObjectClass::Function(Function { callable: Callable::Python(py), is_class: false });
        let mut heap = self.heap.borrow_mut();
        let f = heap.new_object(class, Some(self.realm.function_prototype));
        let fixed = |v| Property { writable: false, ..Property::hidden(v) };
        heap.put(f, PropertyKey::name("name"), fixed(Value::str("")));
        heap.put(f, PropertyKey::name("length"), fixed(Value::Number(0.0)));
        f
    }

    /// A new view of an ArrayBuffer: a typed array, a Buffer or a DataView, as `view` says.
    pub fn new_view(&self, view: View) -> ObjectId {
        let proto = match view.kind {
            _ if view.is_buffer => self.realm.buffer_prototype,
            Some(k) => self.realm.typed_array_prototype(k),
            None => self.realm.dataview_prototype,
        };
        self.heap.borrow_mut().new_object(ObjectClass::View(view), Some(proto))
    }

    /// Memory for a new ArrayBuffer of `len` zero bytes (`init` copied in when given): shared
    /// memory when it can be had, host memory otherwise (and for empty buffers). Memory that
    /// cannot be had at all is V8's `RangeError: Array buffer allocation failed`, not an abort.
    pub fn new_backing(&self, len: usize, init: Option<&[u8]>) -> JsResult<ArrayBufferData> {
        let block = if len > 0 { self.shm.alloc(len, init) } else { None };
        let backing = match block {
            Some(block) => Backing::Shared(block),
            None => {
                let mut bytes = Vec::new();
                bytes.try_reserve_exact(len).map_err(|_| self.range_error("Array buffer allocation failed".into()))?;
                match init {
                    Some(src) => bytes.extend_from_slice(src),
                    None => bytes.resize(len, 0),
                }
                Backing::Owned(bytes.into_boxed_slice())
            }
        };
        Ok(ArrayBufferData::new(backing))
    }

    /// A new ArrayBuffer (or SharedArrayBuffer) over `data` (findable by its shared memory,
    /// `shm.owner_of`, once it crossed to the client).
    pub fn new_arraybuffer(&self, data: ArrayBufferData) -> ObjectId {
        let proto = if data.shared { self.realm.sharedarraybuffer_prototype } else { self.realm.arraybuffer_prototype };
        self.heap.borrow_mut().new_object(ObjectClass::ArrayBuffer(data), Some(proto))
    }
}
