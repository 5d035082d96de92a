//! A binding's call of a function proxy, taken by the core whole (`call_function`): whether the
//! host takes calls at all (refused, isolated, exiting), which way it goes (the host's route),
//! its id and chain, the JS lock and the call served under it, the function's `Quick` state,
//! the exit gate entered late, the settlements the host sent ahead of the answer, the look for
//! what the host let go of meanwhile, what is left of the answer given back, and the call sent
//! by message when the host turns it away. The binding only makes its values: the arguments
//! before, the answer after, and the calls back meanwhile (`FunctionCall`), so a call goes down
//! into the core once and comes back up only to convert (and, rarely, to forget what the host
//! dropped).

use std::mem::ManuallyDrop;

use napi_host::inprocess::InProcess;
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Op, Outcome, PyRef, RequestId, ServerMessage, TraceAnswer, Value};
use smallvec::SmallVec;

use super::{direct_host, serve, DirectCaller, Quick};
use crate::exit_gate::{self, Late};
use crate::inprocess::{Arg, ArgsStopped, Caller, CopyInto, Direct, PythonArgs, PythonCallFailed, Refused, Served, Settlement, Stop};
use crate::link::channel::Channel;
use crate::session::buffers::Uploads;
use crate::session::chains;
use crate::session::exchange::{call_done, exchange, new_call, turned_away, Exchange, Unsent};

/// The arguments of a call, as the binding makes them for the way it goes, and whether one of
/// them owns something (`Arg::Value`): they are dropped only then, or when more than fit
/// inline were made, where looking at each argument when they were done with cost every call
/// about 4 an argument.
#[derive(Default)]
pub struct Args<'s> {
    made: SmallVec<[Arg<'s>; 4]>,
    owning: bool,
}

impl<'s> Args<'s> {
    #[inline(always)]
    pub fn push(&mut self, arg: Arg<'s>) {
        // Known at each push for what is pushed: nothing is stored for a number.
        self.owning |= matches!(&arg, Arg::Value(v) if owns_memory(v));
        self.made.push(arg);
    }

    /// Whether dropping them may free something: one owns something, or they did not fit inline.
    #[inline(always)]
    fn own_memory(&self) -> bool {
        self.owning || self.made.spilled()
    }

    /// Dropped where they lie, left empty: taken out to be dropped, the inline ones (232
    /// bytes) were copied by a `memcpy` call first.
    fn free(&mut self) {
        if self.made.spilled() {
            drop(std::mem::take(&mut self.made));
        } else {
            self.made.clear();
        }
        self.owning = false;
    }
}

/// Whether dropping `v` may free something: not for the values an argument commonly is
/// besides a number (a Python callable sent, a proxy of a buffer), which spares such a call
/// the drop glue of its arguments, out of line.
#[inline(always)]
fn owns_memory(v: &Value) -> bool {
    !matches!(
        v,
        Value::Undefined
            | Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::Date(_)
            | Value::Py { .. }
            | Value::Shared { .. }
            | Value::Upload { .. }
            | Value::InPlace { .. }
            | Value::Lent { .. }
            | Value::Walked(_)
    )
}

impl<'s> std::ops::Deref for Args<'s> {
    type Target = [Arg<'s>];

    #[inline(always)]
    fn deref(&self) -> &[Arg<'s>] {
        &self.made
    }
}

impl<'s> Extend<Arg<'s>> for Args<'s> {
    fn extend<I: IntoIterator<Item = Arg<'s>>>(&mut self, args: I) {
        args.into_iter().for_each(|arg| self.push(arg));
    }
}

impl<'s> IntoIterator for Args<'s> {
    type Item = Arg<'s>;
    type IntoIter = smallvec::IntoIter<[Arg<'s>; 4]>;

    fn into_iter(self) -> Self::IntoIter {
        self.made.into_iter()
    }
}

/// The function a binding calls, as data: its id, the receiver's, and how its last direct call
/// went (which decides whether this one keeps the binding's lock).
#[derive(Clone, Copy)]
pub struct Function<'q> {
    pub func: ObjectId,
    pub this: Option<ObjectId>,
    pub quick: &'q Quick,
}

/// How `call_function` ended: the answer, or why the binding must make the call its other way
/// or raise.
pub enum Called<A> {
    Answered(A),
    /// The host takes no more calls: it has started to end, or the connection is a forked
    /// child's copy of its parent's (`Channel::refusing`; the binding raises `Channel::refusal`).
    Refused,
    /// The program is exiting (the exit gate is closed): no more calls into addons.
    Exiting,
    /// An isolated host: the call goes by message.
    Isolated,
    /// An in-process host that does not take calls made here (its route for this thread is by
    /// message): the call goes as a request.
    Requested,
}

/// What a binding brings to a call it hands the core (`call_function`, made by its
/// `MakesCall`): its values made for the host, the calls back (it is the call's
/// `DirectCaller`), and its answer made of what the host sends back. Its calls are serialised by the binding (Python's GIL): request ids come
/// from a block reserved for such callers (`Channel::next_id_exclusive`).
pub trait FunctionCall: DirectCaller {
    /// What the call answers (a Python object).
    type Answer;
    /// How the call waits for a reply sent by message (the host turned the direct call away),
    /// borrowing the call (which owns what converts its values).
    type ByMessage<'m>: Exchange<Answer = Self::Answer, Error = Self::Error>
    where
        Self: 'm;

    /// The arguments for a call on `chain` (whose calls back then run on it), served on this
    /// thread, or relayed to the host's (`relayed`), into `made`; an error (a value that cannot
    /// go) ends the call.
    fn args<'s>(&'s self, chain: ChainId, relayed: bool, made: &mut Args<'s>) -> Result<(), Self::Error>;

    /// A settlement the host sent ahead of the answer (of the promise the answer makes).
    fn settled(&self, subscription: u64, outcome: Outcome) -> Result<(), Self::Error>;

    /// The host let go of some of the binding's objects, or gave back buffers it lent
    /// (`Channel::owes_drops`), by the time the call was served: the binding forgets or
    /// releases them. Called only then, before the answer is made.
    fn dropped(&self);

    /// The binding's handle on a writable buffer an argument sent as a copy (its `Uploads`).
    type Upload: Clone;

    /// Copies the addon's `written` bytes back into `target`, one of the call's uploads (called
    /// only when the call sent such a buffer).
    fn copy_back(&self, target: &Self::Upload, written: &[u8]) -> Result<(), Self::Error>;

    /// The answer made of the host's `outcome` to request `id`, taken from where it lies: what
    /// it leaves there is given back to the host to free (a container it copied).
    fn answer(&self, id: RequestId, outcome: &mut Outcome) -> Result<Self::Answer, Self::Error>;

    /// The call of `function` made of values, as a message carries it (the arguments `made`
    /// gave back to the binding's values); the reply is then waited for through the returned
    /// exchange.
    fn by_message<'m>(&'m self, function: Function<'_>, made: Args<'_>) -> Result<(Op, Self::ByMessage<'m>), Self::Error>;
}

/// What a binding hands the core to call a function (`call_function`): its call, made around
/// the record of the buffers its arguments send as copies, which the core keeps on its stack,
/// writes back and ends whichever way the call ends.
pub trait MakesCall {
    /// The binding's handle on a writable buffer an argument sent as a copy.
    type Upload: Clone;
    /// What the call answers.
    type Answer;
    /// Why the call failed.
    type Error;
    /// The call, recording the buffers it sends as copies in the core's `Uploads`.
    type Call<'u>: FunctionCall<Upload = Self::Upload, Answer = Self::Answer, Error = Self::Error>
    where
        Self: 'u;

    /// The call, its sent buffers recorded in `uploads`.
    fn call<'u>(&'u self, uploads: &'u Uploads<Self::Upload>) -> Result<Self::Call<'u>, Self::Error>;
}

/// A call of `function` by the binding's `call`: answered by the in-process host, on this
/// thread or relayed to its own, or why it was not (`Called`). A call the host turns away once
/// it holds it (its calls came to stay on its thread, or it is gone) goes by message.
/// The addon's writes into the buffers the arguments sent as copies reach them on every way
/// out, a thrown exception's too (as node's Buffer keeps them); a failed copy back is the
/// call's error.
#[inline]
pub fn call_function<M: MakesCall>(channel: &Channel, function: Function<'_>, maker: &M) -> Result<Called<M::Answer>, M::Error> {
    let uploads = Ending { uploads: Uploads::default(), channel };
    let call = maker.call(&uploads.uploads)?;
    let called = call_unwritten(channel, function, &call);
    uploads.uploads.write_back(channel, |target, written| call.copy_back(target, written))?;
    called
}

/// A call's record of the buffers its arguments sent as copies, ended (their pins let go of)
/// on every way out, a panic's too: after `write_back` it holds nothing and ending is a look.
struct Ending<'c, T: Clone> {
    uploads: Uploads<T>,
    channel: &'c Channel,
}

impl<T: Clone> Drop for Ending<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.uploads.end(self.channel);
    }
}

/// `call_function` before the copies back.
#[inline(always)]
fn call_unwritten<F: FunctionCall>(channel: &Channel, function: Function<'_>, call: &F) -> Result<Called<F::Answer>, F::Error> {
    if channel.refusing() {
        return Ok(Called::Refused);
    }
    if channel.in_process().is_none() {
        return Ok(Called::Isolated);
    }
    let active = chains::active(channel);
    let Some(host) = direct_host(channel, active.map(|(_, came)| came)) else {
        return Ok(Called::Requested);
    };
    // A plain look: the binding's lock is kept from here until the gate is entered (`Late`),
    // so exit, which closes the gate holding that lock, cannot close it in between.
    if !exit_gate::is_open() {
        return Ok(Called::Exiting);
    }
    let id = channel.next_id_exclusive();
    let chain = active.map_or(id, |(chain, _)| chain);
    let mut spent = Spent::new(host.host);
    call.args(chain, host.relayed, &mut spent.made)?;
    let direct = new_call(channel, id, active.map(|(chain, _)| chain), function.func, function.this, &spent.made);
    // Entered only if the call lets go of the binding's lock or runs its code, the only times
    // exit could catch it: entering costs a locked instruction, and most calls do neither.
    let calls = Gated { call, gate: Late::default() };
    let served = serve(host.host, Direct::Call(&direct), Some(function.quick), &calls, &mut spent.served);
    if !matches!(served, Ok(true)) {
        let unsent = turned_away(direct);
        let made = std::mem::take(&mut *spent.made);
        served?;
        calls.gate.enter();
        return by_message(channel, function, call, unsent, made, active.is_none()).map(Called::Answered);
    }
    call_done(direct);
    // Not `and_then`: its closure, which makes the answer, was not inlined.
    let answer = match settle_early(call, &mut spent.served.before) {
        Ok(()) => {
            if channel.owes_drops() {
                call.dropped();
            }
            call.answer(id, &mut spent.served.outcome)
        }
        Err(e) => Err(e),
    };
    spent.free();
    answer.map(Called::Answered)
}

/// What the host served for a call and the call's arguments, until both are done with: freed
/// on every way out, a panic's too, and with no drop glue where they own nothing. The glue is a
/// call with a match over every kind of value, and the arguments (232 bytes) moved into a
/// function that forgot them were copied by a `memcpy` call on every call.
struct Spent<'s, 'h> {
    host: &'h InProcess,
    served: ManuallyDrop<Served>,
    made: ManuallyDrop<Args<'s>>,
    /// Not freed yet (`free`): a way out other than the common one frees them as it drops.
    armed: bool,
}

impl<'h> Spent<'_, 'h> {
    #[inline(always)]
    fn new(host: &'h InProcess) -> Self {
        Spent { host, served: ManuallyDrop::new(Served::default()), made: ManuallyDrop::new(Args::default()), armed: true }
    }

    /// Done with, on the common way out, after `settle_early` (which leaves nothing of what
    /// came ahead of the answer): freed here, inline, and the drop then does nothing.
    #[inline(always)]
    fn free(&mut self) {
        left_of(self.host, &mut self.served);
        done_with(&mut self.made);
        self.armed = false;
    }
}

impl Drop for Spent<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.armed {
            self.free_late();
        }
    }
}

impl Spent<'_, '_> {
    /// `free`, on a way out that did not (an error, a panic, the call turned away).
    #[cold]
    #[inline(never)]
    fn free_late(&mut self) {
        drop(std::mem::take(&mut self.served.before));
        self.free();
    }
}

/// Hands what the host sent ahead of the answer (a settlement of the promise it makes) to
/// `call`, leaving `before` empty, with nothing allocated.
#[inline(always)]
fn settle_early<F: FunctionCall>(call: &F, before: &mut Vec<ServerMessage>) -> Result<(), F::Error> {
    if before.capacity() == 0 {
        return Ok(());
    }
    for early in std::mem::take(before) {
        if let ServerMessage::Settled { subscription, outcome } = early {
            call.settled(subscription, outcome)?;
        }
    }
    Ok(())
}

/// What an answer left of the host's outcome, where it lies (`served`), made to own nothing
/// so that it may be forgotten: a container a relayed call's host thread allocated goes back
/// to it to free; a primitive that owns nothing is left as it is; anything else is dropped
/// here.
#[inline(always)]
fn left_of(host: &InProcess, served: &mut Served) {
    match &served.outcome {
        Outcome::Ok(Value::Array(_) | Value::Object(_)) => host.give_back(std::mem::replace(&mut served.outcome, OWNS_NOTHING)),
        Outcome::Ok(Value::Undefined | Value::Null | Value::Bool(_) | Value::Number(_)) => {}
        _ => served.outcome = OWNS_NOTHING,
    }
}

/// An outcome that owns nothing.
const OWNS_NOTHING: Outcome = Outcome::Ok(Value::Undefined);

/// The arguments, done with: dropped only when they own something (a value that owns a copy,
/// or more than fit inline).
#[inline(always)]
fn done_with(made: &mut Args<'_>) {
    if made.own_memory() {
        made.free();
    }
}

/// The call the host turned away (`unsent`), made of values and sent by message.
#[cold]
fn by_message<F: FunctionCall>(
    channel: &Channel,
    function: Function<'_>,
    call: &F,
    unsent: Unsent,
    made: Args<'_>,
    top: bool,
) -> Result<F::Answer, F::Error> {
    let (op, waits) = call.by_message(function, made)?;
    exchange(channel, &waits, unsent.request(op), top)
}

/// A call's calls back, each entering the exit gate (`gate`, late) before it runs the binding's
/// code or lets its lock go: the call found the gate open and has kept the binding's lock
/// since (`Late`).
struct Gated<'c, F> {
    call: &'c F,
    gate: Late,
}

// SAFETY: the host calls a direct call's caller back only on the thread that makes the call
// (it holds the JS lock for it), so the gate's flag is touched by that thread alone; the call
// is `Sync` itself (a `DirectCaller`).
unsafe impl<F: Sync> Sync for Gated<'_, F> {}

impl<F: FunctionCall> DirectCaller for Gated<'_, F> {
    type Error = F::Error;

    #[inline]
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> Result<R, F::Error> {
        self.gate.enter();
        self.call.unblocked(wait)
    }

    #[inline]
    fn serving_unblocked(&self) {
        self.call.serving_unblocked();
    }
}

impl<F: FunctionCall> Caller for Gated<'_, F> {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed> {
        self.gate.enter();
        self.call.call_python(func, args, result)
    }

    fn trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId>) -> TraceAnswer {
        self.gate.enter();
        self.call.trace(unreached, let_go)
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        self.gate.enter();
        self.call.waiting(wait);
    }

    fn later_args(&self, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        self.gate.enter();
        self.call.later_args(sink)
    }

    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        self.gate.enter();
        self.call.take_copy(copy)
    }

    fn take_text(&self, text: &str) {
        self.gate.enter();
        self.call.take_text(text);
    }

    fn settled_early(&self, settlement: Settlement<'_>) -> bool {
        self.gate.enter();
        self.call.settled_early(settlement)
    }
}
