//! What the client keeps for the host between requests: objects whose last proxy died and
//! Python objects it forgot, sent with the next request, and the host's drop notices, handled
//! by the next thread that holds the GIL after a request.

use napi_protocol::PyRef;

use super::Channel;

impl Channel {
    pub fn queue_release(&self, id: napi_protocol::ObjectId) {
        // In a forked child nobody sends it, and the lock may be held by a thread that is not
        // there.
        if !self.forked() {
            self.releases.push(id);
        }
    }

    #[inline]
    pub fn take_releases(&self) -> Vec<napi_protocol::ObjectId> {
        self.releases.take()
    }

    #[inline]
    pub fn has_drops(&self) -> bool {
        !self.drops.is_empty()
    }

    /// Whether a binding has what the host let go of to see to after a request: its objects
    /// the host dropped (`has_drops`), or buffers it lent given back (`Lends::any_back`).
    #[inline]
    pub fn owes_drops(&self) -> bool {
        self.has_drops() || self.shm.lends.any_back()
    }

    #[inline]
    pub fn take_drops(&self) -> Vec<(PyRef, u64)> {
        self.drops.take()
    }

    pub fn forget(&self, ids: Vec<PyRef>) {
        self.forgotten.extend(ids);
    }

    #[inline]
    pub fn take_forgotten(&self) -> Vec<PyRef> {
        self.forgotten.take()
    }
}
