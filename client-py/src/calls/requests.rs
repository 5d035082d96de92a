//! The requests and calls Python makes of a host, and which way each goes: a direct call on this
//! thread (`direct_calls`) when the in-process host routes it here, else by message over the
//! rings (`by_message`). Both end in `answered`, the value of the reply.

use std::cell::RefCell;
use std::ops::Deref;

use napi_protocol::{Op, Value};
use pyo3::prelude::*;

use crate::calls::by_message;
use crate::calls::direct_calls;
use crate::calls::direct_calls::InlineCalls;
use crate::calls::quick_calls;
use crate::exit_gate::{self, exiting_error};
use crate::proxy::object::JSRef;
use crate::state::connection::Connection;
use crate::state::hooks::{caught, dead_error};
use crate::values::from_python::Converter;
use napi_client::inprocess::{Direct, Served};
use napi_client::link::channel::Channel;
use napi_client::session::chains;
use napi_client::session::direct::{self, direct_host, Called, Quick};
use napi_client::session::exchange::new_request;

/// Loads the addon at `path`; answers `[exports, {name: value}]`.
pub fn load(slf: &Bound<'_, Connection>, path: String) -> PyResult<Py<PyAny>> {
    // An in-process host decides now where this load and what follows it run.
    direct::loading(&slf.get().channel, &path);
    request(slf, Op::Load { path })
}

/// The operands of a request, made of Python objects by the converter the reply is then
/// converted with. In a request served on this thread, the containers among the values an op
/// takes (`Operands::operand`) are left to the host as placeholders (`Value::Walked`), which it
/// walks straight from the Python objects into its heap under the JS lock; the rest, and
/// everything of a request sent by message, is made now.
pub struct Operands<'c, 'a, 'py> {
    cx: &'c Converter<'a, 'py>,
    /// Whether containers are left to the host: it serves the request on this thread, not relayed.
    leave: bool,
    left: RefCell<Vec<Bound<'py, PyAny>>>,
}

impl<'a, 'py> Deref for Operands<'_, 'a, 'py> {
    type Target = Converter<'a, 'py>;

    fn deref(&self) -> &Converter<'a, 'py> {
        self.cx
    }
}

impl<'c, 'a, 'py> Operands<'c, 'a, 'py> {
    /// Operands for a request of `slf` made now, by `cx`.
    fn new(slf: &Bound<'py, Connection>, cx: &'c Converter<'a, 'py>) -> Self {
        let conn = slf.get();
        let came = chains::active(&conn.channel).map(|(_, came)| came);
        // Not to a relayed request: their walk would be one more hand-off between this thread
        // and the host's (`relay`).
        let leave = direct_host(&conn.channel, came).is_some_and(|direct| !direct.relayed);
        Operands { cx, leave, left: RefCell::new(Vec::new()) }
    }

    /// A value the op takes (a property's value, an argument, an item): a container or a string
    /// is left to the host when it serves the request here.
    pub fn operand(&self, v: &Bound<'py, PyAny>) -> PyResult<Value> {
        if self.leave && Converter::is_walked(v) {
            let mut left = self.left.borrow_mut();
            left.push(v.clone());
            return Ok(Value::Walked((left.len() - 1) as u32));
        }
        self.cx.to_value(v)
    }

    /// [`Operands::operand`] of each of `items`.
    pub fn operands<'o>(&self, items: impl IntoIterator<Item = &'o Bound<'py, PyAny>>) -> PyResult<Vec<Value>>
    where
        'py: 'o,
    {
        items.into_iter().map(|i| self.operand(i)).collect()
    }
}

/// Sends the `Op` that `op` makes of Python values (a request of references and keys: nothing
/// of theirs is written back).
pub fn request_of<'py>(slf: &Bound<'py, Connection>, op: impl FnOnce(&Operands<'_, '_, 'py>) -> PyResult<Op>) -> PyResult<Py<PyAny>> {
    let cx = Converter::new(slf)?;
    let operands = Operands::new(slf, &cx);
    let op = caught(slf.py(), || op(&operands))?;
    request_with(slf, &operands, op, None)
}

/// Sends `op` and waits for its reply, running the Python calls it causes on the way.
pub fn request(slf: &Bound<'_, Connection>, op: Op) -> PyResult<Py<PyAny>> {
    let cx = Converter::new(slf)?;
    request_with(slf, &Operands { cx: &cx, leave: false, left: RefCell::default() }, op, None)
}

/// `request`, with `operands` the op was made with; `quick` says how the last call of the
/// function it calls went, which decides whether this one keeps the GIL.
fn request_with(slf: &Bound<'_, Connection>, operands: &Operands<'_, '_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<Py<PyAny>> {
    // The whole request is inside the exit gate, Python callbacks included: a thread that
    // finished a callback while the interpreter finalized would be ended with our frames on
    // its stack, so exit waits for requests in flight (briefly) instead.
    // A panic on the way (our bug, or data that finds one) is an ordinary exception.
    caught(slf.py(), || exit_gate::inside(|| request_inside(slf, operands, op, quick)).unwrap_or_else(|| Err(exiting_error())))
}

fn request_inside(slf: &Bound<'_, Connection>, operands: &Operands<'_, '_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<Py<PyAny>> {
    let this = slf.get();
    let cx = operands.cx;
    let channel = &*this.channel;
    if channel.refusing() {
        return Err(refused_error(channel, slf.py()));
    }
    let active = chains::active(channel);
    if active.is_none() && channel.isolated() {
        by_message::before_top_request(slf.py(), channel)?;
    }
    // Exclusive: the GIL keeps every other caller of this connection out.
    let id = channel.next_id_exclusive();
    let mut request = new_request(channel, id, active.map(|(chain, _)| chain), op);
    let left = operands.left.take();
    if let Some(direct) = direct_host(channel, active.map(|(_, came)| came)) {
        // Inside the gate already (`request_with`): the calls back need not enter it.
        let mut out = Served::default();
        let calls = InlineCalls::new(cx, &left, (0..left.len()).collect());
        if direct_calls::serve_here(direct, Direct::Request(&request), quick, &calls, &mut out)? {
            return calls.served(id, out);
        }
    }
    if !left.is_empty() {
        make_walked(&mut request.op, cx, &left)?;
    }
    by_message::send(cx, request, active.is_none())
}

/// The operands of `op` left to the host (`left`), made now: the request goes by message.
fn make_walked<'py>(op: &mut Op, cx: &Converter<'_, 'py>, left: &[Bound<'py, PyAny>]) -> PyResult<()> {
    op.values_mut(|v| {
        if let Value::Walked(n) = *v {
            *v = cx.to_value(&left[n as usize])?;
        }
        Ok(())
    })
}

/// `call`, with the arguments as they are (a tuple's items): `func(*args)` on `this`, for
/// any callable Python hands over. Proxies go on to `call_ref`.
pub fn call_with(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    caught(slf.py(), || call_any(slf, func, this, args))
}

fn call_any(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    if let Ok(f) = func.cast::<JSRef>() {
        if this.is_none() {
            return call_ref(slf, f, None, args);
        }
        if let Ok(t) = this.cast::<JSRef>() {
            return call_ref(slf, f, Some(t), args);
        }
    }
    call_requested(slf, func, this, args)
}

/// A call of a function proxy on a proxy (or on nothing): the way of `JSFunction`s and
/// `JSMethod`s, whose types are known, so nothing is checked again. In-process it is
/// made as a direct call when it can be (no `Request` built: the commonest request).
pub fn call_ref(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    let channel = &slf.get().channel;
    let mine = |r: &Bound<'_, JSRef>| r.get().conn.is(slf);
    let own = mine(func) && this.is_none_or(mine);
    if own && !channel.isolated() {
        // The core looks at the host's refusal, its route and the exit gate itself.
        match direct_calls::call_here(slf, func, this, args)? {
            Called::Answered(answer) => return Ok(answer),
            Called::Refused => return Err(refused_error(channel, slf.py())),
            Called::Exiting => return Err(exiting_error()),
            Called::Isolated | Called::Requested => {}
        }
    } else if channel.refusing() {
        return Err(refused_error(channel, slf.py()));
    } else if own {
        // Isolated: looked at first, so that a call by message makes no converter or calls
        // back it would not use.
        if let Some(answer) = quick_calls::call_quick(slf, func, this, args) {
            return answer;
        }
    }
    let none = slf.py().None().into_bound(slf.py());
    call_requested(slf, func.as_any(), this.map_or(&none, |t| t.as_any()), args)
}

/// The call as a request (values of every kind, a host on another thread or process).
fn call_requested(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    callee_requested(slf, func, |o, func| Ok(Op::Call { func, this: o.operand(this)?, args: o.operands(args)? }))
}

pub fn construct_with(slf: &Bound<'_, Connection>, ctor: &Bound<'_, PyAny>, args: &[Bound<'_, PyAny>]) -> PyResult<Py<PyAny>> {
    caught(slf.py(), || callee_requested(slf, ctor, |o, ctor| Ok(Op::Construct { ctor, args: o.operands(args)? })))
}

/// A call or construction of `callee` as a request (`op` makes it of the callee's value), with
/// the addon's writes into the buffers among its arguments copied back when it returns.
fn callee_requested<'py>(
    slf: &Bound<'py, Connection>,
    callee: &Bound<'py, PyAny>,
    op: impl FnOnce(&Operands<'_, '_, 'py>, Value) -> PyResult<Op>,
) -> PyResult<Py<PyAny>> {
    let cx = Converter::new(slf)?;
    let operands = Operands::new(slf, &cx);
    let (callee, quick) = cx.callee(callee)?;
    let op = op(&operands, callee)?;
    let result = request_with(slf, &operands, op, quick);
    cx.write_back()?;
    result
}

/// `v` as a value for the host.
pub fn value_of(slf: &Bound<'_, Connection>, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    caught(slf.py(), || Converter::new(slf)?.to_value(v))
}

/// What a call raises once its host has started to end, or for a connection of a forked
/// child's parent (`Channel::refusing`).
#[cold]
fn refused_error(channel: &Channel, py: Python<'_>) -> PyErr {
    dead_error(py, &channel.refusal())
}
