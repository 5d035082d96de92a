//! Direct calls for Python: in-process requests and calls served on the calling Python thread.
//! The path is the core's (`napi_client::session::direct`: which requests come here, the wait
//! for the JS lock, the fallback to the rings, the settlements sent ahead of a reply); here is
//! what Python brings to it (`InlineCalls`, its `DirectCaller`): the Python calls the addon
//! makes meanwhile, run inline on this same thread, and the conversions of what the host
//! answers, written where the caller keeps it (`Served`).
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
use napi_client::session::direct::{self, DirectCaller, DirectHost};
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Op, Outcome, PyRef, RequestId, TraceAnswer, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use smallvec::SmallVec;

use crate::calls::answers::answered;
use crate::calls::by_message;
use crate::calls::chain_events;
use crate::calls::python_calls;
use crate::calls::trace;
use crate::exit_gate::{self, exiting_error, Late};
use crate::proxy::object::JSRef;
use crate::state::connection::Connection;
use crate::state::quick::Quick;
use crate::values::copies::{copied_into_python, settlement_made};
use crate::values::from_python::Cx;
use crate::values::keeping::Keeping;
use crate::values::to_python;
use napi_client::session::exchange::new_call;

/// `call_ref` as a direct call; over the rings if the host turns it away (its calls came to
/// stay on its thread meanwhile, or it is gone: the rings then say how).
#[allow(clippy::too_many_arguments, reason = "the call's parts, as call_ref has them")]
pub fn call_here(
    slf: &Bound<'_, Connection>,
    direct: DirectHost<'_>,
    chain: Option<ChainId>,
    gate: &Late,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    let conn = slf.get();
    let channel = &*conn.channel;
    let cx = Cx::new(slf)?;
    let mut made = SmallVec::<[Arg<'_>; 4]>::with_capacity(args.len());
    // A `Vec`, not a `SmallVec`: nothing to set up or drop for the commonest calls, which
    // leave nothing to the host.
    let mut later = Vec::new();
    for (i, a) in args.iter().enumerate() {
        // The containers it leaves to the host are walked into its heap under the JS lock.
        let arg = cx.arg(a, direct.relayed)?;
        if let Arg::Later = arg {
            later.push(i);
        }
        made.push(arg);
    }
    // Exclusive: the GIL keeps every other caller of this connection out.
    let id = channel.next_id_exclusive();
    let top = chain.is_none();
    let func_id = ObjectId(func.get().id);
    let this_id = this.map(|t| ObjectId(t.get().id));
    let call = new_call(channel, id, chain, func_id, this_id, &made);
    let call_chain = call.chain;
    let mut out = Served::default();
    let mut taken = RefCell::new(None);
    let here = Here { cx: &cx, args, later: &later, quick: Some(&func.get().quick), gate, taken: &taken };
    let result = match direct::call(direct.host, call, &InlineCalls::new(slf, call_chain, &here), &mut out)? {
        None => served(conn, &cx, id, out, taken.get_mut()),
        Some(unsent) => {
            let this = this_id.map_or(Value::Undefined, |t| cx.proxy_value(t));
            let values = made
                .into_iter()
                .zip(args)
                .map(|(m, a)| match m {
                    Arg::Number(n) => Ok(Value::Number(n)),
                    Arg::Value(v) => Ok(v),
                    // Back to values/ for what was lent: the host turned the call away, so it goes as a message.
                    Arg::Text(_) | Arg::Bytes(_) | Arg::Later => cx.to_value(a),
                })
                .collect::<PyResult<_>>()?;
            let op = Op::Call { func: cx.proxy_value(func_id), this, args: values };
            gate.enter();
            by_message::send(&cx, unsent.request(op), top)
        }
    };
    cx.write_back()?;
    result
}

/// What a direct caller brings besides its op: its converter, the arguments or operands it left
/// to the host (`Call::later`, `Value::Walked`), how its function's last call went (whether
/// it keeps the GIL), and the exit gate it enters before anything that may let go of the GIL or
/// run Python code (`exit_gate::Late`).
pub struct Here<'c, 'a, 'py> {
    pub cx: &'c Cx<'a, 'py>,
    /// The call's arguments (a request's operands left to the host), and which of them are
    /// left to the host.
    pub args: &'c [Bound<'py, PyAny>],
    pub later: &'c [usize],
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
    direct::serve(host.host, op, &InlineCalls::new(slf, op.chain(), here), out)
}

/// The value of a request served on this thread: what the host sent ahead of its reply, then
/// the reply's, or what the caller made of it itself (`taken`). The reply goes to `answered`, as
/// a reply by message does; what is done first here only a call served on this thread has: the
/// messages ahead of its reply, the caller's own objects, a container left in the host thread's
/// memory, and a primitive read where it lies (the commonest answer, whose drop is skipped).
pub fn served(
    conn: &Connection,
    cx: &Cx<'_, '_>,
    id: RequestId,
    served: Served,
    taken: &mut Option<PyResult<Py<PyAny>>>,
) -> PyResult<Py<PyAny>> {
    if served.before.is_empty() && taken.is_none() {
        // The commonest answer, a primitive with nothing ahead of it, converted where it lies.
        if let Outcome::Ok(v) = &served.outcome {
            if to_python::is_primitive(v) {
                conn.handle_drops();
                let value = cx.primitive_value(v);
                if !matches!(v, Value::String(_)) {
                    // Owns nothing on the heap (an empty `before` has no buffer), so nothing is
                    // lost by not dropping it; the outcome's drop glue is a call with a match
                    // over every kind of value and outcome, 2% of the commonest call's
                    // instructions.
                    std::mem::forget(served);
                }
                return value;
            }
        }
    }
    direct::settle_before(&chain_events::Served(cx), served.before)?;
    if let Some(taken) = taken.take() {
        conn.handle_drops();
        return match served.outcome {
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
    let mut outcome = served.outcome;
    if let Outcome::Ok(v @ (Value::Array(_) | Value::Object(_))) = &mut outcome {
        // A copied container, which a relayed call's host thread allocated: made into Python
        // objects where it lies, the rest given back to that thread to free (`give_back`).
        conn.handle_drops();
        let value = cx.to_python_in_place(v);
        direct::give_back(&conn.channel, outcome);
        return value;
    }
    answered(conn, cx, id, outcome)
}

/// What a direct call's host calls back, on this thread: Python functions run inline, with the
/// GIL, and the conversions of the call's arguments and answer.
struct InlineCalls<'c, 'a, 'py> {
    conn: &'c Py<Connection>,
    chain: ChainId,
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
    fn new(slf: &'c Bound<'_, Connection>, chain: ChainId, here: &'c Here<'c, 'a, 'py>) -> Self {
        InlineCalls { conn: slf.as_unbound(), chain, here, gil_kept: Cell::new(true) }
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
        self.with_gil(|py| python_calls::run_walked(self.conn.bind(py), self.chain, func, args, result))
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
            match self.here.later.iter().try_for_each(|&i| self.here.cx.send_to(&self.here.args[i], &mut host)) {
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
