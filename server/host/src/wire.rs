//! Converting values between the runtime and the wire.
//!
//! Arrays and plain data objects are copied (Python gets `list`/`dict`); everything with identity
//! travels as an id the client holds until it releases it.
//!
//! A copy nests as deep as the value does, and no deeper than [`MAX_COPY_DEPTH`]: JavaScript
//! allows a 5,000-deep array, which copied recursively would overflow the stack of whatever
//! thread converts it (Python's own, in-process), and which the client's decoder refuses past
//! `napi_protocol::codec::MAX_DEPTH` anyway. Deeper is [`TooDeep`], a clear error for the caller.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::cell::RefCell;
use std::rc::Rc;

use napi_protocol as proto;
use proto::{BigIntValue, BufferKind, Failure, FailureKind, JsRef, RefKind};

use napi_runtime::bigint::BigInt;
use napi_runtime::object::{ArrayBufferData, Backing, Callable, Function, ObjectClass, TypedArrayKind, View};
use napi_runtime::property::{Property, PropertyKey, Slot};
use napi_runtime::{JsResult, ObjectId, Runtime, Value};

use super::mirrors::Mirrors;
use super::python_objects::PythonObjects;

/// What the client holds: how many times each object was sent and not yet released. These are
/// roots for the collector. Also the mirrors of the external buffers among them.
#[derive(Default)]
pub struct Held {
    counts: FxHashMap<ObjectId, u32>,
    pub mirrors: Mirrors,
}

impl Held {
    pub fn add(&mut self, id: ObjectId) {
        *self.counts.entry(id).or_insert(0) += 1;
    }

    pub fn release(&mut self, id: ObjectId) {
        if let Some(c) = self.counts.get_mut(&id) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&id);
                self.mirrors.released(id);
            }
        }
    }

    pub fn ids(&self) -> Vec<ObjectId> {
        self.counts.keys().copied().collect()
    }

    /// How many holds the client has on `id` (its proxy's, and sends not yet taken in).
    pub fn count(&self, id: ObjectId) -> u32 {
        self.counts.get(&id).copied().unwrap_or(0)
    }

    pub fn contains(&self, id: ObjectId) -> bool {
        self.counts.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

fn buffer_kind(view: &View) -> BufferKind {
    if view.is_buffer {
        return BufferKind::Buffer;
    }
    match view.kind {
        None => BufferKind::DataView,
        Some(k) => match k {
            TypedArrayKind::Int8 => BufferKind::Int8,
            TypedArrayKind::Uint8 => BufferKind::Uint8,
            TypedArrayKind::Uint8Clamped => BufferKind::Uint8Clamped,
            TypedArrayKind::Int16 => BufferKind::Int16,
            TypedArrayKind::Uint16 => BufferKind::Uint16,
            TypedArrayKind::Int32 => BufferKind::Int32,
            TypedArrayKind::Uint32 => BufferKind::Uint32,
            TypedArrayKind::Float32 => BufferKind::Float32,
            TypedArrayKind::Float64 => BufferKind::Float64,
            TypedArrayKind::BigInt64 => BufferKind::BigInt64,
            TypedArrayKind::BigUint64 => BufferKind::BigUint64,
            TypedArrayKind::Float16 => BufferKind::Float16,
        },
    }
}

fn typed_kind(kind: BufferKind) -> Option<TypedArrayKind> {
    Some(match kind {
        BufferKind::Int8 => TypedArrayKind::Int8,
        BufferKind::Uint8 | BufferKind::Buffer => TypedArrayKind::Uint8,
        BufferKind::Uint8Clamped => TypedArrayKind::Uint8Clamped,
        BufferKind::Int16 => TypedArrayKind::Int16,
        BufferKind::Uint16 => TypedArrayKind::Uint16,
        BufferKind::Int32 => TypedArrayKind::Int32,
        BufferKind::Uint32 => TypedArrayKind::Uint32,
        BufferKind::Float32 => TypedArrayKind::Float32,
        BufferKind::Float64 => TypedArrayKind::Float64,
        BufferKind::BigInt64 => TypedArrayKind::BigInt64,
        BufferKind::BigUint64 => TypedArrayKind::BigUint64,
        BufferKind::Float16 => TypedArrayKind::Float16,
        _ => return None,
    })
}

/// Levels the answers themselves wrap a copied value in, at most: a property descriptors
/// answer is `[[key, {value: v}], ...]`, an exports answer `[exports, {name: v}]`.
const ENVELOPE_DEPTH: u32 = 4;

/// Copies nest at most this deep (arrays and objects inside one another), so that every message
/// carrying one decodes within `napi_protocol::codec::MAX_DEPTH`.
pub const MAX_COPY_DEPTH: u32 = proto::codec::MAX_DEPTH - ENVELOPE_DEPTH;

/// A value nested deeper than [`MAX_COPY_DEPTH`]: not copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep;

impl TooDeep {
    pub fn message(self) -> String {
        format!(
            "the value is nested more than {MAX_COPY_DEPTH} arrays or objects deep: JavaScript allows it, but napi_python copies \
             values to Python no deeper than that (pass it by reference, e.g. as a JSON string or an object of the addon's)"
        )
    }
}

impl From<TooDeep> for Failure {
    fn from(t: TooDeep) -> Failure {
        Failure { kind: FailureKind::TooDeep, message: t.message() }
    }
}

/// Converts runtime values for the client, recording what it now holds.
pub struct ToWire<'a> {
    pub rt: &'a Runtime,
    pub held: &'a mut Held,
    /// The Python objects the host holds: a stand-in crosses back as its Python object.
    python: &'a RefCell<PythonObjects>,
    /// Containers being copied, to send a cyclic one by reference instead of looping; as many
    /// as the copy is deep.
    copying: Vec<ObjectId>,
    /// The holds this conversion added, to take back when a value turns out too deep to send.
    added: SmallVec<[ObjectId; 4]>,
}

impl<'a> ToWire<'a> {
    pub fn new(rt: &'a Runtime, held: &'a mut Held, python: &'a RefCell<PythonObjects>) -> Self {
        ToWire { rt, held, python, copying: Vec::new(), added: SmallVec::new() }
    }

    /// `v` as the client gets it. A value too deep to copy is not sent: the holds its parts took
    /// are given back, since the client will never release them.
    pub fn value(&mut self, v: &Value) -> Result<proto::Value, TooDeep> {
        self.undoing(|w| w.value_in(v))
    }

    /// Each of `values`, or none of them (the holds of the ones done given back) when one is too
    /// deep.
    pub fn values<'v>(&mut self, values: impl IntoIterator<Item = &'v Value>) -> Result<Vec<proto::Value>, TooDeep> {
        self.undoing(|w| values.into_iter().map(|v| w.value_in(v)).collect())
    }

    /// Runs a conversion; if it fails, gives back the holds it took.
    fn undoing<T>(&mut self, convert: impl FnOnce(&mut Self) -> Result<T, TooDeep>) -> Result<T, TooDeep> {
        let start = self.added.len();
        let converted = convert(self);
        if converted.is_err() {
            for id in self.added.drain(start..) {
                self.held.release(id);
            }
        }
        converted
    }

    fn value_in(&mut self, v: &Value) -> Result<proto::Value, TooDeep> {
        Ok(match v {
            Value::BigInt(b) => proto::Value::BigInt(BigIntValue { negative: b.negative, words: b.words.clone() }),
            Value::Symbol(id) => {
                let label = self.rt.symbol_description(*id).map(|d| d.to_rust_string()).unwrap_or_default();
                self.reference(*id, RefKind::Symbol, None, label)
            }
            Value::Object(id) => self.object(*id)?,
            _ => primitive(v).expect("every other value is a primitive"),
        })
    }

    /// Runs `copy` as the copy of container `id`, one level deeper: refused past
    /// [`MAX_COPY_DEPTH`] (the depth is the length of `copying`, so no second walk counts it).
    #[inline]
    fn nested(&mut self, id: ObjectId, copy: impl FnOnce(&mut Self) -> Result<proto::Value, TooDeep>) -> Result<proto::Value, TooDeep> {
        if self.copying.len() >= MAX_COPY_DEPTH as usize {
            return Err(TooDeep);
        }
        self.copying.push(id);
        let copied = copy(self);
        self.copying.pop();
        copied
    }

    pub fn reference(&mut self, id: ObjectId, kind: RefKind, class_proto: Option<ObjectId>, label: String) -> proto::Value {
        self.hold(id);
        proto::Value::Js(JsRef {
            id: proto::ObjectId(id.to_bits()),
            kind,
            class_proto: class_proto.map(|p| proto::ObjectId(p.to_bits())),
            label,
        })
    }

    /// Sends `id` by reference whatever its kind (used for the exports object and `js.object`).
    pub fn by_reference(&mut self, id: ObjectId) -> proto::Value {
        let (kind, class_proto) = self.kind_of(id);
        let label = self.rt.class_name(id);
        self.reference(id, kind, class_proto, label)
    }

    fn kind_of(&self, id: ObjectId) -> (RefKind, Option<ObjectId>) {
        let heap = self.rt.heap();
        let o = heap.obj(id);
        let kind = match &o.class {
            ObjectClass::Function(Function { is_class: true, .. }) => RefKind::Class,
            ObjectClass::Function(_) => RefKind::Function,
            ObjectClass::Proxy(p) if p.callable => RefKind::Function,
            ObjectClass::Array => RefKind::Array,
            ObjectClass::Error => RefKind::Error,
            ObjectClass::External { .. } => RefKind::External,
            ObjectClass::Promise(_) => RefKind::Promise,
            _ => RefKind::Object,
        };
        let class_proto = o.proto.filter(|p| is_class_prototype(self.rt, *p));
        (kind, class_proto)
    }

    fn object(&mut self, id: ObjectId) -> Result<proto::Value, TooDeep> {
        // Buffers are copied out by reference to their bytes: cloning the class would copy
        // the whole backing store once more.
        if let Some(bytes) = self.buffer(id) {
            return Ok(bytes);
        }
        let class = match self.rt.heap().get(id) {
            Some(o) => o.class.clone(),
            None => return Ok(proto::Value::Undefined),
        };
        // An object Python already holds a proxy for comes back as that proxy, so host-side
        // objects (`js.object`, `js.array`) keep their identity when an addon returns them.
        let shared = self.rt.heap().get(id).is_some_and(|o| o.by_reference);
        if matches!(class, ObjectClass::Array | ObjectClass::Plain) && (shared || self.held.contains(id)) {
            return Ok(self.by_reference(id));
        }
        if let Some(py) = self.python.borrow().exception_of(id) {
            return Ok(proto::Value::Py { id: proto::PyRef(py), callable: false });
        }
        Ok(match class {
            ObjectClass::Function(Function { callable: Callable::Python(py), .. }) => {
                proto::Value::Py { id: proto::PyRef(py), callable: true }
            }
            ObjectClass::Remote(py) => proto::Value::Py { id: proto::PyRef(py), callable: false },
            ObjectClass::Function(f) => {
                let name = match self.rt.stored_property(id, &PropertyKey::name("name")) {
                    Some(Property { slot: Slot::Data(Value::String(s)), .. }) => s.to_rust_string(),
                    _ => String::new(),
                };
                let kind = if f.is_class { RefKind::Class } else { RefKind::Function };
                self.reference(id, kind, None, name)
            }
            ObjectClass::Date(t) => proto::Value::Date(t),
            ObjectClass::View(_) | ObjectClass::ArrayBuffer(_) => unreachable!("handled by buffer"),
            ObjectClass::Array if !self.copying.contains(&id) => match self.dense_data_length(id) {
                Some(len) => self.nested(id, |w| {
                    // Sized up front: collecting `Result`s would grow the vector as it fills.
                    let mut items = Vec::with_capacity(len as usize);
                    for i in 0..len {
                        items.push(match w.rt.stored_property(id, &PropertyKey::Index(i)) {
                            Some(Property { slot: Slot::Data(v), .. }) => w.value_in(&v)?,
                            _ => proto::Value::Undefined,
                        });
                    }
                    Ok(proto::Value::Array(items))
                })?,
                None => self.by_reference(id),
            },
            ObjectClass::Plain if !self.copying.contains(&id) && self.is_plain_data(id) => self.copy_plain_in(id)?,
            _ => self.by_reference(id),
        })
    }

    /// Counts one more hold of `id` by the client.
    fn hold(&mut self, id: ObjectId) {
        self.held.add(id);
        self.added.push(id);
    }

    fn shared(&mut self, id: ObjectId, kind: BufferKind, region: proto::Region) -> proto::Value {
        self.hold(id);
        proto::Value::Shared { object: proto::ObjectId(id.to_bits()), kind, region }
    }

    /// A buffer-like object as the client gets it: the coordinates of its bytes in shared
    /// memory, held like any reference. External memory (the addon's) crosses as the object
    /// itself over a shared mirror of its bytes (see `mirrors`); without shared memory the
    /// bytes themselves are copied.
    fn buffer(&mut self, id: ObjectId) -> Option<proto::Value> {
        let (kind, buffer, view) = match &self.rt.heap().get(id)?.class {
            ObjectClass::View(view) => (buffer_kind(view), view.buffer, Some(view.clone())),
            ObjectClass::ArrayBuffer(data) => (if data.shared { BufferKind::SharedArrayBuffer } else { BufferKind::ArrayBuffer }, id, None),
            _ => return None,
        };
        let (backing, whole) = match &self.rt.heap().get(buffer).map(|o| &o.class) {
            Some(ObjectClass::ArrayBuffer(data)) => (data.backing.clone(), data.len()),
            _ => (Backing::Detached(None), 0),
        };
        let (offset, len) = match &view {
            Some(v) => (v.byte_offset, v.length * v.kind.map_or(1, TypedArrayKind::element_size)),
            None => (0, whole),
        };
        // A view past the end of its (detached) buffer reads as empty, as in JS.
        let (offset, len) = if offset.checked_add(len).is_some_and(|end| end <= whole) { (offset, len) } else { (0, 0) };
        match backing {
            // Lent memory has no segment the client could map again: its bytes cross.
            Backing::Shared(block) if block.is_lent() => Some(proto::Value::Bytes { kind, data: view_bytes(self.rt, buffer, offset, len) }),
            Backing::Shared(block) => {
                let r = block.region();
                let region = proto::Region { offset: r.offset + offset as u64, len: len as u64, ..r };
                Some(self.shared(id, kind, region))
            }
            // Nothing to map (detached, empty): still the object itself, so identity and
            // detachment stay observable. The client ignores the segment of an empty region.
            _ if len == 0 => Some(self.shared(id, kind, proto::Region { owner: proto::SegmentOwner::Host, segment: 0, offset: 0, len: 0 })),
            Backing::External { ptr, len: whole } => match self.held.mirrors.block_for(self.rt, buffer, (ptr, whole), id) {
                Some(block) => {
                    let r = block.region();
                    Some(self.shared(id, kind, proto::Region { offset: r.offset + offset as u64, len: len as u64, ..r }))
                }
                None => Some(proto::Value::Bytes { kind, data: view_bytes(self.rt, buffer, offset, len) }),
            },
            _ => Some(proto::Value::Bytes { kind, data: view_bytes(self.rt, buffer, offset, len) }),
        }
    }

    /// A copy of a plain object's enumerable string-keyed data properties, whatever their values
    /// (descriptors answered as dicts even when they hold functions).
    pub fn copy_plain(&mut self, id: ObjectId) -> Result<proto::Value, TooDeep> {
        self.undoing(|w| w.copy_plain_in(id))
    }

    fn copy_plain_in(&mut self, id: ObjectId) -> Result<proto::Value, TooDeep> {
        self.nested(id, |w| {
            let props: Vec<(String, Value)> = {
                let heap = w.rt.heap();
                let o = heap.obj(id);
                // Read straight off the properties in `own_keys`' order: no list of cloned keys,
                // each looked up again; sized for all of them, so it never grows while it fills.
                let mut props = Vec::with_capacity(o.props.len());
                props.extend(o.own_properties().filter_map(|(k, p)| {
                    let Property { slot: Slot::Data(v), enumerable: true, .. } = p else { return None };
                    let name = match k {
                        PropertyKey::Index(i) => i.to_string(),
                        PropertyKey::String(s) => s.to_rust_string(),
                        PropertyKey::Symbol(_) => return None,
                    };
                    Some((name, v.clone()))
                }));
                props
            };
            // Sized up front too: collecting `Result`s would grow it as it fills.
            let mut out = Vec::with_capacity(props.len());
            for (k, v) in props {
                let v = w.value_in(&v)?;
                out.push((k, v));
            }
            Ok(proto::Value::Object(out))
        })
    }

    /// The length of an array that copies: one that holds only data elements, no holes and no
    /// extra properties (a holey array would come back from a list filled with `undefined`).
    fn dense_data_length(&self, id: ObjectId) -> Option<u32> {
        let len = self.rt.array_length(id);
        let heap = self.rt.heap();
        let o = heap.obj(id);
        let dense = o.props.len() == len as usize + 1
            && o.proto == Some(self.rt.realm().array_prototype)
            && o.wrap.is_none()
            && o.props.iter().all(|(k, p)| {
                matches!(p.slot, Slot::Data(_))
                    && (matches!(k, PropertyKey::Index(_)) || matches!(k, PropertyKey::String(s) if s.as_str() == Some("length")))
            });
        dense.then_some(len)
    }

    /// Plain data crosses by value (D4): prototype `Object.prototype` or null, enumerable data properties only (a
    /// hidden property, like a prototype's `constructor`, marks an object that is more than
    /// data), no symbol keys, not wrapped or tagged (those are a native object's identity).
    /// And no function values (D4): an object of functions is an API (`GlobalFonts`), whose
    /// functions expect it as `this`, which a copied dict would lose.
    fn is_plain_data(&self, id: ObjectId) -> bool {
        let heap = self.rt.heap();
        let o = heap.obj(id);
        let is_function = |v: &Value| matches!(v, Value::Object(f) if heap.get(*f).is_some_and(|f| f.is_callable()));
        (o.proto.is_none() || o.proto == Some(self.rt.realm().object_prototype))
            && o.wrap.is_none()
            && o.type_tag.is_none()
            && o.props
                .iter()
                .all(|(k, p)| matches!(&p.slot, Slot::Data(v) if !is_function(v)) && p.enumerable && !matches!(k, PropertyKey::Symbol(_)))
    }
}

/// A copy of `len` bytes at `offset` of ArrayBuffer `buffer` (checked by the caller).
fn view_bytes(rt: &Runtime, buffer: ObjectId, offset: usize, len: usize) -> Vec<u8> {
    match rt.heap().get(buffer).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) => data.bytes().get(offset..offset + len).map(<[u8]>::to_vec).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A prototype made by `napi_define_class` (its `constructor` is a class).
pub fn is_class_prototype(rt: &Runtime, proto: ObjectId) -> bool {
    match rt.stored_property(proto, &PropertyKey::name("constructor")) {
        Some(Property { slot: Slot::Data(Value::Object(c)), .. }) => {
            matches!(rt.heap().get(c).map(|o| &o.class), Some(ObjectClass::Function(Function { is_class: true, .. })))
        }
        _ => false,
    }
}

fn stale(id: proto::ObjectId) -> Failure {
    Failure { kind: FailureKind::StaleObject, message: format!("the host no longer has object {:#x}", id.0) }
}

/// `v` as it crosses when it is a primitive that needs nothing of the runtime to cross
/// (undefined, null, a boolean, a number, a string); `None` for anything else.
pub fn primitive(v: &Value) -> Option<proto::Value> {
    Some(match v {
        Value::Undefined => proto::Value::Undefined,
        Value::Null => proto::Value::Null,
        Value::Bool(b) => proto::Value::Bool(*b),
        Value::Number(n) => proto::Value::Number(*n),
        Value::String(s) => proto::Value::String(s.to_rust_string()),
        _ => return None,
    })
}

/// The object or symbol a client names by id (its proxy's); a stale id is a bad request.
pub fn held_value(rt: &Runtime, id: proto::ObjectId) -> Result<Value, Failure> {
    let object = ObjectId::from_bits(id.0);
    match rt.heap().get(object) {
        Some(o) if matches!(o.class, ObjectClass::Symbol { .. }) => Ok(Value::Symbol(object)),
        Some(_) => Ok(Value::Object(object)),
        None => Err(stale(id)),
    }
}

/// Converts a client value into the runtime, creating host objects for copied containers and
/// for Python objects seen for the first time (kept in `python`). Inlined for the scalars, the commonest values:
/// handed back from a call, a value is read in wider loads than it was written with, a
/// store-forwarding stall on every argument of every call (D49).
#[inline(always)]
pub fn from_wire(rt: &Runtime, python: &RefCell<PythonObjects>, v: &proto::Value) -> Result<Value, Failure> {
    Ok(match v {
        proto::Value::Undefined => Value::Undefined,
        proto::Value::Null => Value::Null,
        proto::Value::Bool(b) => Value::Bool(*b),
        proto::Value::Number(n) => Value::Number(*n),
        _ => return from_wire_other(rt, python, v),
    })
}

/// `from_wire` for everything but the scalars.
fn from_wire_other(rt: &Runtime, python: &RefCell<PythonObjects>, v: &proto::Value) -> Result<Value, Failure> {
    Ok(match v {
        proto::Value::Undefined | proto::Value::Null | proto::Value::Bool(_) | proto::Value::Number(_) => from_wire(rt, python, v)?,
        proto::Value::String(s) => Value::String(s.as_str().into()),
        proto::Value::BigInt(b) => Value::BigInt(Rc::new(BigInt::new(b.negative, b.words.clone()))),
        proto::Value::Array(items) => {
            let items = items.iter().map(|i| from_wire(rt, python, i)).collect::<Result<Vec<_>, _>>()?;
            Value::Object(rt.new_array(items))
        }
        proto::Value::Object(props) => {
            let obj = rt.new_plain_object();
            for (k, v) in props {
                let v = from_wire(rt, python, v)?;
                rt.heap_mut().put(obj, PropertyKey::name(k), Property::data(v));
            }
            Value::Object(obj)
        }
        proto::Value::Date(t) => Value::Object(rt.new_date(*t)),
        proto::Value::Bytes { kind, data } => Value::Object(bytes_to_object(rt, *kind, data)?),
        proto::Value::Upload { kind, region } => Value::Object(shared_to_object(rt, *kind, *region, true)?),
        proto::Value::InPlace { kind, region } => Value::Object(shared_to_object(rt, *kind, *region, false)?),
        proto::Value::Lent { kind, address, region } => Value::Object(lent_to_object(rt, *kind, *address, *region)?),
        proto::Value::Js(r) => held_value(rt, r.id)?,
        proto::Value::Py { id, callable } => Value::Object(python.borrow_mut().received(rt, id.0, *callable)),
        _ => return Err(Failure { kind: FailureKind::BadRequest, message: "unsupported value".into() }),
    })
}

/// The ArrayBuffer under a new value of `kind`: a SharedArrayBuffer for that kind.
fn new_arraybuffer(rt: &Runtime, kind: BufferKind, data: ArrayBufferData) -> ObjectId {
    rt.new_arraybuffer(ArrayBufferData { shared: kind == BufferKind::SharedArrayBuffer, ..data })
}

/// `kind`'s object over `len` bytes at `offset` of ArrayBuffer `ab`: `ab` itself for the
/// ArrayBuffer kinds (the caller passes all of it), else a new view.
fn view_over(rt: &Runtime, ab: ObjectId, kind: BufferKind, offset: usize, len: usize) -> ObjectId {
    if matches!(kind, BufferKind::ArrayBuffer | BufferKind::SharedArrayBuffer) {
        return ab;
    }
    let view = match typed_kind(kind) {
        Some(k) => {
            View { buffer: ab, kind: Some(k), is_buffer: kind == BufferKind::Buffer, byte_offset: offset, length: len / k.element_size() }
        }
        None => View { buffer: ab, kind: None, is_buffer: false, byte_offset: offset, length: len },
    };
    rt.new_view(view)
}

fn bad_request(message: impl Into<String>) -> Failure {
    Failure { kind: FailureKind::BadRequest, message: message.into() }
}

/// The buffer Python sent in shared memory: over its upload block, or sharing the host
/// ArrayBuffer whose memory it is.
fn shared_to_object(rt: &Runtime, kind: BufferKind, region: proto::Region, upload: bool) -> Result<ObjectId, Failure> {
    // An upload's block is taken first, so that a refused one still goes back to the client.
    let block = if upload { Some(rt.shm().peer_block(region).map_err(bad_request)?) } else { None };
    let len = usize::try_from(region.len).map_err(|_| bad_request("buffer too large"))?;
    if len % kind.element_size() != 0 {
        return Err(bad_request(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
    }
    if let Some(block) = block {
        let ab = new_arraybuffer(rt, kind, ArrayBufferData::new(Backing::Shared(block)));
        return Ok(view_over(rt, ab, kind, 0, len));
    }
    let (ab, offset) = rt.shm().owner_of(region).ok_or_else(|| bad_request("the memory passed is not a live buffer of this host"))?;
    let (whole, shared) = match rt.heap().get(ab).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) if !data.is_detached() => (data.len(), data.shared),
        _ => return Err(bad_request("the memory passed belongs to a detached ArrayBuffer")),
    };
    let whole_kind = if shared { BufferKind::SharedArrayBuffer } else { BufferKind::ArrayBuffer };
    if matches!(kind, BufferKind::ArrayBuffer | BufferKind::SharedArrayBuffer) && (kind, offset, len) != (whole_kind, 0, whole) {
        return Err(bad_request("an ArrayBuffer must be passed whole, as the kind it is"));
    }
    if offset % kind.element_size() != 0 {
        return Err(bad_request(format!("offset {offset} is not a multiple of the element size {}", kind.element_size())));
    }
    Ok(view_over(rt, ab, kind, offset, len))
}

/// The buffer an in-process client lent its memory for (`Value::Lent`): over that memory, in
/// place. The request that took it lets go of it when it ends, unless something reaches it then
/// (`Host::end_lends`).
fn lent_to_object(rt: &Runtime, kind: BufferKind, address: u64, region: proto::Region) -> Result<ObjectId, Failure> {
    let block = rt.shm().lent_block(address, region).map_err(bad_request)?;
    let len = block.len();
    if len % kind.element_size() != 0 {
        return Err(bad_request(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
    }
    let ab = new_arraybuffer(rt, kind, ArrayBufferData::new(Backing::Shared(block)));
    rt.shm().note_lent(ab);
    Ok(view_over(rt, ab, kind, 0, len))
}

/// A new zero-filled buffer of `kind` and `len` bytes.
pub fn new_buffer(rt: &Runtime, kind: BufferKind, len: usize) -> JsResult<ObjectId> {
    let ab = new_arraybuffer(rt, kind, rt.new_backing(len, None)?);
    Ok(view_over(rt, ab, kind, 0, len))
}

fn bytes_to_object(rt: &Runtime, kind: BufferKind, data: &[u8]) -> Result<ObjectId, Failure> {
    let memory =
        rt.new_backing(data.len(), Some(data)).map_err(|_| bad_request(format!("no memory for a buffer of {} bytes", data.len())))?;
    Ok(view_over(rt, new_arraybuffer(rt, kind, memory), kind, 0, data.len()))
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
