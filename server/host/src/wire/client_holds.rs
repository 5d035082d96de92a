//! What the client holds of the host's objects.

use rustc_hash::FxHashMap;

use napi_runtime::ObjectId;

use crate::mirrors::Mirrors;

/// What the client holds: how many times each object was sent and not yet released. These are
/// roots for the collector. Also the mirrors of the external buffers among them.
#[derive(Default)]
pub struct ClientHolds {
    counts: FxHashMap<ObjectId, u32>,
    pub mirrors: Mirrors,
}

impl ClientHolds {
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
