//! Which chains this thread runs Python calls of, and how each call came: a request made from
//! inside a Python call continues its chain, the same way (by message, or inline in the direct
//! call that holds the JS lock on this thread).

use std::cell::RefCell;
use std::sync::Arc;

use napi_protocol::ChainId;

use crate::state::connection::Connection;

/// How a Python call reached this thread, and so how the requests it makes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CameBy {
    /// By message: the host waits on its link for the answer, serving the chain's requests.
    Message,
    /// Inline, inside a direct call that holds the JS lock on this thread.
    Inline,
}

thread_local! {
    /// The chains this thread is running Python calls of, innermost last, per channel, each with
    /// how it came.
    static ACTIVE: RefCell<Vec<(usize, ChainId, CameBy)>> = const { RefCell::new(Vec::new()) };
}

/// A connection's key among the chains of a thread (a thread may run calls of several hosts).
fn key(conn: &Connection) -> usize {
    Arc::as_ptr(&conn.channel) as usize
}

/// The chain of `conn` this thread runs a Python call of, innermost, if any, and how it came:
/// a request made now continues it.
pub fn active(conn: &Connection) -> Option<(ChainId, CameBy)> {
    let key = key(conn);
    ACTIVE.with(|a| a.borrow().iter().rev().find(|(k, _, _)| *k == key).map(|(_, c, r)| (*c, *r)))
}

/// Runs `f` as a Python call of `conn`'s `chain` that reached this thread as `came`: requests
/// it makes continue the chain.
#[inline]
pub fn running<T>(conn: &Connection, chain: ChainId, came: CameBy, f: impl FnOnce() -> T) -> T {
    ACTIVE.with(|a| a.borrow_mut().push((key(conn), chain, came)));
    let result = f();
    ACTIVE.with(|a| a.borrow_mut().pop());
    result
}
