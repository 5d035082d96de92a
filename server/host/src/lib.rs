//! The host: serves a `napi_python` client's requests on the JS thread, with the runtime
//! (`napi_runtime`) and the Node-API functions (`napi_functions`) beneath it. Both napi-hostd
//! (a process of its own) and in-process mode (a thread of Python's, [`inprocess`]) run it.
//!
//! Requests are served one at a time, like Node's main thread. While a request runs, the addon
//! may call a Python function: the host sends `CallPython` tagged with the request's chain and
//! keeps serving requests of that same chain (the Python callback calling back into the addon)
//! until the answer arrives. Requests of other chains wait in a backlog until the chain that is
//! running finishes, so calls from different Python threads never interleave inside the addon.
//!
//! - [`serve`]: the loop, and a request's way from message to reply.
//! - `turn`: a turn and what serving it needs of whoever asked: a direct caller's (in-process)
//!   Python calls, answers and waits go through the turn. [`caller`], [`event_calls`] and
//!   [`inline_python`] name its items by the paths other crates use.
//! - [`inprocess`]: in-process mode behind one door: a call routed to its caller's thread or
//!   to the host thread for its caller (`relay`) and handed to `Host::serve_direct`, the JS lock,
//!   the host thread's idling, the news handed over directly, and the event turns' inline
//!   Python calls kept in order.
//! - [`uv_loop`], [`pump`]: the host's libuv loop and its turns among the host's work.
//! - [`python`]: calls into Python, exceptions and settlements on their way out.
//! - [`dispatch`]: what each operation does; [`wire`]: values in and out.
//! - [`port`], [`rings`]: the client's end.

#![deny(clippy::undocumented_unsafe_blocks)]

mod cycles;
mod descriptors;
mod dispatch;
pub mod inprocess;
pub mod logging;
mod mirrors;
mod ops;
pub mod port;
mod pump;
mod python;
mod python_objects;
pub mod rings;
mod serve;
mod turn;
mod uv_loop;
pub mod wire;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use napi_functions::lifecycle::LoadedModule;
use napi_link::shm::OwnedDescriptor;
use napi_link::streams::Connection;
use napi_protocol::frame::FrameError;
use napi_protocol::Request;
use napi_runtime::{Outside, Runtime};

use inprocess::{InProcess, InProcessPort};
use port::Port;
use python_objects::PythonObjects;
use rings::RingsPort;
use uv_loop::UvLoop;
use wire::ClientHolds;

pub use inprocess::{Busy, NewsSink};
pub use turn::{Caller, Served};

/// The paths other crates name the in-process door's items by (`napi_host::caller::Direct`).
pub mod caller {
    pub use crate::turn::{Arg, ArgsStopped, Call, Caller, Direct, Served};
}

/// As [`caller`]: `napi_host::event_calls::Settlement`.
pub mod event_calls {
    pub use crate::inprocess::EventCalls;
    pub use crate::turn::{EventCaller, Settlement};
}

/// As [`caller`]: `napi_host::inline_python::Refused`.
pub mod inline_python {
    pub use crate::turn::{PythonArgs, PythonCallFailed, Refused};
}

pub struct Host {
    rt: Rc<Runtime>,
    conn: RefCell<Box<dyn Port>>,
    modules: RefCell<Vec<LoadedModule>>,
    held: RefCell<ClientHolds>,
    /// The Python objects the host holds, and the JS objects standing for them.
    python: RefCell<PythonObjects>,
    /// Requests of other chains that arrived while a chain was running.
    backlog: RefCell<VecDeque<Request>>,
    /// The turns being served, and the direct call in progress on this thread (in-process).
    turns: turn::Turns,
    /// The operands of the direct requests being served that their callers walk into the heap
    /// (`Value::Walked`), innermost last: made when one is first needed.
    walked: dispatch::WalkedOperands,
    next_call: Cell<u64>,
    /// Set when the client is gone: every wait ends.
    closed: Cell<bool>,
    /// Set once the subscriptions of a host whose JS thread ended were answered (`serve::js_thread`).
    subscriptions_answered: Cell<bool>,
    /// The request whose reply waits while its promise may settle (`linger`).
    replying_to: Cell<Option<u64>>,
    /// An in-process host's share with its client: the JS lock, which the host thread lets go
    /// of while it idles, so that callers may run requests themselves.
    in_process: Option<Arc<InProcess>>,
    /// The host's libuv loop, run on the JS thread (`uv_loop`, `pump`).
    uv: UvLoop,
    /// Python calls of event turns being run on the in-process host thread itself (`event_calls`).
    inline_event_calls: Cell<u32>,
    /// Relayed calls being served on the in-process host thread, nested ones included (`relay`).
    relayed_calls: Cell<u32>,
    /// The in-process host thread served a relayed call since it last slept: it looks for the
    /// next one before it sleeps (`InProcess::idle`).
    relayed_lately: Cell<bool>,
    /// In-process, drop notices held back until the dispatcher has finished the events sent
    /// before them (`Host::drops_due`).
    withheld_drops: RefCell<Vec<serve::WithheldDrops>>,
    /// Descriptors the client sent for its addons (`descriptors`).
    descriptors: descriptors::Descriptors,
}

/// Why the host stopped serving.
pub enum Stop {
    /// The client closed the connection.
    Closed,
    /// The client sent something that is not a valid frame.
    Protocol(FrameError),
}

impl Host {
    /// A host serving a client in another process over `rings` (the client's), with
    /// `stream` beside them for wake-ups, descriptors and the hang-up, and `events` for what no
    /// request asked for.
    pub fn over_rings(stream: Connection, events: Connection, rings: &napi_link::shm::Rings) -> Rc<Host> {
        Host::new(Box::new(RingsPort::new(stream, events, rings)), None)
    }

    /// A host serving a client in this process: over rings as [`Host::over_rings`] for what
    /// comes to its thread, and directly for what its callers serve themselves (`shared`).
    pub fn in_process(stream: Connection, events: Connection, rings: &napi_link::shm::Rings, shared: Arc<InProcess>) -> Rc<Host> {
        let port = InProcessPort::new(RingsPort::new(stream, events, rings), shared.clone());
        Host::new(Box::new(port), Some(shared))
    }

    /// Makes this thread the JS thread of a new runtime, served through `port`.
    fn new(port: Box<dyn Port>, in_process: Option<Arc<InProcess>>) -> Rc<Host> {
        let rt = match &in_process {
            Some(shared) => napi_functions::layer::new_runtime_flagging(shared.pending.clone(), shared.events().clone()),
            None => napi_functions::layer::new_runtime(),
        };
        Runtime::install(rt.clone());
        let uv = UvLoop::new(rt.events()).expect("a libuv loop for the host");
        rt.set_uv_loop(uv.as_ptr() as usize);
        let host = Rc::new(Host {
            rt,
            conn: RefCell::new(port),
            modules: RefCell::new(Vec::new()),
            held: RefCell::new(ClientHolds::default()),
            python: RefCell::new(PythonObjects::default()),
            backlog: RefCell::new(VecDeque::new()),
            turns: Default::default(),
            walked: Default::default(),
            next_call: Cell::new(1),
            closed: Cell::new(false),
            subscriptions_answered: Cell::new(false),
            replying_to: Cell::new(None),
            in_process,
            uv,
            inline_event_calls: Cell::new(0),
            relayed_calls: Cell::new(0),
            relayed_lately: Cell::new(false),
            withheld_drops: RefCell::new(Vec::new()),
            descriptors: Default::default(),
        });
        host.rt.set_outside(Rc::new(PythonBridge(Rc::downgrade(&host))));
        if host.in_process.is_some() {
            // One address space: the client may lend its memory for a call (`Value::Lent`).
            host.rt.shm().allow_lending();
        }
        host
    }

    /// Maps a segment of the client's, announced with its descriptor.
    fn add_client_segment(&self, id: u32, size: u64, fd: OwnedDescriptor) {
        if let Err(e) = self.rt.shm().add_peer(id, size, fd) {
            tracing::warn!(id, "cannot map the client's segment: {e}");
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // Held by the host thread from `serve` through `shutdown`.
        if let Some(shared) = &self.in_process {
            shared.release();
        }
    }
}

/// The runtime's way out to Python, through the host that owns it.
struct PythonBridge(std::rc::Weak<Host>);

impl Outside for PythonBridge {
    fn call_python(
        &self,
        rt: &Runtime,
        func: u64,
        this: napi_runtime::Value,
        args: Vec<napi_runtime::Value>,
    ) -> napi_runtime::JsResult<napi_runtime::Value> {
        match self.0.upgrade() {
            Some(host) => host.call_python(func, this, args),
            None => Err(rt.error(napi_runtime::convert::ErrorKind::Error, "the host is shutting down".into())),
        }
    }

    fn uncaught(&self, _: &Runtime, value: napi_runtime::Value) {
        if let Some(host) = self.0.upgrade() {
            host.uncaught(&value);
        }
    }

    fn promise_settled(&self, _: &Runtime, subscription: u64, fulfilled: bool, value: napi_runtime::Value) {
        if let Some(host) = self.0.upgrade() {
            host.settled(subscription, fulfilled, value);
        }
    }
}
