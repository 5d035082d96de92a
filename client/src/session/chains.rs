//! Which chains this thread runs calls of, per host, and how each call came: a request made
//! from inside a call the host made (a local object's, however deep) continues that call's chain,
//! the same way, so that the host serves it inside. One stack per thread for the session and the
//! binding alike; an entry leaves it however its call ends, a panic included.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use napi_protocol::ChainId;

use crate::link::channel::Channel;

/// How a call of the host's reached this thread, and so how the requests it makes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameBy {
    /// By message: the host waits on its link for the answer, serving the chain's requests.
    Message,
    /// Inline, inside an in-process direct call that holds the JS lock on this thread.
    Inline,
}

thread_local! {
    /// The chains this thread runs calls of, innermost last, each with its channel's address (a
    /// thread may hold calls of several hosts) and how it came.
    static ACTIVE: RefCell<Vec<(usize, ChainId, CameBy)>> = const { RefCell::new(Vec::new()) };
}

/// How many entries all threads' `ACTIVE` stacks hold together. A thread reads it before its
/// own stack, whose thread-local access (`__tls_get_addr` in a shared library) cost a direct
/// call more than the rest of its look: nearly always no thread is inside a call of a host's.
/// A thread's own pushes precede its reads of this count, so one that reads 0 has none.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// A channel's key among the chains of a thread: its address.
fn key(channel: &Channel) -> usize {
    std::ptr::from_ref(channel) as usize
}

/// The chain of `channel` this thread runs a call of, innermost, if any, and how it came: a
/// request made now continues it.
#[inline]
pub fn active(channel: &Channel) -> Option<(ChainId, CameBy)> {
    active_on(key(channel))
}

/// Runs `f` as a call of `channel`'s `chain` that reached this thread as `came`: requests it
/// makes continue the chain.
#[inline]
pub fn running<T>(channel: &Channel, chain: ChainId, came: CameBy, f: impl FnOnce() -> T) -> T {
    running_on(key(channel), chain, came, f)
}

#[inline(always)]
fn active_on(key: usize) -> Option<(ChainId, CameBy)> {
    if RUNNING.load(Ordering::Relaxed) == 0 {
        return None;
    }
    active_here(key)
}

/// `active_on`, looked up in this thread's stack.
#[inline(never)]
fn active_here(key: usize) -> Option<(ChainId, CameBy)> {
    ACTIVE.with(|a| {
        let active = a.borrow();
        // Nearly always: a call made from Python code outside any call of a host's. The reverse
        // walk's bounds, made before it looks, cost more than this look.
        if active.is_empty() {
            return None;
        }
        active.iter().rev().find(|(k, _, _)| *k == key).map(|&(_, chain, came)| (chain, came))
    })
}

#[inline]
fn running_on<T>(key: usize, chain: ChainId, came: CameBy, f: impl FnOnce() -> T) -> T {
    /// Pops the chain however `f` ends: a panic caught further out (a binding turns it into an
    /// exception) must not leave later requests of this thread on a chain that ended.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.borrow_mut().pop());
            RUNNING.fetch_sub(1, Ordering::Relaxed);
        }
    }
    RUNNING.fetch_add(1, Ordering::Relaxed);
    ACTIVE.with(|a| a.borrow_mut().push((key, chain, came)));
    let _leave = Leave;
    f()
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;

    #[test]
    fn a_panic_through_a_chain_leaves_the_stack_as_it_was() {
        let (host, other) = (0x1000, 0x2000);
        running_on(host, 1, CameBy::Message, || {
            let unwound = catch_unwind(AssertUnwindSafe(|| {
                running_on(host, 2, CameBy::Inline, || {
                    running_on(other, 3, CameBy::Message, || {
                        assert_eq!(active_on(host), Some((2, CameBy::Inline)));
                        assert_eq!(active_on(other), Some((3, CameBy::Message)));
                        panic!("a call's bug");
                    })
                })
            }));
            assert!(unwound.is_err(), "the panic reached catch_unwind");
            assert_eq!(active_on(host), Some((1, CameBy::Message)), "the outer chain is innermost again");
            assert_eq!(active_on(other), None);
        });
        assert_eq!(active_on(host), None);
        ACTIVE.with(|a| assert!(a.borrow().is_empty()));
    }
}
