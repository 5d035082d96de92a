//! A request sent over the rings, from its start to the end of its wait: the one guard of a
//! request's life, for the session and for a binding's own waits.

use std::sync::Arc;

use napi_protocol::{ChainId, RequestId};

use crate::link::channel::{Channel, Dead};

/// A request begun on its channel, however its wait ends: its reply is no longer waited for (one
/// that still comes is dropped), a top-level chain's mailbox closes, and `then` runs with its id
/// (a binding forgets what it kept for the request, such as a settlement nobody claimed).
pub struct InFlight<'a, F: FnMut(RequestId) = fn(RequestId)> {
    channel: &'a Channel,
    id: RequestId,
    chain: ChainId,
    top: bool,
    then: F,
}

impl<'a, F: FnMut(RequestId)> InFlight<'a, F> {
    /// Begins request `id` of `chain` (`top`: it starts the chain), so that its reply finds its
    /// waiter; fails when the host cannot answer.
    #[inline]
    pub fn begin(channel: &'a Channel, id: RequestId, chain: ChainId, top: bool, then: F) -> Result<Self, Arc<Dead>> {
        channel.begin(id, chain)?;
        Ok(InFlight { channel, id, chain, top, then })
    }

    /// The guard of request `id`, registered already (`Channel::look_alone`).
    #[inline]
    pub fn registered(channel: &'a Channel, id: RequestId, chain: ChainId, top: bool, then: F) -> Self {
        InFlight { channel, id, chain, top, then }
    }
}

impl<F: FnMut(RequestId)> Drop for InFlight<'_, F> {
    fn drop(&mut self) {
        self.channel.end(self.id, self.chain, self.top);
        (self.then)(self.id);
    }
}
