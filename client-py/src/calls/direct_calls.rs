//! Direct calls for Python: in-process requests and calls served on the calling Python thread.
//! The path is the core's (`napi_client::session::direct`: which requests come here, the wait
//! for the JS lock, the fallback to the rings, the settlements sent ahead of a reply; a call of
//! a function proxy taken whole, `call_function`); here is what Python brings to it: the call's
//! arguments and answer made (`FunctionHere`, its `FunctionCall`), and the Python calls the
//! addon makes meanwhile, run inline on this same thread, with the conversions the host asks for
//! on the way (`InlineCalls`, its `DirectCaller`).
//!
//! The one rule about the GIL: never wait for the JS lock while holding it, since the lock's
//! holder may be waiting for a Python call. A function whose last call was quick (`Quick`)
//! tries the lock with the GIL held and keeps it through the call, as CPython lets a
//! thread run its switch interval (`DirectCaller::keeps_lock`); anything else lets the GIL go
//! first.
//!
//! Values go between the Python objects and the host's heap directly, one walked into the other
//! under the JS lock, with no protocol tree between: no bytes leave the process (D81).

use std::cell::{Cell, RefCell};

use napi_client::inprocess::{Arg, ArgsStopped, Caller, CopyInto, Direct, PythonArgs, PythonCallFailed, Refused, Served, Settlement, Stop};
use napi_client::session::direct::{self, Args, DirectCaller, DirectHost, FunctionCall};
use napi_client::session::exchange::Serve;
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Op, Outcome, PyRef, RequestId, TraceAnswer, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::calls::answers::{answered, primitive, primitive_answer};
use crate::calls::chain_events;
use crate::calls::python_calls;
use crate::calls::trace;
use crate::exit_gate::{self, exiting_error, Late};
use crate::proxy::object::JSRef;
use crate::state::connection::Connection;
use crate::state::quick::Quick;
use crate::values::copies::{copied_into_python, settlement_made};
use crate::values::from_python::Converter;
use crate::values::keeping::Keeping;

/// `call_ref` handed to the core whole (`direct::call_function`): `None` when the host takes no
/// calls made here (an isolated host, or a route by message), which the caller then makes its
/// other way.
pub fn call_here(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Option<Py<PyAny>>> {
    let cx = Converter::new(slf)?;
    // Entered only if the call lets go of the GIL or runs Python code, the only times exit
    // could catch it: entering costs time, and most calls do neither.
    let gate = Late::default();
    let (later, taken) = (RefCell::new(Vec::new()), RefCell::new(None));
    let here = Here { cx: &cx, args, later: &later, quick: Some(&func.get().quick), gate: &gate, taken: &taken };
    let call = FunctionHere {
        calls: InlineCalls::new(slf, &here),
        func: ObjectId(func.get().id),
        this: this.map(|t| ObjectId(t.get().id)),
        events: chain_events::ChainServer(&cx),
    };
    let result = direct::call_function(&slf.get().channel, &call);
    cx.write_back()?;
    result
}

/// A call of a function proxy as the core takes it whole (`FunctionCall`): the arguments made
/// for the way it goes, the answer made of the host's outcome, the values of a call sent by
/// message.
struct FunctionHere<'c, 'a, 'py> {
    calls: InlineCalls<'c, 'a, 'py>,
    func: ObjectId,
    this: Option<ObjectId>,
    /// What serves the chain's events and waits for a reply by message.
    events: chain_events::ChainServer<'c, 'a, 'py>,
}

impl<'c, 'a, 'py> FunctionCall for FunctionHere<'c, 'a, 'py> {
    type Error = PyErr;
    type Answer = Py<PyAny>;
    type Caller = InlineCalls<'c, 'a, 'py>;
    type ByMessage = chain_events::ChainServer<'c, 'a, 'py>;

    fn target(&self) -> (ObjectId, Option<ObjectId>) {
        (self.func, self.this)
    }

    #[inline(always)]
    fn args<'s>(&'s self, relayed: bool, made: &mut Args<'s>) -> PyResult<()> {
        if !exit_gate::is_open() {
            return Err(exiting_error());
        }
        let here = self.calls.here;
        for (i, a) in here.args.iter().enumerate() {
            // The containers it leaves to the host are walked into its heap under the JS lock.
            let arg = here.cx.arg(a, relayed)?;
            if let Arg::Later = arg {
                here.later.borrow_mut().push(i);
            }
            made.push(arg);
        }
        Ok(())
    }

    #[inline(always)]
    fn caller(&self, chain: ChainId) -> &Self::Caller {
        self.calls.chain.set(chain);
        &self.calls
    }

    fn settled(&self, subscription: u64, outcome: Outcome) -> PyResult<()> {
        self.events.settled(subscription, outcome)
    }

    #[inline(always)]
    fn answer(&self, id: RequestId, outcome: &mut Outcome) -> PyResult<Py<PyAny>> {
        let here = self.calls.here;
        answer_of(self.calls.conn.get(), here.cx, id, outcome, &mut here.taken.borrow_mut())
    }

    #[cold]
    fn by_message(&self, made: Args<'_>) -> PyResult<(Op, &Self::ByMessage)> {
        let here = self.calls.here;
        let cx = here.cx;
        let this = self.this.map_or(Value::Undefined, |t| cx.proxy_value(t));
        let values = made
            .into_iter()
            .zip(here.args)
            .map(|(m, a)| match m {
                Arg::Number(n) => Ok(Value::Number(n)),
                Arg::Value(v) => Ok(v),
                // Back to values/ for what was lent: the host turned the call away, so it goes as a message.
                Arg::Text(_) | Arg::Bytes(_) | Arg::Later => cx.to_value(a),
            })
            .collect::<PyResult<_>>()?;
        here.gate.enter();
        Ok((Op::Call { func: cx.proxy_value(self.func), this, args: values }, &self.events))
    }
}

/// What a direct caller brings besides its op: its converter, the arguments or operands it left
/// to the host (`Call::later`, `Value::Walked`), how its function's last call went (whether
/// it keeps the GIL), and the exit gate it enters before anything that may let go of the GIL or
/// run Python code (`exit_gate::Late`).
pub struct Here<'c, 'a, 'py> {
    pub cx: &'c Converter<'a, 'py>,
    /// The call's arguments (a request's operands left to the host), and which of them are
    /// left to the host.
    pub args: &'c [Bound<'py, PyAny>],
    pub later: &'c RefCell<Vec<usize>>,
    pub quick: Option<&'c Quick>,
    pub gate: &'c Late,
    /// Where a copied answer, made straight into Python objects, or the exception raised on the
    /// way is put.
    pub taken: &'c RefCell<Option<PyResult<Py<PyAny>>>>,
}

/// Serves `op` on this thread (the core's `direct::serve`), running the Python calls the addon
/// makes meanwhile inline on the op's chain, into `out` (or `here.taken`). False: the host
/// cannot take it here (its calls came to stay on its thread, or it is gone); it is then sent
/// to the host thread.
#[inline]
pub fn serve_here(
    slf: &Bound<'_, Connection>,
    host: DirectHost<'_>,
    op: Direct<'_>,
    here: &Here<'_, '_, '_>,
    out: &mut Served,
) -> PyResult<bool> {
    let calls = InlineCalls::new(slf, here);
    calls.chain.set(op.chain());
    direct::serve(host.host, op, &calls, out)
}

/// The value of a request served on this thread: what the host sent ahead of its reply, then
/// the reply's (`answer_of`), what is left of it given back to the host to free.
pub fn served(
    conn: &Connection,
    cx: &Converter<'_, '_>,
    id: RequestId,
    served: Served,
    taken: &mut Option<PyResult<Py<PyAny>>>,
) -> PyResult<Py<PyAny>> {
    direct::settle_before(&chain_events::ChainServer(cx), served.before)?;
    let mut outcome = served.outcome;
    let value = answer_of(conn, cx, id, &mut outcome, taken);
    direct::give_back(&conn.channel, outcome);
    value
}

/// The value of the host's answer to request `id` served on this thread, or what the caller
/// made of it itself (`taken`), taken from `outcome`, where a container left in the host
/// thread's memory stays for the host to free. The reply goes to `answered`, as a reply by
/// message does; what is done first here only a call served on this thread has: the caller's
/// own objects, a container made where it lies, and a primitive read where it lies (the
/// commonest answer, made inline in the caller: the rest is out of line).
#[inline(always)]
pub fn answer_of(
    conn: &Connection,
    cx: &Converter<'_, '_>,
    id: RequestId,
    outcome: &mut Outcome,
    taken: &mut Option<PyResult<Py<PyAny>>>,
) -> PyResult<Py<PyAny>> {
    if taken.is_none() {
        if let Some(v) = primitive(outcome) {
            return primitive_answer(conn, cx, v);
        }
    }
    answer_not_primitive(conn, cx, id, outcome, taken)
}

/// `answer_of` for an answer that is not a primitive, or that the caller made itself.
#[inline(never)]
fn answer_not_primitive(
    conn: &Connection,
    cx: &Converter<'_, '_>,
    id: RequestId,
    outcome: &mut Outcome,
    taken: &mut Option<PyResult<Py<PyAny>>>,
) -> PyResult<Py<PyAny>> {
    if let Some(taken) = taken.take() {
        conn.handle_drops();
        return match std::mem::replace(outcome, Outcome::Ok(Value::Undefined)) {
            Outcome::Thrown(t) => {
                let taken = taken?;
                Err(match t.error {
                    // An error's code and other properties came as the caller's own objects.
                    Some(error) => cx.raised_error(cx.to_python(t.value)?, error, taken),
                    // A thrown container or string came as the caller's own object: raised as
                    // what was thrown.
                    None => cx.raised(taken, None),
                })
            }
            _ => taken,
        };
    }
    if let Outcome::Ok(v @ (Value::Array(_) | Value::Object(_))) = outcome {
        // A copied container, which a relayed call's host thread allocated: made into Python
        // objects where it lies, the rest left for the host to free.
        conn.handle_drops();
        return cx.to_python_in_place(v);
    }
    answered(conn, cx, id, std::mem::replace(outcome, Outcome::Ok(Value::Undefined)))
}

/// What a direct call's host calls back, on this thread: Python functions run inline, with the
/// GIL, and the conversions of the call's arguments and answer.
struct InlineCalls<'c, 'a, 'py> {
    conn: &'c Py<Connection>,
    /// The chain of the call or request (set as the core makes it).
    chain: Cell<ChainId>,
    /// The call's converter, the arguments it left to the host, its exit gate, and where the
    /// answer made into Python objects, or the exception raised converting the arguments or
    /// the answer, is put.
    here: &'c Here<'c, 'a, 'py>,
    /// Whether this thread kept the GIL while the host served the call: its callbacks then run
    /// with it as they are, where taking it again would cost a third of a short call.
    gil_kept: Cell<bool>,
}

// SAFETY: the host calls a direct call's caller back only on the thread that makes the call
// (it holds the JS lock for it), so nothing here is touched by two threads; the Python objects
// are used only with the GIL, taken again where it was let go.
unsafe impl Sync for InlineCalls<'_, '_, '_> {}

impl<'c, 'a, 'py> InlineCalls<'c, 'a, 'py> {
    fn new(slf: &'c Bound<'_, Connection>, here: &'c Here<'c, 'a, 'py>) -> Self {
        InlineCalls { conn: slf.as_unbound(), chain: Cell::new(0), here, gil_kept: Cell::new(true) }
    }

    /// Runs `f` with the GIL, taken again if this call let go of it.
    fn with_gil<R>(&self, f: impl FnOnce(Python<'_>) -> R) -> R {
        // Python code may let go of the GIL.
        self.here.gate.enter();
        if self.gil_kept.get() {
            return f(self.here.cx.py);
        }
        Python::attach(f)
    }
}

impl DirectCaller for InlineCalls<'_, '_, '_> {
    type Error = PyErr;

    #[inline]
    fn keeps_lock(&self) -> bool {
        self.here.quick.is_some_and(Quick::keeps_gil)
    }

    #[inline]
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> PyResult<R> {
        self.here.gate.enter();
        exit_gate::allow_threads_inside(self.here.cx.py, wait).ok_or_else(exiting_error)
    }

    #[inline]
    fn serving_unblocked(&self) {
        self.gil_kept.set(false);
    }

    #[inline]
    fn took(&self, ticks: u64) {
        if let Some(q) = self.here.quick {
            q.record(ticks);
        }
    }
}

impl Caller for InlineCalls<'_, '_, '_> {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed> {
        self.with_gil(|py| python_calls::run_walked(self.conn.bind(py), self.chain.get(), func, args, result))
    }

    fn trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId>) -> TraceAnswer {
        self.with_gil(|py| trace::answer(self.conn.bind(py), &unreached, &let_go))
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        self.here.gate.enter();
        exit_gate::without_gil(wait);
    }

    fn later_args(&self, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        self.with_gil(|_| {
            let mut host = Keeping::new(sink, || PyRuntimeError::new_err("refused by the host"));
            match self.here.later.borrow().iter().try_for_each(|&i| self.here.cx.send_to(&self.here.args[i], &mut host)) {
                Ok(()) => Ok(()),
                Err(e) => match host.kept.take() {
                    Some(failure) => Err(ArgsStopped::Failed(failure)),
                    None => {
                        *self.here.taken.borrow_mut() = Some(Err(e));
                        Err(ArgsStopped::Refused)
                    }
                },
            }
        })
    }

    fn take_text(&self, text: &str) {
        self.with_gil(|py| *self.here.taken.borrow_mut() = Some(Ok(PyString::new(py, text).into_any().unbind())));
    }

    fn settled_early(&self, settlement: Settlement<'_>) -> bool {
        if !self.gil_kept.get() {
            return false;
        }
        self.with_gil(|py| {
            let sub = settlement.subscription;
            let (ok, value) = settlement_made(self.here.cx, settlement);
            self.conn.bind(py).get().subscriptions.keep_made(sub, (ok, value));
        });
        true
    }

    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        self.with_gil(|_| {
            let mut taken = self.here.taken.borrow_mut();
            match copied_into_python(self.here.cx, copy) {
                Ok(value) => {
                    *taken = Some(Ok(value));
                    Ok(())
                }
                Err(Stop::Sink(e)) => {
                    *taken = Some(Err(e));
                    Err(Stop::Sink(Refused))
                }
                Err(Stop::TooLarge) => Err(Stop::TooLarge),
            }
        })
    }
}
