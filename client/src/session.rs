//! A session with one host for a program with no language binding: requests by message, each
//! waited for on its caller's thread; the host's calls back into the program's own objects
//! (`LocalObjects`), to any depth, on the chain of the request that caused them; events on a
//! dispatcher thread of the session's; promises waited for; close, crash and restart.

pub mod buffers;
pub mod chains;
pub mod direct;
pub mod dispatching;
mod error;
mod events;
pub mod exchange;
mod host_value;
mod in_flight;
mod local;
pub mod subscriptions;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use napi_protocol::{BufferKind, ChainId, JsRef, Op, Outcome, PyException, PyRef, RefKind, RequestId, Value};

use self::chains::CameBy;
use self::error::answer;
pub use self::error::Error;
use self::events::{Settlements, Slot, Waiter};
use self::exchange::Exchange;
pub use self::host_value::HostValue;
pub use self::in_flight::InFlight;
pub use self::local::{LocalError, LocalObjects, NoLocalObjects};
use self::subscriptions::subscribed_by_reply;
use crate::exit_gate;
use crate::link::channel::{Channel, Dead};
use crate::link::host_process::Spawn;
use crate::link::shared_memory::Memory;
use crate::start;

/// Which host a session starts.
#[derive(Clone)]
pub enum Mode {
    /// `napi-hostd` as a process of its own; `timeout` bounds each wait for it.
    Isolated { what: Spawn, timeout: Option<Duration> },
    /// The host on a thread of this process (see `start::in_process`).
    InProcess,
    /// The host on a thread of this process, its JS run on the thread that starts it.
    InProcessJsHere,
}

impl Mode {
    /// Starts the host and greets it: the one way a session, or a binding, starts one.
    pub fn start(&self) -> Result<Arc<Channel>, start::StartError> {
        match self {
            Mode::Isolated { what, timeout } => start::isolated(what.clone(), *timeout),
            Mode::InProcess => start::in_process(false),
            Mode::InProcessJsHere => start::in_process(true),
        }
    }
}

/// A host and the link to it; clones share it. The last clone dropped closes the host.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    channel: Arc<Channel>,
    mode: Mode,
    local: Arc<dyn LocalObjects>,
    /// The promise settlements waited for, and kept for waiters to come.
    settlements: Settlements,
    /// The last id given to a local object.
    local_ids: AtomicU64,
}

/// `value` as a request names it: a buffer the host sent by its shared memory is named by its
/// object (`Value::Shared` goes one way only); any other value is itself.
pub fn by_reference(value: &Value) -> Value {
    match value {
        Value::Shared { object, .. } => Value::Js(JsRef { id: *object, kind: RefKind::Object, class_proto: None, label: String::new() }),
        other => other.clone(),
    }
}

/// An addon loaded: its exports, and their own data properties as they were when it loaded.
/// It holds the host objects it names until it is dropped.
#[derive(Debug)]
pub struct Addon {
    /// The answer to the load: `[exports, {name: value}, info]` (`server/host/src/ops/load.rs`).
    answer: HostValue,
}

impl Addon {
    fn from_answer(answer: HostValue) -> Result<Addon, Error> {
        match answer.value() {
            Value::Array(parts) if parts.len() == 3 && matches!(parts[1], Value::Object(_)) => Ok(Addon { answer }),
            _ => Err(Error::Unknown("the host answered a load with something other than [exports, properties, info]")),
        }
    }

    fn part(&self, n: usize) -> &Value {
        match self.answer.value() {
            Value::Array(parts) => &parts[n],
            _ => unreachable!("checked by from_answer"),
        }
    }

    /// The exports object, by reference.
    pub fn exports(&self) -> &Value {
        self.part(0)
    }

    /// The exports' own data properties, each by value (a function by reference).
    pub fn properties(&self) -> &[(String, Value)] {
        match self.part(1) {
            Value::Object(properties) => properties,
            _ => unreachable!("checked by from_answer"),
        }
    }

    /// What the host knows of the module (its Node-API version, how it registered).
    pub fn info(&self) -> &Value {
        self.part(2)
    }

    /// The exports' property `name` as it was when the addon loaded.
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.properties().iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }
}

/// How long `close` lets a host end by itself before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The event dispatcher's stack: local calls run on it, and may nest requests.
const DISPATCHER_STACK: usize = 8 << 20;

impl Session {
    /// Starts a host as `mode` says, whose calls into the program go to `local`.
    pub fn start(mode: Mode, local: Arc<dyn LocalObjects>) -> Result<Session, Error> {
        let channel = mode.start().map_err(Error::Start)?;
        // An in-process host is this process's own code; an isolated one is checked.
        let settlements = Settlements::new(channel.in_process().is_none());
        let inner = Arc::new(Inner { channel, mode, local, settlements, local_ids: AtomicU64::new(0) });
        let (weak, channel) = (Arc::downgrade(&inner), inner.channel.clone());
        let dispatcher = std::thread::Builder::new()
            .name(format!("napi-events-{}", channel.process.pid))
            .stack_size(DISPATCHER_STACK)
            .spawn(move || events::dispatch(weak, channel));
        if let Err(e) = dispatcher {
            return Err(Error::Start(start::StartError::Os(format!("cannot start the event dispatcher: {e}"))));
        }
        Ok(Session { inner })
    }

    /// Starts `napi-hostd` as `what` says, with no local objects.
    pub fn isolated(what: Spawn, timeout: Option<Duration>) -> Result<Session, Error> {
        Self::start(Mode::Isolated { what, timeout }, Arc::new(NoLocalObjects))
    }

    /// Starts a host on a thread of this process, with no local objects.
    pub fn in_process() -> Result<Session, Error> {
        Self::start(Mode::InProcess, Arc::new(NoLocalObjects))
    }

    /// A new host like this one (same mode, same local objects), as after a crash.
    pub fn restart(&self) -> Result<Session, Error> {
        Self::start(self.inner.mode.clone(), self.inner.local.clone())
    }

    /// The link to the host, for what the session does not offer.
    pub fn channel(&self) -> &Arc<Channel> {
        &self.inner.channel
    }

    /// A new id for a local object, to send as `Value::Py`; `LocalObjects` answers its calls.
    pub fn new_local(&self) -> PyRef {
        let id = self.inner.local_ids.fetch_add(1, Ordering::Relaxed) + 1;
        // Drop notices may name it from now on.
        self.inner.channel.exported.fetch_max(id, Ordering::Relaxed);
        PyRef(id)
    }

    /// Loads the addon at `path`.
    pub fn load(&self, path: &str) -> Result<Addon, Error> {
        direct::loading(&self.inner.channel, path);
        Addon::from_answer(self.request(Op::Load { path: path.into() })?)
    }

    /// `func.call(this, ...args)`.
    pub fn call(&self, func: &Value, this: Value, args: Vec<Value>) -> Result<HostValue, Error> {
        self.request(Op::Call { func: func.clone(), this, args })
    }

    /// `new ctor(...args)`.
    pub fn construct(&self, ctor: &Value, args: Vec<Value>) -> Result<HostValue, Error> {
        self.request(Op::Construct { ctor: ctor.clone(), args })
    }

    /// `target[key]`.
    pub fn get(&self, target: &Value, key: &str) -> Result<HostValue, Error> {
        self.request(Op::Get { target: target.clone(), key: Value::String(key.into()) })
    }

    /// `target[key] = value`.
    pub fn set(&self, target: &Value, key: &str, value: Value) -> Result<(), Error> {
        self.request(Op::Set { target: target.clone(), key: Value::String(key.into()), value }).map(drop)
    }

    /// A new zero-filled buffer of `len` bytes and type `kind` in shared memory (`Value::Shared`),
    /// and its bytes mapped here: they are the buffer's while the `HostValue` lives.
    pub fn new_buffer(&self, kind: BufferKind, len: u64) -> Result<(HostValue, Memory), Error> {
        let buffer = self.request(Op::NewBuffer { kind, len })?;
        match self.map(&buffer) {
            Some(memory) => Ok((buffer, memory)),
            None => Err(Error::Unknown("the host answered a new buffer with memory this client cannot map")),
        }
    }

    /// The bytes of a buffer the host sent by its shared memory, mapped here for as long as the
    /// `Memory` lives; `None` for any other value, or a region of no segment the host announced.
    pub fn map(&self, buffer: &Value) -> Option<Memory> {
        match buffer {
            Value::Shared { region, .. } => self.inner.channel.shm.memory(*region),
            _ => None,
        }
    }

    /// Waits for `promise` to settle: its value, or `Error::Thrown` with its reason.
    pub fn await_promise(&self, promise: &Value) -> Result<HostValue, Error> {
        let (channel, settlements) = (&self.inner.channel, &self.inner.settlements);
        let subscription = channel.next_id();
        let slot = Arc::new(Slot::default());
        events::claim(settlements, subscription, Waiter::Thread(slot.clone()), channel);
        if let Err(e) = self.request(Op::Subscribe { promise: promise.clone(), subscription }) {
            settlements.take_waiter(subscription);
            return Err(e);
        }
        answer(slot.wait().map_err(Error::Dead)?, channel)
    }

    /// Sends `op` and waits for its answer, running the host's calls into local objects that
    /// come first. Made during a local call, it goes on that call's chain.
    pub fn request(&self, op: Op) -> Result<HostValue, Error> {
        exit_gate::inside(|| self.request_inside(op)).unwrap_or(Err(Error::Exiting))
    }

    /// `request`, sent by message even to an in-process host, whose own thread then serves it
    /// (as a request made from a local call that came by message goes): a request that waits on
    /// the link in either mode.
    pub fn request_by_message(&self, op: Op) -> Result<HostValue, Error> {
        exit_gate::inside(|| {
            let channel = &*self.inner.channel;
            let active = chains::active(channel).map(|(chain, _)| chain);
            let request = exchange::new_request(channel, channel.next_id(), active, op);
            exchange::exchange(channel, &Requesting(self), request, active.is_none())
        })
        .unwrap_or(Err(Error::Exiting))
    }

    fn request_inside(&self, op: Op) -> Result<HostValue, Error> {
        let channel = &*self.inner.channel;
        // Once the host has started to end, nothing more runs on it: an in-process host's JS
        // lock is free while it ends, and a direct call would take it.
        if channel.refusing() {
            return Err(Error::Dead(channel.refusal()));
        }
        let active = chains::active(channel);
        let request = exchange::new_request(channel, channel.next_id(), active.map(|(chain, _)| chain), op);
        // In-process, served on this thread as a direct call unless the host turns it away.
        if let Some(direct) = direct::direct_host(channel, active.map(|(_, came)| came)) {
            if let Some(answer) = direct::session_request(self, direct.host, &request)? {
                return Ok(answer);
            }
        }
        exchange::exchange(channel, &Requesting(self), request, active.is_none())
    }

    /// Runs the host's call of local object `func` for `chain`.
    fn run_local(&self, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
        let channel = &self.inner.channel;
        let (this, args) = (HostValue::new(this, channel), args.into_iter().map(|a| HostValue::new(a, channel)).collect());
        let result = chains::running(channel, chain, CameBy::Message, || self.inner.local.call(self, func, this, args));
        result.map_err(|e| PyException { exception: PyRef(0), type_name: e.type_name, message: e.message })
    }

    /// What the client keeps for this host, by name (`Channel::bookkeeping`, and the
    /// settlements kept for waiters to come): for tests that a host cannot make it grow.
    pub fn bookkeeping(&self) -> Vec<(&'static str, u64)> {
        let mut kept = self.inner.channel.bookkeeping();
        kept.push(("kept_settlements", self.inner.settlements.kept() as u64));
        kept
    }

    /// Whether the host still answers.
    pub fn alive(&self) -> bool {
        self.inner.channel.dead().is_none()
    }

    /// Ends the host: it is asked to exit, then killed after a grace period.
    pub fn close(&self) {
        self.inner.channel.close(CLOSE_GRACE);
    }
}

/// A session's requests and events, as the exchange drives them.
struct Requesting<'a>(&'a Session);

impl Exchange for Requesting<'_> {
    type Answer = HostValue;

    fn reply(&self, id: RequestId, outcome: Outcome) -> Result<HostValue, Error> {
        let channel = &self.0.inner.channel;
        if subscribed_by_reply(&outcome) {
            // The host's own subscription, which nobody here waits on: its settlement is let go.
            events::claim(&self.0.inner.settlements, id, Waiter::Nobody, channel);
        }
        let answered = answer(outcome, channel);
        if channel.has_drops() {
            channel.forget(self.0.inner.local.dropped(channel.take_drops()));
        }
        answered
    }

    fn dead(&self, dead: &Arc<Dead>) -> Error {
        Error::Dead(dead.clone())
    }

    fn exiting(&self) -> Error {
        Error::Exiting
    }

    fn began(&self, id: RequestId) {
        self.0.inner.settlements.expect(id);
    }

    fn ended(&self, id: RequestId) {
        if let Some(early) = self.0.inner.settlements.done(id) {
            early.let_go(&self.0.inner.channel);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.channel.close(CLOSE_GRACE);
    }
}
