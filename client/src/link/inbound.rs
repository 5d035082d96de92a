//! What the client accepts from a host (everything the host sends is treated as hostile, since
//! it runs code nobody here wrote: D57). Decoding already bounds sizes and nesting (napi-protocol);
//! this is the rest, with no I/O and no Python, so that a fuzz target and a randomized test can
//! drive it (`client/fuzz`, `tests`):
//!
//! - a reply is accepted only for a request this client sent and has not had answered, on the
//!   chain it was sent on, and only as the answer of the innermost request of that chain still
//!   waiting (nested requests of a chain form a stack); one for a request whose waiter gave up is
//!   dropped;
//! - a settlement on the main stream only ahead of the reply of its own request (the host sends
//!   one that settled while the reply waited for it); calls into Python only for chains with a
//!   waiting request (others are answered with an error);
//! - on the event stream only what the host sends there: settlements, event-chain calls,
//!   uncaught exceptions, segment announcements;
//! - a chain's thread has at most [`MAILBOX_LIMIT`] messages waiting for it, and drop notices
//!   name only objects this client exported.
//!
//! Anything else is a [`Violation`]: the client ends that host (`Channel::violation`).

use std::collections::VecDeque;
use std::fmt;

use napi_protocol::frame::{decode, FrameError};
use napi_protocol::quick::{decode_reply, is_quick, QUICK_REPLY};
use napi_protocol::{CallId, ChainId, ObjectId, Outcome, PyRef, RequestId, ServerMessage, Thrown, Value, EVENT_CHAIN};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// Messages waiting for one chain's thread, at most. A host sends a chain one message at a time
/// and waits for its answer (a reply, a call into Python), plus the settlements that go ahead
/// of a reply: a handful. More is a host flooding a thread that is busy elsewhere.
pub const MAILBOX_LIMIT: usize = 64;

/// Drop notices waiting for the next request, at most, beyond twice the objects ever exported
/// (an object may be dropped, sent again and dropped again before the client looks).
const DROPS_SLACK: u64 = 1024;

/// Something a host sent that the protocol does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation(pub String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn violation<T>(why: String) -> Result<T, Violation> {
    Err(Violation(why))
}

/// A frame's payload on the main stream as the message it is or stands for: a compact reply
/// (`napi_protocol::quick`) as the reply it stands for, filed by the same rules. Inline
/// always, so that a compact reply is made where the look for it returns it.
#[inline(always)]
pub fn decode_main(payload: &[u8]) -> Result<ServerMessage, FrameError> {
    match is_quick(payload, QUICK_REPLY) {
        true => decode_reply(payload),
        false => decode(payload),
    }
}

/// Whether the host subscribed on its own to what `outcome` answers: a promise, under the id of
/// the request it answers.
#[inline]
pub fn subscribed_by_reply(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Ok(Value::Js(r)) if r.kind == napi_protocol::RefKind::Promise)
}

/// A message for a waiting chain.
#[derive(Debug)]
pub enum Incoming {
    Reply {
        id: RequestId,
        outcome: Outcome,
    },
    Call {
        call: CallId,
        func: PyRef,
        this: Value,
        args: Vec<Value>,
    },
    /// On the event chain: a subscribed promise settled.
    Settled {
        subscription: u64,
        outcome: Outcome,
    },
    /// On the event chain: an exception nothing in the host caught.
    Uncaught(Box<Thrown>),
    /// A question of a cycle collection the chain's request started.
    Trace {
        unreached: Vec<(PyRef, u64)>,
        let_go: Vec<ObjectId>,
    },
}

/// Where a message from the main stream goes.
#[derive(Debug)]
pub enum Filed {
    /// To the thread waiting on this chain.
    For(ChainId, Incoming),
    /// A call into Python for a chain nobody waits on (its waiter gave up): answered with an
    /// error, so that the host does not wait for ever.
    Stray(CallId),
    /// A question of a cycle collection for a chain nobody waits on: answered `Live`, which
    /// lets nothing go.
    StrayTrace,
    /// Nothing to do (the reply of a request whose waiter gave up).
    Dropped,
    /// Shared-memory and lifetime news, for the client's tables to take in.
    News(ServerMessage),
}

/// A chain's messages and its requests waiting for replies.
#[derive(Default)]
struct Mailbox {
    queue: VecDeque<Incoming>,
    /// Its requests sent and not answered, innermost last (each waits for the one it made).
    live: SmallVec<[RequestId; 4]>,
}

/// The chains threads wait on and the requests they wait for: what the main stream may answer.
pub struct Chains {
    mailboxes: FxHashMap<ChainId, Mailbox>,
    /// Requests sent and not answered yet, by id, with their chain; those whose waiter gave up
    /// stay until their reply comes (and is dropped).
    outstanding: FxHashMap<RequestId, ChainId>,
}

impl Default for Chains {
    fn default() -> Self {
        let mut mailboxes = FxHashMap::default();
        // The event chain's mailbox lives as long as the connection.
        mailboxes.insert(EVENT_CHAIN, Mailbox::default());
        Chains { mailboxes, outstanding: FxHashMap::default() }
    }
}

impl Chains {
    /// Request `id` of `chain` is about to be sent (a request that starts its chain opens the
    /// chain's mailbox).
    pub fn begin(&mut self, id: RequestId, chain: ChainId) {
        self.mailboxes.entry(chain).or_default().live.push(id);
        self.outstanding.insert(id, chain);
    }

    /// Request `id` of `chain` is over, answered or not; `top`: it started the chain, whose
    /// mailbox goes with it.
    pub fn end(&mut self, id: RequestId, chain: ChainId, top: bool) {
        if top {
            self.mailboxes.remove(&chain);
        } else if let Some(m) = self.mailboxes.get_mut(&chain) {
            m.live.retain(|r| *r != id);
        }
    }

    /// The next message waiting for `chain`.
    pub fn take(&mut self, chain: ChainId) -> Option<Incoming> {
        self.mailboxes.get_mut(&chain).and_then(|m| m.queue.pop_front())
    }

    /// Whether a message waits for `chain`'s thread.
    pub fn has_mail(&self, chain: ChainId) -> bool {
        self.mailboxes.get(&chain).is_some_and(|m| !m.queue.is_empty())
    }

    /// Whether `chain` has a request waiting (so that a message for it will be read).
    pub fn waiting(&self, chain: ChainId) -> bool {
        self.mailboxes.get(&chain).is_some_and(|m| !m.live.is_empty())
    }

    /// How many chains have a mailbox (the event chain's among them).
    pub fn len(&self) -> usize {
        self.mailboxes.len()
    }

    /// Whether no chain has a mailbox.
    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty()
    }

    /// How many requests are sent and not answered (their waiters' or given up).
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// Queues `incoming` for `chain`'s thread.
    pub fn deliver(&mut self, chain: ChainId, incoming: Incoming) -> Result<(), Violation> {
        let Some(m) = self.mailboxes.get_mut(&chain) else { return Ok(()) };
        if m.queue.len() >= MAILBOX_LIMIT {
            return violation(format!("more than {MAILBOX_LIMIT} messages for chain {chain}, whose thread waits for one"));
        }
        m.queue.push_back(incoming);
        Ok(())
    }

    /// Files a message of the main stream.
    pub fn file(&mut self, msg: ServerMessage) -> Result<Filed, Violation> {
        match msg {
            ServerMessage::Reply { id, chain, outcome } => {
                if self.outstanding.get(&id) != Some(&chain) {
                    return violation(format!(
                        "a reply to request {id} of chain {chain}, which this client did not send or which was answered already"
                    ));
                }
                self.outstanding.remove(&id);
                let Some(m) = self.mailboxes.get(&chain) else { return Ok(Filed::Dropped) };
                match m.live.iter().rposition(|r| *r == id) {
                    Some(at) if at + 1 == m.live.len() => Ok(Filed::For(chain, Incoming::Reply { id, outcome })),
                    Some(_) => violation(format!(
                        "a reply to request {id} while request {} it made waits for its own (out of order)",
                        m.live.last().copied().unwrap_or_default()
                    )),
                    None => Ok(Filed::Dropped),
                }
            }
            ServerMessage::CallPython { call, chain, func, this, args } => {
                if !self.waiting(chain) {
                    return Ok(Filed::Stray(call));
                }
                Ok(Filed::For(chain, Incoming::Call { call, func, this, args }))
            }
            ServerMessage::Trace { chain, unreached, let_go } => {
                if !self.waiting(chain) {
                    return Ok(Filed::StrayTrace);
                }
                Ok(Filed::For(chain, Incoming::Trace { unreached, let_go }))
            }
            // Only ahead of the reply that makes its promise, on the same stream.
            ServerMessage::Settled { subscription, outcome } => match self.outstanding.get(&subscription) {
                Some(&chain) => Ok(Filed::For(chain, Incoming::Settled { subscription, outcome })),
                None => violation(format!("a settlement of subscription {subscription} on the main stream, ahead of no reply")),
            },
            news @ (ServerMessage::Segment { .. }
            | ServerMessage::SegmentRetired { .. }
            | ServerMessage::Returned { .. }
            | ServerMessage::DropPython { .. }) => Ok(Filed::News(news)),
            other => violation(format!("{} on the main stream", name(&other))),
        }
    }
}

/// What the event stream may carry: an event to run (`Ok(Ok(..))`), or a segment announcement
/// (`Ok(Err(..))`) for the shared-memory tables.
pub fn event(msg: ServerMessage) -> Result<Result<Incoming, ServerMessage>, Violation> {
    match msg {
        ServerMessage::Settled { subscription, outcome } => Ok(Ok(Incoming::Settled { subscription, outcome })),
        ServerMessage::CallPython { call, chain: EVENT_CHAIN, func, this, args } => Ok(Ok(Incoming::Call { call, func, this, args })),
        ServerMessage::CallPython { chain, .. } => violation(format!("a call into Python for chain {chain} on the event stream")),
        ServerMessage::Uncaught(thrown) => Ok(Ok(Incoming::Uncaught(thrown))),
        // A drop notice follows the events that may name its objects (the host's `RingsPort`).
        news @ (ServerMessage::Segment { .. } | ServerMessage::DropPython { .. }) => Ok(Err(news)),
        other => violation(format!("{} on the event stream", name(&other))),
    }
}

/// Checks drop notices: each names an id this client may have given out, of the `exported` it
/// gave out (an id is a place, from 1, in its low 32 bits and the place's generation in the
/// high, both at most the ids given out; the binding's `Exported`), and the notices waiting
/// (`pending`, these included) stay within what those objects can account for.
pub fn check_drops(objects: &[(PyRef, u64)], exported: u64, pending: usize) -> Result<(), Violation> {
    let given_out = |id: u64| (1..=exported).contains(&(id & 0xffff_ffff)) && id >> 32 <= exported;
    if let Some((py, _)) = objects.iter().find(|(py, _)| !given_out(py.0)) {
        return violation(format!("a drop notice for Python object {}, which this client never sent", py.0));
    }
    if pending as u64 > exported.saturating_mul(2) + DROPS_SLACK {
        return violation(format!("{pending} drop notices waiting, for {exported} Python objects ever sent"));
    }
    Ok(())
}

/// A message's name, for a violation's description.
fn name(m: &ServerMessage) -> &'static str {
    match m {
        ServerMessage::Hello { .. } => "a second greeting",
        ServerMessage::Reply { .. } => "a reply",
        ServerMessage::DropPython { .. } => "a drop notice",
        ServerMessage::Settled { .. } => "a settlement",
        ServerMessage::Uncaught(_) => "an uncaught exception",
        ServerMessage::Segment { .. } => "a segment announcement",
        ServerMessage::SegmentRetired { .. } => "a segment retirement",
        ServerMessage::Returned { .. } => "returned blocks",
        ServerMessage::CallPython { .. } => "a call into Python",
        ServerMessage::Trace { .. } => "a cycle collection's question",
        _ => "a message this client does not know",
    }
}

#[cfg(test)]
mod tests;
