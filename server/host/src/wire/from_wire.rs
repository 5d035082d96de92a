//! Client values into the runtime: [`from_wire`] and the [`HeapBuilder`] that makes host
//! objects of a walk.

use smallvec::SmallVec;
use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use napi_protocol as proto;
use proto::value_tree::{walk, Step, ValueSink};
use proto::{Failure, FailureKind};

use napi_runtime::bigint::BigInt;
use napi_runtime::heap::Heap;
use napi_runtime::object::{Object, ObjectClass};
use napi_runtime::property::{Property, PropertyKey};
use napi_runtime::{ObjectId, Runtime, Value};

use super::buffers::{bytes_to_object, lent_to_object, shared_to_object};
use crate::python_objects::PythonObjects;

pub(super) fn stale(id: proto::ObjectId) -> Failure {
    Failure { kind: FailureKind::StaleObject, message: format!("the host no longer has object {:#x}", id.0) }
}

/// The object or symbol a client names by id (its proxy's); a stale id is a bad request.
pub fn held_value(rt: &Runtime, id: proto::ObjectId) -> Result<Value, Failure> {
    Ok(held_object(&rt.heap(), id)?.0)
}

/// `held_value` looked up in `heap`, borrowed once by a caller that names more than one, with
/// the object it names.
#[inline(always)]
pub fn held_object(heap: &Heap, id: proto::ObjectId) -> Result<(Value, &Object), Failure> {
    let object = ObjectId::from_bits(id.0);
    match heap.get(object) {
        Some(o) if matches!(o.class, ObjectClass::Symbol { .. }) => Ok((Value::Symbol(object), o)),
        Some(o) => Ok((Value::Object(object), o)),
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
pub(super) fn from_wire_other(rt: &Runtime, python: &RefCell<PythonObjects>, v: &proto::Value) -> Result<Value, Failure> {
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

pub(super) fn is_container(v: &proto::Value) -> bool {
    matches!(v, proto::Value::Array(_) | proto::Value::Object(_))
}

/// A container and everything in it as new host objects, to any depth, in a loop, so
/// the thread's stack does not grow with the depth.
pub(super) fn containers_from_wire(rt: &Runtime, python: &RefCell<PythonObjects>, v: &proto::Value) -> Result<Value, Failure> {
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
pub(super) enum Filling {
    Array(Vec<Value>),
    Object(ObjectId, PropertyKey),
}

/// Makes host values of a pre-order walk (a [`ValueSink`]): the protocol values a client sent,
/// or, in-process, the Python objects of a direct call's arguments as the client walks them.
/// The containers being filled wait on a stack of their own.
pub struct HeapBuilder<'a> {
    rt: &'a Runtime,
    python: &'a RefCell<PythonObjects>,
    /// Dropped by `HeapBuilder`'s own drop, and only when there is something to drop.
    open: ManuallyDrop<SmallVec<[(Filling, usize); 8]>>,
    /// The values finished, in order (dropped as `open` is).
    pub finished: ManuallyDrop<SmallVec<[Value; 4]>>,
    /// Keep each object made in the current handle scope: Python code runs between the steps
    /// of a walk of Python objects, and a request it makes meanwhile must find them alive.
    keep: bool,
}

impl<'a> HeapBuilder<'a> {
    pub fn new(rt: &'a Runtime, python: &'a RefCell<PythonObjects>, keep: bool) -> Self {
        HeapBuilder { rt, python, open: ManuallyDrop::default(), finished: ManuallyDrop::default(), keep }
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

/// A builder let go of once its one value was taken (a Python call's answer, a direct call's
/// argument) holds nothing and none of its room is on the heap: its drop then does nothing, looked
/// at inline, where the lists' drop glue was a call of about 30 instructions.
impl Drop for HeapBuilder<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if !self.open.is_empty() || self.open.spilled() || !self.finished.is_empty() || self.finished.spilled() {
            self.drop_lists();
        }
    }
}

impl HeapBuilder<'_> {
    /// The lists' drop, when a builder lets go of something (a walk that failed).
    #[cold]
    #[inline(never)]
    fn drop_lists(&mut self) {
        // SAFETY: called once, by the builder's drop; nothing reads the lists after.
        unsafe {
            ManuallyDrop::drop(&mut self.open);
            ManuallyDrop::drop(&mut self.finished);
        }
    }
}

impl ValueSink for HeapBuilder<'_> {
    type Error = Failure;

    fn leaf(&mut self, v: proto::Value) -> Result<(), Failure> {
        let made = match &v {
            proto::Value::Undefined => Value::Undefined,
            proto::Value::Null => Value::Null,
            proto::Value::Bool(b) => Value::Bool(*b),
            proto::Value::Number(n) => Value::Number(*n),
            _ => return self.leaf_ref(&v),
        };
        // A scalar owns nothing: forgotten, where its drop was an out-of-line match over every
        // kind of value (about 30 instructions of each Python call's answer).
        std::mem::forget(v);
        // A Python call's primitive answer, the commonest leaf, fills no container: finished
        // here, without `add`'s call and its loop.
        match self.open.is_empty() {
            true => self.finished.push(made),
            false => self.add(made),
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use napi_runtime::testing::runtime;

    /// A builder's drop, skipped when it holds nothing, still drops what it holds: values
    /// finished and not taken, and containers a walk left open when it failed part way, in the
    /// lists' own room or spilled past it.
    #[test]
    fn a_builder_let_go_of_drops_what_it_holds() {
        let rt = runtime();
        let python = RefCell::default();
        let big = Rc::new(BigInt::new(false, vec![7]));
        // (containers left open, each with one value in it; values finished)
        for (open, finished) in [(0, 0), (0, 1), (0, 2), (0, 6), (3, 0), (20, 0), (20, 6)] {
            let mut heap = HeapBuilder::new(&rt, &python, false);
            for _ in 0..finished {
                heap.add(Value::BigInt(big.clone()));
            }
            for _ in 0..open {
                heap.open_array(2).unwrap();
                heap.add(Value::BigInt(big.clone()));
            }
            assert_eq!(Rc::strong_count(&big), 1 + open + finished);
            drop(heap);
            assert_eq!(Rc::strong_count(&big), 1, "{open} open, {finished} finished");
        }
        // The value taken leaves nothing for the drop.
        let mut heap = HeapBuilder::new(&rt, &python, false);
        heap.leaf(proto::Value::Number(1.5)).unwrap();
        assert!(matches!(heap.finished.pop(), Some(Value::Number(n)) if n == 1.5));
        drop(heap);
    }

    /// A scalar leaf is finished at once with no container open, and goes into the innermost
    /// one otherwise, finishing it when it is the last; a leaf of another kind goes the same way.
    #[test]
    fn leaves_fill_the_open_container_or_are_finished() {
        let rt = runtime();
        let python = RefCell::default();
        let mut heap = HeapBuilder::new(&rt, &python, false);
        heap.leaf(proto::Value::Bool(true)).unwrap();
        heap.open_array(3).unwrap();
        heap.leaf(proto::Value::Number(2.5)).unwrap();
        heap.leaf(proto::Value::Null).unwrap();
        assert_eq!(heap.finished.len(), 1, "the array is not finished before its last element");
        heap.leaf(proto::Value::String("three".into())).unwrap();
        heap.leaf(proto::Value::Undefined).unwrap();
        let finished: Vec<Value> = heap.finished.drain(..).collect();
        let [Value::Bool(true), Value::Object(array), Value::Undefined] = finished[..] else { panic!("{finished:?}") };
        let element = |i| rt.get(&Value::Object(array), &PropertyKey::Index(i)).unwrap();
        assert_eq!(rt.array_length(array), 3);
        assert!(matches!(element(0), Value::Number(n) if n == 2.5));
        assert!(matches!(element(1), Value::Null));
        assert!(matches!(element(2), Value::String(s) if s.to_rust_string() == "three"));
    }
}
