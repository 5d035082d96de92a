//! Requests that go by message: written into the rings (to a host process, or to an in-process
//! host's thread), their reply waited for without the GIL. The Python calls of the request's
//! chain arrive on the way and run on the waiting thread, which may send nested requests on the
//! chain, to any depth. The exchange itself is the core's (`napi_client::session::exchange`):
//! here is how Python waits, and what a reply becomes.

use std::sync::Arc;
use std::time::Duration;

use napi_protocol::{ObjectId, Outcome, PyRef, Request, RequestId, TraceAnswer};
use pyo3::prelude::*;

use crate::calls::answers::{answered, primitive_in};
use crate::calls::chain_events::ChainServer;
use crate::calls::trace;
use crate::exit_gate::{self, exiting_error};
use crate::state::hooks::dead_error;
use crate::values::from_python::Converter;
use napi_client::link::channel::{Channel, Dead};
use napi_client::session::exchange::{exchange, Exchange};

/// How long a caller looks for its reply keeping the GIL before it waits without it: some
/// round trips of a small request (30 µs did better than 10 with 16 threads). With other
/// Python threads about, letting the GIL go hands it to one of them, and taking it back waits
/// for that thread to let go: two thread switches per call, several times the round trip.
const KEEP_GIL_FOR: Duration = Duration::from_micros(30);

/// How long a top-level request waits, at most, for the host to go free each time it finds it
/// busy (`before_top_request`): CPython's switch interval.
const WAIT_FREE_AT_MOST: Duration = Duration::from_millis(5);

/// How many times a top-level request finds the host busy and waits before it is sent anyway.
/// Its thread looks again after each wait because the GIL it then takes back may come from a
/// thread the host is busy with again (one that lost the GIL inside its Python call).
const WAIT_FREE_ROUNDS: u32 = 4;

/// Lets the threads whose requests the host is busy with have the GIL before this thread sends
/// a top-level request (see `link/channel/busy.rs`). Bounded: a slow call lets the request go
/// after `WAIT_FREE_ROUNDS` waits, to queue in the host. Each wait passes the exit gate on its
/// own: a compact call is not inside it yet (`exchange_quick` enters late).
#[inline]
pub fn before_top_request(py: Python<'_>, channel: &Channel) -> PyResult<()> {
    if !channel.busy() {
        return Ok(());
    }
    wait_until_free(py, channel)
}

#[cold]
fn wait_until_free(py: Python<'_>, channel: &Channel) -> PyResult<()> {
    for _ in 0..WAIT_FREE_ROUNDS {
        if !channel.busy() {
            return Ok(());
        }
        exit_gate::allow_threads(py, || channel.wait_free(WAIT_FREE_AT_MOST)).ok_or_else(exiting_error)?;
    }
    Ok(())
}

/// Sends `request` over the rings and waits for its reply, through the core's exchange.
/// `top`: it starts its chain.
#[inline]
pub fn send(cx: &Converter<'_, '_>, request: Request, top: bool) -> PyResult<Py<PyAny>> {
    exchange(&cx.conn.get().channel, &ChainServer(cx), request, top)
}

/// A request of Python's by message: its reply waited for without the GIL (after a short look
/// with it), the Python calls of its chain run on the way, its promise's settlement kept for it.
impl Exchange for ChainServer<'_, '_, '_> {
    type Answer = Py<PyAny>;

    const LOOK_FIRST: Option<Duration> = Some(KEEP_GIL_FOR);

    #[inline]
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> Option<R> {
        exit_gate::allow_threads_inside(self.0.py, wait)
    }

    /// Made in the exchange, as `ended` is: out of line, each cost a lone isolated call about
    /// 15 of call and frame around a few instructions of its own.
    #[inline(always)]
    fn reply(&self, id: RequestId, outcome: Outcome) -> PyResult<Py<PyAny>> {
        answered(self.0.conn.get(), self.0, id, outcome)
    }

    /// A primitive (`answers::primitive_in`; the drops it handles pass the exit gate on their
    /// own, `Connection::handle_drops`).
    #[inline]
    fn plain_reply(&self, outcome: &Outcome) -> bool {
        primitive_in(outcome).is_some()
    }

    fn dead(&self, dead: &Arc<Dead>) -> PyErr {
        dead_error(self.0.py, dead)
    }

    fn exiting(&self) -> PyErr {
        exiting_error()
    }

    fn trace(&self, unreached: &[(PyRef, u64)], let_go: &[ObjectId]) -> TraceAnswer {
        trace::answer(self.0.conn, unreached, let_go)
    }

    #[inline]
    fn began(&self, id: RequestId) {
        self.0.conn.get().subscriptions.expect(id);
    }

    #[inline]
    fn began_alone(&self, id: RequestId) {
        self.0.conn.get().subscriptions.expect_alone(id);
    }

    /// However its wait ends, a settlement nobody claimed for it is let go.
    #[inline(always)]
    fn ended(&self, id: RequestId) {
        // An early outcome nobody claimed gives its holds back; one made here is dropped.
        let conn = self.0.conn.get();
        if let Some(early) = conn.subscriptions.done(id) {
            drop(early.let_go(&conn.channel));
        }
    }
}
