//! One request's exchange with its host, and what the host sends on a chain that no request
//! asked for: the one machinery of both the session and a language binding. The protocol is
//! read and written here alone; a caller says, through `Serve` and `Exchange`, how it waits and
//! what it does with each thing the host sends: run a local object's call, answer a cycle
//! collection's question, take a settlement or an uncaught exception, make a reply its answer.
//! Static dispatch throughout: this is every request's path.

use std::sync::Arc;
use std::time::Duration;

use napi_host::caller::{Arg, Call};
use napi_link::streams::Deadline;
use napi_protocol::quick::QuickFrame;
use napi_protocol::{
    CallId, ChainId, ClientMessage, ObjectId, Op, Outcome, PyException, PyRef, Request, RequestId, Thrown, TraceAnswer, Value, EVENT_CHAIN,
};

use super::host_value::release_outcome;
use super::in_flight::InFlight;
use crate::exit_gate::Late;
use crate::link::channel::{Alone, Channel, Dead, Incoming};

/// What a caller does with the host's calls and events, on the chain it serves.
pub trait Serve {
    /// What ends a wait early (a dead host, an exiting program, an event that failed).
    type Error;

    /// Runs the host's call of local object `func` for `chain`; the exchange sends the answer.
    fn call(&self, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException>;

    /// The promise of `subscription` settled.
    fn settled(&self, subscription: u64, outcome: Outcome) -> Result<(), Self::Error>;

    /// An exception nothing in the host caught (an event's callback threw).
    fn uncaught(&self, thrown: Box<Thrown>) -> Result<(), Self::Error>;
}

/// How a caller waits for its request's reply, and what the reply becomes.
pub trait Exchange: Serve {
    /// What a request answers.
    type Answer;

    /// How long to look for the reply on this thread before waiting in `unblocked` (a binding
    /// keeps its interpreter's lock that long: handing it over costs more than a round trip).
    const LOOK_FIRST: Option<Duration> = None;

    /// Runs `wait` as this caller blocks (a binding lets its interpreter's lock go); `None`
    /// when the program is exiting and the wait may not run.
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> Option<R> {
        Some(wait())
    }

    /// The reply to request `id`, as the caller answers it.
    fn reply(&self, id: RequestId, outcome: Outcome) -> Result<Self::Answer, Self::Error>;

    /// Whether `reply` makes `outcome` its answer without letting the caller's lock go or
    /// running the caller's code (a binding's primitive): a lone compact call answered so never
    /// enters the exit gate (`exchange_quick`). No, unless the caller says so.
    fn plain_reply(&self, _outcome: &Outcome) -> bool {
        false
    }

    /// The host can no longer answer.
    fn dead(&self, dead: &Arc<Dead>) -> Self::Error;

    /// The program is exiting: the wait ended unfinished.
    fn exiting(&self) -> Self::Error;

    /// Answers a cycle collection's question about the local objects in `unreached` (see
    /// `TraceAnswer`); a caller that lends no proxies answers that all are live.
    fn trace(&self, _unreached: &[(PyRef, u64)], _let_go: &[ObjectId]) -> TraceAnswer {
        TraceAnswer::Live
    }

    /// Request `id` is about to be sent (a promise its reply makes may settle first).
    fn began(&self, _id: RequestId) {}

    /// `began` of a request sent alone (`Channel::read_alone`): no other is in flight until it
    /// ends.
    fn began_alone(&self, id: RequestId) {
        self.began(id);
    }

    /// Request `id` is over, however its wait ended.
    fn ended(&self, _id: RequestId) {}
}

/// Sends `request` and waits for its reply, serving the host's calls, questions and events of
/// its chain that come first, to any depth. `top`: the request starts its chain. The timeout
/// runs from the request's first wait (for room to send, or for the reply once a look found
/// none: `Channel::call_deadline`), so a reply there at the first look reads no clock; every
/// wait after shares that deadline, until the caller handled a message, after which it runs
/// afresh from the next wait (time spent in the caller is not the host's).
#[inline]
pub fn exchange<X: Exchange>(channel: &Channel, x: &X, request: Request, top: bool) -> Result<X::Answer, X::Error> {
    let (id, chain) = (request.id, request.chain);
    exchange_sending(channel, x, id, chain, top, |deadline| channel.send(ClientMessage::Request(request), deadline))
}

/// `exchange` of a compact call (`napi_protocol::quick`): request `id` of `chain`, its frame
/// named so already (`QuickFrame::request`). A top-level one of a caller that looks first,
/// alone with its host, reads its own reply with no bookkeeping unless it must wait
/// (`Channel::read_alone`).
///
/// The caller found the exit gate open (`exit_gate::is_open`) and has kept its lock since; the
/// exchange enters the gate (`exit_gate::Late`) before anything that may let that lock go or run
/// the caller's code: a wait, a call or event served, an answer other than a plain one, a dead
/// host's error. A lone call answered plainly (`Exchange::plain_reply`) does none of these and
/// never enters: from the gate's look to its answer this thread keeps the lock, so exit cannot
/// finalize the interpreter under it (the writer's lock, if another thread holds it, is waited
/// for through `exit_gate::blocking_wait`, which passes the gate on its own). Inline always: with
/// the lone look inline in it (`Channel::look_alone`), `#[inline]` left it a call of its own.
#[inline(always)]
pub fn exchange_quick<X: Exchange>(
    channel: &Channel,
    x: &X,
    frame: &QuickFrame,
    id: RequestId,
    chain: ChainId,
    top: bool,
) -> Result<X::Answer, X::Error> {
    if let Some(budget) = X::LOOK_FIRST.filter(|_| top && channel.read_alone()) {
        // Not started yet: no clock is read unless the send or the reply must wait.
        let mut deadline = channel.call_deadline();
        // Before the send, as for any request: a promise the reply makes may settle, on the
        // event stream, before the reply is read.
        x.began_alone(id);
        if let Err(d) = channel.send_quick(frame, &mut deadline) {
            channel.leave_alone();
            x.ended(id);
            let _gate = inside_gate(x)?;
            return Err(x.dead(&d));
        }
        return match channel.look_alone(id, budget) {
            Alone::Reply(outcome) => {
                let answer = if x.plain_reply(&outcome) { x.reply(id, outcome) } else { reply_inside(channel, x, id, outcome) };
                // A reply that made no promise (`look_alone`) leaves at most a settlement the
                // host sent to let go, nothing of the caller's: no code of the caller's runs.
                x.ended(id);
                answer
            }
            Alone::Registered(first) => {
                let in_flight = InFlight::registered(channel, id, chain, top, |id| x.ended(id));
                let _gate = inside_gate(x)?;
                let answer = wait_for_reply(channel, x, id, chain, first, deadline);
                // Inside the gate: `ended` may let go of a settlement the caller made.
                drop(in_flight);
                answer
            }
        };
    }
    let _gate = inside_gate(x)?;
    exchange_sending(channel, x, id, chain, top, |deadline| channel.send_quick(frame, deadline))
}

/// This thread inside the exit gate until the guard drops, for what may let the caller's lock
/// go or run its code: the caller's `exiting` error once exit has begun, as a wait refused
/// then answers.
#[inline]
fn inside_gate<X: Exchange>(x: &X) -> Result<Late, X::Error> {
    let gate = Late::default();
    if gate.enter_open() {
        Ok(gate)
    } else {
        Err(x.exiting())
    }
}

/// `reply` of a lone call whose answer is not plain, inside the exit gate; once exit has begun,
/// the outcome's holds are given back and the caller answers `exiting`.
#[cold]
fn reply_inside<X: Exchange>(channel: &Channel, x: &X, id: RequestId, outcome: Outcome) -> Result<X::Answer, X::Error> {
    match inside_gate(x) {
        Ok(_gate) => x.reply(id, outcome),
        Err(e) => {
            release_outcome(&outcome, channel);
            Err(e)
        }
    }
}

/// `exchange` of request `id` of `chain`, which `send` sends.
#[inline(always)]
fn exchange_sending<X: Exchange>(
    channel: &Channel,
    x: &X,
    id: RequestId,
    chain: ChainId,
    top: bool,
    send: impl FnOnce(&mut Deadline) -> Result<(), Arc<Dead>>,
) -> Result<X::Answer, X::Error> {
    let mut deadline = channel.call_deadline();
    let _in_flight = InFlight::begin(channel, id, chain, top, |id| x.ended(id)).map_err(|d| x.dead(&d))?;
    x.began(id);
    send(&mut deadline).map_err(|d| x.dead(&d))?;
    wait_for_reply(channel, x, id, chain, None, deadline)
}

/// Waits for the reply of request `id` of `chain`, sent and registered, serving what comes
/// first until `deadline` (fixed by the first wait if not yet started, and afresh after each
/// message served); `first`: a message for the chain read already.
#[inline(always)]
fn wait_for_reply<X: Exchange>(
    channel: &Channel,
    x: &X,
    id: RequestId,
    chain: ChainId,
    mut first: Option<Result<Incoming, Arc<Dead>>>,
    mut deadline: Deadline,
) -> Result<X::Answer, X::Error> {
    loop {
        let looked = first.take().or_else(|| X::LOOK_FIRST.and_then(|budget| channel.poll(chain, budget)));
        let waited = match looked {
            Some(polled) => polled,
            None => match x.unblocked(|| channel.wait(chain, deadline.fix())) {
                Some(waited) => waited,
                None => {
                    // A look that read left the reading to this wait: a sleeper takes it.
                    channel.hand_on_reading();
                    return Err(x.exiting());
                }
            },
        };
        match waited.map_err(|d| x.dead(&d))? {
            Incoming::Reply { id: rid, outcome } if rid == id => return x.reply(id, outcome),
            // The reply of a nested request whose waiter gave up (an error on its way).
            Incoming::Reply { outcome, .. } => release_outcome(&outcome, channel),
            Incoming::Call { call, func, this, args } => answer_call(channel, x, chain, call, func, this, args),
            Incoming::Trace { unreached, let_go } => {
                let answer = x.trace(&unreached, &let_go);
                // A host gone meanwhile waits for no answer; the wait learns of its end.
                let _ = channel.send(ClientMessage::Traced(answer), &mut channel.call_deadline());
            }
            // On the event chain (a request made by an event's local call), or a settlement
            // ahead of the reply that makes its promise: in order.
            event => serve_event(channel, x, event)?,
        }
        deadline = channel.call_deadline();
    }
}

/// Runs one event the host sent on the event chain: on a dispatcher's thread, or on a
/// request's that runs on the event chain and meets them while it waits.
#[inline]
pub fn serve_event<S: Serve>(channel: &Channel, serve: &S, event: Incoming) -> Result<(), S::Error> {
    match event {
        Incoming::Call { call, func, this, args } => {
            answer_call(channel, serve, EVENT_CHAIN, call, func, this, args);
            Ok(())
        }
        Incoming::Settled { subscription, outcome } => serve.settled(subscription, outcome),
        Incoming::Uncaught(thrown) => serve.uncaught(thrown),
        // Asked only of a request's chain, which handles it itself.
        Incoming::Reply { .. } | Incoming::Trace { .. } => Ok(()),
    }
}

/// Runs the host's call `call` for `chain` and sends its answer.
fn answer_call<S: Serve>(channel: &Channel, serve: &S, chain: ChainId, call: CallId, func: PyRef, this: Value, args: Vec<Value>) {
    if channel.gone() {
        // Sent before the host ended or was closed: nobody would get the answer, and no code
        // of the program's runs for a host whose closing has begun.
        return;
    }
    let result = serve.call(chain, func, this, args);
    // A host that ended meanwhile (closed by the call itself, say) waits for no answer: the
    // failed send is no error of the call's, and whoever waits on the chain learns of the end.
    let _ = channel.send(ClientMessage::CallbackResult { call, result }, &mut channel.call_deadline());
}

/// A request of `op` made now, with id `id` (`Channel::next_id`, or `next_id_exclusive` for a
/// caller that keeps every other out): on `active`, the chain of the local call that makes it,
/// or else on a chain of its own; carrying the news the host is owed, the host objects let go
/// and the local objects forgotten since the last request. The one place requests are made.
#[inline]
pub fn new_request(channel: &Channel, id: RequestId, active: Option<ChainId>, op: Op) -> Request {
    Request { id, chain: active.unwrap_or(id), releases: channel.take_releases(), forgotten: channel.take_forgotten(), op }
}

/// A direct call made now, of `func` on `this` with `args` (an in-process host serves it on the
/// calling thread), as `new_request` makes a request.
#[inline(always)]
pub fn new_call<'a>(
    channel: &Channel,
    id: RequestId,
    active: Option<ChainId>,
    func: ObjectId,
    this: Option<ObjectId>,
    args: &'a [Arg<'a>],
) -> Call<'a> {
    Call { id, chain: active.unwrap_or(id), func, this, args, releases: channel.take_releases(), forgotten: channel.take_forgotten() }
}

/// A direct call served, done with: what it carried besides its op (released proxies, forgotten
/// objects) dropped only when it holds some, nearly never, so that the common way spends no call
/// of the drop glue.
#[inline(always)]
pub fn call_done(call: Call<'_>) {
    let Call { releases, forgotten, .. } = call;
    drop_held(releases);
    drop_held(forgotten);
}

/// `v`, dropped only if it holds an allocation.
#[inline(always)]
fn drop_held<T>(v: Vec<T>) {
    if v.capacity() == 0 {
        std::mem::forget(v);
    } else {
        drop(v);
    }
}

/// A direct call the host turned away, to go by message instead: what its request carries
/// besides the op (the call made of values, `Unsent::request`).
pub struct Unsent {
    id: RequestId,
    chain: ChainId,
    releases: Vec<ObjectId>,
    forgotten: Vec<PyRef>,
}

impl Unsent {
    /// The request of `op` that goes in the call's stead.
    pub fn request(self, op: Op) -> Request {
        let Unsent { id, chain, releases, forgotten } = self;
        Request { id, chain, releases, forgotten, op }
    }
}

/// `call`, which the host turned away, as a request still to be made of values.
pub fn turned_away(call: Call<'_>) -> Unsent {
    let Call { id, chain, releases, forgotten, .. } = call;
    Unsent { id, chain, releases, forgotten }
}
