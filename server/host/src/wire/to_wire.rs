//! Runtime values for the client: [`ToWire`] and its copies of containers, in a loop with a
//! stack of their own.

use smallvec::SmallVec;
use std::cell::RefCell;

use napi_protocol as proto;
use proto::value_tree::{string_value, Ancestors, TreeBuilder, ValueSink};
use proto::{BigIntValue, RefKind, ValueBudget};

use napi_runtime::property::{Property, PropertyKey, Slot};
use napi_runtime::{JsString, ObjectId, Runtime, Value};

use super::client_holds::ClientHolds;
use super::sinks::{CopyInto, Stop, TooLarge};
use crate::python_objects::PythonObjects;

/// A container being copied: where its elements still to convert are.
pub(super) enum Copying {
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
pub(super) type CopyStack = SmallVec<[Copying; 8]>;

/// Whether `v` is converted by `ToWire::scalar`: no object, and no string (whose text a sink
/// copies itself).
pub(super) fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::String(_))
}

/// The text of a key that is a well-formed name (no index, no symbol).
pub(super) fn named(k: &PropertyKey) -> Option<&str> {
    match k {
        PropertyKey::String(s) => s.as_str(),
        _ => None,
    }
}

/// Property key `k`, no symbol, into `sink` as the text it names.
pub(super) fn key_into<S: ValueSink + ?Sized>(k: &PropertyKey, sink: &mut S) -> Result<(), S::Error> {
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
pub(super) enum Converted {
    Value(proto::Value),
    Text(JsString),
    Container(Copying),
}

/// The text of `s` into `sink` (lone surrogates as U+FFFD, as everywhere text leaves the host).
pub(super) fn text_into<S: ValueSink + ?Sized>(s: &JsString, sink: &mut S) -> Result<(), S::Error> {
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
    pub held: &'a RefCell<ClientHolds>,
    /// The Python objects the host holds: a stand-in crosses back as its Python object.
    pub(super) python: &'a RefCell<PythonObjects>,
    /// Containers being copied, to send a cyclic one by reference instead of looping; as many
    /// as the copy is deep.
    pub(super) copying: Ancestors<ObjectId>,
    /// The values this converter may still make (one per message, as the client decodes).
    pub(super) budget: ValueBudget,
    /// The holds this conversion added, to take back when a value turns out too large to send.
    pub(super) added: SmallVec<[ObjectId; 4]>,
}

impl<'a> ToWire<'a> {
    pub fn new(rt: &'a Runtime, held: &'a RefCell<ClientHolds>, python: &'a RefCell<PythonObjects>) -> Self {
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
    pub(super) fn undoing<T>(&mut self, convert: impl FnOnce(&mut Self) -> Result<T, TooLarge>) -> Result<T, TooLarge> {
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
    pub(super) fn copy<S: ValueSink + ?Sized>(&mut self, c: Copying, sink: &mut S) -> Result<(), Stop<S::Error>> {
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
