//! The daemon side: serving client requests on the JS thread.
//!
//! Requests are served one at a time, like Node's main thread. While a request runs, the addon
//! may call a Python function: the host sends `CallPython` tagged with the request's chain and
//! keeps serving requests of that same chain (the Python callback calling back into the addon)
//! until the answer arrives. Requests of other chains wait in a backlog until the chain that is
//! running finishes, so calls from different Python threads never interleave inside the addon.

mod connection;
mod direct;
mod dispatch;
pub mod logging;
pub mod memory;
mod mirrors;
mod port;
pub mod wire;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::Arc;

use napi_protocol::frame::FrameError;
use napi_protocol::{ChainId, ClientMessage, Outcome, PyException, Request, ServerMessage, PROTOCOL_VERSION};

use connection::Connection;
use napi_functions::lifecycle::{teardown_env, LoadedModule};
use napi_runtime::convert::ErrorKind;
use napi_runtime::{JsResult, ObjectId, Outside, Runtime, Thrown, Value};
use port::Port;
use wire::{Held, ToWire};

pub struct Host {
    rt: Rc<Runtime>,
    conn: RefCell<Box<dyn Port>>,
    modules: RefCell<Vec<LoadedModule>>,
    held: RefCell<Held>,
    /// Requests of other chains that arrived while a chain was running.
    backlog: RefCell<VecDeque<Request>>,
    /// The chains being served, innermost last, each with whether it is an event turn (no
    /// request waits for it): Python calls of event turns go on the event socket.
    chains: RefCell<Vec<(ChainId, bool)>>,
    next_call: Cell<u64>,
    /// Set when the client is gone: every wait ends.
    closed: Cell<bool>,
    /// The request whose reply waits while its promise may settle (`linger`).
    replying_to: Cell<Option<u64>>,
    /// An in-process host's link: its JS lock is let go while the host idles, for direct calls
    /// (D37).
    link: Option<Arc<memory::MemoryLink>>,
}

impl Drop for Host {
    fn drop(&mut self) {
        // Taken in `serve`, held through `shutdown`.
        if let Some(link) = &self.link {
            link.js.unlock();
        }
    }
}

/// How long a reply waits for its promise's work to finish (see `Host::linger`): a few thread
/// wake-ups, far below what the client would pay to be woken for the settlement later.
const LINGER: std::time::Duration = std::time::Duration::from_micros(50);

/// Why the host stopped serving.
pub enum Stop {
    /// The client closed the connection.
    Closed,
    /// The client sent something that is not a valid frame.
    Protocol(FrameError),
}

impl Host {
    /// A host serving a client over sockets, with `rings` (the client's, D34) for requests
    /// and replies when given (`stream` then carries only wake-ups, descriptors and the
    /// hang-up). `events`: the event socket (fd 4); without one, events travel on the main
    /// stream.
    pub fn over_sockets(stream: UnixStream, events: Option<UnixStream>, rings: Option<napi_link::shm::Rings>) -> std::io::Result<Rc<Host>> {
        Ok(Host::new(Box::new(Connection::new(stream, events, rings)?), None))
    }

    /// A host serving a client on another thread of this process (D35).
    pub fn in_memory(link: Arc<memory::MemoryLink>) -> Rc<Host> {
        Host::new(Box::new(memory::MemoryPort(link.clone())), Some(link))
    }

    /// Makes this thread the JS thread of a new runtime, served through `port`.
    fn new(port: Box<dyn Port>, link: Option<Arc<memory::MemoryLink>>) -> Rc<Host> {
        let rt = napi_functions::layer::new_runtime();
        Runtime::install(rt.clone());
        let host = Rc::new(Host {
            rt,
            conn: RefCell::new(port),
            modules: RefCell::new(Vec::new()),
            held: RefCell::new(Held::default()),
            backlog: RefCell::new(VecDeque::new()),
            chains: RefCell::new(Vec::new()),
            next_call: Cell::new(1),
            closed: Cell::new(false),
            replying_to: Cell::new(None),
            link,
        });
        host.rt.set_outside(Rc::new(PythonBridge(Rc::downgrade(&host))));
        host
    }

    /// Sends a message no request asked for on the event socket (its own reader in the client).
    fn send_event(&self, msg: ServerMessage) {
        self.share_news();
        if self.conn.borrow_mut().send_event(msg).is_err() {
            self.client_gone();
        }
    }

    fn send(&self, msg: ServerMessage) {
        self.share_news();
        if self.conn.borrow_mut().send(msg).is_err() {
            self.client_gone();
        }
    }

    /// The client hung up (or its socket failed): nothing may call into Python any more, as in
    /// Node once its environment is exiting, and what still runs before teardown (a batch of
    /// threadsafe-function calls) gets napi's "cannot call into JS" answers, not Python's.
    fn client_gone(&self) {
        self.closed.set(true);
        self.rt.can_call_js.set(false);
    }

    /// Before any message: the addon's writes to mirrored external buffers, new segments (which
    /// it may mention), segments retired and client blocks the host is done with.
    fn share_news(&self) {
        // Nearly always none, and this comes before every reply and every direct call's answer.
        if self.held.borrow().mirrors.is_empty() && !self.rt.shm.has_news() {
            return;
        }
        self.held.borrow_mut().mirrors.send_out(&self.rt);
        let shm = &self.rt.shm;
        let mut conn = self.conn.borrow_mut();
        let mut ok = true;
        shm.announce(|a| ok &= conn.announce(a.id, a.size, a.fd).is_ok());
        for id in shm.take_retired() {
            ok &= conn.send(ServerMessage::SegmentRetired { id }).is_ok();
        }
        let blocks = shm.take_returned();
        if !blocks.is_empty() {
            ok &= conn.send(ServerMessage::Returned { blocks }).is_ok();
        }
        if !ok {
            self.client_gone();
        }
    }

    /// The next client message, taking in the segments it announces on the way.
    fn recv(&self) -> Result<ClientMessage, FrameError> {
        loop {
            // In a direct call, the caller itself answers the host's Python calls (D37).
            if let Some(link) = &self.link {
                link.pump_until_mail();
            }
            if let Some(msg) = self.recv_one()? {
                return Ok(msg);
            }
        }
    }

    /// Reads one client message (waiting for it); segment news are taken in here (`None`).
    fn recv_one(&self) -> Result<Option<ClientMessage>, FrameError> {
        let mut conn = self.conn.borrow_mut();
        match conn.recv()? {
            ClientMessage::Segment { id, size } => {
                let Some(fd) = conn.take_fd() else {
                    return Err(FrameError::Malformed(format!("segment {id} announced without its descriptor")));
                };
                drop(conn);
                if let Err(e) = self.rt.shm.add_peer(id, size, fd) {
                    tracing::warn!(id, "cannot map the client's segment: {e}");
                }
                Ok(None)
            }
            ClientMessage::SegmentRetired { id } => {
                drop(conn);
                self.rt.shm.remove_peer(id);
                Ok(None)
            }
            other => {
                drop(conn);
                // Python's writes to mirrored external buffers, before the host acts.
                self.held.borrow_mut().mirrors.take_in(&self.rt);
                Ok(Some(other))
            }
        }
    }

    /// Greets the client (naming the `protections` in force), then serves requests until it
    /// goes away.
    pub fn serve(&self, protections: Vec<String>) -> Stop {
        if let Some(link) = &self.link {
            // Held from here through `shutdown` (see `Drop`), but while the host idles.
            link.js.lock();
            link.host.store(self as *const Host as *mut Host, std::sync::atomic::Ordering::Release);
        }
        let stop = self.serve_until_stopped(protections);
        if let Some(link) = &self.link {
            link.host.store(std::ptr::null_mut(), std::sync::atomic::Ordering::Release);
        }
        stop
    }

    fn serve_until_stopped(&self, protections: Vec<String>) -> Stop {
        self.send(ServerMessage::Hello { version: PROTOCOL_VERSION, pid: std::process::id(), protections });
        loop {
            // Bound first: a borrow in the `if let` itself would live through serve_request.
            let waiting = self.backlog.borrow_mut().pop_front();
            if let Some(req) = waiting {
                self.serve_request(&req);
                // Then what other threads posted, so neither starves the other.
                self.run_events();
                continue;
            }
            // One client message (a hang-up above all) before each turn of events: a client that
            // went away must not be called while the events keep coming.
            let mail = match &self.link {
                // Direct calls may run meanwhile, and leave requests in the backlog.
                Some(link) => link.idle(&self.rt.events) && self.backlog.borrow().is_empty(),
                None => self.conn.borrow_mut().wait_readable(&self.rt.events),
            };
            if !mail {
                // Top level, no request running: what other threads posted (async-work
                // completions, threadsafe-function calls) runs here, as Node runs it from its loop.
                self.run_events();
                continue;
            }
            let msg = self.recv();
            match msg {
                Ok(ClientMessage::Request(req)) => self.serve_request(&req),
                Ok(ClientMessage::CallbackResult { call, .. }) => {
                    tracing::warn!(call, "answer to a Python call nobody waits for");
                }
                Ok(_) => tracing::warn!("unknown message"),
                Err(FrameError::Closed) => return Stop::Closed,
                Err(e) => return Stop::Protocol(e),
            }
            if self.closed.get() {
                return Stop::Closed;
            }
            self.run_events();
        }
    }

    /// Runs `serve` on a caller's thread that holds the JS lock (D37), as the host thread would
    /// on receiving what it serves. Answers its result, and whether requests of other chains,
    /// taken in meanwhile, wait in the backlog for the host thread.
    fn directly<R>(&self, serve: impl FnOnce(&Host) -> R) -> (R, bool) {
        let _current = Runtime::enter(&self.rt);
        // Tasks posted meanwhile are this thread's to run (a reply lingering for its promise
        // runs them), or the host thread's once the lock is let go: waking it now would only
        // have it wait for the lock (D43).
        let _hushed = self.rt.events.hush();
        self.take_in_queued();
        let result = serve(self);
        (result, !self.backlog.borrow().is_empty())
    }

    /// Serves `call` as `serve_request` would the request it stands for (D41). A primitive
    /// answer is written to `answer` as it is, with no reply made (answers true); otherwise the
    /// reply is sent as usual.
    fn call_directly(&self, call: &memory::PrimitiveCall<'_>, answer: &mut Option<napi_protocol::Value>) -> bool {
        match self.as_request(&call.releases, &call.forgotten, call.id, || self.call_primitive(call, answer)) {
            Ok(()) => {
                // What a reply would have carried ahead of it (the addon's writes to mirrored
                // buffers above all), and the promise jobs that follow a top-level request.
                self.share_news();
                self.run_microtasks();
                true
            }
            Err(outcome) => {
                self.reply(call.id, call.id, outcome);
                false
            }
        }
    }

    /// Before a direct call: what was queued ahead of it, segments it may use (the caller's
    /// uploads) and requests of other threads, which wait in the backlog as they would behind
    /// a chain.
    fn take_in_queued(&self) {
        if let Some(link) = &self.link {
            while link.has_message() && !self.closed.get() {
                match self.recv_one() {
                    Ok(Some(ClientMessage::Request(r))) => self.backlog.borrow_mut().push_back(r),
                    Ok(Some(_)) => tracing::warn!("answer to a Python call nobody waits for"),
                    Ok(None) => {}
                    Err(_) => self.client_gone(),
                }
            }
        }
        // Python's writes to mirrored external buffers, as `recv` takes them in.
        self.held.borrow_mut().mirrors.take_in(&self.rt);
    }

    fn serve_request(&self, req: &Request) {
        let outcome = self.as_request(&req.releases, &req.forgotten, req.chain, || self.dispatch(&req.op));
        self.reply(req.id, req.chain, outcome);
    }

    /// Runs `serve` as a request of `chain` (a request's or a `PrimitiveCall`'s work): takes
    /// in the notices it carries and, at the top level, collects garbage if due first.
    fn as_request<R>(
        &self,
        releases: &[napi_protocol::ObjectId],
        forgotten: &[napi_protocol::PyRef],
        chain: ChainId,
        serve: impl FnOnce() -> R,
    ) -> R {
        self.take_notices(releases, forgotten);
        self.safe_point();
        self.chains.borrow_mut().push((chain, false));
        let result = serve();
        self.chains.borrow_mut().pop();
        result
    }

    /// What a request carries besides its operation: the client's proxies that died, and the
    /// Python objects it forgot (whose send counts start again). Inlined: nearly always there
    /// are none, and this is on every request's way.
    #[inline(always)]
    fn take_notices(&self, releases: &[napi_protocol::ObjectId], forgotten: &[napi_protocol::PyRef]) {
        if !releases.is_empty() {
            let mut held = self.held.borrow_mut();
            for id in releases {
                held.release(ObjectId::from_bits(id.0));
            }
        }
        if !forgotten.is_empty() {
            let mut sends = self.rt.remote_sends.borrow_mut();
            for py in forgotten {
                sends.remove(&py.0);
            }
        }
    }

    /// Between top-level requests nothing but the roots holds values: collects garbage there
    /// when the runtime asks for it.
    fn safe_point(&self) {
        if self.chains.borrow().is_empty() && self.rt.wants_collection() {
            self.collect();
        }
    }

    /// Sends the reply to request `id` of `chain`, then runs the promise jobs a top-level
    /// request queued.
    fn reply(&self, id: napi_protocol::RequestId, chain: ChainId, outcome: Outcome) {
        // A promise answered to Python is awaited there more often than not: subscribing to it
        // now, under the request's id, spares the client a round trip to ask (D20).
        if let Outcome::Ok(napi_protocol::Value::Js(r)) = &outcome {
            if matches!(r.kind, napi_protocol::RefKind::Promise) {
                let promise = ObjectId::from_bits(r.id.0);
                self.subscribe(promise, id);
                if self.chains.borrow().is_empty() {
                    self.linger(promise, id);
                }
            }
        }
        self.send(ServerMessage::Reply { id, chain, outcome });
        if self.chains.borrow().is_empty() {
            self.run_microtasks();
        }
    }

    /// Before answering a top-level request with a pending promise whose work is already under
    /// way (async work on the pool, a threadsafe function), waits up to `LINGER` for it, running
    /// events as they come, as the loop would right after the reply. Work that quick (most async
    /// work of small inputs) settles the promise here, and its `Settled` goes on the main socket
    /// just before the reply (the client keeps it for the promise the reply makes), so `await`
    /// finds it settled instead of paying another wake-up of the caller (D22).
    fn linger(&self, promise: ObjectId, request: u64) {
        use napi_runtime::promise::PromiseState;
        let pending = || matches!(self.rt.promise_state(promise), Some(PromiseState::Pending));
        if !pending() || !self.rt.has_pending_work() {
            return;
        }
        self.replying_to.set(Some(request));
        let deadline = std::time::Instant::now() + LINGER;
        self.run_microtasks();
        while pending() && !self.closed.get() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            if napi_link::spin::one_cpu() {
                // The work's thread needs this very CPU: handing it over at once costs less
                // than sleeping on the event queue and being woken by the post (which, on one
                // CPU, also preempts the worker before it is done).
                if self.rt.events.is_empty() {
                    // SAFETY: no arguments.
                    unsafe { libc::sched_yield() };
                    continue;
                }
            } else if !napi_link::spin::spin_until(|| !self.rt.events.is_empty(), left) {
                // Looked at, not slept on (D43): the post's wake-up of a sleeper costs more on a
                // VM than the whole linger, and its caller waits for this reply anyway.
                break;
            }
            self.run_events();
        }
        self.replying_to.set(None);
    }

    /// Runs `f` as an event turn: on the event chain, its Python calls on the event socket.
    fn event_turn(&self, f: impl FnOnce()) {
        self.chains.borrow_mut().push((napi_protocol::EVENT_CHAIN, true));
        f();
        self.chains.borrow_mut().pop();
    }

    /// The promise jobs a top-level step queued, as after a turn of Node's loop.
    fn run_microtasks(&self) {
        if !self.rt.microtasks.borrow().is_empty() {
            self.event_turn(|| self.rt.run_microtasks());
        }
    }

    /// Runs what other threads posted and the promise jobs that follow, as an event turn.
    fn run_events(&self) {
        if !self.rt.events.is_empty() {
            self.event_turn(|| {
                self.rt.run_tasks();
                self.rt.run_microtasks();
            });
        }
    }

    /// An exception nothing caught: the client reports it (Python's unraisable-exception way).
    fn uncaught(&self, value: &Value) {
        if self.closed.get() {
            // Nobody to tell: the client left, and the error is the consequence of that.
            tracing::debug!("uncaught exception after the client left: {}", self.rt.describe_thrown(value));
            return;
        }
        if let Outcome::Thrown(t) = self.thrown(value) {
            self.send_event(ServerMessage::Uncaught(t));
        }
    }

    /// Registers the client's interest in a promise: its settlement is sent as `Settled`.
    fn subscribe(&self, promise: ObjectId, subscription: u64) {
        use napi_runtime::promise::{Handler, Reaction};
        let reaction = Reaction { on_fulfilled: Handler::Notify(subscription), on_rejected: Handler::Notify(subscription), derived: None };
        self.rt.add_reaction(promise, reaction);
    }

    fn settled(&self, subscription: u64, fulfilled: bool, value: Value) {
        let outcome =
            if fulfilled { Outcome::Ok(ToWire::new(&self.rt, &mut self.held.borrow_mut()).value(&value)) } else { self.thrown(&value) };
        let msg = ServerMessage::Settled { subscription, outcome };
        if self.replying_to.get() == Some(subscription) {
            // Settled while the reply that makes its promise waits: ahead of it, on the same
            // socket and in the same write.
            self.share_news();
            if self.conn.borrow_mut().send_later(msg).is_err() {
                self.client_gone();
            }
        } else {
            self.send_event(msg);
        }
    }

    /// The outcome for a thrown JS value: the value itself plus what Python needs to build an
    /// exception (and the original Python exception, when that is what it is).
    fn thrown(&self, v: &Value) -> Outcome {
        let rt = &self.rt;
        let python = match v {
            Value::Object(id) => self.rt.python_errors.borrow().get(id).map(|py| napi_protocol::PyRef(*py)),
            _ => None,
        };
        let error = rt.is_error(v).then(|| {
            let text = |k: &str| match rt.get_named(v, k) {
                Ok(Value::String(s)) => s.to_rust_string(),
                _ => String::new(),
            };
            let Value::Object(id) = v else { unreachable!("errors are objects") };
            let own: Vec<(String, Value)> = rt
                .own_keys(*id)
                .into_iter()
                .filter_map(|k| {
                    let p = rt.get_own_property(*id, &k)?;
                    let name = match &k {
                        napi_runtime::property::PropertyKey::String(s) => s.to_rust_string(),
                        napi_runtime::property::PropertyKey::Index(i) => i.to_string(),
                        _ => return None,
                    };
                    match p.slot {
                        napi_runtime::property::Slot::Data(val) if p.enumerable || name == "code" => Some((name, val)),
                        _ => None,
                    }
                })
                .collect();
            let mut held = self.held.borrow_mut();
            let mut w = ToWire::new(rt, &mut held);
            let code = own.iter().find(|(k, _)| k == "code").map(|(_, c)| w.value(c));
            let props = own.iter().filter(|(k, _)| k != "code" && k != "message").map(|(k, val)| (k.clone(), w.value(val))).collect();
            napi_protocol::ErrorInfo { name: text("name"), message: text("message"), code, props }
        });
        let value = ToWire::new(rt, &mut self.held.borrow_mut()).value(v);
        Outcome::Thrown(Box::new(napi_protocol::Thrown { value, error, python }))
    }

    /// Collects garbage (the client's proxies are roots), tells the client which Python objects
    /// the host let go, and answers how many objects were freed.
    fn collect(&self) -> usize {
        let roots = self.held.borrow().ids();
        let collected = self.rt.collect(&roots);
        let python = collected.python;
        if !python.is_empty() {
            let sends = self.rt.remote_sends.borrow();
            let objects = python.iter().map(|py| (napi_protocol::PyRef(*py), sends.get(py).copied().unwrap_or(0))).collect();
            drop(sends);
            self.send(ServerMessage::DropPython { objects });
        }
        collected.freed.len()
    }

    /// Runs every env's teardown (cleanup hooks, instance data), newest module first.
    pub fn shutdown(&self) {
        // From here on, as in Node's environment teardown, nothing may run JS.
        self.rt.can_call_js.set(false);
        let modules = std::mem::take(&mut *self.modules.borrow_mut());
        for m in modules.iter().rev() {
            if let Some(env) = self.rt.env(m.env) {
                teardown_env(&self.rt, &env);
            }
        }
        // Libraries stay mapped until the process exits: finalizers queued elsewhere may still
        // point into them.
        std::mem::forget(modules);
    }

    /// Calls a Python function on the client and serves nested requests of the same chain until
    /// its answer arrives.
    fn call_python(&self, func: u64, this: Value, args: Vec<Value>) -> JsResult<Value> {
        let rt = &self.rt;
        let Some((chain, event_turn)) = self.chains.borrow().last().copied() else {
            return Err(rt.error(ErrorKind::Error, "Python functions can only be called while Python is calling into the addon".into()));
        };
        if self.closed.get() {
            // Nothing is sent to a client that left: it reads no more, and a send to its full
            // event socket would block this thread until the watchdog ends the process, with
            // the addons' teardown not run (a threadsafe function draining its queue into
            // Python after the client closed from one of its callbacks did so).
            return Err(client_left(rt));
        }
        let call = self.next_call.get();
        self.next_call.set(call + 1);
        let (this, args) = {
            let mut held = self.held.borrow_mut();
            let mut w = ToWire::new(rt, &mut held);
            (w.value(&this), args.iter().map(|a| w.value(a)).collect())
        };
        let msg = ServerMessage::CallPython { call, chain, func: napi_protocol::PyRef(func), this, args };
        if event_turn {
            self.send_event(msg);
        } else {
            self.send(msg);
        }
        loop {
            if self.closed.get() {
                return Err(client_left(rt));
            }
            let msg = self.recv();
            match msg {
                Ok(ClientMessage::CallbackResult { call: c, result }) if c == call => {
                    return match result {
                        Ok(v) => wire::from_wire(rt, &v).map_err(|f| rt.error(ErrorKind::Error, f.message)),
                        Err(e) => Err(self.python_exception(e)),
                    };
                }
                Ok(ClientMessage::CallbackResult { call: c, .. }) => tracing::warn!(call = c, "answer to a Python call nobody waits for"),
                Ok(ClientMessage::Request(req)) if req.chain == chain => self.serve_request(&req),
                Ok(ClientMessage::Request(req)) => self.backlog.borrow_mut().push_back(req),
                Ok(_) => tracing::warn!("unknown message"),
                Err(_) => {
                    self.client_gone();
                }
            }
        }
    }

    /// A JS `Error` standing for a Python exception: message "TypeName: text", remembered so the
    /// very exception comes back if the addon lets it propagate or returns it. The same exception
    /// raised again is the same error.
    fn python_exception(&self, e: PyException) -> Thrown {
        let rt = &self.rt;
        let py = e.exception.0;
        *rt.remote_sends.borrow_mut().entry(py).or_insert(0) += 1;
        let known = rt.remote_objects.borrow().get(&py).copied();
        if let Some(id) = known.filter(|id| rt.python_errors.borrow().contains_key(id)) {
            return Thrown(Value::Object(id));
        }
        let message = if e.message.is_empty() { e.type_name.clone() } else { format!("{}: {}", e.type_name, e.message) };
        let id = rt.new_error(ErrorKind::Error, message.into(), None);
        rt.python_errors.borrow_mut().insert(id, py);
        rt.remote_objects.borrow_mut().insert(py, id);
        Thrown(Value::Object(id))
    }
}

/// What a call of a Python function throws once the client has left.
fn client_left(rt: &Runtime) -> Thrown {
    rt.error(ErrorKind::Error, "the Python client went away".into())
}

/// The runtime's way out to Python, through the host that owns it.
struct PythonBridge(std::rc::Weak<Host>);

impl Outside for PythonBridge {
    fn call_python(&self, rt: &Runtime, func: u64, this: Value, args: Vec<Value>) -> JsResult<Value> {
        match self.0.upgrade() {
            Some(host) => host.call_python(func, this, args),
            None => Err(rt.error(ErrorKind::Error, "the host is shutting down".into())),
        }
    }

    fn uncaught(&self, _: &Runtime, value: Value) {
        if let Some(host) = self.0.upgrade() {
            host.uncaught(&value);
        }
    }

    fn promise_settled(&self, _: &Runtime, subscription: u64, fulfilled: bool, value: Value) {
        if let Some(host) = self.0.upgrade() {
            host.settled(subscription, fulfilled, value);
        }
    }
}
