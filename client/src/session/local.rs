//! The program's own objects, which the host calls back (a function passed as an argument, a
//! threadsafe function's target): a binding registers them, and answers their calls, through
//! `LocalObjects`. And the chains the calls run in: a request a local call makes goes on the
//! chain of the request that caused the call, however deep, so that the host serves it inside.

use std::cell::RefCell;

use napi_protocol::{ChainId, PyRef, Thrown, Value};

use super::{Held, Session};

/// An error a local object raised, sent to the host as the exception the addon sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalError {
    /// The exception's type name (JS sees it as the error's name).
    pub type_name: String,
    pub message: String,
}

/// What the program's own objects do when the host calls them.
pub trait LocalObjects: Send + Sync {
    /// Calls local function `func` with `this` and `args`, which hold the host objects they name
    /// for as long as the program keeps them. Requests made through `session` during the call
    /// go on the calling request's chain.
    fn call(&self, session: &Session, func: PyRef, this: Held, args: Vec<Held>) -> Result<Value, LocalError>;

    /// The host let go of these objects, each with how many times it had received it: answers
    /// the ones the program forgets (not sent again since), which the host may then forget too.
    fn dropped(&self, objects: Vec<(PyRef, u64)>) -> Vec<PyRef> {
        objects.into_iter().map(|(id, _)| id).collect()
    }

    /// An exception nothing in the host caught (an event's callback threw).
    fn uncaught(&self, _thrown: &Thrown) {}
}

/// The local objects of a session that has none: every call is refused.
pub struct NoLocalObjects;

impl LocalObjects for NoLocalObjects {
    fn call(&self, _: &Session, func: PyRef, _: Held, _: Vec<Held>) -> Result<Value, LocalError> {
        Err(LocalError { type_name: "TypeError".into(), message: format!("this session has no local object {}", func.0) })
    }
}

thread_local! {
    /// The chains this thread runs local calls for, innermost last, each with its channel's
    /// address (a thread may hold calls of several hosts).
    static ACTIVE: RefCell<Vec<(usize, ChainId)>> = const { RefCell::new(Vec::new()) };
}

/// The chain this thread runs a local call for, on the channel at `channel`, if any.
pub fn active_chain(channel: usize) -> Option<ChainId> {
    ACTIVE.with(|a| a.borrow().iter().rev().find(|(c, _)| *c == channel).map(|&(_, chain)| chain))
}

/// Runs `f` as part of `chain` (a local call of it) on this thread.
pub fn in_chain<R>(channel: usize, chain: ChainId, f: impl FnOnce() -> R) -> R {
    /// Pops the chain however `f` ends.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.borrow_mut().pop());
        }
    }
    ACTIVE.with(|a| a.borrow_mut().push((channel, chain)));
    let _leave = Leave;
    f()
}
