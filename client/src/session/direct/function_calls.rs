//! A binding's call of a function proxy, taken by the core whole (`call_function`): which way it
//! goes (the host's route), its id and chain, the JS lock and the call served under it, the
//! settlements the host sent ahead of the answer, what is left of the answer given back, and
//! the call sent by message when the host turns it away. The binding only makes its values:
//! the arguments before, the answer after, and the calls back meanwhile (`FunctionCall`), so a
//! call goes down into the core once and comes back up once.

use std::mem::ManuallyDrop;

use napi_host::caller::{Arg, Direct, Served};
use napi_host::inprocess::InProcess;
use napi_protocol::{ChainId, ObjectId, Op, Outcome, RequestId, ServerMessage, Value};
use smallvec::SmallVec;

use super::{direct_host, serve, DirectCaller};
use crate::link::channel::Channel;
use crate::session::chains;
use crate::session::exchange::{exchange, new_call, turned_away, Exchange, Unsent};

/// The arguments of a call, as the binding makes them for the way it goes.
pub type Args<'s> = SmallVec<[Arg<'s>; 4]>;

/// What a binding brings to a call it hands the core (`call_function`): the function and
/// receiver, its values made for the host, the calls back (its `DirectCaller`), and its
/// answer made of what the host sends back. Its calls are serialised by the binding (Python's GIL):
/// request ids come from a block reserved for such callers (`Channel::next_id_exclusive`).
pub trait FunctionCall {
    /// What ends the call early (a Python exception).
    type Error;
    /// What the call answers (a Python object).
    type Answer;
    /// What runs the host's calls back while it serves the call, and how the call waits.
    type Caller: DirectCaller<Error = Self::Error>;
    /// How the call waits for a reply sent by message (the host turned the direct call away).
    type ByMessage: Exchange<Answer = Self::Answer, Error = Self::Error>;

    /// The function's id and the receiver's, if any.
    fn target(&self) -> (ObjectId, Option<ObjectId>);

    /// The arguments for a call served on this thread, or relayed to the host's (`relayed`),
    /// into `made`; an error (the program exiting, a value that cannot go) ends the call.
    fn args<'s>(&'s self, relayed: bool, made: &mut Args<'s>) -> Result<(), Self::Error>;

    /// The call's `DirectCaller`, which runs the calls back the host makes for it on `chain`.
    fn caller(&self, chain: ChainId) -> &Self::Caller;

    /// A settlement the host sent ahead of the answer (of the promise the answer makes).
    fn settled(&self, subscription: u64, outcome: Outcome) -> Result<(), Self::Error>;

    /// The answer made of the host's `outcome` to request `id`, taken from where it lies: what
    /// it leaves there is given back to the host to free (a container it copied).
    fn answer(&self, id: RequestId, outcome: &mut Outcome) -> Result<Self::Answer, Self::Error>;

    /// The call made of values, as a message carries it (the arguments `made` gave back to the
    /// binding's values); the reply is then waited for through the returned exchange.
    fn by_message(&self, made: Args<'_>) -> Result<(Op, &Self::ByMessage), Self::Error>;
}

/// `call` served by the in-process host, on this thread or relayed to its own: its answer, or
/// `None` when the host does not take calls made here (an isolated host, or one whose route for
/// this thread is by message), which the binding then makes its other way. A call the host turns
/// away once it holds it (its calls came to stay on its thread, or it is gone) goes by message.
#[inline]
pub fn call_function<F: FunctionCall>(channel: &Channel, call: &F) -> Result<Option<F::Answer>, F::Error> {
    if channel.in_process().is_none() {
        return Ok(None);
    }
    let active = chains::active(channel);
    let Some(host) = direct_host(channel, active.map(|(_, came)| came)) else {
        return Ok(None);
    };
    // Neither the arguments nor what the host served are dropped where they own nothing
    // (`done_with`, `left_of`): the drop glue is a call with a match over every kind of value,
    // and moved into a function that forgot them, the arguments (232 bytes) were copied by a
    // `memcpy` call on every call.
    let mut made = ManuallyDrop::new(Args::new());
    if let Err(e) = call.args(host.relayed, &mut made) {
        done_with(&mut made);
        return Err(e);
    }
    let (func, this) = call.target();
    let id = channel.next_id_exclusive();
    let direct = new_call(channel, id, active.map(|(chain, _)| chain), func, this, &made);
    let mut out = ManuallyDrop::new(Served::default());
    let served = serve(host.host, Direct::Call(&direct), call.caller(direct.chain), &mut out);
    if !matches!(served, Ok(true)) {
        drop(ManuallyDrop::into_inner(out));
        let unsent = turned_away(direct);
        let made = ManuallyDrop::into_inner(made);
        return served.and_then(|_| by_message(channel, call, unsent, made, active.is_none()).map(Some));
    }
    let answer = settle_early(call, &mut out.before).and_then(|()| call.answer(id, &mut out.outcome));
    left_of(host.host, &mut out);
    drop(direct);
    done_with(&mut made);
    answer.map(Some)
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

/// What an answer left of the host's outcome, where it lies (`served`, nothing ahead of it
/// any more), made to own nothing so that it may be forgotten: a container a relayed call's
/// host thread allocated goes back to it to free; a primitive that owns nothing is left as it
/// is; anything else is dropped here.
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
    if made.spilled() || made.iter().any(|a| matches!(a, Arg::Value(_))) {
        drop(std::mem::take(made));
    }
}

/// The call the host turned away (`unsent`), made of values and sent by message.
#[cold]
fn by_message<F: FunctionCall>(channel: &Channel, call: &F, unsent: Unsent, made: Args<'_>, top: bool) -> Result<F::Answer, F::Error> {
    let (op, waits) = call.by_message(made)?;
    exchange(channel, waits, unsent.request(op), top)
}
