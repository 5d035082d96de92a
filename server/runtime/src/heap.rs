//! The object heap: an arena of objects named by generation-checked ids.
//!
//! Nothing outside the heap holds a pointer to an object; every access is a lookup that fails
//! cleanly for an id whose object is gone (a stale id from the client, a dangling handle).

use super::object::{Object, ObjectClass, Props};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};

struct Entry {
    generation: u32,
    object: Option<Object>,
}

/// The objects, in slots reused once freed (`ObjectId` names a slot and its generation).
#[derive(Default)]
pub struct Heap {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

impl Heap {
    /// Stores `object`, in a freed slot when there is one.
    pub fn alloc(&mut self, object: Object) -> ObjectId {
        if let Some(index) = self.free.pop() {
            let e = &mut self.entries[index as usize];
            e.object = Some(object);
            ObjectId::new(index, e.generation)
        } else {
            let index = u32::try_from(self.entries.len()).expect("heap exhausted 2^32 ids");
            self.entries.push(Entry { generation: 1, object: Some(object) });
            ObjectId::new(index, 1)
        }
    }

    /// A new object of `class` with prototype `proto` and no properties.
    pub fn new_object(&mut self, class: ObjectClass, proto: Option<ObjectId>) -> ObjectId {
        self.alloc(Object { class, proto, props: Props::default(), extensible: true, ..Object::default() })
    }

    /// The object `id` names, if it is alive.
    pub fn get(&self, id: ObjectId) -> Option<&Object> {
        let e = self.entries.get(id.index() as usize)?;
        if e.generation != id.generation() {
            return None;
        }
        e.object.as_ref()
    }

    /// The object `id` names, to change, if it is alive.
    pub fn get_mut(&mut self, id: ObjectId) -> Option<&mut Object> {
        let e = self.entries.get_mut(id.index() as usize)?;
        if e.generation != id.generation() {
            return None;
        }
        e.object.as_mut()
    }

    /// The object for an id the caller knows is live (an intrinsic, or one it just checked).
    /// A dead id here is a host bug, not bad input.
    pub fn obj(&self, id: ObjectId) -> &Object {
        self.get(id).expect("live object id")
    }

    /// `obj`, to change.
    pub fn obj_mut(&mut self, id: ObjectId) -> &mut Object {
        self.get_mut(id).expect("live object id")
    }

    /// Frees an object; its id (and every copy of it) stops resolving.
    pub fn free(&mut self, id: ObjectId) -> Option<Object> {
        let e = self.entries.get_mut(id.index() as usize)?;
        if e.generation != id.generation() {
            return None;
        }
        let obj = e.object.take()?;
        e.generation = e.generation.wrapping_add(1).max(1);
        self.free.push(id.index());
        Some(obj)
    }

    /// Ids of every live object (for the collector).
    pub fn live_ids(&self) -> Vec<ObjectId> {
        self.entries.iter().enumerate().filter(|(_, e)| e.object.is_some()).map(|(i, e)| ObjectId::new(i as u32, e.generation)).collect()
    }

    /// One past the largest index in use (the size of a mark table).
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    /// The slot of `id`, an index into a mark table of `capacity` entries.
    pub fn index_of(id: ObjectId) -> usize {
        id.index() as usize
    }

    /// How many objects are alive.
    pub fn live_count(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// Sets an own data property directly (no setters, no checks): for building intrinsics and
    /// fresh objects.
    pub fn put(&mut self, id: ObjectId, key: PropertyKey, prop: Property) {
        self.obj_mut(id).props.insert(key, prop);
    }
}
