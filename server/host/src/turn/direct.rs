//! A direct call served on its caller's thread, which holds the JS lock (in-process hosts; the
//! host thread serves a relayed one the same way, for its caller): served as the host thread
//! would serve a request, but the Python calls it makes run inline through its caller, and what
//! would go out ahead of its reply is kept for the caller with its answer.
//!
//! The direct calls in progress (a Python callback of one may call in again, nested) live on
//! their callers' own stacks, the innermost named by `Turns`: a call costs no allocation and is
//! written where it stays (one made and then moved into a vector was read back in wider loads
//! than it was written with, a stall on every call).

use std::cell::RefCell;
use std::ptr::NonNull;

use napi_runtime::{pending, Runtime};

use super::caller::{Caller, Direct, Served};
use super::{set_outcome, DirectCall, DirectRef, EndDirectCall, TurnKind};
use crate::Host;

impl Host {
    /// Serves `op` on this thread, which holds the JS lock, writing what it answers to `out`.
    /// Inlined into its two callers (the caller's thread, the host thread for a relayed call):
    /// one frame less on every direct call's way to `answer_call`.
    #[inline(always)]
    pub(crate) fn serve_direct(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) {
        let _current = Runtime::enter(&self.rt);
        // What the client sent before this request (its segments), and Python's writes to
        // mirrored external buffers, as the host thread takes them in before a request: one
        // look at the "anything pending" word while there are none.
        let word = self.rt.pending();
        if word.any(pending::CLIENT_NEWS | pending::MIRRORS) {
            self.take_in_client_news();
            self.take_in_mirrors();
        }
        let Served { before, outcome } = out;
        let call = DirectCall { request: op.id(), caller, kept: RefCell::new(before) };
        let erased = DirectRef(NonNull::from(&call).cast());
        let end = EndDirectCall(&self.turns.direct, self.turns.direct.replace(Some(erased)));
        match op {
            Direct::Request(req) => set_outcome(outcome, self.answer(req, TurnKind::Direct)),
            Direct::Call(call) => self.answer_call(call, TurnKind::Direct, outcome),
        }
        // What a reply would carry ahead of it (the addon's writes to mirrored buffers above
        // all), and the promise jobs that follow a top-level request: the word looked at once
        // for both, clear after nearly every call.
        if word.get() != 0 {
            self.share_news();
            if self.rt.has_microtasks() && self.at_top() {
                self.run_microtasks();
            }
        }
        drop(end);
        self.after_direct_call();
    }
}
