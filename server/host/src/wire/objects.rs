//! Objects for the client: by reference, as plain data, or as buffers' bytes.

use std::marker::PhantomData;
use std::rc::Rc;

use napi_protocol as proto;
use proto::value_tree::{TreeBuilder, ValueSink};
use proto::{BufferKind, JsRef, RefKind};

use napi_runtime::object::{Backing, Callable, Function, ObjectClass, TypedArrayKind};
use napi_runtime::property::{Property, PropertyKey, Slot};
use napi_runtime::{ObjectId, Runtime, Value};

use super::buffers::{buffer_kind, view_bytes};
use super::sinks::{RefusingNothing, Stop, TooLarge};
use super::to_wire::{Converted, Copying, ToWire};

impl ToWire<'_> {
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

    pub(super) fn object(&mut self, id: ObjectId) -> Converted {
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

/// A prototype made by `napi_define_class` (its `constructor` is a class).
pub fn is_class_prototype(rt: &Runtime, proto: ObjectId) -> bool {
    match rt.stored_property(proto, &PropertyKey::name("constructor")) {
        Some(Property { slot: Slot::Data(Value::Object(c)), .. }) => {
            matches!(rt.heap().get(c).map(|o| &o.class), Some(ObjectClass::Function(Function { is_class: true, .. })))
        }
        _ => false,
    }
}
