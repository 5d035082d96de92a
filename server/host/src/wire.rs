//! Converting values between the runtime and the wire.
//!
//! Arrays and plain data objects are copied (Python gets `list`/`dict`); everything with identity
//! travels as an id the client holds until it releases it.
//!
//! A copy nests as deep as the value does: JavaScript allows a 100,000-deep array, so both
//! directions convert in a loop with a stack of their own, never recursing (a recursive copy
//! would overflow the stack of whatever thread converts it, Python's own in-process). What
//! bounds a copy is its size: more than `napi_protocol::MAX_VALUES` values is [`TooLarge`], a
//! clear error for the caller (D78).

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use napi_protocol as proto;
use proto::value_tree::{string_value, walk, Ancestors, Step, TreeBuilder, ValueSink};
use proto::{BigIntValue, BufferKind, Failure, FailureKind, JsRef, RefKind, ValueBudget};

use napi_runtime::bigint::BigInt;
use napi_runtime::object::{ArrayBufferData, Backing, Callable, Function, ObjectClass, TypedArrayKind, View};
use napi_runtime::property::{Property, PropertyKey, Slot};
use napi_runtime::{JsResult, JsString, ObjectId, Runtime, Value};

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

/// A value of more than `napi_protocol::MAX_VALUES` values: not copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge;

impl TooLarge {
    pub fn message(self) -> String {
        format!("{} (pass it by reference, e.g. as a JSON string or an object of the addon's)", proto::too_many_values())
    }
}

impl From<TooLarge> for Failure {
    fn from(t: TooLarge) -> Failure {
        Failure { kind: FailureKind::TooLarge, message: t.message() }
    }
}

/// A copy of a container into the sink it is given ([`ToWire::value_or_copy`]).
pub type CopyInto<'a, E> = dyn FnMut(&mut dyn ValueSink<Error = E>) -> Result<(), Stop<E>> + 'a;

/// A sink whose leaves `before` sees first.
pub(crate) struct Looking<'s, E, F> {
    pub sink: &'s mut dyn ValueSink<Error = E>,
    pub before: F,
}

impl<E, F: FnMut(&proto::Value)> ValueSink for Looking<'_, E, F> {
    type Error = E;

    fn leaf(&mut self, v: proto::Value) -> Result<(), E> {
        (self.before)(&v);
        self.sink.leaf(v)
    }

    fn text(&mut self, text: &str) -> Result<(), E> {
        self.sink.text(text)
    }

    fn open_array(&mut self, len: usize) -> Result<(), E> {
        self.sink.open_array(len)
    }

    fn open_object(&mut self, len: usize) -> Result<(), E> {
        self.sink.open_object(len)
    }

    fn key(&mut self, key: &str) -> Result<(), E> {
        self.sink.key(key)
    }

    fn leaves(&mut self, items: Vec<proto::Value>) -> Result<(), E> {
        // Leaves of an array of leaves are no buffers: nothing to look at.
        self.sink.leaves(items)
    }

    fn leaf_object(&mut self, keys: &[&str], values: Vec<proto::Value>) -> Result<(), E> {
        // Nor are the scalars of an object of leaves.
        self.sink.leaf_object(keys, values)
    }
}

/// A tree builder as a sink of the error another sink has (an in-process caller's): it never
/// refuses.
struct RefusingNothing<E>(TreeBuilder, PhantomData<fn() -> E>);

impl<E> ValueSink for RefusingNothing<E> {
    type Error = E;

    fn leaf(&mut self, v: proto::Value) -> Result<(), E> {
        let Ok(()) = self.0.leaf(v);
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), E> {
        let Ok(()) = self.0.text(text);
        Ok(())
    }

    fn open_array(&mut self, len: usize) -> Result<(), E> {
        let Ok(()) = ValueSink::open_array(&mut self.0, len);
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> Result<(), E> {
        let Ok(()) = ValueSink::open_object(&mut self.0, len);
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), E> {
        let Ok(()) = ValueSink::key(&mut self.0, key);
        Ok(())
    }

    fn leaves(&mut self, items: Vec<proto::Value>) -> Result<(), E> {
        let Ok(()) = self.0.leaves(items);
        Ok(())
    }
}

/// Why a copy stopped: the value is too large, or its sink refused a part.
#[derive(Debug)]
pub enum Stop<E> {
    TooLarge,
    Sink(E),
}

impl Stop<std::convert::Infallible> {
    /// A tree builder refuses nothing: only the size stops its copy.
    fn too_large(self) -> TooLarge {
        TooLarge
    }
}

/// A container being copied: where its elements still to convert are.
enum Copying {
    /// A dense array, read an element at a time.
    Array { id: ObjectId, next: u32, len: u32 },
    /// A plain object's properties, read all at once (no symbol among their keys).
    Object { id: ObjectId, props: std::vec::IntoIter<(PropertyKey, Value)> },
}

impl Copying {
    fn id(&self) -> ObjectId {
        match self {
            Copying::Array { id, .. } | Copying::Object { id, .. } => *id,
        }
    }
}

/// The containers being copied, innermost last.
type CopyStack = SmallVec<[Copying; 8]>;

/// Whether `v` is converted by `ToWire::scalar`: no object, and no string (whose text a sink
/// copies itself).
fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::String(_))
}

/// The text of a key that is a well-formed name (no index, no symbol).
fn named(k: &PropertyKey) -> Option<&str> {
    match k {
        PropertyKey::String(s) => s.as_str(),
        _ => None,
    }
}

/// Property key `k`, no symbol, into `sink` as the text it names.
fn key_into<S: ValueSink + ?Sized>(k: &PropertyKey, sink: &mut S) -> Result<(), S::Error> {
    match k {
        PropertyKey::String(s) => match s.as_str() {
            Some(text) => sink.key(text),
            None => sink.key(&s.to_rust_string()),
        },
        PropertyKey::Index(i) => sink.key(&i.to_string()),
        PropertyKey::Symbol(_) => unreachable!("a copied object has no symbol keys"),
    }
}

/// What a runtime value becomes: a value sent as it is, a string whose text the sink copies, or
/// a container copied element by element.
enum Converted {
    Value(proto::Value),
    Text(JsString),
    Container(Copying),
}

/// The text of `s` into `sink` (lone surrogates as U+FFFD, as everywhere text leaves the host).
fn text_into<S: ValueSink + ?Sized>(s: &JsString, sink: &mut S) -> Result<(), S::Error> {
    match s.as_str() {
        Some(text) => sink.text(text),
        None => sink.text(&s.to_rust_string()),
    }
}

/// Converts runtime values for the client, recording what it now holds.
pub struct ToWire<'a> {
    pub rt: &'a Runtime,
    /// Borrowed only for a moment at a time: in-process, Python code runs between the steps of
    /// a copy into the client's objects, and a request it makes converts too.
    pub held: &'a RefCell<Held>,
    /// The Python objects the host holds: a stand-in crosses back as its Python object.
    python: &'a RefCell<PythonObjects>,
    /// Containers being copied, to send a cyclic one by reference instead of looping; as many
    /// as the copy is deep.
    copying: Ancestors<ObjectId>,
    /// The values this converter may still make (one per message, as the client decodes).
    budget: ValueBudget,
    /// The holds this conversion added, to take back when a value turns out too large to send.
    added: SmallVec<[ObjectId; 4]>,
}

impl<'a> ToWire<'a> {
    pub fn new(rt: &'a Runtime, held: &'a RefCell<Held>, python: &'a RefCell<PythonObjects>) -> Self {
        ToWire { rt, held, python, copying: Ancestors::default(), budget: ValueBudget::default(), added: SmallVec::new() }
    }

    /// `v` as the client gets it. A value too large to copy is not sent: the holds its parts took
    /// are given back, since the client will never release them.
    pub fn value(&mut self, v: &Value) -> Result<proto::Value, TooLarge> {
        self.undoing(|w| w.value_in(v))
    }

    /// Each of `values`, or none of them (the holds of the ones done given back) when they are
    /// too large.
    pub fn values<'v>(&mut self, values: impl IntoIterator<Item = &'v Value>) -> Result<Vec<proto::Value>, TooLarge> {
        self.undoing(|w| values.into_iter().map(|v| w.value_in(v)).collect())
    }

    /// Runs a conversion; if it fails, gives back the holds it took.
    fn undoing<T>(&mut self, convert: impl FnOnce(&mut Self) -> Result<T, TooLarge>) -> Result<T, TooLarge> {
        let start = self.added.len();
        let converted = convert(self);
        if converted.is_err() {
            for id in self.added.drain(start..) {
                self.held.borrow_mut().release(id);
            }
        }
        converted
    }

    fn value_in(&mut self, v: &Value) -> Result<proto::Value, TooLarge> {
        match self.convert(v) {
            Converted::Value(p) => Ok(p),
            Converted::Text(s) => Ok(string_value(s.to_rust_string())),
            Converted::Container(c) => self.copy_tree(c),
        }
    }

    /// Copies container `c` as a protocol tree (what crosses to an isolated client).
    fn copy_tree(&mut self, c: Copying) -> Result<proto::Value, TooLarge> {
        let mut tree = TreeBuilder::default();
        self.copy(c, &mut tree).map_err(Stop::too_large)?;
        Ok(tree.take().expect("a copy ends with its value finished"))
    }

    /// `v` as the client gets it, or `None` when it is a container, copied instead into the sink
    /// that `container` hands the copy: in-process, the client's own objects. The holds
    /// of what reached that sink are the client's from then on, even when the copy stops
    /// midway: what it made of them lets go of them as it goes.
    pub fn value_or_copy<E>(
        &mut self,
        v: &Value,
        container: impl FnOnce(&mut CopyInto<'_, E>) -> Result<(), Stop<E>>,
    ) -> Result<Option<proto::Value>, Stop<E>> {
        match self.convert(v) {
            Converted::Value(p) => Ok(Some(p)),
            Converted::Text(s) => {
                container(&mut |sink| text_into(&s, sink).map_err(Stop::Sink))?;
                Ok(None)
            }
            Converted::Container(c) => {
                let mut c = Some(c);
                container(&mut |sink| match c.take() {
                    Some(c) => self.copy(c, sink),
                    None => Ok(()),
                })?;
                Ok(None)
            }
        }
    }

    /// Walks `v` as the client gets it into `sink`. The holds of what reached the sink are the
    /// client's from then on, as in [`ToWire::value_or_copy`].
    pub fn value_into<S: ValueSink + ?Sized>(&mut self, v: &Value, sink: &mut S) -> Result<(), Stop<S::Error>> {
        match self.convert(v) {
            Converted::Value(p) => sink.leaf(p).map_err(Stop::Sink),
            Converted::Text(s) => text_into(&s, sink).map_err(Stop::Sink),
            Converted::Container(c) => self.copy(c, sink),
        }
    }

    /// Copies container `c` into `sink`: counted, and made directly when it is an array of values
    /// that are no objects (the commonest copy), else walked.
    fn copy<S: ValueSink + ?Sized>(&mut self, c: Copying, sink: &mut S) -> Result<(), Stop<S::Error>> {
        // A container counts one, and each of its elements (a value that is no container
        // is one whatever it is, and bounds nothing).
        self.take(1)?;
        match c {
            Copying::Array { id, len, .. } if self.holds_only_scalars(id) => {
                self.take(u64::from(len))?;
                let items = self.scalars(id, len);
                sink.leaves(items).map_err(Stop::Sink)
            }
            // An object of named scalars (a record of numbers, flags): made directly too.
            Copying::Object { props, .. } if props.as_slice().iter().all(|(k, v)| named(k).is_some() && is_scalar(v)) => {
                let props = props.as_slice();
                self.take(props.len() as u64)?;
                let values = props.iter().map(|(_, v)| self.scalar(v)).collect();
                let keys: SmallVec<[&str; 16]> = props.iter().filter_map(|(k, _)| named(k)).collect();
                sink.leaf_object(&keys, values).map_err(Stop::Sink)
            }
            c => self.copy_walked(c, sink),
        }
    }

    /// Whether no property of `id` is an object or a string (whose text a sink copies itself).
    fn holds_only_scalars(&self, id: ObjectId) -> bool {
        self.rt.heap().obj(id).props.iter().all(|(_, p)| !matches!(&p.slot, Slot::Data(v) if !is_scalar(v)))
    }

    /// The `len` elements of dense array `id`, which holds no objects.
    fn scalars(&mut self, id: ObjectId, len: u32) -> Vec<proto::Value> {
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            items.push(match self.rt.stored_property(id, &PropertyKey::Index(i)) {
                Some(Property { slot: Slot::Data(v), .. }) => self.scalar(&v),
                _ => proto::Value::Undefined,
            });
        }
        items
    }

    /// Takes `n` values of this converter's budget.
    #[inline]
    fn take<E>(&mut self, n: u64) -> Result<(), Stop<E>> {
        if self.budget.take(n) {
            Ok(())
        } else {
            Err(Stop::TooLarge)
        }
    }

    /// One value, converted unless it is a container to copy.
    fn convert(&mut self, v: &Value) -> Converted {
        match v {
            Value::Object(id) => self.object(*id),
            Value::String(s) => Converted::Text(s.clone()),
            _ => Converted::Value(self.scalar(v)),
        }
    }

    /// A value that is no object.
    fn scalar(&mut self, v: &Value) -> proto::Value {
        match v {
            Value::BigInt(b) => proto::Value::BigInt(BigIntValue { negative: b.negative, words: b.words.clone() }),
            Value::Symbol(id) => {
                let label = self.rt.symbol_description(*id).map(|d| d.to_rust_string()).unwrap_or_default();
                self.reference(*id, RefKind::Symbol, None, label)
            }
            _ => primitive(v).expect("every other value is a primitive"),
        }
    }

    /// Copies container `first` and everything in it into `sink`, to any depth: the containers
    /// entered wait on a stack of their own, so the thread's stack does not grow with the depth.
    fn copy_walked<S: ValueSink + ?Sized>(&mut self, first: Copying, sink: &mut S) -> Result<(), Stop<S::Error>> {
        let mut open = SmallVec::new();
        let copied = self.copy_into(first, &mut open, sink);
        for _ in &open {
            self.copying.leave();
        }
        copied
    }

    fn copy_into<S: ValueSink + ?Sized>(&mut self, first: Copying, open: &mut CopyStack, sink: &mut S) -> Result<(), Stop<S::Error>> {
        self.enter(first, open, sink)?;
        while let Some(top) = open.last_mut() {
            let next = match top {
                Copying::Array { id, next, len } if *next < *len => {
                    let i = *next;
                    *next += 1;
                    match self.rt.stored_property(*id, &PropertyKey::Index(i)) {
                        Some(Property { slot: Slot::Data(v), .. }) => Some(v),
                        _ => Some(Value::Undefined),
                    }
                }
                Copying::Object { props, .. } => match props.next() {
                    Some((k, v)) => {
                        key_into(&k, sink).map_err(Stop::Sink)?;
                        Some(v)
                    }
                    None => None,
                },
                Copying::Array { .. } => None,
            };
            match next {
                // Filled (the sink closed it with its last element): no longer being copied.
                None => {
                    open.pop();
                    self.copying.leave();
                }
                Some(v) => match self.convert(&v) {
                    Converted::Value(p) => sink.leaf(p).map_err(Stop::Sink)?,
                    Converted::Text(s) => text_into(&s, sink).map_err(Stop::Sink)?,
                    Converted::Container(c) => self.enter(c, open, sink)?,
                },
            }
        }
        Ok(())
    }

    /// Starts copying container `c`: its elements counted and opened in the sink.
    fn enter<S: ValueSink + ?Sized>(&mut self, c: Copying, open: &mut CopyStack, sink: &mut S) -> Result<(), Stop<S::Error>> {
        let len = match &c {
            Copying::Array { len, .. } => *len as usize,
            Copying::Object { props, .. } => props.len(),
        };
        self.take(len as u64)?;
        match &c {
            Copying::Array { .. } => sink.open_array(len),
            Copying::Object { .. } => sink.open_object(len),
        }
        .map_err(Stop::Sink)?;
        if len > 0 {
            self.copying.enter(c.id());
            open.push(c);
        }
        Ok(())
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

    fn object(&mut self, id: ObjectId) -> Converted {
        // Buffers are copied out by reference to their bytes: cloning the class would copy
        // the whole backing store once more.
        if let Some(bytes) = self.buffer(id) {
            return Converted::Value(bytes);
        }
        let class = match self.rt.heap().get(id) {
            Some(o) => o.class.clone(),
            None => return Converted::Value(proto::Value::Undefined),
        };
        // An object Python already holds a proxy for comes back as that proxy, so host-side
        // objects (`js.object`, `js.array`) keep their identity when an addon returns them.
        let shared = self.rt.heap().get(id).is_some_and(|o| o.by_reference);
        if matches!(class, ObjectClass::Array | ObjectClass::Plain) && (shared || self.held.borrow().contains(id)) {
            return Converted::Value(self.by_reference(id));
        }
        if let Some(py) = self.python.borrow().exception_of(id) {
            return Converted::Value(proto::Value::Py { id: proto::PyRef(py), callable: false });
        }
        Converted::Value(match class {
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
            ObjectClass::Array if !self.copying.contains(id) => match self.dense_data_length(id) {
                Some(len) => return Converted::Container(Copying::Array { id, next: 0, len }),
                None => self.by_reference(id),
            },
            ObjectClass::Plain if !self.copying.contains(id) && self.is_plain_data(id) => {
                return Converted::Container(self.plain_props(id));
            }
            _ => self.by_reference(id),
        })
    }

    /// Counts one more hold of `id` by the client.
    fn hold(&mut self, id: ObjectId) {
        self.held.borrow_mut().add(id);
        self.added.push(id);
    }

    fn shared(&mut self, id: ObjectId, kind: BufferKind, region: proto::Region) -> proto::Value {
        self.hold(id);
        proto::Value::Shared { object: proto::ObjectId(id.to_bits()), kind, region }
    }

    /// The mirror of external memory `memory` of ArrayBuffer `buffer` (sent as `id`), if it has one.
    fn mirror(&self, buffer: ObjectId, memory: (usize, usize), id: ObjectId) -> Option<Rc<napi_runtime::shm::Block>> {
        self.held.borrow_mut().mirrors.block_for(self.rt, buffer, memory, id)
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
                // The client may name this memory by region from now on (`shared_to_object`).
                self.rt.shm().set_owner(&block, buffer);
                let r = block.region();
                let region = proto::Region { offset: r.offset + offset as u64, len: len as u64, ..r };
                Some(self.shared(id, kind, region))
            }
            // Nothing to map (detached, empty): still the object itself, so identity and
            // detachment stay observable. The client ignores the segment of an empty region.
            _ if len == 0 => Some(self.shared(id, kind, proto::Region { owner: proto::SegmentOwner::Host, segment: 0, offset: 0, len: 0 })),
            Backing::External { ptr, len: whole } => match self.mirror(buffer, (ptr, whole), id) {
                Some(block) => {
                    let r = block.region();
                    Some(self.shared(id, kind, proto::Region { offset: r.offset + offset as u64, len: len as u64, ..r }))
                }
                None => Some(proto::Value::Bytes { kind, data: view_bytes(self.rt, buffer, offset, len) }),
            },
            _ => Some(proto::Value::Bytes { kind, data: view_bytes(self.rt, buffer, offset, len) }),
        }
    }

    /// Copies a plain object's enumerable string-keyed data properties into `sink`, whatever
    /// their values (descriptors answered as dicts even when they hold functions).
    pub fn plain_into<S: ValueSink + ?Sized>(&mut self, id: ObjectId, sink: &mut S) -> Result<(), Stop<S::Error>> {
        let props = self.plain_props(id);
        self.copy(props, sink)
    }

    /// The answer `walk` walks, as a protocol tree (what crosses to an isolated client); the
    /// holds it took given back when it is too large.
    pub fn walked_tree<E>(
        &mut self,
        walk: impl FnOnce(&mut Self, &mut dyn ValueSink<Error = E>) -> Result<(), Stop<E>>,
    ) -> Result<proto::Value, TooLarge> {
        self.undoing(|w| {
            let mut tree = RefusingNothing(TreeBuilder::default(), PhantomData);
            walk(w, &mut tree).map_err(|_| TooLarge)?;
            Ok(tree.0.take().expect("a walk ends with its value finished"))
        })
    }

    /// The properties of plain object `id` to copy.
    fn plain_props(&self, id: ObjectId) -> Copying {
        let heap = self.rt.heap();
        let o = heap.obj(id);
        // Read straight off the properties in `own_keys`' order: no list of cloned keys, each
        // looked up again; sized for all of them, so it never grows while it fills.
        let mut props = Vec::with_capacity(o.props.len());
        props.extend(o.own_properties().filter_map(|(k, p)| {
            let Property { slot: Slot::Data(v), enumerable: true, .. } = p else { return None };
            (!matches!(k, PropertyKey::Symbol(_))).then(|| (k.clone(), v.clone()))
        }));
        Copying::Object { id, props: props.into_iter() }
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

    /// Plain data crosses by value: prototype `Object.prototype` or null, enumerable data
    /// properties only (a hidden property, like a prototype's `constructor`, marks an object
    /// that is more than data), no symbol keys, not wrapped or tagged (those are a native
    /// object's identity). And no function values: an object of functions is an API
    /// (`GlobalFonts`), whose functions expect it as `this`, which a copied dict would lose.
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
        Value::String(s) => string_value(s.to_rust_string()),
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
/// store-forwarding stall on every argument of every call.
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
        // An array of values that are no containers, the commonest copy: made directly.
        proto::Value::Array(items) if items.iter().all(|i| !is_container(i)) => {
            let items = items.iter().map(|i| from_wire(rt, python, i)).collect::<Result<Vec<_>, _>>()?;
            Value::Object(rt.new_array(items))
        }
        proto::Value::Array(_) | proto::Value::Object(_) => containers_from_wire(rt, python, v)?,
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

fn is_container(v: &proto::Value) -> bool {
    matches!(v, proto::Value::Array(_) | proto::Value::Object(_))
}

/// A container and everything in it as new host objects, to any depth, in a loop, so
/// the thread's stack does not grow with the depth.
fn containers_from_wire(rt: &Runtime, python: &RefCell<PythonObjects>, v: &proto::Value) -> Result<Value, Failure> {
    let mut heap = HeapBuilder::new(rt, python, false);
    walk(v, |step| match step {
        Step::Array(items) => heap.open_array(items.len()),
        Step::Object(props) => heap.open_object(props.len()),
        Step::Key(k) => {
            heap.key_str(k);
            Ok(())
        }
        Step::Leaf(v) => heap.leaf_ref(v),
    })?;
    Ok(heap.finished.pop().expect("a walk ends with its value finished"))
}

/// A container being filled by a [`HeapBuilder`]: an array's elements so far (it is made once
/// they all are), or an object made at once and the key of its next property; and how many
/// are to come.
enum Filling {
    Array(Vec<Value>),
    Object(ObjectId, PropertyKey),
}

/// Makes host values of a pre-order walk (a [`ValueSink`]): the protocol values a client sent,
/// or, in-process, the Python objects of a direct call's arguments as the client walks them.
/// The containers being filled wait on a stack of their own.
pub struct HeapBuilder<'a> {
    rt: &'a Runtime,
    python: &'a RefCell<PythonObjects>,
    open: SmallVec<[(Filling, usize); 8]>,
    /// The values finished, in order.
    pub finished: SmallVec<[Value; 4]>,
    /// Keep each object made in the current handle scope: Python code runs between the steps
    /// of a walk of Python objects, and a request it makes meanwhile must find them alive.
    keep: bool,
}

impl<'a> HeapBuilder<'a> {
    pub fn new(rt: &'a Runtime, python: &'a RefCell<PythonObjects>, keep: bool) -> Self {
        HeapBuilder { rt, python, open: SmallVec::new(), finished: SmallVec::new(), keep }
    }

    /// A leaf converted where it lies.
    pub fn leaf_ref(&mut self, v: &proto::Value) -> Result<(), Failure> {
        let v = from_wire(self.rt, self.python, v)?;
        self.add(v);
        Ok(())
    }

    pub fn key_str(&mut self, k: &str) {
        if let Some((Filling::Object(_, key), _)) = self.open.last_mut() {
            *key = PropertyKey::name(k);
        }
    }

    fn made(&self, id: ObjectId) -> Value {
        if self.keep {
            self.rt.handles_mut().push(Value::Object(id));
        }
        Value::Object(id)
    }

    /// Adds a finished value to the innermost container, finishing those it fills.
    fn add(&mut self, mut v: Value) {
        loop {
            let Some((filling, left)) = self.open.last_mut() else {
                self.finished.push(v);
                return;
            };
            match filling {
                Filling::Array(items) => items.push(v),
                Filling::Object(obj, key) => self.rt.heap_mut().put(*obj, std::mem::replace(key, PropertyKey::Index(0)), Property::data(v)),
            }
            *left -= 1;
            if *left > 0 {
                return;
            }
            v = match self.open.pop() {
                Some((Filling::Array(items), _)) => self.made(self.rt.new_array(items)),
                Some((Filling::Object(obj, _), _)) => Value::Object(obj),
                None => unreachable!("the container just filled"),
            };
        }
    }
}

impl ValueSink for HeapBuilder<'_> {
    type Error = Failure;

    fn leaf(&mut self, v: proto::Value) -> Result<(), Failure> {
        self.leaf_ref(&v)
    }

    fn text(&mut self, text: &str) -> Result<(), Failure> {
        self.add(Value::String(text.into()));
        Ok(())
    }

    fn open_array(&mut self, len: usize) -> Result<(), Failure> {
        if len == 0 {
            let empty = self.made(self.rt.new_array(Vec::new()));
            self.add(empty);
        } else {
            self.open.push((Filling::Array(Vec::with_capacity(len)), len));
        }
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> Result<(), Failure> {
        let obj = self.rt.new_plain_object();
        let made = self.made(obj);
        if len == 0 {
            self.add(made);
        } else {
            self.open.push((Filling::Object(obj, PropertyKey::Index(0)), len));
        }
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Failure> {
        self.key_str(key);
        Ok(())
    }

    fn leaves(&mut self, items: Vec<proto::Value>) -> Result<(), Failure> {
        let items = items.iter().map(|i| from_wire(self.rt, self.python, i)).collect::<Result<Vec<_>, _>>()?;
        let array = self.made(self.rt.new_array(items));
        self.add(array);
        Ok(())
    }
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

/// A new buffer of `kind` holding a copy of `data`.
pub(crate) fn bytes_to_object(rt: &Runtime, kind: BufferKind, data: &[u8]) -> Result<ObjectId, Failure> {
    let memory =
        rt.new_backing(data.len(), Some(data)).map_err(|_| bad_request(format!("no memory for a buffer of {} bytes", data.len())))?;
    Ok(view_over(rt, new_arraybuffer(rt, kind, memory), kind, 0, data.len()))
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
