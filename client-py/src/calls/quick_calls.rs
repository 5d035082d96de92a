//! Isolated calls in the compact form (`napi_protocol::quick`): a call of a function proxy on
//! a proxy (or on nothing) whose arguments are all primitives, short strings or short `bytes`
//! is written straight into the ring from the Python objects, with no `Request` or value tree
//! built, and its primitive answer is read where it lies. Every other call goes as a request.
//! The exchange is the core's (`exchange_quick`), as for any request.

use napi_client::session::chains;
use napi_client::session::exchange::exchange_quick;
use napi_protocol::quick::{QuickFrame, QUICK_ARGS};
use napi_protocol::ObjectId;
use pyo3::prelude::*;

use crate::calls::by_message;
use crate::calls::chain_events::ChainServer;
use crate::exit_gate::{self, exiting_error};
use crate::proxy::object::JSRef;
use crate::state::connection::Connection;
use crate::state::hooks::{caught, hooks, Hooks};
use crate::values::from_python::Converter;

/// `func(*args)` on `this` as a compact call, if it has that form (the caller checked that the
/// host is isolated and both proxies are its own); `None` if it has not, and the caller makes
/// it as a request.
#[inline]
pub fn call_quick(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> Option<PyResult<Py<PyAny>>> {
    if args.len() > QUICK_ARGS || slf.get().channel.owes_notices() {
        return None;
    }
    let h = hooks(slf.py()).ok()?;
    // Written where it lies and lent from there on: never moved. Each argument is classified
    // as it is written, with no list of them made first.
    let mut frame = QuickFrame::empty();
    if !frame.begin_call(ObjectId(func.get().id), this.map(|t| ObjectId(t.get().id)), args.len()) {
        return None;
    }
    for a in args {
        if !frame.put_arg(Converter::quick_arg(h, a)?) {
            return None;
        }
    }
    frame.end_call();
    // The exchange enters the exit gate only if the call waits, runs Python code or fails
    // (`exchange_quick`): a lone call answered at once keeps the GIL throughout, and spends no
    // locked instruction on the gate. A panic on the way is an ordinary exception.
    if !exit_gate::is_open() {
        return Some(Err(exiting_error()));
    }
    Some(caught(slf.py(), || send(slf, h, &mut frame)))
}

/// Names the call's request, sends it and waits for its answer.
fn send(slf: &Bound<'_, Connection>, h: &Hooks, frame: &mut QuickFrame) -> PyResult<Py<PyAny>> {
    let channel = &*slf.get().channel;
    let active = chains::active(channel);
    if active.is_none() {
        by_message::before_top_request(slf.py(), channel)?;
    }
    // Exclusive: the GIL keeps every other caller of this connection out.
    let id = channel.next_id_exclusive();
    let chain = active.map_or(id, |(chain, _)| chain);
    frame.request(id, chain);
    let cx = Converter::with_hooks(slf, h);
    let answer = exchange_quick(channel, &ChainServer(&cx), frame, id, chain, active.is_none());
    cx.end();
    answer
}
