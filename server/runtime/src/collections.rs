//! The data behind collection objects: the insertion-ordered tables of `Set` and `Map`, the
//! identity tables of `WeakMap` and `WeakSet`, and the state of iterators over arrays, Sets and
//! Maps. Object classes (`object.rs`) hold these; the JS-facing functions that work on them are
//! in `builtins/` (collections, weak, iterator), above this layer.

use std::collections::HashMap;
use std::rc::Rc;

use super::bigint::BigInt;
use super::object_id::ObjectId;
use super::string::JsString;
use super::value::Value;

/// A value as a hashable key under SameValueZero: NaN equals NaN and -0 equals +0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum TableKey {
    Undefined,
    Null,
    Bool(bool),
    Number(u64),
    String(JsString),
    BigInt(Rc<BigInt>),
    /// Symbols and objects, by identity (their ids never collide).
    Heap(ObjectId),
}

impl TableKey {
    fn of(v: &Value) -> TableKey {
        match v {
            Value::Undefined => TableKey::Undefined,
            Value::Null => TableKey::Null,
            Value::Bool(b) => TableKey::Bool(*b),
            Value::Number(n) if n.is_nan() => TableKey::Number(f64::NAN.to_bits()),
            Value::Number(n) => TableKey::Number((n + 0.0).to_bits()),
            Value::String(s) => TableKey::String(s.clone()),
            Value::BigInt(b) => TableKey::BigInt(b.clone()),
            Value::Symbol(id) | Value::Object(id) => TableKey::Heap(*id),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct TableData {
    /// Entries in insertion order. A deleted entry leaves `None` behind rather than shifting the
    /// rest, so iterators (which hold a slot number) neither skip nor repeat entries: this is the
    /// spec's "set the key to empty". The slots are never compacted; doing that safely would need
    /// V8's iterator transitions, and the host frees no objects yet anyway.
    slots: Vec<Option<(Value, Value)>>,
    index: HashMap<TableKey, usize>,
}

/// The entries of a Set (each value maps to itself) or a Map. Cloning is cheap (shared, copied on
/// write by `Rc::make_mut`) because the heap's users clone object classes freely, and the clones
/// are transient, so a write seldom copies.
#[derive(Clone, Debug, Default)]
pub struct OrderedTable(Rc<TableData>);

impl OrderedTable {
    pub fn len(&self) -> usize {
        self.0.index.len()
    }

    /// Every live key and value (for the collector).
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.slots.iter().flatten().flat_map(|(k, v)| [k, v])
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &Value) -> Option<Value> {
        let slot = *self.0.index.get(&TableKey::of(key))?;
        self.0.slots[slot].as_ref().map(|(_, v)| v.clone())
    }

    pub fn has(&self, key: &Value) -> bool {
        self.0.index.contains_key(&TableKey::of(key))
    }

    /// Adds or replaces; a new key goes last, a replaced one keeps its place.
    pub fn insert(&mut self, key: Value, value: Value) {
        // Set.prototype.add and Map.prototype.set store -0 as +0.
        let key = if matches!(key, Value::Number(n) if n == 0.0) { Value::Number(0.0) } else { key };
        let data = Rc::make_mut(&mut self.0);
        match data.index.get(&TableKey::of(&key)) {
            Some(&slot) => data.slots[slot] = Some((key, value)),
            None => {
                data.index.insert(TableKey::of(&key), data.slots.len());
                data.slots.push(Some((key, value)));
            }
        }
    }

    pub fn remove(&mut self, key: &Value) -> bool {
        let data = Rc::make_mut(&mut self.0);
        match data.index.remove(&TableKey::of(key)) {
            Some(slot) => {
                data.slots[slot] = None;
                true
            }
            None => false,
        }
    }

    pub fn clear(&mut self) {
        let data = Rc::make_mut(&mut self.0);
        data.index.clear();
        data.slots.iter_mut().for_each(|s| *s = None);
    }

    /// The first live entry at or after `slot`, with its slot number.
    pub fn next_entry(&self, slot: usize) -> Option<(usize, Value, Value)> {
        let slots = self.0.slots.get(slot..)?;
        slots.iter().enumerate().find_map(|(i, e)| e.as_ref().map(|(k, v)| (slot + i, k.clone(), v.clone())))
    }
}

/// The entries of a WeakMap (or a WeakSet, whose values are all `undefined`). Shared and copied
/// on write, as `OrderedTable` is, because object classes are cloned freely.
#[derive(Clone, Debug, Default)]
pub struct WeakTable(Rc<HashMap<ObjectId, Value>>);

impl WeakTable {
    pub fn get(&self, key: ObjectId) -> Option<&Value> {
        self.0.get(&key)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&ObjectId, &Value)> {
        self.0.iter()
    }

    /// Removes `key`'s entry; whether there was one.
    pub fn remove(&mut self, key: ObjectId) -> bool {
        self.0.contains_key(&key) && Rc::make_mut(&mut self.0).remove(&key).is_some()
    }

    /// Adds or replaces `key`'s entry.
    pub fn insert(&mut self, key: ObjectId, value: Value) {
        Rc::make_mut(&mut self.0).insert(key, value);
    }

    /// Drops the entries whose key the collector freed.
    pub fn retain_live(&mut self, live: impl Fn(ObjectId) -> bool) {
        if self.0.keys().any(|k| !live(*k)) {
            Rc::make_mut(&mut self.0).retain(|k, _| live(*k));
        }
    }
}

/// What each step of an iterator yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IterationKind {
    Keys,
    Values,
    Entries,
    /// A string's code points (`String.prototype[Symbol.iterator]`), over a String wrapper.
    CodePoints,
    /// `matchAll`'s matches: the target is the matcher RegExp.
    RegExpMatches {
        global: bool,
        unicode: bool,
    },
}

/// The state of an iterator object (`ObjectClass::Iterator`).
#[derive(Clone, Debug)]
pub struct CollectionIterator {
    /// What is iterated; `None` once exhausted, so a finished iterator stays finished even if
    /// its array grows (as in JS).
    pub target: Option<ObjectId>,
    pub kind: IterationKind,
    /// The next array index, or the next slot of the Set's or Map's table.
    pub position: usize,
}

/// The cells of a `FinalizationRegistry`: each registered target (held weakly), its held value
/// and its unregister token (also weak). The collector moves the cells of dead targets to
/// `due`, whose cleanup callbacks the event loop runs later.
#[derive(Debug, Default)]
pub struct RegistryCells {
    pub cells: Vec<RegistryCell>,
    pub cleanup: Option<ObjectId>,
}

#[derive(Clone, Debug)]
pub struct RegistryCell {
    pub target: ObjectId,
    pub held: Value,
    pub token: Option<ObjectId>,
}
