//! Requests that go by message: written into the rings (to a host process, or to an in-process
//! host's thread), their reply waited for without the GIL. The Python calls of the request's
//! chain arrive on the way and run on the waiting thread, which may send nested requests on the
//! chain, to any depth.

use std::time::{Duration, Instant};

use napi_protocol::{ChainId, ClientMessage, Request, RequestId};
use pyo3::prelude::*;

use crate::calls::answers::answered;
use crate::calls::chain_events;
use crate::calls::{python_calls, trace};
use crate::exit_gate::{self, exiting_error};
use crate::state::connection::Connection;
use crate::state::hooks::dead_error;
use crate::values::from_python::Cx;
use napi_client::link::channel::{Channel, Incoming};
use napi_client::session::InFlight;

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
/// after `WAIT_FREE_ROUNDS` waits, to queue in the host.
pub fn before_top_request(py: Python<'_>, channel: &Channel) -> PyResult<()> {
    for _ in 0..WAIT_FREE_ROUNDS {
        if !channel.busy() {
            return Ok(());
        }
        exit_gate::allow_threads_inside(py, || channel.wait_free(WAIT_FREE_AT_MOST)).ok_or_else(exiting_error)?;
    }
    Ok(())
}

/// Sends `request` over the rings and waits for its reply. `top`: it starts its chain.
/// The timeout runs from here: sending waits for room in the ring within it too.
pub fn send(slf: &Bound<'_, Connection>, cx: &Cx<'_, '_>, request: Request, top: bool) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let this = slf.get();
    let channel = &*this.channel;
    let deadline = channel.deadline();
    let (id, chain) = (request.id, request.chain);
    // However its wait ends, a settlement nobody claimed for it is dropped.
    let subscriptions = &this.subscriptions;
    let _in_flight = InFlight::begin(channel, id, chain, top, |id| subscriptions.done(id)).map_err(|d| dead_error(py, &d))?;
    subscriptions.expect(id);
    channel.send(ClientMessage::Request(request), deadline).map_err(|d| dead_error(py, &d))?;
    await_reply(slf, cx, chain, id, deadline)
}

/// Waits for the reply to request `id` of `chain`, running the Python calls of the chain
/// that come first. The host has until `deadline` for its first message, and the timeout
/// afresh for each one after a Python call (time spent in Python is not the host's).
fn await_reply(
    slf: &Bound<'_, Connection>,
    cx: &Cx<'_, '_>,
    chain: ChainId,
    id: RequestId,
    deadline: Option<Instant>,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let this = slf.get();
    let channel = &*this.channel;
    let mut deadline = deadline;
    loop {
        let waited = match channel.poll(chain, KEEP_GIL_FOR) {
            Some(polled) => polled,
            None => match exit_gate::allow_threads_inside(py, || channel.wait(chain, deadline)) {
                Some(waited) => waited,
                None => {
                    // A look that read left the reading to this wait: a sleeper takes it.
                    channel.hand_on_reading();
                    return Err(exiting_error());
                }
            },
        };
        match waited {
            Err(d) => return Err(dead_error(py, &d)),
            Ok(Incoming::Reply { id: rid, outcome }) if rid == id => return answered(this, cx, id, outcome),
            // The reply of a nested request whose waiter gave up (an exception on its way).
            Ok(Incoming::Reply { .. }) => continue,
            Ok(Incoming::Call { call, func, this: t, args }) => python_calls::run_by_message(this, cx, chain, call, func, t, args)?,
            Ok(Incoming::Trace { unreached, let_go }) => {
                let answer = trace::answer(slf, &unreached, &let_go);
                // A host gone meanwhile waits for no answer; the wait above learns of its end.
                let _ = channel.send(ClientMessage::Traced(answer), channel.deadline());
            }
            // Events reach a request only when it runs on the event chain (made from inside
            // an event callback): handle them in order, as the dispatcher would.
            Ok(event) => chain_events::run_event(this, cx, event)?,
        }
        deadline = channel.deadline();
    }
}
