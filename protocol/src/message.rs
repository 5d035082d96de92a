//! The messages of the protocol.
//!
//! The host speaks first with [`ServerMessage::Hello`]; the client checks the version before it
//! sends anything. After that the client sends [`Request`]s and the host answers each with a
//! [`ServerMessage::Reply`] carrying the request's id. While the host runs a request it may call
//! back into Python with [`ServerMessage::CallPython`], tagged with the request's chain; the client
//! runs that call on the thread waiting for the chain and answers with
//! [`ClientMessage::CallbackResult`]. That thread may send nested requests on the same chain
//! before it answers, to any depth.

use bincode::{Decode, Encode};

use crate::value::{BufferKind, ObjectId, PyRef, Region, Value};

/// Bumped whenever the encoding or the meaning of any message changes (the golden-bytes test
/// enforces it for the encoding). 6: a reply whose value is a promise subscribes to it under the
/// request's id. 7: frames travel over shared-memory rings (`crate::link`), a segment's
/// descriptor ahead of its announcement on the socket. 8: `Value::Lent`, a Python buffer an
/// in-process client lends for a call. 9: `FailureKind::TooDeep`, and the client ends a host whose
/// messages name requests, subscriptions, blocks or segments it never issued. 10:
/// `BufferKind::Float16`. 11: `Op::CollectCycles`, its `ServerMessage::Trace` questions and
/// `ClientMessage::Traced` answers. 12: values nest to any depth, bounded by their number
/// (`MAX_VALUES`), and `TooDeep` is `TooLarge`. 13: once a host has sent events, its
/// `DropPython` notices travel on the event stream, behind those events. 14:
/// `ClientMessage::Descriptor`, `Op::AdoptDescriptor` and `Op::CloseDescriptor` (`js.descriptor`).
/// 15: the compact call and reply (`crate::quick`). 16: `FailureKind::JsThreadEnded`.
pub const PROTOCOL_VERSION: u32 = 16;

/// The chain of calls that no Python request caused (async-work completions, threadsafe-function
/// calls, promise jobs): the host sends them, with settlements and uncaught exceptions, on the
/// event ring, which the client's event dispatcher thread reads.
pub const EVENT_CHAIN: ChainId = 0;

/// Identifies one request; unique per connection.
pub type RequestId = u64;

/// Identifies a chain of nested calls: the id of the outermost request that started it.
pub type ChainId = u64;

/// Identifies one call from the host into Python.
pub type CallId = u64;

/// Messages from the client to the host.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
#[non_exhaustive]
pub enum ClientMessage {
    Request(Request),
    /// The answer to a [`ServerMessage::CallPython`].
    CallbackResult {
        call: CallId,
        result: Result<Value, PyException>,
    },
    /// A new segment of the client's, `size` bytes, whose descriptor rides on this frame.
    Segment {
        id: u32,
        size: u64,
    },
    /// The client unmapped its segment `id` (all its blocks had been returned): the host may
    /// unmap it too.
    SegmentRetired {
        id: u32,
    },
    /// The answer to a [`ServerMessage::Trace`].
    Traced(TraceAnswer),
    /// A descriptor of the client's, riding on this frame, for an addon (`js.descriptor`): the
    /// host keeps it as `id` until [`Op::AdoptDescriptor`] gives it a number of its own.
    Descriptor {
        id: u32,
    },
}

/// What the client answers about the Python objects a cycle collection asks about.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[non_exhaustive]
pub enum TraceAnswer {
    /// Something outside them reaches the Python objects asked about (or the client let go of
    /// nothing): the collection stops there.
    Live,
    /// The proxies that only those Python objects reach (to a question), or the proxies the
    /// client let go of (to the last one).
    Garbage(Vec<ObjectId>),
}

/// A request from the client.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
pub struct Request {
    pub id: RequestId,
    pub chain: ChainId,
    /// Objects whose last Python proxy died since the previous request; they ride along so that
    /// releasing costs no round trip of its own.
    pub releases: Vec<ObjectId>,
    /// Python objects the client forgot after [`ServerMessage::DropPython`]: the host may forget
    /// their send counts.
    pub forgotten: Vec<PyRef>,
    pub op: Op,
}

/// What a request asks the host to do. Targets and keys are [`Value`]s so that any value Python
/// holds (a proxy, a string, a symbol) can be named.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
#[non_exhaustive]
pub enum Op {
    /// Load an addon and answer with its exports.
    Load { path: String },
    /// `func.call(this, ...args)`.
    Call { func: Value, this: Value, args: Vec<Value> },
    /// `new ctor(...args)`.
    Construct { ctor: Value, args: Vec<Value> },
    /// `target[key]`.
    Get { target: Value, key: Value },
    /// `target[key] = value`, in strict mode: a refused write throws a TypeError.
    Set { target: Value, key: Value, value: Value },
    /// `key in target`.
    Has { target: Value, key: Value },
    /// `delete target[key]`.
    Delete { target: Value, key: Value },
    /// `Reflect.ownKeys(target)`: every own key, strings then symbols, in JS order.
    OwnKeys { target: Value },
    /// `Object.getOwnPropertyDescriptors(target)` as an array of `[key, descriptor]` pairs.
    OwnPropertyDescriptors { target: Value },
    /// `Object.defineProperty(target, key, descriptor)`.
    /// Boxed, as the thrown value below: the largest variants would make every message as big.
    DefineProperty { target: Value, key: Value, descriptor: Box<Descriptor> },
    /// `Object.getPrototypeOf(target)`.
    GetPrototype { target: Value },
    /// `Object.setPrototypeOf(target, proto)`.
    SetPrototype { target: Value, proto: Value },
    /// `typeof value`.
    TypeOf { value: Value },
    /// `value instanceof ctor`.
    InstanceOf { value: Value, ctor: Value },
    /// `a === b`.
    StrictEquals { a: Value, b: Value },
    /// A host-side plain object with these properties, returned by reference.
    NewObject { props: Vec<(Value, Value)> },
    /// A host-side array with these elements, returned by reference.
    NewArray { items: Vec<Value> },
    /// `Symbol(description)`.
    NewSymbol { description: Option<String> },
    /// `Symbol.for(key)`.
    SymbolFor { key: String },
    /// The members of a class prototype and its chain up to `Object.prototype`: an object whose
    /// values are the method functions (by reference), or the strings `"accessor"` / `"data"`.
    DescribeClass { proto: ObjectId },
    /// Does nothing; answers `undefined`. For measuring the round trip.
    Ping,
    /// Collects every object nothing references (no proxy, handle scope or strong reference) and
    /// runs the finalizers that are due; answers the number of objects freed.
    Gc,
    /// `globalThis`, by reference.
    GlobalThis,
    /// Tell the client (with [`ServerMessage::Settled`], on the event chain) when `promise`
    /// settles; `subscription` is the client's name for this interest, taken from the counter of
    /// request ids. Needed only for promises that did not arrive as a reply's value.
    Subscribe { promise: Value, subscription: u64 },
    /// A new pending promise the client will settle: answers `[promise, deferred id]`.
    NewDeferred,
    /// Settles the promise of `deferred` (from `NewDeferred`): fulfilled with `value`, or
    /// rejected with it.
    SettleDeferred { deferred: u64, fulfilled: bool, value: Value },
    /// A new zero-filled buffer of `len` bytes and type `kind`, in shared memory: answers it as
    /// [`Value::Shared`].
    NewBuffer { kind: BufferKind, len: u64 },
    /// Collects the cycles that pass through Python: the host asks the client with
    /// [`ServerMessage::Trace`] on the request's chain, then collects; answers `[proxies let go,
    /// Python objects dropped, objects freed]`.
    CollectCycles,
    /// The descriptor the client sent as `id` ([`ClientMessage::Descriptor`]) becomes one of the
    /// host's own: answers its number there, which the addon may use until
    /// [`Op::CloseDescriptor`] or the host's end.
    AdoptDescriptor { id: u32 },
    /// Closes a descriptor [`Op::AdoptDescriptor`] answered; answers whether it was one.
    CloseDescriptor { fd: i64 },
}

impl Op {
    /// Visits every value the op carries (targets, keys, arguments, items, a descriptor's
    /// parts), in order, until `f` fails: how a caller that left placeholders in an op
    /// ([`Value::Walked`]) fills them in. No arm for "the rest": a new op says what it carries.
    pub fn values_mut<E>(&mut self, mut f: impl FnMut(&mut Value) -> Result<(), E>) -> Result<(), E> {
        match self {
            Op::Call { func, this, args } => {
                f(func)?;
                f(this)?;
                args.iter_mut().try_for_each(f)
            }
            Op::Construct { ctor, args } => {
                f(ctor)?;
                args.iter_mut().try_for_each(f)
            }
            Op::Set { target, key, value } => {
                f(target)?;
                f(key)?;
                f(value)
            }
            Op::Get { target, key } | Op::Has { target, key } | Op::Delete { target, key } => {
                f(target)?;
                f(key)
            }
            Op::DefineProperty { target, key, descriptor } => {
                f(target)?;
                f(key)?;
                let Descriptor { value, get, set, .. } = &mut **descriptor;
                [value, get, set].into_iter().flatten().try_for_each(f)
            }
            Op::OwnKeys { target } | Op::OwnPropertyDescriptors { target } | Op::GetPrototype { target } => f(target),
            Op::SetPrototype { target, proto } => {
                f(target)?;
                f(proto)
            }
            Op::TypeOf { value } => f(value),
            Op::InstanceOf { value, ctor } => {
                f(value)?;
                f(ctor)
            }
            Op::StrictEquals { a, b } => {
                f(a)?;
                f(b)
            }
            Op::NewObject { props } => props.iter_mut().try_for_each(|(k, v)| {
                f(k)?;
                f(v)
            }),
            Op::NewArray { items } => items.iter_mut().try_for_each(f),
            Op::Subscribe { promise, .. } => f(promise),
            Op::SettleDeferred { value, .. } => f(value),
            Op::Load { .. }
            | Op::NewSymbol { .. }
            | Op::SymbolFor { .. }
            | Op::DescribeClass { .. }
            | Op::Ping
            | Op::Gc
            | Op::GlobalThis
            | Op::NewDeferred
            | Op::NewBuffer { .. }
            | Op::CollectCycles
            | Op::AdoptDescriptor { .. }
            | Op::CloseDescriptor { .. } => Ok(()),
        }
    }
}

/// A property descriptor as `Object.defineProperty` takes it; `None` means absent.
#[derive(Clone, Debug, Default, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
pub struct Descriptor {
    pub value: Option<Value>,
    pub get: Option<Value>,
    pub set: Option<Value>,
    pub writable: Option<bool>,
    pub enumerable: Option<bool>,
    pub configurable: Option<bool>,
}

/// Messages from the host to the client.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
#[non_exhaustive]
pub enum ServerMessage {
    /// Sent once, first. `protections` names the confinement in force in the host (process
    /// defaults, rlimits, Landlock, seccomp), so that a client can insist on it.
    Hello { version: u32, pid: u32, protections: Vec<String> },
    /// The answer to the request `id` of chain `chain`. When the answer is a promise, the host
    /// has subscribed to it under `id`: its settlement follows as [`ServerMessage::Settled`]
    /// with `subscription: id`, so the client must not reuse request ids as subscriptions of its
    /// own (it takes both from one counter).
    Reply { id: RequestId, chain: ChainId, outcome: Outcome },
    /// The host no longer references these Python objects. Each comes with how many times the
    /// host had received it: a client that has sent it more often since (the sends are in
    /// flight) keeps it; otherwise it drops it and acknowledges in `Request::forgotten`.
    DropPython { objects: Vec<(PyRef, u64)> },
    /// A promise the client subscribed to settled: `Ok` with its value or `Thrown` with its
    /// reason.
    Settled { subscription: u64, outcome: Outcome },
    /// An exception nothing caught (thrown from an async-work completion, a threadsafe-function
    /// call or a finalizer): the client reports it as Python reports unraisable exceptions.
    Uncaught(Box<Thrown>),
    /// A new segment of the host's, `size` bytes, whose descriptor rides on this frame. Sent on
    /// every socket before any value in it.
    Segment { id: u32, size: u64 },
    /// The host unmapped its segment `id`: nothing of it is in use any more.
    SegmentRetired { id: u32 },
    /// Blocks of the client's segments (from [`Value::Upload`]) the host no longer uses.
    Returned { blocks: Vec<Region> },
    /// Call the Python object `func` with `this` and `args` on the thread that waits for `chain`.
    CallPython { call: CallId, chain: ChainId, func: PyRef, this: Value, args: Vec<Value> },
    /// A question of a cycle collection (`Op::CollectCycles`), to the thread that waits for
    /// `chain`: the Python objects in `unreached` (each with how many times the host received
    /// it) are held by JS objects that only proxies reach. With `let_go` empty: which proxies do
    /// only those Python objects reach? Otherwise: let go of the proxies in `let_go` if they still
    /// are such (answered with the ones let go, or `Live`).
    Trace { chain: ChainId, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId> },
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
#[non_exhaustive]
pub enum Outcome {
    Ok(Value),
    /// JavaScript threw (boxed: most outcomes are values, and messages move by value).
    Thrown(Box<Thrown>),
    /// The request could not be carried out (not a JS exception).
    Failed(Failure),
}

/// A JavaScript exception, with what Python needs to build an exception class without asking.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
pub struct Thrown {
    /// The thrown value itself (an error object by reference, or a primitive).
    pub value: Value,
    /// Present when the value is an Error.
    pub error: Option<ErrorInfo>,
    /// Present when this is a Python exception that travelled through the addon unchanged.
    pub python: Option<PyRef>,
}

/// The parts of a JS `Error` that Python exceptions carry.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
#[bincode(decode_context = "crate::codec::Limits")]
pub struct ErrorInfo {
    pub name: String,
    pub message: String,
    pub code: Option<Value>,
    /// Own enumerable properties other than `message` and `code`.
    pub props: Vec<(String, Value)>,
}

/// A request the host could not carry out.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[non_exhaustive]
pub enum FailureKind {
    /// The addon could not be loaded (missing file, not a library, no entry point, init threw).
    Load,
    /// The request named an object the host no longer has.
    StaleObject,
    /// The request was malformed (wrong target type, unknown key type).
    BadRequest,
    /// The answer holds more values than one message carries (`MAX_VALUES`).
    TooLarge,
    /// An in-process host's JS thread (`js_thread="current"`) ended without closing it: no
    /// thread runs its JS any more. Sent by in-process hosts only.
    JsThreadEnded,
}

/// A Python exception raised by a callback, as the host sees it.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct PyException {
    /// The exception object, so the client can re-raise the very same exception if the addon
    /// lets it propagate.
    pub exception: PyRef,
    /// `type(e).__name__`.
    pub type_name: String,
    /// `str(e)`.
    pub message: String,
}
