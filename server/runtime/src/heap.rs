//! The object heap: an arena of objects named by generation-checked ids.
//!
//! Nothing outside the heap holds a pointer to an object; every access is a lookup that fails
//! cleanly for an id whose object is gone (a stale id from the client, a dangling handle).

use super::object::{Object, ObjectClass, Props};
use super::property::{Property, PropertyKey};

/// An object's index and the generation of its slot, so a reused slot does not answer for an old
/// id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    index: u32,
    generation: u32,
}

impl ObjectId {
    /// The id as one number, for the wire.
    pub fn to_bits(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    pub fn from_bits(bits: u64) -> ObjectId {
        ObjectId { index: bits as u32, generation: (bits >> 32) as u32 }
    }
}

struct Entry {
    generation: u32,
    object: Option<Object>,
}

#[derive(Default)]
pub struct Heap {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

impl Heap {
    pub fn alloc(&mut self, object: Object) -> ObjectId {
        if let Some(index) = self.free.pop() {
            let e = &mut self.entries[index as usize];
            e.object = Some(object);
            ObjectId { index, generation: e.generation }
        } else {
            let index = u32::try_from(self.entries.len()).expect("heap exhausted 2^32 ids");
            self.entries.push(Entry { generation: 1, object: Some(object) });
            ObjectId { index, generation: 1 }
        }
    }

    /// A new object of `class` with prototype `proto` and no properties.
    pub fn new_object(&mut self, class: ObjectClass, proto: Option<ObjectId>) -> ObjectId {
        self.alloc(Object { class, proto, props: Props::default(), extensible: true, ..Object::default() })
    }

    pub fn get(&self, id: ObjectId) -> Option<&Object> {
        let e = self.entries.get(id.index as usize)?;
        if e.generation != id.generation {
            return None;
        }
        e.object.as_ref()
    }

    pub fn get_mut(&mut self, id: ObjectId) -> Option<&mut Object> {
        let e = self.entries.get_mut(id.index as usize)?;
        if e.generation != id.generation {
            return None;
        }
        e.object.as_mut()
    }

    /// The object for an id the caller knows is live (an intrinsic, or one it just checked).
    /// A dead id here is a host bug, not bad input.
    pub fn obj(&self, id: ObjectId) -> &Object {
        self.get(id).expect("live object id")
    }

    pub fn obj_mut(&mut self, id: ObjectId) -> &mut Object {
        self.get_mut(id).expect("live object id")
    }

    /// Frees an object; its id (and every copy of it) stops resolving.
    pub fn free(&mut self, id: ObjectId) -> Option<Object> {
        let e = self.entries.get_mut(id.index as usize)?;
        if e.generation != id.generation {
            return None;
        }
        let obj = e.object.take()?;
        e.generation = e.generation.wrapping_add(1).max(1);
        self.free.push(id.index);
        Some(obj)
    }

    /// Ids of every live object (for the collector).
    pub fn live_ids(&self) -> Vec<ObjectId> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.object.is_some())
            .map(|(i, e)| ObjectId { index: i as u32, generation: e.generation })
            .collect()
    }

    /// One past the largest index in use (the size of a mark table).
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    pub fn index_of(id: ObjectId) -> usize {
        id.index as usize
    }

    pub fn live_count(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// Sets an own data property directly (no setters, no checks): for building intrinsics and
    /// fresh objects.
    pub fn put(&mut self, id: ObjectId, key: PropertyKey, prop: Property) {
        self.obj_mut(id).props.insert(key, prop);
    }
}
