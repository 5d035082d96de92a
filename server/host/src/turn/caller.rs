//! What a direct call is made of (in-process hosts): the op its caller asks for ([`Direct`]),
//! what the caller provides while the host serves it ([`Caller`]), and where the answer goes
//! ([`Served`]). Served on the caller's thread or relayed to the host thread (`inprocess::relay`);
//! which of the two is `inprocess`'s decision.

use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Outcome, PyRef, Request, RequestId, ServerMessage, Value};

use super::event_caller::Settlement;
use super::inline_python::{PythonArgs, PythonCallFailed, Refused};
use crate::wire::{CopyInto, Stop};

/// What the thread making a direct call provides while the host serves it.
pub trait Caller {
    /// Runs the Python function `func`, a Python call of the request's chain made on this thread:
    /// `args` walks its arguments (`this` first if asked for) into the sink the caller gives,
    /// and the caller walks its result into `result`, the host's heap.
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed>;

    /// Answers a question of a cycle collection (`ServerMessage::Trace`) on this thread.
    fn trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId>) -> napi_protocol::TraceAnswer;

    /// Runs `wait`, a wait for another thread (the event dispatcher answering a Python call of
    /// an event turn), having let go of what that thread may need (the GIL).
    fn waiting(&self, wait: &mut dyn FnMut());

    /// Walks the arguments of the direct call being served that it left to the host
    /// ([`Arg::Later`]), or the operands of the direct request being served that it left
    /// (`Value::Walked`), in order, into `sink`: the host's heap, made straight from the
    /// caller's objects under the JS lock.
    fn later_args(&self, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped>;

    /// Takes the answer of the request being served, a container, as the caller's own value:
    /// `copy` walks it into the sink the caller gives it. The caller keeps what it made,
    /// or why it refused a part ([`Refused`]), and the host answers a placeholder.
    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>>;

    /// Takes the answer of the request being served, a string, as the caller's own value, made
    /// from `text`; the host answers a placeholder.
    fn take_text(&self, text: &str);

    /// Takes the settlement of the promise the request being served answers with, which came
    /// before its reply, and keeps it for the promise's claim, made into Python objects now.
    /// False: the caller let go of the GIL, and taking it again under the JS lock could keep
    /// every other caller waiting for a switch interval; the host then sends it ahead of the
    /// reply, as over the rings.
    fn settled_early(&self, settlement: Settlement<'_>) -> bool;
}

/// Why a direct call's arguments were not all made ([`Caller::later_args`]).
pub enum ArgsStopped {
    /// The host refused a part (a stale object, a bad buffer): the call's failure.
    Failed(Failure),
    /// The caller refused one of its objects, and raises why.
    Refused,
}

/// A call of a function the client holds, served directly: the commonest request, made with no
/// `Request` built (its arguments stay where the caller put them).
pub struct Call<'a> {
    /// The request id it stands for (a promise it answers is subscribed under it).
    pub id: RequestId,
    pub chain: ChainId,
    pub func: ObjectId,
    /// The object it is called on; undefined if none.
    pub this: Option<ObjectId>,
    /// The arguments, as the caller made them before taking the JS lock.
    pub args: &'a [Arg<'a>],
    /// What a `Request` carries besides its operation: proxies released, Python objects the
    /// client forgot.
    pub releases: Vec<ObjectId>,
    pub forgotten: Vec<PyRef>,
}

/// One argument of a direct call, as its caller made it before taking the JS lock.
pub enum Arg<'a> {
    /// A number, the commonest argument: owns nothing, so a call's arguments that are all
    /// numbers are dropped without a call of a value's drop glue for each.
    Number(f64),
    /// Any other value that owns no copy of anything: a proxy's id, a buffer's region.
    Value(Value),
    /// A string's text, lent by the caller's object for the call: copied once, into the heap.
    Text(&'a str),
    /// A `bytes` object's bytes, lent likewise: copied once, into a new Buffer.
    Bytes(&'a [u8]),
    /// A list, tuple or dict, which the caller walks into the heap under the lock
    /// ([`Caller::later_args`]).
    Later,
}

/// What a direct caller asks the host for.
#[derive(Clone, Copy)]
pub enum Direct<'a> {
    Request(&'a Request),
    Call(&'a Call<'a>),
}

impl Direct<'_> {
    pub(crate) fn id(&self) -> RequestId {
        match self {
            Direct::Request(r) => r.id,
            Direct::Call(c) => c.id,
        }
    }

    /// The chain whose Python calls the op's run makes.
    pub fn chain(&self) -> ChainId {
        match self {
            Direct::Request(r) => r.chain,
            Direct::Call(c) => c.chain,
        }
    }
}

/// A direct call served: what the host sent its caller ahead of the reply (a settlement of the
/// promise the reply makes), then the reply's outcome. The caller provides it, and the host
/// writes into it where it lies.
pub struct Served {
    pub before: Vec<ServerMessage>,
    pub outcome: Outcome,
}

impl Default for Served {
    fn default() -> Self {
        Served { before: Vec::new(), outcome: Outcome::Ok(Value::Undefined) }
    }
}

/// Writes `outcome` over the one in `slot`, nearly always a fresh one's `Ok(Undefined)`: that
/// one owns nothing, and is overwritten without a call of the outcome's drop glue (a match over
/// every kind of outcome and value, on every direct call).
#[inline(always)]
pub(crate) fn set_outcome(slot: &mut Outcome, outcome: Outcome) {
    if let Outcome::Ok(Value::Undefined) = slot {
        // SAFETY: `slot` is a valid outcome, which owns nothing: written over, not dropped.
        unsafe { std::ptr::write(slot, outcome) };
    } else {
        *slot = outcome;
    }
}
