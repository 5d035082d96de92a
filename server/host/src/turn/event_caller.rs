//! What the in-process host thread's event turns need of the client to make their Python calls
//! on that thread themselves (`inprocess::event_calls` keeps them in order with the client's
//! dispatcher), and a promise's settlement handed over so.

use napi_protocol::value_tree::ValueSink;
use napi_protocol::{Failure, Outcome, PyRef, Thrown};

use super::inline_python::{PythonArgs, PythonCallFailed, Refused};
use crate::wire::CopyInto;

/// What runs an event turn's Python calls on the host thread, and delivers its settlements and
/// uncaught exceptions there (the client provides it once its connection exists).
pub trait EventCaller: Send + Sync {
    /// Runs the Python function `func` on this thread, the host's, taking the GIL; a call of the
    /// event chain, made as a direct call's caller makes one
    /// ([`crate::caller::Caller::call_python`]): `args` walks its arguments into Python
    /// objects, and its result is walked into `result`, the heap. `None`: the client is gone
    /// (closed, or the interpreter is exiting), and nothing may call into Python any more.
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Option<Result<(), PythonCallFailed>>;

    /// Settles, on this thread, the Python side of a promise the client subscribed to, as the
    /// dispatcher would have on a `Settled` event. `None`: the client is gone.
    fn settled(&self, settlement: Settlement<'_>) -> Option<()>;

    /// Reports, on this thread, an exception nothing caught, as the dispatcher would have on an
    /// `Uncaught` event. `None`: the client is gone.
    fn uncaught(&self, thrown: Box<Thrown>) -> Option<()>;
}

/// A promise's outcome, for the client to take as it needs it: a fulfilled value walked straight
/// into its Python objects, or as a protocol outcome (a rejection, which carries what
/// describes the error, or an outcome kept for a claim still to come).
pub struct Settlement<'a> {
    pub subscription: u64,
    pub fulfilled: bool,
    /// Walks the fulfilled value into the sink it is given.
    pub walk: &'a mut CopyInto<'a, Refused>,
    /// The outcome as the rings would carry it.
    pub outcome: &'a mut dyn FnMut() -> Outcome,
}
