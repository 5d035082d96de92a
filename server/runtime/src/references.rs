//! `napi_ref`: counted references to values.
//!
//! A reference with a count above zero keeps its value alive; at zero it is weak (with no garbage
//! collector running yet it keeps answering until the value is collected).

use super::env::EnvId;
use super::value::Value;

/// A `napi_ref`: a value held strongly while its count is above zero, weakly at zero.
pub struct Reference {
    /// The env that made it.
    pub env: EnvId,
    /// The value (`undefined` once collected).
    pub value: Value,
    /// The reference count (`napi_reference_ref`/`_unref`).
    pub count: u32,
    /// The weakly held object was collected: the reference answers empty.
    pub collected: bool,
    /// The registration number of the finalizer this reference came with (`napi_wrap`'s or
    /// `napi_add_finalizer`'s result): as in Node, the reference owns it, and deleting the
    /// reference before that finalizer ran cancels it.
    pub finalizer: Option<u64>,
}

impl Reference {
    /// A reference to `value` at `count` that owns no finalizer.
    pub fn new(env: EnvId, value: Value, count: u32) -> Reference {
        Reference { env, value, count, collected: false, finalizer: None }
    }
}

struct Entry {
    generation: u32,
    reference: Option<Reference>,
}

/// References by generation-checked id; ids are never 0.
#[derive(Default)]
pub struct RefTable {
    entries: Vec<Entry>,
    free: Vec<usize>,
}

impl RefTable {
    fn id(index: usize, generation: u32) -> usize {
        ((generation as usize) << 32) | (index + 1)
    }

    fn split(id: usize) -> Option<(usize, u32)> {
        let index = (id & 0xffff_ffff).checked_sub(1)?;
        Some((index, (id >> 32) as u32))
    }

    /// Stores `r`; answers its id (never 0).
    pub fn create(&mut self, r: Reference) -> usize {
        if let Some(index) = self.free.pop() {
            let e = &mut self.entries[index];
            e.reference = Some(r);
            Self::id(index, e.generation)
        } else {
            self.entries.push(Entry { generation: 1, reference: Some(r) });
            Self::id(self.entries.len() - 1, 1)
        }
    }

    /// The reference `id` names, if not deleted.
    pub fn get(&self, id: usize) -> Option<&Reference> {
        let (index, generation) = Self::split(id)?;
        let e = self.entries.get(index)?;
        (e.generation == generation).then_some(())?;
        e.reference.as_ref()
    }

    /// The reference `id` names, to count, if not deleted.
    pub fn get_mut(&mut self, id: usize) -> Option<&mut Reference> {
        let (index, generation) = Self::split(id)?;
        let e = self.entries.get_mut(index)?;
        (e.generation == generation).then_some(())?;
        e.reference.as_mut()
    }

    /// Deletes the reference `id` names; its id (and every copy) stops resolving.
    pub fn delete(&mut self, id: usize) -> Option<Reference> {
        let (index, generation) = Self::split(id)?;
        let e = self.entries.get_mut(index)?;
        (e.generation == generation).then_some(())?;
        let r = e.reference.take()?;
        e.generation = e.generation.wrapping_add(1).max(1);
        self.free.push(index);
        Some(r)
    }

    /// Empties the weak references whose objects were collected.
    pub fn clear_collected(&mut self, dead: impl Fn(super::ObjectId) -> bool) {
        for r in self.entries.iter_mut().filter_map(|e| e.reference.as_mut()) {
            if let Value::Object(id) | Value::Symbol(id) = r.value {
                if dead(id) {
                    r.value = Value::Undefined;
                    r.collected = true;
                }
            }
        }
    }

    /// Values held by references with a count above zero (GC roots).
    pub fn strong_values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().filter_map(|e| e.reference.as_ref()).filter(|r| r.count > 0).map(|r| &r.value)
    }
}
