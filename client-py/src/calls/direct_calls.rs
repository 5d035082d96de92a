//! Direct calls for Python: in-process requests and calls served on the calling Python thread.
//! The path is the core's (`napi_client::session::direct`: which requests come here, the wait
//! for the JS lock, the fallback to the rings, the settlements sent ahead of a reply; a call of
//! a function proxy taken whole, `call_function`, with its refusal, its route, its exit gate
//! and its `Quick` state); here is what Python brings to it, `InlineCalls`: the call's arguments
//! and answer made (its `FunctionCall`, made by `CallHere` around the core's record of the
//! buffers sent as copies), and the Python calls the addon makes meanwhile, run
//! inline on this same thread, with the conversions the host asks for on the way (its
//! `DirectCaller`).
//!
//! The one rule about the GIL: never wait for the JS lock while holding it, since the lock's
//! holder may be waiting for a Python call. A function whose last call was quick (`Quick`)
//! tries the lock with the GIL held and keeps it through the call, as CPython lets a
//! thread run its switch interval; anything else lets the GIL go first.
//!
//! Values go between the Python objects and the host's heap directly, one walked into the other
//! under the JS lock, with no protocol tree between: no bytes leave the process (D81).

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

use napi_client::inprocess::{Arg, ArgsStopped, Caller, CopyInto, Direct, PythonArgs, PythonCallFailed, Refused, Served, Settlement, Stop};
use napi_client::session::buffers::Uploads;
use napi_client::session::direct::{self, Args, Called, DirectCaller, DirectHost, Function, FunctionCall, MakesCall, Quick};
use napi_client::session::exchange::Serve;
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Op, Outcome, PyRef, RequestId, TraceAnswer, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::calls::answers::{answered, primitive_in};
use crate::calls::chain_events::ChainServer;
use crate::calls::python_calls;
use crate::calls::trace;
use crate::exit_gate::{self, exiting_error};
use crate::proxy::object::JSRef;
use crate::state::connection::Connection;
use crate::values::copies::{copied_into_python, settlement_made};
use crate::values::from_python::Converter;
use crate::values::keeping::Keeping;

/// `func(*args)` on `this` handed to the core whole (`direct::call_function`): the answer, or
/// why the caller must make it its other way or raise (`Called`).
pub fn call_here(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Called<Py<PyAny>>> {
    let f = func.get();
    let function = Function { func: ObjectId(f.id), this: this.map(|t| ObjectId(t.get().id)), quick: &f.quick };
    direct::call_function(&slf.get().channel, function, &CallHere { conn: slf, args })
}

/// A call of a function proxy with `args`, made for the core around the record of the buffers
/// they send as copies, which the core keeps, writes back and ends (`MakesCall`).
struct CallHere<'s, 'py> {
    conn: &'s Bound<'py, Connection>,
    args: &'s [Bound<'py, PyAny>],
}

impl<'py> MakesCall for CallHere<'_, 'py> {
    type Upload = Bound<'py, PyAny>;
    type Answer = Py<PyAny>;
    type Error = PyErr;
    type Call<'u>
        = InlineCalls<'u, 'u, 'py, CallConverter<'u, 'py>>
    where
        Self: 'u;

    #[inline(always)]
    fn call<'u>(&'u self, uploads: &'u Uploads<Bound<'py, PyAny>>) -> PyResult<Self::Call<'u>> {
        let cx = CallConverter(ManuallyDrop::new(Converter::for_call(self.conn, uploads)?));
        Ok(InlineCalls::new(cx, self.args, Vec::new()))
    }
}

/// A call's converter, owned by its `InlineCalls` and never dropped: it owns nothing (the
/// record of the buffers it sends is the core's), and its drop glue, a look at a record of its
/// own it cannot have, was a call out of line on every call.
struct CallConverter<'a, 'py>(ManuallyDrop<Converter<'a, 'py>>);

impl<'a, 'py> Borrow<Converter<'a, 'py>> for CallConverter<'a, 'py> {
    #[inline(always)]
    fn borrow(&self) -> &Converter<'a, 'py> {
        &self.0
    }
}

/// Serves `op` on this thread (the core's `direct::serve`), running the Python calls the addon
/// makes meanwhile inline on the op's chain (`calls`), into `out` (or `calls`' taken answer).
/// `quick`: how the last call of the function it calls went. False: the host cannot take it
/// here (its calls came to stay on its thread, or it is gone); it is then sent to the host
/// thread.
#[inline]
pub fn serve_here<'a, 'py>(
    host: DirectHost<'_>,
    op: Direct<'_>,
    quick: Option<&Quick>,
    calls: &InlineCalls<'_, 'a, 'py, &Converter<'a, 'py>>,
    out: &mut Served,
) -> PyResult<bool> {
    calls.chain.set(op.chain());
    direct::serve(host.host, op, quick, calls, out)
}

/// What a direct call's host calls back, on this thread: Python functions run inline, with the
/// GIL, and the conversions of the call's arguments and answer. A call of a function proxy is
/// this (`FunctionCall`), owning its converter (`C`); a request served on this thread is served
/// with one that borrows the request's.
pub struct InlineCalls<'c, 'a, 'py, C: Borrow<Converter<'a, 'py>>> {
    cx: C,
    /// Names the converter's lifetime, which `C` alone leaves unnamed.
    converts: PhantomData<&'a Converter<'a, 'py>>,
    /// The Python objects whose conversion the call left to the host: a call's arguments, or
    /// a request's operands (`Value::Walked`).
    args: &'c [Bound<'py, PyAny>],
    /// Which of `args` are left to the host (`Call::later`).
    later: RefCell<Vec<usize>>,
    /// Where a copied answer, made straight into Python objects, or the exception raised on the
    /// way (converting the arguments or the answer) is put.
    taken: RefCell<Option<PyResult<Py<PyAny>>>>,
    /// The chain of the call or request (set as the core makes it).
    chain: Cell<ChainId>,
    /// Whether this thread kept the GIL while the host served the call: its callbacks then run
    /// with it as they are, where taking it again would cost a third of a short call.
    gil_kept: Cell<bool>,
}

// SAFETY: the host calls a direct call's caller back only on the thread that makes the call
// (it holds the JS lock for it), so nothing here is touched by two threads; the Python objects
// are used only with the GIL, taken again where it was let go.
unsafe impl<'a, 'py, C: Borrow<Converter<'a, 'py>>> Sync for InlineCalls<'_, 'a, 'py, C> {}

impl<'c, 'a, 'py, C: Borrow<Converter<'a, 'py>>> InlineCalls<'c, 'a, 'py, C> {
    /// The calls back of a call converted by `cx`, which left `later` of `args` to the host.
    pub fn new(cx: C, args: &'c [Bound<'py, PyAny>], later: Vec<usize>) -> Self {
        InlineCalls {
            cx,
            converts: PhantomData,
            args,
            later: RefCell::new(later),
            taken: RefCell::new(None),
            chain: Cell::new(0),
            gil_kept: Cell::new(true),
        }
    }

    /// The call's converter.
    #[inline(always)]
    fn cx(&self) -> &Converter<'a, 'py> {
        self.cx.borrow()
    }

    /// The value of a request `id` served on this thread: what the host sent ahead of its reply,
    /// then the reply's (`answer_of`), what is left of it given back to the host to free.
    pub fn served(&self, id: RequestId, served: Served) -> PyResult<Py<PyAny>> {
        direct::settle_before(&ChainServer(self.cx()), served.before)?;
        self.cx().conn.get().handle_drops();
        let mut outcome = served.outcome;
        let value = self.answer_of(id, &mut outcome);
        direct::give_back(&self.cx().conn.get().channel, outcome);
        value
    }

    /// The value of the host's answer to request `id` served on this thread, or what the caller
    /// made of it itself (`taken`), taken from `outcome`, where a container left in the host
    /// thread's memory stays for the host to free. The reply goes to `answered`, as a reply by
    /// message does; what is done first here only a call served on this thread has: the
    /// caller's own objects, a container made where it lies, and a primitive read where it lies
    /// (the commonest answer, made inline in the caller: the rest is out of line). The host's
    /// drops were seen to first (`FunctionCall::dropped`, or `served`).
    #[inline(always)]
    fn answer_of(&self, id: RequestId, outcome: &mut Outcome) -> PyResult<Py<PyAny>> {
        if self.taken.borrow().is_none() {
            if let Some(v) = primitive_in(outcome) {
                return self.cx().primitive_value(v);
            }
        }
        self.answer_not_primitive(id, outcome)
    }

    /// `answer_of` for an answer that is not a primitive, or that the caller made itself.
    #[inline(never)]
    fn answer_not_primitive(&self, id: RequestId, outcome: &mut Outcome) -> PyResult<Py<PyAny>> {
        let cx = self.cx();
        let conn = cx.conn.get();
        if let Some(taken) = self.taken.take() {
            return match std::mem::replace(outcome, Outcome::Ok(Value::Undefined)) {
                Outcome::Thrown(t) => {
                    let taken = taken?;
                    Err(match t.error {
                        // An error's code and other properties came as the caller's own objects.
                        Some(error) => cx.raised_error(cx.to_python(t.value)?, error, taken),
                        // A thrown container or string came as the caller's own object: raised
                        // as what was thrown.
                        None => cx.raised(taken, None),
                    })
                }
                _ => taken,
            };
        }
        if let Outcome::Ok(v @ (Value::Array(_) | Value::Object(_))) = outcome {
            // A copied container, which a relayed call's host thread allocated: made into
            // Python objects where it lies, the rest left for the host to free.
            return cx.to_python_in_place(v);
        }
        answered(conn, cx, id, std::mem::replace(outcome, Outcome::Ok(Value::Undefined)))
    }

    /// Runs `f` with the GIL, taken again if this call let go of it. (A call of a function
    /// proxy entered the exit gate first: the core's `call_function`; a request is inside it.)
    fn with_gil<R>(&self, f: impl FnOnce(Python<'_>) -> R) -> R {
        if self.gil_kept.get() {
            return f(self.cx().py);
        }
        Python::attach(f)
    }

    /// The connection, with the GIL `py`.
    fn conn<'b>(&'b self, py: Python<'b>) -> &'b Bound<'b, Connection> {
        self.cx().conn.as_unbound().bind(py)
    }
}

impl<'a, 'py, C: Borrow<Converter<'a, 'py>>> FunctionCall for InlineCalls<'_, 'a, 'py, C> {
    type Answer = Py<PyAny>;
    type ByMessage<'m>
        = ChainServer<'m, 'a, 'py>
    where
        Self: 'm;
    type Upload = Bound<'py, PyAny>;

    #[inline(always)]
    fn args<'s>(&'s self, chain: ChainId, relayed: bool, made: &mut Args<'s>) -> PyResult<()> {
        self.chain.set(chain);
        for (i, a) in self.args.iter().enumerate() {
            // The containers it leaves to the host are walked into its heap under the JS lock.
            if self.cx().push_arg(a, relayed, made)? {
                self.later.borrow_mut().push(i);
            }
        }
        Ok(())
    }

    fn settled(&self, subscription: u64, outcome: Outcome) -> PyResult<()> {
        ChainServer(self.cx()).settled(subscription, outcome)
    }

    #[cold]
    fn copy_back(&self, target: &Bound<'py, PyAny>, written: &[u8]) -> PyResult<()> {
        self.cx().copy_back(target, written)
    }

    #[cold]
    fn dropped(&self) {
        self.cx().conn.get().handle_drops();
    }

    #[inline(always)]
    fn answer(&self, id: RequestId, outcome: &mut Outcome) -> PyResult<Py<PyAny>> {
        self.answer_of(id, outcome)
    }

    #[cold]
    fn by_message<'m>(&'m self, function: Function<'_>, made: Args<'_>) -> PyResult<(Op, ChainServer<'m, 'a, 'py>)> {
        let cx = self.cx();
        let this = function.this.map_or(Value::Undefined, |t| cx.proxy_value(t));
        let values = made
            .into_iter()
            .zip(self.args)
            .map(|(m, a)| match m {
                Arg::Number(n) => Ok(Value::Number(n)),
                Arg::Value(v) => Ok(v),
                // Back to values/ for what was lent: the host turned the call away, so it goes as a message.
                Arg::Text(_) | Arg::Bytes(_) | Arg::Later => cx.to_value(a),
            })
            .collect::<PyResult<_>>()?;
        Ok((Op::Call { func: cx.proxy_value(function.func), this, args: values }, ChainServer(cx)))
    }
}

impl<'a, 'py, C: Borrow<Converter<'a, 'py>>> DirectCaller for InlineCalls<'_, 'a, 'py, C> {
    type Error = PyErr;

    #[inline]
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> PyResult<R> {
        exit_gate::allow_threads_inside(self.cx().py, wait).ok_or_else(exiting_error)
    }

    #[inline]
    fn serving_unblocked(&self) {
        self.gil_kept.set(false);
    }
}

impl<'a, 'py, C: Borrow<Converter<'a, 'py>>> Caller for InlineCalls<'_, 'a, 'py, C> {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed> {
        self.with_gil(|py| python_calls::run_walked(self.conn(py), self.chain.get(), func, args, result))
    }

    fn trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId>) -> TraceAnswer {
        self.with_gil(|py| trace::answer(self.conn(py), &unreached, &let_go))
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        exit_gate::without_gil(wait);
    }

    fn later_args(&self, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        self.with_gil(|_| {
            let mut host = Keeping::new(sink, || PyRuntimeError::new_err("refused by the host"));
            match self.later.borrow().iter().try_for_each(|&i| self.cx().send_walked(&self.args[i], &mut host)) {
                Ok(()) => Ok(()),
                Err(e) => match host.kept.take() {
                    Some(failure) => Err(ArgsStopped::Failed(failure)),
                    None => {
                        *self.taken.borrow_mut() = Some(Err(e));
                        Err(ArgsStopped::Refused)
                    }
                },
            }
        })
    }

    fn take_text(&self, text: &str) {
        self.with_gil(|py| *self.taken.borrow_mut() = Some(Ok(PyString::new(py, text).into_any().unbind())));
    }

    fn settled_early(&self, settlement: Settlement<'_>) -> bool {
        if !self.gil_kept.get() {
            return false;
        }
        self.with_gil(|py| {
            let sub = settlement.subscription;
            let (ok, value) = settlement_made(self.cx(), settlement);
            self.conn(py).get().subscriptions.keep_made(sub, (ok, value));
        });
        true
    }

    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        self.with_gil(|_| {
            let mut taken = self.taken.borrow_mut();
            match copied_into_python(self.cx(), copy) {
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
