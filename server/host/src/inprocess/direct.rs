//! A request served on its caller's thread, while it holds the JS lock (in-process hosts, see
//! `inprocess`): served as the host thread would serve it, but the Python calls it makes run
//! inline through the caller, and what would go out ahead of its reply is handed back with it.
//!
//! The direct calls in progress (a Python callback of one may call in again, nested) form a
//! stack whose frames live on their callers' own stacks, linked from the innermost: a frame
//! costs no allocation and is written where it stays (a frame made and then moved into a
//! vector was read back in wider loads than it was written with, a stall on every call).

use std::cell::{Cell, RefCell};

use napi_protocol::{RequestId, ServerMessage};
use napi_runtime::Runtime;

use super::caller::{Caller, Direct, Served};
use crate::{Host, TurnKind};

/// A direct call in progress: its caller, and the messages kept for it.
pub(crate) struct DirectFrame {
    request: RequestId,
    /// Lifetime erased: the frame is unlinked before `serve_direct` returns, on unwinding too
    /// (`Unlink`), and the caller it points to outlives that call.
    caller: *const (dyn Caller + 'static),
    kept: RefCell<Vec<ServerMessage>>,
}

/// The innermost direct frame of a host, null when none.
#[derive(Default)]
pub(crate) struct DirectFrames(Cell<*const DirectFrame>);

/// Makes the frame a call was nested in (or none) the innermost again, however `serve_direct`
/// ends.
struct Unlink<'a>(&'a DirectFrames, *const DirectFrame);

impl Drop for Unlink<'_> {
    fn drop(&mut self) {
        self.0 .0.set(self.1);
    }
}

impl DirectFrames {
    fn innermost(&self) -> Option<&DirectFrame> {
        // SAFETY: a linked frame lives on the stack of `serve_direct` below us (frames are
        // unlinked before their `serve_direct` returns), and only the JS lock's holder, this
        // thread, links, unlinks or reads them.
        unsafe { self.0.get().as_ref() }
    }
}

impl Host {
    /// Serves `op` on this thread, which holds the JS lock, writing what it answers to `out`.
    pub(crate) fn serve_direct(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) {
        let _current = Runtime::enter(&self.rt);
        // Tasks posted meanwhile are this thread's to run (a reply lingering for its promise
        // runs them), or the host thread's once the lock is let go: waking it now would only
        // have it wait for the lock.
        let _hushed = self.rt.events().hush();
        // What the client sent before this request (its segments), and Python's writes to
        // mirrored external buffers, as the host thread takes them in before a request.
        self.take_in_client_news();
        self.held.borrow_mut().mirrors.take_in(&self.rt);
        // SAFETY: only the lifetime is erased; see `DirectFrame::caller`.
        let caller: *const (dyn Caller + 'static) = unsafe { std::mem::transmute::<&dyn Caller, &'static dyn Caller>(caller) };
        let outer = self.direct.0.get();
        let frame = DirectFrame { request: op.id(), caller, kept: RefCell::default() };
        self.direct.0.set(&frame);
        let unlink = Unlink(&self.direct, outer);
        out.set_outcome(match op {
            Direct::Request(req) => self.answer(req, TurnKind::Direct),
            Direct::Call(call) => self.answer_call(call, TurnKind::Direct),
        });
        // What a reply would carry ahead of it (the addon's writes to mirrored buffers above
        // all), and the promise jobs that follow a top-level request.
        self.share_news();
        if self.at_top() {
            self.run_microtasks();
        }
        drop(unlink);
        out.before = frame.kept.into_inner();
        self.after_direct_call();
    }

    /// Keeps `msg` for the innermost direct call if it belongs to it (the settlement its reply
    /// carries ahead of it); hands it back otherwise, to be sent.
    pub(crate) fn keep_for_direct_caller(&self, msg: ServerMessage) -> Option<ServerMessage> {
        let Some(frame) = self.direct.innermost() else { return Some(msg) };
        let mine = match &msg {
            ServerMessage::Reply { id, .. } => *id == frame.request,
            ServerMessage::Settled { subscription, .. } => *subscription == frame.request,
            _ => false,
        };
        if !mine {
            return Some(msg);
        }
        frame.kept.borrow_mut().push(msg);
        None
    }

    /// The request of the innermost direct call, if one is being served.
    pub(crate) fn direct_request(&self) -> Option<RequestId> {
        self.direct.innermost().map(|frame| frame.request)
    }

    /// Runs `f` with the innermost direct call's caller.
    pub(crate) fn with_direct_caller<R>(&self, f: impl FnOnce(&dyn Caller) -> R) -> R {
        let frame = self.direct.innermost().expect("a direct turn has its frame");
        // SAFETY: the frame is linked (its turn is running), so its caller is alive.
        f(unsafe { &*frame.caller })
    }

    /// Runs `wait` (a wait for a client message), letting go of what the innermost direct
    /// call's caller holds meanwhile (the GIL), if there is one.
    pub(crate) fn while_waiting(&self, wait: &mut dyn FnMut()) {
        match self.direct.innermost() {
            // SAFETY: as in `with_direct_caller`.
            Some(frame) => unsafe { &*frame.caller }.waiting(wait),
            None => wait(),
        }
    }
}
