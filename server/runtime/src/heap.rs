//! The object heap: an arena of objects named by generation-checked ids.
//!
//! Nothing outside the heap holds a pointer to an object; every access is a lookup that fails
//! cleanly for an id whose object is gone (a stale id from the client, a dangling handle).

use super::object::{Object, ObjectClass, Props};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};

/// Free slots at the end of the arena fewer than this stay (`shrink_free_end`).
const SHRINK_AT_LEAST: usize = 4096;

struct Entry {
    generation: u32,
    /// The object is in the settled marking (`Settled`): a change to it makes that stale.
    settled: bool,
    object: Option<Object>,
}

/// What marking from the realm's roots reached at a collection (the built-ins, and what they
/// hold), kept while none of it changes: the next collection marks it as a whole instead of
/// walking its thousands of properties again. Every change to an object passes `get_mut`,
/// which makes it stale when the object is in it; the objects that hold others weakly are kept
/// apart (`holders`) and walked each time, since what they hold changes by other ways.
#[derive(Default)]
pub struct Settled {
    /// The objects reached, but for the weak holders.
    pub objects: Vec<ObjectId>,
    /// The weak holders reached (WeakMaps, WeakSets, WeakRefs, finalization registries).
    pub holders: Vec<ObjectId>,
}

/// The objects, in slots reused once freed (`ObjectId` names a slot and its generation).
#[derive(Default)]
pub struct Heap {
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// The highest generation of a slot given back by `shrink_free_end`: a slot made again
    /// starts above it, so that no id of the slot's past objects resolves to its new one.
    retired_generation: u32,
    /// The realm's marking, while none of its objects changed since (`settle`).
    settled: Settled,
    /// Whether `settled` still holds.
    settled_holds: bool,
}

impl Heap {
    /// Stores `object`, in a freed slot when there is one. Inline, so that a new object is
    /// written where it will lie: out of line, each object was built on the stack and copied
    /// into its slot by a `memcpy` call.
    #[inline]
    pub fn alloc(&mut self, object: Object) -> ObjectId {
        match self.free.pop() {
            Some(index) => {
                let e = &mut self.entries[index as usize];
                e.object = Some(object);
                ObjectId::new(index, e.generation)
            }
            None => self.alloc_at_end(object),
        }
    }

    /// Stores `object` in a new slot at the end (the arena grows until the first collection
    /// frees some).
    #[inline(never)]
    fn alloc_at_end(&mut self, object: Object) -> ObjectId {
        let index = u32::try_from(self.entries.len()).expect("heap exhausted 2^32 ids");
        let generation = self.retired_generation.wrapping_add(1).max(1);
        self.entries.push(Entry { generation, settled: false, object: Some(object) });
        ObjectId::new(index, generation)
    }

    /// A new object of `class` with prototype `proto` and no properties.
    #[inline]
    pub fn new_object(&mut self, class: ObjectClass, proto: Option<ObjectId>) -> ObjectId {
        // Every field named: `..Object::default()` made a whole default object and then dropped
        // the fields it did not use (a call to drop its class), for each object made.
        let object = Object {
            class,
            proto,
            props: Props::default(),
            extensible: true,
            wrap: None,
            type_tag: None,
            by_reference: false,
            finalizers: Vec::new(),
        };
        self.alloc(object)
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
        if e.settled {
            self.settled_holds = false;
        }
        e.object.as_mut()
    }

    /// The realm's marking kept by `settle`, if none of its objects changed since.
    pub fn settled(&self) -> Option<&Settled> {
        self.settled_holds.then_some(&self.settled)
    }

    /// Keeps `settled` as the realm's marking, until one of its objects changes.
    pub fn settle(&mut self, settled: Settled) {
        for id in std::mem::take(&mut self.settled.objects) {
            self.flag_settled(id, false);
        }
        settled.objects.iter().for_each(|id| self.flag_settled(*id, true));
        self.settled = settled;
        self.settled_holds = true;
    }

    fn flag_settled(&mut self, id: ObjectId, settled: bool) {
        if let Some(e) = self.entries.get_mut(id.index() as usize).filter(|e| e.generation == id.generation()) {
            e.settled = settled;
        }
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

    /// Frees an object, once `take` has taken what is to outlive it (what `take` answers); its
    /// id (and every copy of it) stops resolving. The rest is dropped where it lies: moved out
    /// whole to be dropped, each object a collection freed was copied first (a `memcpy` call of
    /// the large `Object` for each); and an object that owns no memory is not dropped at all,
    /// only written over (`Object::owns_no_memory`).
    pub fn free<T>(&mut self, id: ObjectId, take: impl FnOnce(&mut Object) -> T) -> Option<T> {
        let e = self.entries.get_mut(id.index() as usize)?;
        if e.generation != id.generation() {
            return None;
        }
        let object = e.object.as_mut()?;
        let taken = take(object);
        if object.owns_no_memory() {
            // Forgotten, not dropped: it owns nothing a drop would free.
            std::mem::forget(e.object.take());
        } else {
            e.object = None;
        }
        if std::mem::take(&mut e.settled) {
            self.settled_holds = false;
        }
        e.generation = e.generation.wrapping_add(1).max(1);
        self.free.push(id.index());
        Some(taken)
    }

    /// Gives back the free slots at the end of the arena, and their memory, when they are many
    /// (after a collection freed a burst of objects): the arena never shrank before, so the
    /// host stayed as large as its peak. An arena no larger than a steady stream of short-lived
    /// objects makes it between collections keeps that room (the next collection comes once the
    /// live objects are twice the survivors and at least `due`, the collector's): giving it back
    /// made every cycle grow the arena anew, copying it and faulting its pages in again. A larger
    /// burst's memory all goes back.
    pub fn shrink_free_end(&mut self, due: usize) {
        let live_end = self.entries.iter().rposition(|e| e.object.is_some()).map_or(0, |i| i + 1);
        let trailing = self.entries.len() - live_end;
        if trailing < SHRINK_AT_LEAST || trailing < self.entries.len() / 4 {
            return;
        }
        let retired = self.entries[live_end..].iter().map(|e| e.generation).max().unwrap_or(0);
        self.retired_generation = self.retired_generation.max(retired);
        let stream = live_end + live_end.max(due);
        let room = if self.entries.len() <= stream { stream } else { live_end };
        self.entries.truncate(live_end);
        self.entries.shrink_to(room);
        self.free.retain(|i| (*i as usize) < live_end);
        self.free.shrink_to(room);
    }

    /// Ids of every live object (for the collector).
    pub fn live_ids(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.entries.iter().enumerate().filter(|(_, e)| e.object.is_some()).map(|(i, e)| ObjectId::new(i as u32, e.generation))
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::{Heap, SHRINK_AT_LEAST};
    use crate::collections::RegistryCells;
    use crate::object::{ArrayBufferData, Backing, ObjectClass, View};
    use crate::property::{Property, PropertyKey};
    use crate::value::Value;

    /// The collector's due count in these tests: above `SHRINK_AT_LEAST`, so a free end of it goes.
    const DUE: usize = 2 * SHRINK_AT_LEAST;

    #[test]
    fn a_free_end_is_given_back_and_its_old_ids_never_resolve_again() {
        let mut heap = Heap::default();
        let kept = heap.new_object(ObjectClass::Plain, None);
        let ids: Vec<_> = (0..2 * SHRINK_AT_LEAST).map(|_| heap.new_object(ObjectClass::Plain, None)).collect();
        ids.iter().for_each(|id| {
            heap.free(*id, |_| ());
        });
        heap.shrink_free_end(0);
        assert_eq!(heap.capacity(), 1, "only the kept object's slot is left");
        assert!(heap.get(kept).is_some());
        let again = heap.new_object(ObjectClass::Plain, None);
        assert_eq!(Heap::index_of(again), Heap::index_of(ids[0]), "the slot is made again");
        assert!(heap.get(ids[0]).is_none(), "but an id of its old object does not name the new one");
        assert!(heap.get(again).is_some());
    }

    #[test]
    fn a_free_end_keeps_the_room_of_a_stream_between_collections_not_of_a_burst() {
        let mut heap = Heap::default();
        let ids: Vec<_> = (0..DUE).map(|_| heap.new_object(ObjectClass::Plain, None)).collect();
        let room = (heap.entries.as_ptr(), heap.entries.capacity());
        ids.iter().for_each(|id| {
            heap.free(*id, |_| ());
        });
        heap.shrink_free_end(DUE);
        assert_eq!(heap.capacity(), 0, "the free end went");
        assert_eq!((heap.entries.as_ptr(), heap.entries.capacity()), room, "but not its room");
        for _ in 0..DUE {
            heap.new_object(ObjectClass::Plain, None);
        }
        assert_eq!(heap.entries.as_ptr(), room.0, "the next objects fit where the last ones were");
        let burst: Vec<_> = (0..4 * DUE).map(|_| heap.new_object(ObjectClass::Plain, None)).collect();
        heap.live_ids().collect::<Vec<_>>().into_iter().chain(burst).for_each(|id| {
            heap.free(id, |_| ());
        });
        heap.shrink_free_end(DUE);
        assert_eq!(heap.entries.capacity(), 0, "a burst's memory all went back");
    }

    #[test]
    fn a_freed_object_lets_go_of_what_it_owns_and_one_that_owns_nothing_is_only_forgotten() {
        let mut heap = Heap::default();
        let cells = Rc::new(RefCell::new(RegistryCells::default()));
        let registry = heap.new_object(ObjectClass::FinalizationRegistry(cells.clone()), None);
        let plain = heap.new_object(ObjectClass::Plain, None);
        let buffer = heap.new_object(ObjectClass::ArrayBuffer(ArrayBufferData::new(Backing::Detached(None))), None);
        let view = heap.new_object(ObjectClass::View(View { buffer, kind: None, is_buffer: false, byte_offset: 0, length: 0 }), None);
        let fresh = [plain, buffer, view];
        assert!(fresh.iter().all(|id| heap.obj(*id).owns_no_memory()), "fresh objects of these classes own nothing");
        assert!(!heap.obj(registry).owns_no_memory());
        let held = Rc::new(RefCell::new(RegistryCells::default()));
        let kept = heap.new_object(ObjectClass::Plain, None);
        let with_registry = heap.new_object(ObjectClass::FinalizationRegistry(held.clone()), None);
        heap.put(kept, PropertyKey::name("registry"), Property::data(Value::Object(with_registry)));
        assert!(!heap.obj(kept).owns_no_memory(), "a property owns its list's memory");
        assert_eq!(Rc::strong_count(&cells), 2);
        heap.free(registry, |_| ());
        assert_eq!(Rc::strong_count(&cells), 1, "an object that owns something is dropped");
        for id in fresh.into_iter().chain([kept, with_registry]) {
            assert!(heap.free(id, |_| ()).is_some());
            assert!(heap.get(id).is_none(), "a freed object's id resolves to nothing");
        }
        assert_eq!(Rc::strong_count(&held), 1);
        assert_eq!(heap.live_count(), 0);
    }
}
