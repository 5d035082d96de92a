//! A top-level request of a thread alone with its host: nothing else in flight and nobody
//! reading, the thread keeping every other caller out (the GIL). It reads its own reply, and
//! the bookkeeping a wait among many threads needs (its chain's mailbox, the request's place in
//! it, the host's busy state) is made only if something other than that reply comes first, or
//! nothing within the look: then the request is registered as `begin` registers one, and what
//! came is filed by the usual rules, before any other thread may read.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use napi_link::shared_cpu;
use napi_protocol::frame::FrameError;
use napi_protocol::{Outcome, RequestId, ServerMessage};

use super::{Channel, Dead};
use crate::link::inbound::{subscribed_by_reply, Incoming};

/// What a lone look found.
pub enum Alone {
    /// The request's reply.
    Reply(Outcome),
    /// Something else came first, or nothing within the look, or the host's end: the request is
    /// registered now, and this is its chain's first message if one came.
    Registered(Option<Result<Incoming, Arc<Dead>>>),
}

/// What the lone look kept of the message it found, with whether it came right after the
/// look's first pause (`client_end::Looked::after_pause`).
#[allow(clippy::large_enum_variant)]
enum LoneLook {
    Reply(Outcome, bool),
    Other(Result<ServerMessage, FrameError>, bool),
}

impl Channel {
    /// Claims the reading of the rings for a top-level request about to be sent alone (see the
    /// module): `false` when another request is in flight, another thread reads, or the host is
    /// gone or refusing; the request then goes as any other. One locked instruction, no lock:
    /// the readers that take the lock claim the reading by the same exchange (`claim_reading`).
    #[inline]
    pub fn read_alone(&self) -> bool {
        !self.refusing() && !self.died.load(Ordering::Acquire) && self.busy.in_flight() == 0 && self.claim_reading()
    }

    /// Gives up the reading `read_alone` claimed, taking the lock only when a thread is inside
    /// `wait`, which may sleep until a reader leaves: its count is raised before it looks at
    /// the reading (both sequentially consistent), so either it sees the reading free or this
    /// sees it counted and rings it.
    #[inline]
    pub fn leave_alone(&self) {
        self.reading.store(false, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) != 0 {
            self.ring_waiting();
        }
    }

    /// `leave_alone`'s rare part: a thread is inside `wait`.
    #[cold]
    #[inline(never)]
    fn ring_waiting(&self) {
        self.leave_reading(self.state.lock().unwrap());
    }

    /// After `read_alone` and the send of request `id` (of chain `id`): its reply if it comes
    /// first within `budget`, else the request registered and the first message for its chain,
    /// if any. The reading is given up either way. Inline, its registration out of line: the
    /// reply is taken where the exchange uses it, with no frame of a call and no `Alone` moved
    /// out of one.
    #[inline(always)]
    pub fn look_alone(&self, id: RequestId, budget: Duration) -> Alone {
        // SAFETY: `read_alone` claimed the reading, given back below once the reader is done.
        let looked = unsafe {
            self.end.poll_with(budget, |read, looked| match read {
                // A promise's settlement may follow its reply, kept for the claim the reply
                // makes: that reply is filed as any other, once the request is registered.
                Ok(ServerMessage::Reply { id: r, chain: c, outcome }) if r == id && c == id && !subscribed_by_reply(&outcome) => {
                    LoneLook::Reply(outcome, looked.after_pause())
                }
                read => LoneLook::Other(read, looked.after_pause()),
            })
        };
        match looked {
            Some(LoneLook::Reply(outcome, after_pause)) => {
                self.leave_alone();
                self.after_look(after_pause);
                Alone::Reply(outcome)
            }
            Some(LoneLook::Other(read, after_pause)) => self.register_alone(id, Some(read), after_pause),
            None => self.register_alone(id, None, false),
        }
    }

    /// `look_alone` when its reply did not come first: the request registered, what came
    /// (`read`, if anything) filed, the reading given up.
    #[cold]
    #[inline(never)]
    fn register_alone(&self, id: RequestId, read: Option<Result<ServerMessage, FrameError>>, after_pause: bool) -> Alone {
        let read = read.map(|read| read.map(Some).map_err(|e| self.death(e, None)));
        let mut st = self.state.lock().unwrap();
        st.chains.begin(id, id);
        self.busy.set_in_flight(st.chains.outstanding());
        let mut got = None;
        if let Some(read) = read {
            let (back, filed_for) = self.file(st, id, read);
            st = back;
            got = filed_for.map(Ok).or_else(|| st.dead.clone().map(Err));
        }
        self.reading.store(false, Ordering::SeqCst);
        self.leave_reading(st);
        self.after_look(after_pause);
        Alone::Registered(got)
    }

    /// The host may have answered on this thread's CPU: a move, if one is due, comes after the
    /// reading is left, so that no other thread waits for it (as `poll` does).
    fn after_look(&self, after_pause: bool) {
        if after_pause && self.in_process.is_none() {
            shared_cpu::after_pause(self.process.pid);
        }
    }
}
